/* SPDX-License-Identifier: MIT */
/*
 * Device paths built byte by byte, as OVMF makes them, then broken one field
 * at a time. Each path is copied to the end of its own heap buffer before the
 * walk, so ASan reports any read past the bound the test gives.
 */
#include <stdlib.h>
#include <string.h>
#include <uchar.h>

#include "device_path.h"
#include "testlib.h"

struct path {
        uint8_t bytes[1024];
        size_t len;
};

/* GPT unique partition GUID B735C267-0D7E-4F3A-9C4B-2F1E0D3C5A69, in its
 * on-disk byte order (first three fields little-endian). */
static const uint8_t part_guid[16] = { 0x67, 0xc2, 0x35, 0xb7, 0x7e, 0x0d, 0x3a, 0x4f,
                                       0x9c, 0x4b, 0x2f, 0x1e, 0x0d, 0x3c, 0x5a, 0x69 };
/* OVMF's QEMU kernel loader file system: 1428F772-B64A-441E-B8C3-9EBDD7F893C7. */
static const uint8_t loader_guid[16] = { 0x72, 0xf7, 0x28, 0x14, 0x4a, 0xb6, 0x1e, 0x44,
                                         0xb8, 0xc3, 0x9e, 0xbd, 0xd7, 0xf8, 0x93, 0xc7 };

static void put_u8(struct path *p, uint8_t v) {
        p->bytes[p->len++] = v;
}

static void put_le(struct path *p, uint64_t v, size_t n) {
        for (size_t i = 0; i < n; i++)
                put_u8(p, (uint8_t)(v >> (8 * i)));
}

static void put_header(struct path *p, uint8_t type, uint8_t sub_type, uint16_t length) {
        put_u8(p, type);
        put_u8(p, sub_type);
        put_le(p, length, 2);
}

/* PciRoot(0x0): ACPI device path (type 2, sub-type 1), _HID PNP0A03, _UID 0. */
static void put_pci_root(struct path *p) {
        put_header(p, 0x02, 0x01, 12);
        put_le(p, 0x0a0341d0, 4);
        put_le(p, 0, 4);
}

/* Pci(device,function): hardware device path (type 1, sub-type 1). */
static void put_pci(struct path *p, uint8_t device, uint8_t function) {
        put_header(p, 0x01, 0x01, 6);
        put_u8(p, function);
        put_u8(p, device);
}

static void put_hard_drive(struct path *p, uint16_t length, uint8_t format, uint8_t signature_type,
                           const uint8_t signature[16]) {
        size_t start = p->len;
        put_header(p, EFI_DP_TYPE_MEDIA, EFI_DP_MEDIA_HARDDRIVE, length);
        put_le(p, 1, 4);                /* partition number */
        put_le(p, 0x800, 8);            /* start LBA */
        put_le(p, 0x20000, 8);          /* size in LBAs */
        for (int i = 0; i < 16; i++)
                put_u8(p, signature[i]);
        put_u8(p, format);
        put_u8(p, signature_type);
        /* A node declared longer than 42 gets filler; one declared shorter is
         * cut where its Length says it ends. */
        while (p->len - start < length)
                put_u8(p, 0xEE);
        p->len = start + length;
}

static void put_gpt_hard_drive(struct path *p) {
        put_hard_drive(p, EFI_DP_HARDDRIVE_LENGTH, EFI_DP_PARTITION_FORMAT_GPT, EFI_DP_SIGNATURE_TYPE_GUID,
                       part_guid);
}

/* File(name): with_nul adds the terminating NUL to the node, as the spec
 * asks; some firmware leaves it out. */
static void put_file(struct path *p, const char16_t *name, int with_nul) {
        size_t n = 0;
        while (name[n])
                n++;
        n += with_nul ? 1 : 0;
        put_header(p, EFI_DP_TYPE_MEDIA, EFI_DP_MEDIA_FILEPATH, (uint16_t)(4 + 2 * n));
        for (size_t i = 0; i < n; i++)
                put_le(p, name[i], 2);
}

static void put_vendor_media(struct path *p, const uint8_t guid[16], size_t data_len) {
        put_header(p, EFI_DP_TYPE_MEDIA, EFI_DP_MEDIA_VENDOR, (uint16_t)(EFI_DP_VENDOR_LENGTH + data_len));
        for (int i = 0; i < 16; i++)
                put_u8(p, guid[i]);
        for (size_t i = 0; i < data_len; i++)
                put_u8(p, 0x5A);
}

