/* SPDX-License-Identifier: MIT */
/* Finding files on volumes other than pvhboot's own. */
#include "device_path.h"
#include "glue.h"

static int volume_matches(EFI_HANDLE handle, EFI_FILE_HANDLE root, const struct volume_spec *spec) {
        if (spec->kind == VOLUME_GUID) {
                /* The GPT unique partition GUID from the volume's HD() node;
                 * the firmware's path has no length, so the walk is bounded. */
                uint8_t guid[16];
                const void *dp = DevicePathFromHandle(handle);
                return device_path_partition_guid(dp, DEVICE_PATH_WALK_MAX, guid) == 0 &&
                       CompareMem(guid, spec->guid, 16) == 0;
        }
        if (spec->kind == VOLUME_LABEL) {
                EFI_FILE_SYSTEM_INFO *info = LibFileSystemInfo(root);
                int match = info && label_equal((const uint16_t *)info->VolumeLabel, spec->label);
                if (info)
                        FreePool(info);
                return match;
        }
        return 0;
}

EFI_FILE_HANDLE volume_find(const struct volume_spec *spec, EFI_HANDLE skip, const CHAR16 *path,
                            CHAR16 **where) {
        EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
        EFI_HANDLE *handles = NULL;
        EFI_FILE_HANDLE found = NULL;
        UINTN count = 0;

        if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &fs_guid, NULL, &count, &handles)))
                return NULL;
        for (UINTN i = 0; i < count && !found; i++) {
                EFI_FILE_HANDLE root;
                if (handles[i] == skip || !(root = LibOpenRoot(handles[i])))
                        continue;
                if (spec->kind != VOLUME_ANY ? volume_matches(handles[i], root, spec) : 0) {
                        found = root;
                } else if (spec->kind == VOLUME_ANY) {
                        struct efi_file f;
                        if (!EFI_ERROR(file_open_quiet(root, path, &f))) {
                                file_close(&f);
                                found = root;
                        }
                }
                if (found) {
                        EFI_DEVICE_PATH *dp = DevicePathFromHandle(handles[i]);
                        *where = dp ? DevicePathToStr(dp) : NULL;
                } else
                        root->Close(root);
        }
        FreePool(handles);
        return found;
}
