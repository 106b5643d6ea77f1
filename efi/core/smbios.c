/* SPDX-License-Identifier: MIT */
/*
 * SMBIOS entry points: validation, the copies pvhboot places in the
 * F-segment, where they go, and what Linux's scan of that segment finds
 * (see smbios.h).
 */
#include "smbios.h"
#include "byteorder.h"

#include "pvh_memmap.h"

static bool same(const uint8_t *a, const char *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (a[i] != (uint8_t)b[i])
                        return false;
        return true;
}

uint8_t smbios_checksum(const uint8_t *p, size_t len) {
        uint8_t sum = 0;

        for (size_t i = 0; i < len; i++)
                sum = (uint8_t)(sum + p[i]);
        return sum;
}

static void keep_bytes(struct smbios_ep *out, const uint8_t *p, size_t n) {
        for (size_t i = 0; i < SMBIOS_EP_MAX; i++)
                out->bytes[i] = i < n ? p[i] : 0;
}

enum smbios_error smbios3_parse(const uint8_t *p, size_t avail, struct smbios_ep *out) {
        uint8_t length;

        if (avail < SMBIOS3_OFF_LENGTH + 1)
                return SMBIOS_ERR_TRUNCATED;
        if (!same(p, "_SM3_", 5))
                return SMBIOS_ERR_ANCHOR;
        length = p[SMBIOS3_OFF_LENGTH];
        if (length < SMBIOS3_EP_LENGTH || length > SMBIOS_EP_MAX)
                return SMBIOS_ERR_LENGTH;
        if (avail < length)
                return SMBIOS_ERR_TRUNCATED;
        if (smbios_checksum(p, length) != 0)
                return SMBIOS_ERR_CHECKSUM;
        if (p[SMBIOS3_OFF_MAJOR] < 3)
                return SMBIOS_ERR_VERSION;
        *out = (struct smbios_ep){
                .kind = SMBIOS_EP_64,
                .length = length,
                .major = p[SMBIOS3_OFF_MAJOR],
                .minor = p[SMBIOS3_OFF_MINOR],
                .docrev = p[SMBIOS3_OFF_DOCREV],
                .table_length = le32(p + SMBIOS3_OFF_TABLE_MAX),
                .table_address = le64(p + SMBIOS3_OFF_TABLE_ADDRESS),
        };
        if (out->table_length == 0)
                return SMBIOS_ERR_TABLE_EMPTY;
        if (out->table_address == 0 || out->table_address >= SMBIOS_PHYS_LIMIT ||
            out->table_length > SMBIOS_PHYS_LIMIT - out->table_address)
                return SMBIOS_ERR_TABLE_ADDRESS;
        keep_bytes(out, p, length);
        return SMBIOS_OK;
}

/* The bytes a 32-bit entry point occupies: the intermediate part runs to
 * 0x1F whatever the length says (0x1E, the SMBIOS 2.1 erratum). */
static size_t ep_size(const struct smbios_ep *ep) {
        return ep->kind == SMBIOS_EP_32 ? SMBIOS2_EP_LENGTH : ep->length;
}

enum smbios_error smbios2_parse(const uint8_t *p, size_t avail, struct smbios_ep *out) {
        uint8_t length;

        if (avail < SMBIOS2_OFF_LENGTH + 1)
                return SMBIOS_ERR_TRUNCATED;
        if (!same(p, "_SM_", 4))
                return SMBIOS_ERR_ANCHOR;
        length = p[SMBIOS2_OFF_LENGTH];
        if (length != SMBIOS2_EP_LENGTH && length != SMBIOS2_EP_LENGTH_21)
                return SMBIOS_ERR_LENGTH;
        if (avail < SMBIOS2_EP_LENGTH)
                return SMBIOS_ERR_TRUNCATED;
        if (smbios_checksum(p, length) != 0)
                return SMBIOS_ERR_CHECKSUM;
        if (p[SMBIOS2_OFF_MAJOR] < 2)
                return SMBIOS_ERR_VERSION;
        if (!same(p + SMBIOS2_OFF_DMI, "_DMI_", 5))
                return SMBIOS_ERR_DMI_ANCHOR;
        if (smbios_checksum(p + SMBIOS2_OFF_DMI, SMBIOS2_DMI_LENGTH) != 0)
                return SMBIOS_ERR_DMI_CHECKSUM;
        *out = (struct smbios_ep){
                .kind = SMBIOS_EP_32,
                .length = length,
                .major = p[SMBIOS2_OFF_MAJOR],
                .minor = p[SMBIOS2_OFF_MINOR],
                .table_length = le16(p + SMBIOS2_OFF_TABLE_LENGTH),
                .table_address = le32(p + SMBIOS2_OFF_TABLE_ADDRESS),
        };
        if (out->table_length == 0)
                return SMBIOS_ERR_TABLE_EMPTY;
        /* A 32-bit table must end at or below 4 GiB. */
        if (out->table_address == 0 || out->table_address + out->table_length > 0x100000000ull)
                return SMBIOS_ERR_TABLE_ADDRESS;
        keep_bytes(out, p, SMBIOS2_EP_LENGTH);
        return SMBIOS_OK;
}

