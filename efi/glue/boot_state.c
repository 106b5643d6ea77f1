/* SPDX-License-Identifier: MIT */
#include "boot.h"

EFI_STATUS boot_state_new(struct boot_state **out) {
        *out = AllocateZeroPool(sizeof(**out));
        return *out ? EFI_SUCCESS : log_error(EFI_OUT_OF_RESOURCES, L"out of memory");
}

void boot_state_freep(struct boot_state **st) {
        if (!*st)
                return;
        source_close(&(*st)->kernel_source);
        for (unsigned i = 0; i < BOOT_MAX_INITRDS; i++)
                source_close(&(*st)->initrd_sources[i]);
        FreePool(*st);
        *st = NULL;
}

EFI_STATUS boot_open_sources(struct boot_request *req, struct boot_state *st) {
        EFI_STATUS status = source_open(&st->kernel_source, &req->kernel);

        for (unsigned i = 0; i < req->options.nr_initrds && !EFI_ERROR(status); i++)
                status = source_open(&st->initrd_sources[i], &req->initrds[i]);
        return status;
}
