/* SPDX-License-Identifier: MIT */
/*
 * UEFI device path nodes (UEFI 2.10, 10.3), for the core code that must
 * build on the host without the EFI headers.
 *
 * 10.3.1 "Generic Device Path Structures": "The first Device Path node
 * starts at byte offset zero of the Device Path. The next Device Path node
 * starts at the end of the previous Device Path node. Therefore all nodes
 * are byte-packed data structures that may appear on any byte boundary. All
 * code references to device path nodes must assume all fields are
 * unaligned." So nothing here is read through a pointer to these structs:
 * the core reads bytes at the offsets they define.
 *
 * The generic node, which every node starts with:
 *   Type      offset 0, 1 byte   "Device path type (such as 0x01 - Hardware Device Path)"
 *   Sub-Type  offset 1, 1 byte   "Sub-Type - Varies by Type"
 *   Length    offset 2, 2 bytes  "Length of this structure in bytes. Length is 4 + n bytes."
 * (little-endian, as every UEFI integer).
 */
#ifndef PVHBOOT_EFI_DEVICE_PATH_ABI_H
#define PVHBOOT_EFI_DEVICE_PATH_ABI_H

#include <stddef.h>
#include <stdint.h>

struct efi_device_path_header {
        uint8_t type;
        uint8_t sub_type;
        uint8_t length[2];      /* little-endian, the whole node with this header */
};

_Static_assert(sizeof(struct efi_device_path_header) == 4, "device path node header is 4 bytes");
_Static_assert(offsetof(struct efi_device_path_header, length) == 2, "Length at 2");

/* 10.3.1: "0x7F - End of Hardware Device Path. Sub-Type 0xFF - End
 * Entire Device Path, or Sub-Type 0x01 - End This Instance of a Device Path
 * and start a new Device Path". */
#define EFI_DP_TYPE_END 0x7Fu
#define EFI_DP_END_ENTIRE 0xFFu
#define EFI_DP_END_INSTANCE 0x01u

/* 10.3.5 "Media Device Path" (type 4) and the sub-types pvhboot reads. */
#define EFI_DP_TYPE_MEDIA 0x04u
#define EFI_DP_MEDIA_HARDDRIVE 0x01u
#define EFI_DP_MEDIA_VENDOR 0x03u
#define EFI_DP_MEDIA_FILEPATH 0x04u

/*
 * 10.3.5.1 "Hard Drive Media Device Path": Length 42;
 * Partition Number at 4, Partition Start at 8, Partition Size at 16,
 * Partition Signature (16 bytes) at 24, Partition Format at 40 ("0x01 - PC-AT
 * compatible legacy MBR, 0x02 - GUID Partition Table"), Signature Type at 41
 * ("0x00 - No Disk Signature. 0x01 - 32-bit signature from address 0x1b8 of
 * the type 0x01 MBR. 0x02 - GUID signature."). Packed: the 64-bit fields sit
 * at offset 8 only because the header is 4 bytes and the partition number 4;
 * the struct ends at 42, where gnu-efi's unpacked HARDDRIVE_DEVICE_PATH pads
 * to 48.
 */
struct efi_device_path_hard_drive {
        struct efi_device_path_header header;
        uint32_t partition_number;
        uint64_t partition_start;
        uint64_t partition_size;
        uint8_t signature[16];
        uint8_t partition_format;
        uint8_t signature_type;
} __attribute__((packed));

#define EFI_DP_HARDDRIVE_LENGTH 42u
#define EFI_DP_PARTITION_FORMAT_MBR 0x01u
#define EFI_DP_PARTITION_FORMAT_GPT 0x02u
#define EFI_DP_SIGNATURE_TYPE_NONE 0x00u
#define EFI_DP_SIGNATURE_TYPE_MBR 0x01u
#define EFI_DP_SIGNATURE_TYPE_GUID 0x02u

_Static_assert(sizeof(struct efi_device_path_hard_drive) == EFI_DP_HARDDRIVE_LENGTH, "HD() node is 42 bytes");
_Static_assert(offsetof(struct efi_device_path_hard_drive, partition_number) == 4, "Partition Number at 4");
_Static_assert(offsetof(struct efi_device_path_hard_drive, partition_start) == 8, "Partition Start at 8");
_Static_assert(offsetof(struct efi_device_path_hard_drive, partition_size) == 16, "Partition Size at 16");
_Static_assert(offsetof(struct efi_device_path_hard_drive, signature) == 24, "Partition Signature at 24");
_Static_assert(offsetof(struct efi_device_path_hard_drive, partition_format) == 40, "Partition Format at 40");
_Static_assert(offsetof(struct efi_device_path_hard_drive, signature_type) == 41, "Signature Type at 41");

/* 10.3.5.3 "Vendor-Defined Media Device Path": "Length 4 + 16 + n bytes",
 * Vendor GUID at 4, then n bytes of vendor-defined data. */
struct efi_device_path_vendor {
        struct efi_device_path_header header;
        uint8_t vendor_guid[16];
};

#define EFI_DP_VENDOR_LENGTH 20u

_Static_assert(sizeof(struct efi_device_path_vendor) == EFI_DP_VENDOR_LENGTH, "vendor node without data is 20 bytes");
_Static_assert(offsetof(struct efi_device_path_vendor, vendor_guid) == 4, "Vendor GUID at 4");

/* 10.3.5.4 "File Path Media Device Path": "Length 4 + n bytes", Path Name
 * at 4: "A NULL-terminated Path string including directory and file names.
 * The length of this string n can be determined by subtracting 4 from the
 * Length entry." The string is UTF-16 (CHAR16). */
#define EFI_DP_FILEPATH_NAME_OFFSET 4u

#endif
