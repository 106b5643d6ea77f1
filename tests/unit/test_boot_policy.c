/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "boot_policy.h"
#include "testlib.h"

/* The pin sets a .pvhpins section can hold, as far as the policy looks:
 * digests do not matter before anything is read. */
static const struct pvh_pins PINS_NONE = { 0 };
static const struct pvh_pins PINS_K = { .have_kernel = 1 };
static const struct pvh_pins PINS_C = { .have_cmdline = 1 };
static const struct pvh_pins PINS_KC = { .have_kernel = 1, .have_cmdline = 1 };
static const struct pvh_pins PINS_I1 = { .nr_initrds = 1 };
static const struct pvh_pins PINS_KI1 = { .have_kernel = 1, .nr_initrds = 1 };
static const struct pvh_pins PINS_KCI1 = { .have_kernel = 1, .nr_initrds = 1, .have_cmdline = 1 };
static const struct pvh_pins PINS_KCI2 = { .have_kernel = 1, .nr_initrds = 2, .have_cmdline = 1 };

/* Where the kernel (with its initrd) and the command line come from. */
enum source {
        FILES,                  /* kernel, initrds and command line from files/arguments */
        IMAGE,                  /* a one-file image with .linux and .cmdline */
        IMAGE_NO_CMDLINE,       /* a one-file image without .cmdline: the arguments' line */
        CMDLINE_FROM_IMAGE,     /* kernel from files, command line from the image */
};

#define OK  BOOT_POLICY_OK
#define KNV BOOT_POLICY_KERNEL_NOT_VERIFIED
#define INP BOOT_POLICY_INITRDS_NOT_PINNED
#define CNV BOOT_POLICY_CMDLINE_NOT_VERIFIED

struct policy_row {
        const char *pins_name;
        const struct pvh_pins *pins;
        bool secure_boot;
        enum source source;
        /* The verdict with 0, 1 and 2 initrds given. */
        enum boot_policy_verdict want[3];
};

#define ROW(sb, pins, source, w0, w1, w2) { #pins, &pins, sb, source, { w0, w1, w2 } }

/*
 * Every combination of Secure Boot, pin set and source, with 0, 1 and 2
 * initrds. The rows marked "defect" are the ones that were OK before pins
 * meant the same set with Secure Boot off.
 */
