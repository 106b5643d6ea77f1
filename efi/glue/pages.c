/* SPDX-License-Identifier: MIT */
#include "glue.h"

#define MAX_ALLOCATIONS 128

static struct allocation {
        EFI_PHYSICAL_ADDRESS address;
        UINTN pages;
        int claim;      /* part of the kernel's own destination */
} allocations[MAX_ALLOCATIONS];
static size_t nr_allocations;

static UINTN pages_for(UINT64 bytes) {
        return (UINTN)((bytes + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE);
}

static EFI_STATUS record(EFI_PHYSICAL_ADDRESS address, UINTN pages, int claim) {
        if (nr_allocations == MAX_ALLOCATIONS) {
                BS->FreePages(address, pages);
                return EFI_OUT_OF_RESOURCES;
        }
        allocations[nr_allocations++] = (struct allocation){ address, pages, claim };
        return EFI_SUCCESS;
}

EFI_STATUS pages_alloc_below(UINT64 max_address, UINT64 bytes, EFI_MEMORY_TYPE type,
                             EFI_PHYSICAL_ADDRESS *out) {
        EFI_PHYSICAL_ADDRESS address = max_address;
        UINTN pages = pages_for(bytes ? bytes : 1);
        EFI_STATUS status = BS->AllocatePages(AllocateMaxAddress, type, pages, &address);
        if (EFI_ERROR(status))
                return status;
        *out = address;
        return record(address, pages, 0);
}

EFI_STATUS pages_alloc_at(EFI_PHYSICAL_ADDRESS address, UINT64 bytes) {
        UINTN pages = pages_for(bytes);
        EFI_STATUS status = BS->AllocatePages(AllocateAddress, EfiLoaderData, pages, &address);
        if (EFI_ERROR(status))
                return status;
        return record(address, pages, 1);
}

void pages_free_all(void) {
        while (nr_allocations > 0) {
                struct allocation *a = &allocations[--nr_allocations];
                BS->FreePages(a->address, a->pages);
        }
}

size_t pages_list(struct phys_range *out, size_t cap, int include_claims) {
        size_t n = 0;
        for (size_t i = 0; i < nr_allocations && n < cap; i++) {
                if (allocations[i].claim && !include_claims)
                        continue;
                out[n++] = (struct phys_range){ allocations[i].address,
                                                allocations[i].address + allocations[i].pages * EFI_PAGE_SIZE };
        }
        return n;
}

UINT64 pages_bytes(int claims) {
        UINT64 total = 0;
        for (size_t i = 0; i < nr_allocations; i++)
                if (allocations[i].claim == claims)
                        total += allocations[i].pages * EFI_PAGE_SIZE;
        return total;
}
