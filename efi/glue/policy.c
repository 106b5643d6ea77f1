/* SPDX-License-Identifier: MIT */
/*
 * Secure Boot and pins (docs/security.md): what may be booted is decided
 * before anything is read (boot_policy.h), and what was read is compared
 * with the pins before anything of it is used.
 */
#include "boot.h"

#include "boot_policy.h"

static const CHAR16 FIX[] = L"build a one-file image (make image) or pin it (make pin), then sign pvhboot";

EFI_STATUS policy_check_request(struct boot_request *req, struct boot_state *st) {
        (void)st;
        struct boot_policy_input in = {
                .secure_boot = req->secure_boot,
                .pins = &req->pins,
                .kernel_from_image = req->kernel_from_image,
                .cmdline_from_image = req->cmdline_from_image,
                .nr_initrds = req->options.nr_initrds,
        };

        switch (boot_policy_check(&in)) {
        case BOOT_POLICY_OK:
                return EFI_SUCCESS;
        case BOOT_POLICY_KERNEL_NOT_VERIFIED:
                return log_error(EFI_SECURITY_VIOLATION, L"Secure Boot is on and the kernel %s is not verified; %s",
                                 req->kernel.name, FIX);
        case BOOT_POLICY_INITRDS_NOT_PINNED:
                if (req->secure_boot)
                        return log_error(EFI_SECURITY_VIOLATION,
                                         L"Secure Boot is on and %d initrd(s) are given but %d pinned; %s",
                                         req->options.nr_initrds, req->pins.nr_initrds, FIX);
                return log_error(EFI_SECURITY_VIOLATION, L"%d initrd(s) given, %d pinned in pvhboot",
                                 req->options.nr_initrds, req->pins.nr_initrds);
        case BOOT_POLICY_CMDLINE_NOT_VERIFIED:
                return log_error(EFI_SECURITY_VIOLATION, L"Secure Boot is on and the command line is not verified; %s",
                                 FIX);
        }
        return log_error(EFI_SECURITY_VIOLATION, L"internal: unknown policy verdict");
}

/* A pin, if there is one, must match what was read. */
static EFI_STATUS check_pin(const uint8_t want[SHA256_DIGEST_SIZE], const uint8_t got[SHA256_DIGEST_SIZE],
                            const CHAR16 *what) {
        char want_hex[2 * SHA256_DIGEST_SIZE + 1], got_hex[2 * SHA256_DIGEST_SIZE + 1];

        if (CompareMem(want, got, SHA256_DIGEST_SIZE) == 0)
                return EFI_SUCCESS;
        digest_to_hex(want, want_hex);
        digest_to_hex(got, got_hex);
        return log_error(EFI_SECURITY_VIOLATION, L"%s: SHA-256 %a does not match the pinned %a", what, got_hex,
                         want_hex);
}

static EFI_STATUS check_pin_of(const uint8_t want[SHA256_DIGEST_SIZE], const void *data, UINT64 len,
                               const CHAR16 *what) {
        uint8_t digest[SHA256_DIGEST_SIZE];
        struct sha256 h;

        sha256_init(&h);
        sha256_update(&h, data, len);
        sha256_final(&h, digest);
        return check_pin(want, digest, what);
}

EFI_STATUS policy_verify_pins(struct boot_request *req, struct boot_state *st) {
        const struct pvh_pins *pins = &req->pins;
        EFI_STATUS status = EFI_SUCCESS;

        if (pins->have_kernel)
                status = check_pin(pins->kernel, st->kernel_digest, req->kernel.name);
        /* A one-file image's .initrd is verified with the image itself. */
        for (unsigned i = 0; i < pins->nr_initrds && !req->kernel_from_image && !EFI_ERROR(status); i++)
                status = check_pin_of(pins->initrd[i], (const UINT8 *)(UINTN)st->initrd + st->initrd_offsets[i],
                                      st->initrd_sources[i].size, req->initrds[i].name);
        if (pins->have_cmdline && !EFI_ERROR(status))
                status = check_pin_of(pins->cmdline, req->options.cmdline, req->options.cmdline_len,
                                      L"options: the command line");
        return status;
}
