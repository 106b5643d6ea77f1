/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "start_info.h"
#include "testlib.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* Where the block would be in a guest; not where it is in this process. */
#define B_PADDR (0x3E000000ull + 0x40)
#define RSDP 0xF5A10ull
#define INITRD_PADDR 0x3F000000ull
#define INITRD_SIZE 1031628ull

static const char CMDLINE[] = "console=ttyS0 root=/dev/vda1 ro";

static struct pvh_boot_block block;

/* Whatever was there before must not leak into the block. */
static void scribble(void) {
        memset(&block, 0xA5, sizeof(block));
}

static int all_bytes(const void *p, size_t n, unsigned char value) {
        const unsigned char *b = p;
        for (size_t i = 0; i < n; i++)
                if (b[i] != value)
                        return 0;
        return 1;
}

static int build_good(void) {
        return start_info_build(&block, B_PADDR, CMDLINE, strlen(CMDLINE), RSDP, INITRD_PADDR, INITRD_SIZE);
}

static void test_layout(void) {
        /* The kernel finds the rest through start_info's pointers; the
         * scratch bytes below start_info it just uses, so they must be
         * there. */
        CHECK_EQ(offsetof(struct pvh_boot_block, start_info), 64);
        CHECK(sizeof(block) < 8192);
        CHECK_EQ(START_INFO_ADDR_LIMIT, GIB);
}

static void test_every_field(void) {
        const struct hvm_start_info *si = &block.start_info;

        scribble();
        CHECK_EQ(build_good(), 0);
        CHECK_EQ(si->magic, 0x336ec578u);
        CHECK_EQ(si->version, 1);
        CHECK_EQ(si->flags, 0);
        CHECK_EQ(si->nr_modules, 1);
        CHECK_EQ(si->modlist_paddr, B_PADDR + offsetof(struct pvh_boot_block, modlist));
        CHECK_EQ(si->cmdline_paddr, B_PADDR + offsetof(struct pvh_boot_block, cmdline));
        CHECK_EQ(si->rsdp_paddr, RSDP);
        CHECK_EQ(si->memmap_paddr, B_PADDR + offsetof(struct pvh_boot_block, memmap));
        CHECK_EQ(si->memmap_entries, 0);        /* until start_info_set_memmap */
        CHECK_EQ(si->reserved, 0);
        /* The same addresses, counted from the block's own members. */
        CHECK_EQ(si->cmdline_paddr - B_PADDR, (uintptr_t)block.cmdline - (uintptr_t)&block);
        CHECK_EQ(si->memmap_paddr - B_PADDR, (uintptr_t)block.memmap - (uintptr_t)&block);
        CHECK_EQ(si->modlist_paddr - B_PADDR, (uintptr_t)block.modlist - (uintptr_t)&block);

        CHECK_EQ(block.modlist[0].paddr, INITRD_PADDR);
        CHECK_EQ(block.modlist[0].size, INITRD_SIZE);
        CHECK_EQ(block.modlist[0].cmdline_paddr, 0);
        CHECK_EQ(block.modlist[0].reserved, 0);

        CHECK_STR(block.cmdline, CMDLINE);
        CHECK(all_bytes(block.cmdline + strlen(CMDLINE), sizeof(block.cmdline) - strlen(CMDLINE), 0));
        CHECK(all_bytes(block.scratch, sizeof(block.scratch), 0));
        CHECK(all_bytes(block.memmap, sizeof(block.memmap), 0));
}

