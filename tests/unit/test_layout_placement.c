/* SPDX-License-Identifier: MIT */
/*
 * Where the kernel goes (layout_place_kernel()): its link address, or, for
 * a kernel with XEN_ELFNOTE_PHYS32_RELOC, the lowest place that needs no
 * staging, on EFI memory maps shaped like the ones OVMF builds give.
 */
#include <string.h>

#include "efi_memory_abi.h"
#include "layout.h"
#include "pvh_memmap.h"
#include "testlib.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)

static struct efi_memory_descriptor map[32];
static size_t nmap;

static void clear_map(void) {
        nmap = 0;
}

static void add(uint32_t type, uint64_t start, uint64_t bytes) {
        map[nmap++] = (struct efi_memory_descriptor){ .type = type, .physical_start = start,
                                                      .number_of_pages = bytes >> PVH_PAGE_SHIFT };
}

/* A 512 MiB q35 guest while an application runs: low RAM, then
 * conventional memory from 1 MiB to 480 MiB except what add() puts over
 * it (the map is then fixed up so that nothing overlaps), then the
 * firmware's own memory at the top. */
static void ovmf_map(uint32_t hole_type, uint64_t hole_start, uint64_t hole_end) {
        clear_map();
        add(EFI_MEM_CONVENTIONAL, 0, 0xA0000);
        if (hole_start > MIB)
                add(EFI_MEM_CONVENTIONAL, MIB, hole_start - MIB);
        add(hole_type, hole_start, hole_end - hole_start);
        add(EFI_MEM_CONVENTIONAL, hole_end, 480 * MIB - hole_end);
        add(EFI_MEM_LOADER_CODE, 480 * MIB, 2 * MIB);           /* pvhboot, the shell */
        add(EFI_MEM_BOOT_SERVICES_CODE, 482 * MIB, 20 * MIB);
        add(EFI_MEM_ACPI_RECLAIM, 502 * MIB, MIB);
        add(EFI_MEM_ACPI_NVS, 503 * MIB, MIB);
        add(EFI_MEM_RUNTIME_SERVICES_DATA, 504 * MIB, 8 * MIB);
        add(EFI_MEM_MMIO, 0xFFC00000ull, 4 * MIB);
}

/* Linux 6.12-like: linked at 16 MiB, text/data/bss as three PT_LOADs with
 * a gap, 40 MiB in all; note 19 as head.S emits it. */
static struct elf_kernel linux_like(bool relocatable) {
        struct elf_kernel k = { .nr_segments = 3, .pvh_entry = 0x1000100 };
        k.segments[0] = (struct elf_kernel_segment){ .paddr = 0x1000000, .file_size = 0x1200000, .mem_size = 0x1200000 };
        k.segments[1] = (struct elf_kernel_segment){ .paddr = 0x2200000, .file_size = 0x400000, .mem_size = 0x400000 };
        k.segments[2] = (struct elf_kernel_segment){ .paddr = 0x2800000, .file_size = 0x100000, .mem_size = 0x1000000 };
        k.image_start = 0x1000000;
        k.image_end = 0x3800000;
        if (relocatable) {
                k.has_reloc = true;
                k.reloc_align = 0x200000;
                k.reloc_min = 0x1000000;
                k.reloc_max = 0x3fffffff;
        }
        return k;
}

/* One segment of size bytes at paddr, relocatable with the given window. */
static struct elf_kernel small_kernel(uint64_t paddr, uint64_t size, uint64_t align, uint32_t min, uint32_t max) {
        struct elf_kernel k = { .nr_segments = 1, .pvh_entry = (uint32_t)paddr, .has_reloc = true,
                                .reloc_align = align, .reloc_min = min, .reloc_max = max };
        k.segments[0] = (struct elf_kernel_segment){ .paddr = paddr, .file_size = size, .mem_size = size };
        k.image_start = paddr;
        k.image_end = paddr + size;
        return k;
}

