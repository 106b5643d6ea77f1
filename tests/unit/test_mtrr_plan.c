/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "mtrr_plan.h"
#include "pvh_memmap.h"
#include "testlib.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* An EFI memory map, and the PVH map pvhboot makes of it. */
struct maps {
        struct efi_memory_descriptor efi[64];
        size_t nr_efi;
        struct hvm_memmap_table_entry pvh[PVH_MEMMAP_MAX_ENTRIES];
        size_t nr_pvh;
};

static void efi(struct maps *m, uint32_t type, uint64_t start, uint64_t bytes) {
        m->efi[m->nr_efi++] = (struct efi_memory_descriptor){ .type = type, .physical_start = start,
                                                              .number_of_pages = bytes >> 12 };
}

static void convert(struct maps *m) {
        CHECK_EQ(pvh_memmap_from_efi(m->efi, m->nr_efi * sizeof(m->efi[0]), sizeof(m->efi[0]), m->pvh,
                                     PVH_MEMMAP_MAX_ENTRIES, &m->nr_pvh),
                 PVH_MEMMAP_OK);
}

/* The EFI map U-Boot 2025.01 (Debian 13's u-boot-qemu, qemu-x86_64, QEMU pc
 * with 512 MiB) hands pvhboot, as GetMemoryMap() returned it. */
static void uboot_512m(struct maps *m) {
        memset(m, 0, sizeof(*m));
        efi(m, EFI_MEM_CONVENTIONAL, 0, 0xA0000);
        efi(m, EFI_MEM_RESERVED, 0xA0000, 0x50000);
        efi(m, EFI_MEM_ACPI_RECLAIM, 0xF0000, 0x1000);
        efi(m, EFI_MEM_RESERVED, 0xF1000, 0xF000);
        efi(m, EFI_MEM_CONVENTIONAL, 0x100000, 0x1F00000);
        efi(m, EFI_MEM_LOADER_DATA, 0x2000000, 0xC000);
        efi(m, EFI_MEM_CONVENTIONAL, 0x200C000, 0x1BB00000);
        efi(m, EFI_MEM_LOADER_CODE, 0x1DB0C000, 0x2000);
        efi(m, EFI_MEM_LOADER_DATA, 0x1DB0E000, 0x171000);
        efi(m, EFI_MEM_LOADER_CODE, 0x1DC7F000, 0x2B000);
        efi(m, EFI_MEM_BOOT_SERVICES_DATA, 0x1DCAA000, 0xC000);
        efi(m, EFI_MEM_RUNTIME_SERVICES_DATA, 0x1DCB6000, 0x1000);
        efi(m, EFI_MEM_BOOT_SERVICES_DATA, 0x1DCB7000, 0x1000);
        efi(m, EFI_MEM_RUNTIME_SERVICES_DATA, 0x1DCB8000, 0x22000);
        efi(m, EFI_MEM_BOOT_SERVICES_DATA, 0x1DCDA000, 0x3000);
        efi(m, EFI_MEM_BOOT_SERVICES_CODE, 0x1DCDD000, 0x1007000);
        efi(m, EFI_MEM_ACPI_RECLAIM, 0x1ECE4000, 0x22000);
        efi(m, EFI_MEM_RUNTIME_SERVICES_DATA, 0x1ED06000, 0x1000);
        efi(m, EFI_MEM_BOOT_SERVICES_CODE, 0x1ED07000, 0x219000);
        efi(m, EFI_MEM_RUNTIME_SERVICES_CODE, 0x1EF20000, 0x2000);
        efi(m, EFI_MEM_BOOT_SERVICES_CODE, 0x1EF22000, 0x10DE000);
        efi(m, EFI_MEM_RESERVED, 0xE0000000, 0x10000000);       /* PCIe ECAM */
        convert(m);
}

/* The registers U-Boot 2025.01 leaves (read by pvhboot on QEMU 7.2, TCG):
 * MTRRs and fixed ranges on, default UC, one write-back range over its
 * 2 MiB flash below 4 GiB with a 36-bit mask on a 40-bit CPU. */
