/* SPDX-License-Identifier: MIT */
/*
 * What the kernel is entered with: the start_info block (start_info.h), the
 * handoff code and its parameters (handoff.h). Then every check of the final
 * layout that can be made while pvhboot may still print and fail: nothing
 * pvhboot keeps lies where the kernel goes, and the memory map as it is now
 * passes the checks ExitBootServices' final map must pass.
 */
#include "boot.h"

static EFI_STATUS build_start_info(const struct boot_request *req, struct boot_state *st) {
        EFI_PHYSICAL_ADDRESS address;
        UINT64 rsdp = acpi_find_rsdp();
        EFI_STATUS status;

        if (rsdp)
                log_info(L"ACPI RSDP at 0x%lx", rsdp);
        else
                log_warning(L"no ACPI RSDP in the EFI configuration table; the kernel will see no ACPI");
        /* Below 1 GiB: Linux's early PVH page tables map only that. */
        status = pages_alloc_below(BELOW_1G, sizeof(*st->block), EfiLoaderData, &address);
        if (EFI_ERROR(status))
                return log_error_status(status, L"start_info: no memory below 1 GiB");
        st->block = (struct pvh_boot_block *)(UINTN)address;
        if (start_info_build(st->block, address, req->options.cmdline, req->options.cmdline_len, rsdp, st->initrd,
                             st->initrd_size) != 0)
                return log_error(EFI_LOAD_ERROR, L"internal: start_info cannot be built at 0x%lx", address);
        return EFI_SUCCESS;
}

static EFI_STATUS build_handoff(struct boot_state *st) {
        UINTN blob_size = (UINTN)(handoff_blob_end - handoff_blob_start);
        struct handoff_params *p;
        EFI_STATUS status;

        if (blob_size > HANDOFF_PARAMS_OFFSET)
                return log_error(EFI_LOAD_ERROR, L"internal: handoff code too large");
        /* LoaderCode: executable even where the firmware makes data NX. */
        status = pages_alloc_below(BELOW_4G, HANDOFF_REGION_SIZE, EfiLoaderCode, &st->handoff);
        if (EFI_ERROR(status))
                return log_error_status(status, L"handoff: no memory below 4 GiB");
        CopyMem((void *)(UINTN)st->handoff, handoff_blob_start, blob_size);

        p = st->params = (struct handoff_params *)(UINTN)(st->handoff + HANDOFF_PARAMS_OFFSET);
        ZeroMem(p, sizeof(*p));
        p->gdt[HANDOFF_CS32 / 8] = HANDOFF_GDT_CODE32;
        p->gdt[HANDOFF_DS32 / 8] = HANDOFF_GDT_DATA32;
        p->gdt[HANDOFF_TSS / 8] = HANDOFF_GDT_TSS32;
        p->gdt_limit = sizeof(p->gdt) - 1;
        p->gdt_base = (UINT64)(UINTN)p->gdt;
        p->entry = st->kernel.pvh_entry;
        p->start_info = (uint32_t)(UINTN)&st->block->start_info;
        p->stack_top = (uint32_t)(st->handoff + HANDOFF_REGION_SIZE);
        p->timing = timing_enabled;
        p->nr_copies = load_plan_handoff_copies(&st->plan, &st->kernel, p->copies);
        return EFI_SUCCESS;
}

/* None of the buffers that must live until the kernel runs may sit where
 * the kernel goes. */
static EFI_STATUS check_live_buffers(const struct boot_request *req, const struct boot_state *st) {
        struct phys_range live[128];
        size_t dest_index, n = pages_list(live, 128, 0);
        int hit = layout_find_overlap(st->kernel_ranges, st->nr_kernel_ranges, live, n, &dest_index);

        if (hit >= 0)
                return log_error(EFI_LOAD_ERROR,
                                 L"%s: firmware placed pvhboot's buffer 0x%lx-0x%lx inside the kernel's range 0x%lx-0x%lx; report this",
                                 req->kernel.name, live[hit].start, live[hit].end - 1,
                                 st->kernel_ranges[dest_index].start, st->kernel_ranges[dest_index].end - 1);
        return EFI_SUCCESS;
}

EFI_STATUS entry_prepare(struct boot_request *req, struct boot_state *st) {
        EFI_STATUS status = build_start_info(req, st);

        if (!EFI_ERROR(status))
                status = build_handoff(st);
        if (!EFI_ERROR(status))
                status = check_live_buffers(req, st);
        if (!EFI_ERROR(status))
                status = exit_check_map(req, st, true);
        timing_mark("prepared", 0);
        return status;
}
