/* SPDX-License-Identifier: MIT */
/*
 * ebs-hook.efi MODE PATH [WORD]...: a test-only EFI shell program that
 * starts the image PATH (from its own volume, with WORDs as LoadOptions)
 * with two boot services wrapped, to exercise a loader's ExitBootServices
 * retry (UEFI 2.10, 7.4: "If MapKey value is incorrect, ExitBootServices()
 * returns EFI_INVALID_PARAMETER and GetMemoryMap() with ExitBootServices()
 * must be called again"), which firmware rarely makes happen on its own:
 *
 *   retry     the first ExitBootServices() call fails with
 *             EFI_INVALID_PARAMETER without doing anything, as when the
 *             map changed after the loader's GetMemoryMap(); later calls
 *             go to the firmware.
 *   reserve   the same, and every memory map read after that failure shows
 *             the descriptor holding 16 MiB (Linux's load address) as
 *             EfiReservedMemoryType: the map the loader would hand over
 *             says the kernel's memory is not RAM.
 *
 * Output: "ebs-hook: MODE: starting PATH", then what the image prints; if
 * the image returns (boot services were never exited), the hooks are
 * removed and "ebs-hook: returned <status> after <n> ExitBootServices
 * call(s)" is printed.
 */
#include <efi.h>
#include <efilib.h>

#include "child_options.h"

#define LINUX_LOAD_ADDRESS 0x1000000ull

enum mode { MODE_RETRY, MODE_RESERVE };

/* The hooks need state: they are called by the image this program starts,
 * through the boot services table, with nothing to pass it in. */
static enum mode mode;
static EFI_GET_MEMORY_MAP real_get_memory_map;
static EFI_EXIT_BOOT_SERVICES real_exit_boot_services;
static UINTN exit_calls;

static EFI_STATUS EFIAPI hooked_get_memory_map(UINTN *size, EFI_MEMORY_DESCRIPTOR *map, UINTN *key,
                                               UINTN *desc_size, UINT32 *desc_version) {
        EFI_STATUS status = real_get_memory_map(size, map, key, desc_size, desc_version);

        if (EFI_ERROR(status) || !map || mode != MODE_RESERVE || exit_calls == 0)
                return status;
        for (UINTN off = 0; off + *desc_size <= *size; off += *desc_size) {
                EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + off);
                if (d->PhysicalStart <= LINUX_LOAD_ADDRESS &&
                    LINUX_LOAD_ADDRESS - d->PhysicalStart < d->NumberOfPages * EFI_PAGE_SIZE)
                        d->Type = EfiReservedMemoryType;
        }
        return status;
}

static EFI_STATUS EFIAPI hooked_exit_boot_services(EFI_HANDLE image, UINTN key) {
        if (exit_calls++ == 0)
                return EFI_INVALID_PARAMETER;
        return real_exit_boot_services(image, key);
}

static void set_hooks(EFI_GET_MEMORY_MAP get_memory_map, EFI_EXIT_BOOT_SERVICES exit_boot_services) {
        BS->GetMemoryMap = get_memory_map;
        BS->ExitBootServices = exit_boot_services;
        BS->Hdr.CRC32 = 0;
        BS->CalculateCrc32(BS, BS->Hdr.HeaderSize, &BS->Hdr.CRC32);
}

EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        EFI_GUID shell_params_guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
        EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
        EFI_SHELL_PARAMETERS_PROTOCOL *shell = NULL;
        EFI_LOADED_IMAGE *self;
        EFI_HANDLE child = NULL;
        EFI_DEVICE_PATH *path;
        CHAR16 *options;
        UINT32 options_size = 0;
        EFI_STATUS status;

        InitializeLib(image_handle, system_table);
        status = BS->OpenProtocol(image_handle, &shell_params_guid, (void **)&shell, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status) || shell->Argc < 3 ||
            (StrCmp(shell->Argv[1], L"retry") != 0 && StrCmp(shell->Argv[1], L"reserve") != 0)) {
                Print(L"usage: ebs-hook.efi retry|reserve PATH [WORD]...\n");
                return EFI_INVALID_PARAMETER;
        }
        mode = StrCmp(shell->Argv[1], L"retry") == 0 ? MODE_RETRY : MODE_RESERVE;
        status = BS->OpenProtocol(image_handle, &loaded_image_guid, (void **)&self, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status))
                return status;
        path = FileDevicePath(self->DeviceHandle, shell->Argv[2]);
        options = child_options_join(shell->Argv, 3, shell->Argc, &options_size);
        if (!path || !options) {
                Print(L"ebs-hook: error: out of memory, or the words are too long\n");
                return EFI_OUT_OF_RESOURCES;
        }
        status = BS->LoadImage(FALSE, image_handle, path, NULL, 0, &child);
        if (EFI_ERROR(status)) {
                Print(L"ebs-hook: error: LoadImage of %s: %r\n", shell->Argv[2], status);
                return status;
        }
        status = child_options_set(child, image_handle, options, options_size);
        if (EFI_ERROR(status)) {
                Print(L"ebs-hook: error: cannot give %s its options: %r\n", shell->Argv[2], status);
                BS->UnloadImage(child);
                return status;
        }

        Print(L"ebs-hook: %s: starting %s\n", shell->Argv[1], shell->Argv[2]);
        real_get_memory_map = BS->GetMemoryMap;
        real_exit_boot_services = BS->ExitBootServices;
        set_hooks(hooked_get_memory_map, hooked_exit_boot_services);
        status = BS->StartImage(child, NULL, NULL);
        set_hooks(real_get_memory_map, real_exit_boot_services);
        Print(L"ebs-hook: returned %r after %ld ExitBootServices call(s)\n", status, (UINT64)exit_calls);
        FreePool(options);
        return status;
}
