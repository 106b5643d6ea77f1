/* SPDX-License-Identifier: MIT */
/*
 * Version order and boot-counting file names. The version vectors are the
 * orderings systemd's own tests give strverscmp_improved(), which
 * systemd-boot sorts its entries by.
 */
#include <string.h>

#include "boot_entries.h"
#include "testlib.h"

static int sign(int v) {
        return (v > 0) - (v < 0);
}

#define CHECK_ORDER(a, b, want) CHECK_EQ((uint64_t)(int64_t)sign(version_compare((a), (b))), (uint64_t)(int64_t)(want))

/* Every later one is newer than every earlier one. */
static void test_ascending_list(void) {
        static const char *const versions[] = {
                "~1", "", "ab", "abb", "abc", "0001", "002", "12", "122", "122.9", "123~rc1", "123", "123-a",
                "123-a.1", "123-a1", "123-a1.1", "123-3", "123-3.1", "123^patch1", "123^1", "123.a-1",
                "123.1-1", "123a-1", "124",
        };
        size_t n = sizeof(versions) / sizeof(versions[0]);

        for (size_t i = 0; i < n; i++) {
                CHECK_ORDER(versions[i], versions[i], 0);
                for (size_t j = i + 1; j < n; j++) {
                        CHECK_ORDER(versions[i], versions[j], -1);
                        CHECK_ORDER(versions[j], versions[i], 1);
                }
        }
}

static void test_pairs(void) {
        static const struct {
                const char *older, *newer;
        } pairs[] = {
                { "123.45-67.88", "123.45-67.89" }, { "123.45-67.89", "123.45-67.89a" },
                { "123.45-67.ab", "123.45-67.89" }, { "123.45-67.9", "123.45-67.89" },
                { "123.45-67", "123.45-67.89" },    { "123.45-66.89", "123.45-67.89" },
                { "123.45-9.99", "123.45-67.89" },  { "123.42-99.99", "123.45-67.89" },
                { "123-99.99", "123.45-67.89" },    { "123~rc1-99.99", "123.45-67.89" },
                { "123~rc1-99.99", "123-45.67.89" }, { "123~rc1-99.99", "123~rc2-67.89" },
                { "123~rc1-99.99", "123^aa2-67.89" }, { "123~rc1-99.99", "123aa2-67.89" },
                { "123-99.99", "123^aa2-67.89" },   { "123-99.99", "123aa2-67.89" },
                { "123^45-67.89", "123.45-67.89" }, { "123^aa1-99.99", "123^aa2-67.89" },
                { "123^aa2-67.89", "123aa2-67.89" }, { "123.aa2-67.89", "123aa2-67.89" },
                { "123.aa2-67.89", "123.ab2-67.89" },
                /* Debian kernels as pvhboot will see them. */
                { "6.1.0-27-cloud-amd64", "6.1.0-28-cloud-amd64" },
                { "6.1.0-28-cloud-amd64", "6.12.12+bpo-cloud-amd64" },
                { "6.9.0-1-cloud-amd64", "6.10.0-1-cloud-amd64" },
        };

        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
                CHECK_ORDER(pairs[i].older, pairs[i].newer, -1);
                CHECK_ORDER(pairs[i].newer, pairs[i].older, 1);
        }
}

static void test_corner_cases(void) {
        CHECK_ORDER("123_aa2-67.89", "123aa+2-67.89", 0);       /* other characters are separators */
        CHECK_ORDER("123.", "123", 1);
        CHECK_ORDER("12_3", "123", -1);
        CHECK_ORDER("12_3", "12", 1);
        CHECK_ORDER("12_3", "12.3", 1);
        CHECK_ORDER("123.0", "123", 1);
        CHECK_ORDER("123_0", "123", 1);
        CHECK_ORDER("123..0", "123.0", -1);
        CHECK_ORDER("0_", "0", 0);
        CHECK_ORDER("_0_", "0", 0);
        CHECK_ORDER("", "_", 0);
        CHECK_ORDER("", "~", 1);
        CHECK_ORDER("~", "~", 0);
        CHECK_ORDER("10.0001", "10.1", 0);
        CHECK_ORDER("10xyz", "10.1xyz", 1);
        CHECK_ORDER("xyz.4", "8", -1);
        CHECK_ORDER("2.0", "2_0", -1);
        CHECK_ORDER("1.0^", "1.0", 1);
        CHECK_ORDER("1.0^git1", "1.01", -1);
        CHECK_ORDER("1.0^20160101", "1.0.1", -1);
        CHECK_ORDER("1.0^git1~pre", "1.0^git1", -1);
        CHECK_ORDER("1b.fc17", "1.fc17", 1);
        CHECK_ORDER("A", "a", -1);
        CHECK_ORDER("99999999999999999999", "99999999999999999998", 1);  /* no overflow */
}

