/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4), incremental, for pinning and measuring what is loaded. */
#ifndef PVHBOOT_SHA256_H
#define PVHBOOT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32u

struct sha256 {
        uint32_t h[8];
        uint64_t length;        /* bytes hashed so far */
        uint8_t block[64];
        size_t used;            /* bytes in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t digest[SHA256_DIGEST_SIZE]);

#endif
