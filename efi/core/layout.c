/* SPDX-License-Identifier: MIT */
#include "layout.h"
#include "pvh_memmap.h"

#define PAGE_MASK ((uint64_t)PVH_PAGE_SIZE - 1)

size_t layout_kernel_page_ranges(const struct elf_kernel *k, struct phys_range *out) {
        size_t n = 0;

        for (unsigned i = 0; i < k->nr_segments; i++) {
                const struct elf_kernel_segment *s = &k->segments[i];
                /* Segments end below 4 GiB, so rounding up cannot overflow. */
                struct phys_range r = { s->paddr & ~PAGE_MASK,
                                        (s->paddr + s->mem_size + PAGE_MASK) & ~PAGE_MASK };
                size_t j = n;
                /* Insertion sort: there are at most 16 segments. */
                while (j > 0 && out[j - 1].start > r.start) {
                        out[j] = out[j - 1];
                        j--;
                }
                out[j] = r;
                n++;
        }
        /* Merge ranges that share or touch a page. */
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
                if (m > 0 && out[i].start <= out[m - 1].end) {
                        if (out[i].end > out[m - 1].end)
                                out[m - 1].end = out[i].end;
                } else
                        out[m++] = out[i];
        }
        return m;
}

/* Whether a descriptor is of class c. */
static bool in_class(const struct efi_memory_descriptor *d, enum layout_memory_class c) {
        if (d->attribute & EFI_MEMORY_SP)
                return false;
        switch (c) {
        case LAYOUT_FREE:
                return d->type == EFI_MEM_CONVENTIONAL;
        case LAYOUT_RECLAIMABLE:
                return d->type == EFI_MEM_CONVENTIONAL || d->type == EFI_MEM_BOOT_SERVICES_CODE ||
                       d->type == EFI_MEM_BOOT_SERVICES_DATA;
        case LAYOUT_RAM:
                return efi_memory_type_is_ram(d->type);
        }
        return false;
}

/* A descriptor's range, its end clamped to UINT64_MAX when it would wrap
 * (*wraps then); false for an empty one. */
static bool descriptor_range(const struct efi_memory_descriptor *d, struct phys_range *r, bool *wraps) {
        if (d->number_of_pages == 0)
                return false;
        *wraps = d->number_of_pages > (UINT64_MAX - d->physical_start) >> PVH_PAGE_SHIFT;
        r->start = d->physical_start;
        r->end = *wraps ? UINT64_MAX : d->physical_start + (d->number_of_pages << PVH_PAGE_SHIFT);
        return true;
}

static void set_obstacle(struct layout_obstacle *why, const struct efi_memory_descriptor *d, struct phys_range dr) {
        if (why)
                *why = (struct layout_obstacle){ .start = dr.start, .end = dr.end, .type = d->type,
                                                 .specific_purpose = (d->attribute & EFI_MEMORY_SP) != 0 };
}

/* What is at pos, which no descriptor of the class covers: the descriptor
 * there, or the stretch up to the next one (at most to limit) that none
 * describes. */
static void obstacle_at(const void *map, size_t n, size_t desc_size, uint64_t pos, uint64_t limit,
                        struct layout_obstacle *why) {
        uint64_t gap_end = limit;

        if (!why)
                return;
        for (size_t i = 0; i < n; i++) {
                const struct efi_memory_descriptor d = efi_map_descriptor(map, desc_size, i);
                struct phys_range dr;
                bool wraps;
                if (!descriptor_range(&d, &dr, &wraps))
                        continue;
                if (dr.start <= pos && pos < dr.end) {
                        set_obstacle(why, &d, dr);
                        return;
                }
                if (dr.start > pos && dr.start < gap_end)
                        gap_end = dr.start;
        }
        *why = (struct layout_obstacle){ .start = pos, .end = gap_end, .type = -1 };
}

