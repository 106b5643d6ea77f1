/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: where the kernel goes (layout_place_kernel()) on
 * arbitrary EFI memory maps. The first 24 bytes describe a kernel as
 * elf_kernel_parse() would leave it (two segments below 4 GiB, maybe with a
 * relocation note) and the map's stride (byte 13, as fuzz_pvh_memmap's
 * first byte); the rest is the map. Every placement must keep the promises layout.h
 * makes; a relocation must be the lowest one (checked where there are few
 * candidates below it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "pvh_memmap.h"

#define FOUR_GIB 0x100000000ull
#define PAGE_MASK 0xfffull
#define HEADER 24

static uint32_t le32(const uint8_t *p) {
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A kernel from the header, or 0 if these bytes give none the parser
 * would accept. */
static int make_kernel(const uint8_t *h, struct elf_kernel *k) {
        uint64_t start = le32(h), size1 = le32(h + 4) & 0x3ffffff, gap = h[8] * 0x1000ull,
                 size2 = (uint64_t)(h[9] | h[10] << 8) << 8;
        unsigned shift = 12 + h[11] % 21;       /* 4 KiB .. 4 GiB */

        *k = (struct elf_kernel){ .nr_segments = size2 ? 2 : 1 };
        if (size1 == 0 || start + size1 + gap + size2 > FOUR_GIB)
                return 0;
        k->segments[0] = (struct elf_kernel_segment){ .paddr = start, .mem_size = size1, .file_size = size1 };
        k->segments[1] = (struct elf_kernel_segment){ .paddr = start + size1 + gap, .mem_size = size2 };
        k->image_start = start;
        k->image_end = size2 ? start + size1 + gap + size2 : start + size1;
        k->pvh_entry = (uint32_t)start;
        if (h[12] & 1) {
                k->has_reloc = true;
                k->reloc_align = 1ull << shift;
                k->reloc_min = le32(h + 16);
                k->reloc_max = le32(h + 20) | (h[12] & 2 ? 0xff000000u : 0);
                if (k->reloc_min > k->reloc_max)
                        return 0;
        }
        return 1;
}

static bool ranges_in(const void *map, size_t size, size_t ds, const struct phys_range *r, size_t n,
                      enum layout_memory_class c) {
        for (size_t i = 0; i < n; i++)
                if (!layout_range_in_class(map, size, ds, r[i], c, NULL))
                        return false;
        return true;
}

static void check_relocated(const void *map, size_t size, size_t ds, const struct elf_kernel *k,
                            const struct layout_placement *pl, enum layout_memory_class c) {
        struct elf_kernel m = *k;
        struct phys_range dest[ELF_KERNEL_MAX_SEGMENTS];
        uint64_t floor = k->reloc_min > LAYOUT_RELOC_FLOOR ? k->reloc_min : LAYOUT_RELOC_FLOOR;
        uint64_t len = k->image_end - k->image_start, start;

        if (!k->has_reloc || pl->delta == 0 || elf_kernel_relocate(&m, pl->delta) != 0)
                __builtin_trap();
        start = m.image_start;
        if (start < floor || m.image_end - 1 > k->reloc_max || m.image_end > FOUR_GIB ||
            (pl->delta & (k->reloc_align - 1)) != 0)
                __builtin_trap();
        if (layout_kernel_destination(&m, true, dest) != 1 || dest[0].start > start || dest[0].end < m.image_end ||
            !ranges_in(map, size, ds, dest, 1, c))
                __builtin_trap();
        /* Nothing lower fits: every congruent start from the floor up, when
         * there are few. */
        if ((start - floor) / k->reloc_align < 64)
                for (uint64_t b = start - (start - floor) / k->reloc_align * k->reloc_align; b < start;
                     b += k->reloc_align) {
                        struct phys_range r = { b & ~PAGE_MASK, (b + len + PAGE_MASK) & ~PAGE_MASK };
                        if (layout_range_in_class(map, size, ds, r, c, NULL))
                                __builtin_trap();
                }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct elf_kernel k;
        struct layout_placement pl;
        struct phys_range linked[ELF_KERNEL_MAX_SEGMENTS];
        size_t ds, n;
        void *map;

        if (size < HEADER || !make_kernel(data, &k))
                return 0;
        ds = sizeof(struct efi_memory_descriptor) + (data[13] & 15);
        data += HEADER;
        size -= HEADER;
        map = malloc(size ? size : 1);
        memcpy(map, data, size);
        n = layout_kernel_page_ranges(&k, linked);

        switch (layout_place_kernel(map, size, ds, &k, &pl)) {
        case LAYOUT_PLACE_LINKED:
                if (pl.delta != 0 || !ranges_in(map, size, ds, linked, n, LAYOUT_FREE))
                        __builtin_trap();
                break;
        case LAYOUT_PLACE_LINKED_STAGED:
                if (pl.delta != 0 || !pl.link_is_ram || ranges_in(map, size, ds, linked, n, LAYOUT_FREE) ||
                    !ranges_in(map, size, ds, linked, n, LAYOUT_RAM))
                        __builtin_trap();
                break;
        case LAYOUT_PLACE_RELOCATED:
                if (ranges_in(map, size, ds, linked, n, LAYOUT_FREE))
                        __builtin_trap();
                check_relocated(map, size, ds, &k, &pl, LAYOUT_FREE);
                break;
        case LAYOUT_PLACE_RELOCATED_STAGED:
                if (pl.link_is_ram || ranges_in(map, size, ds, linked, n, LAYOUT_RAM))
                        __builtin_trap();
                check_relocated(map, size, ds, &k, &pl, LAYOUT_RECLAIMABLE);
                break;
        case LAYOUT_PLACE_NOWHERE:
                if (pl.link_is_ram || (!k.has_reloc && ranges_in(map, size, ds, linked, n, LAYOUT_RAM)))
                        __builtin_trap();
                break;
        default:
                __builtin_trap();
        }
        /* The obstacle named is a real range (or the gap up to the range's end). */
        if (pl.kind != LAYOUT_PLACE_LINKED && (pl.obstacle.end <= pl.obstacle.start || pl.obstacle.type < -1))
                __builtin_trap();
        free(map);
        return 0;
}
