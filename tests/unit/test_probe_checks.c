/* SPDX-License-Identifier: MIT */
/*
 * Negative controls for the PVH probe's checks (tests/probe/checks.c): a
 * good entry state and start_info in crafted memory pass every rule; for
 * each rule, breaking one thing fails exactly that rule (or, where the
 * broken thing is a pointer, exactly the rules that depend on it).
 *
 * The checks are #included so that the top Makefile's unit rule (this
 * file + testlib.c + the core) builds this test unchanged; probe.mk adds
 * checks.c and json.c as prerequisites.
 */
#include <stdlib.h>
#include <string.h>

#include "../probe/checks.c"
#include "../probe/json.c"
#include "testlib.h"

#define MIB 0x100000ull
#define R(name) PROBE_RULE_##name

/* --- crafted physical memory ------------------------------------------ */

struct region {
        uint64_t pa;
        uint32_t len;
        unsigned char *buf;
};

static struct region regions[8];
static unsigned nregions;

static int fake_read(void *ctx, uint64_t pa, void *dst, uint32_t len) {
        (void)ctx;
        for (unsigned i = 0; i < nregions; i++) {
                struct region *g = &regions[i];
                if (pa >= g->pa && pa - g->pa <= g->len && len <= g->len - (pa - g->pa)) {
                        memcpy(dst, g->buf + (pa - g->pa), len);
                        return 0;
                }
        }
        return -1;
}

static unsigned char *map_region(uint64_t pa, uint32_t len) {
        struct region *g = &regions[nregions++];
        g->pa = pa;
        g->len = len;
        g->buf = calloc(1, len);
        return g->buf;
}

static void *at(uint64_t pa) {
        for (unsigned i = 0; i < nregions; i++)
                if (pa >= regions[i].pa && pa - regions[i].pa < regions[i].len)
                        return regions[i].buf + (pa - regions[i].pa);
        fprintf(stderr, "no crafted memory at 0x%" PRIx64 "\n", pa);
        abort();
}

static void unmap_all(void) {
        for (unsigned i = 0; i < nregions; i++)
                free(regions[i].buf);
        nregions = 0;
}

/* --- the good state ---------------------------------------------------- */

#define LOW 0x10000ull          /* start_info, memmap, modlist, cmdline, RSDP */
#define SI_PA (LOW + 0x000)
#define MEMMAP_PA (LOW + 0x100)
#define MODLIST_PA (LOW + 0x400)
#define CMDLINE_PA (LOW + 0x500)
#define RSDP_PA (LOW + 0x800)
#define MODULE_PA 0x4000000ull
#define MODULE_SIZE 5000u
#define CMDLINE "console=ttyS0 probe.word=\"q\"\t\x01\xe9"

#define DESC_CODE32 0x00CF9B000000FFFFull
#define DESC_DATA32 0x00CF93000000FFFFull
#define DESC_TSS32_BUSY 0x00008B0000000067ull

static struct probe_state st;
static struct probe_image img;
static struct probe_report report;

static struct hvm_start_info *si(void) {
        return at(SI_PA);
}

static struct hvm_memmap_table_entry *memmap(void) {
        return at(si()->memmap_paddr);
}

static void set_memmap(const struct hvm_memmap_table_entry *e, uint32_t n) {
        memcpy(at(si()->memmap_paddr), e, n * sizeof(*e));
        si()->memmap_entries = n;
}

static const struct hvm_memmap_table_entry good_map[] = {
        { 0, 0x9FC00, 1, 0 },
        { 0x9FC00, 0x400, 2, 0 },
        { 0xF0000, 0x10000, 2, 0 },
        { 0x100000, 0x7E00000, 1, 0 },          /* probe (32 MiB), module (64 MiB) */
        { 0x7F00000, 0x100000, 3, 0 },
        { 0xFEFFC000, 0x4000, 2, 0 },
        { 0x100000000ull, 0x40000000, 1, 0 },
};
#define GOOD_MAP_N (sizeof(good_map) / sizeof(good_map[0]))

static void seg(int i, uint32_t sel, uint64_t desc) {
        st.seg[i] = (struct probe_seg_raw){ sel, PSEG_READ, (uint32_t)desc, (uint32_t)(desc >> 32) };
}

