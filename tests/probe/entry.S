/* SPDX-License-Identifier: MIT */
/*
 * The probe's PVH entry. It records the machine state the loader left
 * before changing any of it (struct probe_state, probe_state.h), then
 * installs its own GDT, stack and IDT and calls probe_main (main.c).
 *
 * Nothing here relies on the loader's state beyond what the probe must
 * use to record it: DS (to store) and CS (to run). EFLAGS is read with
 * pushf on a small stack in .data, since mov does not change flags and the
 * loader's ESP is unspecified; .bss is scanned for non-zero words before
 * the probe's own stack (in .bss) is used.
 *
 * Built with PROBE_RELOC (probe.mk's relocatable variants), the probe also
 * carries XEN_ELFNOTE_PHYS32_RELOC and runs wherever the loader put it: it
 * finds out where it runs with call/pop, records the registers through that
 * offset, then adds the offset to every absolute address in its image (the
 * table relocs.py writes into .probe_relocs from the link's relocations, as
 * Linux's arch/x86/tools/relocs does for the kernel) and goes on as the
 * plain probe does. Finding out needs a stack, which PVH does not give: like
 * Linux's PVH entry it borrows start_info's first word (and, unlike Linux,
 * puts it back), and it keeps the loader's ESP, EAX and EFLAGS in DR0, DR1
 * and DR3 meanwhile (DR7 is left alone, so no breakpoint is armed). So this
 * variant uses EBX and SS before it can check them.
 */
#define __ASSEMBLER__ 1
#include "probe_state.h"

#define PROBE_CS 0x08
#define PROBE_DS 0x10
#define MSR_EFER 0xc0000080

/* XEN_ELFNOTE_PHYS32_ENTRY: the PVH entry, a 32-bit physical address. */
        .section .note.xen, "a"
        .balign 4
        .long   4               /* namesz: "Xen\0" */
        .long   4               /* descsz */
        .long   18              /* XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz  "Xen"
        .long   probe_entry

#ifdef PROBE_RELOC
/* XEN_ELFNOTE_PHYS32_RELOC: alignment, lowest start, highest last byte. */
        .balign 4
        .long   4               /* namesz: "Xen\0" */
        .long   12              /* descsz: three values */
        .long   19              /* XEN_ELFNOTE_PHYS32_RELOC */
        .asciz  "Xen"
        .long   PROBE_RELOC_ALIGN, PROBE_RELOC_MIN, PROBE_RELOC_MAX
#endif

        .section .text.entry, "ax"
        .code32
        .globl  probe_entry
probe_entry:
#ifdef PROBE_RELOC
        /* Nothing below changes EFLAGS before it is saved. */
        movl    %esp, %dr0              /* the loader's ESP */
        movl    %eax, %dr1              /* and EAX */
        movl    (%ebx), %eax            /* start_info.magic: the call writes over it */
        movl    %eax, %dr2
        leal    4(%ebx), %esp           /* a one-word stack in start_info */
        call    1f
1:      popl    %eax                    /* where 1 runs */
        pushfl                          /* EFLAGS over start_info.magic, */
        movl    (%esp), %esp
        movl    %esp, %dr3              /* kept in DR3, */
        movl    %dr2, %esp
        movl    %esp, (%ebx)            /* and the magic back. */
        subl    $1b, %eax               /* EAX: runtime minus link address */

        /* Absolute addresses still name the link address: + EAX. */
        movl    %ebx, probe_state + PS_EBX(%eax)
        movl    %ecx, probe_state + PS_ECX(%eax)
        movl    %edx, probe_state + PS_EDX(%eax)
        movl    %esi, probe_state + PS_ESI(%eax)
        movl    %edi, probe_state + PS_EDI(%eax)
        movl    %ebp, probe_state + PS_EBP(%eax)
        movl    %dr0, %ecx
        movl    %ecx, probe_state + PS_ESP(%eax)
        movl    %dr1, %ecx
        movl    %ecx, probe_state + PS_EAX(%eax)
        movl    %dr3, %ecx
        movl    %ecx, probe_state + PS_EFLAGS(%eax)
        xorl    %ecx, %ecx
        movl    %ecx, %dr0
        movl    %ecx, %dr1
        movl    %ecx, %dr2
        movl    %ecx, %dr3
        cli
        cld

        /* Each table entry: the link address of a 32-bit absolute address
         * in the image; add the offset to the word where it runs. This
         * patches instructions above (already run) and below (not yet). */
        leal    probe_relocs(%eax), %esi
        movl    (%esi), %ecx
        addl    $4, %esi
