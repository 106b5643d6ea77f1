/* SPDX-License-Identifier: MIT */
/*
 * Which RAM the variable MTRRs leave uncached, and the write-back ranges
 * that fix it (mtrr_plan.h). Everything works on half-open ranges [start,
 * end) and sweeps over their boundaries, with no scratch memory beyond the
 * fixed arrays here: the inputs are at most 126 PVH entries, a few hundred
 * EFI descriptors and 2 * MTRR_MAX_VARIABLE ranges.
 */
#include "mtrr_plan.h"

#include "efi_memory_abi.h"
#include "pvh_memmap.h"

#define PAGE_SIZE_4K 0x1000ull
#define ONE_MIB 0x100000ull

/* A variable range as a range of addresses. */
struct mtrr_span {
        uint64_t start, end;
        unsigned type;
};

/* The firmware's valid ranges followed by the ones the plan adds. */
struct mtrr_spans {
        struct mtrr_span s[2 * MTRR_MAX_VARIABLE];
        unsigned n;
};

static uint64_t addr_bits(unsigned phys_bits) {
        /* PHYSBASE and PHYSMASK hold address bits 12..MAXPHYADDR-1. */
        return ((1ull << phys_bits) - 1) & ~(PAGE_SIZE_4K - 1);
}

/*
 * 11.11.2.3 "Variable Range MTRRs": an address is in the range when
 * (address & PhysMask) == (PhysBase & PhysMask). A mask whose ones run
 * from bit n up to MAXPHYADDR-1 makes [base, base + 2^n). A mask whose
 * ones stop below MAXPHYADDR-1 (firmware that assumed 36 address bits on a
 * 40-bit machine, as U-Boot does) also matches copies of that range every
 * 2^(top bit + 1) bytes; Linux reads it as the single range and says "your
 * BIOS has configured an incorrect mask, fixing it", and so does this.
 * Masks with holes between their lowest and highest one are not ranges at
 * all; false for those.
 */
static bool decode_variable(uint64_t base, uint64_t mask, unsigned phys_bits, struct mtrr_span *out) {
        uint64_t bits = addr_bits(phys_bits), m = mask & bits, size, run;

        if (m == 0) {
                size = 1ull << phys_bits;       /* matches every address */
        } else {
                size = m & (~m + 1);            /* the lowest one */
                run = m / size;                 /* the ones from there up */
                if ((run & (run + 1)) != 0)
                        return false;
        }
        out->start = base & bits & ~(size - 1);
        out->end = out->start + size;
        out->type = (unsigned)(base & MTRR_PHYSBASE_TYPE);
        return true;
}

/* 11.11.4.1 "MTRR Precedences", for the variable ranges: write-back when a
 * WB range matches and no range of another type does ("If two or more
 * variable memory ranges match and one of the memory types is UC, the UC
 * memory type used"; WT with WB gives WT). With no match the default type
 * applies, UC here. */
static bool write_back_at(const struct mtrr_spans *v, uint64_t a) {
        bool wb = false;

        for (unsigned i = 0; i < v->n; i++) {
                if (a < v->s[i].start || a >= v->s[i].end)
                        continue;
                if (v->s[i].type != MTRR_TYPE_WB)
                        return false;
                wb = true;
        }
        return wb;
}

/* The first boundary of any range above a, or limit. */
static uint64_t next_boundary(const struct mtrr_spans *v, uint64_t a, uint64_t limit) {
        for (unsigned i = 0; i < v->n; i++) {
                if (v->s[i].start > a && v->s[i].start < limit)
                        limit = v->s[i].start;
                if (v->s[i].end > a && v->s[i].end < limit)
                        limit = v->s[i].end;
        }
        return limit;
}

/* The first address in [start, end) that is not write-back (*from) and the
 * end of the stretch from there that is not either (*to); false when every
 * address is write-back. */
static bool next_uncached(const struct mtrr_spans *v, uint64_t start, uint64_t end, uint64_t *from,
                          uint64_t *to) {
        uint64_t a = start;

        while (a < end) {
                uint64_t b = next_boundary(v, a, end);

                if (!write_back_at(v, a)) {
                        *from = a;
                        /* Extend over the following stretches that are also uncached. */
                        while (b < end && !write_back_at(v, b))
                                b = next_boundary(v, b, end);
                        *to = b;
                        return true;
                }
                a = b;
        }
        return false;
}

/* UEFI 2.10, 7.2.3: the memory types that are DRAM the firmware or the OS
 * uses as such. Persistent memory is left to its own driver, unaccepted
 * memory to the guest that accepts it. */
static bool efi_type_is_dram(uint32_t type) {
        switch (type) {
        case EFI_MEM_LOADER_CODE:
        case EFI_MEM_LOADER_DATA:
        case EFI_MEM_BOOT_SERVICES_CODE:
        case EFI_MEM_BOOT_SERVICES_DATA:
        case EFI_MEM_RUNTIME_SERVICES_CODE:
        case EFI_MEM_RUNTIME_SERVICES_DATA:
        case EFI_MEM_CONVENTIONAL:
        case EFI_MEM_ACPI_RECLAIM:
        case EFI_MEM_ACPI_NVS:
                return true;
        default:
                return false;
        }
}

