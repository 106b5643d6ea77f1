/* SPDX-License-Identifier: MIT */
/*
 * The probe report as one line of JSON. Addresses, sizes and register
 * values are strings "0x..." (64-bit values; no 64-bit division in the
 * 32-bit probe), counts and small fields are numbers, rule results are
 * booleans. Pure C like checks.c: it writes through a callback.
 */
#include "checks.h"

struct j {
        probe_out_fn out;
        void *ctx;
        int first;      /* no comma before the next member */
};

static uint32_t slen(const char *s) {
        uint32_t n = 0;
        while (s[n])
                n++;
        return n;
}

static void raw(struct j *j, const char *s) {
        j->out(j->ctx, s, slen(s));
}

static void str(struct j *j, const char *s, uint32_t len) {
        static const char digits[] = "0123456789abcdef";
        raw(j, "\"");
        for (uint32_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '"' || c == '\\') {
                        char e[2] = { '\\', (char)c };
                        j->out(j->ctx, e, 2);
                } else if (c < 0x20 || c >= 0x7f) {
                        char e[6] = { '\\', 'u', '0', '0', digits[c >> 4], digits[c & 15] };
                        j->out(j->ctx, e, 6);
                } else {
                        j->out(j->ctx, (const char *)&c, 1);
                }
        }
        raw(j, "\"");
}

static void key(struct j *j, const char *k) {
        if (!j->first)
                raw(j, ",");
        j->first = 0;
        str(j, k, slen(k));
        raw(j, ":");
}

static void open_obj(struct j *j, const char *k) {
        if (k)
                key(j, k);
        else if (!j->first)
                raw(j, ",");
        raw(j, "{");
        j->first = 1;
}

static void close_obj(struct j *j) {
        raw(j, "}");
        j->first = 0;
}

static void open_arr(struct j *j, const char *k) {
        key(j, k);
        raw(j, "[");
        j->first = 1;
}

static void close_arr(struct j *j) {
        raw(j, "]");
        j->first = 0;
}

static void hex(struct j *j, const char *k, uint64_t v) {
        char b[19];
        int n = 0;
        key(j, k);
        b[n++] = '0';
        b[n++] = 'x';
        int shift = 60;
        while (shift > 0 && !((v >> shift) & 15))
                shift -= 4;
        for (; shift >= 0; shift -= 4)
                b[n++] = "0123456789abcdef"[(v >> shift) & 15];
        str(j, b, (uint32_t)n);
}

