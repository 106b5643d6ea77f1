/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "pvh_memmap.h"
#include "testlib.h"

#define MIB (1ull << 20)

struct map {
        unsigned char *buf;
        size_t desc_size, n, cap;
};

static void map_init(struct map *m, size_t desc_size) {
        m->desc_size = desc_size;
        m->n = 0;
        m->cap = 2048;
        m->buf = calloc(m->cap, desc_size);
}

static void add(struct map *m, uint32_t type, uint64_t start, uint64_t bytes) {
        struct efi_memory_descriptor *d = (struct efi_memory_descriptor *)(m->buf + m->n * m->desc_size);
        memset(d, 0xEE, m->desc_size); /* the stride's extra bytes are not ours to read */
        *d = (struct efi_memory_descriptor){ .type = type, .physical_start = start,
                                             .number_of_pages = bytes >> PVH_PAGE_SHIFT };
        m->n++;
}

static void add_attr(struct map *m, uint32_t type, uint64_t start, uint64_t bytes, uint64_t attr) {
        add(m, type, start, bytes);
        ((struct efi_memory_descriptor *)(m->buf + (m->n - 1) * m->desc_size))->attribute = attr;
}

static enum pvh_memmap_error convert(struct map *m, struct hvm_memmap_table_entry *out, size_t cap, size_t *n) {
        return pvh_memmap_from_efi(m->buf, m->n * m->desc_size, m->desc_size, out, cap, n);
}

static void test_type_mapping(void) {
        static const uint32_t want[16] = {
                [EFI_MEM_RESERVED] = 2, [EFI_MEM_LOADER_CODE] = 1, [EFI_MEM_LOADER_DATA] = 1,
                [EFI_MEM_BOOT_SERVICES_CODE] = 1, [EFI_MEM_BOOT_SERVICES_DATA] = 1,
                [EFI_MEM_RUNTIME_SERVICES_CODE] = 2, [EFI_MEM_RUNTIME_SERVICES_DATA] = 2,
                [EFI_MEM_CONVENTIONAL] = 1, [EFI_MEM_UNUSABLE] = 5, [EFI_MEM_ACPI_RECLAIM] = 3,
                [EFI_MEM_ACPI_NVS] = 4, [EFI_MEM_MMIO] = 2, [EFI_MEM_MMIO_PORT_SPACE] = 2,
                [EFI_MEM_PAL_CODE] = 2, [EFI_MEM_PERSISTENT] = 7, [EFI_MEM_UNACCEPTED] = 2,
        };
        for (uint32_t t = 0; t < 16; t++)
                CHECK_EQ(pvh_memmap_type_from_efi(t), want[t]);
        CHECK_EQ(pvh_memmap_type_from_efi(0x70000000), XEN_HVM_MEMMAP_TYPE_RESERVED);
        CHECK_EQ(pvh_memmap_type_from_efi(0x80000000), XEN_HVM_MEMMAP_TYPE_RESERVED);
}

/* Every EFI type once, in one map: each becomes its own entry. */
static void test_every_type_in_a_map(void) {
        struct map m;
        struct hvm_memmap_table_entry out[126];
        size_t n;
        map_init(&m, sizeof(struct efi_memory_descriptor));
        for (uint32_t t = 0; t < 16; t++)
                add(&m, t, (uint64_t)t * 2 * MIB, MIB); /* holes between: no merging */
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 16);
        for (uint32_t t = 0; t < 16 && t < n; t++) {
                CHECK_EQ(out[t].addr, (uint64_t)t * 2 * MIB);
                CHECK_EQ(out[t].size, MIB);
                CHECK_EQ(out[t].type, pvh_memmap_type_from_efi(t));
                CHECK_EQ(out[t].reserved, 0);
        }
        free(m.buf);
}

