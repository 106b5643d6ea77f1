/* SPDX-License-Identifier: MIT */
/* Conversion of the UEFI memory map into the PVH (E820-typed) memory map. */
#ifndef PVHBOOT_PVH_MEMMAP_H
#define PVHBOOT_PVH_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "efi_memory_abi.h"
#include "pvh_start_info.h"

enum pvh_memmap_error {
        PVH_MEMMAP_OK = 0,
        PVH_MEMMAP_ERR_DESC_SIZE,       /* DescriptorSize smaller than the 1.0 descriptor */
        PVH_MEMMAP_ERR_BAD_DESCRIPTOR,  /* a range beyond the 52-bit physical space */
        PVH_MEMMAP_ERR_TOO_MANY,        /* more than the output capacity after merging */
        PVH_MEMMAP_ERR_EMPTY,           /* no memory at all */
};

/* The PVH type for an EFI memory type (UEFI 2.10 table 7.10 usage rules). */
uint32_t pvh_memmap_type_from_efi(uint32_t efi_type);

/* True for the types whose memory an OS may use once boot services are
 * gone: Conventional, BootServicesCode/Data, LoaderCode/Data. */
bool efi_memory_type_is_ram(uint32_t efi_type);

/*
 * Build a sorted, non-overlapping PVH memory map with adjacent entries of the
 * same type merged. Input may be unsorted and may overlap; where it overlaps,
 * the more restrictive type wins (anything over RAM). Writes at most cap
 * entries and fails with PVH_MEMMAP_ERR_TOO_MANY rather than truncating.
 */
enum pvh_memmap_error pvh_memmap_from_efi(const void *efi_map, size_t map_size, size_t desc_size,
                                          struct hvm_memmap_table_entry *out, size_t cap,
                                          size_t *count);

const char *pvh_memmap_strerror(enum pvh_memmap_error err);

/* Descriptor i of a map with the firmware's stride, copied out so that no
 * alignment is assumed of the buffer or the stride. */
static inline struct efi_memory_descriptor efi_map_descriptor(const void *map, size_t desc_size, size_t i) {
        struct efi_memory_descriptor d;
        __builtin_memcpy(&d, (const unsigned char *)map + i * desc_size, sizeof(d));
        return d;
}

#endif
