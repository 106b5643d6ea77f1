/* SPDX-License-Identifier: MIT */
/*
 * pvhboot's own image: a .pvhpins section pins what may be booted; a .linux
 * section makes it a PVH one-file image, booted with its .initrd and
 * .cmdline instead of any kernel or initrd from the arguments or config.
 * With Secure Boot on, the firmware verified all of these sections.
 */
#include "boot.h"

static void section_file(struct boot_file *f, const CHAR16 *name, const UINT8 *data, UINTN size) {
        StrCpy(f->path, name);
        StrCpy(f->name, name);
        f->data = data;
        f->data_size = size;
}

EFI_STATUS request_use_own_image(struct boot_request *req) {
        const UINT8 *text, *data;
        UINTN size;
        unsigned line;

        req->secure_boot = secure_boot_enabled();
        if (own_section(req->image, ".pvhpins", &text, &size)) {
                enum pins_error err = pins_parse(text, size, &req->pins, &line);
                if (err)
                        return log_error(EFI_SECURITY_VIOLATION, L"pvhboot's .pvhpins section, line %d: %a", line,
                                         pins_strerror(err));
        }
        if (!own_section(req->image, ".linux", &data, &size))
                return EFI_SUCCESS;
        if (req->options.external && req->options.kernel[0]) {
                log_info(L"pvhboot.external: booting the given kernel, not the one in pvhboot's own image");
                return EFI_SUCCESS;
        }

        if (req->options.kernel[0] || req->options.nr_initrds)
                log_info(L"booting the kernel in pvhboot's own image; ignoring kernel=/initrd= from the arguments or config");
        req->kernel_from_image = true;
        section_file(&req->kernel, L"(pvhboot's .linux section)", data, size);
        req->options.nr_initrds = 0;
        if (own_section(req->image, ".initrd", &data, &size) && size > 0) {
                section_file(&req->initrds[0], L"(pvhboot's .initrd section)", data, size);
                req->options.nr_initrds = 1;
        }
        /* The image's command line, unless the arguments give one and the
         * platform does not insist on verified input (systemd-stub's rule). */
        if (own_section(req->image, ".cmdline", &text, &size) && (req->secure_boot || req->args.cmdline_wanted == 0)) {
                enum boot_options_error err = boot_options_set_cmdline(&req->options, (const char *)text, size);
                if (err)
                        return log_error(EFI_INVALID_PARAMETER, L"pvhboot's .cmdline section: %a",
                                         boot_options_strerror(err));
                req->cmdline_from_image = true;
        }
        return EFI_SUCCESS;
}