static void check_name(const char *name, bool ok, bool counted, unsigned left, unsigned done, size_t base_len) {
        struct entry_counter c = { .left = 77 };
        bool got = entry_name_parse(name, strlen(name), &c);

        CHECK_EQ(got, ok);
        if (!ok || !got)
                return;
        CHECK_EQ(c.counted, counted);
        CHECK_EQ(c.base_len, base_len);
        if (counted) {
                CHECK_EQ(c.left, left);
                CHECK_EQ(c.done, done);
        }
}

static void test_entry_names(void) {
        check_name("pvhboot-6.1.0-28.conf", true, false, 0, 0, 16);
        check_name("pvhboot-6.1.0-28+3.conf", true, true, 3, 0, 16);
        check_name("pvhboot-6.1.0-28+2-1.conf", true, true, 2, 1, 16);
        check_name("pvhboot-6.1.0-28+0-3.conf", true, true, 0, 3, 16);
        check_name("a+1+2.conf", true, true, 2, 0, 3);          /* the last '+' starts the counter */
        check_name("debian.CONF", true, false, 0, 0, 6);
        check_name("x+.conf", true, false, 0, 0, 2);            /* no digits: part of the name */
        check_name("x+3-.conf", true, false, 0, 0, 4);
        check_name("x+a-1.conf", true, false, 0, 0, 5);
        check_name("x+3-1-2.conf", true, false, 0, 0, 7);
        check_name("x+1234567890.conf", true, false, 0, 0, 12); /* too many digits: not a counter */
        check_name("x+999999999.conf", true, true, 999999999, 0, 1);
        check_name(".conf", false, false, 0, 0, 0);
        check_name("entry.cfg", false, false, 0, 0, 0);
        check_name("conf", false, false, 0, 0, 0);
        check_name("", false, false, 0, 0, 0);
}

static struct entry_key key(const char *id, const char *sort_key, const char *version, bool counted,
                            unsigned left, unsigned done) {
        return (struct entry_key){ id, sort_key, version, { counted, left, done, strlen(id) } };
}

#define CHECK_FIRST(a, b)                                 \
        do {                                              \
                struct entry_key ka = (a), kb = (b);      \
                CHECK(entry_compare(&ka, &kb) < 0);       \
                CHECK(entry_compare(&kb, &ka) > 0);       \
        } while (0)

static void test_entry_order(void) {
        struct entry_key same = key("pvhboot-6.1.0-28", "", "6.1.0-28", false, 0, 0);

        CHECK_EQ(entry_compare(&same, &same), 0);
        /* Newest kernel first, by version, then by file name. */
        CHECK_FIRST(key("pvhboot-6.1.0-28", "", "6.1.0-28-cloud-amd64", false, 0, 0),
                    key("pvhboot-6.1.0-27", "", "6.1.0-27-cloud-amd64", false, 0, 0));
        CHECK_FIRST(key("pvhboot-6.12.12", "", "", false, 0, 0), key("pvhboot-6.9.1", "", "", false, 0, 0));
        /* The version outranks the file name. */
        CHECK_FIRST(key("a", "", "2", false, 0, 0), key("b", "", "1", false, 0, 0));
        /* An entry out of tries goes last, whatever its version. */
        CHECK_FIRST(key("old", "", "1", false, 0, 0), key("new", "", "2", true, 0, 3));
        CHECK_FIRST(key("old", "", "1", true, 1, 2), key("new", "", "2", true, 0, 3));
        /* Sort keys first, in order; then the rest. */
        CHECK_FIRST(key("x", "debian", "1", false, 0, 0), key("y", "", "9", false, 0, 0));
        CHECK_FIRST(key("x", "arch", "1", false, 0, 0), key("y", "debian", "9", false, 0, 0));
        CHECK_FIRST(key("x", "debian", "9", false, 0, 0), key("y", "debian", "1", false, 0, 0));
        /* The same name and version: more tries left, then fewer done. */
        CHECK_FIRST(key("k", "", "1", true, 3, 0), key("k", "", "1", true, 2, 1));
        CHECK_FIRST(key("k", "", "1", true, 2, 0), key("k", "", "1", true, 2, 1));
}

