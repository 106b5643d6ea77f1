/* SPDX-License-Identifier: MIT */
/*
 * No kernel from the arguments or pvhboot.conf: QEMU's -kernel, if any.
 * Everything then comes from OVMF's kernel loader file system (QEMU's
 * -kernel, -initrd, -append); the command line from -append unless the
 * arguments or the config gave one.
 *
 * QEMU keeps a PVH ELF given with -kernel for its own loader and hands the
 * firmware only its headers (see qemu_kernel.h). The same vmlinux, given to
 * QEMU also as the fw_cfg file opt/org.pvhboot/kernel, is booted instead;
 * when QEMU's blob shows the ELF headers, they must be the file's.
 */
#include "boot.h"

#include "fw_cfg.h"
#include "qemu_kernel.h"

static const CHAR16 FW_CFG_NAME[] = L"fw_cfg " FW_CFG_PVHBOOT_KERNEL;

static void loader_file(struct boot_file *f, EFI_FILE_HANDLE root, const CHAR16 *name) {
        StrCpy(f->path, name);
        StrCpy(f->name, name);
        f->root = root;
}

/* QEMU's blob and the fw_cfg copy start with the same ELF headers. */
static EFI_STATUS check_same_headers(struct source *blob, const struct boot_file *copy) {
        _cleanup_pool_ UINT8 *copy_head = AllocateZeroPool(QEMU_KERNEL_SETUP_SIZE);
        _cleanup_pool_ UINT8 *qemu_head = AllocatePool(QEMU_KERNEL_SETUP_SIZE);
        UINT32 n = copy->fw_cfg_size < QEMU_KERNEL_SETUP_SIZE ? copy->fw_cfg_size : QEMU_KERNEL_SETUP_SIZE;
        EFI_STATUS status;

        if (!copy_head || !qemu_head)
                return log_error(EFI_OUT_OF_RESOURCES, L"%s: out of memory", copy->name);
        status = fw_cfg_read(copy->fw_cfg_select, 0, copy_head, n);
        if (EFI_ERROR(status))
                return log_error_status(status, L"%s: read failed", copy->name);
        status = source_read(blob, 0, qemu_head, QEMU_KERNEL_SETUP_SIZE);
        if (EFI_ERROR(status))
                return log_error_status(status, L"%s: read failed", blob->file->name);
        if (!qemu_kernel_same_headers(qemu_head, copy_head, QEMU_KERNEL_SETUP_SIZE))
                return log_error(EFI_LOAD_ERROR,
                                 L"%s: not the vmlinux given with -kernel (their ELF headers differ); "
                                 L"give QEMU the same file for both", copy->name);
        return EFI_SUCCESS;
}

/* The kernel is QEMU's "kernel" file, or the fw_cfg copy of it. */
static EFI_STATUS choose_kernel(struct boot_request *req, EFI_FILE_HANDLE qroot) {
        _cleanup_(source_close) struct source blob = { 0 };
        struct boot_file copy = { 0 };
        EFI_STATUS status;
        bool headers_only;

        loader_file(&req->kernel, qroot, L"kernel");
        status = source_open(&blob, &req->kernel);
        if (EFI_ERROR(status))
                return status;
        headers_only = qemu_kernel_is_pvh_headers_only(source_read_cb, &blob, blob.size);

        status = fw_cfg_find_file(FW_CFG_PVHBOOT_KERNEL, &copy.fw_cfg_select, &copy.fw_cfg_size);
        if ((status == EFI_NOT_FOUND || status == EFI_UNSUPPORTED) && !headers_only)
                return EFI_SUCCESS;     /* QEMU's -kernel file is all there is */
        if (status == EFI_NOT_FOUND)
                return log_error(EFI_LOAD_ERROR,
                                 L"%s: QEMU passed only the ELF headers of this PVH kernel to the firmware "
                                 L"(it keeps -kernel ELF images for its own PVH loader); give QEMU the same "
                                 L"vmlinux also as -fw_cfg name=" FW_CFG_PVHBOOT_KERNEL L",file=vmlinux, "
                                 L"or put it on a disk and use kernel= or pvhboot.conf", req->kernel.name);
        if (status == EFI_UNSUPPORTED)
                return log_error(EFI_UNSUPPORTED,
                                 L"%s: QEMU passed only the ELF headers of this PVH kernel, and its fw_cfg has no "
                                 L"DMA interface to read " FW_CFG_PVHBOOT_KERNEL L" (QEMU 2.9 or later has)",
                                 req->kernel.name);
        if (EFI_ERROR(status))
                return log_error_status(status, L"fw_cfg: cannot read QEMU's file directory");

        StrCpy(copy.path, FW_CFG_NAME);
        StrCpy(copy.name, FW_CFG_NAME);
        copy.fw_cfg = true;
        if (headers_only) {
                status = check_same_headers(&blob, &copy);
                if (EFI_ERROR(status))
                        return status;
                log_info(L"QEMU's -kernel is a PVH ELF that QEMU passes only in part; booting the same file from %s",
                         FW_CFG_NAME);
        } else
                log_info(L"booting %s instead of QEMU's -kernel", FW_CFG_NAME);
        req->kernel = copy;
        return EFI_SUCCESS;
}

static EFI_STATUS use_append(struct boot_request *req, EFI_FILE_HANDLE qroot) {
        _cleanup_pool_ void *text = NULL;
        enum boot_options_error err;
        UINT64 size;
        EFI_STATUS status;

        if (req->options.cmdline_wanted != 0)
                return EFI_SUCCESS;
        status = file_read_all(qroot, L"cmdline", PVH_CMDLINE_MAX + 16, &text, &size);
        if (status == EFI_NOT_FOUND)
                return EFI_SUCCESS;
        if (EFI_ERROR(status))
                return status;
        err = boot_options_set_cmdline(&req->options, text, size);
        if (err)
                return log_error(EFI_INVALID_PARAMETER, L"QEMU -append: %a", boot_options_strerror(err));
        return EFI_SUCCESS;
}

EFI_STATUS request_use_qemu_loader(struct boot_request *req) {
        EFI_FILE_HANDLE qroot = qemu_loader_open_root();
        struct efi_file f;
        EFI_STATUS status;

        if (!qroot)
                return EFI_SUCCESS;
        /* Owned by the request from here on, whatever fails next. */
        status = request_add_root(req, qroot);
        if (EFI_ERROR(status))
                return status;
        log_info(L"no kernel given: booting QEMU's -kernel from OVMF's kernel loader file system");
        if (req->options.nr_initrds)
                log_warning(L"ignoring %d initrd(s) from the arguments or config; using QEMU's -initrd",
                            req->options.nr_initrds);
        req->options.nr_initrds = 0;
        /* Its Open() knows the bare names only, not "\\kernel". The file
         * "initrd" exists, empty, when QEMU got no -initrd. */
        if (!EFI_ERROR(file_open_quiet(qroot, L"initrd", &f))) {
                if (f.size > 0) {
                        loader_file(&req->initrds[0], qroot, L"initrd");
                        req->options.nr_initrds = 1;
                }
                file_close(&f);
        }
        status = use_append(req, qroot);
        if (EFI_ERROR(status))
                return status;
        return choose_kernel(req, qroot);
}