static void test_no_initrd(void) {
        scribble();
        CHECK_EQ(start_info_build(&block, B_PADDR, CMDLINE, strlen(CMDLINE), RSDP, 0, 0), 0);
        CHECK_EQ(block.start_info.nr_modules, 0);
        CHECK_EQ(block.start_info.modlist_paddr, 0);
        CHECK(all_bytes(block.modlist, sizeof(block.modlist), 0));
        /* A size of 0 means no module, wherever the caller says it is. */
        scribble();
        CHECK_EQ(start_info_build(&block, B_PADDR, CMDLINE, strlen(CMDLINE), RSDP, INITRD_PADDR, 0), 0);
        CHECK_EQ(block.start_info.nr_modules, 0);
        CHECK_EQ(block.start_info.modlist_paddr, 0);
        CHECK_EQ(block.modlist[0].paddr, 0);
}

static void test_initrd_at_zero_refused(void) {
        scribble();
        CHECK_EQ(start_info_build(&block, B_PADDR, CMDLINE, strlen(CMDLINE), RSDP, 0, INITRD_SIZE), -1);
        CHECK(all_bytes(&block, sizeof(block), 0xA5));
}

static void test_no_rsdp(void) {
        scribble();
        CHECK_EQ(start_info_build(&block, B_PADDR, CMDLINE, strlen(CMDLINE), 0, INITRD_PADDR, INITRD_SIZE), 0);
        CHECK_EQ(block.start_info.rsdp_paddr, 0);
}

static void test_cmdline(void) {
        static char longest[PVH_CMDLINE_MAX + 1];

        /* Empty: still present, as "". */
        scribble();
        CHECK_EQ(start_info_build(&block, B_PADDR, NULL, 0, RSDP, 0, 0), 0);
        CHECK_EQ(block.start_info.cmdline_paddr, B_PADDR + offsetof(struct pvh_boot_block, cmdline));
        CHECK_EQ(block.cmdline[0], '\0');
        /* Only cmdline_len bytes are copied; the source needs no NUL. */
        scribble();
        CHECK_EQ(start_info_build(&block, B_PADDR, "abcdef", 3, RSDP, 0, 0), 0);
        CHECK_STR(block.cmdline, "abc");
        /* The longest Linux accepts, and one byte more. */
        memset(longest, 'x', sizeof(longest));
        scribble();
        CHECK_EQ(start_info_build(&block, B_PADDR, longest, PVH_CMDLINE_MAX, RSDP, 0, 0), 0);
        CHECK_EQ(strlen(block.cmdline), PVH_CMDLINE_MAX);
        CHECK_EQ(block.cmdline[PVH_CMDLINE_MAX], '\0');
        scribble();
        CHECK_EQ(start_info_build(&block, B_PADDR, longest, PVH_CMDLINE_MAX + 1, RSDP, 0, 0), -1);
        CHECK(all_bytes(&block, sizeof(block), 0xA5));
}

static void test_1gib_bound(void) {
        const uint64_t last_ok = GIB - sizeof(block);

        /* Ending exactly at 1 GiB is fine... */
        scribble();
        CHECK_EQ(start_info_build(&block, last_ok, CMDLINE, strlen(CMDLINE), RSDP, INITRD_PADDR, INITRD_SIZE), 0);
        CHECK_EQ(block.start_info.cmdline_paddr + sizeof(block.cmdline), GIB);
        /* ...one byte further is not, and the block is left alone. */
        scribble();
        CHECK_EQ(start_info_build(&block, last_ok + 1, CMDLINE, strlen(CMDLINE), RSDP, INITRD_PADDR, INITRD_SIZE),
                 -1);
        CHECK(all_bytes(&block, sizeof(block), 0xA5));
        CHECK_EQ(start_info_build(&block, GIB, CMDLINE, strlen(CMDLINE), RSDP, 0, 0), -1);
        CHECK_EQ(start_info_build(&block, 4 * GIB, CMDLINE, strlen(CMDLINE), RSDP, 0, 0), -1);
        /* b_paddr + size would wrap to a small number. */
        CHECK_EQ(start_info_build(&block, UINT64_MAX - 16, CMDLINE, strlen(CMDLINE), RSDP, 0, 0), -1);
        CHECK_EQ(start_info_build(&block, UINT64_MAX - sizeof(block) + 1, CMDLINE, strlen(CMDLINE), RSDP, 0, 0),
                 -1);
        CHECK(all_bytes(&block, sizeof(block), 0xA5));
        /* Low memory is fine too. */
        CHECK_EQ(start_info_build(&block, MIB, CMDLINE, strlen(CMDLINE), RSDP, 0, 0), 0);
        CHECK_EQ(block.start_info.memmap_paddr, MIB + offsetof(struct pvh_boot_block, memmap));
}

