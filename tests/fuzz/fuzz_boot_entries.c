/* SPDX-License-Identifier: MIT */
/* libFuzzer target: version order (reflexive, antisymmetric), entry file
 * names (what entry_name_format writes parses back), and default patterns
 * (a pattern matches itself once its special characters are escaped), on
 * arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot_entries.h"

static int sign(int v) {
        return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Two NUL-terminated strings: the input split at its first NUL. */
        char *a = calloc(size + 2, 1), *b;
        struct entry_counter c;

        memcpy(a, data, size);
        b = a + strlen(a) + 1;
        if (version_compare(a, a) != 0 || version_compare(b, b) != 0 ||
            sign(version_compare(a, b)) != -sign(version_compare(b, a)))
                __builtin_trap();
        if (entry_name_parse((const char *)data, size, &c) && (c.base_len + 5 > size || (!c.counted && c.base_len + 5 != size)))
                __builtin_trap();
        if (entry_name_parse((const char *)data, size, &c) && c.counted && c.left > 0 &&
            !memchr(data, 0, c.base_len)) {
                /* The next try's name: one try fewer left, one more done. */
                char next[300];
                struct entry_counter n;
                if (entry_name_format(next, sizeof(next), (const char *)data, c.base_len, c.left - 1, c.done + 1) &&
                    (!entry_name_parse(next, strlen(next), &n) || !n.counted || n.left != c.left - 1 ||
                     n.done != c.done + 1 || n.base_len != c.base_len))
                        __builtin_trap();
        }
        (void)entry_pattern_match(a, b);
        {
                /* b with every special character escaped matches b only. */
                size_t lb = strlen(b);
                char *esc = malloc(2 * lb + 1), *p = esc;
                for (size_t i = 0; i < lb; i++) {
                        if (strchr("*?[\\", b[i]))
                                *p++ = '\\';
                        *p++ = b[i];
                }
                *p = 0;
                if (!entry_pattern_match(esc, b) || !entry_pattern_match("*", b))
                        __builtin_trap();
                free(esc);
        }
        free(a);
        return 0;
}
