/* SPDX-License-Identifier: MIT */
/*
 * Little-endian fields in byte buffers (PE headers, device paths, SMBIOS
 * entry points, TCG event logs), read and written a byte at a time: no
 * alignment or host byte order assumed.
 */
#ifndef PVHBOOT_BYTEORDER_H
#define PVHBOOT_BYTEORDER_H

#include <stdint.h>

static inline uint16_t le16(const uint8_t *p) {
        return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32(const uint8_t *p) {
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le64(const uint8_t *p) {
        return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The low n bytes of v at p. */
static inline void put_le(uint8_t *p, uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; i++, v >>= 8)
                p[i] = (uint8_t)v;
}

#endif
