/* SPDX-License-Identifier: MIT */
/*
 * PE/COFF as the Microsoft PE format specification describes it: the DOS
 * header's e_lfanew (offset 0x3c) points at "PE\0\0", then the 20-byte COFF
 * file header (NumberOfSections at +2, SizeOfOptionalHeader at +16), the
 * optional header, and 40-byte section headers (Name[8], VirtualSize,
 * VirtualAddress, ...).
 */
#include "hex.h"
#include "pe_image.h"

#include "byteorder.h"

static int range_in(uint64_t off, uint64_t n, uint64_t len) {
        return !(off > len || n > len - off);
}

/* The 40-byte header of section name (up to 8 bytes) in a PE file or image
 * of size bytes, or NULL if absent or the headers are malformed. */
static const uint8_t *section_header(const uint8_t *b, size_t size, const char *name) {
        uint32_t pe, nsec, opt, table;

        if (size < 0x40 || b[0] != 'M' || b[1] != 'Z')
                return NULL;
        pe = le32(b + 0x3c);
        if (!range_in(pe, 24, size) || b[pe] != 'P' || b[pe + 1] != 'E' || b[pe + 2] || b[pe + 3])
                return NULL;
        nsec = le16(b + pe + 6);
        opt = le16(b + pe + 20);
        table = pe + 24 + opt;  /* no overflow: pe < size, opt < 2^16 */
        if (!range_in(table, (uint64_t)nsec * 40, size))
                return NULL;
        for (uint32_t i = 0; i < nsec; i++) {
                const uint8_t *h = b + table + 40 * i;
                int match = 1;
                for (int k = 0; k < 8; k++) {
                        char c = name[k];
                        if ((char)h[k] != c) {
                                match = 0;
                                break;
                        }
                        if (!c)
                                break;
                }
                if (match)
                        return h;
        }
        return NULL;
}

int pe_find_section(const void *image, size_t image_size, const char *name, size_t *offset, size_t *size) {
        const uint8_t *h = section_header(image, image_size, name);
        uint32_t vsize, rva;

        if (!h)
                return -1;
        vsize = le32(h + 8), rva = le32(h + 12);
        if (!range_in(rva, vsize, image_size))
                return -1;
        *offset = rva;
        *size = vsize;
        return 0;
}

int pe_file_find_section(const void *file, size_t file_size, const char *name, size_t *offset, size_t *size) {
        const uint8_t *h = section_header(file, file_size, name);
        uint32_t vsize, rawsize, rawptr;

        if (!h)
                return -1;
        vsize = le32(h + 8), rawsize = le32(h + 16), rawptr = le32(h + 20);
        /* Loaded, bytes past SizeOfRawData would read as zeros; a section
         * pvhboot boots from has them all in the file (pvhimage.py). */
        if (vsize > rawsize || !range_in(rawptr, vsize, file_size))
                return -1;
        *offset = vsize ? rawptr : 0;
        *size = vsize;
        return 0;
}

static int word_is(const uint8_t *w, size_t n, const char *s) {
        size_t i = 0;
        for (; i < n && s[i]; i++)
                if (w[i] != (uint8_t)s[i])
                        return 0;
        return i == n && !s[i];
}

enum pins_error pins_parse(const void *text, size_t len, struct pvh_pins *pins, unsigned *line) {
        const uint8_t *s = text;
        size_t pos = 0;

        *pins = (struct pvh_pins){ 0 };
        *line = 0;
        while (pos < len) {
                size_t end = pos, w, h;
                uint8_t digest[SHA256_DIGEST_SIZE];

                (*line)++;
                while (end < len && s[end] != '\n')
                        end++;
                size_t next = end < len ? end + 1 : end;
                while (end > pos && (s[end - 1] == '\r' || s[end - 1] == ' ' || s[end - 1] == '\0'))
                        end--;
                /* Section padding is NULs; a line of them is empty. */
                while (pos < end && s[pos] == '\0')
                        pos++;
                if (pos == end) {
                        pos = next;
                        continue;
                }
                for (w = pos; w < end && s[w] != ' '; w++)
                        ;
                h = w;
                while (h < end && s[h] == ' ')
                        h++;
                if (end - h != 2 * SHA256_DIGEST_SIZE)
                        return PINS_ERR_SYNTAX;
                for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
                        int hi = hex_digit_value(s[h + 2 * i]), lo = hex_digit_value(s[h + 2 * i + 1]);
                        if (hi < 0 || lo < 0)
                                return PINS_ERR_SYNTAX;
                        digest[i] = (uint8_t)(hi << 4 | lo);
                }
                if (word_is(s + pos, w - pos, "kernel")) {
                        if (pins->have_kernel)
                                return PINS_ERR_DUPLICATE;
                        pins->have_kernel = 1;
                        __builtin_memcpy(pins->kernel, digest, sizeof(digest));
                } else if (word_is(s + pos, w - pos, "cmdline")) {
                        if (pins->have_cmdline)
                                return PINS_ERR_DUPLICATE;
                        pins->have_cmdline = 1;
                        __builtin_memcpy(pins->cmdline, digest, sizeof(digest));
                } else if (word_is(s + pos, w - pos, "initrd")) {
                        if (pins->nr_initrds == BOOT_MAX_INITRDS)
                                return PINS_ERR_TOO_MANY;
                        __builtin_memcpy(pins->initrd[pins->nr_initrds++], digest, sizeof(digest));
                } else
                        return PINS_ERR_UNKNOWN;
                pos = next;
        }
        *line = 0;
        return PINS_OK;
}

const char *pins_strerror(enum pins_error err) {
        switch (err) {
        case PINS_OK: return "no error";
        case PINS_ERR_SYNTAX: return "a pin is not \"<kernel|initrd|cmdline> <64 hex digits>\"";
        case PINS_ERR_UNKNOWN: return "a pin names something other than kernel, initrd or cmdline";
        case PINS_ERR_DUPLICATE: return "kernel or cmdline pinned twice";
        case PINS_ERR_TOO_MANY: return "more than 16 initrd pins";
        }
        return "unknown error";
}

void digest_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[2 * SHA256_DIGEST_SIZE + 1]) {
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
                out[2 * i] = hex[digest[i] >> 4];
                out[2 * i + 1] = hex[digest[i] & 15];
        }
        out[2 * SHA256_DIGEST_SIZE] = '\0';
}
