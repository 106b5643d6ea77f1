/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "load_plan.h"
#include "testlib.h"

#define MIB (1ull << 20)

/* Two segments as a Debian vmlinux has them, roughly: text at 16 MiB and
 * data with .bss after it, listed out of file order. */
static struct elf_kernel two_segments(void) {
        struct elf_kernel k = { .nr_segments = 2 };
        k.segments[0] = (struct elf_kernel_segment){ .file_offset = 0x1200000, .file_size = 2 * MIB,
                                                     .paddr = 34 * MIB, .mem_size = 3 * MIB };
        k.segments[1] = (struct elf_kernel_segment){ .file_offset = 0x200000, .file_size = 16 * MIB,
                                                     .paddr = 16 * MIB, .mem_size = 16 * MIB };
        return k;
}

static void test_all_claimed_reads_in_place(void) {
        struct elf_kernel k = two_segments();
        struct phys_range claimed[] = { { 16 * MIB, 40 * MIB } };
        struct load_plan p;

        CHECK_EQ(load_plan_build(&k, claimed, 1, &p), LOAD_PLAN_OK);
        CHECK_EQ(p.nr_runs, 2);
        CHECK_EQ(p.nr_staged, 0);
        /* File order, whatever the program header order. */
        CHECK_EQ(p.runs[0].file_offset, 0x200000);
        CHECK_EQ(p.runs[0].paddr, 16 * MIB);
        CHECK_EQ(p.runs[0].len, 16 * MIB);
        CHECK_EQ(p.runs[1].file_offset, 0x1200000);
        CHECK(!p.runs[0].staged && !p.runs[1].staged);
        CHECK_EQ(p.bytes_in_place, 18 * MIB);
        CHECK_EQ(p.bytes_staged, 0);
}

/* OVMF's BootServicesData at 0x900000-0x14FFFFF: the part of the text
 * segment below 21 MiB is staged, the rest read in place. */
static void test_firmware_pages_are_staged(void) {
        struct elf_kernel k = two_segments();
        struct phys_range claimed[] = { { 21 * MIB, 40 * MIB } };
        struct handoff_copy copies[HANDOFF_MAX_COPIES];
        struct load_plan p;

        CHECK_EQ(load_plan_build(&k, claimed, 1, &p), LOAD_PLAN_OK);
        CHECK_EQ(p.nr_runs, 3);
        CHECK_EQ(p.runs[0].file_offset, 0x200000);
        CHECK_EQ(p.runs[0].len, 5 * MIB);
        CHECK(p.runs[0].staged);
        CHECK_EQ(p.runs[1].file_offset, 0x200000 + 5 * MIB);
        CHECK_EQ(p.runs[1].paddr, 21 * MIB);
        CHECK(!p.runs[1].staged);
        CHECK_EQ(p.bytes_staged, 5 * MIB);
        CHECK_EQ(p.bytes_in_place, 13 * MIB);

        p.runs[0].staging = 0x7000000;
        CHECK_EQ(load_plan_handoff_copies(&p, &k, copies), 2);
        CHECK_EQ(copies[0].dst, 16 * MIB);
        CHECK_EQ(copies[0].src, 0x7000000);
        CHECK_EQ(copies[0].len, 5 * MIB);
        CHECK_EQ(copies[0].zero_len, 0);
        /* Only segment 0 has .bss: cleared where it is, nothing moved. */
        CHECK_EQ(copies[1].dst, 36 * MIB);
        CHECK_EQ(copies[1].src, 36 * MIB);
        CHECK_EQ(copies[1].len, 0);
        CHECK_EQ(copies[1].zero_len, MIB);
}

static void test_nothing_claimed_stages_everything(void) {
        struct elf_kernel k = two_segments();
        struct load_plan p;

        CHECK_EQ(load_plan_build(&k, NULL, 0, &p), LOAD_PLAN_OK);
        CHECK_EQ(p.nr_runs, 2);
        CHECK_EQ(p.nr_staged, 2);
        CHECK_EQ(p.bytes_staged, 18 * MIB);
}

/* A claimed piece in the middle splits a segment in three; touching pieces
 * make one in-place run. */
static void test_pieces_split_and_join(void) {
        struct elf_kernel k = { .nr_segments = 1 };
        struct phys_range claimed[] = { { 20 * MIB, 22 * MIB }, { 22 * MIB, 24 * MIB } };
        struct load_plan p;

        k.segments[0] = (struct elf_kernel_segment){ .file_offset = 0x1000, .file_size = 16 * MIB,
                                                     .paddr = 16 * MIB, .mem_size = 16 * MIB };
        CHECK_EQ(load_plan_build(&k, claimed, 2, &p), LOAD_PLAN_OK);
        CHECK_EQ(p.nr_runs, 3);
        CHECK(p.runs[0].staged);
        CHECK(!p.runs[1].staged);
        CHECK_EQ(p.runs[1].len, 4 * MIB);
        CHECK(p.runs[2].staged);
        CHECK_EQ(p.runs[2].file_offset, 0x1000 + 8 * MIB);
        CHECK_EQ(p.runs[0].len + p.runs[1].len + p.runs[2].len, 16 * MIB);
}

/* Every other page claimed: more runs than the read list holds. */
static void test_too_fragmented(void) {
        static struct phys_range claimed[200];
        struct elf_kernel k = { .nr_segments = 1 };
        struct load_plan p;

        k.segments[0] = (struct elf_kernel_segment){ .file_size = 400 * 4096, .paddr = 16 * MIB,
                                                     .mem_size = 400 * 4096 };
        for (size_t i = 0; i < 200; i++)
                claimed[i] = (struct phys_range){ 16 * MIB + 2 * i * 4096, 16 * MIB + (2 * i + 1) * 4096 };
        CHECK_EQ(load_plan_build(&k, claimed, 200, &p), LOAD_PLAN_ERR_TOO_FRAGMENTED);
        /* 64 staged runs fit the read list but, with a .bss, not the
         * handoff's copy list. */
        k.segments[0].file_size = k.segments[0].mem_size = 128 * 4096;
        CHECK_EQ(load_plan_build(&k, claimed, 200, &p), LOAD_PLAN_OK);
        CHECK_EQ(p.nr_staged, 64);
        k.segments[0].mem_size += 4096;
        CHECK_EQ(load_plan_build(&k, claimed, 200, &p), LOAD_PLAN_ERR_TOO_FRAGMENTED);
}

/* A segment with no file bytes (all .bss) reads nothing. */
static void test_bss_only_segment(void) {
        struct elf_kernel k = { .nr_segments = 1 };
        struct handoff_copy copies[HANDOFF_MAX_COPIES];
        struct load_plan p;

        k.segments[0] = (struct elf_kernel_segment){ .file_offset = 0x1000, .paddr = 16 * MIB, .mem_size = MIB };
        CHECK_EQ(load_plan_build(&k, NULL, 0, &p), LOAD_PLAN_OK);
        CHECK_EQ(p.nr_runs, 0);
        CHECK_EQ(load_plan_handoff_copies(&p, &k, copies), 1);
        CHECK_EQ(copies[0].zero_len, MIB);
}

int main(void) {
        RUN(test_all_claimed_reads_in_place);
        RUN(test_firmware_pages_are_staged);
        RUN(test_nothing_claimed_stages_everything);
        RUN(test_pieces_split_and_join);
        RUN(test_too_fragmented);
        RUN(test_bss_only_segment);
        return tl_summary("load_plan");
}