void smbios_ep_build(const struct smbios_ep *ep, uint8_t out[SMBIOS_EP_MAX]) {
        size_t n = ep_size(ep);

        for (size_t i = 0; i < SMBIOS_EP_MAX; i++)
                out[i] = i < n ? ep->bytes[i] : 0;
        if (ep->kind == SMBIOS_EP_64) {
                out[SMBIOS3_OFF_CHECKSUM] = 0;
                out[SMBIOS3_OFF_CHECKSUM] = (uint8_t)-smbios_checksum(out, ep->length);
                return;
        }
        /* The intermediate part first: the entry point's sum covers it. */
        out[SMBIOS2_OFF_DMI_CHECKSUM] = 0;
        out[SMBIOS2_OFF_DMI_CHECKSUM] = (uint8_t)-smbios_checksum(out + SMBIOS2_OFF_DMI, SMBIOS2_DMI_LENGTH);
        out[SMBIOS2_OFF_CHECKSUM] = 0;
        out[SMBIOS2_OFF_CHECKSUM] = (uint8_t)-smbios_checksum(out, ep->length);
}

/* Linux's acceptance rules (dmi_smbios3_present, dmi_present) on the 32
 * bytes at buf, which may start before the segment for the 32-bit pass. */
static bool linux_accepts64(const uint8_t *buf) {
        return same(buf, "_SM3_", 5) && buf[6] >= 24 && buf[6] <= 32 && smbios_checksum(buf, buf[6]) == 0;
}

static bool linux_accepts_dmi(const uint8_t *dmi) {
        return same(dmi, "_DMI_", 5) && smbios_checksum(dmi, SMBIOS2_DMI_LENGTH) == 0;
}

void smbios_fseg_scan(const uint8_t *seg, struct smbios_scan *out) {
        out->off64 = out->off32 = -1;
        /* Pass 1: a 32-byte window at every 16-byte boundary it fits. */
        for (uint32_t off = 0; off + 32 <= SMBIOS_FSEG_SIZE; off += 16)
                if (linux_accepts64(seg + off)) {
                        out->off64 = (int32_t)off;
                        break;
                }
        /* Pass 2: the "_DMI_" header at each boundary decides (an "_SM_"
         * before it only adds the SMBIOS version). */
        for (uint32_t off = 0; off + 16 <= SMBIOS_FSEG_SIZE; off += 16)
                if (linux_accepts_dmi(seg + off)) {
                        out->off32 = (int32_t)off - 16;
                        break;
                }
}

static bool bytes_at(const uint8_t *seg, int32_t off, const struct smbios_ep *ep) {
        uint8_t want[SMBIOS_EP_MAX];
        size_t n = ep_size(ep);

        if (off < 0 || (uint32_t)off + n > SMBIOS_FSEG_SIZE)
                return false;
        smbios_ep_build(ep, want);
        for (size_t i = 0; i < n; i++)
                if (seg[off + i] != want[i])
                        return false;
        return true;
}

bool smbios_fseg_has(const uint8_t *seg, const struct smbios_ep *ep64, const struct smbios_ep *ep32) {
        struct smbios_scan scan;

        smbios_fseg_scan(seg, &scan);
        if (ep64)
                return bytes_at(seg, scan.off64, ep64);
        return ep32 && scan.off64 < 0 && bytes_at(seg, scan.off32, ep32);
}

