/* SPDX-License-Identifier: MIT */
/*
 * hvm_start_info as xen/include/public/arch-x86/hvm/start_info.h describes
 * it (version 1: with the memory map), for a native PVH boot.
 */
#include "start_info.h"

/* Where member of the block is, physically. */
#define PADDR_OF(b_paddr, member) ((b_paddr) + offsetof(struct pvh_boot_block, member))

int start_info_build(struct pvh_boot_block *b, uint64_t b_paddr, const char *cmdline, size_t cmdline_len,
                     uint64_t rsdp, uint64_t initrd_paddr, uint64_t initrd_size) {
        /* Linux's COMMAND_LINE_SIZE; a longer line would be cut silently. */
        if (cmdline_len > PVH_CMDLINE_MAX)
                return -1;
        if (b_paddr > START_INFO_ADDR_LIMIT || sizeof(*b) > START_INFO_ADDR_LIMIT - b_paddr)
                return -1;
        /* start_info.h: "nothing will be loaded at physical address 0, so a
         * 0 value in any of the address fields should be treated as not
         * present"; Linux would drop such an initrd without a word. */
        if (initrd_size > 0 && initrd_paddr == 0)
                return -1;

        /* Everything not set below is 0: flags (a native boot has no SIF_
         * flags), the reserved fields ("must be zero"), the module's
         * cmdline_paddr (no module command line), memmap_entries until
         * start_info_set_memmap. */
        __builtin_memset(b, 0, sizeof(*b));
        if (cmdline_len > 0)
                __builtin_memcpy(b->cmdline, cmdline, cmdline_len);
        b->cmdline[cmdline_len] = '\0';

        b->start_info.magic = XEN_HVM_START_MAGIC_VALUE;
        b->start_info.version = PVH_START_INFO_VERSION;
        /* Always present, if empty: the kernel then sees "" and not a
         * missing command line. */
        b->start_info.cmdline_paddr = PADDR_OF(b_paddr, cmdline);
        b->start_info.rsdp_paddr = rsdp;
        b->start_info.memmap_paddr = PADDR_OF(b_paddr, memmap);
        if (initrd_size > 0) {
                b->modlist[0].paddr = initrd_paddr;
                b->modlist[0].size = initrd_size;
                b->start_info.nr_modules = 1;
                b->start_info.modlist_paddr = PADDR_OF(b_paddr, modlist);
        }
        return 0;
}

enum pvh_memmap_error start_info_set_memmap(struct pvh_boot_block *b, const void *efi_map, size_t map_size,
                                            size_t desc_size) {
        size_t count = 0;
        enum pvh_memmap_error err;

        /* As the EFI stub: soft-reserved stays so unless efi=nosoftreserve. */
        err = pvh_memmap_convert(efi_map, map_size, desc_size, pvh_memmap_flags_for_cmdline(b->cmdline), b->memmap,
                                 PVH_MEMMAP_MAX_ENTRIES, &count);
        b->start_info.memmap_entries = err == PVH_MEMMAP_OK ? (uint32_t)count : 0;
        return err;
}
