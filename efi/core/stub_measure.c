/* SPDX-License-Identifier: MIT */
#include "stub_measure.h"

/* systemd 252 src/fundamental/tpm-pcr.h, enum UnifiedSection, without
 * .pcrsig (stub.c skips it: "the signature of the PCR values, can't be
 * measured"). Later systemd versions add sections (.ucode, .uname, .sbat,
 * ...); 252 is Debian 12's, whose systemd-measure pvhboot is tested with. */
const char *const stub_pcr11_sections[] = {
        ".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrpkey", NULL,
};

/* The length of the valid UTF-8 sequence at s[i] and its value, or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t len, size_t i, uint32_t *cp) {
        unsigned char c = s[i];
        size_t need;
        uint32_t v, min;

        if (c < 0x80) {
                *cp = c;
                return 1;
        }
        if ((c & 0xE0) == 0xC0)
                need = 1, v = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
                need = 2, v = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0)
                need = 3, v = c & 0x07, min = 0x10000;
        else
                return 0;
        if (need > len - i - 1)
                return 0;
        for (size_t k = 1; k <= need; k++) {
                if ((s[i + k] & 0xC0) != 0x80)
                        return 0;
                v = (v << 6) | (s[i + k] & 0x3F);
        }
        if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                return 0;
        *cp = v;
        return need + 1;
}

int cmdline_to_utf16(const char *s, size_t len, uint16_t *out, size_t cap, size_t *units) {
        const unsigned char *u = (const unsigned char *)s;
        size_t n = 0;

        for (size_t i = 0; i < len;) {
                uint32_t cp;
                size_t k = utf8_sequence(u, len, i, &cp);

                if (k == 0) {
                        cp = 0xDC00u + u[i];    /* surrogateescape: one unit per bad byte */
                        k = 1;
                }
                if (cp >= 0x10000) {
                        if (cap - n < 2)
                                return -1;
                        cp -= 0x10000;
                        out[n++] = (uint16_t)(0xD800u + (cp >> 10));
                        out[n++] = (uint16_t)(0xDC00u + (cp & 0x3FF));
                } else {
                        if (cap - n < 1)
                                return -1;
                        out[n++] = (uint16_t)cp;
                }
                i += k;
        }
        if (cap - n < 1)
                return -1;
        out[n++] = 0;
        *units = n;
        return 0;
}