static struct mtrr_state uboot_state(void) {
        struct mtrr_state s = { .supported = true, .phys_bits = 40, .cap = 0x508, .def_type = 0xC00 };
        s.var[0].base = 0xFFE00006;
        s.var[0].mask = 0xFFFE00800;
        return s;
}

static void plan(const struct mtrr_state *s, const struct maps *m, struct mtrr_plan *p) {
        memset(p, 0xA5, sizeof(*p));
        mtrr_plan_make(s, m->pvh, m->nr_pvh, m->efi, m->nr_efi * sizeof(m->efi[0]), sizeof(m->efi[0]), p);
}

/*
 * An independent model of the result: the memory type of address a per
 * 11.11.4.1 (variable ranges only; default UC), with the plan's writes
 * applied to the state, by the literal match rule (address & mask) ==
 * (base & mask) over the CPU's address bits.
 */
static unsigned type_at(const struct mtrr_state *s, const struct mtrr_plan *p, uint64_t a) {
        uint64_t base[MTRR_MAX_VARIABLE], mask[MTRR_MAX_VARIABLE];
        uint64_t bits = ((1ull << s->phys_bits) - 1) & ~0xFFFull;
        unsigned n = (unsigned)(s->cap & 0xFF), type = 0xFF;
        bool uc = false, wt = false;

        for (unsigned i = 0; i < n; i++) {
                base[i] = s->var[i].base;
                mask[i] = s->var[i].mask;
        }
        for (unsigned i = 0; i < p->nr_writes; i++) {
                base[p->writes[i].index] = p->writes[i].base;
                mask[p->writes[i].index] = p->writes[i].mask;
        }
        for (unsigned i = 0; i < n; i++) {
                unsigned t = (unsigned)(base[i] & 0xFF);
                if (!(mask[i] & MTRR_PHYSMASK_VALID) || (a & mask[i] & bits) != (base[i] & mask[i] & bits))
                        continue;
                uc |= t == MTRR_TYPE_UC;
                wt |= t == MTRR_TYPE_WT;
                type = t;
        }
        if (type == 0xFF)
                return (unsigned)(s->def_type & 0xFF);
        return uc ? MTRR_TYPE_UC : wt ? MTRR_TYPE_WT : type;
}

/* Every page of RAM is write-back after the plan (pages sampled at their
 * start; ranges are page-aligned). */
static bool ram_write_back(const struct mtrr_state *s, const struct maps *m, const struct mtrr_plan *p) {
        for (size_t i = 0; i < m->nr_pvh; i++) {
                if (m->pvh[i].type != XEN_HVM_MEMMAP_TYPE_RAM)
                        continue;
                for (uint64_t a = m->pvh[i].addr; a < m->pvh[i].addr + m->pvh[i].size; a += 0x1000)
                        if (type_at(s, p, a) != MTRR_TYPE_WB)
                                return false;
        }
        return true;
}

/* What the writes make write-back and the firmware did not: only DRAM of
 * the EFI map (or the first MiB with fixed ranges on). Pages sampled at
 * their start up to limit. */
static bool writes_only_over_dram(const struct mtrr_state *s, const struct maps *m, const struct mtrr_plan *p,
                                  uint64_t limit) {
        struct mtrr_plan none = { .nr_writes = 0 };
        bool first_mib = (s->def_type & MTRR_DEF_TYPE_FE) != 0;

        for (uint64_t a = 0; a < limit; a += 0x1000) {
                bool dram = first_mib && a < MIB;
                if (type_at(s, p, a) != MTRR_TYPE_WB || type_at(s, &none, a) == MTRR_TYPE_WB)
                        continue;
                for (size_t i = 0; i < m->nr_efi && !dram; i++) {
                        const struct efi_memory_descriptor *d = &m->efi[i];
                        uint32_t t = d->type;
                        bool is_dram = t == EFI_MEM_LOADER_CODE || t == EFI_MEM_LOADER_DATA ||
                                       t == EFI_MEM_BOOT_SERVICES_CODE || t == EFI_MEM_BOOT_SERVICES_DATA ||
                                       t == EFI_MEM_RUNTIME_SERVICES_CODE || t == EFI_MEM_RUNTIME_SERVICES_DATA ||
                                       t == EFI_MEM_CONVENTIONAL || t == EFI_MEM_ACPI_RECLAIM || t == EFI_MEM_ACPI_NVS;
                        dram = is_dram && a >= d->physical_start && a < d->physical_start + d->number_of_pages * 0x1000;
                }
                if (!dram)
                        return false;
        }
        return true;
}

