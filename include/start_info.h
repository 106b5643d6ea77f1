/* SPDX-License-Identifier: MIT */
/*
 * The block pvhboot hands the kernel: hvm_start_info and everything it
 * points at (module list, memory map, command line), filled in by pure code
 * so that every field and address is unit-tested on the host.
 */
#ifndef PVHBOOT_START_INFO_H
#define PVHBOOT_START_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "pvh_memmap.h"
#include "pvh_start_info.h"

/*
 * Everything start_info points at, in one allocation below 1 GiB (Linux's
 * early PVH page tables map only the first 1 GiB). Recent Linux uses the
 * bytes around start_info as a scratch stack before it has one, so
 * start_info does not sit at the very start of the allocation.
 */
struct pvh_boot_block {
        uint8_t scratch[64];
        struct hvm_start_info start_info;
        struct hvm_modlist_entry modlist[1];
        struct hvm_memmap_table_entry memmap[PVH_MEMMAP_MAX_ENTRIES];
        char cmdline[PVH_CMDLINE_MAX + 1];
};

_Static_assert(offsetof(struct pvh_boot_block, start_info) == 64, "64 scratch bytes before start_info");
_Static_assert(offsetof(struct pvh_boot_block, modlist) % 8 == 0, "modlist entries 8-byte aligned");
_Static_assert(offsetof(struct pvh_boot_block, memmap) % 8 == 0, "memmap entries 8-byte aligned");

/*
 * The whole block must end at or below this address. A 64-bit Linux
 * switches from the PVH entry to page tables built into the kernel image
 * before it reads the memory map, module list and command line, and those
 * map only the first 1 GiB of physical memory: level2_ident_pgt in
 * arch/x86/kernel/head_64.S (pvh_level2_ident_pgt in
 * arch/x86/platform/pvh/head.S in later kernels), "Since I easily can, map
 * the first 1G."
 */
#define START_INFO_ADDR_LIMIT (1ull << 30)

/*
 * Fill b, whose physical address is b_paddr (in EFI the same as b; in tests
 * anything), for a kernel entered through PVH: zeroes the whole block, then
 * magic, version 1, a NUL-terminated copy of the cmdline_len bytes at
 * cmdline, rsdp (0: none), the memory map's address (its entries come with
 * start_info_set_memmap) and, when initrd_size > 0, one module
 * [initrd_paddr, initrd_paddr + initrd_size). Every *_paddr is b_paddr plus
 * the member's offset. 0, or -1 (b untouched) if cmdline_len exceeds
 * PVH_CMDLINE_MAX, the block does not end at or below START_INFO_ADDR_LIMIT,
 * or initrd_size > 0 with initrd_paddr 0.
 */
int start_info_build(struct pvh_boot_block *b, uint64_t b_paddr, const char *cmdline, size_t cmdline_len,
                     uint64_t rsdp, uint64_t initrd_paddr, uint64_t initrd_size);

/*
 * Convert an EFI memory map (GetMemoryMap's buffer, map_size bytes of
 * desc_size descriptors) into b->memmap and set start_info.memmap_entries.
 * On an error memmap_entries is 0, so the block never claims entries it
 * does not hold.
 */
enum pvh_memmap_error start_info_set_memmap(struct pvh_boot_block *b, const void *efi_map, size_t map_size,
                                            size_t desc_size);

#endif
