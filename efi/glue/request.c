/* SPDX-License-Identifier: MIT */
/*
 * The boot request: what to boot and where each file is. Sources, later
 * ones overriding earlier ones: pvhboot.conf in pvhboot's directory, the
 * arguments (the shell's argv, or a boot entry's LoadOptions), pvhboot's
 * own image (a one-file image's sections), and, when nothing names a
 * kernel, QEMU's -kernel.
 */
#include "boot.h"

#include "device_path.h"
#include "volume_spec.h"

static const CHAR16 USAGE[] =
        L"usage: pvhboot.efi kernel=PATH [initrd=PATH]... [--] [kernel command line]\n"
        L"  PATH: '\\' or '/' separated; absolute from the root of pvhboot's volume,\n"
        L"        or relative to pvhboot's own directory. initrd= repeats: files are\n"
        L"        concatenated in order. Everything else is the kernel command line.\n";

EFI_STATUS request_add_root(struct boot_request *req, EFI_FILE_HANDLE root) {
        if (req->nr_roots == sizeof(req->roots) / sizeof(req->roots[0])) {
                root->Close(root);
                return log_error(EFI_OUT_OF_RESOURCES, L"internal: more volumes open than a request has room for");
        }
        req->roots[req->nr_roots++] = root;
        return EFI_SUCCESS;
}

/* Close the roots opened after the first keep ones. */
static void close_roots_after(struct boot_request *req, unsigned keep) {
        while (req->nr_roots > keep) {
                EFI_FILE_HANDLE r = req->roots[--req->nr_roots];
                r->Close(r);
        }
}

void request_close_volumes(struct boot_request *req) {
        close_roots_after(req, 0);
        req->own_root = NULL;
}

void request_freep(struct boot_request **req) {
        if (!*req)
                return;
        request_close_volumes(*req);
        request_drop_image_file(*req);
        if ((*req)->entries)
                FreePool((*req)->entries);
        FreePool(*req);
        *req = NULL;
}

/* The directory pvhboot.efi was loaded from, from its file path nodes;
 * the volume root when there are none. */
static void find_own_dir(struct boot_request *req) {
        CHAR16 file[BOOT_PATH_MAX];

        if (!req->image->FilePath ||
            device_path_file_path(req->image->FilePath, DEVICE_PATH_WALK_MAX, file, BOOT_PATH_MAX) != 0 ||
            path_parent(file, req->own_dir, BOOT_PATH_MAX) != 0) {
                req->own_dir[0] = '\\';
                req->own_dir[1] = 0;
        }
}

/*
 * The arguments. From the EFI shell, LoadOptions holds the command line as
 * the shell ran it (argv[0] first) and the shell's parameters protocol the
 * same words split, their quotes removed: the text is what keeps the
 * kernel's words as written, and the argv must agree with it. From a
 * Boot#### entry (or any other caller), LoadOptions is the text alone.
 */
static EFI_STATUS parse_arguments(struct boot_request *req) {
        EFI_GUID shell_params_guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
        EFI_SHELL_PARAMETERS_PROTOCOL *shell = NULL;
        EFI_LOADED_IMAGE *image = req->image;
        enum boot_options_error err = BOOT_OPTIONS_OK;

        boot_options_init(&req->args);
        if (!EFI_ERROR(BS->OpenProtocol(req->image_handle, &shell_params_guid, (void **)&shell, req->image_handle,
                                        NULL, EFI_OPEN_PROTOCOL_GET_PROTOCOL)) &&
            shell && shell->Argc > 0) {
                const uint16_t *const *argv = (const uint16_t *const *)shell->Argv + 1;
                err = image->LoadOptions ? boot_options_add_shell_line(&req->args, image->LoadOptions,
                                                                       image->LoadOptionsSize, argv, shell->Argc - 1)
                                         : BOOT_OPTIONS_ERR_SHELL_MISMATCH;
                if (err == BOOT_OPTIONS_ERR_SHELL_MISMATCH) {
                        log_warning(L"options: the shell's command line text does not match its arguments; "
                                    L"using the arguments (kernel words joined by one blank, quotes re-added)");
                        boot_options_init(&req->args);
                        err = boot_options_add_argv(&req->args, argv, shell->Argc - 1);
                }
        } else if (load_options_are_text(image->LoadOptions, image->LoadOptionsSize))
                err = boot_options_add_load_options(&req->args, image->LoadOptions, image->LoadOptionsSize);

        if (err == BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG)
                return log_error(EFI_INVALID_PARAMETER,
                                 L"options: kernel command line is %ld bytes, Linux accepts at most %d; shorten it",
                                 (UINT64)req->args.cmdline_wanted, PVH_CMDLINE_MAX);
        if (err)
                return log_error(EFI_INVALID_PARAMETER, L"options: %a", boot_options_strerror(err));
        return EFI_SUCCESS;
}

