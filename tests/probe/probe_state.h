/* SPDX-License-Identifier: MIT */
/*
 * What entry.S records at the PVH entry, before anything else runs. The
 * assembly sees only the #defines; the C structure is checked against them.
 * Every field is a 32-bit word so the offsets are obvious.
 */
#ifndef PROBE_STATE_H
#define PROBE_STATE_H

/* Segment registers, in this order (index into probe_state.seg[]). */
#define PROBE_SEG_CS 0
#define PROBE_SEG_DS 1
#define PROBE_SEG_ES 2
#define PROBE_SEG_SS 3
#define PROBE_SEG_FS 4
#define PROBE_SEG_GS 5
#define PROBE_SEG_TR 6
#define PROBE_NSEG 7

/* probe_seg_raw.status: how the GDT descriptor of the selector was read. */
#define PSEG_UNSET 0    /* not recorded (a bug in entry.S) */
#define PSEG_READ 1     /* lo/hi hold the 8 descriptor bytes from the GDT */
#define PSEG_NULL 2     /* null selector (index 0, TI 0): nothing to read */
#define PSEG_LDT 3      /* TI = 1: the selector refers to the LDT, not read */
#define PSEG_LIMIT 4    /* the descriptor lies beyond the GDT limit */

#define PS_EAX 0
#define PS_EBX 4
#define PS_ECX 8
#define PS_EDX 12
#define PS_ESI 16
#define PS_EDI 20
#define PS_EBP 24
#define PS_ESP 28
#define PS_EFLAGS 32
#define PS_CR0 36
#define PS_CR2 40
#define PS_CR3 44
#define PS_CR4 48
#define PS_EFER_LO 52
#define PS_EFER_HI 56
#define PS_EFER_VALID 60        /* 1 if CPUID says EFER exists and it was read */
#define PS_GDT_BASE 64
#define PS_GDT_LIMIT 68
#define PS_IDT_BASE 72
#define PS_IDT_LIMIT 76
#define PS_LDTR 80
#define PS_BSS_NONZERO 84       /* non-zero dwords found in .bss at entry */
#define PS_SEGS 88
#define PSEG_SEL 0
#define PSEG_STATUS 4
#define PSEG_LO 8
#define PSEG_HI 12
#define PSEG_SIZE 16
#define PS_SIZE (PS_SEGS + PROBE_NSEG * PSEG_SIZE)

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct probe_seg_raw {
        uint32_t sel;
        uint32_t status;        /* PSEG_* */
        uint32_t lo, hi;        /* descriptor bytes 0-3 and 4-7 */
};

struct probe_state {
        uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp;
        uint32_t eflags;
        uint32_t cr0, cr2, cr3, cr4;
        uint32_t efer_lo, efer_hi, efer_valid;
        uint32_t gdt_base, gdt_limit, idt_base, idt_limit;
        uint32_t ldtr;
        uint32_t bss_nonzero;
        struct probe_seg_raw seg[PROBE_NSEG];
};

_Static_assert(offsetof(struct probe_state, ebx) == PS_EBX, "PS_EBX");
_Static_assert(offsetof(struct probe_state, esp) == PS_ESP, "PS_ESP");
_Static_assert(offsetof(struct probe_state, eflags) == PS_EFLAGS, "PS_EFLAGS");
_Static_assert(offsetof(struct probe_state, cr0) == PS_CR0, "PS_CR0");
_Static_assert(offsetof(struct probe_state, cr4) == PS_CR4, "PS_CR4");
_Static_assert(offsetof(struct probe_state, efer_lo) == PS_EFER_LO, "PS_EFER_LO");
_Static_assert(offsetof(struct probe_state, efer_valid) == PS_EFER_VALID, "PS_EFER_VALID");
_Static_assert(offsetof(struct probe_state, gdt_base) == PS_GDT_BASE, "PS_GDT_BASE");
_Static_assert(offsetof(struct probe_state, idt_limit) == PS_IDT_LIMIT, "PS_IDT_LIMIT");
_Static_assert(offsetof(struct probe_state, ldtr) == PS_LDTR, "PS_LDTR");
_Static_assert(offsetof(struct probe_state, bss_nonzero) == PS_BSS_NONZERO, "PS_BSS_NONZERO");
_Static_assert(offsetof(struct probe_state, seg) == PS_SEGS, "PS_SEGS");
_Static_assert(offsetof(struct probe_seg_raw, status) == PSEG_STATUS, "PSEG_STATUS");
_Static_assert(offsetof(struct probe_seg_raw, lo) == PSEG_LO, "PSEG_LO");
_Static_assert(offsetof(struct probe_seg_raw, hi) == PSEG_HI, "PSEG_HI");
_Static_assert(sizeof(struct probe_seg_raw) == PSEG_SIZE, "PSEG_SIZE");
_Static_assert(sizeof(struct probe_state) == PS_SIZE, "PS_SIZE");
#endif

#endif
