/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "efi_memory_abi.h"
#include "smbios.h"
#include "testlib.h"

/* OVMF's 32-bit entry point under QEMU 7.2 q35 (SMBIOS 2.8, 10 structures,
 * 0x209 bytes at 0x1F51F000), as /sys/firmware/dmi/tables/smbios_entry_point
 * showed it in the guest. */
static const uint8_t OVMF_EP32[31] = {
        0x5f, 0x53, 0x4d, 0x5f, 0x11, 0x1f, 0x02, 0x08, 0x68, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x5f, 0x44, 0x4d, 0x49, 0x5f, 0xcb, 0x09, 0x02, 0x00, 0xf0, 0x51, 0x1f, 0x0a, 0x00, 0x28,
};

static void put32(uint8_t *p, uint32_t v) {
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v) {
        put32(p, (uint32_t)v);
        put32(p + 4, (uint32_t)(v >> 32));
}

/* Fix the checksum byte at off so that the first len bytes sum to 0. */
static void fix(uint8_t *p, size_t off, size_t len) {
        p[off] = 0;
        p[off] = (uint8_t)-smbios_checksum(p, len);
}

/* A 64-bit entry point as edk2 builds it: SMBIOS 3.0.0, revision 1. */
static void ep64_good(uint8_t p[32]) {
        memset(p, 0, 32);
        memcpy(p, "_SM3_", 5);
        p[SMBIOS3_OFF_LENGTH] = 0x18;
        p[SMBIOS3_OFF_MAJOR] = 3;
        p[SMBIOS3_OFF_REVISION] = 1;
        put32(p + SMBIOS3_OFF_TABLE_MAX, 0x209);
        put64(p + SMBIOS3_OFF_TABLE_ADDRESS, 0x1f51e000);
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
}

static void ep32_good(uint8_t p[32]) {
        memset(p, 0, 32);
        memcpy(p, OVMF_EP32, sizeof(OVMF_EP32));
}

/* After changing the intermediate part: both checksums right again. */
static void fix32(uint8_t *p) {
        fix(p + SMBIOS2_OFF_DMI, SMBIOS2_OFF_DMI_CHECKSUM - SMBIOS2_OFF_DMI, SMBIOS2_DMI_LENGTH);
        fix(p, SMBIOS2_OFF_CHECKSUM, p[SMBIOS2_OFF_LENGTH]);
}

static void test_parse64_good(void) {
        uint8_t p[32], built[32];
        struct smbios_ep ep;

        ep64_good(p);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_OK);
        CHECK_EQ(ep.kind, SMBIOS_EP_64);
        CHECK_EQ(ep.length, 0x18);
        CHECK_EQ(ep.major, 3);
        CHECK_EQ(ep.minor, 0);
        CHECK_EQ(ep.table_address, 0x1f51e000);
        CHECK_EQ(ep.table_length, 0x209);
        smbios_ep_build(&ep, built);
        CHECK(memcmp(built, p, 32) == 0);
        /* Exactly the length is enough; Linux accepts up to 32. */
        CHECK_EQ(smbios3_parse(p, 0x18, &ep), SMBIOS_OK);
        p[SMBIOS3_OFF_LENGTH] = 32;
        fix(p, SMBIOS3_OFF_CHECKSUM, 32);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_OK);
        smbios_ep_build(&ep, built);
        CHECK(memcmp(built, p, 32) == 0);
}

/* Each case breaks one field of a good entry point (checksum kept right
 * unless it is the checksum being broken) and names the exact error. */