static uint64_t seg_desc(int i) {
        return (uint64_t)st.seg[i].hi << 32 | st.seg[i].lo;
}

static void rsdp_fix(unsigned char *p) {
        uint8_t s = 0;
        p[8] = 0;
        for (int i = 0; i < 20; i++)
                s = (uint8_t)(s + p[i]);
        p[8] = (uint8_t)-s;
        s = 0;
        p[32] = 0;
        for (int i = 0; i < 36; i++)
                s = (uint8_t)(s + p[i]);
        p[32] = (uint8_t)-s;
}

static void good(void) {
        unmap_all();
        memset(&st, 0, sizeof(st));
        st.eax = 0x1234;
        st.ebx = (uint32_t)SI_PA;
        st.esp = 0x7000;
        st.eflags = 0x2;
        st.cr0 = 0x11;
        st.efer_valid = 1;
        st.efer_lo = 0x800;     /* NXE: not a rule */
        st.gdt_base = 0x8000;
        st.gdt_limit = 0x1F;
        seg(PROBE_SEG_CS, 0x08, DESC_CODE32);
        for (int i = PROBE_SEG_DS; i <= PROBE_SEG_GS; i++)
                seg(i, 0x10, DESC_DATA32);
        seg(PROBE_SEG_TR, 0x18, DESC_TSS32_BUSY);
        img = (struct probe_image){ 0x2000000, 0x200B440, 0x2000000, 0x2005140, 0x200B440, 0x2000000 };

        map_region(LOW, 0x10000);
        *si() = (struct hvm_start_info){
                .magic = XEN_HVM_START_MAGIC_VALUE,
                .version = 1,
                .nr_modules = 1,
                .modlist_paddr = MODLIST_PA,
                .cmdline_paddr = CMDLINE_PA,
                .rsdp_paddr = RSDP_PA,
                .memmap_paddr = MEMMAP_PA,
        };
        set_memmap(good_map, GOOD_MAP_N);
        struct hvm_modlist_entry *mod = at(MODLIST_PA);
        *mod = (struct hvm_modlist_entry){ .paddr = MODULE_PA, .size = MODULE_SIZE };
        strcpy(at(CMDLINE_PA), CMDLINE);

        unsigned char *rsdp = at(RSDP_PA);
        memcpy(rsdp, "RSD PTR ", 8);
        memcpy(rsdp + 9, "BOCHS ", 6);
        rsdp[15] = 2;
        rsdp[16] = 0x70;        /* RSDT 0x7F00070 */
        rsdp[19] = 0x07;
        rsdp[18] = 0xF0;
        rsdp[20] = 36;          /* length */
        rsdp[24] = 0xF0;        /* XSDT */
        rsdp_fix(rsdp);

        unsigned char *m = map_region(MODULE_PA, 0x3000);
        for (unsigned i = 0; i < MODULE_SIZE; i++)
                m[i] = (unsigned char)(i * 7 + 3);
}

static struct probe_mem mem = { fake_read, 0 };

static void run(void) {
        probe_check(&st, &img, &mem, &report);
}

/* Rules that some control below fails alone. */
static uint8_t controlled[PROBE_NR_RULES];

/* Run the checks; every rule in want[] must fail and every other pass. */
static void expect_failing(int line, const char *what, const enum probe_rule *want,
                           unsigned nwant) {
        uint8_t expected[PROBE_NR_RULES] = { 0 };
        int ok = 1;
        run();
        for (unsigned i = 0; i < nwant; i++)
                expected[want[i]] = 1;
        for (unsigned i = 0; i < PROBE_NR_RULES; i++)
                if ((!report.rule[i]) != expected[i]) {
                        ok = 0;
                        fprintf(stderr, "%s:%d: %s: %s: rule %s %s, expected %s\n", __FILE__, line,
                                tl_current, what,
                                probe_rule_name(i), report.rule[i] ? "passes" : "fails",
                                expected[i] ? "fail" : "pass");
                }
        if (ok && nwant == 1)
                controlled[want[0]] = 1;
        tl_check(ok, __FILE__, line, what);
        tl_check(report.pass == (nwant == 0), __FILE__, line, "pass iff no rule fails");
}

#define EXPECT(what, ...)                                                                  \
        do {                                                                               \
                const enum probe_rule want_[] = { __VA_ARGS__ };                           \
                expect_failing(__LINE__, what, want_, sizeof(want_) / sizeof(want_[0]));   \
        } while (0)
