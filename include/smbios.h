/* SPDX-License-Identifier: MIT */
/*
 * SMBIOS entry points, and where a kernel that is not booted through EFI
 * looks for them.
 *
 * The firmware publishes its SMBIOS entry points in the EFI configuration
 * table (SMBIOS3_TABLE_GUID: the 64-bit "_SM3_" entry point; SMBIOS_TABLE_GUID:
 * the 32-bit "_SM_" one). Linux booted through PVH does not see that table:
 * dmi_scan_machine() (drivers/firmware/dmi_scan.c) scans 0xF0000-0xFFFFF on
 * 16-byte boundaries, first for a "_SM3_" entry point anywhere, then for a
 * "_SM_" one with its "_DMI_" intermediate 16 bytes further. pvhboot copies
 * the firmware's entry points into that segment (smbios.c in glue opens it
 * through the chipset's PAM register); the tables stay where they are.
 *
 * Layouts: DMTF SMBIOS 3.7.0, 5.2.1 (32-bit, 0x1F bytes) and 5.2.2
 * (64-bit, 0x18 bytes). Pure code: everything is unit-tested on the host.
 */
#ifndef PVHBOOT_SMBIOS_H
#define PVHBOOT_SMBIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMBIOS_FSEG_BASE 0xF0000u
#define SMBIOS_FSEG_SIZE 0x10000u

/* Lengths as the spec gives them, and the most any entry point may claim:
 * Linux reads 32 bytes and accepts a "_SM3_" length of 24..32 and a "_SM_"
 * length below 32; SMBIOS 2.1 documented 0x1E, a known erratum the spec
 * tells software to accept. */
#define SMBIOS3_EP_LENGTH 0x18u
#define SMBIOS2_EP_LENGTH 0x1Fu
#define SMBIOS2_EP_LENGTH_21 0x1Eu
#define SMBIOS_EP_MAX 32u

/* Field offsets. 64-bit: anchor "_SM3_" (5), checksum, length, major,
 * minor, docrev, entry point revision, reserved, structure table maximum
 * size (u32), structure table address (u64). */
#define SMBIOS3_OFF_CHECKSUM 5
#define SMBIOS3_OFF_LENGTH 6
#define SMBIOS3_OFF_MAJOR 7
#define SMBIOS3_OFF_MINOR 8
#define SMBIOS3_OFF_DOCREV 9
#define SMBIOS3_OFF_REVISION 10
#define SMBIOS3_OFF_TABLE_MAX 12
#define SMBIOS3_OFF_TABLE_ADDRESS 16
/* 32-bit: anchor "_SM_" (4), checksum, length, major, minor, maximum
 * structure size (u16), entry point revision, formatted area (5); then the
 * intermediate part: "_DMI_" (5), intermediate checksum over its 15 bytes,
 * structure table length (u16), address (u32), number of structures
 * (u16), BCD revision. */
#define SMBIOS2_OFF_CHECKSUM 4
#define SMBIOS2_OFF_LENGTH 5
#define SMBIOS2_OFF_MAJOR 6
#define SMBIOS2_OFF_MINOR 7
#define SMBIOS2_OFF_DMI 16
#define SMBIOS2_DMI_LENGTH 15
#define SMBIOS2_OFF_DMI_CHECKSUM 21
#define SMBIOS2_OFF_TABLE_LENGTH 22
#define SMBIOS2_OFF_TABLE_ADDRESS 24
#define SMBIOS2_OFF_NR_STRUCTURES 28

/* x86 physical addresses have at most 52 bits. */
#define SMBIOS_PHYS_LIMIT (1ull << 52)

enum smbios_kind {
        SMBIOS_EP_64 = 3,       /* "_SM3_" */
        SMBIOS_EP_32 = 2,       /* "_SM_" + "_DMI_" */
};

/* A validated entry point: its bytes (length of them; the rest zero) and
 * what they say. */
struct smbios_ep {
        enum smbios_kind kind;
        uint8_t length;
        uint8_t major, minor, docrev;   /* docrev: 64-bit only */
        uint64_t table_address;
        uint32_t table_length;          /* 64-bit: the maximum size */
        uint8_t bytes[SMBIOS_EP_MAX];
};

