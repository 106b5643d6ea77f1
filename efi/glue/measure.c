/* SPDX-License-Identifier: MIT */
/*
 * Measured boot, as the last step that can fail before ExitBootServices
 * (entry_prepare() has made every check of the final layout): PCR 9 gets
 * the kernel (the event data hashed is the SHA-256 of the vmlinux file: its
 * segments are not contiguous in memory) and the initrd as loaded, PCR 12
 * the command line. All EV_IPL events, their data a description (see
 * docs/security.md). Should the boot still fail, boot_failed() extends an
 * error separator into both.
 */
#include "boot.h"

#include "tcg2_abi.h"

EFI_STATUS measure_boot(struct boot_request *req, struct boot_state *st) {
        EFI_STATUS status;

        if (!tpm_present())
                return EFI_SUCCESS;
        st->measured = true;
        status = tpm_measure(PVHBOOT_PCR_KERNEL, st->kernel_digest, sizeof(st->kernel_digest),
                             "pvhboot: kernel (SHA-256 of the file)");
        if (!EFI_ERROR(status) && st->initrd_size)
                status = tpm_measure(PVHBOOT_PCR_KERNEL, (const void *)(UINTN)st->initrd, st->initrd_size,
                                     "pvhboot: initrd");
        if (!EFI_ERROR(status))
                status = tpm_measure(PVHBOOT_PCR_CMDLINE, req->options.cmdline, req->options.cmdline_len,
                                     "pvhboot: command line");
        if (EFI_ERROR(status))
                return log_error_status(status, L"TPM: measuring what pvhboot loaded failed");
        log_info(L"measured kernel and initrd into PCR %d, command line into PCR %d", PVHBOOT_PCR_KERNEL,
                 PVHBOOT_PCR_CMDLINE);
        return EFI_SUCCESS;
}

void boot_failed(struct boot_state *st) {
        tpm_log_undo(st);       /* the ACPI TPM2 table as it was: nothing points at a stale copy */
        /* After a first ExitBootServices call only memory services may be
         * used: the TPM is out of reach then. */
        if (st && st->measured && !st->exit_tried && EFI_ERROR(tpm_measure_error_separator()))
                log_warning(L"TPM: could not extend the error separator into PCR %d and %d", PVHBOOT_PCR_KERNEL,
                            PVHBOOT_PCR_CMDLINE);
        pages_free_all();
}