/* An EFI memory map with the firmware's larger stride (48 bytes, as OVMF). */
#define STRIDE 48
static unsigned char efi_map[300 * STRIDE];
static size_t efi_map_n;

static void add(uint32_t type, uint64_t start, uint64_t bytes) {
        struct efi_memory_descriptor d = { .type = type, .physical_start = start,
                                           .number_of_pages = bytes >> PVH_PAGE_SHIFT };
        memset(efi_map + efi_map_n * STRIDE, 0xEE, STRIDE);
        memcpy(efi_map + efi_map_n * STRIDE, &d, sizeof(d));
        efi_map_n++;
}

static void ovmf_like_map(void) {
        efi_map_n = 0;
        add(EFI_MEM_CONVENTIONAL, 0, 0xA0000);
        add(EFI_MEM_CONVENTIONAL, MIB, 8 * MIB);
        add(EFI_MEM_BOOT_SERVICES_DATA, 9 * MIB, 12 * MIB);
        add(EFI_MEM_CONVENTIONAL, 21 * MIB, 400 * MIB);
        add(EFI_MEM_LOADER_DATA, 421 * MIB, 10 * MIB);
        add(EFI_MEM_ACPI_NVS, 431 * MIB, MIB);
        add(EFI_MEM_RUNTIME_SERVICES_DATA, 432 * MIB, MIB);
        add(EFI_MEM_MMIO, 0xFFC00000ull, 4 * MIB);
}

static void test_set_memmap(void) {
        struct hvm_memmap_table_entry want[PVH_MEMMAP_MAX_ENTRIES];
        size_t want_n = 0;

        CHECK_EQ(build_good(), 0);
        ovmf_like_map();
        CHECK_EQ(pvh_memmap_from_efi(efi_map, efi_map_n * STRIDE, STRIDE, want, PVH_MEMMAP_MAX_ENTRIES, &want_n),
                 PVH_MEMMAP_OK);
        CHECK_EQ(want_n, 5);    /* the RAM kinds from 1 MiB to 431 MiB merge */
        CHECK_EQ(start_info_set_memmap(&block, efi_map, efi_map_n * STRIDE, STRIDE), PVH_MEMMAP_OK);
        CHECK_EQ(block.start_info.memmap_entries, want_n);
        CHECK(memcmp(block.memmap, want, want_n * sizeof(want[0])) == 0);
        /* Nothing else moved. */
        CHECK_EQ(block.start_info.memmap_paddr, B_PADDR + offsetof(struct pvh_boot_block, memmap));
        CHECK_EQ(block.start_info.nr_modules, 1);
        CHECK_STR(block.cmdline, CMDLINE);
}

static void test_set_memmap_full(void) {
        /* 126 entries that cannot merge (holes between): exactly full. */
        CHECK_EQ(build_good(), 0);
        efi_map_n = 0;
        for (unsigned i = 0; i < PVH_MEMMAP_MAX_ENTRIES; i++)
                add(EFI_MEM_CONVENTIONAL, (uint64_t)i * 2 * MIB, MIB);
        CHECK_EQ(start_info_set_memmap(&block, efi_map, efi_map_n * STRIDE, STRIDE), PVH_MEMMAP_OK);
        CHECK_EQ(block.start_info.memmap_entries, PVH_MEMMAP_MAX_ENTRIES);
        CHECK_EQ(block.memmap[PVH_MEMMAP_MAX_ENTRIES - 1].addr, (uint64_t)(PVH_MEMMAP_MAX_ENTRIES - 1) * 2 * MIB);
        /* One more: refused, and the block claims no entries. */
        add(EFI_MEM_CONVENTIONAL, (uint64_t)PVH_MEMMAP_MAX_ENTRIES * 2 * MIB, MIB);
        CHECK_EQ(start_info_set_memmap(&block, efi_map, efi_map_n * STRIDE, STRIDE), PVH_MEMMAP_ERR_TOO_MANY);
        CHECK_EQ(block.start_info.memmap_entries, 0);
}

