/* SPDX-License-Identifier: MIT */
/*
 * Measured boot, as the last step that can fail before ExitBootServices
 * (entry_prepare() has made every check of the final layout). All EV_IPL
 * events (docs/security.md has the table):
 *
 * - a one-file image: its sections into PCR 11 as systemd-stub measures a
 *   unified kernel image (include/stub_measure.h), so that
 *   `systemd-measure calculate` predicts PCR 11;
 * - a kernel and initrd read from files: PCR 9, the kernel as the SHA-256
 *   of the vmlinux file (its segments are not contiguous in memory), the
 *   initrd as loaded;
 * - the command line, unless it is the image's own .cmdline (in PCR 11
 *   already): PCR 12, as UTF-16 with its NUL, the same bytes as event data
 *   (systemd-stub's form for a command line from its load options).
 *
 * Should the boot still fail, boot_failed() extends an error separator into
 * every PCR this extended.
 */
#include "boot.h"

#include "stub_measure.h"
#include "tcg2_abi.h"

/* PCR 11, for each section systemd-stub measures that the image has: an
 * event over the name with its NUL, then one over its VirtualSize bytes;
 * both logged with the name as UTF-16 event data (stub.c,
 * tpm_log_event_ascii()). */
static EFI_STATUS measure_image_sections(struct boot_request *req, struct boot_state *st) {
        for (size_t i = 0; stub_pcr11_sections[i]; i++) {
                const char *name = stub_pcr11_sections[i];
                CHAR16 event[16];
                const UINT8 *data;
                UINTN size, n = 0;
                EFI_STATUS status;

                if (!onefile_section(req, name, &data, &size))
                        continue;
                while (name[n] && n + 1 < sizeof(event) / sizeof(event[0])) {
                        event[n] = (CHAR16)name[n];
                        n++;
                }
                event[n] = 0;
                st->measured_pcrs |= 1u << PVHBOOT_PCR_IMAGE;
                status = tpm_measure_utf16(PVHBOOT_PCR_IMAGE, name, n + 1, event);
                if (!EFI_ERROR(status))
                        status = tpm_measure_utf16(PVHBOOT_PCR_IMAGE, data, size, event);
                if (EFI_ERROR(status))
                        return log_error_status(status, L"TPM: measuring the one-file image's %a section into PCR %d failed",
                                                name, PVHBOOT_PCR_IMAGE);
        }
        return EFI_SUCCESS;
}

static EFI_STATUS measure_files(struct boot_state *st) {
        EFI_STATUS status;

        st->measured_pcrs |= 1u << PVHBOOT_PCR_KERNEL;
        status = tpm_measure(PVHBOOT_PCR_KERNEL, st->kernel_digest, sizeof(st->kernel_digest),
                             "pvhboot: kernel (SHA-256 of the file)");
        if (!EFI_ERROR(status) && st->initrd_size)
                status = tpm_measure(PVHBOOT_PCR_KERNEL, (const void *)(UINTN)st->initrd, st->initrd_size,
                                     "pvhboot: initrd");
        if (EFI_ERROR(status))
                return log_error_status(status, L"TPM: measuring the kernel and initrd into PCR %d failed",
                                        PVHBOOT_PCR_KERNEL);
        return EFI_SUCCESS;
}

static EFI_STATUS measure_cmdline(struct boot_request *req, struct boot_state *st) {
        size_t cap = req->options.cmdline_len + 1, units;
        UINT16 *text;
        EFI_STATUS status;

        text = AllocatePool(cap * sizeof(*text));
        if (!text)
                return log_error_status(EFI_OUT_OF_RESOURCES, L"TPM: no memory for the command line's UTF-16 form");
        if (cmdline_to_utf16(req->options.cmdline, req->options.cmdline_len, text, cap, &units) != 0) {
                FreePool(text);         /* cannot happen: len + 1 units always suffice */
                return log_error_status(EFI_BAD_BUFFER_SIZE, L"TPM: the command line's UTF-16 form does not fit");
        }
        st->measured_pcrs |= 1u << PVHBOOT_PCR_CMDLINE;
        status = tpm_measure_utf16(PVHBOOT_PCR_CMDLINE, text, units * sizeof(*text), text);
        FreePool(text);
        if (EFI_ERROR(status))
                return log_error_status(status, L"TPM: measuring the command line into PCR %d failed",
                                        PVHBOOT_PCR_CMDLINE);
        return EFI_SUCCESS;
}

EFI_STATUS measure_boot(struct boot_request *req, struct boot_state *st) {
        EFI_STATUS status;

        if (!tpm_present())
                return EFI_SUCCESS;
        status = req->kernel_from_image ? measure_image_sections(req, st) : measure_files(st);
        if (EFI_ERROR(status))
                return status;
        if (!req->cmdline_from_image) {
                status = measure_cmdline(req, st);
                if (EFI_ERROR(status))
                        return status;
        }
        if (req->kernel_from_image && req->cmdline_from_image)
                log_info(L"measured the one-file image's sections into PCR %d (the command line is one of them)",
                         PVHBOOT_PCR_IMAGE);
        else if (req->kernel_from_image)
                log_info(L"measured the one-file image's sections into PCR %d, the command line into PCR %d",
                         PVHBOOT_PCR_IMAGE, PVHBOOT_PCR_CMDLINE);
        else
                log_info(L"measured kernel and initrd into PCR %d, command line into PCR %d", PVHBOOT_PCR_KERNEL,
                         PVHBOOT_PCR_CMDLINE);
        return EFI_SUCCESS;
}

void boot_failed(struct boot_state *st) {
        tpm_log_undo(st);       /* the ACPI TPM2 table as it was: nothing points at a stale copy */
        /* After a first ExitBootServices call only memory services may be
         * used: the TPM is out of reach then. */
        if (st && st->measured_pcrs && !st->exit_tried && EFI_ERROR(tpm_measure_error_separator(st->measured_pcrs)))
                log_warning(L"TPM: could not extend the error separator into the PCRs pvhboot measured into");
        pages_free_all();
}