#define EXPECT_PASS(what) expect_failing(__LINE__, what, 0, 0)

/* --- tests ---------------------------------------------------------------- */

static void test_good_state_passes(void) {
        good();
        EXPECT_PASS("good state");
        CHECK_EQ(report.ram_total, 0x9FC00 + 0x7E00000 + 0x40000000ull);
        CHECK_STR(report.cmdline.text, CMDLINE);
        CHECK_EQ(report.cmdline.length, strlen(CMDLINE));
        CHECK_EQ(report.modules_n, 1);
        uint64_t h = probe_fnv1a64(FNV1A64_INIT, at(MODULE_PA), MODULE_SIZE);
        CHECK_EQ(report.modules[0].fnv1a64, h);
        CHECK_EQ(report.rsdp.revision, 2);
        CHECK_EQ(report.rsdp.rsdt, 0x7F00070);
        CHECK_EQ(report.rsdp.xsdt, 0xF0);
        CHECK_STR(report.rsdp.oemid, "BOCHS ");
        CHECK_EQ(report.seg[PROBE_SEG_CS].limit, 0xFFFFFFFFu);
        CHECK_EQ(report.seg[PROBE_SEG_CS].type, 0xB);
        CHECK_EQ(report.seg[PROBE_SEG_TR].limit, 0x67);
        CHECK(report.overlap == 0);

        /* Allowed variations. */
        good();
        st.cr0 = 0x1;                   /* ET clear */
        st.efer_valid = 0;              /* no EFER at all */
        st.eflags = 0x2 | 0x400 | 0x40000 | 0x200000 | 0x4000 | 0xCD5;  /* DF AC ID NT, arith */
        seg(PROBE_SEG_CS, 0x10, 0x00CF9F000000FFFFull);  /* conforming, accessed */
        seg(PROBE_SEG_DS, 0x1B, 0x00CF92000000FFFFull);  /* not accessed, RPL 3 */
        seg(PROBE_SEG_FS, 0x23, 0x00DFF3000000FFFFull);  /* DPL 3, AVL: FS is not SS */
        si()->nr_modules = 0;           /* modules, cmdline are optional */
        si()->modlist_paddr = 0;
        EXPECT_PASS("allowed variations");

        good();
        unsigned char *rsdp = at(RSDP_PA);
        rsdp[15] = 0;                   /* ACPI 1.0 RSDP: 20 bytes, no length */
        rsdp[20] = 0xFF;
        rsdp_fix(rsdp);
        EXPECT_PASS("revision 0 RSDP");
}

