/* SPDX-License-Identifier: MIT */
/*
 * Device path walking, bounded (see include/device_path.h).
 *
 * UEFI 2.10, 10.3.1: "Since every Device Path node contains a length field
 * in a known place, it is possible to traverse Device Path nodes that are of
 * an unknown type." That length is all the walk trusts, and only after
 * checking it against the bytes left. Nodes "may appear on any byte
 * boundary", so every field is read a byte at a time.
 */
#include "device_path.h"

#include "byteorder.h"

#define NODE_HEADER_SIZE sizeof(struct efi_device_path_header)

struct node {
        const uint8_t *bytes;
        uint8_t type;
        uint8_t sub_type;
        size_t length;          /* the node's Length field, >= 4 */
};

enum step {
        STEP_NODE,              /* *node is a node other than End Entire */
        STEP_END,               /* the End Entire node: the path is complete */
        STEP_MALFORMED,
};

/* The node at *offset, and *offset moved past it. The header is read only
 * once 4 bytes are known to be within max_bytes, the rest of the node only
 * once its Length is. */
static enum step next_node(const void *dp, size_t max_bytes, size_t *offset, struct node *node) {
        size_t off = *offset;

        if (!dp || off > max_bytes || max_bytes - off < NODE_HEADER_SIZE)
                return STEP_MALFORMED;
        node->bytes = (const uint8_t *)dp + off;
        node->type = node->bytes[offsetof(struct efi_device_path_header, type)];
        node->sub_type = node->bytes[offsetof(struct efi_device_path_header, sub_type)];
        node->length = le16(node->bytes + offsetof(struct efi_device_path_header, length));
        /* "Length is 4 + n bytes": anything shorter would not even cover the
         * header, and a zero length would never advance. */
        if (node->length < NODE_HEADER_SIZE || node->length > max_bytes - off)
                return STEP_MALFORMED;
        *offset = off + node->length;
        if (node->type == EFI_DP_TYPE_END && node->sub_type == EFI_DP_END_ENTIRE)
                return STEP_END;
        return STEP_NODE;
}

static bool is_media_node(const struct node *node, uint8_t sub_type) {
        return node->type == EFI_DP_TYPE_MEDIA && node->sub_type == sub_type;
}

static bool bytes_equal(const uint8_t *a, const uint8_t *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (a[i] != b[i])
                        return false;
        return true;
}

/* Path Name unit i of a File Path node (UTF-16LE, unaligned). */
static uint16_t name_unit(const struct node *node, size_t i) {
        return le16(node->bytes + EFI_DP_FILEPATH_NAME_OFFSET + 2 * i);
}

static int push_unit(uint16_t *out, size_t cap, size_t *len, uint16_t c) {
        if (*len + 1 >= cap)    /* keep room for the NUL */
                return -1;
        out[(*len)++] = c;
        return 0;
}

/* Append one File Path node's name to out[0..*len), one '\' at the seam. */
static int append_file_name(uint16_t *out, size_t cap, size_t *len, const struct node *node) {
        size_t units = (node->length - EFI_DP_FILEPATH_NAME_OFFSET) / 2, n = 0, i = 0;

        /* "A NULL-terminated Path string", though firmware does not always
         * include the NUL in Length: the name stops at either. */
        while (n < units && name_unit(node, n) != 0)
                n++;
        if (n == 0)
                return 0;
        if (*len > 0) {
                bool out_ends_in_separator = out[*len - 1] == '\\';
                bool name_starts_with_separator = name_unit(node, 0) == '\\';
                if (out_ends_in_separator && name_starts_with_separator)
                        i = 1;
                else if (!out_ends_in_separator && !name_starts_with_separator &&
                         push_unit(out, cap, len, '\\') < 0)
                        return -1;
        }
        for (; i < n; i++)
                if (push_unit(out, cap, len, name_unit(node, i)) < 0)
                        return -1;
        return 0;
}

int device_path_file_path(const void *dp, size_t max_bytes, uint16_t *out, size_t cap) {
        size_t offset = 0, len = 0;
        struct node node;
        enum step step;

        if (cap == 0)
                return -1;
        while ((step = next_node(dp, max_bytes, &offset, &node)) == STEP_NODE) {
                if (is_media_node(&node, EFI_DP_MEDIA_FILEPATH) && append_file_name(out, cap, &len, &node) < 0)
                        break;
        }
        if (step != STEP_END) {
                out[0] = 0;
                return -1;
        }
        out[len] = 0;
        return 0;
}

int device_path_partition_guid(const void *dp, size_t max_bytes, uint8_t guid[16]) {
        const uint8_t *found = NULL;
        size_t offset = 0;
        struct node node;
        enum step step;

        while ((step = next_node(dp, max_bytes, &offset, &node)) == STEP_NODE) {
                /* A shorter HD() node does not reach the Signature Type at
                 * 41; an MBR signature (type 1) is 4 bytes, not a GUID. */
                if (!found && is_media_node(&node, EFI_DP_MEDIA_HARDDRIVE) &&
                    node.length >= EFI_DP_HARDDRIVE_LENGTH &&
                    node.bytes[offsetof(struct efi_device_path_hard_drive, signature_type)] ==
                            EFI_DP_SIGNATURE_TYPE_GUID)
                        found = node.bytes + offsetof(struct efi_device_path_hard_drive, signature);
        }
        if (step != STEP_END || !found)
                return -1;
        for (size_t i = 0; i < 16; i++)
                guid[i] = found[i];
        return 0;
}

bool device_path_is_only_vendor_media(const void *dp, size_t max_bytes, const uint8_t vendor_guid[16]) {
        size_t offset = 0;
        struct node node;

        if (next_node(dp, max_bytes, &offset, &node) != STEP_NODE || !is_media_node(&node, EFI_DP_MEDIA_VENDOR) ||
            node.length != EFI_DP_VENDOR_LENGTH ||
            !bytes_equal(node.bytes + offsetof(struct efi_device_path_vendor, vendor_guid), vendor_guid, 16))
                return false;
        return next_node(dp, max_bytes, &offset, &node) == STEP_END;
}
