/* SPDX-License-Identifier: MIT */
/*
 * Paths that name their volume:
 *   LABEL=NAME:\path      the FAT volume labelled NAME (case-insensitive)
 *   GUID=PARTUUID:\path   the GPT partition with that unique partition GUID
 *   \path or path         pvhboot's own volume first, then the others in
 *                         firmware handle order
 * The ':' after the volume ends it; the path is then absolute on it.
 */
#ifndef PVHBOOT_VOLUME_SPEC_H
#define PVHBOOT_VOLUME_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VOLUME_LABEL_MAX 64u    /* UTF-16 units including the NUL */

enum volume_kind {
        VOLUME_ANY = 0,         /* no volume named */
        VOLUME_LABEL,
        VOLUME_GUID,
};

struct volume_spec {
        enum volume_kind kind;
        uint16_t label[VOLUME_LABEL_MAX];
        uint8_t guid[16];       /* as stored on disk: GPT's mixed-endian bytes */
};

enum volume_spec_error {
        VOLUME_SPEC_OK = 0,
        VOLUME_SPEC_ERR_NO_COLON,
        VOLUME_SPEC_ERR_EMPTY_LABEL,
        VOLUME_SPEC_ERR_LABEL_TOO_LONG,
        VOLUME_SPEC_ERR_BAD_GUID,
};

/* Split a path into its volume and the rest (*rest points into path). */
enum volume_spec_error volume_spec_parse(const uint16_t *path, struct volume_spec *spec, const uint16_t **rest);

/* Text GUID (8-4-4-4-12 hex digits) to its on-disk byte order. 0 or -1. */
int guid_parse(const uint16_t *text, size_t len, uint8_t out[16]);

/* Case-insensitive (ASCII letters) comparison of NUL-terminated labels. */
bool label_equal(const uint16_t *a, const uint16_t *b);

const char *volume_spec_strerror(enum volume_spec_error err);

#endif
