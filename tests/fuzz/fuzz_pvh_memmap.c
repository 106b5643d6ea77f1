/* SPDX-License-Identifier: MIT */
/* libFuzzer target: EFI memory map -> PVH memory map. The first byte picks
 * the descriptor stride (40..55), the rest is the map. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvh_memmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct hvm_memmap_table_entry out[PVH_MEMMAP_MAX_ENTRIES];
        size_t desc_size, n;
        void *map;

        if (size < 1)
                return 0;
        desc_size = sizeof(struct efi_memory_descriptor) + (data[0] & 15);
        data++;
        size--;
        /* Aligned copy: the firmware's map is 8-byte aligned. */
        map = malloc(size ? size : 1);
        memcpy(map, data, size);
        if (pvh_memmap_from_efi(map, size, desc_size, out, PVH_MEMMAP_MAX_ENTRIES, &n) == PVH_MEMMAP_OK) {
                if (n == 0 || n > PVH_MEMMAP_MAX_ENTRIES)
                        __builtin_trap();
                for (size_t i = 0; i < n; i++) {
                        if (out[i].size == 0 || out[i].type < 1 || out[i].type > 7 || out[i].reserved)
                                __builtin_trap();
                        /* Sorted, disjoint, and merged. */
                        if (i > 0 && (out[i].addr < out[i - 1].addr + out[i - 1].size ||
                                      (out[i].addr == out[i - 1].addr + out[i - 1].size &&
                                       out[i].type == out[i - 1].type)))
                                __builtin_trap();
                }
        }
        free(map);
        return 0;
}
