/* SPDX-License-Identifier: MIT */
#include "glue.h"

EFI_STATUS memmap_alloc(struct efi_memmap *m) {
        EFI_PHYSICAL_ADDRESS address;
        EFI_STATUS status;
        UINTN size = 0;

        status = BS->GetMemoryMap(&size, NULL, &m->key, &m->desc_size, &m->desc_version);
        if (status != EFI_BUFFER_TOO_SMALL)
                return EFI_ERROR(status) ? status : EFI_LOAD_ERROR;
        /* Our own allocation and whatever the firmware does before the final
         * call can split descriptors: leave room for plenty more. */
        m->capacity = size + 32 * m->desc_size;
        status = pages_alloc_below(~0ull, m->capacity, EfiLoaderData, &address);
        if (EFI_ERROR(status))
                return status;
        m->buffer = (void *)(UINTN)address;
        return EFI_SUCCESS;
}

EFI_STATUS memmap_read(struct efi_memmap *m) {
        m->size = m->capacity;
        return BS->GetMemoryMap(&m->size, m->buffer, &m->key, &m->desc_size, &m->desc_version);
}

EFI_STATUS memmap_read_growing(struct efi_memmap *m) {
        EFI_STATUS status = m->buffer ? memmap_read(m) : EFI_BUFFER_TOO_SMALL;

        if (status != EFI_BUFFER_TOO_SMALL)
                return status;
        status = memmap_alloc(m);
        return EFI_ERROR(status) ? status : memmap_read(m);
}
