/* SPDX-License-Identifier: MIT */
/* libFuzzer target: version order (reflexive, antisymmetric) and entry
 * file names, on arbitrary bytes. */
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
        free(a);
        return 0;
}
