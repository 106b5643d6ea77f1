/* SPDX-License-Identifier: MIT */
/*
 * QEMU's -kernel/-initrd/-append under OVMF: OvmfPkg's QemuKernelLoaderFsDxe
 * publishes the fw_cfg blobs as the files "kernel", "initrd" and "cmdline" of
 * a Simple File System whose whole device path is
 * VenMedia(1428f772-b64a-441e-b8c3-9ebdd7f893c7)/End.
 */
#include "glue.h"

#define QEMU_KERNEL_LOADER_FS_MEDIA_GUID \
        { 0x1428f772, 0xb64a, 0x441e, { 0xb8, 0xc3, 0x9e, 0xbd, 0xd7, 0xf8, 0x93, 0xc7 } }

static int is_loader_fs_path(EFI_DEVICE_PATH *dp) {
        EFI_GUID want = QEMU_KERNEL_LOADER_FS_MEDIA_GUID;
        VENDOR_DEVICE_PATH *v = (VENDOR_DEVICE_PATH *)dp;

        if (DevicePathType(dp) != MEDIA_DEVICE_PATH || DevicePathSubType(dp) != MEDIA_VENDOR_DP ||
            DevicePathNodeLength(dp) != sizeof(VENDOR_DEVICE_PATH) || CompareGuid(&v->Guid, &want))
                return 0;
        return IsDevicePathEnd(NextDevicePathNode(dp));
}

EFI_FILE_HANDLE qemu_loader_open_root(void) {
        EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL, dp_guid = DEVICE_PATH_PROTOCOL;
        EFI_HANDLE *handles = NULL, found = NULL;
        UINTN count = 0;

        if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &fs_guid, NULL, &count, &handles)))
                return NULL;
        for (UINTN i = 0; i < count && !found; i++) {
                EFI_DEVICE_PATH *dp;
                if (!EFI_ERROR(BS->HandleProtocol(handles[i], &dp_guid, (void **)&dp)) && is_loader_fs_path(dp))
                        found = handles[i];
        }
        FreePool(handles);
        return found ? LibOpenRoot(found) : NULL;
}
