/* SPDX-License-Identifier: MIT */
#include "utf8.h"

size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp) {
        unsigned char c = s[0];
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
        if (need > len - 1)
                return 0;
        for (size_t k = 1; k <= need; k++) {
                if ((s[k] & 0xC0) != 0x80)
                        return 0;
                v = (v << 6) | (s[k] & 0x3F);
        }
        if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                return 0;
        *cp = v;
        return need + 1;
}
