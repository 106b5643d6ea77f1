/* SPDX-License-Identifier: MIT */
#include "boot_entries.h"

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_letter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "Any characters which are outside of the set of listed above (a-z, A-Z,
 * 0-9, -, ., ~, ^) are skipped in both strings." */
static const char *skip_separators(const char *s) {
        while (*s && !is_digit(*s) && !is_letter(*s) && *s != '-' && *s != '.' && *s != '~' && *s != '^')
                s++;
        return s;
}

/*
 * The order systemd-boot sorts entries by (systemd's strverscmp_improved(),
 * which the UAPI Version Format Specification describes): '~' sorts before
 * anything, even the end of the string; then a string that has ended sorts
 * first; then '-', '^' and '.', in that order, sort before whatever the
 * other string has there; then numbers by value, letters by ASCII.
 */
int version_compare(const char *a, const char *b) {
        static const char separators[] = { '-', '^', '.' };

        for (;;) {
                bool skipped = false;

                a = skip_separators(a);
                b = skip_separators(b);
                if (*a == '~' || *b == '~') {
                        if (*a != '~')
                                return 1;
                        if (*b != '~')
                                return -1;
                        a++;
                        b++;
                        continue;
                }
                if (!*a || !*b)
                        return (*a != 0) - (*b != 0);
                for (unsigned i = 0; i < sizeof(separators) && !skipped; i++) {
                        char c = separators[i];
                        if (*a != c && *b != c)
                                continue;
                        if (*a != c)
                                return 1;
                        if (*b != c)
                                return -1;
                        a++;
                        b++;
                        skipped = true;
                }
                if (skipped)
                        continue;

                if (is_digit(*a) || is_digit(*b)) {
                        /* Numerically: leading zeroes skipped, then the
                         * longer run of digits is the bigger number. */
                        const char *ea, *eb;
                        while (*a == '0')
                                a++;
                        while (*b == '0')
                                b++;
                        for (ea = a; is_digit(*ea); ea++)
                                ;
                        for (eb = b; is_digit(*eb); eb++)
                                ;
                        if (ea - a != eb - b)
                                return ea - a < eb - b ? -1 : 1;
                        for (; a < ea; a++, b++)
                                if (*a != *b)
                                        return *a < *b ? -1 : 1;
                        continue;
                }
                /* Letter by letter, 'A' < 'a'; a longer run compares higher. */
                while (is_letter(*a) && is_letter(*b)) {
                        if (*a != *b)
                                return *a < *b ? -1 : 1;
                        a++;
                        b++;
                }
                if (is_letter(*a) != is_letter(*b))
                        return is_letter(*a) ? 1 : -1;
        }
}

static bool parse_number(const char *s, size_t len, unsigned *out) {
        unsigned v = 0;

        /* Nine digits cannot overflow 32 bits. */
        if (len == 0 || len > 9)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (!is_digit(s[i]))
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        *out = v;
        return true;
}

static bool ends_with_conf(const char *name, size_t len) {
        static const char conf[] = ".conf";

        if (len < sizeof(conf) - 1)
                return false;
        for (size_t i = 0; i < sizeof(conf) - 1; i++) {
                char c = name[len - (sizeof(conf) - 1) + i];
                if (c >= 'A' && c <= 'Z')
                        c = (char)(c - 'A' + 'a');
                if (c != conf[i])
                        return false;
        }
        return true;
}

bool entry_name_parse(const char *name, size_t len, struct entry_counter *out) {
        size_t base, plus, dash;

        if (!ends_with_conf(name, len) || len == 5)
                return false;
        base = len - 5;
        *out = (struct entry_counter){ .base_len = base };
        for (plus = base; plus > 0 && name[plus - 1] != '+'; plus--)
                ;
        if (plus == 0)
                return true;            /* no counter */
        for (dash = plus; dash < base && name[dash] != '-'; dash++)
                ;
        if (!parse_number(name + plus, dash - plus, &out->left))
                return true;            /* "+" not followed by a counter: part of the name */
        if (dash < base && !parse_number(name + dash + 1, base - dash - 1, &out->done))
                return true;
        out->counted = true;
        out->base_len = plus - 1;
        if (dash == base)
                out->done = 0;
        return true;
}

static bool out_of_tries(const struct entry_key *k) {
        return k->counter.counted && k->counter.left == 0;
}

static int compare_strings(const char *a, const char *b) {
        for (; *a && *a == *b; a++, b++)
                ;
        return (unsigned char)*a - (unsigned char)*b;
}

static int sign(int v) {
        return (v > 0) - (v < 0);
}

int entry_compare(const struct entry_key *a, const struct entry_key *b) {
        int r;

        /* "Entries with no tries left ... sorted to the end of the list." */
        if (out_of_tries(a) != out_of_tries(b))
                return out_of_tries(a) ? 1 : -1;
        if ((a->sort_key[0] != 0) != (b->sort_key[0] != 0))
                return a->sort_key[0] ? -1 : 1;
        if (a->sort_key[0] && (r = compare_strings(a->sort_key, b->sort_key)) != 0)
                return sign(r);
        if (a->version[0] && b->version[0] && (r = version_compare(a->version, b->version)) != 0)
                return -sign(r);
        if ((r = version_compare(a->id, b->id)) != 0)
                return -sign(r);
        if (a->counter.counted && b->counter.counted) {
                if (a->counter.left != b->counter.left)
                        return a->counter.left > b->counter.left ? -1 : 1;
                if (a->counter.done != b->counter.done)
                        return a->counter.done < b->counter.done ? -1 : 1;
        }
        return 0;
}
