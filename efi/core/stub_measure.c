/* SPDX-License-Identifier: MIT */
#include "stub_measure.h"
#include "utf8.h"

/* systemd 252 src/fundamental/tpm-pcr.h, enum UnifiedSection, without
 * .pcrsig (stub.c skips it: "the signature of the PCR values, can't be
 * measured"). Later systemd versions add sections (.ucode, .uname, .sbat,
 * ...); 252 is Debian 12's, whose systemd-measure pvhboot is tested with. */
const char *const stub_pcr11_sections[] = {
        ".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrpkey", NULL,
};

int cmdline_to_utf16(const char *s, size_t len, uint16_t *out, size_t cap, size_t *units) {
        const unsigned char *u = (const unsigned char *)s;
        size_t n = 0;

        for (size_t i = 0; i < len;) {
                uint32_t cp;
                size_t k = utf8_decode(u + i, len - i, &cp);

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