static void put_end(struct path *p) {
        put_header(p, EFI_DP_TYPE_END, EFI_DP_END_ENTIRE, 4);
}

/* The path at the very end of a buffer of exactly max_bytes (at least its
 * own length), so that reading past max_bytes is an ASan error. */
static uint8_t *placed(const struct path *p, size_t max_bytes) {
        static uint8_t *last;
        free(last);
        last = malloc(max_bytes ? max_bytes : 1);
        memset(last, 0xCC, max_bytes);
        memcpy(last, p->bytes, p->len < max_bytes ? p->len : max_bytes);
        return last;
}

static int file_path(const struct path *p, size_t max_bytes, uint16_t *out, size_t cap) {
        return device_path_file_path(placed(p, max_bytes), max_bytes, out, cap);
}

static int partition_guid(const struct path *p, size_t max_bytes, uint8_t guid[16]) {
        return device_path_partition_guid(placed(p, max_bytes), max_bytes, guid);
}

static bool only_vendor(const struct path *p, size_t max_bytes, const uint8_t guid[16]) {
        return device_path_is_only_vendor_media(placed(p, max_bytes), max_bytes, guid);
}

/* The whole boot option path OVMF writes for a disk:
 * PciRoot(0x0)/Pci(0x1,0x0)/HD(1,GPT,...)/\EFI\BOOT\BOOTX64.EFI */
static void test_ovmf_disk_path(void) {
        struct path p = { .len = 0 };
        uint16_t out[64];
        uint8_t guid[16];

        put_pci_root(&p);
        put_pci(&p, 1, 0);
        put_gpt_hard_drive(&p);
        put_file(&p, u"\\EFI\\BOOT\\BOOTX64.EFI", 1);
        put_end(&p);
        CHECK_EQ(file_path(&p, p.len, out, 64), 0);
        CHECK_STR(tl_ascii(out), "\\EFI\\BOOT\\BOOTX64.EFI");
        CHECK_EQ(partition_guid(&p, p.len, guid), 0);
        CHECK(memcmp(guid, part_guid, 16) == 0);
        CHECK(!only_vendor(&p, p.len, loader_guid));
        /* Bytes after the End node are not the walk's business. */
        CHECK_EQ(file_path(&p, DEVICE_PATH_WALK_MAX, out, 64), 0);
        CHECK_STR(tl_ascii(out), "\\EFI\\BOOT\\BOOTX64.EFI");
}

/* A LoadedImage FilePath: only the file node(s), the device is elsewhere. */
static void test_loaded_image_file_path(void) {
        struct path p = { .len = 0 };
        uint16_t out[64];
        uint8_t guid[16];

        put_file(&p, u"\\EFI\\pvhboot\\pvhboot.efi", 1);
        put_end(&p);
        CHECK_EQ(file_path(&p, p.len, out, 64), 0);
        CHECK_STR(tl_ascii(out), "\\EFI\\pvhboot\\pvhboot.efi");
        CHECK_EQ(partition_guid(&p, p.len, guid), -1);

        /* Only End: an empty path is still a well-formed one. */
        p.len = 0;
        put_end(&p);
        out[0] = 'x';
        CHECK_EQ(file_path(&p, p.len, out, 64), 0);
        CHECK_EQ(out[0], 0);
}

/* "Each node can optionally add a '\' separator to the beginning and/or the
 * end of the Path Name string": every combination joins with one '\'. */
static void test_two_file_nodes(void) {
        static const struct {
                const char16_t *dir, *file;
                int dir_nul, file_nul;
        } cases[] = {
                { u"\\EFI\\pvhboot", u"pvhboot.efi", 1, 1 },
                { u"\\EFI\\pvhboot\\", u"pvhboot.efi", 1, 1 },
                { u"\\EFI\\pvhboot", u"\\pvhboot.efi", 1, 1 },
                { u"\\EFI\\pvhboot\\", u"\\pvhboot.efi", 1, 1 },
                { u"\\EFI\\pvhboot", u"pvhboot.efi", 0, 0 },
                { u"\\EFI\\pvhboot\\", u"pvhboot.efi", 0, 1 },
                { u"\\EFI\\pvhboot\\", u"\\pvhboot.efi", 1, 0 },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct path p = { .len = 0 };
                uint16_t out[64];
                put_file(&p, cases[i].dir, cases[i].dir_nul);
                put_file(&p, cases[i].file, cases[i].file_nul);
                put_end(&p);
                CHECK_EQ(file_path(&p, p.len, out, 64), 0);
                CHECK_STR(tl_ascii(out), "\\EFI\\pvhboot\\pvhboot.efi");
        }
}