static bool blank_block(const uint8_t *b) {
        for (unsigned i = 1; i < 16; i++)
                if (b[i] != b[0])
                        return false;
        return b[0] == 0x00 || b[0] == 0xFF;
}

enum smbios_error smbios_fseg_place(uint8_t *image, const struct smbios_ep *ep64, const struct smbios_ep *ep32,
                                    int32_t *off64, int32_t *off32) {
        uint32_t need = (ep64 ? SMBIOS_EP_MAX : 0) + (ep32 ? SMBIOS_EP_MAX : 0);
        uint32_t run = 0, at = 0;
        struct smbios_scan scan;
        bool found = false;

        *off64 = *off32 = -1;
        if (need == 0)
                return SMBIOS_ERR_NO_ROOM;
        for (uint32_t off = 0; off < SMBIOS_FSEG_SIZE && !found; off += 16) {
                run = blank_block(image + off) ? run + 16 : 0;
                if (run == need) {
                        at = off + 16 - need;
                        found = true;
                }
        }
        if (!found)
                return SMBIOS_ERR_NO_ROOM;
        if (ep64) {
                smbios_ep_build(ep64, image + at);
                *off64 = (int32_t)at;
                at += SMBIOS_EP_MAX;
        }
        if (ep32) {
                smbios_ep_build(ep32, image + at);
                *off32 = (int32_t)at;
        }
        /* The kernel must find these, not something the ROM already had. */
        smbios_fseg_scan(image, &scan);
        if (scan.off64 != *off64 || (ep32 && scan.off32 != *off32))
                return SMBIOS_ERR_SHADOWED;
        return SMBIOS_OK;
}

unsigned smbios_pam0_offset(uint16_t vendor, uint16_t device, const char **name) {
        *name = "unknown";
        if (vendor != 0x8086)
                return 0;
        switch (device) {
        case 0x29c0:
                *name = "q35 MCH";
                return 0x90;
        case 0x1237:
                *name = "i440FX";
                return 0x59;
        }
        return 0;
}

bool smbios_range_kept(const void *map, size_t map_size, size_t desc_size, uint64_t start, uint64_t end) {
        if (desc_size < sizeof(struct efi_memory_descriptor))
                return false;
        for (size_t i = 0; i < map_size / desc_size; i++) {
                const struct efi_memory_descriptor d = efi_map_descriptor(map, desc_size, i);
                uint64_t d_end;

                if (d.number_of_pages == 0 || !efi_memory_type_is_ram(d.type))
                        continue;
                d_end = d.number_of_pages > (UINT64_MAX - d.physical_start) >> PVH_PAGE_SHIFT
                                ? UINT64_MAX
                                : d.physical_start + (d.number_of_pages << PVH_PAGE_SHIFT);
                if (d.physical_start < end && start < d_end)
                        return false;
        }
        return true;
}

const char *smbios_strerror(enum smbios_error err) {
        switch (err) {
        case SMBIOS_OK: return "no error";
        case SMBIOS_ERR_TRUNCATED: return "entry point is cut short";
        case SMBIOS_ERR_ANCHOR: return "entry point has no _SM3_/_SM_ anchor";
        case SMBIOS_ERR_LENGTH: return "entry point length is out of range";
        case SMBIOS_ERR_CHECKSUM: return "entry point checksum is wrong";
        case SMBIOS_ERR_VERSION: return "entry point's SMBIOS major version does not match its anchor";
        case SMBIOS_ERR_DMI_ANCHOR: return "32-bit entry point has no _DMI_ intermediate anchor";
        case SMBIOS_ERR_DMI_CHECKSUM: return "32-bit entry point's intermediate checksum is wrong";
        case SMBIOS_ERR_TABLE_EMPTY: return "entry point gives an empty structure table";
        case SMBIOS_ERR_TABLE_ADDRESS: return "entry point's structure table address is out of range";
        case SMBIOS_ERR_NO_ROOM: return "no blank 16-byte aligned room in 0xF0000-0xFFFFF";
        case SMBIOS_ERR_SHADOWED: return "0xF0000-0xFFFFF already holds another SMBIOS entry point that the kernel would find first";
        }
        return "unknown error";
}
