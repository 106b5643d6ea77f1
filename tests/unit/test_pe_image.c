/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "pe_image.h"
#include "testlib.h"

static unsigned char img[0x3000];

static void put32(unsigned char *p, uint32_t v) {
        memcpy(p, &v, 4);
}

static void put16(unsigned char *p, uint16_t v) {
        memcpy(p, &v, 2);
}

/* A loaded image: headers, then .text at 0x1000 and .pvhpins at 0x2000. */
static void build(void) {
        memset(img, 0, sizeof(img));
        img[0] = 'M';
        img[1] = 'Z';
        put32(img + 0x3c, 0x80);
        memcpy(img + 0x80, "PE\0\0", 4);
        put16(img + 0x80 + 6, 2);               /* NumberOfSections */
        put16(img + 0x80 + 20, 0xf0);           /* SizeOfOptionalHeader */
        unsigned char *sec = img + 0x80 + 24 + 0xf0;
        memcpy(sec, ".text", 5);
        put32(sec + 8, 0x100);
        put32(sec + 12, 0x1000);
        memcpy(sec + 40, ".pvhpins", 8);        /* all 8 bytes, no NUL */
        put32(sec + 40 + 8, 0x50);
        put32(sec + 40 + 12, 0x2000);
}

static void test_find(void) {
        size_t off, size;
        build();
        CHECK_EQ(pe_find_section(img, sizeof(img), ".pvhpins", &off, &size), 0);
        CHECK_EQ(off, 0x2000);
        CHECK_EQ(size, 0x50);
        CHECK_EQ(pe_find_section(img, sizeof(img), ".text", &off, &size), 0);
        CHECK_EQ(off, 0x1000);
        CHECK_EQ(pe_find_section(img, sizeof(img), ".tex", &off, &size), -1);
        CHECK_EQ(pe_find_section(img, sizeof(img), ".linux", &off, &size), -1);
}

static void test_malformed(void) {
        size_t off, size;
        build();
        CHECK_EQ(pe_find_section(img, 0x2040, ".pvhpins", &off, &size), -1);   /* section past the image */
        CHECK_EQ(pe_find_section(img, 0x100, ".text", &off, &size), -1);       /* table past the image */
        put32(img + 0x3c, 0xFFFFFFF0u);
        CHECK_EQ(pe_find_section(img, sizeof(img), ".text", &off, &size), -1);
        build();
        img[0x81] = 'X';
        CHECK_EQ(pe_find_section(img, sizeof(img), ".text", &off, &size), -1);
        build();
        put16(img + 0x80 + 6, 0xFFFF);
        CHECK_EQ(pe_find_section(img, sizeof(img), ".text", &off, &size), -1);
        build();
        CHECK_EQ(pe_find_section(img, 0x10, ".text", &off, &size), -1);
}

/* The same headers as a file: raw data of .text at 0x400 (0x200 bytes), of
 * .pvhpins at 0x600 (0x200 bytes); VirtualSize 0x100 and 0x50. */
static void build_file(void) {
        build();
        unsigned char *sec = img + 0x80 + 24 + 0xf0;
        put32(sec + 16, 0x200);
        put32(sec + 20, 0x400);
        put32(sec + 40 + 16, 0x200);
        put32(sec + 40 + 20, 0x600);
}