static void test_fnv1a64(void) {
        /* Published FNV-1a 64 test vectors. */
        CHECK_EQ(probe_fnv1a64(FNV1A64_INIT, "", 0), 0xcbf29ce484222325ull);
        CHECK_EQ(probe_fnv1a64(FNV1A64_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
        CHECK_EQ(probe_fnv1a64(FNV1A64_INIT, "foobar", 6), 0x85944171f73967e8ull);
        /* Chunked hashing equals one pass. */
        CHECK_EQ(probe_fnv1a64(probe_fnv1a64(FNV1A64_INIT, "foo", 3), "bar", 3),
                 0x85944171f73967e8ull);
}

static void test_rule_names(void) {
        CHECK_EQ(PROBE_NR_RULES, 35);
        for (unsigned i = 0; i < PROBE_NR_RULES; i++)
                for (unsigned j = i + 1; j < PROBE_NR_RULES; j++)
                        CHECK(strcmp(probe_rule_name(i), probe_rule_name(j)) != 0);
        CHECK_STR(probe_rule_name(R(cr0_pe_only)), "cr0_pe_only");
        CHECK_STR(probe_rule_name(R(structs_disjoint)), "structs_disjoint");
        CHECK_STR(probe_rule_name(PROBE_NR_RULES), "?");
}

static void test_registers(void) {
        static const uint32_t cr0_bits[] = { 0x80000000, 0x40000000, 0x20000000, 0x40000,
                                             0x10000, 0x20, 0x8, 0x4, 0x2 };  /* PG CD NW AM WP NE TS EM MP */
        for (unsigned i = 0; i < sizeof(cr0_bits) / sizeof(cr0_bits[0]); i++) {
                good();
                st.cr0 |= cr0_bits[i];
                EXPECT("CR0 with another writable bit", R(cr0_pe_only));
        }
        good();
        st.cr0 = 0x10;
        EXPECT("CR0.PE clear", R(cr0_pe_only));

        good();
        st.cr4 = 0x20;
        EXPECT("CR4.PAE", R(cr4_zero));
        good();
        st.cr4 = 0x80;
        EXPECT("CR4.PGE", R(cr4_zero));

        good();
        st.efer_lo |= 0x100;
        EXPECT("EFER.LME", R(efer_lme_lma_clear));
        good();
        st.efer_lo |= 0x400;
        EXPECT("EFER.LMA", R(efer_lme_lma_clear));

        good();
        st.eflags |= 0x200;
        EXPECT("EFLAGS.IF", R(eflags_if_tf_vm_clear));
        good();
        st.eflags |= 0x100;
        EXPECT("EFLAGS.TF", R(eflags_if_tf_vm_clear));
        good();
        st.eflags |= 0x20000;
        EXPECT("EFLAGS.VM", R(eflags_if_tf_vm_clear));

        good();
        st.bss_nonzero = 3;
        EXPECT(".bss not zeroed", R(elf_bss_zeroed));
}

/* A descriptor with one field changed. */
static uint64_t with_base(uint64_t d, uint32_t base) {
        d &= ~0xFF0000FFFFFF0000ull;
        return d | (uint64_t)(base & 0xFFFFFF) << 16 | (uint64_t)(base >> 24) << 56;
}

static void test_code_segment(void) {
        static const struct {
                const char *what;
                uint64_t desc;
        } bad[] = {
                { "16-bit code (D = 0)", DESC_CODE32 & ~(1ull << 54) },
                { "64-bit code (L = 1, D = 0)", (DESC_CODE32 & ~(1ull << 54)) | 1ull << 53 },
                { "base 0x1000", 0 },
                { "byte granular limit 0xFFFFF", DESC_CODE32 & ~(1ull << 55) },
                { "execute-only", DESC_CODE32 & ~(2ull << 40) },
                { "data segment", DESC_DATA32 },
                { "DPL 3", DESC_CODE32 | 3ull << 45 },
                { "not present", DESC_CODE32 & ~(1ull << 47) },
                { "system descriptor (S = 0)", DESC_CODE32 & ~(1ull << 44) },
        };
        for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                good();
                seg(PROBE_SEG_CS, 0x08, i == 2 ? with_base(DESC_CODE32, 0x1000) : bad[i].desc);
                EXPECT(bad[i].what, R(cs_code32_flat));
        }
        good();
        st.seg[PROBE_SEG_CS].status = PSEG_LIMIT;
        EXPECT("CS beyond the GDT limit", R(cs_code32_flat));
        good();
        st.seg[PROBE_SEG_CS].status = PSEG_LDT;
        EXPECT("CS in the LDT", R(cs_code32_flat));
}

static void test_data_segments(void) {
        static const struct {
                int seg;
                enum probe_rule rule;
        } regs[] = {
                { PROBE_SEG_DS, R(ds_data32_flat) }, { PROBE_SEG_ES, R(es_data32_flat) },
                { PROBE_SEG_SS, R(ss_data32_flat) }, { PROBE_SEG_FS, R(fs_data32_flat) },
                { PROBE_SEG_GS, R(gs_data32_flat) },
        };
        static const struct {
                const char *what;
                uint64_t desc;
        } bad[] = {
                { "16-bit data (B = 0)", DESC_DATA32 & ~(1ull << 54) },
                { "base 0x10000", 1 },
                { "base 0x1000000 (high byte)", 2 },
                { "limit 0xFFFF bytes", DESC_DATA32 & ~(1ull << 55) & ~(0xFull << 48) },
                { "read-only", DESC_DATA32 & ~(2ull << 40) },
                { "expand-down", DESC_DATA32 | 4ull << 40 },
                { "code segment", DESC_CODE32 },
                { "not present", DESC_DATA32 & ~(1ull << 47) },
        };
        for (unsigned r = 0; r < sizeof(regs) / sizeof(regs[0]); r++) {
                for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                        uint64_t d = bad[i].desc == 1   ? with_base(DESC_DATA32, 0x10000)
                                     : bad[i].desc == 2 ? with_base(DESC_DATA32, 0x1000000)
                                                        : bad[i].desc;
                        good();
                        seg(regs[r].seg, 0x10, d);
                        EXPECT(bad[i].what, regs[r].rule);
                }
                good();
                st.seg[regs[r].seg].status = PSEG_NULL;
                st.seg[regs[r].seg].sel = 0;
                EXPECT("null selector", regs[r].rule);
        }
        good();
        seg(PROBE_SEG_SS, 0x13, DESC_DATA32 | 3ull << 45);
        EXPECT("SS with DPL 3", R(ss_data32_flat));
        CHECK_EQ(seg_desc(PROBE_SEG_SS) >> 45 & 3, 3);
}

