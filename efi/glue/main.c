/* SPDX-License-Identifier: MIT */
/*
 * pvhboot: load a vmlinux and its initrds through EFI file protocols, build
 * the PVH start_info, exit boot services and enter the kernel's PVH entry.
 * The steps and what each owns: docs/design.md.
 *
 * Everything that can fail happens before ExitBootServices, and every
 * failure frees what was allocated and returns an error status, so the shell
 * or boot manager that started us keeps working.
 */
#include "boot.h"

static const boot_step BOOT_STEPS[] = {
        policy_check_request,   /* Secure Boot and pins: may this be booted at all? */
        boot_open_sources,      /* every file exists before memory is claimed */
        kernel_load,            /* parse, claim, plan, read once (and hash) */
        initrd_load,
        policy_verify_pins,     /* what was read is what is pinned */
        entry_prepare,          /* start_info, handoff, the final layout checked */
        measure_boot,           /* PCR 9 or 11, and 12: the last step that can fail */
        entry_count_try,        /* boot counting: one try less for this entry */
        smbios_expose,          /* SMBIOS entry points in 0xF0000-0xFFFFF (never fails) */
        tpm_log_publish,        /* the TPM event log for the kernel (ACPI TPM2 log area); only warns */
        exit_boot_services,
};

/* The steps for the request as it stands; *st is what they made. */
static EFI_STATUS run_steps(struct boot_request *req, struct boot_state **st) {
        EFI_STATUS status = boot_state_new(st);

        for (size_t i = 0; i < sizeof(BOOT_STEPS) / sizeof(BOOT_STEPS[0]) && !EFI_ERROR(status); i++)
                status = BOOT_STEPS[i](req, *st);
        return status;
}

/* Debian's gnu-efi crt0 (_start) calls efi_main with the System V ABI
 * (%rdi, %rsi), whatever ABI the rest of the program uses for EFI calls. */
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        _cleanup_(request_freep) struct boot_request *req = NULL;
        _cleanup_(boot_state_freep) struct boot_state *st = NULL;
        EFI_STATUS status;
        bool exit_tried;

        timing_mark("start", 0);
        InitializeLib(image_handle, system_table);

        status = request_choose(image_handle, &req);
        if (EFI_ERROR(status))
                return status;
        timing_enabled = req->options.timing;
        timing_mark("options", 0);

        /* An entry that fails before ExitBootServices gives way to the next. */
        for (;;) {
                status = run_steps(req, &st);
                if (!EFI_ERROR(status))
                        break;
                exit_tried = st && st->exit_tried;
                boot_failed(st);
                boot_state_freep(&st);
                if (exit_tried || EFI_ERROR(request_next_entry(req)))
                        return status;
        }
        enter_kernel(st);
}