static enum layout_placement_kind place(const struct elf_kernel *k, struct layout_placement *pl) {
        return layout_place_kernel(map, nmap * sizeof(map[0]), sizeof(map[0]), k, pl);
}

/* Where the image starts once placed. */
static uint64_t placed_at(const struct elf_kernel *k, const struct layout_placement *pl) {
        return k->image_start + pl->delta;
}

static void test_link_address_free(void) {
        struct layout_placement pl;
        struct elf_kernel k = linux_like(true);

        ovmf_map(EFI_MEM_BOOT_SERVICES_DATA, 0x900000, 0xA00000);      /* below the kernel */
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_LINKED);
        CHECK_EQ(pl.delta, 0);
        k = linux_like(false);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_LINKED);
        CHECK_EQ(pl.delta, 0);
        /* At the link address the gap between segments (0x2600000-0x27FFFFF)
         * need not be free. */
        clear_map();
        add(EFI_MEM_CONVENTIONAL, MIB, 0x2600000 - MIB);
        add(EFI_MEM_RESERVED, 0x2600000, 0x200000);
        add(EFI_MEM_CONVENTIONAL, 0x2800000, 200 * MIB);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_LINKED);
        k = linux_like(true);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_LINKED);
}

/* Debian 12's OVMF: 0x900000-0x14FFFFF is BootServicesData while pvhboot
 * runs (its DXE firmware volume). */
static void test_link_address_boot_services_data(void) {
        struct layout_placement pl;
        struct elf_kernel k = linux_like(true);

        ovmf_map(EFI_MEM_BOOT_SERVICES_DATA, 0x900000, 0x1500000);
        /* Relocatable: moved to the first 2 MiB boundary above it, nothing staged. */
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x1600000);
        CHECK_EQ(pl.delta, 0x600000);
        CHECK(pl.link_is_ram);
        CHECK_EQ(pl.linked_range.start, 0x1000000);
        CHECK_EQ(pl.obstacle.type, EFI_MEM_BOOT_SERVICES_DATA);
        CHECK_EQ(pl.obstacle.start, 0x900000);
        CHECK_EQ(pl.obstacle.end, 0x1500000);
        /* Not relocatable: at the link address, staged as before. */
        k = linux_like(false);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_LINKED_STAGED);
        CHECK_EQ(pl.delta, 0);
        CHECK(pl.link_is_ram);
}

/* Debian 13's OVMF with S3: 0x810000-0x170FFFF is ACPI NVS (S3 resume). */
static void test_link_address_acpi_nvs(void) {
        struct layout_placement pl;
        struct elf_kernel k = linux_like(true);

        ovmf_map(EFI_MEM_ACPI_NVS, 0x810000, 0x1710000);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x1800000);
        CHECK(!pl.link_is_ram);
        CHECK_EQ(pl.obstacle.type, EFI_MEM_ACPI_NVS);
        CHECK_EQ(pl.obstacle.start, 0x810000);
        CHECK_EQ(pl.obstacle.end, 0x1710000);
        CHECK_EQ(pl.linked_range.start, 0x1000000);
        CHECK_EQ(pl.linked_range.end, 0x2600000);              /* the first two segments' pages */
        CHECK_STR(layout_memory_type_name(pl.obstacle.type), "ACPIMemoryNVS");
        /* Without the note there is no way: the caller names the way out. */
        k = linux_like(false);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
        CHECK(!pl.link_is_ram);
        CHECK_EQ(pl.obstacle.type, EFI_MEM_ACPI_NVS);
        CHECK_EQ(pl.linked_range.start, 0x1000000);
}

