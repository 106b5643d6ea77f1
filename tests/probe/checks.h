/* SPDX-License-Identifier: MIT */
/*
 * The probe's checks: pure C, no hardware access. They take the state
 * entry.S recorded, the probe's own extent and a memory accessor, so the
 * same code runs in the probe (reading physical memory) and on the host
 * (tests/unit/test_probe_checks.c, reading crafted memory).
 */
#ifndef PROBE_CHECKS_H
#define PROBE_CHECKS_H

#include <stdint.h>

#include "probe_state.h"
#include "pvh_start_info.h"

enum probe_rule {
#define PROBE_RULE(name, what) PROBE_RULE_##name,
#include "rules.def"
#undef PROBE_RULE
        PROBE_NR_RULES
};

#define PROBE_MAX_MEMMAP 128    /* entries copied into the report */
#define PROBE_MAX_MODULES 16    /* modules examined and reported */
#define PROBE_CMDLINE_SCAN 4096 /* bytes searched for the cmdline's NUL */
#define PROBE_RSDP_MAX_LEN 4096
#define PROBE_BELOW 0x40000000ull       /* 1 GiB */

/* Copy len bytes at physical address pa to dst; 0 if done, -1 if that
 * memory cannot be read (the probe reads only below 4 GiB). */
typedef int (*probe_read_fn)(void *ctx, uint64_t pa, void *dst, uint32_t len);

struct probe_mem {
        probe_read_fn read;
        void *ctx;
};

/* The probe's own image (linker symbols), [start, end) including .bss,
 * where it runs; linked: where it was linked to run (the same unless a
 * relocatable probe was moved). */
struct probe_image {
        uint32_t start, end, entry;
        uint32_t bss_start, bss_end;
        uint32_t linked;
};

/* A GDT descriptor, decoded (Intel SDM vol. 3, 3.4.5). */
struct probe_desc {
        uint32_t sel, status;   /* PSEG_* */
        uint64_t raw;
        uint32_t base, limit;   /* limit in bytes after granularity */
        uint8_t type, s, dpl, p, avl, l, db, g;
};

struct probe_module {
        struct hvm_modlist_entry e;
        int readable;           /* all size bytes read (checksum valid) */
        uint64_t fnv1a64;
        uint32_t cmdline_len;   /* module cmdline: bytes before its NUL */
        int cmdline_terminated;
};

struct probe_report {
        struct probe_state st;
        struct probe_image img;
        struct probe_desc seg[PROBE_NSEG];

        int si_readable;
        struct hvm_start_info si;

        int memmap_readable;
        uint32_t memmap_n;      /* entries in memmap[] */
        struct hvm_memmap_table_entry memmap[PROBE_MAX_MEMMAP];
        uint64_t ram_total;     /* bytes in type 1 entries */

        struct {
                int readable, signature, checksum, ext_checksum;
                uint32_t revision, length, rsdt;
                uint64_t xsdt;
                char oemid[7];
        } rsdp;

        struct {
                int readable, terminated;
                uint32_t length;        /* bytes before the NUL (or scanned) */
                char text[PROBE_CMDLINE_SCAN + 1];
        } cmdline;

        int modlist_readable;
        uint32_t modules_n;     /* entries in modules[] */
        struct probe_module modules[PROBE_MAX_MODULES];

        const char *overlap;    /* structs_disjoint: the first overlapping pair */
        const char *above_1g;   /* structs_below_1g: the first offender */

        uint8_t rule[PROBE_NR_RULES];
        int pass;
};

void probe_check(const struct probe_state *st, const struct probe_image *img,
                 const struct probe_mem *mem, struct probe_report *r);

const char *probe_rule_name(unsigned rule);
const char *probe_rule_what(unsigned rule);

/* FNV-1a 64: h = (h ^ byte) * 0x100000001b3, starting at FNV1A64_INIT. */
#define FNV1A64_INIT 0xcbf29ce484222325ull
uint64_t probe_fnv1a64(uint64_t h, const void *buf, uint32_t len);

/* The report as one line of JSON (no newline), written through out. */
typedef void (*probe_out_fn)(void *ctx, const char *s, uint32_t len);
void probe_json(const struct probe_report *r, probe_out_fn out, void *ctx);

#endif