/* The writes are valid register values: distinct free slots, no reserved
 * bits (PHYSBASE bits 8-11, PHYSMASK bits 0-10 and everything from
 * MAXPHYADDR up), contiguous masks, aligned bases. */
static bool writes_valid(const struct mtrr_state *s, const struct mtrr_plan *p) {
        uint64_t bits = ((1ull << s->phys_bits) - 1) & ~0xFFFull;
        bool used[MTRR_MAX_VARIABLE] = { false };

        for (unsigned i = 0; i < p->nr_writes; i++) {
                const struct mtrr_write *w = &p->writes[i];
                uint64_t m = w->mask & bits, size = m & (~m + 1);
                if (w->index >= (s->cap & 0xFF) || used[w->index] || (s->var[w->index].mask & MTRR_PHYSMASK_VALID))
                        return false;
                used[w->index] = true;
                if ((w->base & ~(bits | 0xFF)) || (w->mask & ~(bits | MTRR_PHYSMASK_VALID)) ||
                    !(w->mask & MTRR_PHYSMASK_VALID) || (w->base & 0xFF) != MTRR_TYPE_WB)
                        return false;
                if (m == 0 || m != (bits & ~(size - 1)) || (w->base & bits & (size - 1)))
                        return false;
        }
        return true;
}

static void test_uboot(void) {
        struct mtrr_state s = uboot_state();
        struct maps m;
        struct mtrr_plan p;

        uboot_512m(&m);
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_ADD_WRITE_BACK);
        CHECK(p.linux_trims);
        /* All RAM is uncached: the flash range is the only WB one. */
        CHECK_EQ(p.first_uncached_start, 0);
        CHECK_EQ(p.first_uncached_end, 0xA0000);
        CHECK_EQ(p.uncached_bytes, 0xA0000 + 0x1DBB6000 + 0x1000 + 0x100A000 + 0x219000 + 0x10DE000);
        /* One range, [0, 512 MiB), in the first free MTRR: the runtime and
         * ACPI pages in the RAM and the first MiB (fixed ranges on) may be
         * write-back too. */
        CHECK_EQ(p.nr_writes, 1);
        CHECK_EQ(p.writes[0].index, 1);
        CHECK_EQ(p.writes[0].base, 0x6);
        CHECK_EQ(p.writes[0].mask, 0xFFE0000800ull);
        CHECK(writes_valid(&s, &p));
        CHECK(ram_write_back(&s, &m, &p));
        CHECK(writes_only_over_dram(&s, &m, &p, 4 * GIB));
        CHECK(p.why == NULL);
}

/* OVMF: default WB, UC over the 32-bit and 64-bit PCI windows. */
static void test_ovmf_keeps(void) {
        struct mtrr_state s = { .supported = true, .phys_bits = 40, .cap = 0x508, .def_type = 0xC06 };
        struct maps m;
        struct mtrr_plan p;

        s.var[0].base = 0x80000000;
        s.var[0].mask = 0xFF80000800;
        s.var[1].base = 0xE000000000;
        s.var[1].mask = 0xE000000800;
        uboot_512m(&m);
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_KEEP);
        CHECK_STR(p.why, "the default memory type is not UC");
        CHECK_EQ(p.nr_writes, 0);
        CHECK(!p.linux_trims);
}

