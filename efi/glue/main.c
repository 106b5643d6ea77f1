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

/* Debian's gnu-efi crt0 (_start) calls efi_main with the System V ABI
 * (%rdi, %rsi), whatever ABI the rest of the program uses for EFI calls. */
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        _cleanup_(request_freep) struct boot_request *req = NULL;
        _cleanup_(boot_state_freep) struct boot_state *st = NULL;
        EFI_STATUS status;

        timing_mark("start", 0);
        InitializeLib(image_handle, system_table);

        status = request_choose(image_handle, &req);
        if (EFI_ERROR(status))
                return status;
        timing_enabled = req->options.timing;
        timing_mark("options", 0);

        status = policy_check_request(req);
        if (!EFI_ERROR(status))
                status = boot_state_new(&st);
        if (!EFI_ERROR(status))
                status = boot_open_sources(req, st);
        if (!EFI_ERROR(status))
                status = kernel_load(req, st);
        if (!EFI_ERROR(status))
                status = initrd_load(req, st);
        if (!EFI_ERROR(status))
                status = policy_verify_pins(req, st);
        if (!EFI_ERROR(status))
                status = entry_prepare(req, st);
        if (!EFI_ERROR(status))
                status = measure_boot(req, st);
        if (!EFI_ERROR(status))
                status = exit_boot_services(req, st);
        if (EFI_ERROR(status)) {
                boot_failed(st);
                return status;
        }
        enter_kernel(st);
}
