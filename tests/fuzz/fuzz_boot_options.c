/* SPDX-License-Identifier: MIT */
/* libFuzzer target: LoadOptions parsing, text detection and path folding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot_options.h"

static struct boot_options o;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint16_t out[BOOT_PATH_MAX];
        static const uint16_t dir[] = { '\\', 'E', 'F', 'I', '\\', 'p', 0 };

        (void)load_options_are_text(data, size);
        boot_options_init(&o);
        (void)boot_options_add_load_options(&o, data, size);
        if (o.cmdline_len > PVH_CMDLINE_MAX || o.cmdline[o.cmdline_len] != '\0' ||
            o.nr_initrds > BOOT_MAX_INITRDS)
                __builtin_trap();
        if (o.kernel[0]) {
                if (path_resolve(dir, o.kernel, out, BOOT_PATH_MAX) == 0 && out[0] != '\\')
                        __builtin_trap();
                (void)path_parent(o.kernel, out, BOOT_PATH_MAX);
        }
        return 0;
}
