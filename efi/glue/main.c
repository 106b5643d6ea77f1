/* SPDX-License-Identifier: MIT */
/*
 * pvhboot: load a vmlinux and its initrds through EFI file protocols, build
 * the PVH start_info, exit boot services and enter the kernel's PVH entry.
 *
 * Everything that can fail happens before ExitBootServices, and every
 * failure frees what was allocated and returns an error status, so the shell
 * or boot manager that started us keeps working.
 */
#include "glue.h"

#include "boot_config.h"
#include "boot_options.h"
#include "elf_kernel.h"
#include "fw_cfg.h"
#include "handoff.h"
#include "layout.h"
#include "pvh_memmap.h"
#include "pvh_start_info.h"
#include "qemu_kernel.h"

#define BELOW_4G 0xFFFFFFFFull
#define BELOW_1G 0x3FFFFFFFull

/*
 * Everything start_info points at, in one allocation below 1 GiB (Linux's
 * early PVH page tables map only the first 1 GiB). Recent Linux uses the
 * bytes around start_info as a scratch stack before it has one, so
 * start_info does not sit at the very start of the allocation.
 */
struct pvh_boot_block {
        uint8_t scratch[64];
        struct hvm_start_info start_info;
        struct hvm_modlist_entry modlist[1];
        struct hvm_memmap_table_entry memmap[PVH_MEMMAP_MAX_ENTRIES];
        char cmdline[PVH_CMDLINE_MAX + 1];
};

static const CHAR16 USAGE[] =
        L"usage: pvhboot.efi kernel=PATH [initrd=PATH]... [--] [kernel command line]\n"
        L"  PATH: '\\' or '/' separated; absolute from the root of pvhboot's volume,\n"
        L"        or relative to pvhboot's own directory. initrd= repeats: files are\n"
        L"        concatenated in order. Everything else is the kernel command line.\n";

#define NAME_MAX (2 * BOOT_PATH_MAX + 16)

static struct boot_options args, options;
static struct boot_config config;
static CHAR16 own_dir[BOOT_PATH_MAX];
static CHAR16 config_path[BOOT_PATH_MAX];
static CHAR16 kernel_path[BOOT_PATH_MAX];
static CHAR16 initrd_paths[BOOT_MAX_INITRDS][BOOT_PATH_MAX];
/* How messages name each file: its path, or "config:line: path". */
static CHAR16 kernel_name[NAME_MAX];
static CHAR16 initrd_names[BOOT_MAX_INITRDS][NAME_MAX];
/* The volume each file is read from, and the volumes opened besides
 * pvhboot's own (closed when pvhboot is done with files). */
static EFI_HANDLE own_device;
static EFI_FILE_HANDLE own_root, kernel_root, initrd_roots[BOOT_MAX_INITRDS];
static EFI_FILE_HANDLE other_roots[1 + BOOT_MAX_INITRDS];
static unsigned nr_other_roots;

