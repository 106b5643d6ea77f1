/* SPDX-License-Identifier: MIT */
/*
 * The inverse of cmdline_to_utf16() (include/stub_measure.h), written
 * independently for tests/unit/test_stub_measure.c and
 * tests/fuzz/fuzz_stub_measure.c: UTF-16 back to bytes, a lone
 * U+DC80..U+DCFF as the byte it escapes. If decoding the output always
 * gives back the input, no two command lines measure alike.
 * Returns the number of bytes, or -1 (a NUL before the end, no final NUL,
 * an escape of a byte below 0x80, an unpaired high surrogate).
 */
#ifndef PVHBOOT_TEST_UTF16_ESCAPE_H
#define PVHBOOT_TEST_UTF16_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

static long utf16_unescape(const uint16_t *w, size_t units, unsigned char *out, size_t cap) {
        size_t n = 0;

        if (units == 0 || w[units - 1] != 0)
                return -1;
        for (size_t i = 0; i + 1 < units; i++) {
                uint32_t c = w[i];
                unsigned char b[4];
                size_t k;

                if (c == 0)
                        return -1;
                if (c >= 0xDC00 && c <= 0xDFFF) {
                        if (c < 0xDC80 || c > 0xDCFF)
                                return -1;
                        b[0] = (unsigned char)(c - 0xDC00), k = 1;
                } else if (c >= 0xD800 && c <= 0xDBFF) {
                        if (i + 2 >= units || w[i + 1] < 0xDC00 || w[i + 1] > 0xDFFF)
                                return -1;
                        c = 0x10000 + ((c - 0xD800) << 10) + (w[++i] - 0xDC00u);
                        b[0] = (unsigned char)(0xF0 | (c >> 18)), b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
                        b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F)), b[3] = (unsigned char)(0x80 | (c & 0x3F));
                        k = 4;
                } else if (c < 0x80) {
                        b[0] = (unsigned char)c, k = 1;
                } else if (c < 0x800) {
                        b[0] = (unsigned char)(0xC0 | (c >> 6)), b[1] = (unsigned char)(0x80 | (c & 0x3F)), k = 2;
                } else {
                        b[0] = (unsigned char)(0xE0 | (c >> 12)), b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
                        b[2] = (unsigned char)(0x80 | (c & 0x3F)), k = 3;
                }
                if (k > cap - n)
                        return -1;
                for (size_t j = 0; j < k; j++)
                        out[n++] = b[j];
        }
        return (long)n;
}

#endif
