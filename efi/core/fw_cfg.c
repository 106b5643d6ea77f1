/* SPDX-License-Identifier: MIT */
#include "fw_cfg.h"

uint16_t fw_cfg_be16(const void *p) {
        const uint8_t *b = p;
        return (uint16_t)(b[0] << 8 | b[1]);
}

uint32_t fw_cfg_be32(const void *p) {
        const uint8_t *b = p;
        return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint32_t fw_cfg_to_be32(uint32_t v) {
        return __builtin_bswap32(v);
}

uint64_t fw_cfg_to_be64(uint64_t v) {
        return __builtin_bswap64(v);
}

enum fw_cfg_error fw_cfg_dir_size(const void *first4, size_t *bytes) {
        uint32_t count = fw_cfg_be32(first4);

        if (count > FW_CFG_MAX_FILES)
                return FW_CFG_ERR_TOO_MANY;
        *bytes = 4 + (size_t)count * sizeof(struct fw_cfg_file);
        return FW_CFG_OK;
}

enum fw_cfg_error fw_cfg_dir_find(const void *dir, size_t len, const char *name, uint16_t *select,
                                  uint32_t *size) {
        const uint8_t *d = dir;
        size_t want_len = 0, need;
        enum fw_cfg_error err;

        while (name[want_len])
                want_len++;
        if (len < 4)
                return FW_CFG_ERR_TRUNCATED;
        err = fw_cfg_dir_size(d, &need);
        if (err)
                return err;
        if (need > len)
                return FW_CFG_ERR_TRUNCATED;
        /* A name that cannot fit with its NUL is in no entry. */
        if (want_len >= FW_CFG_NAME_MAX)
                return FW_CFG_ERR_NOT_FOUND;
        for (size_t off = 4; off < need; off += sizeof(struct fw_cfg_file)) {
                const uint8_t *e = d + off;
                const char *entry_name = (const char *)e + offsetof(struct fw_cfg_file, name);
                size_t i = 0;
                while (i < want_len && entry_name[i] == name[i])
                        i++;
                if (i < want_len || entry_name[want_len] != '\0')
                        continue;
                *size = fw_cfg_be32(e + offsetof(struct fw_cfg_file, size));
                *select = fw_cfg_be16(e + offsetof(struct fw_cfg_file, select));
                return FW_CFG_OK;
        }
        return FW_CFG_ERR_NOT_FOUND;
}

const char *fw_cfg_strerror(enum fw_cfg_error err) {
        switch (err) {
        case FW_CFG_OK:
                return "ok";
        case FW_CFG_ERR_TRUNCATED:
                return "fw_cfg file directory is shorter than its entry count";
        case FW_CFG_ERR_TOO_MANY:
                return "fw_cfg file directory claims more than 4096 entries";
        case FW_CFG_ERR_NOT_FOUND:
                return "no such fw_cfg file";
        }
        return "unknown error";
}
