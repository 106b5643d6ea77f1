/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the fw_cfg file directory lookup. */
#include <stdint.h>
#include <string.h>

#include "fw_cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *names[] = { FW_CFG_PVHBOOT_KERNEL, "bootorder", "",
                                       "0123456789012345678901234567890123456789012345678901234" };
        size_t need;

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                uint16_t select;
                uint32_t item_size;
                if (fw_cfg_dir_find(data, size, names[i], &select, &item_size) == FW_CFG_OK &&
                    (size < 4 || fw_cfg_dir_size(data, &need) != FW_CFG_OK || need > size))
                        __builtin_trap();
        }
        return 0;
}