/* The directory pvhboot.efi was loaded from, from its file path nodes. */
static void find_own_dir(EFI_LOADED_IMAGE *image) {
        CHAR16 file[BOOT_PATH_MAX];
        UINTN len = 0;

        file[0] = 0;
        for (EFI_DEVICE_PATH *dp = image->FilePath; dp && !IsDevicePathEnd(dp);
             dp = NextDevicePathNode(dp)) {
                if (DevicePathType(dp) != MEDIA_DEVICE_PATH || DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
                        continue;
                FILEPATH_DEVICE_PATH *fp = (FILEPATH_DEVICE_PATH *)dp;
                UINTN n = (DevicePathNodeLength(dp) - SIZE_OF_FILEPATH_DEVICE_PATH) / sizeof(CHAR16);
                /* Nodes are concatenated; each may or may not end in NUL. */
                if (len > 0 && len + 1 < BOOT_PATH_MAX && file[len - 1] != '\\')
                        file[len++] = '\\';
                for (UINTN i = 0; i < n && fp->PathName[i] && len + 1 < BOOT_PATH_MAX; i++)
                        file[len++] = fp->PathName[i];
                file[len] = 0;
        }
        if (path_parent(file, own_dir, BOOT_PATH_MAX) < 0) {
                own_dir[0] = '\\';
                own_dir[1] = 0;
        }
}

static EFI_STATUS parse_arguments(EFI_HANDLE image_handle, EFI_LOADED_IMAGE *image) {
        EFI_GUID shell_params_guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
        EFI_SHELL_PARAMETERS_PROTOCOL *shell = NULL;
        enum boot_options_error err;

        boot_options_init(&args);
        /* From the shell, LoadOptions is the whole command line with argv[0];
         * the shell's own split is the one the user expects. */
        if (!EFI_ERROR(BS->OpenProtocol(image_handle, &shell_params_guid, (void **)&shell, image_handle,
                                        NULL, EFI_OPEN_PROTOCOL_GET_PROTOCOL)) &&
            shell && shell->Argc > 0)
                err = boot_options_add_argv(&args, (const uint16_t *const *)shell->Argv + 1, shell->Argc - 1);
        else if (load_options_are_text(image->LoadOptions, image->LoadOptionsSize))
                err = boot_options_add_load_options(&args, image->LoadOptions, image->LoadOptionsSize);
        else
                err = BOOT_OPTIONS_OK;

        if (err == BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG)
                return log_error_status(EFI_INVALID_PARAMETER,
                                        L"options: kernel command line is %ld bytes, Linux accepts at most %d; shorten it",
                                        (UINT64)args.cmdline_wanted, PVH_CMDLINE_MAX);
        if (err)
                return log_error_status(EFI_INVALID_PARAMETER, L"options: %a", boot_options_strerror(err));
        return EFI_SUCCESS;
}

/* pvhboot.conf in pvhboot's own directory, if there is one. */
static EFI_STATUS read_config(EFI_FILE_HANDLE root) {
        enum config_error err;
        void *text = NULL;
        UINT64 size = 0;
        unsigned line;
        EFI_STATUS status;

        if (path_resolve(own_dir, (const uint16_t *)L"pvhboot.conf", config_path, BOOT_PATH_MAX) < 0)
                return log_error_status(EFI_INVALID_PARAMETER, L"%s: pvhboot's directory path is too long", own_dir);
        status = file_read_all(root, config_path, CONFIG_MAX_SIZE, &text, &size);
        if (status == EFI_NOT_FOUND) {
                config_path[0] = 0;
                return EFI_SUCCESS;
        }
        if (EFI_ERROR(status))
                return status;
        err = config_parse(text, size, &config, &line);
        FreePool(text);
        if (err)
                return log_error_status(EFI_INVALID_PARAMETER, L"%s:%d: %a", config_path, line, config_strerror(err));
        return EFI_SUCCESS;
}

static void make_name(CHAR16 *name, unsigned line, const CHAR16 *path) {
        if (line)
                SPrint(name, NAME_MAX * sizeof(CHAR16), L"%s:%d: %s", config_path, line, path);
        else
                SPrint(name, NAME_MAX * sizeof(CHAR16), L"%s", path);
}

/* No kernel from the arguments or pvhboot.conf: QEMU's -kernel, if any.
 * Everything then comes from QEMU's kernel loader file system; the command
 * line from -append unless the arguments or the config gave one. */
static int from_qemu_loader;

/* QEMU's -kernel was a PVH ELF, which QEMU passes only in part: the same
 * vmlinux is read from the fw_cfg file opt/org.pvhboot/kernel instead. */
static int from_fw_cfg;
static UINT16 fw_cfg_kernel_select;
static UINT32 fw_cfg_kernel_size;

/* A PVH one-file image: pvhboot's own .linux/.initrd/.cmdline sections. */
static const UINT8 *image_kernel, *image_initrd;
static UINTN image_kernel_size, image_initrd_size;
static int from_image, cmdline_from_image;

/* .pvhpins, and what was verified against pins or came from the image. */
static struct pvh_pins pins;
static int secure_boot;

static EFI_STATUS use_qemu_loader(EFI_FILE_HANDLE *root) {
        /* Its Open() knows the bare names only, not "\\kernel". */
        static const CHAR16 kernel[] = L"kernel", initrd[] = L"initrd";
        EFI_FILE_HANDLE qroot = qemu_loader_open_root();
        struct efi_file f;
        void *text;
        UINT64 size;
        EFI_STATUS status;

        if (!qroot)
                return EFI_SUCCESS;
        log_info(L"no kernel given: booting QEMU's -kernel from OVMF's kernel loader file system");
        if (options.nr_initrds)
                log_info(L"warning: ignoring %d initrd(s) from the arguments or config; using QEMU's -initrd",
                         options.nr_initrds);
        CopyMem(options.kernel, kernel, sizeof(kernel));
        options.kernel_line = 0;
        options.nr_initrds = 0;
        /* The file exists, empty, when QEMU got no -initrd. */
        if (!EFI_ERROR(file_open_quiet(qroot, initrd, &f))) {
                if (f.size > 0) {
                        CopyMem(options.initrd[0], initrd, sizeof(initrd));
                        options.initrd_line[0] = 0;
                        options.nr_initrds = 1;
                }
                file_close(&f);
        }
        if (options.cmdline_wanted == 0) {
                status = file_read_all(qroot, L"cmdline", PVH_CMDLINE_MAX + 16, &text, &size);
                if (status == EFI_SUCCESS) {
                        enum boot_options_error err = boot_options_set_cmdline(&options, text, size);
                        FreePool(text);
                        if (err)
                                return log_error_status(EFI_INVALID_PARAMETER, L"QEMU -append: %a",
                                                        boot_options_strerror(err));
                } else if (status != EFI_NOT_FOUND) {
                        qroot->Close(qroot);
                        return status;
                }
        }
        (*root)->Close(*root);
        *root = qroot;
        from_qemu_loader = 1;
        return EFI_SUCCESS;
}

/*
 * Where a file given as given (from the arguments, or config line line) is:
 * on the volume it names (LABEL=, GUID=), else on pvhboot's own volume, else
 * on the first other volume that has it. A file found nowhere is left on
 * pvhboot's volume, where opening it reports it missing.
 */
static EFI_STATUS locate(const uint16_t *given, unsigned line, CHAR16 *path, CHAR16 *name, EFI_FILE_HANDLE *root) {
        struct volume_spec spec;
        const uint16_t *rest;
        enum volume_spec_error err;
        EFI_FILE_HANDLE found;
        CHAR16 *where = NULL;
        struct efi_file f;

        make_name(name, line, given);
        err = volume_spec_parse(given, &spec, &rest);
        if (err)
                return log_error_status(EFI_INVALID_PARAMETER, L"%s: %a", name, volume_spec_strerror(err));
        /* A named volume's paths start at its root. */
        if (path_resolve(spec.kind == VOLUME_ANY ? own_dir : NULL, rest, path, BOOT_PATH_MAX) < 0)
                return log_error_status(EFI_INVALID_PARAMETER, L"%s: path too long", name);

        *root = own_root;
        if (spec.kind == VOLUME_ANY) {
                make_name(name, line, path);
                if (!EFI_ERROR(file_open_quiet(own_root, path, &f))) {
                        file_close(&f);
                        return EFI_SUCCESS;
                }
                found = volume_find(&spec, own_device, path, &where);
                if (!found)
                        return EFI_SUCCESS;
                log_info(L"%s: not on pvhboot's volume; using the one on %s", path, where ? where : L"(unknown)");
        } else {
                found = volume_find(&spec, NULL, NULL, &where);
                if (!found)
                        return log_error_status(EFI_NOT_FOUND, L"%s: %s", name,
                                                spec.kind == VOLUME_LABEL ? L"no volume has that label"
                                                                          : L"no GPT partition has that GUID");
        }
        if (where)
                FreePool(where);
        other_roots[nr_other_roots++] = found;
        *root = found;
        return EFI_SUCCESS;
}

static void close_other_roots(void) {
        while (nr_other_roots > 0) {
                EFI_FILE_HANDLE r = other_roots[--nr_other_roots];
                r->Close(r);
        }
}

/*
 * pvhboot's own image: a .pvhpins section pins what may be booted; a .linux
 * section makes it a PVH one-file image, booted with its .initrd and
 * .cmdline instead of any kernel or initrd from the arguments or config.
 * With Secure Boot on, the firmware verified all of these sections.
 */
static EFI_STATUS use_own_image(EFI_LOADED_IMAGE *image) {
        static const CHAR16 linux_name[] = L"(pvhboot's .linux section)";
        const UINT8 *text;
        UINTN size;
        unsigned line;

        secure_boot = secure_boot_enabled();
        if (own_section(image, ".pvhpins", &text, &size)) {
                enum pins_error err = pins_parse(text, size, &pins, &line);
                if (err)
                        return log_error_status(EFI_SECURITY_VIOLATION, L"pvhboot's .pvhpins section, line %d: %a",
                                                line, pins_strerror(err));
        }
        if (!own_section(image, ".linux", &image_kernel, &image_kernel_size))
                return EFI_SUCCESS;
        if (options.external && options.kernel[0]) {
                log_info(L"pvhboot.external: booting the given kernel, not the one in pvhboot's own image");
                image_kernel = NULL;
                image_kernel_size = 0;
                return EFI_SUCCESS;
        }

        from_image = 1;
        if (args.kernel[0] || config.options.kernel[0] || options.nr_initrds)
                log_info(L"booting the kernel in pvhboot's own image; ignoring kernel=/initrd= from the arguments or config");
        CopyMem(options.kernel, linux_name, sizeof(linux_name));
        options.kernel_line = 0;
        options.nr_initrds = 0;
        if (own_section(image, ".initrd", &image_initrd, &image_initrd_size) && image_initrd_size > 0) {
                static const CHAR16 initrd_name[] = L"(pvhboot's .initrd section)";
                CopyMem(options.initrd[0], initrd_name, sizeof(initrd_name));
                options.initrd_line[0] = 0;
                options.nr_initrds = 1;
        }
        /* The image's command line, unless the arguments give one and the
         * platform does not insist on verified input (systemd-stub's rule). */
        if (own_section(image, ".cmdline", &text, &size) && (secure_boot || args.cmdline_wanted == 0)) {
                enum boot_options_error err = boot_options_set_cmdline(&options, (const char *)text, size);
                if (err)
                        return log_error_status(EFI_INVALID_PARAMETER, L"pvhboot's .cmdline section: %a",
                                                boot_options_strerror(err));
                cmdline_from_image = 1;
        }
        return EFI_SUCCESS;
}

/* With Secure Boot on, refuse before reading anything what could not be
 * verified: a kernel, initrd or command line that is neither in pvhboot's
 * own (signed) image nor pinned there. */
static EFI_STATUS check_secure_boot_policy(void) {
        static const CHAR16 fix[] = L"build a one-file image (make image) or pin it (make pin), then sign pvhboot";

        if (!secure_boot)
                return EFI_SUCCESS;
        if (!from_image && !pins.have_kernel)
                return log_error_status(EFI_SECURITY_VIOLATION, L"Secure Boot is on and the kernel %s is not verified; %s",
                                        kernel_name, fix);
        if (!from_image && options.nr_initrds != pins.nr_initrds)
                return log_error_status(EFI_SECURITY_VIOLATION,
                                        L"Secure Boot is on and %d initrd(s) are given but %d pinned; %s",
                                        options.nr_initrds, pins.nr_initrds, fix);
        if (!cmdline_from_image && !pins.have_cmdline)
                return log_error_status(EFI_SECURITY_VIOLATION, L"Secure Boot is on and the command line is not verified; %s",
                                        fix);
        return EFI_SUCCESS;
}

/* A pin, if there is one, must match what was read. */
static EFI_STATUS check_pin(int pinned, const uint8_t want[SHA256_DIGEST_SIZE], const uint8_t got[SHA256_DIGEST_SIZE],
                            const CHAR16 *what) {
        char want_hex[2 * SHA256_DIGEST_SIZE + 1], got_hex[2 * SHA256_DIGEST_SIZE + 1];

        if (!pinned || CompareMem(want, got, SHA256_DIGEST_SIZE) == 0)
                return EFI_SUCCESS;
        digest_to_hex(want, want_hex);
        digest_to_hex(got, got_hex);
        return log_error_status(EFI_SECURITY_VIOLATION, L"%s: SHA-256 %a does not match the pinned %a", what, got_hex,
                                want_hex);
}

static EFI_STATUS choose_boot_options(EFI_HANDLE image_handle, EFI_LOADED_IMAGE *image, EFI_FILE_HANDLE *root) {
        enum boot_options_error err;
        EFI_STATUS status;

        status = parse_arguments(image_handle, image);
        if (EFI_ERROR(status))
                return status;
        status = read_config(*root);
        if (EFI_ERROR(status))
                return status;
        err = boot_options_merge(&options, &config.options, &args);
        if (err)
                return log_error_status(EFI_INVALID_PARAMETER, L"options: %a", boot_options_strerror(err));
        status = use_own_image(image);
        if (EFI_ERROR(status))
                return status;
        if (!options.kernel[0]) {
                status = use_qemu_loader(root);
                if (EFI_ERROR(status))
                        return status;
        }
        if (!options.kernel[0]) {
                Print(L"%s", USAGE);
                return log_error_status(EFI_INVALID_PARAMETER, L"options: no kernel= given%s%s; nothing to boot",
                                        config_path[0] ? L" and no linux line in " : L" and no pvhboot.conf",
                                        config_path[0] ? config_path : L"");
        }

        if (from_image) {
                CopyMem(kernel_path, options.kernel, sizeof(kernel_path));
                make_name(kernel_name, 0, kernel_path);
                for (unsigned i = 0; i < options.nr_initrds; i++) {
                        CopyMem(initrd_paths[i], options.initrd[i], sizeof(initrd_paths[i]));
                        make_name(initrd_names[i], 0, initrd_paths[i]);
                }
        } else if (from_qemu_loader) {
                CopyMem(kernel_path, options.kernel, sizeof(kernel_path));
                make_name(kernel_name, 0, kernel_path);
                kernel_root = *root;
                for (unsigned i = 0; i < options.nr_initrds; i++) {
                        CopyMem(initrd_paths[i], options.initrd[i], sizeof(initrd_paths[i]));
                        make_name(initrd_names[i], 0, initrd_paths[i]);
                        initrd_roots[i] = *root;
                }
        } else {
                status = locate(options.kernel, options.kernel_line, kernel_path, kernel_name, &kernel_root);
                for (unsigned i = 0; i < options.nr_initrds && !EFI_ERROR(status); i++)
                        status = locate(options.initrd[i], options.initrd_line[i], initrd_paths[i],
                                        initrd_names[i], &initrd_roots[i]);
                if (EFI_ERROR(status))
                        return status;
        }
        if (config.title[0] && !from_image)
                log_info(L"booting \"%a\" from %s", config.title, config_path);
        return EFI_SUCCESS;
}

struct boot_state {
        EFI_FILE_HANDLE root;
        struct efi_file kernel_file;
        struct elf_kernel kernel;
        struct phys_range kernel_ranges[ELF_KERNEL_MAX_SEGMENTS];
        size_t nr_kernel_ranges;
        /* What the handoff does after ExitBootServices: move staged runs,
         * clear .bss. Runs whose pages pvhboot owns were read in place. */
        struct handoff_copy copies[HANDOFF_MAX_COPIES];
        unsigned nr_copies;
        uint64_t bytes_in_place, bytes_staged, staging_allocated;
        /* The reads that load the kernel, done in file order so that the
         * whole file can be hashed in the same pass. */
        struct kernel_read {
                uint64_t offset, len;
                void *dst;
        } reads[2 * HANDOFF_MAX_COPIES];
        unsigned nr_reads;
        int hash_kernel;
        uint8_t kernel_digest[SHA256_DIGEST_SIZE];
        EFI_PHYSICAL_ADDRESS initrd;
        uint64_t initrd_size;
        struct pvh_boot_block *block;
        struct handoff_params *params;
        EFI_PHYSICAL_ADDRESS handoff;
        struct efi_memmap memmap;
};

static struct boot_state S;

static EFI_STATUS check_kernel_destinations(const void *map, UINTN map_size, UINTN desc_size) {
        for (size_t i = 0; i < S.nr_kernel_ranges; i++)
                if (!layout_range_is_ram(map, map_size, desc_size, S.kernel_ranges[i]))
                        return log_error_status(EFI_LOAD_ERROR,
                                                L"%s: kernel needs 0x%lx-0x%lx, which is not free RAM on this machine "
                                                L"(reserved, MMIO or missing); relink the kernel for another address or add memory",
                                                kernel_name, S.kernel_ranges[i].start, S.kernel_ranges[i].end - 1);
        return EFI_SUCCESS;
}

static UINT64 kernel_size(void) {
        if (from_image)
                return image_kernel_size;
        return from_fw_cfg ? fw_cfg_kernel_size : S.kernel_file.size;
}

/* The kernel's bytes, wherever they come from: a file, pvhboot's own
 * .linux section, or fw_cfg. */
static EFI_STATUS kernel_source_read(UINT64 offset, void *buf, UINT64 len) {
        UINT64 size = kernel_size();

        if (!from_image && !from_fw_cfg)
                return file_read_at(&S.kernel_file, offset, buf, len);
        if (offset > size || len > size - offset)
                return EFI_END_OF_FILE;
        if (from_fw_cfg)
                return fw_cfg_read(fw_cfg_kernel_select, offset, buf, len);
        CopyMem(buf, image_kernel + offset, len);
        return EFI_SUCCESS;
}

/* Bytes of the kernel file that no segment loads, hashed through a bounce
 * buffer (from the image section they are hashed where they lie). */
#define BOUNCE_SIZE (1u << 20)

static EFI_STATUS hash_gap(struct sha256 *h, UINT64 from, UINT64 to, UINT8 **bounce) {
        if (from_image) {
                sha256_update(h, image_kernel + from, to - from);
                return EFI_SUCCESS;
        }
        if (from < to && !*bounce && !(*bounce = AllocatePool(BOUNCE_SIZE)))
                return EFI_OUT_OF_RESOURCES;
        while (from < to) {
                UINT64 n = to - from < BOUNCE_SIZE ? to - from : BOUNCE_SIZE;
                EFI_STATUS status = kernel_source_read(from, *bounce, n);
                if (EFI_ERROR(status))
                        return status;
                sha256_update(h, *bounce, n);
                from += n;
        }
        return EFI_SUCCESS;
}

/* Do the queued reads in file order; when the kernel must be hashed (a pin,
 * a TPM), hash the whole file in the same pass: each byte is read once. */
static EFI_STATUS read_kernel(void) {
        struct sha256 h;
        UINT64 done = 0;
        UINT8 *bounce = NULL;
        EFI_STATUS status = EFI_SUCCESS;

        for (unsigned i = 1; i < S.nr_reads; i++)
                for (unsigned j = i; j > 0 && S.reads[j - 1].offset > S.reads[j].offset; j--) {
                        struct kernel_read t = S.reads[j];
                        S.reads[j] = S.reads[j - 1];
                        S.reads[j - 1] = t;
                }
        sha256_init(&h);
        for (unsigned i = 0; i < S.nr_reads && !EFI_ERROR(status); i++) {
                const struct kernel_read *r = &S.reads[i];
                if (S.hash_kernel && r->offset > done) {
                        status = hash_gap(&h, done, r->offset, &bounce);
                        done = r->offset;
                }
                if (!EFI_ERROR(status))
                        status = kernel_source_read(r->offset, r->dst, r->len);
                if (!EFI_ERROR(status) && S.hash_kernel && r->offset + r->len > done) {
                        sha256_update(&h, (const UINT8 *)r->dst + (done - r->offset), r->offset + r->len - done);
                        done = r->offset + r->len;
                }
        }
        if (!EFI_ERROR(status) && S.hash_kernel)
                status = hash_gap(&h, done, kernel_size(), &bounce);
        if (bounce)
                FreePool(bounce);
        if (EFI_ERROR(status))
                return log_error_status(status, L"%s: read failed: %r", kernel_name, status);
        if (S.hash_kernel)
                sha256_final(&h, S.kernel_digest);
        return EFI_SUCCESS;
}

/* More runs than the handoff's copy list (or the read list) can hold. */
static EFI_STATUS too_fragmented(void) {
        return log_error_status(EFI_OUT_OF_RESOURCES, L"%s: memory at the kernel's addresses is in more than %d pieces",
                                kernel_name, HANDOFF_MAX_COPIES);
}

/* Claim the parts of the kernel's destination that are free now, so that
 * nothing we allocate later lands there, and read each segment straight into
 * place when all of its pages are ours; otherwise into a staging buffer that
 * the handoff moves after ExitBootServices. */
static EFI_STATUS load_kernel(void) {
        struct efi_memmap snapshot = { 0 };
        struct phys_range claimed[64];
        size_t nr_claimed = 0;
        EFI_STATUS status;

        status = memmap_alloc(&snapshot);
        if (!EFI_ERROR(status))
                status = memmap_read(&snapshot);
        if (EFI_ERROR(status))
                return log_error_status(status, L"memory map: GetMemoryMap failed: %r", status);
        status = check_kernel_destinations(snapshot.buffer, snapshot.size, snapshot.desc_size);
        if (EFI_ERROR(status))
                return status;

        for (size_t i = 0; i < S.nr_kernel_ranges; i++) {
                struct phys_range pieces[32];
                size_t n = layout_free_pieces(snapshot.buffer, snapshot.size, snapshot.desc_size,
                                              S.kernel_ranges[i], pieces, 32);
                for (size_t j = 0; j < n && j < 32 && nr_claimed < 64; j++)
                        if (!EFI_ERROR(pages_alloc_at(pieces[j].start, pieces[j].end - pieces[j].start)))
                                claimed[nr_claimed++] = pieces[j];
        }

        /* Each segment run by run: runs on pages claimed above are read
         * straight into place; the others (the firmware's pages now) into
         * staging buffers that the handoff moves. */
        for (unsigned i = 0; i < S.kernel.nr_segments; i++) {
                const struct elf_kernel_segment *seg = &S.kernel.segments[i];
                uint64_t pos = 0;

                while (pos < seg->file_size) {
                        uint64_t dst = seg->paddr + pos, len;
                        int in_place;
                        void *buf;

                        len = layout_run_end(claimed, nr_claimed, dst, seg->paddr + seg->file_size, &in_place) - dst;
                        if (in_place) {
                                buf = (void *)(UINTN)dst;
                                S.bytes_in_place += len;
                        } else {
                                EFI_PHYSICAL_ADDRESS staging;
                                if (S.nr_copies == HANDOFF_MAX_COPIES)
                                        return too_fragmented();
                                status = pages_alloc_below(BELOW_4G, len, EfiLoaderData, &staging);
                                if (EFI_ERROR(status))
                                        return log_error_status(status,
                                                                L"%s: no free block of %ld bytes below 4 GiB to stage part of segment %d",
                                                                kernel_name, len, i);
                                S.copies[S.nr_copies++] = (struct handoff_copy){
                                        .dst = (uint32_t)dst, .src = (uint32_t)staging, .len = (uint32_t)len };
                                S.staging_allocated += (len + EFI_PAGE_SIZE - 1) & ~(UINT64)(EFI_PAGE_SIZE - 1);
                                buf = (void *)(UINTN)staging;
                                S.bytes_staged += len;
                        }
                        if (S.nr_reads == sizeof(S.reads) / sizeof(S.reads[0]))
                                return too_fragmented();
                        S.reads[S.nr_reads++] = (struct kernel_read){ seg->file_offset + pos, len, buf };
                        pos += len;
                }
                /* .bss: cleared by the handoff, as part of it may be the
                 * firmware's until ExitBootServices. */
                if (seg->mem_size > seg->file_size) {
                        if (S.nr_copies == HANDOFF_MAX_COPIES)
                                return too_fragmented();
                        S.copies[S.nr_copies++] = (struct handoff_copy){
                                .dst = (uint32_t)(seg->paddr + seg->file_size),
                                .src = (uint32_t)(seg->paddr + seg->file_size),
                                .zero_len = (uint32_t)(seg->mem_size - seg->file_size) };
                }
        }
        return read_kernel();
}

/* All initrds, 4-byte aligned one after another (GRUB's rule; Linux skips
 * the zero padding between cpio archives), in one page-aligned buffer below
 * 4 GiB: PVH module 0. */
static EFI_STATUS load_initrds(void) {
        struct efi_file files[BOOT_MAX_INITRDS];
        uint64_t offset = 0;
        EFI_STATUS status = EFI_SUCCESS;
        unsigned opened = 0;

        if (options.nr_initrds == 0)
                return EFI_SUCCESS;
        if (from_image) {
                /* A copy: pvhboot's image is not kept clear of the kernel. */
                S.initrd_size = image_initrd_size;
                status = pages_alloc_below(BELOW_4G, S.initrd_size, EfiLoaderData, &S.initrd);
                if (EFI_ERROR(status))
                        return log_error_status(status, L"%s: no room below 4 GiB for %ld bytes of initrd",
                                                initrd_names[0], S.initrd_size);
                CopyMem((void *)(UINTN)S.initrd, image_initrd, image_initrd_size);
                log_info(L"initrd %s: %ld bytes", initrd_paths[0], S.initrd_size);
                return EFI_SUCCESS;
        }
        if (pins.nr_initrds && pins.nr_initrds != options.nr_initrds)
                return log_error_status(EFI_SECURITY_VIOLATION, L"%d initrd(s) given, %d pinned in pvhboot",
                                        options.nr_initrds, pins.nr_initrds);
        for (; opened < options.nr_initrds; opened++) {
                status = file_open(initrd_roots[opened], initrd_paths[opened], initrd_names[opened], &files[opened]);
                if (EFI_ERROR(status))
                        goto close_files;
                if (files[opened].size > BELOW_4G || S.initrd_size > BELOW_4G - files[opened].size - 3) {
                        status = log_error_status(EFI_BAD_BUFFER_SIZE, L"%s: initrds add up to more than 4 GiB",
                                                  initrd_names[opened]);
                        opened++;
                        goto close_files;
                }
                S.initrd_size = ((S.initrd_size + 3) & ~3ull) + files[opened].size;
        }

        status = pages_alloc_below(BELOW_4G, S.initrd_size, EfiLoaderData, &S.initrd);
        if (EFI_ERROR(status)) {
                status = log_error_status(status, L"%s: no room below 4 GiB for %ld bytes of initrd",
                                          initrd_names[0], S.initrd_size);
                goto close_files;
        }
        for (unsigned i = 0; i < options.nr_initrds; i++) {
                unsigned char *base = (unsigned char *)(UINTN)S.initrd;
                while (offset & 3)
                        base[offset++] = 0;
                status = file_read_at(&files[i], 0, base + offset, files[i].size);
                if (EFI_ERROR(status)) {
                        status = log_error_status(status, L"%s: read failed: %r", initrd_names[i], status);
                        goto close_files;
                }
                if (pins.nr_initrds) {
                        struct sha256 h;
                        uint8_t digest[SHA256_DIGEST_SIZE];
                        sha256_init(&h);
                        sha256_update(&h, base + offset, files[i].size);
                        sha256_final(&h, digest);
                        status = check_pin(1, pins.initrd[i], digest, initrd_names[i]);
                        if (EFI_ERROR(status))
                                goto close_files;
                }
                offset += files[i].size;
                log_info(L"initrd %s: %ld bytes", initrd_paths[i], files[i].size);
        }

close_files:
        while (opened > 0)
                file_close(&files[--opened]);
        return status;
}

static EFI_STATUS build_boot_block(UINT64 rsdp) {
        EFI_PHYSICAL_ADDRESS address;
        struct pvh_boot_block *b;
        EFI_STATUS status;

        status = pages_alloc_below(BELOW_1G, sizeof(*b), EfiLoaderData, &address);
        if (EFI_ERROR(status))
                return log_error_status(status, L"start_info: no memory below 1 GiB: %r", status);
        b = S.block = (struct pvh_boot_block *)(UINTN)address;
        ZeroMem(b, sizeof(*b));

        CopyMem(b->cmdline, options.cmdline, options.cmdline_len);
        b->cmdline[options.cmdline_len] = '\0';
        b->start_info = (struct hvm_start_info){
                .magic = XEN_HVM_START_MAGIC_VALUE,
                .version = PVH_START_INFO_VERSION,
                .cmdline_paddr = (uint64_t)(UINTN)b->cmdline,
                .rsdp_paddr = rsdp,
                .memmap_paddr = (uint64_t)(UINTN)b->memmap,
        };
        if (S.initrd_size) {
                b->modlist[0] = (struct hvm_modlist_entry){ .paddr = S.initrd, .size = S.initrd_size };
                b->start_info.nr_modules = 1;
                b->start_info.modlist_paddr = (uint64_t)(UINTN)b->modlist;
        }
        return EFI_SUCCESS;
}

static EFI_STATUS build_handoff(void) {
        UINTN blob_size = (UINTN)(handoff_blob_end - handoff_blob_start);
        struct handoff_params *p;
        EFI_STATUS status;

        if (blob_size > HANDOFF_PARAMS_OFFSET)
                return log_error_status(EFI_LOAD_ERROR, L"internal: handoff code too large");
        /* LoaderCode: executable even where the firmware makes data NX. */
        status = pages_alloc_below(BELOW_4G, HANDOFF_REGION_SIZE, EfiLoaderCode, &S.handoff);
        if (EFI_ERROR(status))
                return log_error_status(status, L"handoff: no memory below 4 GiB: %r", status);
        CopyMem((void *)(UINTN)S.handoff, handoff_blob_start, blob_size);

        p = S.params = (struct handoff_params *)(UINTN)(S.handoff + HANDOFF_PARAMS_OFFSET);
        ZeroMem(p, sizeof(*p));
        p->gdt[HANDOFF_CS32 / 8] = HANDOFF_GDT_CODE32;
        p->gdt[HANDOFF_DS32 / 8] = HANDOFF_GDT_DATA32;
        p->gdt[HANDOFF_TSS / 8] = HANDOFF_GDT_TSS32;
        p->gdt_limit = sizeof(p->gdt) - 1;
        p->gdt_base = (UINT64)(UINTN)p->gdt;
        p->entry = S.kernel.pvh_entry;
        p->start_info = (uint32_t)(UINTN)&S.block->start_info;
        p->stack_top = (uint32_t)(S.handoff + HANDOFF_REGION_SIZE);
        p->timing = timing_enabled;
        p->nr_copies = S.nr_copies;
        CopyMem(p->copies, S.copies, S.nr_copies * sizeof(S.copies[0]));
        return EFI_SUCCESS;
}

/* None of the buffers that must live until the kernel runs may sit where
 * the kernel goes, and start_info and friends must stay below 1 GiB. */
static EFI_STATUS check_live_buffers(void) {
        struct phys_range live[128];
        size_t dest_index, n = pages_list(live, 128, 0);
        int hit = layout_find_overlap(S.kernel_ranges, S.nr_kernel_ranges, live, n, &dest_index);

        if (hit >= 0)
                return log_error_status(EFI_LOAD_ERROR,
                                        L"%s: firmware placed pvhboot's buffer 0x%lx-0x%lx inside the kernel's range 0x%lx-0x%lx; report this",
                                        kernel_name, live[hit].start, live[hit].end - 1,
                                        S.kernel_ranges[dest_index].start, S.kernel_ranges[dest_index].end - 1);
        return EFI_SUCCESS;
}

/* UEFI 2.10, 7.4 ExitBootServices(): "If MapKey value is incorrect,
 * ExitBootServices() returns EFI_INVALID_PARAMETER and GetMemoryMap() with
 * ExitBootServices() must be called again." Between tries nothing is
 * allocated or printed; the PVH memory map is rebuilt from each final map. */
static EFI_STATUS exit_boot_services(EFI_HANDLE image_handle) {
        struct pvh_boot_block *b = S.block;
        EFI_STATUS status = EFI_SUCCESS;

        for (int attempt = 0; attempt < 8; attempt++) {
                size_t count;
                enum pvh_memmap_error err;

                status = memmap_read(&S.memmap);
                if (EFI_ERROR(status))
                        break;
                if (attempt == 0) {
                        status = check_kernel_destinations(S.memmap.buffer, S.memmap.size, S.memmap.desc_size);
                        if (EFI_ERROR(status))
                                return status;
                }
                err = pvh_memmap_from_efi(S.memmap.buffer, S.memmap.size, S.memmap.desc_size, b->memmap,
                                          PVH_MEMMAP_MAX_ENTRIES, &count);
                if (err != PVH_MEMMAP_OK) {
                        if (attempt == 0)
                                return log_error_status(EFI_LOAD_ERROR, L"memory map: %a", pvh_memmap_strerror(err));
                        return EFI_LOAD_ERROR;
                }
                b->start_info.memmap_entries = (uint32_t)count;
                status = BS->ExitBootServices(image_handle, S.memmap.key);
                if (!EFI_ERROR(status))
                        return EFI_SUCCESS;
                if (status != EFI_INVALID_PARAMETER)
                        break;
        }
        if (EFI_ERROR(status))
                return log_error_status(status, L"ExitBootServices failed: %r", status);
        return status;
}

static int source_read(void *ctx, uint64_t off, void *buf, size_t len) {
        (void)ctx;
        return EFI_ERROR(kernel_source_read(off, buf, len)) ? -1 : 0;
}

/*
 * Measured boot, before anything loaded is used: PCR 9 gets the kernel (the
 * event data hashed is the SHA-256 of the vmlinux file: its segments are not
 * contiguous in memory) and the initrd as loaded, PCR 12 the command line.
 * All EV_IPL events, their data a description (see docs/security.md).
 */
static EFI_STATUS measure(void) {
        EFI_STATUS status;

        if (!tpm_present())
                return EFI_SUCCESS;
        status = tpm_measure(9, S.kernel_digest, sizeof(S.kernel_digest), "pvhboot: kernel (SHA-256 of the file)");
        if (!EFI_ERROR(status) && S.initrd_size)
                status = tpm_measure(9, (const void *)(UINTN)S.initrd, S.initrd_size, "pvhboot: initrd");
        if (!EFI_ERROR(status))
                status = tpm_measure(12, options.cmdline, options.cmdline_len, "pvhboot: command line");
        if (EFI_ERROR(status))
                return log_error_status(status, L"TPM: measuring what pvhboot loaded failed: %r", status);
        log_info(L"measured kernel and initrd into PCR 9, command line into PCR 12");
        return EFI_SUCCESS;
}

/*
 * QEMU keeps a PVH ELF given with -kernel for its own loader and hands the
 * firmware only its headers (see qemu_kernel.h). The same vmlinux, given to
 * QEMU also as the fw_cfg file opt/org.pvhboot/kernel, is booted instead;
 * when QEMU's blob shows the ELF headers, they must be the file's.
 */
static EFI_STATUS use_fw_cfg_kernel(void) {
        static const CHAR16 fw_name[] = L"fw_cfg " FW_CFG_PVHBOOT_KERNEL;
        int headers_only = qemu_kernel_is_pvh_headers_only(source_read, NULL, kernel_size());
        UINT8 *copy_head = NULL, *qemu_head = NULL;
        EFI_STATUS status;

        status = fw_cfg_find_file(FW_CFG_PVHBOOT_KERNEL, &fw_cfg_kernel_select, &fw_cfg_kernel_size);
        if ((status == EFI_NOT_FOUND || status == EFI_UNSUPPORTED) && !headers_only)
                return EFI_SUCCESS;     /* QEMU's -kernel file is all there is */
        if (status == EFI_NOT_FOUND)
                return log_error_status(EFI_LOAD_ERROR,
                                        L"%s: QEMU passed only the ELF headers of this PVH kernel to the firmware "
                                        L"(it keeps -kernel ELF images for its own PVH loader); give QEMU the same "
                                        L"vmlinux also as -fw_cfg name=" FW_CFG_PVHBOOT_KERNEL L",file=vmlinux, "
                                        L"or put it on a disk and use kernel= or pvhboot.conf", kernel_name);
        if (status == EFI_UNSUPPORTED)
                return log_error_status(EFI_UNSUPPORTED,
                                        L"%s: QEMU passed only the ELF headers of this PVH kernel, and its fw_cfg has no "
                                        L"DMA interface to read " FW_CFG_PVHBOOT_KERNEL L" (QEMU 2.9 or later has)",
                                        kernel_name);
        if (EFI_ERROR(status))
                return log_error_status(status, L"fw_cfg: cannot read QEMU's file directory: %r", status);

        if (headers_only) {
                copy_head = AllocatePool(QEMU_KERNEL_SETUP_SIZE);
                qemu_head = AllocatePool(QEMU_KERNEL_SETUP_SIZE);
                if (!copy_head || !qemu_head) {
                        status = log_error_status(EFI_OUT_OF_RESOURCES, L"%s: out of memory", fw_name);
                        goto free_buffers;
                }
                ZeroMem(copy_head, QEMU_KERNEL_SETUP_SIZE);
                status = fw_cfg_read(fw_cfg_kernel_select, 0, copy_head,
                                     fw_cfg_kernel_size < QEMU_KERNEL_SETUP_SIZE ? fw_cfg_kernel_size
                                                                                 : QEMU_KERNEL_SETUP_SIZE);
                if (EFI_ERROR(status)) {
                        status = log_error_status(status, L"%s: read failed: %r", fw_name, status);
                        goto free_buffers;
                }
                status = file_read_at(&S.kernel_file, 0, qemu_head, QEMU_KERNEL_SETUP_SIZE);
                if (EFI_ERROR(status)) {
                        status = log_error_status(status, L"%s: read failed: %r", kernel_name, status);
                        goto free_buffers;
                }
                if (!qemu_kernel_same_headers(qemu_head, copy_head, QEMU_KERNEL_SETUP_SIZE)) {
                        status = log_error_status(EFI_LOAD_ERROR,
                                                  L"%s: not the vmlinux given with -kernel (their ELF headers differ); "
                                                  L"give QEMU the same file for both", fw_name);
                        goto free_buffers;
                }
                log_info(L"QEMU's -kernel is a PVH ELF that QEMU passes only in part; booting the same file from %s",
                         fw_name);
        } else {
                log_info(L"booting %s instead of QEMU's -kernel", fw_name);
        }
        from_fw_cfg = 1;
        file_close(&S.kernel_file);
        CopyMem(kernel_path, fw_name, sizeof(fw_name));
        make_name(kernel_name, 0, kernel_path);

free_buffers:
        if (copy_head)
                FreePool(copy_head);
        if (qemu_head)
                FreePool(qemu_head);
        return status;
}

/* Debian's gnu-efi crt0 (_start) calls efi_main with the System V ABI
 * (%rdi, %rsi), whatever ABI the rest of the program uses for EFI calls. */
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
        EFI_LOADED_IMAGE *image;
        enum elf_kernel_error elf_err;
        EFI_STATUS status;
        UINT64 rsdp;

        timing_mark("start", 0);
        InitializeLib(image_handle, system_table);

        status = BS->OpenProtocol(image_handle, &loaded_image_guid, (void **)&image, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status))
                return log_error_status(status, L"cannot get pvhboot's loaded image: %r", status);
        find_own_dir(image);

        own_device = image->DeviceHandle;
        S.root = own_root = LibOpenRoot(image->DeviceHandle);
        if (!S.root)
                return log_error_status(EFI_NOT_FOUND, L"%s: cannot open the volume pvhboot was loaded from", own_dir);

        status = choose_boot_options(image_handle, image, &S.root);
        if (EFI_ERROR(status))
                goto close_root;
        timing_enabled = options.timing;
        timing_mark("options", 0);
        status = check_secure_boot_policy();
        if (EFI_ERROR(status))
                goto close_root;
        /* The kernel is hashed while it is read when a pin or the TPM needs
         * its digest. */
        S.hash_kernel = pins.have_kernel || tpm_present();

        if (!from_image) {
                status = file_open(kernel_root, kernel_path, kernel_name, &S.kernel_file);
                if (EFI_ERROR(status))
                        goto close_root;
                /* QEMU hands the firmware the first 8 KiB of a PVH ELF and
                 * zeros for the rest: it loads such kernels itself, for
                 * SeaBIOS's pvh.bin. The same file from fw_cfg, or a clear
                 * error. */
                if (from_qemu_loader) {
                        status = use_fw_cfg_kernel();
                        if (EFI_ERROR(status))
                                goto close_kernel;
                }
        }
        elf_err = elf_kernel_parse(source_read, NULL, kernel_size(), &S.kernel);
        if (elf_err != ELF_KERNEL_OK) {
                status = log_error_status(EFI_LOAD_ERROR, L"%s: %a", kernel_name, elf_kernel_strerror(elf_err));
                goto close_kernel;
        }
        S.nr_kernel_ranges = layout_kernel_page_ranges(&S.kernel, S.kernel_ranges);
        timing_mark("kernel-open", 0);

        /* Every initrd must exist before any memory is claimed. */
        for (unsigned i = 0; i < options.nr_initrds && !from_image; i++) {
                struct efi_file probe;
                status = file_open(initrd_roots[i], initrd_paths[i], initrd_names[i], &probe);
                if (EFI_ERROR(status))
                        goto close_kernel;
                file_close(&probe);
        }

        status = load_kernel();
        if (EFI_ERROR(status))
                goto free_pages;
        timing_mark("kernel-read", elf_kernel_load_bytes(&S.kernel));
        log_info(L"kernel %s: %ld bytes, read %ld (%ld in place, %ld staged), PVH entry 0x%x",
                 kernel_path, kernel_size(), elf_kernel_load_bytes(&S.kernel),
                 S.bytes_in_place, S.bytes_staged, S.kernel.pvh_entry);
        status = check_pin(pins.have_kernel, pins.kernel, S.kernel_digest, kernel_name);
        if (EFI_ERROR(status))
                goto free_pages;

        status = load_initrds();
        if (EFI_ERROR(status))
                goto free_pages;
        if (options.nr_initrds)
                timing_mark("initrd-read", S.initrd_size);

        if (pins.have_cmdline) {
                struct sha256 h;
                uint8_t digest[SHA256_DIGEST_SIZE];
                sha256_init(&h);
                sha256_update(&h, options.cmdline, options.cmdline_len);
                sha256_final(&h, digest);
                status = check_pin(1, pins.cmdline, digest, L"options: the command line");
                if (EFI_ERROR(status))
                        goto free_pages;
        }
        status = measure();
        if (EFI_ERROR(status))
                goto free_pages;

        rsdp = acpi_find_rsdp();
        if (rsdp)
                log_info(L"ACPI RSDP at 0x%lx", rsdp);
        else
                log_info(L"warning: no ACPI RSDP in the EFI configuration table; the kernel will see no ACPI");

        status = build_boot_block(rsdp);
        if (EFI_ERROR(status))
                goto free_pages;
        status = build_handoff();
        if (EFI_ERROR(status))
                goto free_pages;
        status = memmap_alloc(&S.memmap);
        if (EFI_ERROR(status)) {
                status = log_error_status(status, L"memory map: cannot allocate: %r", status);
                goto free_pages;
        }
        status = check_live_buffers();
        if (EFI_ERROR(status))
                goto free_pages;
        timing_mark("prepared", 0);
        if (timing_enabled)
                /* What pvhboot needs beyond the kernel's own pages and the
                 * initrd: staging (where the firmware holds the kernel's
                 * pages), and its own blocks (start_info, handoff, maps). */
                log_info(L"memory: staging %ld, own %ld bytes, image %ld bytes",
                         S.staging_allocated,
                         pages_bytes(0) - S.staging_allocated - ((S.initrd_size + EFI_PAGE_SIZE - 1) & ~(UINT64)(EFI_PAGE_SIZE - 1)),
                         image->ImageSize);
        timing_print();

        log_info(L"command line: %a", options.cmdline);
        log_info(L"starting kernel at 0x%x", S.kernel.pvh_entry);

        file_close(&S.kernel_file);
        close_other_roots();
        S.root->Close(S.root);
        S.root = NULL;

        timing_mark("exit-boot-services", 0);
        status = exit_boot_services(image_handle);
        if (EFI_ERROR(status))
                goto free_pages;
        timing_mark("ebs-done", 0);
        timing_print_serial();

        /* Boot services are gone: from here on nothing may fail. */
        ((void (__attribute__((sysv_abi)) *)(struct handoff_params *))(UINTN)(
                S.handoff + (UINTN)(handoff_enter - handoff_blob_start)))(S.params);
        for (;;)
                __asm__ volatile("cli; hlt");

free_pages:
        pages_free_all();
close_kernel:
        file_close(&S.kernel_file);
close_root:
        close_other_roots();
        if (S.root)
                S.root->Close(S.root);
        return status;
}