static void test_keep_when_off_or_absent(void) {
        struct mtrr_state s = uboot_state();
        struct maps m;
        struct mtrr_plan p;

        uboot_512m(&m);
        s.def_type = MTRR_DEF_TYPE_FE;                  /* E clear */
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_KEEP);
        CHECK_STR(p.why, "the MTRRs are disabled");
        s = uboot_state();
        s.supported = false;
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_KEEP);
        CHECK_STR(p.why, "the processor has no MTRRs");
        CHECK_EQ(p.nr_writes, 0);
}

/* Firmware that did its job: one WB range over RAM; nothing to do. */
static void test_already_write_back(void) {
        struct mtrr_state s = uboot_state();
        struct maps m;
        struct mtrr_plan p;

        s.var[1].base = 0x6;
        s.var[1].mask = 0xFFE0000800;
        uboot_512m(&m);
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_KEEP);
        CHECK_STR(p.why, "all RAM is write-back");
        CHECK_EQ(p.uncached_bytes, 0);
        CHECK(!p.linux_trims);
        /* The same with U-Boot's 36-bit mask on the RAM range: read as
         * Linux reads it. */
        s.var[1].mask = 0xFE0000800;
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_KEEP);
}

/* RAM the firmware made UC on purpose stays so: pvhboot cannot fix it. */
static void test_ram_in_uc_range(void) {
        struct mtrr_state s = uboot_state();
        struct maps m;
        struct mtrr_plan p;

        s.var[1].base = 0x6;                            /* WB [0, 1 GiB) */
        s.var[1].mask = 0xFFC0000800;
        s.var[2].base = 0x10000000;                     /* UC [256, 512 MiB) */
        s.var[2].mask = 0xFFF0000800;
        uboot_512m(&m);
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_CANNOT);
        CHECK_STR(p.why, "RAM lies in a variable MTRR of another type than write-back");
        CHECK(p.linux_trims);
        CHECK_EQ(p.first_uncached_start, 0x10000000);
        CHECK_EQ(p.first_uncached_end, 0x1DCB6000);
        CHECK_EQ(p.nr_writes, 0);
}

/* Fixed ranges off: the legacy hole below 1 MiB may not be write-back, so
 * 640 KiB and the RAM above 1 MiB take 2 + 9 ranges, more than 7 free. */
static void test_fixed_ranges_off(void) {
        struct mtrr_state s = uboot_state();
        struct maps m;
        struct mtrr_plan p;

        s.def_type = MTRR_DEF_TYPE_E;
        uboot_512m(&m);
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_CANNOT);
        CHECK_STR(p.why, "more variable MTRRs are needed than are free");
        CHECK_EQ(p.nr_writes, 0);
        /* With 16 variable MTRRs it fits, and nothing outside DRAM turns
         * write-back ([0, 512K) and [512K, 640K), then 1 MiB doubling). */
        s.cap = 0x510;
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_ADD_WRITE_BACK);
        CHECK_EQ(p.nr_writes, 11);
        CHECK_EQ(p.writes[0].base, 0x6);
        CHECK_EQ(p.writes[0].mask, 0xFFFFF80800ull);
        CHECK_EQ(p.writes[1].base, 0x80006);
        CHECK_EQ(p.writes[1].mask, 0xFFFFFE0800ull);
        CHECK(writes_valid(&s, &p));
        CHECK(ram_write_back(&s, &m, &p));
        CHECK(writes_only_over_dram(&s, &m, &p, 4 * GIB));
}