/* pvhboot.conf in pvhboot's own directory, if there is one. */
static EFI_STATUS read_config(struct boot_request *req) {
        _cleanup_pool_ void *text = NULL;
        enum config_error err;
        UINT64 size = 0;
        unsigned line;
        EFI_STATUS status;

        if (!req->own_root)
                return EFI_SUCCESS;
        if (path_resolve(req->own_dir, (const uint16_t *)L"pvhboot.conf", req->config_path, BOOT_PATH_MAX) != 0)
                return log_error(EFI_INVALID_PARAMETER, L"%s: pvhboot's directory path is too long", req->own_dir);
        status = file_read_all(req->own_root, req->config_path, CONFIG_MAX_SIZE, &text, &size);
        if (status == EFI_NOT_FOUND) {
                req->config_path[0] = 0;
                return EFI_SUCCESS;
        }
        if (EFI_ERROR(status))
                return status;
        err = config_parse(text, size, &req->config, &line);
        if (err)
                return log_error(EFI_INVALID_PARAMETER, L"%s:%d: %a", req->config_path, line, config_strerror(err));
        req->conf_timing = req->config.options.timing;
        req->menu_timeout = req->config.timeout;
        CopyMem(req->default_pattern, req->config.default_pattern, sizeof(req->default_pattern));
        req->editor = req->config.editor != 0;
        return EFI_SUCCESS;
}

static void name_file(const struct boot_request *req, struct boot_file *f, unsigned line, const CHAR16 *path) {
        if (line)
                SPrint(f->name, sizeof(f->name), L"%s:%d: %s", req->config_path, line, path);
        else
                SPrint(f->name, sizeof(f->name), L"%s", path);
}

/*
 * Where the file given as given (from the arguments, or config line line)
 * is: on the volume it names (LABEL=, GUID=), else on pvhboot's own volume,
 * else on the first other volume that has it. A file found nowhere is left
 * on pvhboot's volume, where opening it reports it missing.
 */
static EFI_STATUS locate(struct boot_request *req, const uint16_t *given, unsigned line, struct boot_file *f) {
        _cleanup_pool_ CHAR16 *where = NULL;
        struct volume_spec spec;
        const uint16_t *rest;
        enum volume_spec_error err;
        EFI_FILE_HANDLE found;

        name_file(req, f, line, given);
        err = volume_spec_parse(given, &spec, &rest);
        if (err)
                return log_error(EFI_INVALID_PARAMETER, L"%s: %a", f->name, volume_spec_strerror(err));
        /* A named volume's paths start at its root. */
        if (path_resolve(spec.kind == VOLUME_ANY ? req->own_dir : NULL, rest, f->path, BOOT_PATH_MAX) != 0)
                return log_error(EFI_INVALID_PARAMETER, L"%s: path too long", f->name);

        f->root = req->own_root;
        if (spec.kind == VOLUME_ANY) {
                struct efi_file probe;
                name_file(req, f, line, f->path);
                if (req->own_root && !EFI_ERROR(file_open_quiet(req->own_root, f->path, &probe))) {
                        file_close(&probe);
                        return EFI_SUCCESS;
                }
                found = volume_find(&spec, req->image->DeviceHandle, f->path, &where);
                if (!found)
                        return req->own_root ? EFI_SUCCESS
                                             : log_error(EFI_NOT_FOUND, L"%s: file not found on any volume", f->name);
                log_info(L"%s: not on pvhboot's volume; using the one on %s", f->path, where ? where : L"(unknown)");
        } else {
                found = volume_find(&spec, NULL, NULL, &where);
                if (!found)
                        return log_error(EFI_NOT_FOUND, L"%s: %s", f->name,
                                         spec.kind == VOLUME_LABEL ? L"no volume has that label"
                                                                   : L"no GPT partition has that GUID");
        }
        f->root = found;
        return request_add_root(req, found);
}

static EFI_STATUS locate_files(struct boot_request *req) {
        EFI_STATUS status = locate(req, req->options.kernel, req->options.kernel_line, &req->kernel);

        for (unsigned i = 0; i < req->options.nr_initrds && !EFI_ERROR(status); i++)
                status = locate(req, req->options.initrd[i], req->options.initrd_line[i], &req->initrds[i]);
        return status;
}

static EFI_STATUS no_kernel(const struct boot_request *req) {
        Print(L"%s", USAGE);
        return log_error(EFI_INVALID_PARAMETER, L"options: no kernel= given%s%s; nothing to boot",
                         req->config_path[0] ? L" and no linux line in " : L" and no pvhboot.conf",
                         req->config_path[0] ? req->config_path : L"");
}

