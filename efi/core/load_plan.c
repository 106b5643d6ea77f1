/* SPDX-License-Identifier: MIT */
#include "load_plan.h"

static unsigned bss_ranges(const struct elf_kernel *k) {
        unsigned n = 0;
        for (unsigned i = 0; i < k->nr_segments; i++)
                n += k->segments[i].mem_size > k->segments[i].file_size;
        return n;
}

/* Runs in file order. Segments do not share file bytes (elf_kernel_parse
 * refuses that), so runs never overlap; insertion sort: at most 128. */
static void sort_runs(struct load_plan *plan) {
        for (unsigned i = 1; i < plan->nr_runs; i++)
                for (unsigned j = i; j > 0 && plan->runs[j - 1].file_offset > plan->runs[j].file_offset; j--) {
                        struct load_run t = plan->runs[j];
                        plan->runs[j] = plan->runs[j - 1];
                        plan->runs[j - 1] = t;
                }
}

enum load_plan_error load_plan_build(const struct elf_kernel *k, const struct phys_range *claimed, size_t nr_claimed,
                                     struct load_plan *plan) {
        *plan = (struct load_plan){ 0 };
        for (unsigned i = 0; i < k->nr_segments; i++) {
                const struct elf_kernel_segment *seg = &k->segments[i];
                uint64_t pos = 0;

                while (pos < seg->file_size) {
                        uint64_t dst = seg->paddr + pos;
                        int in_place;
                        uint64_t len = layout_run_end(claimed, nr_claimed, dst, seg->paddr + seg->file_size,
                                                      &in_place) - dst;

                        if (plan->nr_runs == LOAD_PLAN_MAX_RUNS)
                                return LOAD_PLAN_ERR_TOO_FRAGMENTED;
                        plan->runs[plan->nr_runs++] = (struct load_run){
                                .file_offset = seg->file_offset + pos, .len = len, .paddr = dst, .staged = !in_place };
                        if (in_place)
                                plan->bytes_in_place += len;
                        else {
                                plan->nr_staged++;
                                plan->bytes_staged += len;
                        }
                        pos += len;
                }
        }
        if (plan->nr_staged + bss_ranges(k) > HANDOFF_MAX_COPIES)
                return LOAD_PLAN_ERR_TOO_FRAGMENTED;
        sort_runs(plan);
        return LOAD_PLAN_OK;
}

unsigned load_plan_handoff_copies(const struct load_plan *plan, const struct elf_kernel *k,
                                  struct handoff_copy out[HANDOFF_MAX_COPIES]) {
        unsigned n = 0;

        for (unsigned i = 0; i < plan->nr_runs && n < HANDOFF_MAX_COPIES; i++)
                if (plan->runs[i].staged)
                        out[n++] = (struct handoff_copy){ .dst = (uint32_t)plan->runs[i].paddr,
                                                          .src = plan->runs[i].staging,
                                                          .len = (uint32_t)plan->runs[i].len };
        for (unsigned i = 0; i < k->nr_segments && n < HANDOFF_MAX_COPIES; i++) {
                const struct elf_kernel_segment *seg = &k->segments[i];
                /* src == dst: nothing to move, only the zeroing. */
                if (seg->mem_size > seg->file_size)
                        out[n++] = (struct handoff_copy){ .dst = (uint32_t)(seg->paddr + seg->file_size),
                                                          .src = (uint32_t)(seg->paddr + seg->file_size),
                                                          .zero_len = (uint32_t)(seg->mem_size - seg->file_size) };
        }
        return n;
}
