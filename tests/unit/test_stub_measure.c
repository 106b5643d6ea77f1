/* SPDX-License-Identifier: MIT */
/* The systemd-stub conventions pvhboot measures by (include/stub_measure.h):
 * PCR 11's section order and PCR 12's UTF-16 command line. */
#include <stdlib.h>
#include <string.h>

#include "stub_measure.h"
#include "testlib.h"
#include "utf16_escape.h"

/* Convert s and compare with the expected units (want, NUL included). */
static int converts_to(const char *s, size_t len, const uint16_t *want, size_t want_units) {
        uint16_t out[64];
        size_t units = 12345;

        if (cmdline_to_utf16(s, len, out, 64, &units) != 0 || units != want_units)
                return 0;
        return memcmp(out, want, units * 2) == 0;
}

#define CONVERTS(str, ...)                                                                              \
        do {                                                                                            \
                static const uint16_t want_[] = { __VA_ARGS__ };                                        \
                CHECK(converts_to(str, sizeof(str) - 1, want_, sizeof(want_) / sizeof(want_[0])));      \
        } while (0)

static void test_pcr11_order(void) {
        static const char *const want[] = { ".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb",
                                            ".pcrpkey" };
        size_t n = 0;
        while (stub_pcr11_sections[n])
                n++;
        CHECK_EQ(n, 7);
        for (size_t i = 0; i < 7 && i < n; i++)
                CHECK_STR(stub_pcr11_sections[i], want[i]);
}

static void test_valid_utf8(void) {
        CONVERTS("", 0);
        CONVERTS("console=ttyS0 a=\"b c\"", 'c', 'o', 'n', 's', 'o', 'l', 'e', '=', 't', 't', 'y', 'S', '0', ' ', 'a',
                 '=', '"', 'b', ' ', 'c', '"', 0);
        CONVERTS("\xC3\xA9", 0x00E9, 0);                        /* é */
        CONVERTS("\xC2\x80", 0x0080, 0);                        /* the lowest 2-byte value */
        CONVERTS("\xE2\x82\xAC", 0x20AC, 0);                    /* € */
        CONVERTS("\xEF\xBF\xBF", 0xFFFF, 0);
        CONVERTS("\xED\x9F\xBF", 0xD7FF, 0);                    /* just below the surrogates */
        CONVERTS("\xEE\x80\x80", 0xE000, 0);                    /* just above */
        CONVERTS("\xF0\x9F\x98\x80", 0xD83D, 0xDE00, 0);        /* U+1F600 */
        CONVERTS("\xF0\x90\x80\x80", 0xD800, 0xDC00, 0);        /* U+10000 */
        CONVERTS("\xF4\x8F\xBF\xBF", 0xDBFF, 0xDFFF, 0);        /* U+10FFFF */
        CONVERTS("\t\r\n", '\t', '\r', '\n', 0);               /* control characters as they are */
}

static void test_invalid_bytes_escaped(void) {
        CONVERTS("\xFF", 0xDCFF, 0);
        CONVERTS("\x80", 0xDC80, 0);                            /* a lone continuation byte */
        CONVERTS("a\xC3", 'a', 0xDCC3, 0);                      /* truncated at the end */
        CONVERTS("\xC3(", 0xDCC3, '(', 0);                      /* not followed by a continuation */
        CONVERTS("\xC0\x80", 0xDCC0, 0xDC80, 0);                /* overlong NUL */
        CONVERTS("\xE0\x80\xAF", 0xDCE0, 0xDC80, 0xDCAF, 0);    /* overlong '/' */
        CONVERTS("\xED\xA0\x80", 0xDCED, 0xDCA0, 0xDC80, 0);    /* an encoded surrogate */
        CONVERTS("\xF4\x90\x80\x80", 0xDCF4, 0xDC90, 0xDC80, 0xDC80, 0);   /* past U+10FFFF */
        CONVERTS("\xF8\x88\x80\x80\x80", 0xDCF8, 0xDC88, 0xDC80, 0xDC80, 0xDC80, 0);
        CONVERTS("\xE2\x82", 0xDCE2, 0xDC82, 0);                /* truncated 3-byte */
}

static void test_capacity(void) {
        uint16_t out[8];
        size_t units = 99;

        CHECK_EQ(cmdline_to_utf16("abc", 3, out, 4, &units), 0);
        CHECK_EQ(units, 4);
        units = 99;
        CHECK_EQ(cmdline_to_utf16("abc", 3, out, 3, &units), -1);  /* no room for the NUL */
        CHECK_EQ(units, 99);
        CHECK_EQ(cmdline_to_utf16("", 0, out, 0, &units), -1);
        CHECK_EQ(cmdline_to_utf16("\xF0\x9F\x98\x80", 4, out, 2, &units), -1);  /* pair, then no NUL */
        CHECK_EQ(cmdline_to_utf16("\xF0\x9F\x98\x80", 4, out, 1, &units), -1);  /* half a pair */
        CHECK_EQ(cmdline_to_utf16("\xF0\x9F\x98\x80", 4, out, 3, &units), 0);
        CHECK_EQ(units, 3);
        /* len + 1 units always suffice. */
        CHECK_EQ(cmdline_to_utf16("\xFF\xFE\xFD", 3, out, 4, &units), 0);
        CHECK_EQ(units, 4);
}

/* Random byte strings, biased towards UTF-8 lead and continuation bytes:
 * decoding the output gives the input back, so the mapping is one to one. */
static void test_round_trip(void) {
        static const unsigned char pool[] = { 'a', ' ', '=', 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF,
                                              0xF0, 0xF4, 0xF5, 0xFF, 0x9F, 0xA0, 0x90, 0x8F };
        unsigned char in[24], back[64];
        uint16_t out[32];
        int bad = 0;

        srand(11);
        for (int t = 0; t < 200000; t++) {
                size_t len = (size_t)(rand() % 24), units;
                for (size_t i = 0; i < len; i++)
                        in[i] = (rand() & 1) ? pool[rand() % sizeof(pool)] : (unsigned char)(1 + rand() % 255);
                if (cmdline_to_utf16((const char *)in, len, out, len + 1, &units) != 0 || units > len + 1) {
                        bad++;
                        continue;
                }
                long n = utf16_unescape(out, units, back, sizeof(back));
                if (n != (long)len || memcmp(back, in, len) != 0)
                        bad++;
        }
        CHECK_EQ(bad, 0);
}

int main(void) {
        RUN(test_pcr11_order);
        RUN(test_valid_utf8);
        RUN(test_invalid_bytes_escaped);
        RUN(test_capacity);
        RUN(test_round_trip);
        return tl_summary("stub_measure");
}
