/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the PE section lookups (loaded image, file) and the
 * .pvhpins parser. */
#include <stdint.h>
#include <string.h>

#include "pe_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *names[] = { ".text", ".pvhpins", ".linux", ".initrd", ".cmdline" };
        struct pvh_pins pins;
        unsigned line;

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                size_t off, len;
                if (pe_find_section(data, size, names[i], &off, &len) == 0 && (off > size || len > size - off))
                        __builtin_trap();
                if (pe_file_find_section(data, size, names[i], &off, &len) == 0 && (off > size || len > size - off))
                        __builtin_trap();
        }
        if (pins_parse(data, size, &pins, &line) == PINS_OK && pins.nr_initrds > BOOT_MAX_INITRDS)
                __builtin_trap();
        return 0;
}
