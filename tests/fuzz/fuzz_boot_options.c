/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: LoadOptions parsing (a Boot#### entry's, and the EFI
 * shell's text, picked by the first byte), text detection and path folding.
 * An entry's text with none of pvhboot's words in it must reach the kernel
 * exactly as written, leading and trailing blanks aside.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot_options.h"

static struct boot_options o;

static int blank(uint16_t c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The text as written (ASCII only, up to a NUL), trimmed, into buf. */
static int ascii_trimmed(const uint8_t *data, size_t size, char *buf, size_t cap, size_t *len) {
        size_t n = 0, a, b;
        while (n < size / 2 && (data[2 * n] | data[2 * n + 1] << 8) != 0)
                n++;
        for (size_t i = 0; i < n; i++)
                if (data[2 * i + 1] != 0 || data[2 * i] >= 0x80)
                        return 0;
        a = 0;
        while (a < n && blank(data[2 * a]))
                a++;
        b = n;
        while (b > a && blank(data[2 * (b - 1)]))
                b--;
        if (b - a > cap)
                return 0;
        for (size_t i = a; i < b; i++)
                buf[i - a] = (char)data[2 * i];
        *len = b - a;
        return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static char want[PVH_CMDLINE_MAX + 1];
        uint16_t out[BOOT_PATH_MAX];
        static const uint16_t dir[] = { '\\', 'E', 'F', 'I', '\\', 'p', 0 };
        enum boot_options_error err;
        size_t want_len;
        int shell;

        if (size < 1)
                return 0;
        shell = data[0] & 1;
        data++;
        size--;
        (void)load_options_are_text(data, size);
        boot_options_init(&o);
        err = shell ? boot_options_add_shell_line(&o, data, size, NULL, 0)
                    : boot_options_add_load_options(&o, data, size);
        if (o.cmdline_len > PVH_CMDLINE_MAX || o.cmdline[o.cmdline_len] != '\0' ||
            o.nr_initrds > BOOT_MAX_INITRDS)
                __builtin_trap();
        if (err == BOOT_OPTIONS_OK) {
                if (o.cmdline_len != o.cmdline_wanted || strlen(o.cmdline) > o.cmdline_len)
                        __builtin_trap();
                /* An entry's: never a blank before the first or after the last
                 * byte (the shell's '^' can make a blank part of a word). */
                if (!shell && o.cmdline_len && (blank((unsigned char)o.cmdline[0]) ||
                                      blank((unsigned char)o.cmdline[o.cmdline_len - 1])))
                        __builtin_trap();
                if (!shell && !o.kernel[0] && !o.nr_initrds && !o.timing && !o.external &&
                    !o.loader_words_ended && ascii_trimmed(data, size, want, sizeof(want), &want_len) &&
                    (want_len != o.cmdline_len || memcmp(want, o.cmdline, want_len) != 0))
                        __builtin_trap();
        }
        if (o.kernel[0]) {
                if (path_resolve(dir, o.kernel, out, BOOT_PATH_MAX) == 0 && out[0] != '\\')
                        __builtin_trap();
                (void)path_parent(o.kernel, out, BOOT_PATH_MAX);
        }
        return 0;
}
