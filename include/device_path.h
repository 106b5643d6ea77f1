/* SPDX-License-Identifier: MIT */
/*
 * Reading UEFI device paths (include/efi_device_path_abi.h) without the EFI
 * headers. A firmware device path carries no total length: it ends at its
 * End Entire node. Every walk here is therefore bounded by max_bytes, which
 * the caller chooses (DEVICE_PATH_WALK_MAX for paths from the firmware). A
 * node shorter than its 4-byte header, or one that runs past max_bytes, makes
 * the whole path malformed; so does reaching max_bytes without an End Entire
 * node. A malformed path gives no result at all, even where a node before the
 * damage would have matched.
 */
#ifndef PVHBOOT_DEVICE_PATH_H
#define PVHBOOT_DEVICE_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "efi_device_path_abi.h"

/* The bound the glue passes for paths from the firmware: theirs are a few
 * hundred bytes (PciRoot/Pci/HD/File), so a path longer than this is
 * taken as damaged rather than walked further. */
#define DEVICE_PATH_WALK_MAX 4096u

/*
 * The file path of dp: the Path Names of its File Path media nodes (UEFI
 * 2.10, 10.3.5.4) concatenated in order, with exactly one '\' where two nodes
 * meet (a node "can optionally add a '\' separator to the beginning and/or
 * the end of the Path Name string"), NUL-terminated in out. A name ends at
 * its first NUL or at the end of its node (an odd last byte is ignored); an
 * empty name adds nothing. Other nodes are skipped. 0, or -1 (out = "") when
 * dp is malformed or the path needs more than cap units with its NUL.
 */
int device_path_file_path(const void *dp, size_t max_bytes, uint16_t *out, size_t cap);

/*
 * The unique partition GUID (16 bytes as stored in the GPT) of the first
 * Hard Drive media node of dp that has a GUID signature and the full 42
 * bytes. 0, or -1 (guid untouched) when there is none or dp is malformed.
 */
int device_path_partition_guid(const void *dp, size_t max_bytes, uint8_t guid[16]);

/* True when the whole of dp is one Vendor-Defined media node with vendor_guid
 * and no vendor data, then End Entire: VenMedia(GUID), nothing else. */
bool device_path_is_only_vendor_media(const void *dp, size_t max_bytes, const uint8_t vendor_guid[16]);

#endif