struct may_be_wb {
        const void *efi_map;
        size_t efi_count, desc_size;
        bool first_mib;                 /* the fixed ranges decide there */
        const struct mtrr_spans *var;
};

/* Some range that may be write-back contains a (its end in *end), or, with
 * backwards, contains a - 1 (its start in *end). */
static bool may_be_wb_around(const struct may_be_wb *m, uint64_t a, bool backwards, uint64_t *end) {
        bool found = false;
        uint64_t best = a;

        for (size_t i = 0; i < m->efi_count + m->var->n + 1; i++) {
                uint64_t s, e;

                if (i < m->efi_count) {
                        const struct efi_memory_descriptor d = efi_map_descriptor(m->efi_map, m->desc_size, i);
                        if (!efi_type_is_dram(d.type) || d.number_of_pages == 0 ||
                            d.number_of_pages > (UINT64_MAX - d.physical_start) / PAGE_SIZE_4K)
                                continue;
                        s = d.physical_start;
                        e = s + d.number_of_pages * PAGE_SIZE_4K;
                } else if (i < m->efi_count + m->var->n) {
                        const struct mtrr_span *v = &m->var->s[i - m->efi_count];
                        if (v->type != MTRR_TYPE_WB)
                                continue;
                        s = v->start;
                        e = v->end;
                } else {
                        if (!m->first_mib)
                                continue;
                        s = 0;
                        e = ONE_MIB;
                }
                if (!backwards && s <= a && a < e && e > best) {
                        best = e;
                        found = true;
                }
                if (backwards && a > 0 && s <= a - 1 && a - 1 < e && s < best) {
                        best = s;
                        found = true;
                }
        }
        *end = best;
        return found;
}

/* The largest stretch [*lo, *hi) around a that may be write-back and lies
 * in no firmware range of another type; false when a itself may not. */
static bool may_be_wb_stretch(const struct may_be_wb *m, unsigned firmware_ranges, uint64_t a, uint64_t *lo,
                              uint64_t *hi) {
        uint64_t next;

        if (!may_be_wb_around(m, a, false, hi))
                return false;
        while (may_be_wb_around(m, *hi, false, &next))
                *hi = next;
        *lo = a;
        while (may_be_wb_around(m, *lo, true, &next))
                *lo = next;
        for (unsigned i = 0; i < firmware_ranges; i++) {
                const struct mtrr_span *v = &m->var->s[i];
                if (v->type == MTRR_TYPE_WB || v->end <= *lo || v->start >= *hi)
                        continue;
                if (v->start <= a && a < v->end)
                        return false;
                if (v->end <= a)
                        *lo = v->end;
                else
                        *hi = v->start;
        }
        return true;
}

/* The largest naturally aligned power-of-two block that contains a and
 * lies in [lo, hi) (11.11.4: "each range must be of length 2^n and its base
 * address must be aligned on a 2^n boundary, where n is a value equal to or
 * greater than 12"). [lo, hi) holds at least a's 4 KiB page. */
static void largest_block(uint64_t a, uint64_t lo, uint64_t hi, unsigned phys_bits, uint64_t *start,
                          uint64_t *size) {
        for (unsigned n = phys_bits - 1; n >= 12; n--) {
                uint64_t s = a & ~((1ull << n) - 1);
                if (s >= lo && hi - s >= (1ull << n)) {
                        *start = s;
                        *size = 1ull << n;
                        return;
                }
        }
        *start = a & ~(PAGE_SIZE_4K - 1);
        *size = PAGE_SIZE_4K;
}

static bool is_ram(const struct hvm_memmap_table_entry *e) {
        return e->type == XEN_HVM_MEMMAP_TYPE_RAM && e->size > 0 && e->addr + e->size > e->addr;
}

static enum mtrr_verdict because(struct mtrr_plan *plan, enum mtrr_verdict verdict, const char *why) {
        plan->why = why;
        return verdict;
}

