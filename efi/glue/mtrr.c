/* SPDX-License-Identifier: MIT */
/*
 * The MTRRs: read what the firmware left, decide with the final memory map
 * (mtrr_plan.h) and, after ExitBootServices, add the write-back ranges
 * that make the kernel's RAM cacheable. Under U-Boot's qemu-x86_64 build
 * only its flash is write-back, and Linux would otherwise remove all of
 * its RAM (docs/u-boot.md).
 *
 * The ranges are written once the firmware is gone, so its code never runs
 * under memory types it did not choose, and only on the processor pvhboot
 * runs on: Linux copies the boot processor's MTRRs to each processor it
 * starts (mtrr_ap_init()), as Intel SDM vol. 3A, 11.11.8 "MTRR
 * Considerations in MP Systems" asks of the operating system: "In general,
 * all processors must have the same MTRR values."
 */
#include "boot.h"
#include "mtrr_plan.h"

#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR4_PGE (1ull << 7)
#define RFLAGS_IF (1ull << 9)

static UINT64 read_msr(UINT32 msr) {
        UINT32 lo, hi;

        __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
        return (UINT64)hi << 32 | lo;
}

static void write_msr(UINT32 msr, UINT64 value) {
        __asm__ volatile("wrmsr" : : "c"(msr), "a"((UINT32)value), "d"((UINT32)(value >> 32)) : "memory");
}

/* 11.11.1 "MTRR Feature Identification": CPUID.01H:EDX.MTRR[bit 12] says
 * IA32_MTRRCAP and the MTRRs exist. MAXPHYADDR bounds the address bits of
 * PHYSBASE and PHYSMASK (11.11.2.3); writing a bit above it faults. */
static void read_state(struct mtrr_state *s) {
        UINT32 r[4];

        ZeroMem(s, sizeof(*s));
        cpuid(0, r);
        if (r[0] < 1)
                return;
        cpuid(1, r);
        if (!(r[3] & (1u << 12)))
                return;
        s->supported = true;
        cpuid(0x80000000, r);
        if (r[0] >= 0x80000008) {
                cpuid(0x80000008, r);
                s->phys_bits = r[0] & 0xFF;
        } else {
                s->phys_bits = 36;      /* the SDM's value for a processor with PAE but no such leaf */
        }
        s->cap = read_msr(MSR_IA32_MTRRCAP);
        s->def_type = read_msr(MSR_IA32_MTRR_DEF_TYPE);
        for (UINT32 i = 0; i < (s->cap & MTRR_CAP_VCNT) && i < MTRR_MAX_VARIABLE; i++) {
                s->var[i].base = read_msr(MSR_IA32_MTRR_PHYSBASE(i));
                s->var[i].mask = read_msr(MSR_IA32_MTRR_PHYSMASK(i));
        }
}

EFI_STATUS mtrr_check(const struct boot_state *st, struct mtrr_plan *plan) {
        struct mtrr_state state;
        const struct pvh_boot_block *b = st->block;

        read_state(&state);
        mtrr_plan_make(&state, b->memmap, b->start_info.memmap_entries, st->memmap.buffer, st->memmap.size,
                       st->memmap.desc_size, plan);
        /* Only when the kernel would then lose RAM, and was not told to
         * keep it, is there nothing to boot. */
        if (plan->verdict == MTRR_CANNOT && plan->linux_trims &&
            !kernel_cmdline_has_param(b->cmdline, "disable_mtrr_trim"))
                return log_error(EFI_UNSUPPORTED,
                                 L"MTRRs: the firmware leaves RAM 0x%lx-0x%lx uncached and pvhboot cannot make it "
                                 L"write-back (%a), so Linux would remove it from its memory map; add "
                                 L"disable_mtrr_trim to the kernel command line",
                                 plan->first_uncached_start, plan->first_uncached_end - 1, plan->why);
        return EFI_SUCCESS;
}

void mtrr_report(const struct mtrr_plan *plan) {
        if (plan->verdict == MTRR_ADD_WRITE_BACK) {
                const struct mtrr_write *w = &plan->writes[0];
                UINT64 bits = w->mask & ~(MTRR_PHYSMASK_VALID | 0xFFFull);
                log_info(L"MTRRs: the firmware leaves %ld KiB of RAM uncached (0x%lx-0x%lx first, default type UC); "
                         L"after ExitBootServices pvhboot makes it write-back with %d variable range%s (MTRR %d: "
                         L"0x%lx, %ld KiB%s)",
                         plan->uncached_bytes >> 10, plan->first_uncached_start, plan->first_uncached_end - 1,
                         plan->nr_writes, plan->nr_writes == 1 ? L"" : L"s", w->index,
                         w->base & ~MTRR_PHYSBASE_TYPE, (bits & (~bits + 1)) >> 10,
                         plan->nr_writes > 1 ? L", ..." : L"");
        } else if (plan->verdict == MTRR_CANNOT) {
                /* mtrr_check() let this pass: Linux keeps the RAM, uncached. */
                log_warning(L"MTRRs: RAM 0x%lx-0x%lx stays uncached (%a)", plan->first_uncached_start,
                            plan->first_uncached_end - 1, plan->why);
        }
}

/*
 * 11.11.7.2 "MemTypeSet() Function" and 11.11.8: the update sequence. "Enter
 * the no-fill cache mode. (Set the CD flag in control register CR0 to 1 and
 * the NW flag to 0.)", "Flush all caches using the WBINVD instructions",
 * flush the TLBs (by clearing CR4.PGE, or reloading CR3 when it is clear),
 * "Disable all range registers (by clearing the E flag in register
 * MTRRdefType)", update them, set E again, flush caches and TLBs a second
 * time, "Enter the normal cache mode to re-enable caching", restore PGE.
 * Interrupts are off throughout (the firmware is gone; nothing is
 * expected). Only MSRs the plan checked are written, with values it
 * checked: nothing here can fail.
 */
void mtrr_apply(const struct mtrr_plan *plan) {
        UINT64 rflags, cr0, cr3, cr4, def_type;

        if (plan->verdict != MTRR_ADD_WRITE_BACK || plan->nr_writes == 0)
                return;
        __asm__ volatile("pushfq; popq %0; cli" : "=r"(rflags) : : "memory");
        __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
        __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
        __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));

        __asm__ volatile("mov %0, %%cr0; wbinvd" : : "r"((cr0 | CR0_CD) & ~CR0_NW) : "memory");
        if (cr4 & CR4_PGE)
                __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~CR4_PGE) : "memory");
        else
                __asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");

        def_type = read_msr(MSR_IA32_MTRR_DEF_TYPE);
        write_msr(MSR_IA32_MTRR_DEF_TYPE, def_type & ~MTRR_DEF_TYPE_E);
        for (unsigned i = 0; i < plan->nr_writes; i++) {
                write_msr(MSR_IA32_MTRR_PHYSBASE(plan->writes[i].index), plan->writes[i].base);
                write_msr(MSR_IA32_MTRR_PHYSMASK(plan->writes[i].index), plan->writes[i].mask);
        }
        write_msr(MSR_IA32_MTRR_DEF_TYPE, def_type);

        __asm__ volatile("wbinvd; mov %0, %%cr3" : : "r"(cr3) : "memory");
        __asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
        if (cr4 & CR4_PGE)
                __asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
        if (rflags & RFLAGS_IF)
                __asm__ volatile("sti" : : : "memory");
}
