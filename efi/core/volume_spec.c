/* SPDX-License-Identifier: MIT */
#include "hex.h"
#include "volume_spec.h"

static int has_prefix(const uint16_t *s, const char *p) {
        for (; *p; p++, s++)
                if (*s != (uint16_t)*p)
                        return 0;
        return 1;
}

/*
 * "The first three fields [of a GUID] are stored little-endian on disk, the
 * last two as byte arrays" (UEFI 2.10 appendix A): text 00112233-4455-6677-
 * 8899-aabbccddeeff is bytes 33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff.
 */
int guid_parse(const uint16_t *text, size_t len, uint8_t out[16]) {
        static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
        uint8_t bytes[16];
        size_t pos = 0;
        int n = 0;

        if (len != 36)
                return -1;
        while (pos < len) {
                int hi, lo;
                if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
                        if (text[pos] != '-')
                                return -1;
                        pos++;
                        continue;
                }
                hi = hex_digit_value(text[pos]);
                lo = hex_digit_value(text[pos + 1]);
                if (hi < 0 || lo < 0)
                        return -1;
                bytes[n++] = (uint8_t)(hi << 4 | lo);
                pos += 2;
        }
        for (int i = 0; i < 16; i++)
                out[order[i]] = bytes[i];
        return 0;
}

static uint16_t fold(uint16_t c) {
        return c >= 'a' && c <= 'z' ? (uint16_t)(c - 'a' + 'A') : c;
}

bool label_equal(const uint16_t *a, const uint16_t *b) {
        for (; *a && *b; a++, b++)
                if (fold(*a) != fold(*b))
                        return 0;
        return *a == *b;
}

enum volume_spec_error volume_spec_parse(const uint16_t *path, struct volume_spec *spec, const uint16_t **rest) {
        size_t start, end;
        int is_label;

        spec->kind = VOLUME_ANY;
        spec->label[0] = 0;
        *rest = path;
        is_label = has_prefix(path, "LABEL=");
        if (!is_label && !has_prefix(path, "GUID="))
                return VOLUME_SPEC_OK;
        start = is_label ? 6 : 5;
        for (end = start; path[end] && path[end] != ':'; end++)
                ;
        if (path[end] != ':')
                return VOLUME_SPEC_ERR_NO_COLON;
        if (is_label) {
                if (end == start)
                        return VOLUME_SPEC_ERR_EMPTY_LABEL;
                if (end - start >= VOLUME_LABEL_MAX)
                        return VOLUME_SPEC_ERR_LABEL_TOO_LONG;
                for (size_t i = start; i < end; i++)
                        spec->label[i - start] = path[i];
                spec->label[end - start] = 0;
                spec->kind = VOLUME_LABEL;
        } else {
                if (guid_parse(path + start, end - start, spec->guid) < 0)
                        return VOLUME_SPEC_ERR_BAD_GUID;
                spec->kind = VOLUME_GUID;
        }
        *rest = path + end + 1;
        return VOLUME_SPEC_OK;
}

const char *volume_spec_strerror(enum volume_spec_error err) {
        switch (err) {
        case VOLUME_SPEC_OK: return "no error";
        case VOLUME_SPEC_ERR_NO_COLON: return "LABEL=/GUID= needs a ':' before the path, as in LABEL=BOOT:\\vmlinux";
        case VOLUME_SPEC_ERR_EMPTY_LABEL: return "LABEL= names no label";
        case VOLUME_SPEC_ERR_LABEL_TOO_LONG: return "volume label is longer than 63 characters";
        case VOLUME_SPEC_ERR_BAD_GUID: return "GUID= needs a partition GUID like 0fc63daf-8483-4772-8e79-3d69d8477de4";
        }
        return "unknown error";
}
