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

/* Which descriptors a range must lie in; none of them specific-purpose
 * memory (EFI_MEMORY_SP), which is not the kernel's to be loaded into. */
enum layout_memory_class {
        /* ConventionalMemory now: AllocateAddress can claim it, the kernel
         * is read straight into place. */
        LAYOUT_FREE,
        /* That, or BootServicesCode/Data: the firmware's until
         * ExitBootServices, then free (bytes bound there are staged). */
        LAYOUT_RECLAIMABLE,
        /* Any type the OS may use after ExitBootServices: also
         * LoaderCode/Data (layout_range_is_ram()). */
        LAYOUT_RAM,
};

/* What stops a range from being in a class: the first descriptor in the
 * way, or a stretch that no descriptor describes (type -1). */
struct layout_obstacle {
        uint64_t start, end;    /* exclusive end */
        int64_t type;           /* EFI memory type (32 bits), or -1: no memory there */
        bool specific_purpose;  /* of a RAM type, but EFI_MEMORY_SP */
};

/* Whether every byte of r lies in descriptors of class c and none of
 * another type overlaps it; if not and why is given, what is in the way. */
bool layout_range_in_class(const void *map, size_t map_size, size_t desc_size, struct phys_range r,
                           enum layout_memory_class c, struct layout_obstacle *why);

/* The UEFI name of a memory type without "Efi" ("ACPIMemoryNVS"), or
 * "no memory" for -1. */
const char *layout_memory_type_name(int64_t type);

/*
 * Where the kernel goes (XEN_ELFNOTE_PHYS32_RELOC, elf_kernel.h), first
 * choice first:
 *
 *  LINKED            at its link address, all of it ConventionalMemory now;
 *  RELOCATED         relocatable: the lowest place whose whole image is
 *                    ConventionalMemory, so nothing is staged;
 *  LINKED_STAGED     at its link address, which is RAM but partly the
 *                    firmware's until ExitBootServices (staged, as before
 *                    the note was known);
 *  RELOCATED_STAGED  relocatable: the lowest place whose whole image is
 *                    LAYOUT_RECLAIMABLE (not Loader*: pvhboot's own
 *                    buffers are LoaderData, and would be in the way);
 *  NOWHERE           none of these.
 *
 * A relocated image moves by a multiple of reloc_align (so an image linked
 * at an aligned address starts aligned), starts at or above reloc_min and
 * at or above LAYOUT_RELOC_FLOOR, and its last byte is at or below
 * reloc_max.
 */
enum layout_placement_kind {
        LAYOUT_PLACE_NOWHERE = 0,
        LAYOUT_PLACE_LINKED,
        LAYOUT_PLACE_RELOCATED,
        LAYOUT_PLACE_LINKED_STAGED,
        LAYOUT_PLACE_RELOCATED_STAGED,
};

/* Never below 1 MiB: Linux reserves all of the first 1 MiB for itself
 * (BIOS data, its real-mode trampoline), and so would find its own image
 * in memory it sets aside. */
#define LAYOUT_RELOC_FLOOR 0x100000u

struct layout_placement {
        enum layout_placement_kind kind;
        /* Added (modulo 2^64) to every address of the kernel: 0 at the link
         * address (elf_kernel_relocate()). */
        uint64_t delta;
        /* Unless LINKED: why not at the link address as it is. link_is_ram:
         * the link address range is RAM, only not all free now. The first
         * of its page ranges that is not free (or, if !link_is_ram, not
         * RAM), and what is in the way there. */
        bool link_is_ram;
        struct phys_range linked_range;
        struct layout_obstacle obstacle;
};

enum layout_placement_kind layout_place_kernel(const void *map, size_t map_size, size_t desc_size,
                                               const struct elf_kernel *k, struct layout_placement *out);

/* The kernel's destination: its segments' page ranges at its link address
 * (layout_kernel_page_ranges()); once relocated, the whole image rounded
 * out to pages, one range (the gaps between segments are the kernel's
 * too: Linux reserves _text.._end as one block). Returns the number
 * written (<= ELF_KERNEL_MAX_SEGMENTS). */
size_t layout_kernel_destination(const struct elf_kernel *k, bool relocated, struct phys_range *out);

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