static void test_task_register(void) {
        good();
        st.seg[PROBE_SEG_TR] = (struct probe_seg_raw){ 0, PSEG_NULL, 0, 0 };
        EXPECT("TR never loaded (null)", R(tr_tss32_busy));
        good();
        seg(PROBE_SEG_TR, 0x18, DESC_TSS32_BUSY & ~(2ull << 40));
        EXPECT("available, not busy, TSS", R(tr_tss32_busy));
        good();
        seg(PROBE_SEG_TR, 0x18, (DESC_TSS32_BUSY & ~(0xFull << 40)) | 3ull << 40);
        EXPECT("16-bit busy TSS", R(tr_tss32_busy));
        good();
        seg(PROBE_SEG_TR, 0x18, DESC_TSS32_BUSY + 1);
        EXPECT("limit 0x68", R(tr_tss32_busy));
        good();
        seg(PROBE_SEG_TR, 0x18, with_base(DESC_TSS32_BUSY, 0x5000));
        EXPECT("base 0x5000", R(tr_tss32_busy));
        good();
        seg(PROBE_SEG_TR, 0x18, DESC_TSS32_BUSY | 1ull << 44);
        EXPECT("S = 1", R(tr_tss32_busy));
}

#define START_INFO_RULES                                                                  \
        R(si_magic), R(si_version), R(si_flags_zero), R(si_reserved_zero),                 \
        R(memmap_present), R(memmap_sorted), R(memmap_disjoint), R(memmap_merged),         \
        R(memmap_types), R(memmap_sizes), R(memmap_reserved_zero), R(memmap_probe_in_ram), \
        R(rsdp_signature), R(rsdp_checksum), R(rsdp_ext_checksum), R(cmdline_present),     \
        R(cmdline_terminated), R(modules_valid), R(modules_page_aligned), R(modules_in_ram), \
        R(structs_below_1g), R(structs_disjoint)

static void test_start_info(void) {
        good();
        st.ebx = 0;
        EXPECT("EBX = 0: every start_info rule fails too", R(ebx_start_info), START_INFO_RULES);
        CHECK(!report.si_readable);
        good();
        st.ebx = 0x90000000;
        EXPECT("EBX at unreadable memory", R(ebx_start_info), START_INFO_RULES);

        good();
        si()->magic ^= 0x80;
        EXPECT("bad magic", R(si_magic));
        good();
        si()->version = 0;
        EXPECT("version 0", R(si_version));
        good();
        si()->version = 2;
        EXPECT("version 2", R(si_version));
        good();
        si()->flags = 1;
        EXPECT("SIF_PRIVILEGED", R(si_flags_zero));
        good();
        si()->reserved = 0x1000;
        EXPECT("reserved", R(si_reserved_zero));
}

