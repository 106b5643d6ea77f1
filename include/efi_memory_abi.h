/* SPDX-License-Identifier: MIT */
/*
 * The UEFI memory map as GetMemoryMap() returns it (UEFI 2.10, 7.2.3), for
 * the core code that must build on the host without the EFI headers.
 *
 * "DescriptorSize: ... the size, in bytes, of an EFI_MEMORY_DESCRIPTOR.
 *  ... the size ... may change in the future ... callers must use
 *  DescriptorSize to step through the array."
 */
#ifndef PVHBOOT_EFI_MEMORY_ABI_H
#define PVHBOOT_EFI_MEMORY_ABI_H

#include <stddef.h>
#include <stdint.h>

enum efi_memory_type {
        EFI_MEM_RESERVED = 0,
        EFI_MEM_LOADER_CODE = 1,
        EFI_MEM_LOADER_DATA = 2,
        EFI_MEM_BOOT_SERVICES_CODE = 3,
        EFI_MEM_BOOT_SERVICES_DATA = 4,
        EFI_MEM_RUNTIME_SERVICES_CODE = 5,
        EFI_MEM_RUNTIME_SERVICES_DATA = 6,
        EFI_MEM_CONVENTIONAL = 7,
        EFI_MEM_UNUSABLE = 8,
        EFI_MEM_ACPI_RECLAIM = 9,
        EFI_MEM_ACPI_NVS = 10,
        EFI_MEM_MMIO = 11,
        EFI_MEM_MMIO_PORT_SPACE = 12,
        EFI_MEM_PAL_CODE = 13,
        EFI_MEM_PERSISTENT = 14,
        EFI_MEM_UNACCEPTED = 15,
};

/* EFI_MEMORY_DESCRIPTOR; the firmware's stride may be larger. */
struct efi_memory_descriptor {
        uint32_t type;
        uint32_t pad;
        uint64_t physical_start;
        uint64_t virtual_start;
        uint64_t number_of_pages;
        uint64_t attribute;
};

_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "EFI_MEMORY_DESCRIPTOR is 40 bytes");
_Static_assert(offsetof(struct efi_memory_descriptor, physical_start) == 8, "PhysicalStart at 8");
_Static_assert(offsetof(struct efi_memory_descriptor, number_of_pages) == 24, "NumberOfPages at 24");

#define PVH_PAGE_SIZE 4096u
#define PVH_PAGE_SHIFT 12u

#endif