static void test_parse64_bad(void) {
        uint8_t p[32];
        struct smbios_ep ep;

        ep64_good(p);
        CHECK_EQ(smbios3_parse(p, 6, &ep), SMBIOS_ERR_TRUNCATED);
        CHECK_EQ(smbios3_parse(p, 0x17, &ep), SMBIOS_ERR_TRUNCATED);
        CHECK_EQ(smbios3_parse(p, 0, &ep), SMBIOS_ERR_TRUNCATED);

        ep64_good(p);
        p[3] = '4';
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_ANCHOR);
        CHECK_EQ(smbios3_parse(OVMF_EP32, sizeof(OVMF_EP32), &ep), SMBIOS_ERR_ANCHOR);

        ep64_good(p);
        p[SMBIOS3_OFF_LENGTH] = 0x17;
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x17);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_LENGTH);
        p[SMBIOS3_OFF_LENGTH] = 33;
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_LENGTH);
        p[SMBIOS3_OFF_LENGTH] = 0;
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_LENGTH);

        ep64_good(p);
        p[SMBIOS3_OFF_TABLE_MAX] ^= 1;
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_CHECKSUM);
        ep64_good(p);
        p[SMBIOS3_OFF_CHECKSUM]++;
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_CHECKSUM);

        ep64_good(p);
        p[SMBIOS3_OFF_MAJOR] = 2;
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_VERSION);

        ep64_good(p);
        put32(p + SMBIOS3_OFF_TABLE_MAX, 0);
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_TABLE_EMPTY);

        ep64_good(p);
        put64(p + SMBIOS3_OFF_TABLE_ADDRESS, 0);
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_TABLE_ADDRESS);
        put64(p + SMBIOS3_OFF_TABLE_ADDRESS, 1ull << 52);
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_TABLE_ADDRESS);
        put64(p + SMBIOS3_OFF_TABLE_ADDRESS, (1ull << 52) - 0x100);
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_TABLE_ADDRESS);
        put64(p + SMBIOS3_OFF_TABLE_ADDRESS, (1ull << 52) - 0x209);
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_OK);     /* ends exactly at the limit */
        put64(p + SMBIOS3_OFF_TABLE_ADDRESS, ~0ull);
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_ERR_TABLE_ADDRESS);
}

static void test_parse32_good(void) {
        uint8_t p[32], built[32];
        struct smbios_ep ep;

        ep32_good(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_OK);
        CHECK_EQ(ep.kind, SMBIOS_EP_32);
        CHECK_EQ(ep.length, 0x1f);
        CHECK_EQ(ep.major, 2);
        CHECK_EQ(ep.minor, 8);
        CHECK_EQ(ep.table_address, 0x1f51f000);
        CHECK_EQ(ep.table_length, 0x209);
        smbios_ep_build(&ep, built);
        CHECK(memcmp(built, OVMF_EP32, 31) == 0);
        CHECK_EQ(built[31], 0);
        /* SMBIOS 2.1's length erratum (0x1E) is accepted. */
        p[SMBIOS2_OFF_LENGTH] = 0x1e;
        fix32(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_OK);
        CHECK_EQ(ep.length, 0x1e);
        smbios_ep_build(&ep, built);
        CHECK(memcmp(built, p, 31) == 0);
        /* A 3.x firmware's 32-bit entry point says 3. */
        ep32_good(p);
        p[SMBIOS2_OFF_MAJOR] = 3;
        fix32(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_OK);
}

static void test_parse32_bad(void) {
        uint8_t p[32];
        struct smbios_ep ep;

        ep32_good(p);
        CHECK_EQ(smbios2_parse(p, 5, &ep), SMBIOS_ERR_TRUNCATED);
        CHECK_EQ(smbios2_parse(p, 30, &ep), SMBIOS_ERR_TRUNCATED);

        ep32_good(p);
        p[0] = '-';
        fix32(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_ANCHOR);

        for (unsigned len = 0; len < 256; len++) {
                if (len == 0x1e || len == 0x1f)
                        continue;
                ep32_good(p);
                p[SMBIOS2_OFF_LENGTH] = (uint8_t)len;
                CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_LENGTH);
        }

        ep32_good(p);
        p[8] ^= 0x40;      /* maximum structure size */
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_CHECKSUM);
        ep32_good(p);
        p[SMBIOS2_OFF_CHECKSUM]--;
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_CHECKSUM);

        ep32_good(p);
        p[SMBIOS2_OFF_MAJOR] = 1;
        fix32(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_VERSION);

        ep32_good(p);
        p[SMBIOS2_OFF_DMI + 3] = 'J';
        fix32(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_DMI_ANCHOR);

        /* The intermediate part wrong, the whole right. */
        ep32_good(p);
        p[SMBIOS2_OFF_NR_STRUCTURES]++;
        fix(p, SMBIOS2_OFF_CHECKSUM, 0x1f);
        p[SMBIOS2_OFF_DMI_CHECKSUM]++;
        p[SMBIOS2_OFF_NR_STRUCTURES + 1]--;
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_DMI_CHECKSUM);

        ep32_good(p);
        p[SMBIOS2_OFF_TABLE_LENGTH] = p[SMBIOS2_OFF_TABLE_LENGTH + 1] = 0;
        fix32(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_TABLE_EMPTY);

        ep32_good(p);
        put32(p + SMBIOS2_OFF_TABLE_ADDRESS, 0);
        fix32(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_TABLE_ADDRESS);
        put32(p + SMBIOS2_OFF_TABLE_ADDRESS, 0xFFFFFF00);   /* + 0x209 crosses 4 GiB */
        fix32(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_ERR_TABLE_ADDRESS);
        put32(p + SMBIOS2_OFF_TABLE_ADDRESS, 0xFFFFFDF7);   /* ends exactly at 4 GiB */
        fix32(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_OK);
}