/* QEMU pc with 5 GiB: 3 GiB below 4 GiB, 2 GiB above. */
static void test_high_memory(void) {
        struct mtrr_state s = uboot_state();
        struct maps m;
        struct mtrr_plan p;

        memset(&m, 0, sizeof(m));
        efi(&m, EFI_MEM_CONVENTIONAL, 0, 0x9F000);
        efi(&m, EFI_MEM_RESERVED, 0x9F000, 0x61000);
        efi(&m, EFI_MEM_CONVENTIONAL, MIB, 3 * GIB - 2 * MIB);
        efi(&m, EFI_MEM_ACPI_NVS, 3 * GIB - MIB, MIB);
        efi(&m, EFI_MEM_RESERVED, 0xE0000000, 0x10000000);
        efi(&m, EFI_MEM_CONVENTIONAL, 4 * GIB, 2 * GIB);
        convert(&m);
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_ADD_WRITE_BACK);
        CHECK_EQ(p.nr_writes, 3);
        CHECK_EQ(p.writes[0].base, 0x6);                /* [0, 2 GiB) */
        CHECK_EQ(p.writes[0].mask, 0xFF80000800ull);
        CHECK_EQ(p.writes[1].base, 0x80000006ull);      /* [2, 3 GiB) */
        CHECK_EQ(p.writes[1].mask, 0xFFC0000800ull);
        CHECK_EQ(p.writes[2].base, 0x100000006ull);     /* [4, 6 GiB) */
        CHECK_EQ(p.writes[2].mask, 0xFF80000800ull);
        CHECK_EQ(p.writes[2].index, 3);
        CHECK(writes_valid(&s, &p));
        CHECK(ram_write_back(&s, &m, &p));
        CHECK(writes_only_over_dram(&s, &m, &p, 8 * GIB));
        /* Two MTRRs in all: one is the flash's, one free; not enough. */
        s.cap = 0x502;
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_CANNOT);
        CHECK_EQ(p.nr_writes, 0);
}

/* No WB range at all: Linux says "CPU MTRRs all blank" and keeps its RAM,
 * but the RAM is still uncached; pvhboot makes it write-back anyway. A WC
 * range (a frame buffer) likewise stops Linux's trim. */
static void test_linux_would_not_trim(void) {
        struct mtrr_state s = uboot_state();
        struct maps m;
        struct mtrr_plan p;

        s.var[0].mask = 0;
        uboot_512m(&m);
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_ADD_WRITE_BACK);
        CHECK(!p.linux_trims);
        CHECK_EQ(p.writes[0].index, 0);
        s = uboot_state();
        s.var[3].base = 0xC0000000 | MTRR_TYPE_WC;
        s.var[3].mask = 0xFFFF000800;
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_ADD_WRITE_BACK);
        CHECK(!p.linux_trims);
        CHECK_EQ(p.writes[0].index, 1);
        CHECK(ram_write_back(&s, &m, &p));
}

/* A mask with a hole between its ones is no range: pvhboot gives up and
 * assumes the worst. */
static void test_mask_with_holes(void) {
        struct mtrr_state s = uboot_state();
        struct maps m;
        struct mtrr_plan p;

        s.var[1].base = 0x6;
        s.var[1].mask = 0xFFDF000800;
        uboot_512m(&m);
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_CANNOT);
        CHECK(p.linux_trims);
        CHECK_EQ(p.nr_writes, 0);
}

/* Random layouts: whenever the verdict is to add, the writes are valid,
 * make all RAM write-back and touch only DRAM. */
static void test_random_layouts(void) {
        unsigned seed = 12345, added = 0;

        for (int round = 0; round < 300; round++) {
                struct mtrr_state s = uboot_state();
                struct maps m;
                struct mtrr_plan p;
                uint64_t a = 0;

                memset(&m, 0, sizeof(m));
                if (round % 3 == 0)
                        s.def_type = MTRR_DEF_TYPE_E;   /* fixed ranges off */
                s.cap = 0x500 | (8 + round % 9);
                while (a < 64 * MIB && m.nr_efi < 40) {
                        static const uint32_t types[] = { EFI_MEM_CONVENTIONAL, EFI_MEM_CONVENTIONAL,
                                                          EFI_MEM_BOOT_SERVICES_DATA, EFI_MEM_RUNTIME_SERVICES_DATA,
                                                          EFI_MEM_ACPI_NVS, EFI_MEM_LOADER_CODE, EFI_MEM_CONVENTIONAL,
                                                          EFI_MEM_ACPI_RECLAIM, EFI_MEM_RESERVED, EFI_MEM_MMIO };
                        uint64_t pages;
                        seed = seed * 1103515245u + 12345u;
                        pages = 1 + (seed >> 8) % 4096;
                        if ((seed >> 20) % 10 != 0)     /* sometimes a hole */
                                efi(&m, types[(seed >> 24) % (round % 2 ? 8 : 10)], a, pages * 0x1000);
                        a += pages * 0x1000;
                }
                convert(&m);
                plan(&s, &m, &p);
                if (p.verdict != MTRR_ADD_WRITE_BACK) {
                        CHECK_EQ(p.nr_writes, 0);
                        continue;
                }
                added++;
                CHECK(p.nr_writes <= (s.cap & 0xFF) - 1);
                CHECK(writes_valid(&s, &p));
                CHECK(ram_write_back(&s, &m, &p));
                CHECK(writes_only_over_dram(&s, &m, &p, 64 * MIB));
        }
        CHECK(added > 30);
}

