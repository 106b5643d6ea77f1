/* SPDX-License-Identifier: MIT */
/*
 * One way to read the bytes of a kernel or initrd, wherever they are: a file
 * on a volume, a section of pvhboot's own image, or an item of QEMU's
 * fw_cfg. source_open() picks the read function once; size, reads and
 * hashing never ask where the bytes are.
 */
#include "boot.h"

#include "fw_cfg.h"

static EFI_STATUS read_file(struct source *s, UINT64 offset, void *buf, UINT64 len) {
        return file_read_at(&s->handle, offset, buf, len);
}

static EFI_STATUS read_memory(struct source *s, UINT64 offset, void *buf, UINT64 len) {
        CopyMem(buf, s->file->data + offset, len);
        return EFI_SUCCESS;
}

static EFI_STATUS read_fw_cfg(struct source *s, UINT64 offset, void *buf, UINT64 len) {
        return fw_cfg_read(s->file->fw_cfg_select, offset, buf, len);
}

EFI_STATUS source_open(struct source *s, const struct boot_file *f) {
        EFI_STATUS status;

        *s = (struct source){ .file = f };
        if (f->data) {
                s->size = f->data_size;
                s->read = read_memory;
        } else if (f->fw_cfg) {
                s->size = f->fw_cfg_size;
                s->read = read_fw_cfg;
        } else if (!f->root) {
                return log_error(EFI_NOT_FOUND, L"%s: no volume to read it from", f->name);
        } else {
                status = file_open(f->root, f->path, f->name, &s->handle);
                if (EFI_ERROR(status))
                        return status;
                s->size = s->handle.size;
                s->read = read_file;
        }
        return EFI_SUCCESS;
}

EFI_STATUS source_read(struct source *s, UINT64 offset, void *buf, UINT64 len) {
        if (offset > s->size || len > s->size - offset)
                return EFI_END_OF_FILE;
        return s->read(s, offset, buf, len);
}

int source_read_cb(void *ctx, uint64_t offset, void *buf, size_t len) {
        struct source *s = ctx;
        EFI_STATUS status = source_read(s, offset, buf, len);

        if (EFI_ERROR(status)) {
                s->error = status;
                return -1;
        }
        return 0;
}

void source_close(struct source *s) {
        file_close(&s->handle);
}
