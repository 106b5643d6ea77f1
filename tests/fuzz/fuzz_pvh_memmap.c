/* SPDX-License-Identifier: MIT */
/* libFuzzer target: EFI memory map -> PVH memory map. The first byte picks
 * the descriptor stride (40..55, low 4 bits); the rest is the map, and also,
 * NUL-terminated, a kernel command line for pvh_memmap_flags_for_cmdline(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvh_memmap.h"

static int valid_type(uint32_t t) {
        return (t >= 1 && t <= 7) || t == XEN_HVM_MEMMAP_TYPE_SOFT_RESERVED;
}

/* Sorted, disjoint, merged, known types; returns the bytes covered. */
static uint64_t check_map(const struct hvm_memmap_table_entry *out, size_t n, unsigned flags) {
        uint64_t covered = 0;
        if (n == 0 || n > PVH_MEMMAP_MAX_ENTRIES)
                __builtin_trap();
        for (size_t i = 0; i < n; i++) {
                if (out[i].size == 0 || !valid_type(out[i].type) || out[i].reserved)
                        __builtin_trap();
                if ((flags & PVH_MEMMAP_NO_SOFT_RESERVE) && out[i].type == XEN_HVM_MEMMAP_TYPE_SOFT_RESERVED)
                        __builtin_trap();
                if (i > 0 && (out[i].addr < out[i - 1].addr + out[i - 1].size ||
                              (out[i].addr == out[i - 1].addr + out[i - 1].size &&
                               out[i].type == out[i - 1].type)))
                        __builtin_trap();
                covered += out[i].size;
        }
        return covered;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static struct hvm_memmap_table_entry out[PVH_MEMMAP_MAX_ENTRIES], out_nosr[PVH_MEMMAP_MAX_ENTRIES];
        size_t desc_size, n, n_nosr;
        enum pvh_memmap_error err, err_nosr;
        unsigned flags;
        void *map;
        char *text;

        if (size < 1)
                return 0;
        desc_size = sizeof(struct efi_memory_descriptor) + (data[0] & 15);
        data++;
        size--;
        /* Aligned copy: the firmware's map is 8-byte aligned. */
        map = malloc(size ? size : 1);
        memcpy(map, data, size);
        text = malloc(size + 1);
        memcpy(text, data, size);
        text[size] = '\0';
        flags = pvh_memmap_flags_for_cmdline(text);
        if (flags & ~PVH_MEMMAP_NO_SOFT_RESERVE)
                __builtin_trap();

        err = pvh_memmap_convert(map, size, desc_size, 0, out, PVH_MEMMAP_MAX_ENTRIES, &n);
        err_nosr = pvh_memmap_convert(map, size, desc_size, PVH_MEMMAP_NO_SOFT_RESERVE, out_nosr,
                                      PVH_MEMMAP_MAX_ENTRIES, &n_nosr);
        /* efi=nosoftreserve changes types only: the same bytes are covered. */
        if (err == PVH_MEMMAP_OK && err_nosr == PVH_MEMMAP_OK &&
            check_map(out, n, 0) != check_map(out_nosr, n_nosr, PVH_MEMMAP_NO_SOFT_RESERVE))
                __builtin_trap();
        if ((err == PVH_MEMMAP_OK) != (err_nosr == PVH_MEMMAP_OK) &&
            err != PVH_MEMMAP_ERR_TOO_MANY && err_nosr != PVH_MEMMAP_ERR_TOO_MANY)
                __builtin_trap();
        free(text);
        free(map);
        return 0;
}