static void test_build_recomputes(void) {
        uint8_t p[32], built[32];
        struct smbios_ep ep;

        ep32_good(p);
        CHECK_EQ(smbios2_parse(p, 31, &ep), SMBIOS_OK);
        ep.bytes[SMBIOS2_OFF_CHECKSUM] = 0x55;
        ep.bytes[SMBIOS2_OFF_DMI_CHECKSUM] = 0xaa;
        smbios_ep_build(&ep, built);
        CHECK(memcmp(built, OVMF_EP32, 31) == 0);
        ep64_good(p);
        CHECK_EQ(smbios3_parse(p, 32, &ep), SMBIOS_OK);
        ep.bytes[SMBIOS3_OFF_CHECKSUM] = 0;
        smbios_ep_build(&ep, built);
        CHECK(memcmp(built, p, 32) == 0);
}

static uint8_t *blank_seg(uint8_t fill) {
        uint8_t *seg = malloc(SMBIOS_FSEG_SIZE);
        memset(seg, fill, SMBIOS_FSEG_SIZE);
        return seg;
}

static void parsed(struct smbios_ep *e64, struct smbios_ep *e32) {
        uint8_t p[32];
        ep64_good(p);
        CHECK_EQ(smbios3_parse(p, 32, e64), SMBIOS_OK);
        ep32_good(p);
        CHECK_EQ(smbios2_parse(p, 31, e32), SMBIOS_OK);
}

static void test_scan(void) {
        uint8_t *seg = blank_seg(0xff), p[32];
        struct smbios_scan scan;

        smbios_fseg_scan(seg, &scan);
        CHECK_EQ(scan.off64, -1);
        CHECK_EQ(scan.off32, -1);
        /* The last place Linux's 32-byte window reaches. */
        ep64_good(p);
        memcpy(seg + 0xffe0, p, 0x18);
        smbios_fseg_scan(seg, &scan);
        CHECK_EQ(scan.off64, 0xffe0);
        memset(seg + 0xffe0, 0xff, 0x20);
        memcpy(seg + 0xfff0, p, 0x10);     /* cut off: never found */
        smbios_fseg_scan(seg, &scan);
        CHECK_EQ(scan.off64, -1);
        /* Not on a 16-byte boundary: not found. */
        memset(seg, 0xff, SMBIOS_FSEG_SIZE);
        memcpy(seg + 0x108, p, 0x18);
        smbios_fseg_scan(seg, &scan);
        CHECK_EQ(scan.off64, -1);
        /* A bare legacy "_DMI_" header counts, at its offset - 16; so does
         * one at offset 0 (the "_SM_" part would be before the segment). */
        memset(seg, 0xff, SMBIOS_FSEG_SIZE);
        memcpy(seg + 0x100, OVMF_EP32 + 16, 15);
        smbios_fseg_scan(seg, &scan);
        CHECK_EQ(scan.off32, 0xf0);
        memcpy(seg, OVMF_EP32 + 16, 15);
        smbios_fseg_scan(seg, &scan);
        CHECK_EQ(scan.off32, -16);
        /* A 64-bit anchor with a bad checksum is passed over. */
        memset(seg, 0xff, SMBIOS_FSEG_SIZE);
        p[SMBIOS3_OFF_CHECKSUM]++;
        memcpy(seg + 0x40, p, 0x18);
        p[SMBIOS3_OFF_CHECKSUM]--;
        memcpy(seg + 0x80, p, 0x18);
        smbios_fseg_scan(seg, &scan);
        CHECK_EQ(scan.off64, 0x80);
        free(seg);
}

