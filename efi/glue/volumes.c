/* SPDX-License-Identifier: MIT */
/* Finding files on volumes other than pvhboot's own. */
#include "glue.h"

/* UEFI 2.10, 10.3.5.1 "Hard Drive Media Device Path": Length 42. gnu-efi's
 * struct is not packed, so its sizeof is larger; the field offsets agree. */
#define HARDDRIVE_NODE_LENGTH 42

/* The GPT unique partition GUID of the HD() node in a device path, if any. */
static int partition_guid(EFI_DEVICE_PATH *dp, const uint8_t **guid) {
        for (; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
                HARDDRIVE_DEVICE_PATH *hd = (HARDDRIVE_DEVICE_PATH *)dp;
                if (DevicePathType(dp) == MEDIA_DEVICE_PATH && DevicePathSubType(dp) == MEDIA_HARDDRIVE_DP &&
                    DevicePathNodeLength(dp) >= HARDDRIVE_NODE_LENGTH && hd->SignatureType == SIGNATURE_TYPE_GUID) {
                        *guid = hd->Signature;
                        return 1;
                }
        }
        return 0;
}

static int volume_matches(EFI_HANDLE handle, EFI_FILE_HANDLE root, const struct volume_spec *spec) {
        if (spec->kind == VOLUME_GUID) {
                const uint8_t *guid;
                EFI_DEVICE_PATH *dp = DevicePathFromHandle(handle);
                return dp && partition_guid(dp, &guid) && CompareMem(guid, spec->guid, 16) == 0;
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