bool layout_range_in_class(const void *map, size_t map_size, size_t desc_size, struct phys_range r,
                           enum layout_memory_class c, struct layout_obstacle *why) {
        size_t n;
        uint64_t pos = r.start;

        if (desc_size < sizeof(struct efi_memory_descriptor)) {
                if (why)
                        *why = (struct layout_obstacle){ .start = r.start, .end = r.end, .type = -1 };
                return false;
        }
        n = map_size / desc_size;
        /* Advance pos through descriptors of the class until r is covered. */
        while (pos < r.end) {
                bool advanced = false;
                for (size_t i = 0; i < n; i++) {
                        const struct efi_memory_descriptor d = efi_map_descriptor(map, desc_size, i);
                        struct phys_range dr;
                        bool wraps;
                        if (!in_class(&d, c) || !descriptor_range(&d, &dr, &wraps) || wraps)
                                continue;
                        if (dr.start <= pos && pos < dr.end) {
                                pos = dr.end;
                                advanced = true;
                        }
                }
                if (!advanced) {
                        obstacle_at(map, n, desc_size, pos, r.end, why);
                        return false;
                }
        }
        /* A descriptor of another class overlapping r also disqualifies it
         * (a firmware's map should not overlap, but where it does the more
         * restrictive type wins, as in pvh_memmap.c). */
        for (size_t i = 0; i < n; i++) {
                const struct efi_memory_descriptor d = efi_map_descriptor(map, desc_size, i);
                struct phys_range dr;
                bool wraps;
                if (in_class(&d, c) || !descriptor_range(&d, &dr, &wraps))
                        continue;
                if (phys_range_overlap(dr, r)) {
                        set_obstacle(why, &d, dr);
                        return false;
                }
        }
        return true;
}

bool layout_range_is_ram(const void *map, size_t map_size, size_t desc_size, struct phys_range r) {
        return layout_range_in_class(map, map_size, desc_size, r, LAYOUT_RAM, NULL);
}

const char *layout_memory_type_name(int64_t type) {
        /* UEFI 2.10, table 7.6 (EFI_MEMORY_TYPE), without the "Efi". */
        static const char *const names[] = {
                "ReservedMemoryType", "LoaderCode", "LoaderData", "BootServicesCode", "BootServicesData",
                "RuntimeServicesCode", "RuntimeServicesData", "ConventionalMemory", "UnusableMemory",
                "ACPIReclaimMemory", "ACPIMemoryNVS", "MemoryMappedIO", "MemoryMappedIOPortSpace",
                "PalCode", "PersistentMemory", "UnacceptedMemoryType",
        };
        if (type < 0)
                return "no memory";
        if (type < (int64_t)(sizeof(names) / sizeof(names[0])))
                return names[type];
        return "an unknown memory type";
}

/* Pages holding [start, start + size); the caller keeps that below 4 GiB. */
static struct phys_range pages_of(uint64_t start, uint64_t size) {
        return (struct phys_range){ start & ~PAGE_MASK, (start + size + PAGE_MASK) & ~PAGE_MASK };
}

/*
 * The lowest start for the kernel's image that keeps it congruent to its
 * link address modulo reloc_align, lies in [max(reloc_min, floor),
 * reloc_max] and whose pages are all of class c. The lowest such start is
 * the first congruent address at or above where a stretch of class c
 * begins: the floor, or the start or end of some descriptor. So only
 * those are tried.
 */
static bool find_relocation(const void *map, size_t map_size, size_t desc_size, const struct elf_kernel *k,
                            enum layout_memory_class c, uint64_t *delta) {
        const uint64_t four_gib = 0x100000000ull;
        uint64_t size = k->image_end - k->image_start, align = k->reloc_align;
        uint64_t floor = k->reloc_min > LAYOUT_RELOC_FLOOR ? k->reloc_min : LAYOUT_RELOC_FLOOR;
        uint64_t limit = (uint64_t)k->reloc_max + 1;    /* the image ends at or below this, <= 4 GiB */
        uint64_t rem, best = 0;
        bool found = false;
        size_t n;

        if (!k->has_reloc || desc_size < sizeof(struct efi_memory_descriptor) || align == 0 ||
            (align & (align - 1)) != 0 || align > four_gib || size > limit || floor > limit - size)
                return false;
        n = map_size / desc_size;
        rem = k->image_start & (align - 1);
        for (size_t i = 0; i <= 2 * n; i++) {
                uint64_t p, b;

                if (i == 2 * n)
                        p = floor;
                else {
                        const struct efi_memory_descriptor d = efi_map_descriptor(map, desc_size, i / 2);
                        struct phys_range dr;
                        bool wraps;
                        if (!descriptor_range(&d, &dr, &wraps))
                                continue;
                        p = i % 2 ? dr.end : dr.start;
                }
                /* p <= 4 GiB and the step below is less than align <= 4 GiB:
                 * no wrap. */
                if (p > limit)
                        continue;
                b = p + ((rem - p) & (align - 1));
                if (b < floor || b > limit - size || (found && b >= best))
                        continue;
                if (!layout_range_in_class(map, map_size, desc_size, pages_of(b, size), c, NULL))
                        continue;
                best = b;
                found = true;
        }
        if (found)
                *delta = best - k->image_start;
        return found;
}

