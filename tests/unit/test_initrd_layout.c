/* SPDX-License-Identifier: MIT */
#include "initrd_layout.h"
#include "testlib.h"

#define GIB (1ull << 30)
#define UNSET 0xDEADBEEFull
#define NO_INDEX 999u

static uint64_t offsets[1000];
static uint64_t total;
static unsigned too_big;

static int layout(const uint64_t *sizes, unsigned n, uint64_t limit) {
        for (unsigned i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++)
                offsets[i] = UNSET;
        total = UNSET;
        too_big = NO_INDEX;
        return initrd_layout(sizes, n, limit, offsets, &total, &too_big);
}

static void test_none(void) {
        CHECK_EQ(layout(NULL, 0, 4 * GIB), 0);
        CHECK_EQ(total, 0);
        CHECK_EQ(offsets[0], UNSET);
}

/* One initrd of each small size: at 0, no padding after it. */
static void test_one(void) {
        static const uint64_t sizes[] = { 0, 1, 3, 4, 5 };
        for (unsigned i = 0; i < 5; i++) {
                CHECK_EQ(layout(&sizes[i], 1, 4 * GIB), 0);
                CHECK_EQ(offsets[0], 0);
                CHECK_EQ(total, sizes[i]);
                CHECK_EQ(too_big, NO_INDEX);
        }
}

static void test_alignment(void) {
        /* Each starts at the next multiple of 4 after the previous end. */
        static const uint64_t sizes[] = { 5, 3, 0, 4, 1 };
        CHECK_EQ(layout(sizes, 5, 4 * GIB), 0);
        CHECK_EQ(offsets[0], 0);
        CHECK_EQ(offsets[1], 8);        /* 5 -> 8 */
        CHECK_EQ(offsets[2], 12);       /* 11 -> 12 */
        CHECK_EQ(offsets[3], 12);       /* an empty one takes no room */
        CHECK_EQ(offsets[4], 16);
        CHECK_EQ(total, 17);            /* nothing after the last */

        static const uint64_t aligned[] = { 4, 8, 12 };
        CHECK_EQ(layout(aligned, 3, 4 * GIB), 0);
        CHECK_EQ(offsets[1], 4);
        CHECK_EQ(offsets[2], 12);
        CHECK_EQ(total, 24);

        /* An empty initrd after an unaligned one still starts aligned, so
         * the buffer ends with the padding (as GRUB lays it out). */
        static const uint64_t empty_last[] = { 3, 0 };
        CHECK_EQ(layout(empty_last, 2, 4 * GIB), 0);
        CHECK_EQ(offsets[1], 4);
        CHECK_EQ(total, 4);
}

static void test_many(void) {
        static uint64_t sizes[1000];
        for (unsigned i = 0; i < 1000; i++)
                sizes[i] = 7;
        CHECK_EQ(layout(sizes, 1000, 4 * GIB), 0);
        unsigned misplaced = 0;
        for (unsigned i = 0; i < 1000; i++)
                if (offsets[i] != 8ull * i)
                        misplaced++;
        CHECK_EQ(misplaced, 0);
        CHECK_EQ(total, 8ull * 999 + 7);
}