static void test_merge_adjacent_ram_kinds(void) {
        struct map m;
        struct hvm_memmap_table_entry out[126];
        size_t n;
        map_init(&m, sizeof(struct efi_memory_descriptor));
        add(&m, EFI_MEM_CONVENTIONAL, 0, 0xA0000);
        add(&m, EFI_MEM_BOOT_SERVICES_DATA, 1 * MIB, 8 * MIB);
        add(&m, EFI_MEM_LOADER_CODE, 9 * MIB, MIB);
        add(&m, EFI_MEM_CONVENTIONAL, 10 * MIB, 100 * MIB);
        add(&m, EFI_MEM_ACPI_RECLAIM, 110 * MIB, MIB);
        add(&m, EFI_MEM_ACPI_NVS, 111 * MIB, MIB);
        add(&m, EFI_MEM_ACPI_NVS, 112 * MIB, MIB);
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 4);
        CHECK_EQ(out[0].addr, 0);
        CHECK_EQ(out[0].size, 0xA0000);
        CHECK_EQ(out[1].addr, MIB);
        CHECK_EQ(out[1].size, 109 * MIB);
        CHECK_EQ(out[1].type, XEN_HVM_MEMMAP_TYPE_RAM);
        CHECK_EQ(out[2].type, XEN_HVM_MEMMAP_TYPE_ACPI);
        CHECK_EQ(out[3].type, XEN_HVM_MEMMAP_TYPE_NVS);
        CHECK_EQ(out[3].size, 2 * MIB);
        free(m.buf);
}

static void test_unsorted_input(void) {
        struct map m;
        struct hvm_memmap_table_entry out[126];
        size_t n;
        map_init(&m, sizeof(struct efi_memory_descriptor));
        add(&m, EFI_MEM_CONVENTIONAL, 64 * MIB, 64 * MIB);
        add(&m, EFI_MEM_RESERVED, 0xFFC00000ull, 4 * MIB);
        add(&m, EFI_MEM_CONVENTIONAL, 0, 32 * MIB);
        add(&m, EFI_MEM_CONVENTIONAL, 32 * MIB, 32 * MIB);
        add(&m, EFI_MEM_CONVENTIONAL, 0x100000000ull, 1024 * MIB);
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 3);
        CHECK_EQ(out[0].addr, 0);
        CHECK_EQ(out[0].size, 128 * MIB);
        CHECK_EQ(out[1].addr, 0xFFC00000ull);
        CHECK_EQ(out[1].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
        CHECK_EQ(out[2].addr, 0x100000000ull);
        CHECK_EQ(out[2].size, 1024 * MIB);
        free(m.buf);
}

static void test_overlapping_input(void) {
        struct map m;
        struct hvm_memmap_table_entry out[126];
        size_t n;
        map_init(&m, sizeof(struct efi_memory_descriptor));
        add(&m, EFI_MEM_CONVENTIONAL, 0, 16 * MIB);
        add(&m, EFI_MEM_RESERVED, 4 * MIB, 4 * MIB);      /* punches a hole in RAM */
        add(&m, EFI_MEM_CONVENTIONAL, 12 * MIB, 8 * MIB);  /* overlaps RAM: merges */
        add(&m, EFI_MEM_ACPI_NVS, 18 * MIB, 4 * MIB);      /* NVS beats RAM */
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 4);
        CHECK_EQ(out[0].addr, 0);
        CHECK_EQ(out[0].size, 4 * MIB);
        CHECK_EQ(out[1].addr, 4 * MIB);
        CHECK_EQ(out[1].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
        CHECK_EQ(out[2].addr, 8 * MIB);
        CHECK_EQ(out[2].size, 10 * MIB);
        CHECK_EQ(out[2].type, XEN_HVM_MEMMAP_TYPE_RAM);
        CHECK_EQ(out[3].addr, 18 * MIB);
        CHECK_EQ(out[3].size, 4 * MIB);
        CHECK_EQ(out[3].type, XEN_HVM_MEMMAP_TYPE_NVS);
        free(m.buf);
}

