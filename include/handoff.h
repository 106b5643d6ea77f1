/* SPDX-License-Identifier: MIT */
/*
 * The contract between pvhboot's C code and efi/handoff/handoff.S. The
 * assembly sees only the #defines; the C structure is checked against them.
 *
 * The handoff blob is copied into one region below 4 GiB that pvhboot
 * allocated (so it is identity-mapped by the firmware and survives every
 * copy), laid out as:
 *   +0                       code (handoff_blob_start .. handoff_blob_end)
 *   +HANDOFF_PARAMS_OFFSET   struct handoff_params (GDT, entry, copy list)
 *   +HANDOFF_REGION_SIZE     top of the stack used while copying
 */
#ifndef PVHBOOT_HANDOFF_H
#define PVHBOOT_HANDOFF_H

#define HANDOFF_PARAMS_OFFSET 0x800
#define HANDOFF_REGION_SIZE 0x2000
#define HANDOFF_MAX_COPIES 64

/* GDT selectors: null, flat 32-bit code, flat 32-bit data, 32-bit TSS. */
#define HANDOFF_CS32 0x08
#define HANDOFF_DS32 0x10
#define HANDOFF_TSS 0x18

/* Offsets inside struct handoff_params. */
#define HP_GDT 0x00
#define HP_GDTR 0x26            /* u16 limit, u64 base: what lgdt reads */
#define HP_ENTRY 0x30
#define HP_START_INFO 0x34
#define HP_STACK_TOP 0x38
#define HP_NR_COPIES 0x3c
#define HP_COPIES 0x40
#define HP_TIMING (HP_COPIES + HANDOFF_MAX_COPIES * HC_SIZE)
#define HC_DST 0
#define HC_SRC 4
#define HC_LEN 8
#define HC_ZERO 12
#define HC_SIZE 16

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* Copy len bytes src -> dst (skipped when src == dst), then zero the
 * zero_len bytes that follow dst + len: one PT_LOAD segment. */
struct handoff_copy {
        uint32_t dst;
        uint32_t src;
        uint32_t len;
        uint32_t zero_len;
};

struct handoff_params {
        uint64_t gdt[4];
        uint8_t gdtr_pad[6];
        uint16_t gdt_limit;
        uint64_t gdt_base;
        uint32_t entry;         /* XEN_ELFNOTE_PHYS32_ENTRY */
        uint32_t start_info;    /* goes to EBX */
        uint32_t stack_top;
        uint32_t nr_copies;
        struct handoff_copy copies[HANDOFF_MAX_COPIES];
        uint32_t timing;        /* print "tsc moved/entry" lines on COM1 */
};

_Static_assert(offsetof(struct handoff_params, gdt) == HP_GDT, "HP_GDT");
_Static_assert(offsetof(struct handoff_params, gdt_limit) == HP_GDTR, "HP_GDTR");
_Static_assert(offsetof(struct handoff_params, gdt_base) == HP_GDTR + 2, "HP_GDTR base");
_Static_assert(offsetof(struct handoff_params, entry) == HP_ENTRY, "HP_ENTRY");
_Static_assert(offsetof(struct handoff_params, start_info) == HP_START_INFO, "HP_START_INFO");
_Static_assert(offsetof(struct handoff_params, stack_top) == HP_STACK_TOP, "HP_STACK_TOP");
_Static_assert(offsetof(struct handoff_params, nr_copies) == HP_NR_COPIES, "HP_NR_COPIES");
_Static_assert(offsetof(struct handoff_params, copies) == HP_COPIES, "HP_COPIES");
_Static_assert(offsetof(struct handoff_params, timing) == HP_TIMING, "HP_TIMING");
_Static_assert(sizeof(struct handoff_copy) == HC_SIZE, "HC_SIZE");
_Static_assert(offsetof(struct handoff_copy, zero_len) == HC_ZERO, "HC_ZERO");
_Static_assert(HANDOFF_PARAMS_OFFSET + sizeof(struct handoff_params) + 0x400 <= HANDOFF_REGION_SIZE,
               "handoff region holds params and a 1 KiB stack");

/*
 * Flat descriptors (Intel SDM vol. 3, 3.4.5): base 0, limit 0xFFFFF with
 * 4 KiB granularity, D/B = 1 (32-bit), accessed bit preset so the CPU never
 * writes the GDT when loading them.
 */
#define HANDOFF_GDT_CODE32 0x00CF9B000000FFFFull /* execute/read, accessed */
#define HANDOFF_GDT_DATA32 0x00CF93000000FFFFull /* read/write, accessed */
/* 32-bit available TSS, base 0, limit 0x67, as pvh.pandoc requires of TR. */
#define HANDOFF_GDT_TSS32 0x0000890000000067ull

extern const unsigned char handoff_blob_start[];
extern const unsigned char handoff_blob_end[];
extern const unsigned char handoff_enter[];
#endif

#endif