2:      testl   %ecx, %ecx
        jz      3f
        movl    (%esi), %edx
        addl    %eax, (%edx,%eax)
        addl    $4, %esi
        decl    %ecx
        jmp     2b
3:      /* From here on absolute addresses are right. */
        movl    %eax, probe_load_delta
        movl    $entry_stack_top, %esp
#else
        movl    %eax, probe_state + PS_EAX
        movl    %ebx, probe_state + PS_EBX
        movl    %ecx, probe_state + PS_ECX
        movl    %edx, probe_state + PS_EDX
        movl    %esi, probe_state + PS_ESI
        movl    %edi, probe_state + PS_EDI
        movl    %ebp, probe_state + PS_EBP
        movl    %esp, probe_state + PS_ESP
        movl    $entry_stack_top, %esp
        pushfl
        popl    %eax
        movl    %eax, probe_state + PS_EFLAGS
        cli
        cld
#endif

        movl    %cr0, %eax
        movl    %eax, probe_state + PS_CR0
        movl    %cr2, %eax
        movl    %eax, probe_state + PS_CR2
        movl    %cr3, %eax
        movl    %eax, probe_state + PS_CR3
        movl    %cr4, %eax
        movl    %eax, probe_state + PS_CR4

        sgdt    dtr_scratch
        movzwl  dtr_scratch, %eax
        movl    %eax, probe_state + PS_GDT_LIMIT
        movl    dtr_scratch + 2, %eax
        movl    %eax, probe_state + PS_GDT_BASE
        sidt    dtr_scratch
        movzwl  dtr_scratch, %eax
        movl    %eax, probe_state + PS_IDT_LIMIT
        movl    dtr_scratch + 2, %eax
        movl    %eax, probe_state + PS_IDT_BASE
        xorl    %eax, %eax
        sldt    %ax
        movl    %eax, probe_state + PS_LDTR

        .macro SAVE_SEL reg, idx
        xorl    %eax, %eax
        movw    \reg, %ax
        movl    %eax, probe_state + PS_SEGS + \idx * PSEG_SIZE + PSEG_SEL
        .endm
        SAVE_SEL %cs, PROBE_SEG_CS
        SAVE_SEL %ds, PROBE_SEG_DS
        SAVE_SEL %es, PROBE_SEG_ES
        SAVE_SEL %ss, PROBE_SEG_SS
        SAVE_SEL %fs, PROBE_SEG_FS
        SAVE_SEL %gs, PROBE_SEG_GS
        xorl    %eax, %eax
        str     %ax
        movl    %eax, probe_state + PS_SEGS + PROBE_SEG_TR * PSEG_SIZE + PSEG_SEL

        /* EFER exists when CPUID 0x80000001 reports LM, NX or SYSCALL. */
        movl    $0x80000000, %eax
        cpuid
        cmpl    $0x80000001, %eax
        jb      1f
        movl    $0x80000001, %eax
        cpuid
        testl   $((1 << 29) | (1 << 20) | (1 << 11)), %edx
        jz      1f
        movl    $MSR_EFER, %ecx
        rdmsr
        movl    %eax, probe_state + PS_EFER_LO
        movl    %edx, probe_state + PS_EFER_HI
        movl    $1, probe_state + PS_EFER_VALID
