/* SPDX-License-Identifier: MIT */
/*
 * The PVH entry-state rules (tests/probe/rules.def), checked on recorded
 * state through a memory accessor: no hardware access, no libc, so the
 * same file builds into the probe (-m32 -ffreestanding) and into a host
 * unit test.
 *
 * The spec (Xen docs/misc/pvh.pandoc) fixes CR0, CR4, CS, DS, ES, TR and
 * three EFLAGS bits; SS, FS and GS are "unspecified" there. The probe also
 * wants flat 32-bit data in SS, FS and GS, as pvhboot's handoff provides
 * and as the kernel's own code assumes until it loads its GDT (it calls
 * and pushes before reloading SS). A loader that leaves them otherwise is
 * reported, and the README table says which rules go beyond the spec.
 *
 * Rules that need start_info fail when start_info cannot be read; rules
 * about an optional structure (memmap order, cmdline termination, module
 * properties) hold vacuously when the structure is absent, and the
 * *_present / *_valid rule says it is missing.
 */
#include "checks.h"

#define CR0_PE 0x00000001u
#define CR0_ET 0x00000010u
#define EFER_LME 0x00000100u
#define EFER_LMA 0x00000400u
#define EFLAGS_TF 0x00000100u
#define EFLAGS_IF 0x00000200u
#define EFLAGS_VM 0x00020000u

#define FOUR_GIB 0x100000000ull
#define PAGE_SIZE 4096u

static const char *const rule_names[PROBE_NR_RULES] = {
#define PROBE_RULE(name, what) #name,
#include "rules.def"
#undef PROBE_RULE
};

static const char *const rule_whats[PROBE_NR_RULES] = {
#define PROBE_RULE(name, what) what,
#include "rules.def"
#undef PROBE_RULE
};

const char *probe_rule_name(unsigned rule) {
        return rule < PROBE_NR_RULES ? rule_names[rule] : "?";
}

const char *probe_rule_what(unsigned rule) {
        return rule < PROBE_NR_RULES ? rule_whats[rule] : "?";
}

static void zero(void *p, uint32_t n) {
        unsigned char *c = p;
        while (n--)
                *c++ = 0;
}