static void test_limit_edge(void) {
        static const uint64_t sizes[] = { 5, 3 };       /* 5, pad 3, then 3: 11 bytes */
        CHECK_EQ(layout(sizes, 2, 11), 0);
        CHECK_EQ(total, 11);
        CHECK_EQ(layout(sizes, 2, 10), -1);
        CHECK_EQ(too_big, 1);
        CHECK_EQ(offsets[0], 0);        /* what fitted is laid out */
        CHECK_EQ(offsets[1], UNSET);
        CHECK_EQ(total, UNSET);         /* no total on failure */
        /* The padding fits exactly, the second file does not. */
        CHECK_EQ(layout(sizes, 2, 8), -1);
        CHECK_EQ(too_big, 1);
        /* Not even the padding fits. */
        CHECK_EQ(layout(sizes, 2, 7), -1);
        CHECK_EQ(too_big, 1);
        CHECK_EQ(layout(sizes, 2, 4), -1);
        CHECK_EQ(too_big, 0);
        CHECK_EQ(offsets[0], UNSET);

        /* Below 4 GiB, as pvhboot lays them out. */
        static const uint64_t four_gib[] = { 4 * GIB };
        CHECK_EQ(layout(four_gib, 1, 4 * GIB), 0);
        CHECK_EQ(total, 4 * GIB);
        static const uint64_t four_gib_plus_1[] = { 4 * GIB + 1 };
        CHECK_EQ(layout(four_gib_plus_1, 1, 4 * GIB), -1);
        CHECK_EQ(too_big, 0);
        static const uint64_t fill[] = { 4 * GIB - 5, 4 };      /* pad 1, then exactly to 4 GiB */
        CHECK_EQ(layout(fill, 2, 4 * GIB), 0);
        CHECK_EQ(offsets[1], 4 * GIB - 4);
        CHECK_EQ(total, 4 * GIB);
        static const uint64_t overfill[] = { 4 * GIB - 1, 1 }; /* starts at 4 GiB: no room */
        CHECK_EQ(layout(overfill, 2, 4 * GIB), -1);
        CHECK_EQ(too_big, 1);
        /* The third of three is the one that does not fit. */
        static const uint64_t third[] = { GIB, 2 * GIB, GIB + 1 };
        CHECK_EQ(layout(third, 3, 4 * GIB), -1);
        CHECK_EQ(too_big, 2);
        CHECK_EQ(offsets[1], GIB);
}

static void test_zero_limit(void) {
        static const uint64_t empty[] = { 0, 0 };
        static const uint64_t one[] = { 1 };
        CHECK_EQ(layout(empty, 2, 0), 0);
        CHECK_EQ(total, 0);
        CHECK_EQ(layout(one, 1, 0), -1);
        CHECK_EQ(too_big, 0);
}

/* Sizes and limits where a naive sum or round-up would wrap. */
static void test_huge(void) {
        static const uint64_t max[] = { UINT64_MAX };
        CHECK_EQ(layout(max, 1, UINT64_MAX), 0);
        CHECK_EQ(total, UINT64_MAX);
        CHECK_EQ(layout(max, 1, 4 * GIB), -1);
        CHECK_EQ(too_big, 0);

        /* Rounding UINT64_MAX up to 4 would wrap to 0. */
        static const uint64_t max_then_empty[] = { UINT64_MAX, 0 };
        CHECK_EQ(layout(max_then_empty, 2, UINT64_MAX), -1);
        CHECK_EQ(too_big, 1);
        static const uint64_t max_twice[] = { UINT64_MAX, UINT64_MAX };
        CHECK_EQ(layout(max_twice, 2, UINT64_MAX), -1);
        CHECK_EQ(too_big, 1);
        /* 2^63 + 2^63 wraps to 0. */
        static const uint64_t halves[] = { 1ull << 63, 1ull << 63 };
        CHECK_EQ(layout(halves, 2, UINT64_MAX), -1);
        CHECK_EQ(too_big, 1);
        /* Near the top, but fitting. */
        static const uint64_t top[] = { UINT64_MAX - 4, 1 };
        CHECK_EQ(layout(top, 2, UINT64_MAX), 0);
        CHECK_EQ(offsets[1], UINT64_MAX - 3);
        CHECK_EQ(total, UINT64_MAX - 2);
        /* Even an empty third one: its aligned start would be 2^64. */
        static const uint64_t top_then_empty[] = { UINT64_MAX - 4, 1, 0 };
        CHECK_EQ(layout(top_then_empty, 3, UINT64_MAX), -1);
        CHECK_EQ(too_big, 2);
        /* A small first file, then one that alone exceeds any limit. */
        static const uint64_t small_then_max[] = { 1, UINT64_MAX };
        CHECK_EQ(layout(small_then_max, 2, UINT64_MAX), -1);
        CHECK_EQ(too_big, 1);
        static const uint64_t small_then_max_minus_4[] = { 1, UINT64_MAX - 4 };
        CHECK_EQ(layout(small_then_max_minus_4, 2, UINT64_MAX), 0);
        CHECK_EQ(offsets[1], 4);
        CHECK_EQ(total, UINT64_MAX);
}

int main(void) {
        RUN(test_none);
        RUN(test_one);
        RUN(test_alignment);
        RUN(test_many);
        RUN(test_limit_edge);
        RUN(test_zero_limit);
        RUN(test_huge);
        return tl_summary("initrd_layout");
}