static const struct policy_row rows[] = {
        /* Secure Boot on, everything from files: each part needs a pin,
         * and the initrds exactly as many pins as files. */
        ROW(true, PINS_NONE, FILES, KNV, KNV, KNV),
        ROW(true, PINS_K, FILES, CNV, INP, INP),
        ROW(true, PINS_C, FILES, KNV, KNV, KNV),
        ROW(true, PINS_KC, FILES, OK, INP, INP),
        ROW(true, PINS_I1, FILES, KNV, KNV, KNV),
        ROW(true, PINS_KI1, FILES, INP, CNV, INP),
        ROW(true, PINS_KCI1, FILES, INP, OK, INP),
        ROW(true, PINS_KCI2, FILES, INP, INP, OK),
        /* Secure Boot on, one-file image: the signature covers all. */
        ROW(true, PINS_NONE, IMAGE, OK, OK, OK),
        ROW(true, PINS_K, IMAGE, OK, OK, OK),
        ROW(true, PINS_C, IMAGE, OK, OK, OK),
        ROW(true, PINS_KC, IMAGE, OK, OK, OK),
        ROW(true, PINS_I1, IMAGE, OK, OK, OK),
        ROW(true, PINS_KI1, IMAGE, OK, OK, OK),
        ROW(true, PINS_KCI1, IMAGE, OK, OK, OK),
        ROW(true, PINS_KCI2, IMAGE, OK, OK, OK),
        /* Secure Boot on, image without .cmdline: the line needs a pin. */
        ROW(true, PINS_NONE, IMAGE_NO_CMDLINE, CNV, CNV, CNV),
        ROW(true, PINS_K, IMAGE_NO_CMDLINE, CNV, CNV, CNV),
        ROW(true, PINS_C, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(true, PINS_KC, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(true, PINS_I1, IMAGE_NO_CMDLINE, CNV, CNV, CNV),
        ROW(true, PINS_KI1, IMAGE_NO_CMDLINE, CNV, CNV, CNV),
        ROW(true, PINS_KCI1, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(true, PINS_KCI2, IMAGE_NO_CMDLINE, OK, OK, OK),
        /* Secure Boot on, kernel from files, line from the image. */
        ROW(true, PINS_NONE, CMDLINE_FROM_IMAGE, KNV, KNV, KNV),
        ROW(true, PINS_K, CMDLINE_FROM_IMAGE, OK, INP, INP),
        ROW(true, PINS_C, CMDLINE_FROM_IMAGE, KNV, KNV, KNV),
        ROW(true, PINS_KC, CMDLINE_FROM_IMAGE, OK, INP, INP),
        ROW(true, PINS_I1, CMDLINE_FROM_IMAGE, KNV, KNV, KNV),
        ROW(true, PINS_KI1, CMDLINE_FROM_IMAGE, INP, OK, INP),
        ROW(true, PINS_KCI1, CMDLINE_FROM_IMAGE, INP, OK, INP),
        ROW(true, PINS_KCI2, CMDLINE_FROM_IMAGE, INP, INP, OK),

        /* Secure Boot off, everything from files: without pins anything
         * goes; with any pin the initrds are exactly the pinned ones. */
        ROW(false, PINS_NONE, FILES, OK, OK, OK),
        ROW(false, PINS_K, FILES, OK, INP, INP),          /* defect */
        ROW(false, PINS_C, FILES, OK, INP, INP),          /* defect */
        ROW(false, PINS_KC, FILES, OK, INP, INP),         /* defect */
        ROW(false, PINS_I1, FILES, INP, OK, INP),
        ROW(false, PINS_KI1, FILES, INP, OK, INP),
        ROW(false, PINS_KCI1, FILES, INP, OK, INP),
        ROW(false, PINS_KCI2, FILES, INP, INP, OK),
        /* Secure Boot off, one-file image: its own initrd, any pins. */
        ROW(false, PINS_NONE, IMAGE, OK, OK, OK),
        ROW(false, PINS_K, IMAGE, OK, OK, OK),
        ROW(false, PINS_C, IMAGE, OK, OK, OK),
        ROW(false, PINS_KC, IMAGE, OK, OK, OK),
        ROW(false, PINS_I1, IMAGE, OK, OK, OK),
        ROW(false, PINS_KI1, IMAGE, OK, OK, OK),
        ROW(false, PINS_KCI1, IMAGE, OK, OK, OK),
        ROW(false, PINS_KCI2, IMAGE, OK, OK, OK),
        ROW(false, PINS_NONE, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(false, PINS_K, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(false, PINS_C, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(false, PINS_KC, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(false, PINS_I1, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(false, PINS_KI1, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(false, PINS_KCI1, IMAGE_NO_CMDLINE, OK, OK, OK),
        ROW(false, PINS_KCI2, IMAGE_NO_CMDLINE, OK, OK, OK),
        /* Secure Boot off, kernel from files, line from the image. */
        ROW(false, PINS_NONE, CMDLINE_FROM_IMAGE, OK, OK, OK),
        ROW(false, PINS_K, CMDLINE_FROM_IMAGE, OK, INP, INP),     /* defect */
        ROW(false, PINS_C, CMDLINE_FROM_IMAGE, OK, INP, INP),     /* defect */
        ROW(false, PINS_KC, CMDLINE_FROM_IMAGE, OK, INP, INP),    /* defect */
        ROW(false, PINS_I1, CMDLINE_FROM_IMAGE, INP, OK, INP),
        ROW(false, PINS_KI1, CMDLINE_FROM_IMAGE, INP, OK, INP),
        ROW(false, PINS_KCI1, CMDLINE_FROM_IMAGE, INP, OK, INP),
        ROW(false, PINS_KCI2, CMDLINE_FROM_IMAGE, INP, INP, OK),
};

static const char *const source_names[] = {
        [FILES] = "files", [IMAGE] = "image", [IMAGE_NO_CMDLINE] = "image without .cmdline",
        [CMDLINE_FROM_IMAGE] = "kernel from files, .cmdline from image",
};

static enum boot_policy_verdict check(bool secure_boot, const struct pvh_pins *pins, enum source source,
                                      unsigned nr_initrds) {
        struct boot_policy_input in = {
                .secure_boot = secure_boot,
                .pins = pins,
                .kernel_from_image = source == IMAGE || source == IMAGE_NO_CMDLINE,
                .cmdline_from_image = source == IMAGE || source == CMDLINE_FROM_IMAGE,
                .nr_initrds = nr_initrds,
        };
        return boot_policy_check(&in);
}

static void test_every_combination(void) {
        static char name[160];
        const char *test = tl_current;
        unsigned covered[2][4] = { { 0 } };

        for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
                const struct policy_row *row = &rows[r];
                covered[row->secure_boot][row->source]++;
                for (unsigned n = 0; n < 3; n++) {
                        /* Failures name the row. */
                        snprintf(name, sizeof(name), "%s: SB %s, %s, %s, %u initrd(s)", test,
                                 row->secure_boot ? "on" : "off", row->pins_name, source_names[row->source], n);
                        tl_current = name;
                        CHECK_EQ(check(row->secure_boot, row->pins, row->source, n), row->want[n]);
                }
        }
        tl_current = test;
        /* The table really is every combination: 8 pin sets for each. */
        for (int sb = 0; sb < 2; sb++)
                for (int s = 0; s < 4; s++)
                        CHECK_EQ(covered[sb][s], 8);
}

/* The defect, on its own: a pvhboot pinned to a kernel and a command line
 * (no initrd pins), Secure Boot off, given extra initrd files. Before, it
 * booted them unverified; the pins say "no initrd". */
static void test_sb_off_kernel_cmdline_pins_refuse_unpinned_initrds(void) {
        CHECK_EQ(check(false, &PINS_KC, FILES, 0), BOOT_POLICY_OK);
        CHECK_EQ(check(false, &PINS_KC, FILES, 1), BOOT_POLICY_INITRDS_NOT_PINNED);
        CHECK_EQ(check(false, &PINS_KC, FILES, BOOT_MAX_INITRDS), BOOT_POLICY_INITRDS_NOT_PINNED);
        /* Secure Boot on refuses the same for the same reason. */
        CHECK_EQ(check(true, &PINS_KC, FILES, 1), BOOT_POLICY_INITRDS_NOT_PINNED);
}

static void test_sb_on_order_of_verdicts(void) {
        /* Kernel first: nothing pinned at all names the kernel. */
        CHECK_EQ(check(true, &PINS_NONE, FILES, 2), BOOT_POLICY_KERNEL_NOT_VERIFIED);
        /* Then the initrds, before the command line. */
        CHECK_EQ(check(true, &PINS_K, FILES, 1), BOOT_POLICY_INITRDS_NOT_PINNED);
        CHECK_EQ(check(true, &PINS_KI1, FILES, 1), BOOT_POLICY_CMDLINE_NOT_VERIFIED);
}

/*
 * The same rules as properties over every pinned set and every initrd count
 * pvhboot accepts: the initrd set a pinned pvhboot boots does not depend on
 * Secure Boot, and Secure Boot off is never stricter than on.
 */
static void test_pins_mean_the_same_set_with_secure_boot_off(void) {
        static const struct pvh_pins *const pinned[] = { &PINS_K, &PINS_C, &PINS_KC, &PINS_I1,
                                                         &PINS_KI1, &PINS_KCI1, &PINS_KCI2 };
        unsigned mismatches = 0, stricter = 0, unpinned_refused = 0;

        for (size_t p = 0; p < sizeof(pinned) / sizeof(pinned[0]); p++)
                for (int s = FILES; s <= CMDLINE_FROM_IMAGE; s++)
                        for (unsigned n = 0; n <= BOOT_MAX_INITRDS; n++) {
                                bool files = s == FILES || s == CMDLINE_FROM_IMAGE;
                                enum boot_policy_verdict off = check(false, pinned[p], s, n);
                                enum boot_policy_verdict on = check(true, pinned[p], s, n);
                                bool count_refused = files && n != pinned[p]->nr_initrds;
                                if ((off == BOOT_POLICY_INITRDS_NOT_PINNED) != count_refused ||
                                    (off != BOOT_POLICY_OK && off != BOOT_POLICY_INITRDS_NOT_PINNED))
                                        mismatches++;
                                if (on == BOOT_POLICY_OK && off != BOOT_POLICY_OK)
                                        stricter++;
                        }
        for (int s = FILES; s <= CMDLINE_FROM_IMAGE; s++)
                for (unsigned n = 0; n <= BOOT_MAX_INITRDS; n++)
                        if (check(false, &PINS_NONE, s, n) != BOOT_POLICY_OK)
                                unpinned_refused++;
        CHECK_EQ(mismatches, 0);
        CHECK_EQ(stricter, 0);
        CHECK_EQ(unpinned_refused, 0);
}

int main(void) {
        RUN(test_every_combination);
        RUN(test_sb_off_kernel_cmdline_pins_refuse_unpinned_initrds);
        RUN(test_sb_on_order_of_verdicts);
        RUN(test_pins_mean_the_same_set_with_secure_boot_off);
        return tl_summary("boot_policy");
}