/* Linked where a 512 MiB guest has no memory at all (the probe's case). */
static void test_link_address_missing(void) {
        struct layout_placement pl;
        struct elf_kernel k = small_kernel(0x30000000, 0x5000, 0x200000, 0x1000000, 0x3fffffff);

        ovmf_map(EFI_MEM_BOOT_SERVICES_DATA, 0x900000, 0x1500000);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x1600000);
        CHECK_EQ(pl.delta, (uint64_t)0x1600000 - 0x30000000);  /* down: "negative" */
        CHECK(!pl.link_is_ram);
        CHECK_EQ(pl.obstacle.type, -1);
        CHECK_EQ(pl.obstacle.start, 0x30000000);
        CHECK_EQ(pl.obstacle.end, 0x30005000);                 /* the gap, cut at the range's end */
        CHECK_STR(layout_memory_type_name(-1), "no memory");
        k.has_reloc = false;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
        CHECK_EQ(pl.linked_range.start, 0x30000000);
        CHECK_EQ(pl.linked_range.end, 0x30005000);
}

static void test_no_room(void) {
        struct layout_placement pl;
        struct elf_kernel k = linux_like(true);

        /* The window ends before any free stretch big enough. */
        ovmf_map(EFI_MEM_ACPI_NVS, 0x810000, 0x1710000);
        k.reloc_max = 0x3000000;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
        /* An image larger than its window fits nowhere else either. */
        k = linux_like(true);
        k.reloc_min = 0x10000000;
        k.reloc_max = 0x10000000 + 0x1000000;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
        /* A machine too small for the image. */
        clear_map();
        add(EFI_MEM_CONVENTIONAL, MIB, 30 * MIB);
        add(EFI_MEM_ACPI_NVS, 31 * MIB, MIB);
        add(EFI_MEM_CONVENTIONAL, 32 * MIB, 32 * MIB);
        k = linux_like(true);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
        CHECK_EQ(pl.obstacle.type, EFI_MEM_ACPI_NVS);
        /* A broken descriptor size is no map at all. */
        ovmf_map(EFI_MEM_ACPI_NVS, 0x810000, 0x1710000);
        CHECK_EQ(layout_place_kernel(map, nmap * sizeof(map[0]), 8, &k, &pl), LAYOUT_PLACE_NOWHERE);
        CHECK_EQ(layout_place_kernel(map, 0, sizeof(map[0]), &k, &pl), LAYOUT_PLACE_NOWHERE);
}

/* The link address is RAM but not free, and no free place fits: staged
 * at the link address rather than moved. */
static void test_staged_rather_than_moved(void) {
        struct layout_placement pl;
        struct elf_kernel k = linux_like(true);

        clear_map();
        add(EFI_MEM_CONVENTIONAL, MIB, 8 * MIB);
        add(EFI_MEM_BOOT_SERVICES_DATA, 9 * MIB, 12 * MIB);
        add(EFI_MEM_CONVENTIONAL, 21 * MIB, 50 * MIB);          /* ends at 71 MiB */
        add(EFI_MEM_LOADER_DATA, 71 * MIB, MIB);
        add(EFI_MEM_CONVENTIONAL, 72 * MIB, 20 * MIB);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);      /* 22 MiB .. 62 MiB fits */
        CHECK_EQ(placed_at(&k, &pl), 22 * MIB);
        k.reloc_max = 60 * MIB - 1;                            /* now it does not */
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_LINKED_STAGED);
        CHECK_EQ(pl.delta, 0);
}

/* The link address is not RAM and no free place fits, but one that is
 * free after ExitBootServices does: moved there, staged. Never into
 * LoaderCode/LoaderData (pvhboot's own buffers). */
static void test_relocated_staged(void) {
        struct layout_placement pl;
        struct elf_kernel k = linux_like(true);

        clear_map();
        add(EFI_MEM_CONVENTIONAL, MIB, 8 * MIB);
        add(EFI_MEM_ACPI_NVS, 9 * MIB, 12 * MIB);               /* over the link address */
        add(EFI_MEM_CONVENTIONAL, 21 * MIB, 20 * MIB);
        add(EFI_MEM_BOOT_SERVICES_DATA, 41 * MIB, 10 * MIB);
        add(EFI_MEM_CONVENTIONAL, 51 * MIB, 20 * MIB);          /* ends at 71 MiB */
        add(EFI_MEM_RESERVED, 71 * MIB, MIB);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED_STAGED);
        CHECK_EQ(placed_at(&k, &pl), 22 * MIB);
        CHECK(!pl.link_is_ram);
        CHECK_EQ(pl.obstacle.type, EFI_MEM_ACPI_NVS);
        /* LoaderData where the BootServicesData was: nowhere. */
        map[3].type = EFI_MEM_LOADER_DATA;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
        /* BootServicesCode counts like BootServicesData. */
        map[3].type = EFI_MEM_BOOT_SERVICES_CODE;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED_STAGED);
        /* Specific-purpose memory is never a place for the kernel. */
        map[3].type = EFI_MEM_CONVENTIONAL;
        map[3].attribute = EFI_MEMORY_SP;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
}