static void test_memmap(void) {
        struct hvm_memmap_table_entry m[PVH_MEMMAP_MAX_ENTRIES + 2];

        good();
        si()->memmap_entries = 0;
        EXPECT("no memmap entries: nothing is known to be RAM", R(memmap_present),
               R(memmap_probe_in_ram), R(modules_in_ram));
        good();
        si()->memmap_paddr = 0;
        EXPECT("memmap_paddr 0", R(memmap_present), R(memmap_probe_in_ram), R(modules_in_ram));
        good();
        si()->memmap_paddr = 0x5000000;        /* RAM below 1 GiB, not readable here */
        EXPECT("memmap unreadable", R(memmap_present), R(memmap_probe_in_ram), R(modules_in_ram));

        /* 127 well-formed entries: only the count is wrong. */
        good();
        si()->memmap_paddr = LOW + 0x1000;
        memcpy(m, good_map, sizeof(good_map));
        for (unsigned i = GOOD_MAP_N; i < PVH_MEMMAP_MAX_ENTRIES + 1; i++)
                m[i] = (struct hvm_memmap_table_entry){ 0x200000000ull + (i - GOOD_MAP_N) * 0x1000ull,
                                                        0x1000, 2 + (i & 1), 0 };
        set_memmap(m, PVH_MEMMAP_MAX_ENTRIES + 1);
        EXPECT("127 entries", R(memmap_present));
        set_memmap(m, PVH_MEMMAP_MAX_ENTRIES);
        EXPECT_PASS("126 entries");

        good();
        memcpy(m, good_map, sizeof(good_map));
        m[0] = good_map[6];
        m[6] = good_map[0];
        set_memmap(m, GOOD_MAP_N);
        EXPECT("unsorted", R(memmap_sorted));

        good();
        memmap()[4].addr = 0x7E00000;
        memmap()[4].size = 0x200000;
        EXPECT("ACPI entry overlapping RAM", R(memmap_disjoint));

        good();
        memcpy(m, good_map, 4 * sizeof(m[0]));
        m[3].size = 0x1000000 - 0x100000;
        m[4] = (struct hvm_memmap_table_entry){ 0x1000000, 0x6F00000, 1, 0 };
        memcpy(&m[5], &good_map[4], 3 * sizeof(m[0]));
        set_memmap(m, GOOD_MAP_N + 1);
        EXPECT("RAM split in two touching entries", R(memmap_merged));

        good();
        memmap()[5].type = 20;
        EXPECT("type 20", R(memmap_types));
        good();
        memmap()[5].type = 0;
        EXPECT("type 0", R(memmap_types));

        good();
        memcpy(m, good_map, sizeof(good_map));
        m[GOOD_MAP_N] = (struct hvm_memmap_table_entry){ 0x200000000ull, 0, 2, 0 };
        set_memmap(m, GOOD_MAP_N + 1);
        EXPECT("empty entry", R(memmap_sizes));
        good();
        memcpy(m, good_map, sizeof(good_map));
        m[GOOD_MAP_N] = (struct hvm_memmap_table_entry){ 0xFFFFFFFFFFFFF000ull, 0x2000, 2, 0 };
        set_memmap(m, GOOD_MAP_N + 1);
        EXPECT("entry wrapping past 2^64", R(memmap_sizes));

        good();
        memmap()[2].reserved = 1;
        EXPECT("entry reserved field", R(memmap_reserved_zero));

        good();
        memcpy(m, good_map, 3 * sizeof(m[0]));
        m[3] = (struct hvm_memmap_table_entry){ 0x100000, 0x1F00000, 1, 0 };
        m[4] = (struct hvm_memmap_table_entry){ 0x2000000, 0x100000, 4, 0 };  /* NVS under the probe */
        m[5] = (struct hvm_memmap_table_entry){ 0x2100000, 0x5E00000, 1, 0 };
        memcpy(&m[6], &good_map[4], 3 * sizeof(m[0]));
        set_memmap(m, GOOD_MAP_N + 2);
        EXPECT("NVS inside the probe image", R(memmap_probe_in_ram));
        good();
        img.start = 0x7EFF000;
        img.end = 0x7F01000;
        EXPECT("probe image reaching into ACPI memory", R(memmap_probe_in_ram));
        good();
        memmap()[3].size = 0xF00000;    /* low RAM ends at 16 MiB: a hole from there */
        EXPECT("probe image (and module) in a hole", R(memmap_probe_in_ram), R(modules_in_ram));
}

