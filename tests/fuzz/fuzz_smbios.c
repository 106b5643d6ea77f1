/* SPDX-License-Identifier: MIT */
/* libFuzzer target: SMBIOS entry point parsing, the copies built from
 * them, and their placement in an F-segment image holding the input. */
#include <stdint.h>
#include <string.h>

#include "smbios.h"

static uint8_t seg[SMBIOS_FSEG_SIZE];

/* A valid entry point must survive build + parse unchanged. */
static void roundtrip(const struct smbios_ep *ep) {
        uint8_t built[SMBIOS_EP_MAX];
        struct smbios_ep again;
        enum smbios_error err;

        smbios_ep_build(ep, built);
        err = ep->kind == SMBIOS_EP_64 ? smbios3_parse(built, sizeof(built), &again)
                                       : smbios2_parse(built, sizeof(built), &again);
        if (err != SMBIOS_OK || memcmp(again.bytes, ep->bytes, SMBIOS_EP_MAX) != 0 ||
            again.table_address != ep->table_address || again.table_length != ep->table_length)
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct smbios_ep e64, e32;
        bool ok64 = smbios3_parse(data, size, &e64) == SMBIOS_OK;
        bool ok32 = smbios2_parse(data, size, &e32) == SMBIOS_OK;
        struct smbios_scan scan;
        int32_t off64, off32;
        size_t at, n;

        if (ok64)
                roundtrip(&e64);
        if (ok32)
                roundtrip(&e32);
        /* The input as ROM contents at a 16-byte boundary it chooses, the
         * rest 0xFF padding. */
        memset(seg, 0xff, sizeof(seg));
        at = size >= 2 ? ((size_t)(data[0] | data[1] << 8) & ~(size_t)15) : 0;
        n = size < sizeof(seg) - at ? size : sizeof(seg) - at;
        memcpy(seg + at, data, n);
        smbios_fseg_scan(seg, &scan);
        /* -1 for none, else on a 16-byte boundary inside Linux's window. */
        if ((scan.off64 != -1 && (scan.off64 < 0 || scan.off64 > (int32_t)SMBIOS_FSEG_SIZE - 32 || scan.off64 % 16)) ||
            (scan.off32 != -1 && (scan.off32 < -16 || scan.off32 > (int32_t)SMBIOS_FSEG_SIZE - 32 || scan.off32 % 16)))
                __builtin_trap();
        if ((ok64 || ok32) &&
            smbios_fseg_place(seg, ok64 ? &e64 : NULL, ok32 ? &e32 : NULL, &off64, &off32) == SMBIOS_OK &&
            !smbios_fseg_has(seg, ok64 ? &e64 : NULL, ok32 ? &e32 : NULL))
                __builtin_trap();
        return 0;
}
