/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "efi_memory_abi.h"
#include "layout.h"
#include "pvh_memmap.h"
#include "testlib.h"

#define MIB (1ull << 20)

static struct efi_memory_descriptor map[16];
static size_t nmap;

static void add(uint32_t type, uint64_t start, uint64_t bytes) {
        map[nmap++] = (struct efi_memory_descriptor){ .type = type, .physical_start = start,
                                                      .number_of_pages = bytes >> PVH_PAGE_SHIFT };
}

/* OVMF q35 512 MiB while an application runs, roughly. */
static void ovmf_like_map(void) {
        nmap = 0;
        add(EFI_MEM_CONVENTIONAL, 0, 0xA0000);
        add(EFI_MEM_CONVENTIONAL, MIB, 8 * MIB);
        add(EFI_MEM_BOOT_SERVICES_DATA, 9 * MIB, 12 * MIB);    /* 0x900000-0x14FFFFF */
        add(EFI_MEM_CONVENTIONAL, 21 * MIB, 400 * MIB);
        add(EFI_MEM_LOADER_DATA, 421 * MIB, 10 * MIB);
        add(EFI_MEM_ACPI_NVS, 431 * MIB, MIB);
        add(EFI_MEM_RUNTIME_SERVICES_DATA, 432 * MIB, MIB);
        add(EFI_MEM_MMIO, 0xFFC00000ull, 4 * MIB);
}

static int is_ram(uint64_t start, uint64_t end) {
        return layout_range_is_ram(map, nmap * sizeof(map[0]), sizeof(map[0]), (struct phys_range){ start, end });
}

static void test_range_is_ram(void) {
        ovmf_like_map();
        CHECK(is_ram(16 * MIB, 60 * MIB));              /* spans BS data and conventional */
        CHECK(is_ram(MIB, 431 * MIB));                  /* up to the NVS page */
        CHECK(!is_ram(MIB, 431 * MIB + 1));
        CHECK(!is_ram(0x90000, 0x100000));              /* the legacy hole is not in the map */
        CHECK(!is_ram(432 * MIB, 433 * MIB));           /* runtime data */
        CHECK(!is_ram(0xFFC00000ull, 0xFFC01000ull));   /* MMIO */
        CHECK(!is_ram(500 * MIB, 501 * MIB));           /* no memory at all */
        /* An overlapping reserved descriptor wins over RAM. */
        add(EFI_MEM_RESERVED, 30 * MIB, MIB);
        CHECK(!is_ram(16 * MIB, 60 * MIB));
        CHECK(layout_range_is_ram(map, nmap * sizeof(map[0]), 8, (struct phys_range){ MIB, 2 * MIB }) == 0);
        /* Specific-purpose memory (EFI_MEMORY_SP) is no place for the kernel. */
        ovmf_like_map();
        map[3].attribute = EFI_MEMORY_SP;
        CHECK(!is_ram(21 * MIB, 22 * MIB));
        CHECK(!is_ram(16 * MIB, 60 * MIB));
        CHECK(is_ram(MIB, 21 * MIB));
        map[3].attribute = 0;
        CHECK(is_ram(21 * MIB, 22 * MIB));
}

static void test_free_pieces(void) {
        struct phys_range p[4];
        ovmf_like_map();
        size_t n = layout_free_pieces(map, nmap * sizeof(map[0]), sizeof(map[0]),
                                      (struct phys_range){ 16 * MIB, 60 * MIB }, p, 4);
        CHECK_EQ(n, 1);
        CHECK_EQ(p[0].start, 21 * MIB);
        CHECK_EQ(p[0].end, 60 * MIB);
        n = layout_free_pieces(map, nmap * sizeof(map[0]), sizeof(map[0]),
                               (struct phys_range){ 0x1800, 10 * MIB + 0x800 }, p, 4);
        CHECK_EQ(n, 2);
        CHECK_EQ(p[0].start, 0x2000);   /* rounded in to whole pages */
        CHECK_EQ(p[0].end, 0xA0000);
        CHECK_EQ(p[1].start, MIB);
        CHECK_EQ(p[1].end, 9 * MIB);
        /* More pieces than room: the count still says how many. */
        CHECK_EQ(layout_free_pieces(map, nmap * sizeof(map[0]), sizeof(map[0]),
                                    (struct phys_range){ 0, 500 * MIB }, p, 1), 3);
        /* Specific-purpose conventional memory is not free for staging. */
        map[3].attribute = EFI_MEMORY_SP;
        CHECK_EQ(layout_free_pieces(map, nmap * sizeof(map[0]), sizeof(map[0]),
                                    (struct phys_range){ 0, 500 * MIB }, p, 4), 2);
        map[3].attribute = 0;
}

