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

/* What orders one entry among others. */
struct entry_key {
        const char *id;         /* the file name without counter and ".conf" (NUL-terminated) */
        const char *sort_key;   /* "" when the entry has none */
        const char *version;    /* "" when the entry has none */
        struct entry_counter counter;
};

/*
 * <0 when a is preferred to b (comes first in the menu; the first is the
 * default), >0 when b is, 0 when neither. systemd-boot's order: entries
 * with no tries left last; entries with a sort-key before those without,
 * by sort-key; then the newer version first; then the newer id first; then
 * more tries left, then fewer tries done.
 */
int entry_compare(const struct entry_key *a, const struct entry_key *b);

/* Whether the entry has used up its tries ("bad" in the BLS's words). */
bool entry_out_of_tries(const struct entry_counter *c);

/*
 * The file name of the next try: "ID+LEFT-DONE.conf" for id (id_len bytes)
 * into cap bytes with its NUL. Returns false when it does not fit.
 */
bool entry_name_format(char *out, size_t cap, const char *id, size_t id_len, unsigned left, unsigned done);

/*
 * loader.conf's default patterns, as systemd-boot matches them against
 * entry ids: '*' any run of characters, '?' any one, "[a-z0-9]" one of a
 * set (with ranges; "[!...]" not in it), '\' escapes. Case-sensitive.
 */
bool entry_pattern_match(const char *pattern, const char *id);

/*
 * Which of n entries, sorted by entry_compare(), boots by default: the
 * first that matches pattern (NULL or "" for none) and has tries left;
 * else the first with tries left; else the first. *all_out_of_tries tells
 * the caller that it is booting an entry out of tries.
 */
unsigned entry_default(const struct entry_key *keys, unsigned n, const char *pattern, bool *all_out_of_tries);

#endif
