/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the MTRR plan (mtrr_plan_make()) on arbitrary register
 * states, PVH maps and EFI maps, and the kernel command-line check
 * (kernel_cmdline_has_param()) on arbitrary strings.
 *
 * Input: byte 0 selects the stride of the EFI map (as fuzz_pvh_memmap);
 * bytes 1..16 the registers (MTRRcap's VCNT and FIX, DEF_TYPE's E, FE and
 * type, MAXPHYADDR); then 8 variable ranges of 16 bytes; then a count of
 * PVH map entries of 24 bytes each; the rest is the EFI map, whose first
 * 64 bytes are also a NUL-terminated command line.
 *
 * Promises checked: writes happen only with MTRR_ADD_WRITE_BACK; each goes
 * to a variable range the firmware left free (valid bit clear), below
 * VCNT, each index once; each is write-back, valid, naturally aligned and
 * a power of two in size within MAXPHYADDR.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtrr_plan.h"
#include "pvh_memmap.h"

#define NR_VAR 8u
#define HEADER (1u + 16u + NR_VAR * 16u + 1u)
#define MAX_PVH 32u

static uint64_t le64(const uint8_t *p) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
                v = v << 8 | p[i];
        return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const size_t strides[] = { 40, 48, 56, 64 };
        struct hvm_memmap_table_entry pvh[MAX_PVH];
        struct mtrr_state st = { 0 };
        struct mtrr_plan plan;
        char cmdline[65];
        size_t nr_pvh, off, stride;

        if (size < HEADER)
                return 0;
        stride = strides[data[0] % 4];
        st.supported = data[1] & 1;
        st.phys_bits = 32 + data[2] % 21;               /* 32..52 */
        st.cap = (data[3] % (NR_VAR + 1)) | (data[4] & 1 ? MTRR_CAP_FIX : 0);
        st.def_type = data[5] | ((uint64_t)(data[6] & 0x0c) << 8);
        for (unsigned i = 0; i < NR_VAR; i++) {
                st.var[i].base = le64(data + 17 + 16 * i);
                st.var[i].mask = le64(data + 25 + 16 * i);
        }
        off = HEADER;
        nr_pvh = data[HEADER - 1] % (MAX_PVH + 1);
        if (nr_pvh > (size - off) / 24)
                nr_pvh = (size - off) / 24;
        for (size_t i = 0; i < nr_pvh; i++, off += 24)
                pvh[i] = (struct hvm_memmap_table_entry){ .addr = le64(data + off), .size = le64(data + off + 8),
                                                          .type = (uint32_t)le64(data + off + 16) };

        mtrr_plan_make(&st, pvh, nr_pvh, data + off, size - off, stride, &plan);

        if (plan.verdict != MTRR_ADD_WRITE_BACK && plan.nr_writes)
                abort();
        if (plan.nr_writes > MTRR_MAX_VARIABLE)
                abort();
        for (unsigned i = 0; i < plan.nr_writes; i++) {
                const struct mtrr_write *w = &plan.writes[i];
                uint64_t phys_mask = st.phys_bits >= 64 ? ~0ull : (1ull << st.phys_bits) - 1;
                uint64_t mask = w->mask & ~0xfffull & phys_mask, range = (~mask & phys_mask) + 1;

                if (w->index >= (st.cap & MTRR_CAP_VCNT) || w->index >= NR_VAR)
                        abort();
                if (st.var[w->index].mask & MTRR_PHYSMASK_VALID)
                        abort();                        /* a firmware range was overwritten */
                for (unsigned j = 0; j < i; j++)
                        if (plan.writes[j].index == w->index)
                                abort();
                if ((w->base & MTRR_PHYSBASE_TYPE) != MTRR_TYPE_WB || !(w->mask & MTRR_PHYSMASK_VALID))
                        abort();
                if (range & (range - 1))
                        abort();                        /* not a power of two */
                if ((w->base & ~0xfffull) & (range - 1))
                        abort();                        /* not naturally aligned */
                if (w->base & ~phys_mask & ~0xfffull)
                        abort();
        }

        /* The command line: the first bytes of the EFI map part. */
        size_t n = size - off < 64 ? size - off : 64;
        memcpy(cmdline, data + off, n);
        cmdline[n] = 0;
        (void)kernel_cmdline_has_param(cmdline, "disable_mtrr_trim");
        (void)kernel_cmdline_has_param(cmdline, "a");
        return 0;
}
