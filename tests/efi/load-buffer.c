/* SPDX-License-Identifier: MIT */
/*
 * load-buffer.efi PATH [WORD]...: a test-only EFI shell program that starts
 * an image the way HTTP boot or a chainloader does: read from memory, with
 * no device path. It reads PATH from its own volume into pool memory, calls
 * LoadImage(FALSE, its own handle, NULL, buffer, size) (UEFI 2.10, 7.4:
 * with a NULL DevicePath the image gets no DeviceHandle or FilePath to find
 * a file system by), sets the child's LoadOptions to the WORDs joined by one
 * blank (UTF-16, NUL-terminated) when there are any, and StartImage()s it.
 *
 * Output: "load-buffer: starting PATH (<n> bytes) from memory, no device
 * path", then whatever the image prints, then "load-buffer: StartImage
 * returned <status>" (or "load-buffer: error: ..."); returns the image's
 * status.
 */
#include <efi.h>
#include <efilib.h>

#include "child_options.h"

static EFI_STATUS read_own_file(EFI_HANDLE image_handle, const CHAR16 *path, void **data, UINTN *size) {
        EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
        EFI_LOADED_IMAGE *self;
        EFI_FILE_HANDLE root, file;
        EFI_FILE_INFO *info;
        EFI_STATUS status;

        status = BS->OpenProtocol(image_handle, &loaded_image_guid, (void **)&self, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status))
                return status;
        root = LibOpenRoot(self->DeviceHandle);
        if (!root)
                return EFI_NOT_FOUND;
        status = root->Open(root, &file, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
        root->Close(root);
        if (EFI_ERROR(status))
                return status;
        info = LibFileInfo(file);
        if (!info) {
                file->Close(file);
                return EFI_DEVICE_ERROR;
        }
        *size = info->FileSize;
        FreePool(info);
        *data = AllocatePool(*size ? *size : 1);
        if (!*data) {
                file->Close(file);
                return EFI_OUT_OF_RESOURCES;
        }
        {
                UINTN got = *size;
                status = file->Read(file, &got, *data);
                if (!EFI_ERROR(status) && got != *size)
                        status = EFI_END_OF_FILE;
        }
        file->Close(file);
        if (EFI_ERROR(status))
                FreePool(*data);
        return status;
}

EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        EFI_GUID shell_params_guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
        EFI_SHELL_PARAMETERS_PROTOCOL *shell = NULL;
        EFI_HANDLE child = NULL;
        CHAR16 *options = NULL;
        UINT32 options_size = 0;
        void *data;
        UINTN size, exit_data_size = 0;
        CHAR16 *exit_data = NULL;
        EFI_STATUS status;

        InitializeLib(image_handle, system_table);
        status = BS->OpenProtocol(image_handle, &shell_params_guid, (void **)&shell, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status) || shell->Argc < 2) {
                Print(L"usage: load-buffer.efi PATH [WORD]...\n");
                return EFI_INVALID_PARAMETER;
        }
        status = read_own_file(image_handle, shell->Argv[1], &data, &size);
        if (EFI_ERROR(status)) {
                Print(L"load-buffer: error: %s: cannot read it from load-buffer's volume: %r\n", shell->Argv[1], status);
                return status;
        }
        if (shell->Argc > 2) {
                options = child_options_join(shell->Argv, 2, shell->Argc, &options_size);
                if (!options) {
                        FreePool(data);
                        Print(L"load-buffer: error: the words are longer than %d characters\n", CHILD_OPTIONS_MAX - 1);
                        return EFI_BAD_BUFFER_SIZE;
                }
        }

        /* LoadImage copies the image: the buffer can go right after it. */
        status = BS->LoadImage(FALSE, image_handle, NULL, data, size, &child);
        FreePool(data);
        if (EFI_ERROR(status)) {
                Print(L"load-buffer: error: LoadImage of %s: %r\n", shell->Argv[1], status);
                goto free_options;
        }
        if (options)
                status = child_options_set(child, image_handle, options, options_size);
        if (EFI_ERROR(status)) {
                Print(L"load-buffer: error: the loaded image has no EFI_LOADED_IMAGE_PROTOCOL: %r\n", status);
                BS->UnloadImage(child);
                goto free_options;
        }
        Print(L"load-buffer: starting %s (%ld bytes) from memory, no device path\n", shell->Argv[1], (UINT64)size);
        status = BS->StartImage(child, &exit_data_size, &exit_data);
        Print(L"load-buffer: StartImage returned %r\n", status);
        if (exit_data)
                FreePool(exit_data);

free_options:
        if (options)
                FreePool(options);
        return status;
}
