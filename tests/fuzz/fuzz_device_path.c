/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the device path walks. The first byte is the capacity
 * (in UTF-16 units) of a small output buffer for device_path_file_path, the
 * rest is the path, with max_bytes its exact size (libFuzzer's buffer ends
 * there, so a read past the bound is an ASan error).
 *
 * Traps on any disagreement between the three walks and the file path at
 * two capacities: all three must agree on whether the path is well-formed,
 * and a path that fits must come out the same at any capacity that holds it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device_path.h"

static const uint8_t qemu_loader_guid[16] = { 0x72, 0xf7, 0x28, 0x14, 0x4a, 0xb6, 0x1e, 0x44,
                                              0xb8, 0xc3, 0x9e, 0xbd, 0xd7, 0xf8, 0x93, 0xc7 };

static size_t units_before_nul(const uint16_t *s, size_t cap) {
        size_t n = 0;
        while (n < cap && s[n])
                n++;
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* A File Path node of Length L adds at most (L - 4) / 2 units and one
         * separator, so L / 2 - 1 in all, and a whole path size / 2 units. */
        const size_t big_cap = size / 2 + 1;
        size_t small_cap, big_len;
        uint16_t *big, *small;
        uint8_t guid[16];
        int big_result, small_result, guid_result;
        bool only_vendor;

        if (size < 1)
                return 0;
        small_cap = data[0];
        data++;
        size--;

        big = malloc(big_cap * sizeof(*big));
        small = malloc((small_cap ? small_cap : 1) * sizeof(*small));
        small[0] = 0xFFFF;

        big_result = device_path_file_path(data, size, big, big_cap);
        small_result = device_path_file_path(data, size, small, small_cap);
        memset(guid, 0xA5, sizeof(guid));
        guid_result = device_path_partition_guid(data, size, guid);
        only_vendor = device_path_is_only_vendor_media(data, size, qemu_loader_guid);

        /* The result is NUL-terminated within cap; failure leaves "". */
        big_len = units_before_nul(big, big_cap);
        if (big_len == big_cap || (big_result != 0 && big_len != 0))
                __builtin_trap();
        if (small_cap == 0 ? small[0] != 0xFFFF || small_result == 0
                           : units_before_nul(small, small_cap) == small_cap ||
                                     (small_result != 0 && small[0] != 0))
                __builtin_trap();

        /* With room for any path, only a malformed one fails; the other two
         * walks never accept a path the file path walk calls malformed. */
        if (big_result != 0 && (guid_result == 0 || only_vendor))
                __builtin_trap();
        /* A smaller buffer gives the same path, or fails exactly when the
         * path does not fit. */
        if (small_result == 0 && (big_result != 0 || memcmp(small, big, (big_len + 1) * sizeof(*big)) != 0))
                __builtin_trap();
        if (small_result != 0 && big_result == 0 && big_len + 1 <= small_cap)
                __builtin_trap();

        /* The GUID comes from the path itself; a failure leaves it alone. */
        if (guid_result == 0) {
                bool seen = false;
                for (size_t off = 0; !seen && off + 16 <= size; off++)
                        seen = memcmp(data + off, guid, 16) == 0;
                if (!seen)
                        __builtin_trap();
        } else {
                for (size_t i = 0; i < 16; i++)
                        if (guid[i] != 0xA5)
                                __builtin_trap();
        }
        /* VenMedia(GUID)/End holds no file name and no HD() node. */
        if (only_vendor && (size < EFI_DP_VENDOR_LENGTH + 4 || big_len != 0 || guid_result == 0))
                __builtin_trap();

        free(big);
        free(small);
        return 0;
}
