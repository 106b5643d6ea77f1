/* SPDX-License-Identifier: MIT */
/* libFuzzer target: pvhboot.conf and boot entry files (config_parse), and
 * the invariants the loader relies on afterwards. */
#include <stdint.h>
#include <string.h>

#include "boot_config.h"

static struct boot_config cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        unsigned line;
        enum config_error err = config_parse(data, size, &cfg, &line);
        const struct boot_options *o = &cfg.options;

        if (err == CONFIG_OK && line != 0)
                __builtin_trap();
        if (o->cmdline_len > PVH_CMDLINE_MAX || o->cmdline[o->cmdline_len] != '\0' ||
            o->nr_initrds > BOOT_MAX_INITRDS)
                __builtin_trap();
        if (strnlen(cfg.title, CONFIG_TITLE_MAX) == CONFIG_TITLE_MAX ||
            strnlen(cfg.version, CONFIG_VERSION_MAX) == CONFIG_VERSION_MAX ||
            strnlen(cfg.default_pattern, CONFIG_PATTERN_MAX) == CONFIG_PATTERN_MAX)
                __builtin_trap();
        if (cfg.timeout > CONFIG_TIMEOUT_MAX || cfg.timeout < CONFIG_TIMEOUT_FORCE || cfg.editor < -1 ||
            cfg.editor > 1)
                __builtin_trap();
        /* Options are printable ASCII (tabs included). */
        for (size_t i = 0; i < o->cmdline_len; i++)
                if ((o->cmdline[i] < 0x20 && o->cmdline[i] != '\t') || (unsigned char)o->cmdline[i] > 0x7e)
                        __builtin_trap();
        return 0;
}