static void test_kernel_page_ranges(void) {
        struct elf_kernel k = { .nr_segments = 3 };
        struct phys_range r[ELF_KERNEL_MAX_SEGMENTS];
        k.segments[0] = (struct elf_kernel_segment){ .paddr = 0x3000000, .mem_size = 0x10 };
        k.segments[1] = (struct elf_kernel_segment){ .paddr = 0x1000000, .mem_size = 0x1800 };
        k.segments[2] = (struct elf_kernel_segment){ .paddr = 0x1001900, .mem_size = 0x1000 };
        size_t n = layout_kernel_page_ranges(&k, r);
        CHECK_EQ(n, 2);
        CHECK_EQ(r[0].start, 0x1000000);
        CHECK_EQ(r[0].end, 0x1003000);  /* two segments sharing a page merge */
        CHECK_EQ(r[1].start, 0x3000000);
        CHECK_EQ(r[1].end, 0x3001000);
}

static void test_find_overlap(void) {
        struct phys_range dest[2] = { { 16 * MIB, 60 * MIB }, { 70 * MIB, 71 * MIB } };
        struct phys_range live[3] = { { 0, 16 * MIB }, { 71 * MIB, 72 * MIB }, { 70 * MIB + 4096, 70 * MIB + 8192 } };
        size_t which = 99;
        CHECK_EQ(layout_find_overlap(dest, 2, live, 2, &which), -1);
        CHECK_EQ(layout_find_overlap(dest, 2, live, 3, &which), 2);
        CHECK_EQ(which, 1);
}

static void test_run_end(void) {
        /* Claimed: [16M,20M) and [20M,24M) touching, [30M,40M); unsorted. */
        struct phys_range c[3] = { { 30 * MIB, 40 * MIB }, { 20 * MIB, 24 * MIB }, { 16 * MIB, 20 * MIB } };
        int in_place = -1;
        /* A segment starting in BS data before the first piece: staged up to 16M. */
        CHECK_EQ(layout_run_end(c, 3, 9 * MIB + 0x123, 50 * MIB, &in_place), 16 * MIB);
        CHECK_EQ(in_place, 0);
        CHECK_EQ(layout_run_end(c, 3, 16 * MIB, 50 * MIB, &in_place), 24 * MIB);
        CHECK_EQ(in_place, 1);
        CHECK_EQ(layout_run_end(c, 3, 24 * MIB, 50 * MIB, &in_place), 30 * MIB);
        CHECK_EQ(in_place, 0);
        CHECK_EQ(layout_run_end(c, 3, 35 * MIB, 50 * MIB, &in_place), 40 * MIB);
        CHECK_EQ(in_place, 1);
        CHECK_EQ(layout_run_end(c, 3, 40 * MIB, 50 * MIB, &in_place), 50 * MIB);
        CHECK_EQ(in_place, 0);
        /* The segment end bounds every run. */
        CHECK_EQ(layout_run_end(c, 3, 17 * MIB, 18 * MIB + 5, &in_place), 18 * MIB + 5);
        CHECK_EQ(in_place, 1);
        CHECK_EQ(layout_run_end(NULL, 0, 5, 99, &in_place), 99);
        CHECK_EQ(in_place, 0);
}

int main(void) {
        RUN(test_range_is_ram);
        RUN(test_free_pieces);
        RUN(test_kernel_page_ranges);
        RUN(test_find_overlap);
        RUN(test_run_end);
        return tl_summary("layout");
}
