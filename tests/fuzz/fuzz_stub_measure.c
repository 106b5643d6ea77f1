/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: cmdline_to_utf16() (include/stub_measure.h), the PCR 12
 * form of a command line. Promises checked: len + 1 units suffice and the
 * result never has more; one unit fewer than needed is refused without
 * writing past cap; decoding the result (tests/unit/utf16_escape.h) gives
 * the input back, so no two command lines are measured alike.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stub_measure.h"
#include "../unit/utf16_escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t units = 0, again = 0;
        uint16_t *out, *small;
        unsigned char *back;
        long n;

        if (memchr(data, 0, size))      /* a command line is a C string */
                return 0;
        out = malloc((size + 1) * sizeof(*out));
        back = malloc(size + 1);
        if (!out || !back)
                abort();
        if (cmdline_to_utf16((const char *)data, size, out, size + 1, &units) != 0 || units == 0 || units > size + 1)
                abort();
        n = utf16_unescape(out, units, back, size + 1);
        if (n != (long)size || memcmp(back, data, size) != 0)
                abort();
        small = malloc((units - 1) * sizeof(*small) + 1);       /* ASan sees a write past units - 1 */
        if (!small)
                abort();
        if (cmdline_to_utf16((const char *)data, size, small, units - 1, &again) != -1 || again != 0)
                abort();
        free(small);
        free(back);
        free(out);
        return 0;
}
