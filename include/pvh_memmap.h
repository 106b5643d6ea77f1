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

/* EFI_MEMORY_SP (UEFI 2.8+): specific-purpose memory, for the OS to set
 * aside for a particular use (HBM, CXL, ...) rather than as plain RAM. */
#define EFI_MEMORY_SP 0x40000ull

/* Conversion flags. */
#define PVH_MEMMAP_NO_SOFT_RESERVE 1u   /* efi=nosoftreserve: SP memory is RAM */

/* The PVH type for an EFI memory type (UEFI 2.10 table 7.10 usage rules). */
uint32_t pvh_memmap_type_from_efi(uint32_t efi_type);

/*
 * The PVH type for a descriptor, as Linux's EFI stub (setup_e820() in
 * drivers/firmware/efi/libstub/x86-stub.c) types it: the RAM types with
 * EFI_MEMORY_SP are soft-reserved (0xefffffff) unless flags has
 * PVH_MEMMAP_NO_SOFT_RESERVE; SP on any other type changes nothing; no
 * other attribute counts (EFI_MEMORY_NV included: persistent memory is the
 * type EfiPersistentMemory, E820 type 7).
 */
uint32_t pvh_memmap_type_of(const struct efi_memory_descriptor *d, unsigned flags);

/* True for the types whose memory an OS may use once boot services are
 * gone: Conventional, BootServicesCode/Data, LoaderCode/Data. */
bool efi_memory_type_is_ram(uint32_t efi_type);

/* True for a descriptor of such a type that is not specific-purpose
 * memory: what a loader may place a kernel in. */
bool efi_memory_descriptor_is_ram(const struct efi_memory_descriptor *d);

/*
 * The flags a kernel command line asks for, parsed as the EFI stub parses
 * it (efi_parse_options(): Linux's next_arg() words, quotes stripped, the
 * last efi= decides): PVH_MEMMAP_NO_SOFT_RESERVE when that efi= list has
 * "nosoftreserve". cmdline is NUL-terminated.
 */
unsigned pvh_memmap_flags_for_cmdline(const char *cmdline);

/*
 * Build a sorted, non-overlapping PVH memory map with adjacent entries of the
 * same type merged. Input may be unsorted and may overlap; where it overlaps,
 * the more restrictive type wins (anything over RAM). Writes at most cap
 * entries and fails with PVH_MEMMAP_ERR_TOO_MANY rather than truncating.
 * Types as pvh_memmap_type_of() with flags.
 */
enum pvh_memmap_error pvh_memmap_convert(const void *efi_map, size_t map_size, size_t desc_size, unsigned flags,
                                         struct hvm_memmap_table_entry *out, size_t cap, size_t *count);

/* pvh_memmap_convert() with no flags (soft-reserved memory stays so). */
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