1:
        /* The GDT descriptor of each selector, as the loader left it. */
        .macro READ_DESC idx
        movl    probe_state + PS_SEGS + \idx * PSEG_SIZE + PSEG_SEL, %eax
        movl    $PSEG_NULL, %edx
        testl   $0xfffc, %eax
        jz      8f
        movl    $PSEG_LDT, %edx
        testl   $4, %eax
        jnz     8f
        movl    $PSEG_LIMIT, %edx
        andl    $0xfff8, %eax
        leal    7(%eax), %ecx
        cmpl    probe_state + PS_GDT_LIMIT, %ecx
        ja      8f
        addl    probe_state + PS_GDT_BASE, %eax
        movl    (%eax), %ecx
        movl    %ecx, probe_state + PS_SEGS + \idx * PSEG_SIZE + PSEG_LO
        movl    4(%eax), %ecx
        movl    %ecx, probe_state + PS_SEGS + \idx * PSEG_SIZE + PSEG_HI
        movl    $PSEG_READ, %edx
8:      movl    %edx, probe_state + PS_SEGS + \idx * PSEG_SIZE + PSEG_STATUS
        .endm
        READ_DESC PROBE_SEG_CS
        READ_DESC PROBE_SEG_DS
        READ_DESC PROBE_SEG_ES
        READ_DESC PROBE_SEG_SS
        READ_DESC PROBE_SEG_FS
        READ_DESC PROBE_SEG_GS
        READ_DESC PROBE_SEG_TR

        /* Count the non-zero dwords of .bss (the loader must zero it). */
        xorl    %edx, %edx
        movl    $__bss_start, %esi
2:      cmpl    $__bss_end, %esi
        jae     3f
        cmpl    $0, (%esi)
        je      4f
        incl    %edx
4:      addl    $4, %esi
        jmp     2b
3:      movl    %edx, probe_state + PS_BSS_NONZERO

        /* From here on: the probe's own flat segments and stack. */
        lgdt    probe_gdtr
        ljmp    $PROBE_CS, $5f
5:      movl    $PROBE_DS, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %fs
        movl    %eax, %gs
        movl    %eax, %ss
        movl    $probe_stack_top, %esp
        xorl    %ebp, %ebp
        call    probe_main
6:      cli
        hlt
        jmp     6b

/* Exception vectors 0-31: 16-byte stubs pushing the vector number. */
        .text
        .balign 16
        .globl  probe_exc_stubs
probe_exc_stubs:
        .irp    v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .balign 16
        pushl   $\v
        jmp     exc_common
        .endr
exc_common:
        movl    %esp, %eax
        pushl   %eax
        call    probe_exception
7:      cli
        hlt
        jmp     7b

        .data
        /* Runtime minus link address: 0 unless PROBE_RELOC moved it. */
        .balign 4
        .globl  probe_load_delta
probe_load_delta:
        .long   0
        .balign 16
        .globl  probe_state
probe_state:
        .fill   PS_SIZE, 1, 0
dtr_scratch:
        .fill   8, 1, 0
        .balign 8
probe_gdt:
        .quad   0
        .quad   0x00cf9a000000ffff      /* 0x08: flat 32-bit code */
        .quad   0x00cf92000000ffff      /* 0x10: flat 32-bit data */
probe_gdt_end:
        .balign 4
        .word   0
probe_gdtr:
        .word   probe_gdt_end - probe_gdt - 1
        .long   probe_gdt
        /* Just enough for pushf/popl before the real stack. */
        .balign 16
        .fill   64, 1, 0
entry_stack_top:

#ifdef PROBE_RELOC
/* The absolute addresses to fix: a count, then link addresses; filled in
 * after the link by relocs.py (which checks that they fit). */
        .section .probe_relocs, "aw"
        .balign 4
        .globl  probe_relocs
probe_relocs:
        .fill   PROBE_RELOCS_SIZE, 1, 0
#endif

        .bss
        .balign 16
        .space  16384
probe_stack_top:

        .section .note.GNU-stack, "", @progbits