/* 1000 fragments that merge into one entry, and 1000 that cannot. */
static void test_fragmented(void) {
        struct map m;
        struct hvm_memmap_table_entry out[126];
        size_t n;
        map_init(&m, sizeof(struct efi_memory_descriptor));
        for (int i = 999; i >= 0; i--)
                add(&m, i % 2 ? EFI_MEM_CONVENTIONAL : EFI_MEM_BOOT_SERVICES_DATA, (uint64_t)i * 0x3000, 0x3000);
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 1);
        CHECK_EQ(out[0].size, 1000ull * 0x3000);
        free(m.buf);

        map_init(&m, sizeof(struct efi_memory_descriptor));
        for (int i = 0; i < 1000; i++)
                add(&m, i % 2 ? EFI_MEM_CONVENTIONAL : EFI_MEM_RESERVED, (uint64_t)i * 0x1000, 0x1000);
        n = 77;
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_ERR_TOO_MANY);
        CHECK_EQ(n, 0);
        free(m.buf);
}

static void test_bound_is_exact(void) {
        struct map m;
        struct hvm_memmap_table_entry out[127];
        size_t n;
        map_init(&m, sizeof(struct efi_memory_descriptor));
        for (int i = 0; i < 126; i++)
                add(&m, i % 2 ? EFI_MEM_CONVENTIONAL : EFI_MEM_ACPI_NVS, (uint64_t)i * 0x1000, 0x1000);
        CHECK_EQ(convert(&m, out, PVH_MEMMAP_MAX_ENTRIES, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 126);
        add(&m, EFI_MEM_ACPI_NVS, 126 * 0x1000, 0x1000);
        CHECK_EQ(convert(&m, out, PVH_MEMMAP_MAX_ENTRIES, &n), PVH_MEMMAP_ERR_TOO_MANY);
        free(m.buf);
}

static void test_descriptor_size(void) {
        struct map m;
        struct hvm_memmap_table_entry out[126];
        size_t n;
        /* OVMF reports 48-byte descriptors: the stride must be honoured. */
        map_init(&m, 48);
        add(&m, EFI_MEM_CONVENTIONAL, 0, MIB);
        add(&m, EFI_MEM_RESERVED, MIB, MIB);
        add(&m, EFI_MEM_CONVENTIONAL, 2 * MIB, MIB);
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 3);
        CHECK_EQ(out[2].addr, 2 * MIB);
        CHECK_EQ(pvh_memmap_from_efi(m.buf, 3 * 48, 32, out, 126, &n), PVH_MEMMAP_ERR_DESC_SIZE);
        free(m.buf);
}

static void test_bad_and_empty(void) {
        struct map m;
        struct hvm_memmap_table_entry out[126];
        size_t n;
        map_init(&m, sizeof(struct efi_memory_descriptor));
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_ERR_EMPTY);
        add(&m, EFI_MEM_CONVENTIONAL, 0, 0);    /* zero pages: ignored */
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_ERR_EMPTY);
        add(&m, EFI_MEM_CONVENTIONAL, 0, MIB);
        add(&m, EFI_MEM_CONVENTIONAL, UINT64_MAX - 0xFFF, 0);
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 1);
        add(&m, EFI_MEM_CONVENTIONAL, UINT64_MAX - 0xFFF, 0x1000);
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_ERR_BAD_DESCRIPTOR);
        free(m.buf);
}


#define SP EFI_MEMORY_SP
#define NV 0x8000ull    /* EFI_MEMORY_NV */
#define WB 0x8ull       /* EFI_MEMORY_WB */
#define SOFT XEN_HVM_MEMMAP_TYPE_SOFT_RESERVED

/* As Linux's EFI stub: EFI_MEMORY_SP turns the RAM types, and only them,
 * into soft-reserved; efi=nosoftreserve keeps them RAM. */
