/* SPDX-License-Identifier: MIT */
/*
 * QEMU's -kernel/-initrd/-append under OVMF: OvmfPkg's QemuKernelLoaderFsDxe
 * publishes the fw_cfg blobs as the files "kernel", "initrd" and "cmdline" of
 * a Simple File System whose whole device path is
 * VenMedia(1428f772-b64a-441e-b8c3-9ebdd7f893c7)/End.
 */
#include "device_path.h"
#include "glue.h"

/* 1428f772-b64a-441e-b8c3-9ebdd7f893c7 in its in-memory (EFI_GUID) byte
 * order: the first three fields little-endian. */
static const uint8_t qemu_kernel_loader_fs_media_guid[16] = {
        0x72, 0xf7, 0x28, 0x14, 0x4a, 0xb6, 0x1e, 0x44, 0xb8, 0xc3, 0x9e, 0xbd, 0xd7, 0xf8, 0x93, 0xc7,
};

EFI_FILE_HANDLE qemu_loader_open_root(void) {
        EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL, dp_guid = DEVICE_PATH_PROTOCOL;
        EFI_HANDLE *handles = NULL, found = NULL;
        UINTN count = 0;

        if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &fs_guid, NULL, &count, &handles)))
                return NULL;
        for (UINTN i = 0; i < count && !found; i++) {
                EFI_DEVICE_PATH *dp;
                if (!EFI_ERROR(BS->HandleProtocol(handles[i], &dp_guid, (void **)&dp)) &&
                    device_path_is_only_vendor_media((const void *)dp, DEVICE_PATH_WALK_MAX,
                                                     qemu_kernel_loader_fs_media_guid))
                        found = handles[i];
        }
        FreePool(handles);
        return found ? LibOpenRoot(found) : NULL;
}
