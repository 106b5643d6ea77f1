/* SPDX-License-Identifier: MIT */
/*
 * Placement checks for the kernel's destination ranges, pvhboot's own
 * buffers and the firmware memory map. Pure code, so every rule about
 * "where may this go" is unit-tested on the host.
 */
#ifndef PVHBOOT_LAYOUT_H
#define PVHBOOT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_kernel.h"

struct phys_range {
        uint64_t start;
        uint64_t end;   /* exclusive */
};

static inline bool phys_range_overlap(struct phys_range a, struct phys_range b) {
        return a.start < b.end && b.start < a.end;
}

/* The kernel's segments rounded out to pages, sorted, with ranges that
 * touch or overlap merged. Returns the number written (<= segments). */
size_t layout_kernel_page_ranges(const struct elf_kernel *k, struct phys_range *out);

/* Whether every byte of r is covered by descriptors of a type the OS may
 * use after ExitBootServices (Conventional, BootServices*, Loader*). */
bool layout_range_is_ram(const void *map, size_t map_size, size_t desc_size, struct phys_range r);

/* The page-aligned pieces of r that are ConventionalMemory now, i.e. the
 * parts AllocateAddress can claim. Returns how many there are; writes at
 * most cap of them. */
size_t layout_free_pieces(const void *map, size_t map_size, size_t desc_size, struct phys_range r,
                          struct phys_range *out, size_t cap);

/* The run of [start, end) that begins at start and lies either wholly in
 * the claimed pieces (*in_place = 1) or wholly outside them: its end. A
 * segment is loaded run by run: claimed runs in place, the others staged. */
uint64_t layout_run_end(const struct phys_range *claimed, size_t nr_claimed, uint64_t start, uint64_t end,
                        int *in_place);

/* Index of the first range in live[] that overlaps any of dest[], or -1;
 * *dest_index says which destination it hit. */
int layout_find_overlap(const struct phys_range *dest, size_t nr_dest,
                        const struct phys_range *live, size_t nr_live, size_t *dest_index);

#endif