enum layout_placement_kind layout_place_kernel(const void *map, size_t map_size, size_t desc_size,
                                               const struct elf_kernel *k, struct layout_placement *out) {
        struct phys_range linked[ELF_KERNEL_MAX_SEGMENTS];
        size_t n = layout_kernel_page_ranges(k, linked);
        bool all_free = true;

        *out = (struct layout_placement){ .kind = LAYOUT_PLACE_NOWHERE, .link_is_ram = true };
        for (size_t i = 0; i < n && all_free; i++)
                if (!layout_range_in_class(map, map_size, desc_size, linked[i], LAYOUT_FREE, &out->obstacle)) {
                        out->linked_range = linked[i];
                        all_free = false;
                }
        if (all_free)
                return out->kind = LAYOUT_PLACE_LINKED;
        for (size_t i = 0; i < n && out->link_is_ram; i++)
                if (!layout_range_in_class(map, map_size, desc_size, linked[i], LAYOUT_RAM, &out->obstacle)) {
                        out->linked_range = linked[i];
                        out->link_is_ram = false;
                }

        if (find_relocation(map, map_size, desc_size, k, LAYOUT_FREE, &out->delta))
                out->kind = LAYOUT_PLACE_RELOCATED;
        else if (out->link_is_ram)
                out->kind = LAYOUT_PLACE_LINKED_STAGED;
        else if (find_relocation(map, map_size, desc_size, k, LAYOUT_RECLAIMABLE, &out->delta))
                out->kind = LAYOUT_PLACE_RELOCATED_STAGED;
        return out->kind;
}

size_t layout_kernel_destination(const struct elf_kernel *k, bool relocated, struct phys_range *out) {
        if (!relocated)
                return layout_kernel_page_ranges(k, out);
        /* The image ends below 4 GiB (elf_kernel_relocate()). */
        out[0] = pages_of(k->image_start, k->image_end - k->image_start);
        return 1;
}

size_t layout_free_pieces(const void *map, size_t map_size, size_t desc_size, struct phys_range r,
                          struct phys_range *out, size_t cap) {
        size_t n, count = 0;

        if (desc_size < sizeof(struct efi_memory_descriptor))
                return 0;
        n = map_size / desc_size;
        for (size_t i = 0; i < n; i++) {
                const struct efi_memory_descriptor d = efi_map_descriptor(map, desc_size, i);
                struct phys_range p;
                if (d.type != EFI_MEM_CONVENTIONAL || (d.attribute & EFI_MEMORY_SP) || d.number_of_pages == 0 ||
                    d.number_of_pages > (UINT64_MAX - d.physical_start) >> PVH_PAGE_SHIFT)
                        continue;
                p.start = d.physical_start > r.start ? d.physical_start : r.start;
                p.end = d.physical_start + (d.number_of_pages << PVH_PAGE_SHIFT);
                if (p.end > r.end)
                        p.end = r.end;
                p.start = (p.start + PAGE_MASK) & ~PAGE_MASK;
                p.end &= ~PAGE_MASK;
                if (p.start >= p.end)
                        continue;
                if (count < cap)
                        out[count] = p;
                count++;
        }
        return count;
}

int layout_find_overlap(const struct phys_range *dest, size_t nr_dest,
                        const struct phys_range *live, size_t nr_live, size_t *dest_index) {
        for (size_t i = 0; i < nr_live; i++)
                for (size_t j = 0; j < nr_dest; j++)
                        if (phys_range_overlap(live[i], dest[j])) {
                                if (dest_index)
                                        *dest_index = j;
                                return (int)i;
                        }
        return -1;
}

uint64_t layout_run_end(const struct phys_range *claimed, size_t nr_claimed, uint64_t start, uint64_t end,
                        int *in_place) {
        uint64_t run_end = end;

        *in_place = 0;
        for (size_t i = 0; i < nr_claimed; i++) {
                if (claimed[i].start <= start && start < claimed[i].end) {
                        *in_place = 1;
                        run_end = claimed[i].end;
                        break;
                }
                /* Outside every piece: the run ends where the next one starts. */
                if (claimed[i].start > start && claimed[i].start < run_end)
                        run_end = claimed[i].start;
        }
        /* Pieces may touch: a claimed run continues into an adjacent piece. */
        while (*in_place && run_end < end) {
                int extended = 0;
                for (size_t i = 0; i < nr_claimed; i++)
                        if (claimed[i].start == run_end && claimed[i].end > run_end) {
                                run_end = claimed[i].end;
                                extended = 1;
                        }
                if (!extended)
                        break;
        }
        return run_end < end ? run_end : end;
}