static void test_rsdp(void) {
        unsigned char *rsdp;

        good();
        rsdp = at(RSDP_PA);
        rsdp[0] = 'r';
        rsdp[8] = (uint8_t)(rsdp[8] - ('r' - 'R'));     /* both checksums still hold */
        EXPECT("signature", R(rsdp_signature));

        good();
        rsdp = at(RSDP_PA);
        rsdp[8]++;
        rsdp[32]--;                                     /* extended sum unchanged */
        EXPECT("checksum", R(rsdp_checksum));

        good();
        rsdp = at(RSDP_PA);
        rsdp[32]++;
        EXPECT("extended checksum", R(rsdp_ext_checksum));
        good();
        rsdp = at(RSDP_PA);
        rsdp[20] = 20;
        rsdp_fix(rsdp);
        EXPECT("length 20 with revision 2", R(rsdp_ext_checksum));
        good();
        rsdp = at(RSDP_PA);
        rsdp[21] = 0x10;                                /* length 0x1024 > 4096 */
        rsdp_fix(rsdp);
        EXPECT("length beyond 4 KiB", R(rsdp_ext_checksum));

        good();
        si()->rsdp_paddr = 0;
        EXPECT("no RSDP", R(rsdp_signature), R(rsdp_checksum), R(rsdp_ext_checksum));
        good();
        si()->rsdp_paddr = 0x90000000;
        EXPECT("RSDP unreadable", R(rsdp_signature), R(rsdp_checksum), R(rsdp_ext_checksum));
}

static void test_cmdline(void) {
        good();
        si()->cmdline_paddr = 0;
        EXPECT("no command line", R(cmdline_present));

        good();
        si()->cmdline_paddr = LOW + 0x8000;
        memset(at(LOW + 0x8000), 'a', PROBE_CMDLINE_SCAN + 16);
        EXPECT("no NUL in 4096 bytes", R(cmdline_terminated));
        CHECK_EQ(report.cmdline.length, PROBE_CMDLINE_SCAN);

        good();
        si()->cmdline_paddr = LOW + 0x10000 - 8;
        memset(at(LOW + 0x10000 - 8), 'a', 8);
        EXPECT("command line running into unreadable memory", R(cmdline_terminated));

        good();
        si()->cmdline_paddr = LOW + 0x10000 - 8;
        strcpy(at(LOW + 0x10000 - 8), "a=b c");
        EXPECT_PASS("command line ending next to unreadable memory");
        CHECK_STR(report.cmdline.text, "a=b c");
}

static void test_modules(void) {
        struct hvm_modlist_entry *mod;

        good();
        mod = at(MODLIST_PA);
        mod->size = 0;
        EXPECT("module of size 0", R(modules_valid));
        good();
        mod = at(MODLIST_PA);
        mod->paddr = 0;
        EXPECT("module at 0", R(modules_valid));
        good();
        mod = at(MODLIST_PA);
        mod->paddr = 0x5000000;         /* RAM, but not readable here */
        EXPECT("module unreadable", R(modules_valid));
        good();
        si()->modlist_paddr = 0;
        EXPECT("modlist_paddr 0 with a module", R(modules_valid));
        good();
        si()->modlist_paddr = 0x5000000;
        EXPECT("modlist unreadable", R(modules_valid));

        good();
        mod = at(MODLIST_PA);
        mod->paddr = MODULE_PA + 0x10;
        EXPECT("module not page aligned", R(modules_page_aligned));

        good();
        map_region(0x7F00000, 0x2000);
        mod = at(MODLIST_PA);
        mod->paddr = 0x7F00000;
        EXPECT("module in ACPI memory", R(modules_in_ram));
        good();
        map_region(0x7EFF000, 0x2000);
        mod = at(MODLIST_PA);
        mod->paddr = 0x7EFF000;
        EXPECT("module reaching into ACPI memory", R(modules_in_ram));
}

static void test_placement(void) {
        good();
        map_region(0x3FFFF000, 0x2000);
        si()->memmap_paddr = 0x40000000 - 0x20;
        set_memmap(good_map, GOOD_MAP_N);
        EXPECT("memmap crossing 1 GiB", R(structs_below_1g));
        CHECK_STR(report.above_1g, "memmap");

        good();
        map_region(0x2001000, 0x1000);
        memcpy(at(0x2001000), at(MODLIST_PA), sizeof(struct hvm_modlist_entry));
        si()->modlist_paddr = 0x2001000;
        EXPECT("modlist inside the probe image", R(structs_disjoint));
        CHECK_STR(report.overlap, "modlist/probe");

        good();
        si()->cmdline_paddr = MEMMAP_PA + 2 * sizeof(struct hvm_memmap_table_entry) + 16;
        EXPECT("cmdline inside the memmap", R(structs_disjoint));
        CHECK_STR(report.overlap, "memmap/cmdline");

        good();
        struct hvm_modlist_entry *mod = at(MODLIST_PA);
        mod->cmdline_paddr = MODULE_PA + 0x100;
        ((char *)at(MODULE_PA))[0x110] = 0;
        EXPECT("module cmdline inside the module", R(structs_disjoint));
        CHECK_STR(report.overlap, "module0/module0_cmdline");
}