static void test_alignment(void) {
        struct layout_placement pl;
        struct elf_kernel k;

        /* Free memory from 0x1234000: the first 2 MiB boundary is 0x1400000. */
        clear_map();
        add(EFI_MEM_ACPI_NVS, MIB, 0x1234000 - MIB);
        add(EFI_MEM_CONVENTIONAL, 0x1234000, 256 * MIB);
        k = small_kernel(0x1000000, 0x10000, 0x200000, 0, 0xffffffff);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x1400000);
        /* 16 MiB alignment: 0x2000000. */
        k.reloc_align = 16 * MIB;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x2000000);
        /* 4 KiB: the free stretch's first byte. */
        k.reloc_align = 4 * KIB;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x1234000);
        /* An image linked off its alignment moves by a multiple of it:
         * it keeps its offset (0x3000) from the boundary. */
        k = small_kernel(0x1003000, 0x10000, 0x200000, 0, 0xffffffff);
        k.segments[0].paddr = 0x1003000;
        clear_map();
        add(EFI_MEM_ACPI_NVS, MIB, 0x1100000 - MIB);
        add(EFI_MEM_CONVENTIONAL, 0x1100000, 256 * MIB);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x1203000);
        CHECK_EQ(pl.delta % 0x200000, 0);
        /* Alignments beyond 4 GiB (a PT_LOAD p_align can say so) allow no move. */
        k.reloc_align = 8 * GIB;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
}

static void test_min_and_floor(void) {
        struct layout_placement pl;
        struct elf_kernel k = small_kernel(0x30000000, 0x10000, 0x200000, 0x8000000, 0x3fffffff);

        clear_map();
        add(EFI_MEM_CONVENTIONAL, 0, 0xA0000);
        add(EFI_MEM_CONVENTIONAL, MIB, 256 * MIB);
        /* Lower memory is free, but not within the window. */
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x8000000);
        /* A minimum that is not aligned: the next boundary. */
        k.reloc_min = 0x8000001;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x8200000);
        /* Minimum 0: still not below 1 MiB, even with memory at 0. */
        k.reloc_min = 0;
        k.reloc_align = 4 * KIB;
        clear_map();
        add(EFI_MEM_CONVENTIONAL, 0, 64 * MIB);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), LAYOUT_RELOC_FLOOR);
}

static void test_max_boundary(void) {
        struct layout_placement pl;
        /* 0x10000 bytes, free memory only from 0x2000000. */
        struct elf_kernel k = small_kernel(0x30000000, 0x10000, 0x10000, 0, 0x200ffff);

        clear_map();
        add(EFI_MEM_ACPI_NVS, MIB, 0x2000000 - MIB);
        add(EFI_MEM_CONVENTIONAL, 0x2000000, 64 * MIB);
        /* The last byte exactly at the maximum: fits. */
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x2000000);
        /* One byte less: does not. */
        k.reloc_max = 0x200fffe;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
        /* The maximum at 4 GiB - 1 with memory up to 4 GiB: ends exactly there. */
        clear_map();
        add(EFI_MEM_ACPI_NVS, MIB, 0xFFFF0000ull - MIB);
        add(EFI_MEM_CONVENTIONAL, 0xFFFF0000ull, 0x10000);
        add(EFI_MEM_CONVENTIONAL, 0x100000000ull, GIB);
        k.reloc_max = 0xffffffff;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0xFFFF0000ull);
        /* Never above 4 GiB, whatever memory is there. */
        map[1].type = EFI_MEM_ACPI_NVS;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_NOWHERE);
}