static EFI_STATUS open_own_image(EFI_HANDLE image_handle, struct boot_request **out) {
        EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
        struct boot_request *req = AllocateZeroPool(sizeof(*req));
        EFI_STATUS status;

        if (!req)
                return log_error(EFI_OUT_OF_RESOURCES, L"out of memory");
        *out = req;
        req->image_handle = image_handle;
        status = BS->OpenProtocol(image_handle, &loaded_image_guid, (void **)&req->image, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status))
                return log_error_status(status, L"cannot get pvhboot's loaded image");
        find_own_dir(req);
        /* No file system on pvhboot's device is not an error yet: a
         * one-file image needs none. */
        req->own_root = req->image->DeviceHandle ? LibOpenRoot(req->image->DeviceHandle) : NULL;
        return req->own_root ? request_add_root(req, req->own_root) : EFI_SUCCESS;
}

/* Everything the request holds for one entry, from its config and the
 * arguments: pvhboot's own image, QEMU's -kernel, where each file is. */
static EFI_STATUS use_entry(struct boot_request *req) {
        enum boot_options_error err;
        EFI_STATUS status;

        if (req->nr_entries) {
                const struct boot_entry *e = &req->entries[req->current_entry];
                req->config = e->config;
                StrCpy(req->config_path, e->path);
        }
        /* Whatever an entry tried before left: volumes it found, files. */
        close_roots_after(req, req->own_root ? 1 : 0);
        ZeroMem(&req->kernel, sizeof(req->kernel));
        ZeroMem(req->initrds, sizeof(req->initrds));
        request_drop_image_file(req);
        req->kernel_from_image = req->cmdline_from_image = false;

        err = boot_options_merge(&req->options, &req->config.options, &req->args);
        if (err)
                return log_error(EFI_INVALID_PARAMETER, L"options: %a", boot_options_strerror(err));
        req->options.timing = req->options.timing || req->conf_timing;
        if (req->cmdline_edited && req->current_entry == 0) {
                err = boot_options_set_cmdline(&req->options, req->edited_cmdline, sizeof(req->edited_cmdline));
                if (err)
                        return log_error(EFI_INVALID_PARAMETER, L"options: %a", boot_options_strerror(err));
        }
        /* "pvhboot.entry=ID": which entry the system booted, for the unit
         * that marks it good (a PVH-booted kernel has no EFI variables). */
        if (req->nr_entries && req->entries[req->current_entry].from_dir &&
            boot_options_append_words(&req->options, "pvhboot.entry=", req->entries[req->current_entry].id))
                return log_error(EFI_INVALID_PARAMETER,
                                 L"%s: the command line with pvhboot.entry= is %d bytes, Linux accepts at most %d; "
                                 L"shorten its options", req->config_path, req->options.cmdline_wanted,
                                 PVH_CMDLINE_MAX);
        status = request_use_own_image(req);
        if (!EFI_ERROR(status) && !req->kernel_from_image && !req->options.kernel[0])
                status = request_use_qemu_loader(req);
        if (EFI_ERROR(status))
                return status;
        if (!req->kernel_from_image && !req->kernel.root && !req->kernel.fw_cfg) {
                if (!req->options.kernel[0])
                        return no_kernel(req);
                status = locate_files(req);
                if (!EFI_ERROR(status))
                        status = request_use_image_file(req);
                if (EFI_ERROR(status))
                        return status;
        }
        if (req->config.title[0] && !req->kernel_from_image)
                log_info(L"booting \"%a\" from %s", req->config.title, req->config_path);
        return EFI_SUCCESS;
}

EFI_STATUS request_next_entry(struct boot_request *req) {
        while (req->current_entry + 1 < req->nr_entries) {
                req->current_entry++;
                /* BLS: an entry with no tries left is not booted on its own. */
                if (entry_out_of_tries(&req->entries[req->current_entry].counter)) {
                        log_info(L"skipping %s: no tries left", req->entries[req->current_entry].path);
                        continue;
                }
                log_info(L"trying the next entry, %s", req->entries[req->current_entry].path);
                if (!EFI_ERROR(use_entry(req)))
                        return EFI_SUCCESS;
        }
        return EFI_NOT_FOUND;
}

EFI_STATUS request_choose(EFI_HANDLE image_handle, struct boot_request **out) {
        struct boot_request *req;
        EFI_STATUS status;

        status = open_own_image(image_handle, out);
        if (EFI_ERROR(status))
                return status;
        req = *out;
        status = parse_arguments(req);
        if (!EFI_ERROR(status))
                status = read_config(req);
        /* A kernel= argument names what to boot: no entries then. */
        if (!EFI_ERROR(status) && !req->args.kernel[0])
                status = request_list_entries(req);
        if (!EFI_ERROR(status) && req->nr_entries)
                status = request_menu(req);
        if (EFI_ERROR(status))
                return status;
        status = use_entry(req);
        if (EFI_ERROR(status) && request_next_entry(req) == EFI_SUCCESS)
                status = EFI_SUCCESS;
        return status;
}
