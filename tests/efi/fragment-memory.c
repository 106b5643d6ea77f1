/* SPDX-License-Identifier: MIT */
/*
 * fragment-memory.efi N: a test-only EFI shell program that leaves the
 * memory map in 2N pieces. It takes a free block of 2N pages, hands it back,
 * then allocates every other page of it as EfiReservedMemoryType and exits
 * without freeing them: N reserved pages, each followed by a free page.
 * Reserved memory is never RAM for the OS (UEFI 2.10, table 7.10) and the
 * pages between are, so no two neighbours merge: the PVH memory map of a
 * later pvhboot run gets about 2N more entries than without it, and with N
 * over 63 more than the 126 that start_info's map may hold.
 *
 * Output: "fragment-memory: N reserved pages at 0x<first>-0x<end>, each
 * followed by a free page" and EFI_SUCCESS, or "fragment-memory: error: ..."
 * and the failing status (pages allocated before the failure stay taken).
 */
#include <efi.h>
#include <efilib.h>

/* N fits the test's needs with room to spare; more only slows the map. */
#define MAX_PIECES 4096

static int parse_count(const CHAR16 *s, UINT64 *out) {
        UINT64 v = 0;
        if (!*s)
                return -1;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > MAX_PIECES)
                        return -1;
                v = v * 10 + (UINT64)(*s - '0');
        }
        if (v == 0 || v > MAX_PIECES)
                return -1;
        *out = v;
        return 0;
}

EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        EFI_GUID shell_params_guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
        EFI_SHELL_PARAMETERS_PROTOCOL *shell = NULL;
        EFI_PHYSICAL_ADDRESS block, page;
        UINT64 pieces;
        EFI_STATUS status;

        InitializeLib(image_handle, system_table);
        status = BS->OpenProtocol(image_handle, &shell_params_guid, (void **)&shell, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status) || shell->Argc != 2 || parse_count(shell->Argv[1], &pieces)) {
                Print(L"usage: fragment-memory.efi N   (1 to %d reserved pages, each followed by a free page)\n",
                      MAX_PIECES);
                return EFI_INVALID_PARAMETER;
        }
        /* A block that is free now: each of its pages can then be taken by
         * address. */
        status = BS->AllocatePages(AllocateAnyPages, EfiBootServicesData, 2 * pieces, &block);
        if (EFI_ERROR(status)) {
                Print(L"fragment-memory: error: no free block of %ld pages: %r\n", 2 * pieces, status);
                return status;
        }
        BS->FreePages(block, 2 * pieces);
        for (UINT64 i = 0; i < pieces; i++) {
                page = block + 2 * i * EFI_PAGE_SIZE;
                status = BS->AllocatePages(AllocateAddress, EfiReservedMemoryType, 1, &page);
                if (EFI_ERROR(status)) {
                        Print(L"fragment-memory: error: page %ld at 0x%lx: %r (%ld pages taken)\n", i,
                              block + 2 * i * EFI_PAGE_SIZE, status, i);
                        return status;
                }
        }
        Print(L"fragment-memory: %ld reserved pages at 0x%lx-0x%lx, each followed by a free page\n", pieces, block,
              block + 2 * pieces * EFI_PAGE_SIZE - 1);
        return EFI_SUCCESS;
}
