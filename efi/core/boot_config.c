/* SPDX-License-Identifier: MIT */
#include "boot_config.h"
#include "utf8.h"

static int is_blank(unsigned char c) {
        return c == ' ' || c == '\t';
}

static int key_is(const unsigned char *k, size_t klen, const char *want) {
        size_t i = 0;
        for (; i < klen && want[i]; i++)
                if (k[i] != (unsigned char)want[i])
                        return 0;
        return i == klen && want[i] == '\0';
}

/* Decode one UTF-8 sequence at s[*i] (utf8.h) and move past it. */
static int utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp) {
        size_t k = utf8_decode(s + *i, len - *i, cp);

        if (k == 0)
                return -1;
        *i += k;
        return 0;
}

static enum config_error set_path(uint16_t *dst, const unsigned char *v, size_t len) {
        size_t i = 0, n = 0;
        while (i < len) {
                uint32_t cp;
                if (utf8_next(v, len, &i, &cp) < 0)
                        return CONFIG_ERR_BAD_UTF8;
                if (cp >= 0x10000) {
                        if (n + 2 >= BOOT_PATH_MAX)
                                return CONFIG_ERR_PATH_TOO_LONG;
                        cp -= 0x10000;
                        dst[n++] = (uint16_t)(0xD800 + (cp >> 10));
                        dst[n++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
                } else {
                        if (n + 1 >= BOOT_PATH_MAX)
                                return CONFIG_ERR_PATH_TOO_LONG;
                        dst[n++] = (uint16_t)cp;
                }
        }
        dst[n] = 0;
        return CONFIG_OK;
}

static enum config_error add_options(struct boot_options *o, const unsigned char *v, size_t len) {
        for (size_t i = 0; i < len; i++)
                if ((v[i] < 0x20 && v[i] != '\t') || v[i] > 0x7E)
                        return CONFIG_ERR_NON_ASCII_OPTIONS;
        size_t extra = o->cmdline_len ? 1 : 0;
        if (o->cmdline_len + extra + len > PVH_CMDLINE_MAX) {
                o->cmdline_wanted = o->cmdline_len + extra + len;
                return CONFIG_ERR_OPTIONS_TOO_LONG;
        }
        if (extra)
                o->cmdline[o->cmdline_len++] = ' ';
        for (size_t i = 0; i < len; i++)
                o->cmdline[o->cmdline_len++] = (char)v[i];
        o->cmdline[o->cmdline_len] = '\0';
        o->cmdline_wanted = o->cmdline_len;
        return CONFIG_OK;
}

/* A UTF-8 value (title, version, sort-key) into cap bytes with its NUL,
 * cut at a character boundary: never before a continuation byte. */
static enum config_error copy_text(char *dst, size_t cap, const unsigned char *s, size_t v0, size_t len) {
        size_t n = len - v0, j = v0;

        while (j < len) {
                uint32_t cp;
                if (utf8_next(s, len, &j, &cp) < 0)
                        return CONFIG_ERR_BAD_UTF8;
        }
        if (n >= cap)
                n = cap - 1;
        while (n > 0 && v0 + n < len && (s[v0 + n] & 0xC0) == 0x80)
                n--;
        for (size_t m = 0; m < n; m++)
                dst[m] = (char)s[v0 + m];
        dst[n] = '\0';
        return CONFIG_OK;
}

static bool value_is(const unsigned char *s, size_t v0, size_t len, const char *want) {
        return key_is(s + v0, len - v0, want);
}

/* "yes" or "no" into *out (0/1). */
static enum config_error parse_yes_no(const unsigned char *s, size_t v0, size_t len, int *out) {
        if (value_is(s, v0, len, "yes"))
                *out = 1;
        else if (value_is(s, v0, len, "no"))
                *out = 0;
        else
                return CONFIG_ERR_BAD_BOOLEAN;
        return CONFIG_OK;
}

/* loader.conf's timeout: seconds, or menu-force. */
static enum config_error parse_timeout(const unsigned char *s, size_t v0, size_t len, int *out) {
        int v = 0;

