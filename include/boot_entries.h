/* SPDX-License-Identifier: MIT */
/*
 * Several boot entries, as the Boot Loader Specification's type #1 entries
 * (https://uapi-group.org/specifications/specs/boot_loader_specification/):
 * which one is newest, and what an entry file's name says about its boot
 * counting. Pure code, for the menu, the default and the fallback order.
 */
#ifndef PVHBOOT_BOOT_ENTRIES_H
#define PVHBOOT_BOOT_ENTRIES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The UAPI Version Format Specification's order: <0 when a sorts before b
 * (is older), 0 when equal, >0 when after. Both NUL-terminated ASCII.
 */
int version_compare(const char *a, const char *b);

/*
 * Boot counting in an entry file name (BLS, "Boot counting"):
 * "NAME+LEFT-DONE.conf" or "NAME+LEFT.conf": LEFT tries left, DONE tries
 * made. Without a counter the entry is neither counted nor ever bad.
 */
struct entry_counter {
        bool counted;
        unsigned left, done;
        size_t base_len;        /* the name without the counter and ".conf" */
};

/* Parse a file name of len bytes (no NUL needed). Returns false when it
 * does not end in ".conf" (case-insensitive) or is empty before it. */
bool entry_name_parse(const char *name, size_t len, struct entry_counter *out);

#endif