static void test_place(void) {
        struct smbios_ep e64, e32;
        int32_t off64, off32;
        uint8_t *seg;

        parsed(&e64, &e32);
        /* OVMF: 0xF0000 onwards is 0xFF padding. */
        seg = blank_seg(0xff);
        CHECK_EQ(smbios_fseg_place(seg, &e64, &e32, &off64, &off32), SMBIOS_OK);
        CHECK_EQ(off64, 0);
        CHECK_EQ(off32, 32);
        CHECK(smbios_fseg_has(seg, &e64, &e32));
        CHECK(smbios_fseg_has(seg, &e64, NULL));
        CHECK(!smbios_fseg_has(seg, NULL, &e32));      /* the kernel takes the 64-bit one */
        CHECK_EQ(seg[0x18], 0);                          /* the slot is zero-padded */
        CHECK_EQ(seg[0x40], 0xff);                       /* nothing else changed */
        free(seg);

        /* Only a 32-bit one; zero padding works as well as 0xFF. */
        seg = blank_seg(0x00);
        CHECK_EQ(smbios_fseg_place(seg, NULL, &e32, &off64, &off32), SMBIOS_OK);
        CHECK_EQ(off64, -1);
        CHECK_EQ(off32, 0);
        CHECK(smbios_fseg_has(seg, NULL, &e32));
        CHECK(!smbios_fseg_has(seg, &e64, NULL));
        free(seg);

        /* Code at the start, a blank run too short, then room. */
        seg = blank_seg(0xff);
        seg[5] = 0x90;                  /* block 0 */
        seg[0x30] = 0x12;               /* block 3: blocks 1-2 are too short a run */
        seg[0x50] = 0x00;               /* block 5, 0x00 among 0xFF: block 4 alone is too short */
        CHECK_EQ(smbios_fseg_place(seg, &e64, &e32, &off64, &off32), SMBIOS_OK);
        CHECK_EQ(off64, 0x60);
        CHECK_EQ(off32, 0x80);
        free(seg);

        /* A block of mixed 0x00 and 0xFF bytes is not blank. */
        seg = blank_seg(0xff);
        for (uint32_t off = 0; off < SMBIOS_FSEG_SIZE; off += 16)
                seg[off + 15] = 0;
        CHECK_EQ(smbios_fseg_place(seg, &e64, &e32, &off64, &off32), SMBIOS_ERR_NO_ROOM);
        CHECK_EQ(off64, -1);
        free(seg);

        /* Room only for one: no room for both. */
        seg = blank_seg(0x5a);
        memset(seg + 0x1000, 0xff, 48);
        CHECK_EQ(smbios_fseg_place(seg, &e64, &e32, &off64, &off32), SMBIOS_ERR_NO_ROOM);
        CHECK_EQ(smbios_fseg_place(seg, NULL, &e32, &off64, &off32), SMBIOS_OK);
        CHECK_EQ(off32, 0x1000);
        free(seg);

        /* The ROM's own valid 64-bit entry point (another table) comes
         * first: the kernel would take it. */
        {
                uint8_t p[32];
                ep64_good(p);
                put64(p + SMBIOS3_OFF_TABLE_ADDRESS, 0xe0000);
                fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
                seg = blank_seg(0xff);
                memcpy(seg, p, 0x18);
                CHECK_EQ(smbios_fseg_place(seg, &e64, &e32, &off64, &off32), SMBIOS_ERR_SHADOWED);
                CHECK(!smbios_fseg_has(seg, &e64, &e32));
                memcpy(seg, p, 0x18);
                CHECK_EQ(smbios_fseg_place(seg, NULL, &e32, &off64, &off32), SMBIOS_ERR_SHADOWED);
                free(seg);
        }
        seg = blank_seg(0xff);
        CHECK_EQ(smbios_fseg_place(seg, NULL, NULL, &off64, &off32), SMBIOS_ERR_NO_ROOM);
        free(seg);
}

static void test_has_stale(void) {
        struct smbios_ep e64, e32, other;
        uint8_t p[32], *seg = blank_seg(0xff);
        int32_t off64, off32;

        parsed(&e64, &e32);
        CHECK_EQ(smbios_fseg_place(seg, &e64, &e32, &off64, &off32), SMBIOS_OK);
        /* The same segment for a boot whose tables moved: not "present". */
        ep64_good(p);
        put64(p + SMBIOS3_OFF_TABLE_ADDRESS, 0x1f000000);
        fix(p, SMBIOS3_OFF_CHECKSUM, 0x18);
        CHECK_EQ(smbios3_parse(p, 32, &other), SMBIOS_OK);
        CHECK(!smbios_fseg_has(seg, &other, &e32));
        CHECK(!smbios_fseg_has(seg, NULL, NULL));
        free(seg);
}

