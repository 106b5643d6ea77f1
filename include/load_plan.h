/* SPDX-License-Identifier: MIT */
/*
 * How a kernel's PT_LOAD bytes get to their addresses. While pvhboot runs,
 * part of the kernel's destination may still be the firmware's (under OVMF
 * 0x900000-0x14FFFFF is BootServicesData): pvhboot claims what it can with
 * AllocateAddress, reads bytes bound for claimed pages straight into place,
 * and reads the others into staging buffers that the handoff moves after
 * ExitBootServices. Pure code: the caller gives the claimed pieces and,
 * after planning, a buffer for every run.
 */
#ifndef PVHBOOT_LOAD_PLAN_H
#define PVHBOOT_LOAD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_kernel.h"
#include "handoff.h"
#include "layout.h"

#define LOAD_PLAN_MAX_RUNS (2u * HANDOFF_MAX_COPIES)

/* A stretch of file bytes that lands in one place: wholly on claimed pages
 * (read in place) or wholly outside them (staged). */
struct load_run {
        uint64_t file_offset;
        uint64_t len;
        uint64_t paddr;         /* where the bytes run */
        bool staged;
        /* Set by the caller before loading: where the bytes are read (the
         * pointer for paddr when in place, a staging buffer otherwise), and
         * for a staged run the buffer's physical address below 4 GiB. */
        void *buf;
        uint32_t staging;
};

struct load_plan {
        unsigned nr_runs;
        struct load_run runs[LOAD_PLAN_MAX_RUNS];       /* in file order */
        unsigned nr_staged;
        uint64_t bytes_in_place, bytes_staged;
};

enum load_plan_error {
        LOAD_PLAN_OK = 0,
        /* More runs than the read list holds, or more staged runs and .bss
         * ranges than the handoff's copy list. */
        LOAD_PLAN_ERR_TOO_FRAGMENTED,
};

/* Split every segment's file bytes at the edges of the claimed pieces. */
enum load_plan_error load_plan_build(const struct elf_kernel *k, const struct phys_range *claimed, size_t nr_claimed,
                                     struct load_plan *plan);

/* What the handoff does after ExitBootServices: move each staged run from
 * its staging buffer to its address, then clear each segment's .bss (part
 * of it may be the firmware's until then). Returns how many copies it
 * wrote; load_plan_build() already made sure that they fit in
 * HANDOFF_MAX_COPIES. */
unsigned load_plan_handoff_copies(const struct load_plan *plan, const struct elf_kernel *k,
                                  struct handoff_copy out[HANDOFF_MAX_COPIES]);

#endif