static void test_soft_reserved_types(void) {
        for (uint32_t t = 0; t < 16; t++) {
                struct efi_memory_descriptor d = { .type = t, .attribute = SP | WB };
                uint32_t plain = pvh_memmap_type_from_efi(t);
                CHECK_EQ(pvh_memmap_type_of(&d, 0), plain == XEN_HVM_MEMMAP_TYPE_RAM ? SOFT : plain);
                CHECK_EQ(pvh_memmap_type_of(&d, PVH_MEMMAP_NO_SOFT_RESERVE), plain);
                d.attribute = WB;
                CHECK_EQ(pvh_memmap_type_of(&d, 0), plain);
                CHECK_EQ(efi_memory_descriptor_is_ram(&d), plain == XEN_HVM_MEMMAP_TYPE_RAM);
                d.attribute = SP;
                CHECK(!efi_memory_descriptor_is_ram(&d));
        }
        CHECK_EQ(SOFT, 0xefffffffu);
}

/* Persistent memory keeps its type; EFI_MEMORY_NV alone changes nothing. */
static void test_persistent_and_nv(void) {
        struct efi_memory_descriptor d = { .type = EFI_MEM_PERSISTENT, .attribute = NV | WB };
        CHECK_EQ(pvh_memmap_type_of(&d, 0), XEN_HVM_MEMMAP_TYPE_PMEM);
        d.attribute = NV | SP;
        CHECK_EQ(pvh_memmap_type_of(&d, 0), XEN_HVM_MEMMAP_TYPE_PMEM);
        d.type = EFI_MEM_CONVENTIONAL;
        d.attribute = NV | WB;
        CHECK_EQ(pvh_memmap_type_of(&d, 0), XEN_HVM_MEMMAP_TYPE_RAM);
}

