/* SPDX-License-Identifier: MIT */
/*
 * A PVH one-file image given as a file (kernel=\EFI\Linux\linux.efi, or an
 * entry's linux line): a PE file with a .linux section. It is read whole
 * into memory and, with Secure Boot on, verified as the PE image it is
 * before anything of it is used:
 *
 * - under shim, by shim's SHIM_LOCK protocol, Verify(): Authenticode against
 *   dbx/MokListX, db, shim's vendor certificate and MokList, and SBAT
 *   (rhboot/shim shim.h; shim measures the image into PCR 4 too);
 * - otherwise by the firmware: LoadImage() from the buffer runs the
 *   platform's image verification (db/dbx); the loaded copy is unloaded
 *   again, pvhboot only wanted the verdict.
 *
 * Then its sections are booted as pvhboot's own would be (own_image.c) and
 * measured into PCR 11 (measure.c). The bytes verified are the bytes
 * booted: nothing is read from the file again.
 */
#include "boot.h"

/* rhboot/shim shim.h: struct _SHIM_LOCK, installed under SHIM_LOCK_GUID.
 * shim is built without ms_abi on its own functions, so they take the
 * System V ABI (systemd-boot and iPXE call them so too). */
#define SHIM_LOCK_GUID { 0x605dab50, 0xe046, 0x4300, { 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23 } }
struct shim_lock {
        EFI_STATUS __attribute__((sysv_abi)) (*verify)(void *buffer, UINT32 size);
        void *hash;
        void *context;
};

/* The most a one-file image file may have: pool memory, read at once. */
#define IMAGE_FILE_MAX (1024ull * 1024 * 1024)

void request_drop_image_file(struct boot_request *req) {
        if (req->image_file)
                FreePool(req->image_file);
        req->image_file = NULL;
        req->image_file_size = 0;
}

enum kernel_file_kind { KERNEL_FILE_OTHER, KERNEL_FILE_PE, KERNEL_FILE_BZIMAGE };

/* What the kernel file starts with: "MZ" is a PE file; one with the Linux
 * boot protocol's "HdrS" at 0x202 (Documentation/arch/x86/boot.rst) is a
 * bzImage, whose EFI stub makes it a PE file too. */
static enum kernel_file_kind kernel_file_kind(const struct boot_file *f) {
        struct efi_file file;
        UINT8 head[0x206];
        enum kernel_file_kind kind = KERNEL_FILE_OTHER;

        if (!f->root || EFI_ERROR(file_open_quiet(f->root, f->path, &file)))
                return KERNEL_FILE_OTHER;       /* opening it later reports what is wrong */
        if (file.size >= 2 && !EFI_ERROR(file_read_at(&file, 0, head, file.size < sizeof(head) ? 2 : sizeof(head))) &&
            head[0] == 'M' && head[1] == 'Z') {
                kind = KERNEL_FILE_PE;
                if (file.size >= sizeof(head) && CompareMem(head + 0x202, "HdrS", 4) == 0)
                        kind = KERNEL_FILE_BZIMAGE;
        }
        file_close(&file);
        return kind;
}

static EFI_STATUS verify_image_file(struct boot_request *req) {
        EFI_GUID shim_guid = SHIM_LOCK_GUID;
        struct shim_lock *shim = NULL;
        EFI_HANDLE loaded = NULL;
        EFI_STATUS status;

        if (!req->secure_boot) {
                log_info(L"%s: a one-file image; not verified (Secure Boot is off)", req->kernel.name);
                return EFI_SUCCESS;
        }
        if (!EFI_ERROR(BS->LocateProtocol(&shim_guid, NULL, (void **)&shim)) && shim && shim->verify) {
                if (req->image_file_size > 0xFFFFFFFFull)
                        return log_error(EFI_SECURITY_VIOLATION, L"%s: %ld bytes, more than shim can verify",
                                         req->kernel.name, req->image_file_size);
                status = shim->verify(req->image_file, (UINT32)req->image_file_size);
                if (EFI_ERROR(status))
                        return log_error(EFI_SECURITY_VIOLATION,
                                         L"%s: shim refused this one-file image (%r): its signature is not from a key "
                                         L"in db or MokList, or SBAT revokes it; sign it with a key in MokList (make sign)",
                                         req->kernel.name, status);
                log_info(L"%s: a one-file image, verified by shim (db, MokList, SBAT)", req->kernel.name);
                return EFI_SUCCESS;
        }
        status = BS->LoadImage(FALSE, req->image_handle, NULL, req->image_file, req->image_file_size, &loaded);
        /* UEFI 2.10, 7.4: EFI_SECURITY_VIOLATION may come with a handle
         * (loaded, but not to be started): unload it either way. */
        if (loaded)
                BS->UnloadImage(loaded);
        if (EFI_ERROR(status))
                return log_error(EFI_SECURITY_VIOLATION,
                                 L"%s: the firmware refused this one-file image (%r): its signature is not from a key "
                                 L"in db, or it is in dbx; sign it (make sign)", req->kernel.name, status);
        log_info(L"%s: a one-file image, verified by the firmware (db, dbx)", req->kernel.name);
        return EFI_SUCCESS;
}

EFI_STATUS request_use_image_file(struct boot_request *req) {
        CHAR16 name[BOOT_NAME_MAX], path[BOOT_PATH_MAX];
        void *buf = NULL;
        UINT64 len = 0;
        EFI_STATUS status;
        enum kernel_file_kind kind;

        if (req->kernel_from_image || req->kernel.fw_cfg)
                return EFI_SUCCESS;
        kind = kernel_file_kind(&req->kernel);
        if (kind == KERNEL_FILE_OTHER)
                return EFI_SUCCESS;
        if (kind == KERNEL_FILE_BZIMAGE)
                return log_error(EFI_LOAD_ERROR,
                                 L"%s is a bzImage (vmlinuz); PVH boots the uncompressed vmlinux: extract it "
                                 L"(pvhboot-kernel extract) or build a one-file image (make image)", req->kernel.name);
        /* Pins name the files pvhboot may boot; an image file is none of them. */
        if (req->pins.have_kernel || req->pins.nr_initrds || req->pins.have_cmdline)
                return log_error(EFI_SECURITY_VIOLATION,
                                 L"%s is a one-file image, but pvhboot has pins: it boots only the pinned files; "
                                 L"use a pvhboot without pins", req->kernel.name);
        status = file_read_all(req->kernel.root, req->kernel.path, IMAGE_FILE_MAX, &buf, &len);
        if (status == EFI_NOT_FOUND)
                return log_error(status, L"%s: not found", req->kernel.name);
        if (EFI_ERROR(status))
                return status;
        req->image_file = buf;
        req->image_file_size = len;
        if (pe_file_find_section(req->image_file, req->image_file_size, ".linux", (size_t[]){ 0 }, (size_t[]){ 0 }))
                return log_error(EFI_LOAD_ERROR,
                                 L"%s: a PE file without a .linux section, not a PVH one-file image; give the "
                                 L"uncompressed vmlinux or an image from make image", req->kernel.name);
        status = verify_image_file(req);
        if (EFI_ERROR(status))
                return status;
        /* req->kernel becomes the .linux section: keep its names. */
        StrCpy(name, req->kernel.name);
        StrCpy(path, req->kernel.path);
        return request_use_onefile(req, name, path);
}
