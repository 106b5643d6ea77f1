/* SPDX-License-Identifier: MIT */
/*
 * claim-pages.efi ADDRESS PAGES [loader|reserved]: a test-only EFI shell
 * program that allocates PAGES pages at ADDRESS (AllocateAddress) and exits
 * without freeing them, so that a later pvhboot run finds that memory taken:
 * as EfiLoaderData (RAM once boot services exit: pvhboot must stage and move
 * a kernel placed there) or as EfiReservedMemoryType (never RAM: pvhboot must
 * refuse a kernel placed there).
 */
#include <efi.h>
#include <efilib.h>

static int parse_u64(const CHAR16 *s, UINT64 *out) {
        UINT64 v = 0;
        int base = 10;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                s += 2;
        }
        if (!*s)
                return -1;
        for (; *s; s++) {
                int d;
                if (*s >= '0' && *s <= '9')
                        d = *s - '0';
                else if (base == 16 && *s >= 'a' && *s <= 'f')
                        d = *s - 'a' + 10;
                else if (base == 16 && *s >= 'A' && *s <= 'F')
                        d = *s - 'A' + 10;
                else
                        return -1;
                if (v > (~0ull - (UINT64)d) / (UINT64)base)
                        return -1;
                v = v * (UINT64)base + (UINT64)d;
        }
        *out = v;
        return 0;
}

EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        EFI_GUID shell_params_guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
        EFI_SHELL_PARAMETERS_PROTOCOL *shell = NULL;
        EFI_MEMORY_TYPE type = EfiLoaderData;
        EFI_PHYSICAL_ADDRESS address;
        UINT64 pages;
        EFI_STATUS status;

        InitializeLib(image_handle, system_table);
        status = BS->OpenProtocol(image_handle, &shell_params_guid, (void **)&shell, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status) || shell->Argc < 3 || shell->Argc > 4 ||
            parse_u64(shell->Argv[1], &address) || parse_u64(shell->Argv[2], &pages)) {
                Print(L"usage: claim-pages.efi ADDRESS PAGES [loader|reserved]\n");
                return EFI_INVALID_PARAMETER;
        }
        if (shell->Argc == 4) {
                if (!StrCmp(shell->Argv[3], L"reserved"))
                        type = EfiReservedMemoryType;
                else if (StrCmp(shell->Argv[3], L"loader")) {
                        Print(L"claim-pages: unknown memory type %s\n", shell->Argv[3]);
                        return EFI_INVALID_PARAMETER;
                }
        }
        status = BS->AllocatePages(AllocateAddress, type, pages, &address);
        Print(L"claim-pages: 0x%lx +%ld pages as %s: %r\n", address, pages,
              type == EfiReservedMemoryType ? L"reserved" : L"loader data", status);
        return status;
}