static void test_lowest_wins(void) {
        struct layout_placement pl;
        struct elf_kernel k = small_kernel(0x30000000, 3 * MIB, 0x200000, 0x1000000, 0x3fffffff);

        /* Free: 2 MiB at 16 MiB (too small), 4 MiB at 40 MiB, 100 MiB at
         * 100 MiB; the descriptors unsorted. */
        clear_map();
        add(EFI_MEM_CONVENTIONAL, 100 * MIB, 100 * MIB);
        add(EFI_MEM_RESERVED, 44 * MIB, 56 * MIB);
        add(EFI_MEM_CONVENTIONAL, 16 * MIB, 2 * MIB);
        add(EFI_MEM_RESERVED, 18 * MIB, 22 * MIB);
        add(EFI_MEM_CONVENTIONAL, 40 * MIB, 4 * MIB);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 40 * MIB);
        /* An image may span touching descriptors (attributes differ). */
        clear_map();
        add(EFI_MEM_CONVENTIONAL, 16 * MIB, 2 * MIB);
        add(EFI_MEM_CONVENTIONAL, 18 * MIB, 2 * MIB);
        map[1].attribute = 0x1;
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 16 * MIB);
}

/* Relocated, the whole image must fit, the gaps between segments too. */
static void test_gaps_count_when_relocated(void) {
        struct layout_placement pl;
        struct elf_kernel k = linux_like(true);
        struct phys_range d[ELF_KERNEL_MAX_SEGMENTS];

        /* Free from 0x1500000, except one reserved page at 0x2C00000: where
         * the gap between the second and third segments would be with the
         * image at 0x1600000 (+0x1600000..+0x1800000). */
        clear_map();
        add(EFI_MEM_BOOT_SERVICES_DATA, 0x900000, 0x1500000 - 0x900000);
        add(EFI_MEM_CONVENTIONAL, 0x1500000, 0x2C00000 - 0x1500000);
        add(EFI_MEM_RESERVED, 0x2C00000, 0x1000);
        add(EFI_MEM_CONVENTIONAL, 0x2C01000, 200 * MIB);
        CHECK_EQ(place(&k, &pl), LAYOUT_PLACE_RELOCATED);
        CHECK_EQ(placed_at(&k, &pl), 0x2E00000);

        /* The destination: the segments' pages as linked, the whole image once moved. */
        CHECK_EQ(layout_kernel_destination(&k, false, d), 2);
        CHECK_EQ(d[0].start, 0x1000000);
        CHECK_EQ(d[0].end, 0x2600000);
        CHECK_EQ(d[1].start, 0x2800000);
        k.segments[2].mem_size = 0x1000001;
        k.image_end = 0x3800001;
        CHECK_EQ(layout_kernel_destination(&k, true, d), 1);
        CHECK_EQ(d[0].start, 0x1000000);
        CHECK_EQ(d[0].end, 0x3801000);
}

