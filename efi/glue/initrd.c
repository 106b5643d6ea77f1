/* SPDX-License-Identifier: MIT */
/*
 * All initrds, 4-byte aligned one after another (initrd_layout.h), in one
 * page-aligned buffer below 4 GiB: PVH module 0. A one-file image's
 * .initrd is copied too: pvhboot's image is not kept clear of the kernel.
 */
#include "boot.h"

#include "initrd_layout.h"

EFI_STATUS initrd_load(struct boot_request *req, struct boot_state *st) {
        unsigned n = req->options.nr_initrds, too_big;
        UINT64 sizes[BOOT_MAX_INITRDS];
        UINT8 *base;
        EFI_STATUS status;

        if (n == 0)
                return EFI_SUCCESS;
        for (unsigned i = 0; i < n; i++)
                sizes[i] = st->initrd_sources[i].size;
        if (initrd_layout(sizes, n, BELOW_4G + 1, st->initrd_offsets, &st->initrd_size, &too_big) != 0)
                return log_error(EFI_BAD_BUFFER_SIZE, L"%s: initrds add up to more than 4 GiB", req->initrds[too_big].name);
        status = pages_alloc_below(BELOW_4G, st->initrd_size, EfiLoaderData, &st->initrd);
        if (EFI_ERROR(status))
                return log_error(status, L"%s: no room below 4 GiB for %ld bytes of initrd", req->initrds[0].name,
                                 st->initrd_size);

        base = (UINT8 *)(UINTN)st->initrd;
        for (unsigned i = 0; i < n; i++) {
                /* The padding before it: Linux skips zeros between archives. */
                UINT64 end_of_previous = i ? st->initrd_offsets[i - 1] + sizes[i - 1] : 0;
                ZeroMem(base + end_of_previous, st->initrd_offsets[i] - end_of_previous);
                status = source_read(&st->initrd_sources[i], 0, base + st->initrd_offsets[i], sizes[i]);
                if (EFI_ERROR(status))
                        return log_error_status(status, L"%s: read failed", req->initrds[i].name);
                source_close(&st->initrd_sources[i]);
                log_info(L"initrd %s: %ld bytes", req->initrds[i].path, sizes[i]);
        }
        timing_mark("initrd-read", st->initrd_size);
        return EFI_SUCCESS;
}