static void test_file_node_edges(void) {
        struct path p = { .len = 0 };
        uint16_t out[64];

        /* A name stops at its first NUL, whatever follows in the node. */
        put_file(&p, u"\\EFI", 0);
        put_le(&p, 0, 2);
        put_le(&p, 'Z', 2);
        p.bytes[2] = 4 + 2 * 6;
        put_end(&p);
        CHECK_EQ(file_path(&p, p.len, out, 64), 0);
        CHECK_STR(tl_ascii(out), "\\EFI");

        /* An odd Length: the last byte is half a unit and is ignored. */
        p.len = 0;
        put_file(&p, u"ab", 0);
        put_u8(&p, 'c');
        p.bytes[2] = 4 + 5;
        put_end(&p);
        CHECK_EQ(file_path(&p, p.len, out, 64), 0);
        CHECK_STR(tl_ascii(out), "ab");

        /* Empty names (Length 4, or only a NUL) add nothing, not even a
         * separator; non-file nodes and End Instance are skipped. */
        p.len = 0;
        put_header(&p, EFI_DP_TYPE_MEDIA, EFI_DP_MEDIA_FILEPATH, 4);
        put_file(&p, u"\\EFI", 1);
        put_file(&p, u"", 1);
        put_gpt_hard_drive(&p);
        put_header(&p, EFI_DP_TYPE_END, EFI_DP_END_INSTANCE, 4);
        put_file(&p, u"x.efi", 1);
        put_file(&p, u"", 0);
        put_end(&p);
        CHECK_EQ(file_path(&p, p.len, out, 64), 0);
        CHECK_STR(tl_ascii(out), "\\EFI\\x.efi");

        /* Non-ASCII units pass through unchanged. */
        p.len = 0;
        put_file(&p, u"\\\u00e9t\u00e9", 1);
        put_end(&p);
        CHECK_EQ(file_path(&p, p.len, out, 64), 0);
        CHECK_EQ(out[1], 0x00e9);
        CHECK_EQ(out[3], 0x00e9);
        CHECK_EQ(out[4], 0);
}

/* The result with its NUL must fit in cap; too long is an error, never a
 * truncated path. */
static void test_file_path_capacity(void) {
        struct path p = { .len = 0 };
        uint16_t out[8];

        put_file(&p, u"\\a", 1);
        put_file(&p, u"b", 1);
        put_end(&p);
        CHECK_EQ(file_path(&p, p.len, out, 5), 0);              /* "\a\b" + NUL */
        CHECK_STR(tl_ascii(out), "\\a\\b");
        CHECK_EQ(file_path(&p, p.len, out, 4), -1);             /* the 'b' does not fit */
        CHECK_EQ(out[0], 0);
        CHECK_EQ(file_path(&p, p.len, out, 3), -1);             /* the separator does not fit */
        CHECK_EQ(out[0], 0);
        CHECK_EQ(file_path(&p, p.len, out, 1), -1);
        CHECK_EQ(out[0], 0);
        out[0] = 'x';
        CHECK_EQ(file_path(&p, p.len, out, 0), -1);             /* no room even for the NUL */
        CHECK_EQ(out[0], 'x');
}

/* Each broken path fails all three functions the same way. */
static void check_malformed(const struct path *p, size_t max_bytes) {
        uint16_t out[64];
        uint8_t guid[16];
        memset(guid, 0xAA, sizeof(guid));
        CHECK_EQ(file_path(p, max_bytes, out, 64), -1);
        CHECK_EQ(out[0], 0);
        CHECK_EQ(partition_guid(p, max_bytes, guid), -1);
        CHECK_EQ(guid[0], 0xAA);
        CHECK(!only_vendor(p, max_bytes, loader_guid));
}