static void test_obstacles(void) {
        struct layout_obstacle why;
        const size_t ms = sizeof(map[0]);

        ovmf_map(EFI_MEM_ACPI_NVS, 0x810000, 0x1710000);
        /* In the class: why is left alone. */
        why.type = 77;
        CHECK(layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ 0x1710000, 0x2000000 }, LAYOUT_FREE, &why));
        CHECK_EQ(why.type, 77);
        /* The descriptor in the way. */
        CHECK(!layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ MIB, 0x2000000 }, LAYOUT_RAM, &why));
        CHECK_EQ(why.type, EFI_MEM_ACPI_NVS);
        CHECK_EQ(why.start, 0x810000);
        CHECK_EQ(why.end, 0x1710000);
        CHECK(!why.specific_purpose);
        /* Loader code is RAM, not free, not reclaimable. */
        CHECK(layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ 480 * MIB, 481 * MIB }, LAYOUT_RAM, NULL));
        CHECK(!layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ 480 * MIB, 481 * MIB }, LAYOUT_RECLAIMABLE,
                                     &why));
        CHECK_EQ(why.type, EFI_MEM_LOADER_CODE);
        CHECK(layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ 482 * MIB, 483 * MIB }, LAYOUT_RECLAIMABLE,
                                    NULL));
        /* A hole in the map: up to the next descriptor. */
        CHECK(!layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ 0x90000, 0x200000 }, LAYOUT_RAM, &why));
        CHECK_EQ(why.type, -1);
        CHECK_EQ(why.start, 0xA0000);
        CHECK_EQ(why.end, MIB);
        /* Beyond every descriptor: up to the range's end. */
        CHECK(!layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ GIB, GIB + 0x3000 }, LAYOUT_RAM, &why));
        CHECK_EQ(why.type, -1);
        CHECK_EQ(why.start, GIB);
        CHECK_EQ(why.end, GIB + 0x3000);
        /* An overlapping descriptor of another class. */
        add(EFI_MEM_MMIO, 0x3000000, 0x1000);
        CHECK(!layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ 0x2000000, 0x4000000 }, LAYOUT_FREE, &why));
        CHECK_EQ(why.type, EFI_MEM_MMIO);
        CHECK_EQ(why.start, 0x3000000);
        /* Specific-purpose conventional memory. */
        ovmf_map(EFI_MEM_ACPI_NVS, 0x810000, 0x1710000);
        map[3].attribute = EFI_MEMORY_SP;
        CHECK(!layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ 0x2000000, 0x3000000 }, LAYOUT_FREE, &why));
        CHECK_EQ(why.type, EFI_MEM_CONVENTIONAL);
        CHECK(why.specific_purpose);
        /* A descriptor that wraps past 2^64 covers nothing, but is in the way. */
        clear_map();
        add(EFI_MEM_CONVENTIONAL, MIB, 64 * MIB);
        map[nmap++] = (struct efi_memory_descriptor){ .type = EFI_MEM_RESERVED, .physical_start = 32 * MIB,
                                                      .number_of_pages = UINT64_MAX >> 4 };
        CHECK(layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ 2 * MIB, 3 * MIB }, LAYOUT_FREE, NULL));
        CHECK(!layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ 40 * MIB, 41 * MIB }, LAYOUT_FREE, &why));
        CHECK_EQ(why.type, EFI_MEM_RESERVED);
        CHECK_EQ(why.end, UINT64_MAX);

        CHECK_STR(layout_memory_type_name(EFI_MEM_BOOT_SERVICES_DATA), "BootServicesData");
        CHECK_STR(layout_memory_type_name(EFI_MEM_CONVENTIONAL), "ConventionalMemory");
        CHECK_STR(layout_memory_type_name(EFI_MEM_UNACCEPTED), "UnacceptedMemoryType");
        CHECK_STR(layout_memory_type_name(16), "an unknown memory type");
        CHECK_STR(layout_memory_type_name(0x70000000), "an unknown memory type");
        /* OS-defined types have the top bit set: still a type, not "no memory". */
        clear_map();
        add(0x80000001u, MIB, MIB);
        CHECK(!layout_range_in_class(map, nmap * ms, ms, (struct phys_range){ MIB, 2 * MIB }, LAYOUT_RAM, &why));
        CHECK_EQ(why.type, 0x80000001u);
        CHECK_STR(layout_memory_type_name(why.type), "an unknown memory type");
}

int main(void) {
        RUN(test_link_address_free);
        RUN(test_link_address_boot_services_data);
        RUN(test_link_address_acpi_nvs);
        RUN(test_link_address_missing);
        RUN(test_no_room);
        RUN(test_staged_rather_than_moved);
        RUN(test_relocated_staged);
        RUN(test_alignment);
        RUN(test_min_and_floor);
        RUN(test_max_boundary);
        RUN(test_lowest_wins);
        RUN(test_gaps_count_when_relocated);
        RUN(test_obstacles);
        return tl_summary("layout_placement");
}