/* Specific-purpose memory reaches the kernel soft-reserved, as after the
 * EFI stub, unless the command line built into the block says
 * efi=nosoftreserve. */
static void test_set_memmap_soft_reserved(void) {
        static const char nosoft[] = "console=ttyS0 efi=debug,nosoftreserve";
        struct efi_memory_descriptor d;

        CHECK_EQ(build_good(), 0);
        efi_map_n = 0;
        add(EFI_MEM_CONVENTIONAL, MIB, 8 * MIB);
        add(EFI_MEM_CONVENTIONAL, 16 * MIB, 16 * MIB);
        memcpy(&d, efi_map + STRIDE, sizeof(d));
        d.attribute = EFI_MEMORY_SP;
        memcpy(efi_map + STRIDE, &d, sizeof(d));
        CHECK_EQ(start_info_set_memmap(&block, efi_map, efi_map_n * STRIDE, STRIDE), PVH_MEMMAP_OK);
        CHECK_EQ(block.start_info.memmap_entries, 2);
        CHECK_EQ(block.memmap[1].addr, 16 * MIB);
        CHECK_EQ(block.memmap[1].type, XEN_HVM_MEMMAP_TYPE_SOFT_RESERVED);
        CHECK_EQ(start_info_build(&block, B_PADDR, nosoft, strlen(nosoft), RSDP, INITRD_PADDR, INITRD_SIZE), 0);
        CHECK_EQ(start_info_set_memmap(&block, efi_map, efi_map_n * STRIDE, STRIDE), PVH_MEMMAP_OK);
        CHECK_EQ(block.start_info.memmap_entries, 2);
        CHECK_EQ(block.memmap[1].type, XEN_HVM_MEMMAP_TYPE_RAM);
}

static void test_set_memmap_errors(void) {
        CHECK_EQ(build_good(), 0);
        ovmf_like_map();
        CHECK_EQ(start_info_set_memmap(&block, efi_map, efi_map_n * STRIDE, STRIDE), PVH_MEMMAP_OK);
        CHECK(block.start_info.memmap_entries > 0);
        /* A descriptor size below the 1.0 descriptor's 40 bytes. */
        CHECK_EQ(start_info_set_memmap(&block, efi_map, efi_map_n * STRIDE, 32), PVH_MEMMAP_ERR_DESC_SIZE);
        CHECK_EQ(block.start_info.memmap_entries, 0);
        /* An empty map. */
        CHECK_EQ(start_info_set_memmap(&block, efi_map, efi_map_n * STRIDE, STRIDE), PVH_MEMMAP_OK);
        CHECK_EQ(start_info_set_memmap(&block, efi_map, 0, STRIDE), PVH_MEMMAP_ERR_EMPTY);
        CHECK_EQ(block.start_info.memmap_entries, 0);
}

int main(void) {
        RUN(test_set_memmap_soft_reserved);
        RUN(test_layout);
        RUN(test_every_field);
        RUN(test_no_initrd);
        RUN(test_initrd_at_zero_refused);
        RUN(test_no_rsdp);
        RUN(test_cmdline);
        RUN(test_1gib_bound);
        RUN(test_set_memmap);
        RUN(test_set_memmap_full);
        RUN(test_set_memmap_errors);
        return tl_summary("start_info");
}