static void test_malformed_lengths(void) {
        struct path good = { .len = 0 }, p;
        size_t hd_at, file_at;

        put_pci_root(&good);
        hd_at = good.len;
        put_gpt_hard_drive(&good);
        file_at = good.len;
        put_file(&good, u"\\k", 1);
        put_end(&good);

        /* Zero length: the walk would never advance. */
        p = good;
        p.bytes[hd_at + 2] = 0;
        p.bytes[hd_at + 3] = 0;
        check_malformed(&p, p.len);
        p = good;
        p.bytes[2] = 0;
        p.bytes[3] = 0;
        check_malformed(&p, p.len);
        /* Length 3: shorter than the node header itself. */
        p = good;
        p.bytes[file_at + 2] = 3;
        check_malformed(&p, p.len);
        /* A node running past max_bytes: the file node claims 0x1000 bytes. */
        p = good;
        p.bytes[file_at + 2] = 0x00;
        p.bytes[file_at + 3] = 0x10;
        check_malformed(&p, p.len);
        /* The same with a name that has no NUL, so that only the bound
         * stops the read of its text. */
        p.len = 0;
        put_file(&p, u"\\k", 0);
        put_end(&p);
        p.bytes[2] = 0x00;
        p.bytes[3] = 0x10;
        check_malformed(&p, p.len);
        /* The End node itself one byte past max_bytes. */
        check_malformed(&good, good.len - 1);
        /* Only half a header left before max_bytes. */
        check_malformed(&good, good.len - 2);
        check_malformed(&good, 0);
        /* Missing End: the path stops at max_bytes after the file node. */
        check_malformed(&good, good.len - 4);
        /* End Instance is not the end of the path. */
        p = good;
        p.bytes[p.len - 3] = EFI_DP_END_INSTANCE;
        check_malformed(&p, p.len);
        /* No path at all. */
        {
                uint16_t out[4];
                uint8_t guid[16];
                CHECK_EQ(device_path_file_path(NULL, DEVICE_PATH_WALK_MAX, out, 4), -1);
                CHECK_EQ(device_path_partition_guid(NULL, DEVICE_PATH_WALK_MAX, guid), -1);
                CHECK(!device_path_is_only_vendor_media(NULL, DEVICE_PATH_WALK_MAX, loader_guid));
        }
}

static void test_partition_guid(void) {
        static const uint8_t mbr_signature[16] = { 0x78, 0x56, 0x34, 0x12 };
        struct path p = { .len = 0 };
        uint8_t guid[16];

        /* gnu-efi's unpacked struct is 48 bytes: a longer node still has the
         * fields at the spec's offsets. */
        put_pci_root(&p);
        put_hard_drive(&p, 48, EFI_DP_PARTITION_FORMAT_GPT, EFI_DP_SIGNATURE_TYPE_GUID, part_guid);
        put_end(&p);
        CHECK_EQ(partition_guid(&p, p.len, guid), 0);
        CHECK(memcmp(guid, part_guid, 16) == 0);

        /* Length 41: the Signature Type byte is outside the node. */
        p.len = 0;
        put_pci_root(&p);
        put_hard_drive(&p, 41, EFI_DP_PARTITION_FORMAT_GPT, EFI_DP_SIGNATURE_TYPE_GUID, part_guid);
        put_pci_root(&p);       /* its Type byte, 0x02, is where Signature Type would be */
        put_end(&p);
        memset(guid, 0xAA, sizeof(guid));
        CHECK_EQ(partition_guid(&p, p.len, guid), -1);
        CHECK_EQ(guid[0], 0xAA);

        /* An MBR partition: a 32-bit disk signature, not a GUID. */
        p.len = 0;
        put_pci_root(&p);
        put_hard_drive(&p, 42, EFI_DP_PARTITION_FORMAT_MBR, EFI_DP_SIGNATURE_TYPE_MBR, mbr_signature);
        put_end(&p);
        CHECK_EQ(partition_guid(&p, p.len, guid), -1);
        /* No signature at all. */
        p.len = 0;
        put_hard_drive(&p, 42, EFI_DP_PARTITION_FORMAT_GPT, EFI_DP_SIGNATURE_TYPE_NONE, part_guid);
        put_end(&p);
        CHECK_EQ(partition_guid(&p, p.len, guid), -1);

        /* The first HD() with a GUID signature counts, not the first HD(). */
        p.len = 0;
        put_hard_drive(&p, 42, EFI_DP_PARTITION_FORMAT_MBR, EFI_DP_SIGNATURE_TYPE_MBR, mbr_signature);
        put_gpt_hard_drive(&p);
        put_end(&p);
        memset(guid, 0, sizeof(guid));
        CHECK_EQ(partition_guid(&p, p.len, guid), 0);
        CHECK(memcmp(guid, part_guid, 16) == 0);

        /* Of two GPT HD() nodes, the first. */
        p.len = 0;
        put_gpt_hard_drive(&p);
        put_hard_drive(&p, 42, EFI_DP_PARTITION_FORMAT_GPT, EFI_DP_SIGNATURE_TYPE_GUID, loader_guid);
        put_end(&p);
        CHECK_EQ(partition_guid(&p, p.len, guid), 0);
        CHECK(memcmp(guid, part_guid, 16) == 0);

        /* A GPT HD() in a path that is broken after it gives nothing. */
        p.len = 0;
        put_gpt_hard_drive(&p);
        put_header(&p, EFI_DP_TYPE_MEDIA, EFI_DP_MEDIA_FILEPATH, 2);
        put_end(&p);
        memset(guid, 0xAA, sizeof(guid));
        CHECK_EQ(partition_guid(&p, p.len, guid), -1);
        CHECK_EQ(guid[0], 0xAA);

        /* The same bytes as a non-media node (type 1 sub-type 1 is PCI). */
        p.len = 0;
        put_gpt_hard_drive(&p);
        p.bytes[0] = 0x01;
        put_end(&p);
        CHECK_EQ(partition_guid(&p, p.len, guid), -1);
}