/* A machine with HBM-like SP memory above 4 GiB and a PMEM range. */
static void test_soft_reserved_map(void) {
        struct map m;
        struct hvm_memmap_table_entry out[126];
        size_t n;
        map_init(&m, 48);
        add_attr(&m, EFI_MEM_CONVENTIONAL, 0, 0xA0000, WB);
        add_attr(&m, EFI_MEM_BOOT_SERVICES_DATA, 1 * MIB, 511 * MIB, WB);
        add_attr(&m, EFI_MEM_CONVENTIONAL, 4096 * MIB, 1024 * MIB, WB);
        add_attr(&m, EFI_MEM_CONVENTIONAL, 5120 * MIB, 256 * MIB, WB | SP);     /* adjacent: no merge */
        add_attr(&m, EFI_MEM_BOOT_SERVICES_DATA, 5376 * MIB, 256 * MIB, WB | SP); /* merges with SP */
        add_attr(&m, EFI_MEM_PERSISTENT, 5632 * MIB, 512 * MIB, WB | NV);
        add_attr(&m, EFI_MEM_RESERVED, 6144 * MIB, MIB, SP);                      /* stays reserved */
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 6);
        if (n == 6) {
                CHECK_EQ(out[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
                CHECK_EQ(out[1].addr, 1 * MIB);
                CHECK_EQ(out[2].addr, 4096 * MIB);
                CHECK_EQ(out[2].size, 1024 * MIB);
                CHECK_EQ(out[2].type, XEN_HVM_MEMMAP_TYPE_RAM);
                CHECK_EQ(out[3].addr, 5120 * MIB);
                CHECK_EQ(out[3].size, 512 * MIB);
                CHECK_EQ(out[3].type, SOFT);
                CHECK_EQ(out[4].addr, 5632 * MIB);
                CHECK_EQ(out[4].type, XEN_HVM_MEMMAP_TYPE_PMEM);
                CHECK_EQ(out[5].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
        }
        /* efi=nosoftreserve: the SP range joins the RAM before it. */
        CHECK_EQ(pvh_memmap_convert(m.buf, m.n * m.desc_size, m.desc_size, PVH_MEMMAP_NO_SOFT_RESERVE, out, 126, &n),
                 PVH_MEMMAP_OK);
        CHECK_EQ(n, 5);
        if (n == 5) {
                CHECK_EQ(out[2].addr, 4096 * MIB);
                CHECK_EQ(out[2].size, 1536 * MIB);
                CHECK_EQ(out[2].type, XEN_HVM_MEMMAP_TYPE_RAM);
        }
        free(m.buf);
}

/* Overlaps: soft-reserved over RAM, anything stricter over soft-reserved. */
static void test_soft_reserved_overlap(void) {
        struct map m;
        struct hvm_memmap_table_entry out[126];
        size_t n;
        map_init(&m, sizeof(struct efi_memory_descriptor));
        add(&m, EFI_MEM_CONVENTIONAL, 0, 16 * MIB);
        add_attr(&m, EFI_MEM_CONVENTIONAL, 4 * MIB, 8 * MIB, SP);
        add(&m, EFI_MEM_ACPI_RECLAIM, 6 * MIB, MIB);
        CHECK_EQ(convert(&m, out, 126, &n), PVH_MEMMAP_OK);
        CHECK_EQ(n, 5);
        if (n == 5) {
                CHECK_EQ(out[0].size, 4 * MIB);
                CHECK_EQ(out[1].type, SOFT);
                CHECK_EQ(out[1].size, 2 * MIB);
                CHECK_EQ(out[2].type, XEN_HVM_MEMMAP_TYPE_ACPI);
                CHECK_EQ(out[3].type, SOFT);
                CHECK_EQ(out[3].addr, 7 * MIB);
                CHECK_EQ(out[3].size, 5 * MIB);
                CHECK_EQ(out[4].type, XEN_HVM_MEMMAP_TYPE_RAM);
                CHECK_EQ(out[4].addr, 12 * MIB);
        }
        free(m.buf);
}

/* efi=nosoftreserve as the EFI stub's efi_parse_options() reads it. */
static void test_flags_for_cmdline(void) {
        CHECK_EQ(pvh_memmap_flags_for_cmdline(""), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("console=ttyS0 quiet"), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi=nosoftreserve"), PVH_MEMMAP_NO_SOFT_RESERVE);
        CHECK_EQ(pvh_memmap_flags_for_cmdline(" \tquiet efi=debug,nosoftreserve\n"), PVH_MEMMAP_NO_SOFT_RESERVE);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi=nosoftreserve,debug"), PVH_MEMMAP_NO_SOFT_RESERVE);
        /* The last efi= decides. */
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi=nosoftreserve efi=debug"), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi=debug efi=nosoftreserve"), PVH_MEMMAP_NO_SOFT_RESERVE);
        /* Whole items and the whole key only. */
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi=nosoftreservex"), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi=xnosoftreserve"), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("xefi=nosoftreserve"), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efix=nosoftreserve"), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("nosoftreserve"), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi"), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi="), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi=\""), 0);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("\"efi="), 0);
        /* Quotes as next_arg() strips them. */
        CHECK_EQ(pvh_memmap_flags_for_cmdline("\"efi=nosoftreserve\""), PVH_MEMMAP_NO_SOFT_RESERVE);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("efi=\"debug,nosoftreserve\""), PVH_MEMMAP_NO_SOFT_RESERVE);
        CHECK_EQ(pvh_memmap_flags_for_cmdline("a=\"x efi=nosoftreserve y\""), 0);
        /* The stub reads the whole line, "--" and after included. */
        CHECK_EQ(pvh_memmap_flags_for_cmdline("-- efi=nosoftreserve"), PVH_MEMMAP_NO_SOFT_RESERVE);
}

int main(void) {
        RUN(test_type_mapping);
        RUN(test_every_type_in_a_map);
        RUN(test_merge_adjacent_ram_kinds);
        RUN(test_unsorted_input);
        RUN(test_overlapping_input);
        RUN(test_fragmented);
        RUN(test_bound_is_exact);
        RUN(test_descriptor_size);
        RUN(test_bad_and_empty);
        RUN(test_soft_reserved_types);
        RUN(test_persistent_and_nv);
        RUN(test_soft_reserved_map);
        RUN(test_soft_reserved_overlap);
        RUN(test_flags_for_cmdline);
        return tl_summary("pvh_memmap");
}
