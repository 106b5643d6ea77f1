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

bool entry_out_of_tries(const struct entry_counter *c) {
        return c->counted && c->left == 0;
}

static bool out_of_tries(const struct entry_key *k) {
        return entry_out_of_tries(&k->counter);
}

/* Decimal digits of v at out[*n], if they fit in cap (keeping a byte). */
static bool put_number(char *out, size_t cap, size_t *n, unsigned v) {
        char digits[10];
        size_t d = 0;

        do {
                digits[d++] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        if (d >= cap - *n)
                return false;
        while (d)
                out[(*n)++] = digits[--d];
        return true;
}

bool entry_name_format(char *out, size_t cap, const char *id, size_t id_len, unsigned left, unsigned done) {
        static const char conf[] = ".conf";
        size_t n = 0;

        if (cap == 0 || id_len >= cap)
                return false;
        for (; n < id_len; n++)
                out[n] = id[n];
        if (cap - n < 2)
                return false;
        out[n++] = '+';
        if (!put_number(out, cap, &n, left) || cap - n < 2)
                return false;
        out[n++] = '-';
        if (!put_number(out, cap, &n, done) || cap - n < sizeof(conf))
                return false;
        for (size_t i = 0; i < sizeof(conf); i++)
                out[n++] = conf[i];
        return true;
}

/* One "[...]" set at p (after the '['): whether c is in it; *end is the
 * character after the ']'. An unterminated set matches nothing. */
static bool set_match(const char *p, char c, const char **end) {
        bool negate = false, found = false;

        if (*p == '!' || *p == '^') {
                negate = true;
                p++;
        }
        /* A ']' right after '[' or '[!' is a member. */
        for (bool first = true; *p && (first || *p != ']'); first = false) {
                char lo = *p++, hi = lo;
                if (lo == '\\' && *p)
                        lo = hi = *p++;
                if (*p == '-' && p[1] && p[1] != ']') {
                        hi = p[1];
                        p += 2;
                        if (hi == '\\' && *p)
                                hi = *p++;
                }
                if (c >= lo && c <= hi)
                        found = true;
        }
        if (!*p)
                return false;
        *end = p + 1;
        return found != negate;
}

bool entry_pattern_match(const char *p, const char *s) {
        /* Iterative, with one backtrack point for the last '*': linear
         * enough for a few dozen entries, and no recursion to overflow. */
        const char *star_p = NULL, *star_s = NULL;

        for (;;) {
                const char *next = NULL;
                bool ok = false;

                if (*p == '*') {
                        while (*p == '*')
                                p++;
                        star_p = p;
                        star_s = s;
                        continue;
                }
                if (!*p && !*s)
                        return true;
                if (*s) {
                        if (*p == '?') {
                                ok = true;
                                next = p + 1;
                        } else if (*p == '[') {
                                ok = set_match(p + 1, *s, &next);
                        } else if (*p == '\\' && p[1]) {
                                ok = p[1] == *s;
                                next = p + 2;
                        } else if (*p) {
                                ok = *p == *s;
                                next = p + 1;
                        }
                }
                if (ok) {
                        p = next;
                        s++;
                        continue;
                }
                if (!star_p || !*star_s)
                        return false;
                p = star_p;
                s = ++star_s;
        }
}

unsigned entry_default(const struct entry_key *keys, unsigned n, const char *pattern, bool *all_out_of_tries) {
        unsigned first_good = n;

        *all_out_of_tries = false;
        for (unsigned i = 0; i < n; i++) {
                if (out_of_tries(&keys[i]))
                        continue;
                if (first_good == n)
                        first_good = i;
                if (pattern && pattern[0] && entry_pattern_match(pattern, keys[i].id))
                        return i;
        }
        if (first_good < n)
                return first_good;
        *all_out_of_tries = n > 0;
        return 0;
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
