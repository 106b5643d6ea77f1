/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "fw_cfg.h"
#include "testlib.h"

/* A directory as QEMU builds it: big-endian count, 64-byte entries. */
struct dir {
        uint8_t bytes[4 + 8 * 64];
        size_t len;
};

static void put_be(uint8_t *p, uint32_t v, int n) {
        for (int i = n - 1; i >= 0; i--, v >>= 8)
                p[i] = (uint8_t)v;
}

static void dir_init(struct dir *d) {
        memset(d, 0, sizeof(*d));
        d->len = 4;
}

static void dir_add(struct dir *d, const char *name, uint16_t select, uint32_t size) {
        uint8_t *e = d->bytes + d->len;
        uint32_t count = fw_cfg_be32(d->bytes) + 1;
        put_be(e, size, 4);
        put_be(e + 4, select, 2);
        memcpy(e + 8, name, strlen(name) < 56 ? strlen(name) : 56);
        put_be(d->bytes, count, 4);
        d->len += 64;
}

static void test_find(void) {
        struct dir d;
        uint16_t select = 0;
        uint32_t size = 0;

        dir_init(&d);
        dir_add(&d, "bootorder", 0x20, 3);
        dir_add(&d, "opt/org.pvhboot/kernelX", 0x21, 1);
        dir_add(&d, "opt/org.pvhboot/kerne", 0x22, 2);
        dir_add(&d, FW_CFG_PVHBOOT_KERNEL, 0x23, 53243444);
        CHECK_EQ(fw_cfg_dir_find(d.bytes, d.len, FW_CFG_PVHBOOT_KERNEL, &select, &size), FW_CFG_OK);
        CHECK_EQ(select, 0x23);
        CHECK_EQ(size, 53243444);
        CHECK_EQ(fw_cfg_dir_find(d.bytes, d.len, "bootorder", &select, &size), FW_CFG_OK);
        CHECK_EQ(select, 0x20);
        CHECK_EQ(size, 3);
        CHECK_EQ(fw_cfg_dir_find(d.bytes, d.len, "opt/org.pvhboot/initrd", &select, &size), FW_CFG_ERR_NOT_FOUND);
        CHECK_EQ(fw_cfg_dir_find(d.bytes, d.len, "", &select, &size), FW_CFG_ERR_NOT_FOUND);
}

static void test_empty_and_short(void) {
        struct dir d;
        uint16_t select;
        uint32_t size;

        dir_init(&d);
        CHECK_EQ(fw_cfg_dir_find(d.bytes, d.len, "bootorder", &select, &size), FW_CFG_ERR_NOT_FOUND);
        CHECK_EQ(fw_cfg_dir_find(d.bytes, 3, "bootorder", &select, &size), FW_CFG_ERR_TRUNCATED);
        CHECK_EQ(fw_cfg_dir_find(d.bytes, 0, "bootorder", &select, &size), FW_CFG_ERR_TRUNCATED);
        dir_add(&d, "bootorder", 0x20, 3);
        dir_add(&d, "etc/e820", 0x21, 3);
        /* One byte short of the last entry. */
        CHECK_EQ(fw_cfg_dir_find(d.bytes, d.len - 1, "bootorder", &select, &size), FW_CFG_ERR_TRUNCATED);
        /* A count larger than the bytes that follow. */
        put_be(d.bytes, 3, 4);
        CHECK_EQ(fw_cfg_dir_find(d.bytes, d.len, "bootorder", &select, &size), FW_CFG_ERR_TRUNCATED);
}

static void test_count_bounds(void) {
        uint8_t first4[4];
        size_t bytes = 0;

        put_be(first4, FW_CFG_MAX_FILES, 4);
        CHECK_EQ(fw_cfg_dir_size(first4, &bytes), FW_CFG_OK);
        CHECK_EQ(bytes, 4 + 64 * FW_CFG_MAX_FILES);
        put_be(first4, FW_CFG_MAX_FILES + 1, 4);
        CHECK_EQ(fw_cfg_dir_size(first4, &bytes), FW_CFG_ERR_TOO_MANY);
        /* A count that would overflow 32-bit arithmetic. */
        put_be(first4, 0xffffffffu, 4);
        CHECK_EQ(fw_cfg_dir_size(first4, &bytes), FW_CFG_ERR_TOO_MANY);
        CHECK_EQ(fw_cfg_dir_find(first4, 4, "x", &(uint16_t){ 0 }, &(uint32_t){ 0 }), FW_CFG_ERR_TOO_MANY);
}

static void test_unterminated_names(void) {
        struct dir d;
        char full[57];
        uint16_t select;
        uint32_t size;

        memset(full, 'a', 56);
        full[56] = 0;
        dir_init(&d);
        dir_add(&d, full, 0x20, 1);     /* 56 bytes, no NUL */
        CHECK_EQ(fw_cfg_dir_find(d.bytes, d.len, full, &select, &size), FW_CFG_ERR_NOT_FOUND);
        full[55] = 0;                   /* 55 + NUL: the longest name */
        dir_init(&d);
        dir_add(&d, full, 0x21, 1);
        CHECK_EQ(fw_cfg_dir_find(d.bytes, d.len, full, &select, &size), FW_CFG_OK);
        CHECK_EQ(select, 0x21);
}

static void test_byte_order(void) {
        static const uint8_t b[4] = { 0x12, 0x34, 0x56, 0x78 };
        CHECK_EQ(fw_cfg_be16(b), 0x1234);
        CHECK_EQ(fw_cfg_be32(b), 0x12345678);
        CHECK_EQ(fw_cfg_to_be32(0x12345678), 0x78563412);
        CHECK_EQ(fw_cfg_to_be64(0x0102030405060708ull), 0x0807060504030201ull);
        /* The 64-bit DMA address as the device reads it, "QEMU CFG". */
        CHECK_EQ(fw_cfg_to_be64(0x51454d5520434647ull), 0x47464320554d4551ull);
}

static void test_messages(void) {
        const char *seen[4];
        for (int e = FW_CFG_ERR_TRUNCATED; e <= FW_CFG_ERR_NOT_FOUND; e++) {
                seen[e] = fw_cfg_strerror((enum fw_cfg_error)e);
                CHECK(strcmp(seen[e], "unknown error") != 0);
                for (int j = FW_CFG_ERR_TRUNCATED; j < e; j++)
                        CHECK(strcmp(seen[e], seen[j]) != 0);
        }
}

int main(void) {
        RUN(test_find);
        RUN(test_empty_and_short);
        RUN(test_count_bounds);
        RUN(test_unterminated_names);
        RUN(test_byte_order);
        RUN(test_messages);
        return tl_summary("fw_cfg");
}
