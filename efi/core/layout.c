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

bool layout_range_is_ram(const void *map, size_t map_size, size_t desc_size, struct phys_range r) {
        size_t n;
        uint64_t pos = r.start;

        if (desc_size < sizeof(struct efi_memory_descriptor))
                return 0;
        n = map_size / desc_size;
        /* Advance pos through RAM descriptors until the range is covered. */
        while (pos < r.end) {
                int advanced = 0;
                for (size_t i = 0; i < n; i++) {
                        const struct efi_memory_descriptor d = efi_map_descriptor(map, desc_size, i);
                        uint64_t start = d.physical_start, len;
                        /* Specific-purpose (EFI_MEMORY_SP) memory is not the
                         * kernel's to be loaded into, whatever its type. */
                        if (!efi_memory_descriptor_is_ram(&d) || d.number_of_pages == 0 ||
                            d.number_of_pages > (UINT64_MAX - start) >> PVH_PAGE_SHIFT)
                                continue;
                        len = d.number_of_pages << PVH_PAGE_SHIFT;
                        if (start <= pos && pos - start < len) {
                                pos = start + len;
                                advanced = 1;
                        }
                }
                if (!advanced)
                        return 0;
        }
        /* A non-RAM descriptor overlapping the range also disqualifies it. */
        for (size_t i = 0; i < n; i++) {
                const struct efi_memory_descriptor d = efi_map_descriptor(map, desc_size, i);
                struct phys_range dr;
                if (efi_memory_descriptor_is_ram(&d) || d.number_of_pages == 0)
                        continue;
                dr.start = d.physical_start;
                dr.end = d.number_of_pages > (UINT64_MAX - dr.start) >> PVH_PAGE_SHIFT
                                 ? UINT64_MAX
                                 : dr.start + (d.number_of_pages << PVH_PAGE_SHIFT);
                if (phys_range_overlap(dr, r))
                        return 0;
        }
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