/* OVMF's QEMU kernel loader file system: VenMedia(1428F772-...)/End. */
static void test_vendor_media(void) {
        static const uint8_t other_guid[16] = { 0x72, 0xf7, 0x28, 0x14, 0x4a, 0xb6, 0x1e, 0x44,
                                                0xb8, 0xc3, 0x9e, 0xbd, 0xd7, 0xf8, 0x93, 0xc8 };
        struct path p = { .len = 0 };
        uint16_t out[8];

        put_vendor_media(&p, loader_guid, 0);
        put_end(&p);
        CHECK(only_vendor(&p, p.len, loader_guid));
        CHECK(!only_vendor(&p, p.len, other_guid));
        CHECK_EQ(file_path(&p, p.len, out, 8), 0);
        CHECK_EQ(out[0], 0);

        /* Followed by another node: a file on that volume, not the volume. */
        p.len = 0;
        put_vendor_media(&p, loader_guid, 0);
        put_file(&p, u"kernel", 1);
        put_end(&p);
        CHECK(!only_vendor(&p, p.len, loader_guid));
        /* Followed by End Instance and a second instance. */
        p.len = 0;
        put_vendor_media(&p, loader_guid, 0);
        put_header(&p, EFI_DP_TYPE_END, EFI_DP_END_INSTANCE, 4);
        put_end(&p);
        CHECK(!only_vendor(&p, p.len, loader_guid));
        /* Preceded by another node. */
        p.len = 0;
        put_pci_root(&p);
        put_vendor_media(&p, loader_guid, 0);
        put_end(&p);
        CHECK(!only_vendor(&p, p.len, loader_guid));
        /* Vendor-defined data after the GUID. */
        p.len = 0;
        put_vendor_media(&p, loader_guid, 4);
        put_end(&p);
        CHECK(!only_vendor(&p, p.len, loader_guid));
        /* Length 19: the node does not hold the whole GUID. */
        p.len = 0;
        put_vendor_media(&p, loader_guid, 0);
        p.bytes[2] = 19;
        p.len = 19;
        put_end(&p);
        CHECK(!only_vendor(&p, p.len, loader_guid));
        /* A hardware vendor node (type 1, sub-type 4) with the same GUID. */
        p.len = 0;
        put_vendor_media(&p, loader_guid, 0);
        p.bytes[0] = 0x01;
        p.bytes[1] = 0x04;
        put_end(&p);
        CHECK(!only_vendor(&p, p.len, loader_guid));
        /* No End after it within max_bytes. */
        p.len = 0;
        put_vendor_media(&p, loader_guid, 0);
        put_end(&p);
        CHECK(!only_vendor(&p, p.len - 1, loader_guid));
        CHECK(!only_vendor(&p, EFI_DP_VENDOR_LENGTH, loader_guid));
        /* Nothing but End. */
        p.len = 0;
        put_end(&p);
        CHECK(!only_vendor(&p, p.len, loader_guid));
}

int main(void) {
        RUN(test_ovmf_disk_path);
        RUN(test_loaded_image_file_path);
        RUN(test_two_file_nodes);
        RUN(test_file_node_edges);
        RUN(test_file_path_capacity);
        RUN(test_malformed_lengths);
        RUN(test_partition_guid);
        RUN(test_vendor_media);
        return tl_summary("device_path");
}
