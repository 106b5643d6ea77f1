/* SPDX-License-Identifier: MIT */
/*
 * Leave long mode and enter a PVH kernel.
 *
 * This code is copied by pvhboot into a region below 4 GiB (identity-mapped
 * by the firmware) and called there after ExitBootServices, with
 * %rdi = struct handoff_params * (see include/handoff.h). It must be
 * position independent: RIP-relative references to itself only.
 *
 * Order of events (Intel SDM vol. 3, 9.8.5.4 "Switching Out of IA-32e Mode
 * Operation"): load our GDT; far return to a 32-bit code segment
 * (compatibility mode); clear CR0.PG (we run from an identity-mapped page);
 * clear EFER (LME, and the NXE/SCE bits the firmware used); then, in plain
 * protected mode with paging off, set CR4 = 0 and CR0 = PE|ET, load flat data segments and TR, move the staged
 * segments into place, and jump to the PVH entry with EBX = start_info and
 * the state docs/misc/pvh.pandoc requires:
 *   cr0: PE set, all other writeable bits clear; cr4: 0;
 *   cs: 32-bit r/x, base 0, limit 4 GiB; ds, es (and ss, fs, gs): 32-bit r/w;
 *   tr: 32-bit TSS (active), base 0, limit 0x67; eflags: VM, IF, TF clear.
 * The copy runs with paging off, so it needs no page tables and cannot
 * overwrite the ones the firmware left behind while they are in use.
 */
#define __ASSEMBLER__ 1
#include "handoff.h"

#define CR0_PE 0x00000001
#define CR0_ET 0x00000010
#define CR0_PG 0x80000000
#define MSR_EFER 0xc0000080

        .text
        .globl handoff_blob_start
        .globl handoff_blob_end
        .globl handoff_enter

handoff_blob_start:

        .code64
handoff_enter:
        cli
        cld
        lgdt    HP_GDTR(%rdi)
        leaq    handoff_compat32(%rip), %rax
        pushq   $HANDOFF_CS32
        pushq   %rax
        lretq

        .code32
handoff_compat32:
        /* Compatibility mode, still paged through the identity map. */
        movl    %cr0, %eax
        andl    $~CR0_PG, %eax
        movl    %eax, %cr0

        /* Paging is off, so IA-32e mode is inactive (LMA reads 0); clear
         * EFER entirely: LME so it stays off, and NXE/SCE, which the firmware
         * set for itself and a 32-bit entry state has no use for. */
        movl    $MSR_EFER, %ecx
        xorl    %eax, %eax
        xorl    %edx, %edx
        wrmsr

        xorl    %eax, %eax
        movl    %eax, %cr4
        movl    $(CR0_PE | CR0_ET), %eax
        movl    %eax, %cr0

        movl    $HANDOFF_DS32, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %fs
        movl    %eax, %gs
        movl    %eax, %ss
        movl    HP_STACK_TOP(%edi), %esp
        movl    $HANDOFF_TSS, %eax
        ltr     %ax

        /* Move each segment into place and clear its tail (bss). */
        movl    HP_NR_COPIES(%edi), %edx
        leal    HP_COPIES(%edi), %ebp
1:      testl   %edx, %edx
        jz      3f
        pushl   %edi
        movl    HC_DST(%ebp), %edi
        movl    HC_SRC(%ebp), %esi
        movl    HC_LEN(%ebp), %ecx
        cmpl    %esi, %edi
        jne     2f
        addl    %ecx, %edi              /* loaded in place: nothing to move */
        jmp     4f
2:      movl    %ecx, %eax
        shrl    $2, %ecx
        rep movsl
        movl    %eax, %ecx
        andl    $3, %ecx
        rep movsb
4:      movl    HC_ZERO(%ebp), %ecx
        movl    %ecx, %ebx
        xorl    %eax, %eax
        shrl    $2, %ecx
        rep stosl
        movl    %ebx, %ecx
        andl    $3, %ecx
        rep stosb
        popl    %edi
        addl    $HC_SIZE, %ebp
        decl    %edx
        jmp     1b

3:      /* pvhboot.timing: when the move ended and when the kernel is entered. */
        cmpl    $0, HP_TIMING(%edi)
        je      5f
        rdtsc
        leal    (str_moved - handoff_blob_start - HANDOFF_PARAMS_OFFSET)(%edi), %esi
        call    print_tsc_line
        rdtsc
        leal    (str_entry - handoff_blob_start - HANDOFF_PARAMS_OFFSET)(%edi), %esi
        call    print_tsc_line

5:      /* EFLAGS: only the always-one bit 1; IF, TF, VM, DF, AC, NT clear. */
        pushl   $2
        popfl
        movl    HP_ENTRY(%edi), %eax
        movl    HP_START_INFO(%edi), %ebx
        xorl    %ecx, %ecx
        xorl    %edx, %edx
        xorl    %esi, %esi
        xorl    %edi, %edi
        xorl    %ebp, %ebp
        jmp     *%eax

/* COM1 output for pvhboot.timing, polled; no state but the stack. */
com1_putc:                              /* %al */
        pushl   %edx
        pushl   %eax
        movw    $0x3fd, %dx
1:      inb     %dx, %al
        testb   $0x20, %al              /* transmitter holding register empty */
        jz      1b
        popl    %eax
        movw    $0x3f8, %dx
        outb    %al, %dx
        popl    %edx
        ret

com1_puts:                              /* %esi: NUL-terminated */
        pushl   %eax
1:      lodsb
        testb   %al, %al
        jz      2f
        call    com1_putc
        jmp     1b
2:      popl    %eax
        ret

com1_hex32:                             /* %eax as 8 hex digits */
        pushl   %ecx
        pushl   %edx
        movl    %eax, %edx
        movl    $8, %ecx
1:      roll    $4, %edx
        movl    %edx, %eax
        andl    $15, %eax
        cmpb    $10, %al
        jb      2f
        addb    $('a' - '0' - 10), %al
2:      addb    $'0', %al
        call    com1_putc
        loop    1b
        popl    %edx
        popl    %ecx
        ret

print_tsc_line:                         /* %esi: label, %edx:%eax: TSC */
        pushl   %eax
        call    com1_puts
        movl    %edx, %eax
        call    com1_hex32
        popl    %eax
        call    com1_hex32
        movb    $13, %al
        call    com1_putc
        movb    $10, %al
        call    com1_putc
        ret

str_moved:
        .asciz  "pvhboot: tsc moved 0x"
str_entry:
        .asciz  "pvhboot: tsc entry 0x"

handoff_blob_end:

        .section .note.GNU-stack,"",@progbits