        if (value_is(s, v0, len, "menu-force")) {
                *out = CONFIG_TIMEOUT_FORCE;
                return CONFIG_OK;
        }
        for (size_t i = v0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9' || i - v0 >= 6)
                        return CONFIG_ERR_BAD_TIMEOUT;
                v = v * 10 + (s[i] - '0');
        }
        if (v > CONFIG_TIMEOUT_MAX)
                return CONFIG_ERR_BAD_TIMEOUT;
        *out = v;
        return CONFIG_OK;
}

static const char *const KEYS[] = { "title",  "linux",    "kernel",  "initrd",  "options", "timing",
                                    "version", "sort-key", "timeout", "default", "editor" };

static enum config_error parse_line(struct boot_config *cfg, const unsigned char *s, size_t len,
                                    unsigned lineno) {
        struct boot_options *o = &cfg->options;
        size_t i = 0, k0, klen, v0;

        while (i < len && is_blank(s[i]))
                i++;
        if (i == len || s[i] == '#')
                return CONFIG_OK;
        k0 = i;
        while (i < len && !is_blank(s[i]))
                i++;
        klen = i - k0;
        while (i < len && is_blank(s[i]))
                i++;
        v0 = i;
        while (len > v0 && is_blank(s[len - 1]))
                len--;

        size_t k = 0;
        while (k < sizeof(KEYS) / sizeof(KEYS[0]) && !key_is(s + k0, klen, KEYS[k]))
                k++;
        if (k == sizeof(KEYS) / sizeof(KEYS[0]))
                return CONFIG_ERR_UNKNOWN_KEY;
        if (v0 == len)
                return CONFIG_ERR_MISSING_VALUE;

        if (key_is(s + k0, klen, "title"))
                return cfg->title[0] ? CONFIG_ERR_DUPLICATE_TITLE : copy_text(cfg->title, CONFIG_TITLE_MAX, s, v0, len);
        if (key_is(s + k0, klen, "version"))
                return cfg->version[0] ? CONFIG_ERR_DUPLICATE_KEY
                                       : copy_text(cfg->version, CONFIG_VERSION_MAX, s, v0, len);
        if (key_is(s + k0, klen, "sort-key"))
                return cfg->sort_key[0] ? CONFIG_ERR_DUPLICATE_KEY
                                        : copy_text(cfg->sort_key, CONFIG_VERSION_MAX, s, v0, len);
        if (key_is(s + k0, klen, "timing"))
                return parse_yes_no(s, v0, len, &o->timing);
        if (key_is(s + k0, klen, "editor"))
                return cfg->editor >= 0 ? CONFIG_ERR_DUPLICATE_KEY : parse_yes_no(s, v0, len, &cfg->editor);
        if (key_is(s + k0, klen, "timeout"))
                return cfg->timeout != CONFIG_TIMEOUT_UNSET ? CONFIG_ERR_DUPLICATE_KEY
                                                            : parse_timeout(s, v0, len, &cfg->timeout);
        if (key_is(s + k0, klen, "default"))
                return cfg->default_pattern[0] ? CONFIG_ERR_DUPLICATE_KEY
                                               : copy_text(cfg->default_pattern, CONFIG_PATTERN_MAX, s, v0, len);
        if (key_is(s + k0, klen, "linux") || key_is(s + k0, klen, "kernel")) {
                if (o->kernel[0])
                        return CONFIG_ERR_DUPLICATE_LINUX;
                o->kernel_line = lineno;
                return set_path(o->kernel, s + v0, len - v0);
        }
        if (key_is(s + k0, klen, "initrd")) {
                enum config_error err;
                if (o->nr_initrds == BOOT_MAX_INITRDS)
                        return CONFIG_ERR_TOO_MANY_INITRDS;
                err = set_path(o->initrd[o->nr_initrds], s + v0, len - v0);
                if (err)
                        return err;
                o->initrd_line[o->nr_initrds++] = lineno;
                return CONFIG_OK;
        }
        return add_options(o, s + v0, len - v0);
}

enum config_error config_parse(const void *text, size_t len, struct boot_config *cfg, unsigned *line) {
        const unsigned char *s = text;
        size_t pos = 0;
        unsigned lineno = 0;

        cfg->title[0] = '\0';
        cfg->version[0] = '\0';
        cfg->sort_key[0] = '\0';
        cfg->default_pattern[0] = '\0';
        cfg->timeout = CONFIG_TIMEOUT_UNSET;
        cfg->editor = -1;
        boot_options_init(&cfg->options);
        *line = 0;
        if (len > CONFIG_MAX_SIZE)
                return CONFIG_ERR_TOO_LARGE;
        if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
                pos = 3;

        while (pos < len) {
                size_t end = pos, next;
                enum config_error err;

                lineno++;
                while (end < len && s[end] != '\n') {
                        if (s[end] == '\0') {
                                *line = lineno;
                                return CONFIG_ERR_NUL;
                        }
                        end++;
                }
                next = end < len ? end + 1 : end;
                if (end > pos && s[end - 1] == '\r')
                        end--;
                if (end - pos > CONFIG_MAX_LINE) {
                        *line = lineno;
                        return CONFIG_ERR_LINE_TOO_LONG;
                }
                err = parse_line(cfg, s + pos, end - pos, lineno);
                if (err) {
                        *line = lineno;
                        return err;
                }
                pos = next;
        }
        return CONFIG_OK;
}

const char *config_strerror(enum config_error err) {
        switch (err) {
        case CONFIG_OK: return "no error";
        case CONFIG_ERR_TOO_LARGE: return "file is larger than 64 KiB";
        case CONFIG_ERR_NUL: return "NUL byte: not a text file";
        case CONFIG_ERR_LINE_TOO_LONG: return "line is longer than 4096 bytes";
        case CONFIG_ERR_UNKNOWN_KEY: return "unknown key; known: title, version, sort-key, linux (or kernel), initrd, options, timing, timeout, default, editor";
        case CONFIG_ERR_DUPLICATE_KEY: return "key given twice (only initrd and options repeat)";
        case CONFIG_ERR_BAD_BOOLEAN: return "timing and editor take yes or no";
        case CONFIG_ERR_BAD_TIMEOUT: return "timeout takes seconds (0-86400) or menu-force";
        case CONFIG_ERR_MISSING_VALUE: return "key without a value";
        case CONFIG_ERR_DUPLICATE_LINUX: return "second linux (or kernel) line; give one kernel";
        case CONFIG_ERR_DUPLICATE_TITLE: return "second title line";
        case CONFIG_ERR_NON_ASCII_OPTIONS: return "options must be printable ASCII";
        case CONFIG_ERR_BAD_UTF8: return "invalid UTF-8";
        case CONFIG_ERR_PATH_TOO_LONG: return "path is longer than 255 characters";
        case CONFIG_ERR_TOO_MANY_INITRDS: return "more than 16 initrd lines";
        case CONFIG_ERR_OPTIONS_TOO_LONG: return "options add up to more than Linux's 2047 bytes";
        }
        return "unknown error";
}