/* The JSON writer: valid structure and escaping, on the good report. */
static char jbuf[65536];
static size_t jlen;

static void jout(void *ctx, const char *s, uint32_t len) {
        (void)ctx;
        if (jlen + len < sizeof(jbuf)) {
                memcpy(jbuf + jlen, s, len);
                jlen += len;
                jbuf[jlen] = 0;
        }
}

static void test_json(void) {
        good();
        run();
        jlen = 0;
        probe_json(&report, jout, 0);
        CHECK(jlen > 1000 && jlen < sizeof(jbuf) - 1);
        CHECK(jbuf[0] == '{' && jbuf[jlen - 1] == '}');
        CHECK(strchr(jbuf, '\n') == 0);
        /* Nesting balances outside strings, and no raw control bytes. */
        int depth = 0, in_str = 0, bad = 0;
        for (size_t i = 0; i < jlen; i++) {
                char c = jbuf[i];
                if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
                        bad = 1;
                if (in_str) {
                        if (c == '\\')
                                i++;
                        else if (c == '"')
                                in_str = 0;
                } else if (c == '"') {
                        in_str = 1;
                } else if (c == '{' || c == '[') {
                        depth++;
                } else if (c == '}' || c == ']') {
                        depth--;
                        if (depth < 0)
                                bad = 1;
                }
        }
        CHECK(!bad && depth == 0 && !in_str);
        CHECK(strstr(jbuf, "\"text\":\"console=ttyS0 probe.word=\\\"q\\\"\\u0009\\u0001\\u00e9\""));
        CHECK(strstr(jbuf, "\"checks\":{\"cr0_pe_only\":true,"));
        CHECK(strstr(jbuf, "\"structs_disjoint\":true},\"pass\":true}"));
        CHECK(strstr(jbuf, "\"magic\":\"0x336ec578\""));
        CHECK(strstr(jbuf, "\"tr\":{\"selector\":\"0x18\",\"status\":\"ok\",\"raw\":\"0x8b0000000067\""));
        CHECK(strstr(jbuf, "\"memmap\":[{\"addr\":\"0x0\",\"size\":\"0x9fc00\",\"type\":1,"));
        CHECK(strstr(jbuf, "\"ram_total_kib\":"));
        CHECK(strstr(jbuf, "\"overlap\":null"));
        CHECK(strstr(jbuf, "\"bss_end\":\"0x200b440\",\"linked\":\"0x2000000\","));

        st.seg[PROBE_SEG_TR] = (struct probe_seg_raw){ 0, PSEG_NULL, 0, 0 };
        run();
        jlen = 0;
        probe_json(&report, jout, 0);
        CHECK(strstr(jbuf, "\"tr\":{\"selector\":\"0x0\",\"status\":\"null\"}"));
        CHECK(strstr(jbuf, "\"tr_tss32_busy\":false"));
        CHECK(strstr(jbuf, "\"pass\":false}"));
        unmap_all();
}

/* Every rule has a negative control that fails it and nothing else, except
 * ebx_start_info: without start_info no start_info rule can hold. */
static void test_every_rule_has_a_control(void) {
        for (unsigned i = 0; i < PROBE_NR_RULES; i++) {
                if (i == R(ebx_start_info))
                        continue;
                if (!controlled[i])
                        fprintf(stderr, "rule %s has no single-rule negative control\n",
                                probe_rule_name(i));
                CHECK(controlled[i]);
        }
}

int main(void) {
        RUN(test_fnv1a64);
        RUN(test_rule_names);
        RUN(test_good_state_passes);
        RUN(test_registers);
        RUN(test_code_segment);
        RUN(test_data_segments);
        RUN(test_task_register);
        RUN(test_start_info);
        RUN(test_memmap);
        RUN(test_rsdp);
        RUN(test_cmdline);
        RUN(test_modules);
        RUN(test_placement);
        RUN(test_json);
        RUN(test_every_rule_has_a_control);
        unmap_all();
        return tl_summary("probe_checks");
}