static void test_cmdline(void) {
        const char *w = "disable_mtrr_trim";
        CHECK(!kernel_cmdline_has_param("", w));
        CHECK(kernel_cmdline_has_param("disable_mtrr_trim", w));
        CHECK(kernel_cmdline_has_param("console=ttyS0 disable_mtrr_trim quiet", w));
        CHECK(kernel_cmdline_has_param(" \tdisable_mtrr_trim\n", w));
        CHECK(kernel_cmdline_has_param("disable-mtrr-trim", w));       /* parameq(): - and _ alike */
        CHECK(kernel_cmdline_has_param("disable_mtrr_trim=0", w));     /* the value is not looked at */
        CHECK(kernel_cmdline_has_param("\"disable_mtrr_trim\"", w));
        CHECK(kernel_cmdline_has_param("\"disable_mtrr_trim=x y\"", w));
        CHECK(!kernel_cmdline_has_param("xdisable_mtrr_trim", w));
        CHECK(!kernel_cmdline_has_param("disable_mtrr_trimx", w));
        CHECK(!kernel_cmdline_has_param("disable_mtrr", w));
        CHECK(!kernel_cmdline_has_param("a=\"x disable_mtrr_trim\"", w)); /* inside a quoted value */
        CHECK(!kernel_cmdline_has_param("quiet -- disable_mtrr_trim", w)); /* init's */
        CHECK(!kernel_cmdline_has_param("\"--\" disable_mtrr_trim", w));
        CHECK(kernel_cmdline_has_param("--=1 disable_mtrr_trim", w));   /* not a bare "--" */
        CHECK(kernel_cmdline_has_param("__ disable_mtrr_trim", w));
        CHECK(!kernel_cmdline_has_param("=disable_mtrr_trim", w));       /* next_arg() keeps a leading '=' */
        CHECK(kernel_cmdline_has_param("disable_mtrr_trim\xA0quiet", w)); /* Linux's isspace(0xA0) */
}

/* U-Boot's state with RAM above the CPU's 40 address bits (found by
 * fuzz_mtrr_plan): no range can be written there (the base and mask bits
 * above MAXPHYADDR are reserved and writing them faults), so nothing is
 * written at all. */
static void test_ram_above_maxphyaddr(void) {
        struct mtrr_state s = uboot_state();
        struct maps m;
        struct mtrr_plan p;

        uboot_512m(&m);
        m.pvh[m.nr_pvh++] = (struct hvm_memmap_table_entry){ .addr = 1ull << 40, .size = GIB,
                                                             .type = XEN_HVM_MEMMAP_TYPE_RAM };
        plan(&s, &m, &p);
        CHECK_EQ(p.verdict, MTRR_CANNOT);
        CHECK_STR(p.why, "RAM lies above the processor's physical address width");
        CHECK_EQ(p.nr_writes, 0);
        CHECK(p.linux_trims);
}

int main(void) {
        RUN(test_uboot);
        RUN(test_ram_above_maxphyaddr);
        RUN(test_ovmf_keeps);
        RUN(test_keep_when_off_or_absent);
        RUN(test_already_write_back);
        RUN(test_ram_in_uc_range);
        RUN(test_fixed_ranges_off);
        RUN(test_high_memory);
        RUN(test_linux_would_not_trim);
        RUN(test_mask_with_holes);
        RUN(test_random_layouts);
        RUN(test_cmdline);
        return tl_summary("mtrr_plan");
}
