/* SPDX-License-Identifier: MIT */
/*
 * The x86 PVH boot ABI structures, written from Xen's
 * xen/include/public/arch-x86/hvm/start_info.h and docs/misc/pvh.pandoc.
 *
 * "The address and sizes are always a 64bit little endian unsigned integer."
 * "NOTE: nothing will be loaded at physical address 0, so a 0 value in any of
 *  the address fields should be treated as not present."
 */
#ifndef PVHBOOT_PVH_START_INFO_H
#define PVHBOOT_PVH_START_INFO_H

#include <stddef.h>
#include <stdint.h>

/* "xEn3" with the 0x80 bit of the "E" set. */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u

/* Version 1 adds the memory map; Linux ignores memmap_* for version 0. */
#define PVH_START_INFO_VERSION 1u

/* XEN_ELFNOTE_PHYS32_ENTRY: "Physical entry point into the kernel." */
#define XEN_ELFNOTE_PHYS32_ENTRY 18u

/* XEN_ELFNOTE_PHYS32_RELOC: "Physical loading constraints for PVH kernels.
 * The presence of this note indicates the kernel supports relocating
 * itself." Up to three 32-bit values: alignment, minimum start, maximum
 * last byte (elf_kernel.h). */
#define XEN_ELFNOTE_PHYS32_RELOC 19u

/* Memory map entry types; "the same as the E820 types". */
#define XEN_HVM_MEMMAP_TYPE_RAM       1u
#define XEN_HVM_MEMMAP_TYPE_RESERVED  2u
#define XEN_HVM_MEMMAP_TYPE_ACPI      3u
#define XEN_HVM_MEMMAP_TYPE_NVS       4u
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE  5u
#define XEN_HVM_MEMMAP_TYPE_DISABLED  6u
#define XEN_HVM_MEMMAP_TYPE_PMEM      7u
/* Not a Xen type: Linux's E820_TYPE_SOFT_RESERVED (arch/x86/include/asm/
 * e820/types.h), which its PVH entry copies into its E820 table as it does
 * every type, and which its EFI stub gives memory with EFI_MEMORY_SP. */
#define XEN_HVM_MEMMAP_TYPE_SOFT_RESERVED 0xefffffffu

struct hvm_start_info {
        uint32_t magic;          /* XEN_HVM_START_MAGIC_VALUE */
        uint32_t version;        /* PVH_START_INFO_VERSION */
        uint32_t flags;          /* SIF_xxx flags; 0 for a native boot */
        uint32_t nr_modules;     /* entries at modlist_paddr */
        uint64_t modlist_paddr;  /* struct hvm_modlist_entry[nr_modules] */
        uint64_t cmdline_paddr;  /* zero-terminated ASCII string */
        uint64_t rsdp_paddr;     /* ACPI RSDP, 0 if none */
        uint64_t memmap_paddr;   /* struct hvm_memmap_table_entry[], v1 */
        uint32_t memmap_entries; /* v1 */
        uint32_t reserved;       /* must be 0 */
};

struct hvm_modlist_entry {
        uint64_t paddr;
        uint64_t size;
        uint64_t cmdline_paddr;
        uint64_t reserved;
};

struct hvm_memmap_table_entry {
        uint64_t addr;
        uint64_t size;
        uint32_t type;
        uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info is 56 bytes");
_Static_assert(offsetof(struct hvm_start_info, magic) == 0, "magic at 0");
_Static_assert(offsetof(struct hvm_start_info, version) == 4, "version at 4");
_Static_assert(offsetof(struct hvm_start_info, flags) == 8, "flags at 8");
_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 12, "nr_modules at 12");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 16, "modlist_paddr at 16");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "cmdline_paddr at 24");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp_paddr at 32");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "memmap_paddr at 40");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "memmap_entries at 48");
_Static_assert(offsetof(struct hvm_start_info, reserved) == 52, "reserved at 52");

_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry is 32 bytes");
_Static_assert(offsetof(struct hvm_modlist_entry, size) == 8, "size at 8");
_Static_assert(offsetof(struct hvm_modlist_entry, cmdline_paddr) == 16, "cmdline_paddr at 16");

_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry is 24 bytes");
_Static_assert(offsetof(struct hvm_memmap_table_entry, size) == 8, "size at 8");
_Static_assert(offsetof(struct hvm_memmap_table_entry, type) == 16, "type at 16");

/*
 * Linux (arch/x86/platform/pvh/enlighten.c) copies memmap_entries entries
 * into boot_params.e820_table[E820_MAX_ENTRIES_ZEROPAGE = 128] without a
 * bound check; stay well inside it.
 */
#define PVH_MEMMAP_MAX_ENTRIES 126u

/* Linux's x86 COMMAND_LINE_SIZE is 2048 including the terminating NUL. */
#define PVH_CMDLINE_MAX 2047u

#endif
