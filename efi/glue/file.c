/* SPDX-License-Identifier: MIT */
#include "glue.h"

/* Big reads keep the firmware's per-call overhead out of the load time;
 * the cap keeps one call's buffer within what every FAT driver handles. */
#define READ_CHUNK (64ull << 20)

EFI_STATUS file_open_quiet(EFI_FILE_HANDLE root, const CHAR16 *path, struct efi_file *f) {
        EFI_FILE_INFO *info;
        EFI_STATUS status;

        f->path = path;
        f->handle = NULL;
        status = root->Open(root, &f->handle, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
        if (EFI_ERROR(status))
                return status;
        info = LibFileInfo(f->handle);
        if (!info) {
                file_close(f);
                return EFI_DEVICE_ERROR;
        }
        if (info->Attribute & EFI_FILE_DIRECTORY) {
                FreePool(info);
                file_close(f);
                return EFI_ACCESS_DENIED;
        }
        f->size = info->FileSize;
        FreePool(info);
        return EFI_SUCCESS;
}

EFI_STATUS file_open(EFI_FILE_HANDLE root, const CHAR16 *path, const CHAR16 *name, struct efi_file *f) {
        EFI_STATUS status = file_open_quiet(root, path, f);
        if (status == EFI_NOT_FOUND)
                return log_error(status, L"%s: file not found; check the path (relative paths start in pvhboot's directory)", name);
        if (status == EFI_ACCESS_DENIED)
                return log_error(EFI_INVALID_PARAMETER, L"%s: is a directory; give a file", name);
        if (status == EFI_DEVICE_ERROR)
                return log_error(status, L"%s: cannot read file information", name);
        if (EFI_ERROR(status))
                return log_error_status(status, L"%s: cannot open", name);
        return EFI_SUCCESS;
}

EFI_STATUS file_read_all(EFI_FILE_HANDLE root, const CHAR16 *path, UINT64 max_size, void **data, UINT64 *size) {
        _cleanup_(file_close) struct efi_file f = { 0 };
        _cleanup_pool_ void *buf = NULL;
        EFI_STATUS status = file_open_quiet(root, path, &f);

        if (status == EFI_NOT_FOUND)
                return status;
        if (status == EFI_ACCESS_DENIED)
                return log_error(EFI_INVALID_PARAMETER, L"%s: is a directory; give a file", path);
        if (EFI_ERROR(status))
                return log_error_status(status, L"%s: cannot open", path);
        if (f.size > max_size)
                return log_error(EFI_BAD_BUFFER_SIZE, L"%s: %ld bytes, more than the %ld this file may have", path,
                                 f.size, max_size);
        buf = AllocatePool(f.size ? f.size : 1);
        if (!buf)
                return log_error(EFI_OUT_OF_RESOURCES, L"%s: out of memory", path);
        status = file_read_at(&f, 0, buf, f.size);
        if (EFI_ERROR(status))
                return log_error_status(status, L"%s: read failed", path);
        *data = buf;
        buf = NULL;
        *size = f.size;
        return EFI_SUCCESS;
}

EFI_STATUS file_read_at(struct efi_file *f, UINT64 offset, void *buffer, UINT64 len) {
        EFI_STATUS status;
        unsigned char *p = buffer;

        if (offset > f->size || len > f->size - offset)
                return EFI_END_OF_FILE;
        status = f->handle->SetPosition(f->handle, offset);
        if (EFI_ERROR(status))
                return status;
        while (len > 0) {
                UINTN n = len > READ_CHUNK ? READ_CHUNK : (UINTN)len;
                status = f->handle->Read(f->handle, &n, p);
                if (EFI_ERROR(status))
                        return status;
                if (n == 0)
                        return EFI_END_OF_FILE;
                p += n;
                len -= n;
        }
        return EFI_SUCCESS;
}

void file_close(struct efi_file *f) {
        if (f->handle)
                f->handle->Close(f->handle);
        f->handle = NULL;
}

EFI_STATUS file_rename(EFI_FILE_HANDLE root, const CHAR16 *path, const CHAR16 *new_name) {
        _cleanup_pool_ EFI_FILE_INFO *info = NULL, *renamed = NULL;
        EFI_FILE_HANDLE h = NULL;
        EFI_STATUS status;
        UINTN size, name_size = (StrLen(new_name) + 1) * sizeof(CHAR16);

        status = root->Open(root, &h, (CHAR16 *)path, EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0);
        if (EFI_ERROR(status))
                return status;
        info = LibFileInfo(h);
        size = SIZE_OF_EFI_FILE_INFO + name_size;
        if (!info || !(renamed = AllocateZeroPool(size))) {
                h->Close(h);
                return EFI_OUT_OF_RESOURCES;
        }
        /* UEFI 2.10, 13.5 EFI_FILE_PROTOCOL.SetInfo(): "a file name ...
         * without a path ... renames the file in its directory". */
        CopyMem(renamed, info, SIZE_OF_EFI_FILE_INFO);
        renamed->Size = size;
        CopyMem(renamed->FileName, new_name, name_size);
        status = h->SetInfo(h, &GenericFileInfo, size, renamed);
        if (!EFI_ERROR(status))
                status = h->Flush(h);
        h->Close(h);
        return status;
}
