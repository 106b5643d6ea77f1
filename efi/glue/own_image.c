/* SPDX-License-Identifier: MIT */
/*
 * PVH one-file images: pvhboot's own image (a .pvhpins section pins what
 * may be booted; a .linux section makes it a one-file image) or a one-file
 * image given as a file (image_file.c). A one-file image is booted from its
 * .linux, .initrd and .cmdline sections instead of any kernel or initrd from
 * the arguments or config. With Secure Boot on, the firmware (or shim)
 * verified pvhboot's own sections; image_file.c verifies a file's.
 */
#include "boot.h"

bool onefile_section(const struct boot_request *req, const char *name, const UINT8 **data, UINTN *size) {
        size_t off, len;

        if (!req->image_file)
                return own_section(req->image, name, data, size);
        if (pe_file_find_section(req->image_file, req->image_file_size, name, &off, &len) != 0)
                return false;
        *data = req->image_file + off;
        *size = len;
        return true;
}

/* f becomes a section in memory (not a file on a volume any more). */
static void section_file(struct boot_file *f, const CHAR16 *image, const CHAR16 *section, const UINT8 *data,
                         UINTN size) {
        ZeroMem(f, sizeof(*f));
        SPrint(f->path, sizeof(f->path), L"(%s %s section)", image, section);
        StrCpy(f->name, f->path);
        f->data = data;
        f->data_size = size;
}

EFI_STATUS request_use_onefile(struct boot_request *req, const CHAR16 *image, const CHAR16 *sections_of) {
        const UINT8 *text, *data;
        UINTN size;

        if (!onefile_section(req, ".linux", &data, &size))
                return log_error(EFI_LOAD_ERROR, L"internal: %s has no .linux section", image);
        if (!req->image_file && (req->options.kernel[0] || req->options.nr_initrds))
                log_info(L"booting the kernel in %s; ignoring kernel=/initrd= from the arguments or config", image);
        else if (req->image_file && req->options.nr_initrds)
                log_info(L"%s: a one-file image brings its own initrd; ignoring initrd= from the arguments or config",
                         image);
        req->kernel_from_image = true;
        section_file(&req->kernel, sections_of, L".linux", data, size);
        req->options.nr_initrds = 0;
        if (onefile_section(req, ".initrd", &data, &size) && size > 0) {
                section_file(&req->initrds[0], sections_of, L".initrd", data, size);
                req->options.nr_initrds = 1;
        }
        /* The image's command line, unless the arguments give one and the
         * platform does not insist on verified input (systemd-stub's rule). */
        if (onefile_section(req, ".cmdline", &text, &size) && (req->secure_boot || req->args.cmdline_wanted == 0)) {
                enum boot_options_error err = boot_options_set_cmdline(&req->options, (const char *)text, size);
                if (err)
                        return log_error(EFI_INVALID_PARAMETER, L"%s: its .cmdline section: %a", image,
                                         boot_options_strerror(err));
                req->cmdline_from_image = true;
        }
        return EFI_SUCCESS;
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
        return request_use_onefile(req, L"pvhboot's own image", L"pvhboot's");
}