static void test_pam(void) {
        const char *name;

        CHECK_EQ(smbios_pam0_offset(0x8086, 0x29c0, &name), 0x90);
        CHECK_STR(name, "q35 MCH");
        CHECK_EQ(smbios_pam0_offset(0x8086, 0x1237, &name), 0x59);
        CHECK_STR(name, "i440FX");
        CHECK_EQ(smbios_pam0_offset(0x8086, 0x29c1, &name), 0);
        CHECK_EQ(smbios_pam0_offset(0x1022, 0x1237, &name), 0);
        CHECK_EQ(smbios_pam0_offset(0xffff, 0xffff, &name), 0);
        CHECK_STR(name, "unknown");
        CHECK_EQ(smbios_pam0_with(0x00, SMBIOS_PAM_READ_WRITE), 0x30);
        CHECK_EQ(smbios_pam0_with(0x00, SMBIOS_PAM_READ_ONLY), 0x10);
        CHECK_EQ(smbios_pam0_with(0xcf, SMBIOS_PAM_READ_ONLY), 0xdf);      /* reserved bits kept */
        CHECK_EQ(smbios_pam0_with(0xff, SMBIOS_PAM_DISABLED), 0xcf);
        CHECK_EQ(smbios_pam0_mode(0x10), SMBIOS_PAM_READ_ONLY);
        CHECK_EQ(smbios_pam0_mode(0xcf), SMBIOS_PAM_DISABLED);
}

static void desc(uint8_t *map, size_t desc_size, size_t i, uint32_t type, uint64_t start, uint64_t pages) {
        struct efi_memory_descriptor d = { .type = type, .physical_start = start, .number_of_pages = pages };
        memcpy(map + i * desc_size, &d, sizeof(d));
}

static void test_range_kept(void) {
        const size_t ds = 48;
        uint8_t map[6 * 48];

        memset(map, 0, sizeof(map));
        desc(map, ds, 0, EFI_MEM_CONVENTIONAL, 0, 0xa0);
        desc(map, ds, 1, EFI_MEM_CONVENTIONAL, 0x100000, 0x1f41e);
        desc(map, ds, 2, EFI_MEM_RUNTIME_SERVICES_DATA, 0x1f51e000, 2);
        desc(map, ds, 3, EFI_MEM_BOOT_SERVICES_DATA, 0x1f520000, 4);
        desc(map, ds, 4, EFI_MEM_RESERVED, 0x1f524000, 1);
        desc(map, ds, 5, EFI_MEM_CONVENTIONAL, 0x100000000ull, 0);     /* empty: ignored */
        /* The F-segment: a hole. */
        CHECK(smbios_range_kept(map, sizeof(map), ds, 0xf0000, 0x100000));
        CHECK(!smbios_range_kept(map, sizeof(map), ds, 0x9f000, 0xa0001));
        /* Tables in runtime-services data, reserved: kept. */
        CHECK(smbios_range_kept(map, sizeof(map), ds, 0x1f51e000, 0x1f51e209));
        CHECK(smbios_range_kept(map, sizeof(map), ds, 0x1f524000, 0x1f525000));
        /* One byte into boot-services data: the kernel may reuse it. */
        CHECK(!smbios_range_kept(map, sizeof(map), ds, 0x1f51f000, 0x1f520001));
        CHECK(smbios_range_kept(map, sizeof(map), ds, 0x1f51f000, 0x1f520000));
        CHECK(smbios_range_kept(map, sizeof(map), ds, 0x100000000ull, 0x100001000ull));
        CHECK(!smbios_range_kept(map, sizeof(map), 39, 0xf0000, 0x100000));
}

static void test_strerror(void) {
        for (int e = SMBIOS_OK; e <= SMBIOS_ERR_SHADOWED; e++)
                CHECK(strcmp(smbios_strerror((enum smbios_error)e), "unknown error") != 0);
        CHECK_STR(smbios_strerror((enum smbios_error)99), "unknown error");
}

int main(void) {
        RUN(test_parse64_good);
        RUN(test_parse64_bad);
        RUN(test_parse32_good);
        RUN(test_parse32_bad);
        RUN(test_build_recomputes);
        RUN(test_scan);
        RUN(test_place);
        RUN(test_has_stale);
        RUN(test_pam);
        RUN(test_range_kept);
        RUN(test_strerror);
        return tl_summary("smbios");
}