uint64_t probe_fnv1a64(uint64_t h, const void *buf, uint32_t len) {
        const unsigned char *p = buf;
        for (uint32_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

static int rd(const struct probe_mem *m, uint64_t pa, void *dst, uint32_t len) {
        if (pa >= FOUR_GIB || len > FOUR_GIB - pa)
                return -1;
        return m->read(m->ctx, pa, dst, len);
}

/* Bytes before the NUL of the string at pa, at most max; *terminated says
 * whether the NUL was found. Copies up to cap bytes (NUL-terminated) to out
 * when out is given. Returns -1 if a byte could not be read. */
static int64_t read_string(const struct probe_mem *m, uint64_t pa, uint32_t max, char *out,
                           uint32_t cap, int *terminated) {
        unsigned char buf[64];
        uint32_t n = 0;
        *terminated = 0;
        while (n < max) {
                uint32_t chunk = max - n < sizeof(buf) ? max - n : (uint32_t)sizeof(buf);
                /* Read byte-wise at the end of readable memory. */
                if (rd(m, pa + n, buf, chunk) != 0) {
                        if (chunk == 1 || rd(m, pa + n, buf, 1) != 0)
                                return -1;
                        chunk = 1;
                }
                for (uint32_t i = 0; i < chunk; i++, n++) {
                        if (buf[i] == 0) {
                                *terminated = 1;
                                if (out)
                                        out[n < cap ? n : cap] = 0;
                                return n;
                        }
                        if (out && n < cap)
                                out[n] = (char)buf[i];
                }
        }
        if (out)
                out[n < cap ? n : cap] = 0;
        return n;
}

/* --- segments --------------------------------------------------------- */

static void decode_desc(const struct probe_seg_raw *raw, struct probe_desc *d) {
        uint32_t lo = raw->lo, hi = raw->hi;
        d->sel = raw->sel;
        d->status = raw->status;
        if (raw->status != PSEG_READ)
                return;
        d->raw = (uint64_t)hi << 32 | lo;
        d->base = (lo >> 16) | (hi & 0xFFu) << 16 | (hi & 0xFF000000u);
        d->limit = (lo & 0xFFFFu) | (hi & 0xF0000u);
        d->type = (hi >> 8) & 0xF;
        d->s = (hi >> 12) & 1;
        d->dpl = (hi >> 13) & 3;
        d->p = (hi >> 15) & 1;
        d->avl = (hi >> 20) & 1;
        d->l = (hi >> 21) & 1;
        d->db = (hi >> 22) & 1;
        d->g = (hi >> 23) & 1;
        if (d->g)
                d->limit = d->limit << 12 | 0xFFFu;
}

static int flat(const struct probe_desc *d) {
        return d->status == PSEG_READ && d->p && d->base == 0 && d->limit == 0xFFFFFFFFu;
}

/* Execute/read, 32-bit (D = 1, L = 0), DPL 0: the probe runs at CPL 0. */
static int code32_flat(const struct probe_desc *d) {
        return flat(d) && d->s && (d->type & 8) && (d->type & 2) && d->db && !d->l &&
               d->dpl == 0;
}

/* Read/write, expand-up, 32-bit (B = 1). */
static int data32_flat(const struct probe_desc *d) {
        return flat(d) && d->s && !(d->type & 8) && (d->type & 2) && !(d->type & 4) && d->db;
}

/* "32-bit TSS (active)": type 0xB, busy; LTR sets busy in the GDT. */
static int tss32_busy(const struct probe_desc *d) {
        return d->status == PSEG_READ && d->p && !d->s && d->type == 0xB && d->base == 0 &&
               d->limit == 0x67;
}

/* --- memory map ------------------------------------------------------- */

static uint64_t entry_end(const struct hvm_memmap_table_entry *e) {
        return e->addr + e->size;
}

/* Is [start, end) covered by type 1 entries and touched by no other? */
static int in_ram(const struct probe_report *r, uint64_t start, uint64_t end) {
        if (start >= end)
                return 1;
        for (uint32_t i = 0; i < r->memmap_n; i++) {
                const struct hvm_memmap_table_entry *e = &r->memmap[i];
                if (e->type != XEN_HVM_MEMMAP_TYPE_RAM && e->size &&
                    e->addr < end && start < entry_end(e))
                        return 0;
        }
        uint64_t pos = start;
        /* Walk RAM entries from start; each step moves to an entry's end. */
        for (uint32_t step = 0; step < r->memmap_n && pos < end; step++) {
                uint64_t next = pos;
                for (uint32_t i = 0; i < r->memmap_n; i++) {
                        const struct hvm_memmap_table_entry *e = &r->memmap[i];
                        if (e->type == XEN_HVM_MEMMAP_TYPE_RAM && e->addr <= pos &&
                            pos < entry_end(e) && entry_end(e) > next)
                                next = entry_end(e);
                }
                if (next == pos)
                        return 0;
                pos = next;
        }
        return pos >= end;
}

static void check_memmap(struct probe_report *r, const struct probe_mem *m) {
        const struct hvm_start_info *si = &r->si;
        int sorted = 1, disjoint = 1, merged = 1, types = 1, sizes = 1, reserved = 1;

        if (si->memmap_paddr && si->memmap_entries) {
                r->memmap_n = si->memmap_entries < PROBE_MAX_MEMMAP ? si->memmap_entries
                                                                   : PROBE_MAX_MEMMAP;
                r->memmap_readable = rd(m, si->memmap_paddr, r->memmap,
                                        r->memmap_n * (uint32_t)sizeof(r->memmap[0])) == 0;
                if (!r->memmap_readable)
                        r->memmap_n = 0;
        }
        r->rule[PROBE_RULE_memmap_present] = si->memmap_paddr && si->memmap_entries >= 1 &&
                                             si->memmap_entries <= PVH_MEMMAP_MAX_ENTRIES &&
                                             r->memmap_readable;

        for (uint32_t i = 0; i < r->memmap_n; i++) {
                const struct hvm_memmap_table_entry *e = &r->memmap[i];
                r->ram_total += e->type == XEN_HVM_MEMMAP_TYPE_RAM ? e->size : 0;
                if (e->type < 1 || e->type > 7)
                        types = 0;
                if (e->size == 0 || e->addr + e->size < e->addr)
                        sizes = 0;
                if (e->reserved)
                        reserved = 0;
                if (i + 1 < r->memmap_n && r->memmap[i + 1].addr <= e->addr)
                        sorted = 0;
                /* Pairwise, so these do not depend on the order. */
                for (uint32_t j = i + 1; j < r->memmap_n; j++) {
                        const struct hvm_memmap_table_entry *f = &r->memmap[j];
                        if (e->size && f->size && e->addr < entry_end(f) && f->addr < entry_end(e))
                                disjoint = 0;
                        if (e->type == f->type && (entry_end(e) == f->addr || entry_end(f) == e->addr))
                                merged = 0;
                }
        }
        r->rule[PROBE_RULE_memmap_sorted] = sorted;
        r->rule[PROBE_RULE_memmap_disjoint] = disjoint;
        r->rule[PROBE_RULE_memmap_merged] = merged;
        r->rule[PROBE_RULE_memmap_types] = types;
        r->rule[PROBE_RULE_memmap_sizes] = sizes;
        r->rule[PROBE_RULE_memmap_reserved_zero] = reserved;
        r->rule[PROBE_RULE_memmap_probe_in_ram] =
                r->memmap_n && in_ram(r, r->img.start, r->img.end);
}

/* --- ACPI RSDP (ACPI 6.5, 5.2.5.3) ------------------------------------ */

static uint8_t sum(const unsigned char *p, uint32_t n) {
        uint8_t s = 0;
        while (n--)
                s = (uint8_t)(s + *p++);
        return s;
}

static void check_rsdp(struct probe_report *r, const struct probe_mem *m) {
        unsigned char b[36];
        uint64_t pa = r->si.rsdp_paddr;

        if (pa && rd(m, pa, b, 20) == 0) {
                static const char sig[8] = "RSD PTR ";
                r->rsdp.readable = 1;
                r->rsdp.signature = 1;
                for (int i = 0; i < 8; i++)
                        if (b[i] != (unsigned char)sig[i])
                                r->rsdp.signature = 0;
                r->rsdp.checksum = sum(b, 20) == 0;
                for (int i = 0; i < 6; i++)
                        r->rsdp.oemid[i] = (char)b[9 + i];
                r->rsdp.revision = b[15];
                r->rsdp.rsdt = b[16] | b[17] << 8 | b[18] << 16 | (uint32_t)b[19] << 24;
                if (r->rsdp.revision < 2) {
                        r->rsdp.ext_checksum = 1;       /* no extended fields */
                } else if (rd(m, pa, b, 36) == 0) {
                        uint32_t len = b[20] | b[21] << 8 | b[22] << 16 | (uint32_t)b[23] << 24;
                        r->rsdp.length = len;
                        for (int i = 7; i >= 0; i--)
                                r->rsdp.xsdt = r->rsdp.xsdt << 8 | b[24 + i];
                        if (len >= 36 && len <= PROBE_RSDP_MAX_LEN) {
                                unsigned char chunk[256];
                                uint8_t s = 0;
                                int ok = 1;
                                for (uint32_t off = 0; off < len && ok; off += sizeof(chunk)) {
                                        uint32_t n = len - off < sizeof(chunk) ? len - off
                                                                               : (uint32_t)sizeof(chunk);
                                        ok = rd(m, pa + off, chunk, n) == 0;
                                        s = (uint8_t)(s + sum(chunk, n));
                                }
                                r->rsdp.ext_checksum = ok && s == 0;
                        }
                }
        }
        r->rule[PROBE_RULE_rsdp_signature] = r->rsdp.signature;
        r->rule[PROBE_RULE_rsdp_checksum] = r->rsdp.readable && r->rsdp.checksum;
        r->rule[PROBE_RULE_rsdp_ext_checksum] = r->rsdp.readable && r->rsdp.ext_checksum;
}

/* --- command line and modules ----------------------------------------- */

static void check_cmdline(struct probe_report *r, const struct probe_mem *m) {
        int terminated = 0;
        if (r->si.cmdline_paddr) {
                int64_t n = read_string(m, r->si.cmdline_paddr, PROBE_CMDLINE_SCAN,
                                        r->cmdline.text, PROBE_CMDLINE_SCAN, &terminated);
                r->cmdline.readable = n >= 0;
                r->cmdline.length = n >= 0 ? (uint32_t)n : 0;
                r->cmdline.terminated = terminated;
        }
        r->rule[PROBE_RULE_cmdline_present] = r->si.cmdline_paddr != 0;
        r->rule[PROBE_RULE_cmdline_terminated] =
                !r->si.cmdline_paddr || (r->cmdline.readable && r->cmdline.terminated);
}

static void check_modules(struct probe_report *r, const struct probe_mem *m) {
        int valid = 1, aligned = 1, ram = 1;
        uint32_t nr = r->si.nr_modules;

        if (nr) {
                r->modules_n = nr < PROBE_MAX_MODULES ? nr : PROBE_MAX_MODULES;
                r->modlist_readable = r->si.modlist_paddr != 0;
                for (uint32_t i = 0; i < r->modules_n && r->modlist_readable; i++)
                        if (rd(m, r->si.modlist_paddr + (uint64_t)i * sizeof(struct hvm_modlist_entry),
                               &r->modules[i].e, sizeof(struct hvm_modlist_entry)) != 0)
                                r->modlist_readable = 0;
                if (!r->modlist_readable) {
                        r->modules_n = 0;
                        valid = 0;
                }
        }
        for (uint32_t i = 0; i < r->modules_n; i++) {
                struct probe_module *mod = &r->modules[i];
                const struct hvm_modlist_entry *e = &mod->e;
                uint64_t h = FNV1A64_INIT;
                int ok = e->paddr && e->size && e->paddr < FOUR_GIB && e->size <= FOUR_GIB - e->paddr;
                unsigned char buf[4096];
                for (uint64_t off = 0; ok && off < e->size; off += sizeof(buf)) {
                        uint32_t n = e->size - off < sizeof(buf) ? (uint32_t)(e->size - off)
                                                                 : (uint32_t)sizeof(buf);
                        ok = rd(m, e->paddr + off, buf, n) == 0;
                        h = probe_fnv1a64(h, buf, n);
                }
                mod->readable = ok;
                mod->fnv1a64 = ok ? h : 0;
                if (!ok)
                        valid = 0;
                if (e->paddr % PAGE_SIZE)
                        aligned = 0;
                if (!in_ram(r, e->paddr, e->paddr + e->size))
                        ram = 0;
                if (e->cmdline_paddr) {
                        int64_t n = read_string(m, e->cmdline_paddr, PROBE_CMDLINE_SCAN, 0, 0,
                                                &mod->cmdline_terminated);
                        mod->cmdline_len = n >= 0 ? (uint32_t)n : 0;
                }
        }
        r->rule[PROBE_RULE_modules_valid] = valid;
        r->rule[PROBE_RULE_modules_page_aligned] = aligned;
        r->rule[PROBE_RULE_modules_in_ram] = ram;
}

/* --- placement -------------------------------------------------------- */

struct named_range {
        const char *name;
        uint64_t start, end;
};

#define MAX_RANGES (5 + 2 * PROBE_MAX_MODULES)

static const char *const module_names[PROBE_MAX_MODULES] = {
        "module0", "module1", "module2", "module3", "module4", "module5", "module6", "module7",
        "module8", "module9", "module10", "module11", "module12", "module13", "module14", "module15",
};
static const char *const module_cmdline_names[PROBE_MAX_MODULES] = {
        "module0_cmdline", "module1_cmdline", "module2_cmdline", "module3_cmdline",
        "module4_cmdline", "module5_cmdline", "module6_cmdline", "module7_cmdline",
        "module8_cmdline", "module9_cmdline", "module10_cmdline", "module11_cmdline",
        "module12_cmdline", "module13_cmdline", "module14_cmdline", "module15_cmdline",
};

static void add_range(struct named_range *v, unsigned *n, const char *name, uint64_t start,
                      uint64_t len) {
        if (len && *n < MAX_RANGES)
                v[(*n)++] = (struct named_range){ name, start, start + len };
}

static void check_placement(struct probe_report *r) {
        struct named_range v[MAX_RANGES];
        unsigned n = 0, low = 0;
        const struct hvm_start_info *si = &r->si;

        add_range(v, &n, "start_info", r->st.ebx, sizeof(struct hvm_start_info));
        if (si->memmap_paddr)
                add_range(v, &n, "memmap", si->memmap_paddr,
                          (uint64_t)si->memmap_entries * sizeof(struct hvm_memmap_table_entry));
        if (si->modlist_paddr)
                add_range(v, &n, "modlist", si->modlist_paddr,
                          (uint64_t)si->nr_modules * sizeof(struct hvm_modlist_entry));
        if (si->cmdline_paddr)
                add_range(v, &n, "cmdline", si->cmdline_paddr,
                          r->cmdline.length + (r->cmdline.terminated ? 1u : 0u));
        low = n;        /* the structures above must end below 1 GiB */
        add_range(v, &n, "probe", r->img.start, (uint64_t)r->img.end - r->img.start);
        for (uint32_t i = 0; i < r->modules_n; i++) {
                const struct probe_module *mod = &r->modules[i];
                add_range(v, &n, module_names[i], mod->e.paddr, mod->e.size);
                if (mod->e.cmdline_paddr)
                        add_range(v, &n, module_cmdline_names[i], mod->e.cmdline_paddr,
                                  mod->cmdline_len + (mod->cmdline_terminated ? 1u : 0u));
        }

        r->rule[PROBE_RULE_structs_below_1g] = 1;
        for (unsigned i = 0; i < low; i++)
                if (v[i].end > PROBE_BELOW || v[i].end < v[i].start) {
                        r->rule[PROBE_RULE_structs_below_1g] = 0;
                        r->above_1g = v[i].name;
                        break;
                }
        r->rule[PROBE_RULE_structs_disjoint] = 1;
        for (unsigned i = 0; i < n && !r->overlap; i++)
                for (unsigned j = i + 1; j < n; j++)
                        if (v[i].start < v[j].end && v[j].start < v[i].end) {
                                static char pair[64];
                                unsigned k = 0;
                                for (const char *s = v[i].name; *s && k < 30; s++)
                                        pair[k++] = *s;
                                pair[k++] = '/';
                                for (const char *s = v[j].name; *s && k < 62; s++)
                                        pair[k++] = *s;
                                pair[k] = 0;
                                r->overlap = pair;
                                r->rule[PROBE_RULE_structs_disjoint] = 0;
                                break;
                        }
}

/* --- all of it -------------------------------------------------------- */

void probe_check(const struct probe_state *st, const struct probe_image *img,
                 const struct probe_mem *m, struct probe_report *r) {
        zero(r, sizeof(*r));
        r->st = *st;
        r->img = *img;

        r->rule[PROBE_RULE_cr0_pe_only] = (st->cr0 & ~CR0_ET) == CR0_PE;
        r->rule[PROBE_RULE_cr4_zero] = st->cr4 == 0;
        /* Without EFER (no long mode in CPUID) long mode cannot be on. */
        r->rule[PROBE_RULE_efer_lme_lma_clear] =
                !st->efer_valid || !(st->efer_lo & (EFER_LME | EFER_LMA));
        r->rule[PROBE_RULE_eflags_if_tf_vm_clear] =
                !(st->eflags & (EFLAGS_IF | EFLAGS_TF | EFLAGS_VM));

        for (int i = 0; i < PROBE_NSEG; i++)
                decode_desc(&st->seg[i], &r->seg[i]);
        r->rule[PROBE_RULE_cs_code32_flat] = code32_flat(&r->seg[PROBE_SEG_CS]);
        r->rule[PROBE_RULE_ds_data32_flat] = data32_flat(&r->seg[PROBE_SEG_DS]);
        r->rule[PROBE_RULE_es_data32_flat] = data32_flat(&r->seg[PROBE_SEG_ES]);
        r->rule[PROBE_RULE_ss_data32_flat] = data32_flat(&r->seg[PROBE_SEG_SS]) &&
                                             r->seg[PROBE_SEG_SS].dpl == 0;
        r->rule[PROBE_RULE_fs_data32_flat] = data32_flat(&r->seg[PROBE_SEG_FS]);
        r->rule[PROBE_RULE_gs_data32_flat] = data32_flat(&r->seg[PROBE_SEG_GS]);
        r->rule[PROBE_RULE_tr_tss32_busy] = tss32_busy(&r->seg[PROBE_SEG_TR]);
        r->rule[PROBE_RULE_elf_bss_zeroed] = st->bss_nonzero == 0;

        r->si_readable = st->ebx != 0 && rd(m, st->ebx, &r->si, sizeof(r->si)) == 0;
        r->rule[PROBE_RULE_ebx_start_info] = r->si_readable;
        if (r->si_readable) {
                r->rule[PROBE_RULE_si_magic] = r->si.magic == XEN_HVM_START_MAGIC_VALUE;
                r->rule[PROBE_RULE_si_version] = r->si.version == PVH_START_INFO_VERSION;
                r->rule[PROBE_RULE_si_flags_zero] = r->si.flags == 0;
                r->rule[PROBE_RULE_si_reserved_zero] = r->si.reserved == 0;
                check_memmap(r, m);
                check_rsdp(r, m);
                check_cmdline(r, m);
                check_modules(r, m);
                check_placement(r);
        } else {
                zero(&r->si, sizeof(r->si));
        }

        r->pass = 1;
        for (unsigned i = 0; i < PROBE_NR_RULES; i++)
                if (!r->rule[i])
                        r->pass = 0;
}
