/* SPDX-License-Identifier: MIT */
/*
 * Finding a named section in a PE32+ image as the firmware loaded it
 * (sections at their RVAs) or as a file, and the pins a .pvhpins section
 * holds. Pure code:
 * the image is untrusted bytes as far as these parsers are concerned.
 */
#ifndef PVHBOOT_PE_IMAGE_H
#define PVHBOOT_PE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "boot_options.h"
#include "sha256.h"

/* Locate section name (up to 8 bytes) in a loaded image of image_size
 * bytes. On success *offset and *size give its bytes within the image
 * (VirtualSize, bounded by the image). 0, or -1 if absent or malformed. */
int pe_find_section(const void *image, size_t image_size, const char *name, size_t *offset, size_t *size);

/* The same in a PE file as stored (a one-file image read from a volume):
 * the section's VirtualSize bytes at its PointerToRawData. -1 also when
 * VirtualSize exceeds SizeOfRawData (the loader would add zeros) or the raw
 * bytes are not all in the file. */
int pe_file_find_section(const void *file, size_t file_size, const char *name, size_t *offset, size_t *size);

struct pvh_pins {
        int have_kernel;
        uint8_t kernel[SHA256_DIGEST_SIZE];
        unsigned nr_initrds;
        uint8_t initrd[BOOT_MAX_INITRDS][SHA256_DIGEST_SIZE];
        int have_cmdline;
        uint8_t cmdline[SHA256_DIGEST_SIZE];
};

enum pins_error {
        PINS_OK = 0,
        PINS_ERR_SYNTAX,        /* a line that is not "<what> <64 hex digits>" */
        PINS_ERR_UNKNOWN,       /* <what> is not kernel, initrd or cmdline */
        PINS_ERR_DUPLICATE,     /* a second kernel or cmdline pin */
        PINS_ERR_TOO_MANY,      /* more than BOOT_MAX_INITRDS initrd pins */
};

/* Parse a .pvhpins section: lines "kernel|initrd|cmdline <sha256 hex>";
 * blank lines and NUL padding are ignored. *line: where an error is. */
enum pins_error pins_parse(const void *text, size_t len, struct pvh_pins *pins, unsigned *line);

const char *pins_strerror(enum pins_error err);

/* Lowercase hex of a digest, NUL-terminated (65 bytes). */
void digest_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[2 * SHA256_DIGEST_SIZE + 1]);

#endif
