/* SPDX-License-Identifier: MIT */
/*
 * Memory type range registers (MTRRs) and the RAM they leave uncached.
 *
 * Linux checks the variable MTRRs at boot (mtrr_trim_uncached_memory() in
 * arch/x86/kernel/cpu/mtrr/cleanup.c): when the default type is UC, every
 * usable RAM range that no write-back variable range covers is turned into
 * a reserved range ("update e820 for mtrr"), unless the command line has
 * disable_mtrr_trim. Firmware normally makes all RAM write-back; U-Boot's
 * qemu-x86_64 build makes only its 2 MiB flash write-back, and Linux then
 * loses all of its RAM and panics (docs/u-boot.md).
 *
 * This is the pure part: read nothing, write nothing. Given the registers
 * (struct mtrr_state) and the memory maps, it says whether RAM is left
 * uncached and which free variable MTRRs would make it write-back.
 *
 * References are to the Intel SDM vol. 3A, chapter "Memory Cache Control",
 * section "Memory Type Range Registers (MTRRs)" (11.11 in the editions up to
 * 2022; the section names are the same in later ones).
 */
#ifndef PVHBOOT_MTRR_PLAN_H
#define PVHBOOT_MTRR_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_cmdline.h"   /* kernel_cmdline_has_param(disable_mtrr_trim) */
#include "pvh_start_info.h"

/* 11.11.1 "MTRR Feature Identification" and 11.11.2 "Setting Memory Ranges
 * with MTRRs": the MSRs and their fields. */
#define MSR_IA32_MTRRCAP 0xFEu
#define MSR_IA32_MTRR_DEF_TYPE 0x2FFu
#define MSR_IA32_MTRR_PHYSBASE(n) (0x200u + 2u * (n))
#define MSR_IA32_MTRR_PHYSMASK(n) (0x201u + 2u * (n))

#define MTRR_CAP_VCNT 0xFFull           /* number of variable ranges */
#define MTRR_CAP_FIX (1ull << 8)        /* fixed-range MTRRs supported */
#define MTRR_DEF_TYPE_TYPE 0xFFull      /* "default memory type" */
#define MTRR_DEF_TYPE_FE (1ull << 10)   /* fixed-range MTRRs enabled */
#define MTRR_DEF_TYPE_E (1ull << 11)    /* MTRRs enabled */
#define MTRR_PHYSBASE_TYPE 0xFFull
#define MTRR_PHYSMASK_VALID (1ull << 11)

/* Table 11-8 "Memory Types That Can Be Encoded in MTRRs". */
#define MTRR_TYPE_UC 0u
#define MTRR_TYPE_WC 1u
#define MTRR_TYPE_WT 4u
#define MTRR_TYPE_WP 5u
#define MTRR_TYPE_WB 6u

/* Variable ranges pvhboot reads (IA32_MTRR_PHYSBASE0..31). Processors have
 * 8 or 10; MSR 0x250 (the first fixed range) bounds the architecture at 40. */
#define MTRR_MAX_VARIABLE 32u

/* The registers as the firmware left them. */
struct mtrr_state {
        bool supported;         /* CPUID.01H:EDX.MTRR[bit 12] */
        unsigned phys_bits;     /* MAXPHYADDR: CPUID.80000008H:EAX[7:0] */
        uint64_t cap;           /* IA32_MTRRCAP */
        uint64_t def_type;      /* IA32_MTRR_DEF_TYPE */
        /* IA32_MTRR_PHYSBASEn and IA32_MTRR_PHYSMASKn for n below
         * min(VCNT, MTRR_MAX_VARIABLE); the rest unused. */
        struct {
                uint64_t base, mask;
        } var[MTRR_MAX_VARIABLE];
};

enum mtrr_verdict {
        MTRR_KEEP,              /* nothing to change (why says why) */
        MTRR_ADD_WRITE_BACK,    /* write writes[] after ExitBootServices */
        MTRR_CANNOT,            /* RAM is uncached and no free ranges fix it (why) */
};

/* One variable MTRR pair to write. */
struct mtrr_write {
        unsigned index;
        uint64_t base, mask;
};

struct mtrr_plan {
        enum mtrr_verdict verdict;
        const char *why;        /* KEEP and CANNOT: the reason, static text */
        /* RAM in the memory map that is not write-back with the variable
         * ranges as they are: how much, and the first such range [start,
         * end) (for messages). */
        uint64_t uncached_bytes;
        uint64_t first_uncached_start, first_uncached_end;
        /* Linux's mtrr_trim_uncached_memory() would remove that RAM from
         * its memory map: default type UC, at least one write-back range,
         * only WB and UC ranges. */
        bool linux_trims;
        unsigned nr_writes;
        struct mtrr_write writes[MTRR_MAX_VARIABLE];
};

/*
 * What the variable MTRRs need so that every RAM range of the PVH memory map
 * (pvh_map, XEN_HVM_MEMMAP_TYPE_RAM entries) is write-back.
 *
 * Only a machine whose MTRRs are enabled with default type UC is changed:
 * that is the only state in which Linux trims, and any other default type
 * is the firmware's own choice. Then pvhboot adds write-back ranges in free
 * variable MTRRs, as firmware does for its RAM; it never changes or removes
 * a range the firmware set, so memory other than RAM keeps its type. Each
 * added range is a naturally aligned power of two (11.11.4 "Range Size and
 * Alignment Requirement") that lies wholly in memory that may be
 * write-back: memory of the EFI map's DRAM types (efi_map: loader, boot
 * services, runtime services, conventional, ACPI reclaim and NVS; not
 * MMIO, reserved, unusable, persistent or unaccepted memory), a
 * write-back variable range, or, with the fixed-range MTRRs enabled, the
 * first 1 MiB (where those take precedence); and in no variable range of
 * another type (11.11.4.1 "MTRR Precedences": UC wins an overlap). The
 * largest such block around each uncovered address is taken, so that 512
 * MiB of RAM with runtime and ACPI pages in it needs one range.
 *
 * MTRR_CANNOT when RAM lies in a firmware range of another type, or more
 * ranges are needed than are free; the plan then writes nothing.
 */
void mtrr_plan_make(const struct mtrr_state *state, const struct hvm_memmap_table_entry *pvh_map,
                    size_t pvh_entries, const void *efi_map, size_t efi_map_size, size_t desc_size,
                    struct mtrr_plan *plan);

#endif