static void num(struct j *j, const char *k, uint32_t v) {
        char b[11];
        int n = sizeof(b);
        key(j, k);
        do {
                b[--n] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        j->out(j->ctx, b + n, (uint32_t)(sizeof(b) - n));
}

static void boolean(struct j *j, const char *k, int v) {
        key(j, k);
        raw(j, v ? "true" : "false");
}

static void string(struct j *j, const char *k, const char *s) {
        key(j, k);
        if (s)
                str(j, s, slen(s));
        else
                raw(j, "null");
}

static const char *const seg_names[PROBE_NSEG] = { "cs", "ds", "es", "ss", "fs", "gs", "tr" };
static const char *const status_names[] = { "unset", "ok", "null", "ldt", "beyond_gdt_limit" };

static void segment(struct j *j, const struct probe_desc *d, const char *name) {
        open_obj(j, name);
        hex(j, "selector", d->sel);
        string(j, "status", d->status < 5 ? status_names[d->status] : "?");
        if (d->status == PSEG_READ) {
                hex(j, "raw", d->raw);
                hex(j, "base", d->base);
                hex(j, "limit", d->limit);
                hex(j, "type", d->type);
                num(j, "s", d->s);
                num(j, "dpl", d->dpl);
                num(j, "p", d->p);
                num(j, "avl", d->avl);
                num(j, "l", d->l);
                num(j, "db", d->db);
                num(j, "g", d->g);
        }
        close_obj(j);
}

void probe_json(const struct probe_report *r, probe_out_fn out, void *ctx) {
        struct j jj = { out, ctx, 1 }, *j = &jj;
        const struct probe_state *st = &r->st;

        open_obj(j, 0);
        num(j, "probe_version", 1);

        open_obj(j, "image");
        hex(j, "start", r->img.start);
        hex(j, "end", r->img.end);
        hex(j, "entry", r->img.entry);
        hex(j, "bss_start", r->img.bss_start);
        hex(j, "bss_end", r->img.bss_end);
        hex(j, "linked", r->img.linked);
        num(j, "bss_nonzero_dwords", st->bss_nonzero);
        close_obj(j);

        open_obj(j, "regs");
        hex(j, "eax", st->eax);
        hex(j, "ebx", st->ebx);
        hex(j, "ecx", st->ecx);
        hex(j, "edx", st->edx);
        hex(j, "esi", st->esi);
        hex(j, "edi", st->edi);
        hex(j, "ebp", st->ebp);
        hex(j, "esp", st->esp);
        hex(j, "eflags", st->eflags);
        hex(j, "cr0", st->cr0);
        hex(j, "cr2", st->cr2);
        hex(j, "cr3", st->cr3);
        hex(j, "cr4", st->cr4);
        if (st->efer_valid)
                hex(j, "efer", (uint64_t)st->efer_hi << 32 | st->efer_lo);
        else
                string(j, "efer", 0);
        close_obj(j);

        open_obj(j, "gdtr");
        hex(j, "base", st->gdt_base);
        hex(j, "limit", st->gdt_limit);
        close_obj(j);
        open_obj(j, "idtr");
        hex(j, "base", st->idt_base);
        hex(j, "limit", st->idt_limit);
        close_obj(j);
        hex(j, "ldtr", st->ldtr);

        open_obj(j, "segments");
        for (int i = 0; i < PROBE_NSEG; i++)
                segment(j, &r->seg[i], seg_names[i]);
        close_obj(j);

        open_obj(j, "start_info");
        hex(j, "paddr", st->ebx);
        boolean(j, "readable", r->si_readable);
        if (r->si_readable) {
                hex(j, "magic", r->si.magic);
                num(j, "version", r->si.version);
                hex(j, "flags", r->si.flags);
                num(j, "nr_modules", r->si.nr_modules);
                hex(j, "modlist_paddr", r->si.modlist_paddr);
                hex(j, "cmdline_paddr", r->si.cmdline_paddr);
                hex(j, "rsdp_paddr", r->si.rsdp_paddr);
                hex(j, "memmap_paddr", r->si.memmap_paddr);
                num(j, "memmap_entries", r->si.memmap_entries);
                hex(j, "reserved", r->si.reserved);
        }
        close_obj(j);

        boolean(j, "memmap_readable", r->memmap_readable);
        open_arr(j, "memmap");
        for (uint32_t i = 0; i < r->memmap_n; i++) {
                open_obj(j, 0);
                hex(j, "addr", r->memmap[i].addr);
                hex(j, "size", r->memmap[i].size);
                num(j, "type", r->memmap[i].type);
                hex(j, "reserved", r->memmap[i].reserved);
                close_obj(j);
        }
        close_arr(j);
        hex(j, "ram_total", r->ram_total);
        num(j, "ram_total_kib", (uint32_t)(r->ram_total >> 10));

        open_obj(j, "rsdp");
        hex(j, "paddr", r->si.rsdp_paddr);
        boolean(j, "readable", r->rsdp.readable);
        if (r->rsdp.readable) {
                boolean(j, "signature", r->rsdp.signature);
                boolean(j, "checksum", r->rsdp.checksum);
                num(j, "revision", r->rsdp.revision);
                key(j, "oemid");
                str(j, r->rsdp.oemid, 6);
                hex(j, "rsdt", r->rsdp.rsdt);
                if (r->rsdp.revision >= 2) {
                        num(j, "length", r->rsdp.length);
                        hex(j, "xsdt", r->rsdp.xsdt);
                        boolean(j, "ext_checksum", r->rsdp.ext_checksum);
                }
        }
        close_obj(j);

        open_obj(j, "cmdline");
        hex(j, "paddr", r->si.cmdline_paddr);
        boolean(j, "readable", r->cmdline.readable);
        boolean(j, "terminated", r->cmdline.terminated);
        num(j, "length", r->cmdline.length);
        key(j, "text");
        str(j, r->cmdline.text, r->cmdline.length);
        close_obj(j);

        boolean(j, "modlist_readable", r->modlist_readable);
        open_arr(j, "modules");
        for (uint32_t i = 0; i < r->modules_n; i++) {
                const struct probe_module *mod = &r->modules[i];
                open_obj(j, 0);
                hex(j, "paddr", mod->e.paddr);
                hex(j, "size", mod->e.size);
                hex(j, "cmdline_paddr", mod->e.cmdline_paddr);
                if (mod->e.cmdline_paddr)
                        num(j, "cmdline_length", mod->cmdline_len);
                hex(j, "reserved", mod->e.reserved);
                boolean(j, "page_aligned", (mod->e.paddr & 0xFFF) == 0);
                boolean(j, "readable", mod->readable);
                if (mod->readable)
                        hex(j, "fnv1a64", mod->fnv1a64);
                close_obj(j);
        }
        close_arr(j);

        string(j, "overlap", r->overlap);
        string(j, "above_1g", r->above_1g);

        open_obj(j, "checks");
        for (unsigned i = 0; i < PROBE_NR_RULES; i++)
                boolean(j, probe_rule_name(i), r->rule[i]);
        close_obj(j);
        boolean(j, "pass", r->pass);
        close_obj(j);
}
