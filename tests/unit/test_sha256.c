/* SPDX-License-Identifier: MIT */
/* FIPS 180-4 / NIST CAVS vectors, and split updates against one-shot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "testlib.h"

static const char *hex(const uint8_t d[32]) {
        static char out[65];
        for (int i = 0; i < 32; i++)
                sprintf(out + 2 * i, "%02x", d[i]);
        return out;
}

static const char *digest_of(const void *data, size_t len) {
        struct sha256 s;
        uint8_t d[32];
        sha256_init(&s);
        sha256_update(&s, data, len);
        sha256_final(&s, d);
        return hex(d);
}

static void test_vectors(void) {
        CHECK_STR(digest_of("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        CHECK_STR(digest_of("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK_STR(digest_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56),
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a_in_pieces(void) {
        struct sha256 s;
        uint8_t d[32];
        char *buf = malloc(1000000);
        memset(buf, 'a', 1000000);
        CHECK_STR(digest_of(buf, 1000000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        /* Odd-sized pieces cross every block boundary case. */
        sha256_init(&s);
        for (size_t off = 0, n = 1; off < 1000000; off += n, n = n % 131 + 7)
                sha256_update(&s, buf + off, off + n > 1000000 ? 1000000 - off : n);
        sha256_final(&s, d);
        CHECK_STR(hex(d), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(buf);
}

int main(void) {
        RUN(test_vectors);
        RUN(test_million_a_in_pieces);
        return tl_summary("sha256");
}