static void test_name_format(void) {
        char out[32];
        struct entry_counter c;

        CHECK(entry_name_format(out, sizeof(out), "pvhboot-6.1+x", 13, 2, 1));
        CHECK_STR(out, "pvhboot-6.1+x+2-1.conf");
        /* What it writes parses back to the same counter and id. */
        CHECK(entry_name_parse(out, strlen(out), &c));
        CHECK(c.counted);
        CHECK_EQ(c.left, 2);
        CHECK_EQ(c.done, 1);
        CHECK_EQ(c.base_len, 13);
        CHECK(entry_name_format(out, sizeof(out), "a", 1, 4000000000u, 0));
        CHECK_STR(out, "a+4000000000-0.conf");
        /* Exactly fits: "ab+0-0.conf" is 11 bytes and its NUL. */
        CHECK(entry_name_format(out, 12, "ab", 2, 0, 0));
        CHECK_STR(out, "ab+0-0.conf");
        for (size_t cap = 0; cap < 12; cap++)
                CHECK(!entry_name_format(out, cap, "ab", 2, 0, 0));
        CHECK(!entry_name_format(out, 12, "ab", 2, 10, 0));
}

static void test_pattern(void) {
        static const struct {
                const char *pattern, *id;
                bool match;
        } cases[] = {
                { "pvhboot-6.1*", "pvhboot-6.1.0-28-cloud-amd64", true },
                { "pvhboot-6.1*", "pvhboot-6.12.1", true },
                { "pvhboot-6.1.*", "pvhboot-6.12.1", false },
                { "*cloud*", "pvhboot-6.1.0-28-cloud-amd64", true },
                { "*cloud", "pvhboot-6.1.0-28-cloud-amd64", false },
                { "*", "", true },
                { "", "", true },
                { "", "a", false },
                { "a", "", false },
                { "a?c", "abc", true },
                { "a?c", "ac", false },
                { "*a*b*c", "xaxxbxxcc", true },
                { "*a*b*c", "xaxxbxxcd", false },
                { "v[0-9]", "v7", true },
                { "v[0-9]", "vx", false },
                { "v[!0-9]", "vx", true },
                { "v[!0-9]", "v7", false },
                { "v[]x]", "v]", true },
                { "v[ab", "va", false },        /* unterminated set */
                { "a\\*", "a*", true },
                { "a\\*", "ab", false },
                { "pvhboot", "pvhboot", true },
                { "pvhboot", "pvhboot-6.1", false },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                tl_current = cases[i].pattern;
                CHECK_EQ(entry_pattern_match(cases[i].pattern, cases[i].id), cases[i].match);
        }
}

static void test_default(void) {
        struct entry_key keys[] = {
                key("pvhboot-6.12", "", "6.12", true, 0, 3),    /* (as sorted: out of tries is last,
                                                                   but entry_default must not rely on it) */
                key("pvhboot-6.10", "", "6.10", true, 1, 2),
                key("pvhboot-6.1", "", "6.1", false, 0, 0),
                key("pvhboot", "", "", false, 0, 0),
        };
        bool bad;

        CHECK_EQ(entry_default(keys, 4, NULL, &bad), 1);
        CHECK(!bad);
        CHECK_EQ(entry_default(keys, 4, "", &bad), 1);
        CHECK_EQ(entry_default(keys, 4, "pvhboot-6.1", &bad), 2);
        CHECK_EQ(entry_default(keys, 4, "pvhboot", &bad), 3);
        CHECK_EQ(entry_default(keys, 4, "pvhboot-6.1*", &bad), 1);
        /* A pattern that names only an entry out of tries: the first good. */
        CHECK_EQ(entry_default(keys, 4, "pvhboot-6.12", &bad), 1);
        CHECK_EQ(entry_default(keys, 4, "nothing", &bad), 1);
        /* Everything out of tries: the first, and the caller is told. */
        CHECK_EQ(entry_default(keys, 1, NULL, &bad), 0);
        CHECK(bad);
        CHECK_EQ(entry_default(keys, 0, NULL, &bad), 0);
        CHECK(!bad);
}

int main(void) {
        RUN(test_name_format);
        RUN(test_pattern);
        RUN(test_default);
        RUN(test_ascending_list);
        RUN(test_pairs);
        RUN(test_corner_cases);
        RUN(test_entry_names);
        RUN(test_entry_order);
        return tl_summary("boot_entries");
}