enum smbios_error {
        SMBIOS_OK = 0,
        SMBIOS_ERR_TRUNCATED,           /* fewer bytes than the header or its length */
        SMBIOS_ERR_ANCHOR,              /* no "_SM3_" / "_SM_" */
        SMBIOS_ERR_LENGTH,              /* length field out of range */
        SMBIOS_ERR_CHECKSUM,            /* the entry point's bytes do not sum to 0 */
        SMBIOS_ERR_VERSION,             /* major version too low for the anchor */
        SMBIOS_ERR_DMI_ANCHOR,          /* 32-bit: no "_DMI_" at offset 16 */
        SMBIOS_ERR_DMI_CHECKSUM,        /* 32-bit: the intermediate part does not sum to 0 */
        SMBIOS_ERR_TABLE_EMPTY,         /* structure table length 0 */
        SMBIOS_ERR_TABLE_ADDRESS,       /* table at 0, or past 4 GiB (32-bit) / 2^52 */
        SMBIOS_ERR_NO_ROOM,             /* no blank 16-byte aligned room in the F-segment */
        SMBIOS_ERR_SHADOWED,            /* another valid entry point would be found first */
};

const char *smbios_strerror(enum smbios_error err);

/* Sum of bytes, mod 256 (0 for a valid entry point). */
uint8_t smbios_checksum(const uint8_t *p, size_t len);

/* Validate the entry point at p (avail readable bytes) and fill *out. */
enum smbios_error smbios3_parse(const uint8_t *p, size_t avail, struct smbios_ep *out);
enum smbios_error smbios2_parse(const uint8_t *p, size_t avail, struct smbios_ep *out);

/* The copy of ep to place in memory: its bytes with both checksums (and,
 * for 32-bit, the intermediate one) computed afresh, zero-padded to
 * SMBIOS_EP_MAX. Equal to the firmware's bytes for a valid entry point. */
void smbios_ep_build(const struct smbios_ep *ep, uint8_t out[SMBIOS_EP_MAX]);

/* What Linux's non-EFI scan of a 64 KiB F-segment image finds: the
 * offset of the first "_SM3_" entry point it accepts (its own length and
 * checksum rules), else -1; and the offset of the "_SM_"/"_DMI_" one its
 * second pass would take, else -1 (a bare legacy "_DMI_" header counts,
 * at its offset minus 16). */
struct smbios_scan {
        int32_t off64, off32;
};
void smbios_fseg_scan(const uint8_t *seg, struct smbios_scan *out);

/* Whether the scan of seg would give the kernel exactly these entry points
 * (ep64 first when there is one, else ep32; either may be NULL). */
bool smbios_fseg_has(const uint8_t *seg, const struct smbios_ep *ep64, const struct smbios_ep *ep32);

/* Put ep64 and/or ep32 (either may be NULL, not both) into image, a copy
 * of the F-segment as the ROM shows it: in the lowest 16-byte aligned run
 * of blank blocks (16 bytes all 0x00 or all 0xFF: firmware volume padding)
 * with room for both, 64-bit first, each in a zero-filled 32-byte slot.
 * *off64 and *off32 get their offsets (-1 for none). Checks that the scan of
 * the result finds exactly these. */
enum smbios_error smbios_fseg_place(uint8_t *image, const struct smbios_ep *ep64, const struct smbios_ep *ep32,
                                    int32_t *off64, int32_t *off32);

/* The chipsets whose PAM registers pvhboot knows, by PCI ID of 00:00.0:
 * QEMU's q35 MCH (8086:29c0, PAM0 at 0x90) and i440FX (8086:1237, PAM0 at
 * 0x59). Bits 5:4 of PAM0 route 0xF0000-0xFFFFF: 0 to ROM/PCI, 1 reads
 * DRAM (read-only), 2 writes DRAM, 3 both. Returns the PAM0 offset, or 0
 * for a chipset pvhboot must not touch; *name names it. */
unsigned smbios_pam0_offset(uint16_t vendor, uint16_t device, const char **name);
#define SMBIOS_PAM_FSEG_SHIFT 4
#define SMBIOS_PAM_FSEG_MASK (3u << SMBIOS_PAM_FSEG_SHIFT)
#define SMBIOS_PAM_DISABLED 0u
#define SMBIOS_PAM_READ_ONLY 1u
#define SMBIOS_PAM_READ_WRITE 3u
static inline uint8_t smbios_pam0_with(uint8_t pam0, unsigned mode) {
        return (uint8_t)((pam0 & ~SMBIOS_PAM_FSEG_MASK) | ((mode & 3u) << SMBIOS_PAM_FSEG_SHIFT));
}
static inline unsigned smbios_pam0_mode(uint8_t pam0) {
        return (pam0 & SMBIOS_PAM_FSEG_MASK) >> SMBIOS_PAM_FSEG_SHIFT;
}

/* Whether no byte of [start, end) is memory the kernel may take as RAM in
 * this EFI memory map (holes, reserved and runtime types are kept). */
bool smbios_range_kept(const void *map, size_t map_size, size_t desc_size, uint64_t start, uint64_t end);

#endif
