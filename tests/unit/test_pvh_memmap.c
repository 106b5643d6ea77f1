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
        return tl_summary("pvh_memmap");
}