static enum mtrr_verdict decide(const struct mtrr_state *state, const struct hvm_memmap_table_entry *pvh_map,
                                size_t pvh_entries, const void *efi_map, size_t efi_map_size, size_t desc_size,
                                struct mtrr_plan *plan) {
        struct mtrr_spans var = { .n = 0 };
        unsigned count, firmware_ranges, free_slots[MTRR_MAX_VARIABLE] = { 0 }, nr_free = 0;
        unsigned phys_bits = state->phys_bits;
        bool any_wb = false, only_wb_uc = true;
        struct may_be_wb may;

        if (!state->supported)
                return because(plan, MTRR_KEEP, "the processor has no MTRRs");
        /* 11.11.2.1: with E clear "all MTRRs are disabled ... and the UC
         * memory type is applied to all of physical memory"; that is the
         * firmware's choice, and Linux then runs without MTRRs. */
        if (!(state->def_type & MTRR_DEF_TYPE_E))
                return because(plan, MTRR_KEEP, "the MTRRs are disabled");
        /* Linux trims only under a UC default ("if (def !=
         * MTRR_TYPE_UNCACHABLE) return 0;"); under WB, RAM is write-back
         * unless a range says otherwise on purpose. */
        if ((state->def_type & MTRR_DEF_TYPE_TYPE) != MTRR_TYPE_UC)
                return because(plan, MTRR_KEEP, "the default memory type is not UC");
        if (phys_bits < 32 || phys_bits > 52)
                return because(plan, MTRR_CANNOT, "the processor reports an implausible physical address width");
        count = (unsigned)(state->cap & MTRR_CAP_VCNT);
        if (count > MTRR_MAX_VARIABLE)
                return because(plan, MTRR_CANNOT, "the processor has more variable MTRRs than pvhboot reads");

        for (unsigned i = 0; i < count; i++) {
                struct mtrr_span s;
                if (!(state->var[i].mask & MTRR_PHYSMASK_VALID)) {
                        free_slots[nr_free++] = i;
                        continue;
                }
                if (!decode_variable(state->var[i].base, state->var[i].mask, phys_bits, &s)) {
                        plan->linux_trims = true;       /* cannot tell: assume it does */
                        return because(plan, MTRR_CANNOT, "a variable MTRR has a mask with holes");
                }
                any_wb |= s.type == MTRR_TYPE_WB;
                only_wb_uc &= s.type == MTRR_TYPE_WB || s.type == MTRR_TYPE_UC;
                var.s[var.n++] = s;
        }
        firmware_ranges = var.n;

        /* What the firmware's ranges leave uncached. */
        for (size_t i = 0; i < pvh_entries; i++) {
                uint64_t a, from, to;
                if (!is_ram(&pvh_map[i]))
                        continue;
                a = pvh_map[i].addr;
                while (next_uncached(&var, a, pvh_map[i].addr + pvh_map[i].size, &from, &to)) {
                        if (plan->uncached_bytes == 0) {
                                plan->first_uncached_start = from;
                                plan->first_uncached_end = to;
                        }
                        plan->uncached_bytes += to - from;
                        a = to;
                }
        }
        if (plan->uncached_bytes == 0)
                return because(plan, MTRR_KEEP, "all RAM is write-back");
        /* mtrr_trim_uncached_memory() stops at "CPU MTRRs all blank -
         * virtualized system" without a WB range, and unless there are
         * "only WB and UC" ranges. */
        plan->linux_trims = any_wb && only_wb_uc;

        may = (struct may_be_wb){
                .efi_map = efi_map,
                .efi_count = desc_size >= sizeof(struct efi_memory_descriptor) ? efi_map_size / desc_size : 0,
                .desc_size = desc_size,
                .first_mib = (state->cap & MTRR_CAP_FIX) && (state->def_type & MTRR_DEF_TYPE_FE),
                .var = &var,
        };
        for (size_t i = 0; i < pvh_entries; i++) {
                uint64_t a, from, to, lo, hi, start, size;
                if (!is_ram(&pvh_map[i]))
                        continue;
                a = pvh_map[i].addr;
                /* Each block added makes from write-back, so this ends. */
                while (next_uncached(&var, a, pvh_map[i].addr + pvh_map[i].size, &from, &to)) {
                        unsigned slot;
                        /* 11.11.2.3: the base and mask bits above MAXPHYADDR
                         * are reserved (writing them faults), so RAM up
                         * there cannot be given a range. */
                        if (from >> phys_bits)
                                return because(plan, MTRR_CANNOT,
                                               "RAM lies above the processor's physical address width");
                        if (!may_be_wb_stretch(&may, firmware_ranges, from, &lo, &hi))
                                return because(plan, MTRR_CANNOT,
                                               "RAM lies in a variable MTRR of another type than write-back");
                        if (plan->nr_writes == nr_free)
                                return because(plan, MTRR_CANNOT, "more variable MTRRs are needed than are free");
                        largest_block(from, lo, hi, phys_bits, &start, &size);
                        var.s[var.n++] = (struct mtrr_span){ .start = start, .end = start + size,
                                                             .type = MTRR_TYPE_WB };
                        slot = free_slots[plan->nr_writes];
                        plan->writes[plan->nr_writes++] = (struct mtrr_write){
                                .index = slot,
                                .base = start | MTRR_TYPE_WB,
                                .mask = (~(size - 1) & addr_bits(phys_bits)) | MTRR_PHYSMASK_VALID,
                        };
                        a = from;
                }
        }
        return because(plan, MTRR_ADD_WRITE_BACK, NULL);
}

void mtrr_plan_make(const struct mtrr_state *state, const struct hvm_memmap_table_entry *pvh_map,
                    size_t pvh_entries, const void *efi_map, size_t efi_map_size, size_t desc_size,
                    struct mtrr_plan *plan) {
        *plan = (struct mtrr_plan){ .verdict = MTRR_KEEP };
        plan->verdict = decide(state, pvh_map, pvh_entries, efi_map, efi_map_size, desc_size, plan);
        if (plan->verdict != MTRR_ADD_WRITE_BACK)
                plan->nr_writes = 0;    /* writes nothing unless all of it helps */
}
