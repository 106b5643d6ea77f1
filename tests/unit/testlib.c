/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "testlib.h"

int tl_passed, tl_failed;
const char *tl_current = "?";

void tl_check(int ok, const char *file, int line, const char *expr) {
        if (ok) {
                tl_passed++;
                return;
        }
        tl_failed++;
        fprintf(stderr, "%s:%d: %s: CHECK failed: %s\n", file, line, tl_current, expr);
}

void tl_check_u64(uint64_t got, uint64_t want, const char *file, int line, const char *expr) {
        tl_check(got == want, file, line, expr);
        if (got != want)
                fprintf(stderr, "    got 0x%" PRIx64 " (%" PRIu64 "), want 0x%" PRIx64 " (%" PRIu64 ")\n",
                        got, got, want, want);
}

void tl_check_str(const char *got, const char *want, const char *file, int line, const char *expr) {
        int ok = strcmp(got, want) == 0;
        tl_check(ok, file, line, expr);
        if (!ok)
                fprintf(stderr, "    got \"%s\"\n    want \"%s\"\n", got, want);
}

int tl_summary(const char *suite) {
        printf("%s: %d passed, %d failed\n", suite, tl_passed, tl_failed);
        return tl_failed ? 1 : 0;
}

const char *tl_ascii(const uint16_t *s) {
        static char buf[4][512];
        static int k;
        char *b = buf[k++ % 4];
        size_t i = 0;
        for (; s[i] && i < 511; i++)
                b[i] = s[i] < 0x80 ? (char)s[i] : '?';
        b[i] = 0;
        return b;
}