static void test_find_in_file(void) {
        size_t off = 1, size = 1;
        unsigned char *sec = img + 0x80 + 24 + 0xf0;

        build_file();
        CHECK_EQ(pe_file_find_section(img, 0x800, ".pvhpins", &off, &size), 0);
        CHECK_EQ(off, 0x600);
        CHECK_EQ(size, 0x50);
        CHECK_EQ(pe_file_find_section(img, 0x800, ".text", &off, &size), 0);
        CHECK_EQ(off, 0x400);
        CHECK_EQ(size, 0x100);
        CHECK_EQ(pe_file_find_section(img, 0x800, ".linux", &off, &size), -1);
        /* The raw bytes must be in the file: VirtualSize of them. */
        CHECK_EQ(pe_file_find_section(img, 0x650, ".pvhpins", &off, &size), 0);
        CHECK_EQ(pe_file_find_section(img, 0x64F, ".pvhpins", &off, &size), -1);
        /* VirtualSize past SizeOfRawData: the loader would add zeros. */
        put32(sec + 40 + 8, 0x201);
        CHECK_EQ(pe_file_find_section(img, 0x800, ".pvhpins", &off, &size), -1);
        put32(sec + 40 + 8, 0x200);
        CHECK_EQ(pe_file_find_section(img, 0x800, ".pvhpins", &off, &size), 0);
        CHECK_EQ(size, 0x200);
        /* An empty section (no raw data at all) is found, 0 bytes. */
        put32(sec + 40 + 8, 0);
        put32(sec + 40 + 16, 0);
        put32(sec + 40 + 20, 0);
        CHECK_EQ(pe_file_find_section(img, 0x800, ".pvhpins", &off, &size), 0);
        CHECK_EQ(size, 0);
        CHECK_EQ(off, 0);
        /* PointerToRawData near 4 GiB does not wrap. */
        build_file();
        put32(sec + 40 + 20, 0xFFFFFFF0u);
        CHECK_EQ(pe_file_find_section(img, 0x800, ".pvhpins", &off, &size), -1);
        /* The loaded-image lookup of the same bytes uses the RVAs. */
        build_file();
        CHECK_EQ(pe_find_section(img, sizeof(img), ".pvhpins", &off, &size), 0);
        CHECK_EQ(off, 0x2000);
}

#define H64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void test_pins(void) {
        struct pvh_pins p;
        unsigned line;
        const char good[] = "kernel " H64 "\r\ninitrd " H64 "\n\ninitrd " H64 "\ncmdline " H64 "\n\0\0\0";
        CHECK_EQ(pins_parse(good, sizeof(good), &p, &line), PINS_OK);
        CHECK(p.have_kernel && p.have_cmdline);
        CHECK_EQ(p.nr_initrds, 2);
        CHECK_EQ(p.kernel[0], 0x00);
        CHECK_EQ(p.kernel[1], 0x11);
        CHECK_EQ(p.cmdline[31], 0xff);
        char hex[65];
        digest_to_hex(p.initrd[1], hex);
        CHECK_STR(hex, H64);

        CHECK_EQ(pins_parse("", 0, &p, &line), PINS_OK);
        CHECK(!p.have_kernel && !p.nr_initrds && !p.have_cmdline);
        CHECK_EQ(pins_parse("kernel 0011", 11, &p, &line), PINS_ERR_SYNTAX);
        CHECK_EQ(line, 1);
        const char bad_hex[] = "kernel " H64 "\ncmdline 0g112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
        CHECK_EQ(pins_parse(bad_hex, strlen(bad_hex), &p, &line), PINS_ERR_SYNTAX);
        CHECK_EQ(line, 2);
        const char unknown[] = "kernel " H64 "\nfirmware " H64 "\n";
        CHECK_EQ(pins_parse(unknown, strlen(unknown), &p, &line), PINS_ERR_UNKNOWN);
        CHECK_EQ(line, 2);
        const char dup[] = "cmdline " H64 "\ncmdline " H64 "\n";
        CHECK_EQ(pins_parse(dup, strlen(dup), &p, &line), PINS_ERR_DUPLICATE);
        static char many[17 * 80];
        many[0] = 0;
        for (int i = 0; i < 17; i++)
                strcat(many, "initrd " H64 "\n");
        CHECK_EQ(pins_parse(many, strlen(many), &p, &line), PINS_ERR_TOO_MANY);
        CHECK_EQ(line, 17);
}

int main(void) {
        RUN(test_find);
        RUN(test_malformed);
        RUN(test_find_in_file);
        RUN(test_pins);
        return tl_summary("pe_image");
}
