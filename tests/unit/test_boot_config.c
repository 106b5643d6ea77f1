/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <uchar.h>

#include "boot_config.h"
#include "testlib.h"

static struct boot_config cfg;
static unsigned line;

static enum config_error parse(const char *text) {
        return config_parse(text, strlen(text), &cfg, &line);
}

static void test_full_entry(void) {
        CHECK_EQ(parse("# pvhboot entry\n"
                       "title   Debian (PVH)  \n"
                       "\n"
                       "linux   /boot/vmlinux\n"
                       "initrd  /boot/initrd.img\n"
                       "options console=ttyS0   root=/dev/vda1\n"
                       "  # indented comment\n"
                       "initrd  extra.cpio\n"
                       "options\tquiet\n"),
                 CONFIG_OK);
        CHECK_STR(cfg.title, "Debian (PVH)");
        CHECK_STR(tl_ascii(cfg.options.kernel), "/boot/vmlinux");
        CHECK_EQ(cfg.options.kernel_line, 4);
        CHECK_EQ(cfg.options.nr_initrds, 2);
        CHECK_STR(tl_ascii(cfg.options.initrd[1]), "extra.cpio");
        CHECK_EQ(cfg.options.initrd_line[0], 5);
        CHECK_EQ(cfg.options.initrd_line[1], 8);
        CHECK_STR(cfg.options.cmdline, "console=ttyS0   root=/dev/vda1 quiet");
        CHECK_EQ(cfg.options.cmdline_len, strlen(cfg.options.cmdline));
}

static void test_crlf_bom_kernel_alias(void) {
        CHECK_EQ(parse("\xEF\xBB\xBFkernel \\vmlinux\r\noptions a=1\r\n"), CONFIG_OK);
        CHECK_STR(tl_ascii(cfg.options.kernel), "\\vmlinux");
        CHECK_STR(cfg.options.cmdline, "a=1");
        CHECK_EQ(parse("linux x"), CONFIG_OK); /* no final newline */
        CHECK_STR(tl_ascii(cfg.options.kernel), "x");
        CHECK_EQ(parse(""), CONFIG_OK);
        CHECK_EQ(cfg.options.kernel[0], 0);
}

static void test_utf8_path(void) {
        CHECK_EQ(parse("linux /caf\xC3\xA9/\xF0\x9F\x98\x80\n"), CONFIG_OK);
        CHECK_EQ(cfg.options.kernel[4], 0xE9);
        CHECK_EQ(cfg.options.kernel[6], 0xD83D);
        CHECK_EQ(cfg.options.kernel[7], 0xDE00);
        CHECK_EQ(parse("linux /bad\xC3\n"), CONFIG_ERR_BAD_UTF8);
        CHECK_EQ(parse("linux /overlong\xC0\xAF\n"), CONFIG_ERR_BAD_UTF8);
        CHECK_EQ(parse("linux /surrogate\xED\xA0\x80\n"), CONFIG_ERR_BAD_UTF8);
}

static void test_timing_key(void) {
        struct boot_options args, out;
        CHECK_EQ(parse("linux k\ntiming yes\n"), CONFIG_OK);
        CHECK_EQ(cfg.options.timing, 1);
        boot_options_init(&args);
        CHECK_EQ(boot_options_merge(&out, &cfg.options, &args), BOOT_OPTIONS_OK);
        CHECK_EQ(out.timing, 1);
        CHECK_EQ(parse("timing yes\ntiming no\n"), CONFIG_OK);
        CHECK_EQ(cfg.options.timing, 0);
        CHECK_EQ(parse("timing maybe\n"), CONFIG_ERR_BAD_BOOLEAN);
        CHECK_EQ(line, 1);
}

/* BLS type #1 keys that order several entries. */
static void test_version_and_sort_key(void) {
        CHECK_EQ(parse("title Debian\nversion 6.1.0-28-cloud-amd64\nsort-key debian\nlinux /v\n"), CONFIG_OK);
        CHECK_STR(cfg.version, "6.1.0-28-cloud-amd64");
        CHECK_STR(cfg.sort_key, "debian");
        CHECK_EQ(parse("linux /v\n"), CONFIG_OK);
        CHECK_STR(cfg.version, "");
        CHECK_STR(cfg.sort_key, "");
        /* Longer than the field: cut, NUL-terminated. */
        CHECK_EQ(parse("version 0123456789012345678901234567890123456789012345678901234567890123456789\n"), CONFIG_OK);
        CHECK_EQ(strlen(cfg.version), CONFIG_VERSION_MAX - 1);
}

static void test_errors_with_line_numbers(void) {
        /* A BLS key pvhboot does not support. */
        CHECK_EQ(parse("title t\nlinux a\ndevicetree x.dtb\n"), CONFIG_ERR_UNKNOWN_KEY);
        CHECK_EQ(line, 3);
        CHECK_EQ(parse("linux a\nversion 1\nversion 2\n"), CONFIG_ERR_DUPLICATE_KEY);
        CHECK_EQ(line, 3);
        CHECK_EQ(parse("sort-key a\nlinux a\nsort-key b\n"), CONFIG_ERR_DUPLICATE_KEY);
        CHECK_EQ(line, 3);
        CHECK_EQ(parse("version \xC3(\n"), CONFIG_ERR_BAD_UTF8);
        CHECK_EQ(parse("linux a\n\nkernel b\n"), CONFIG_ERR_DUPLICATE_LINUX);
        CHECK_EQ(line, 3);
        CHECK_EQ(parse("title a\ntitle b\n"), CONFIG_ERR_DUPLICATE_TITLE);
        CHECK_EQ(line, 2);
        CHECK_EQ(parse("linux a\noptions caf\xC3\xA9\n"), CONFIG_ERR_NON_ASCII_OPTIONS);
        CHECK_EQ(line, 2);
        CHECK_EQ(parse("linux a\ninitrd   \n"), CONFIG_ERR_MISSING_VALUE);
        CHECK_EQ(line, 2);
        CHECK_EQ(parse("Linux a\n"), CONFIG_ERR_UNKNOWN_KEY);
        CHECK_EQ(config_parse("linux a\0b\n", 10, &cfg, &line), CONFIG_ERR_NUL);
        CHECK_EQ(line, 1);
}

static void test_limits(void) {
        static char big[CONFIG_MAX_SIZE + 2];
        /* A 4096-byte line is fine, 4097 is not. */
        memset(big, 0, sizeof(big));
        memcpy(big, "options ", 8);
        memset(big + 8, 'x', 4096 - 8);
        strcpy(big + 4096, "\nlinux k\n");
        CHECK_EQ(config_parse(big, strlen(big), &cfg, &line), CONFIG_ERR_OPTIONS_TOO_LONG);
        CHECK_EQ(line, 1);
        memcpy(big, "# comm ", 7);
        CHECK_EQ(config_parse(big, strlen(big), &cfg, &line), CONFIG_OK);
        big[4096] = 'y';
        CHECK_EQ(config_parse(big, strlen(big), &cfg, &line), CONFIG_ERR_LINE_TOO_LONG);
        CHECK_EQ(line, 1);

        /* options joined: 2047 bytes fit, 2048 do not. */
        memset(big, 0, sizeof(big));
        strcpy(big, "options ");
        memset(big + 8, 'a', 1000);
        strcat(big, "\noptions ");
        memset(big + strlen(big), 'b', 1046);
        strcat(big, "\n");
        CHECK_EQ(config_parse(big, strlen(big), &cfg, &line), CONFIG_OK);
        CHECK_EQ(cfg.options.cmdline_len, 2047);
        strcat(big, "options c\n");
        CHECK_EQ(config_parse(big, strlen(big), &cfg, &line), CONFIG_ERR_OPTIONS_TOO_LONG);
        CHECK_EQ(line, 3);

        memset(big, '#', sizeof(big) - 1);
        CHECK_EQ(config_parse(big, CONFIG_MAX_SIZE + 1, &cfg, &line), CONFIG_ERR_TOO_LARGE);

        memset(big, 0, sizeof(big));
        for (int i = 0; i < 17; i++)
                strcat(big, "initrd x\n");
        CHECK_EQ(config_parse(big, strlen(big), &cfg, &line), CONFIG_ERR_TOO_MANY_INITRDS);
        CHECK_EQ(line, 17);
}

static void test_merge_with_arguments(void) {
        struct boot_options args, out;
        const char16_t *w[] = { u"initrd=late.img", u"console=ttyS0", u"debug" };

        CHECK_EQ(parse("linux /vmlinux\ninitrd /a.img\noptions quiet\n"), CONFIG_OK);
        /* No arguments: the config as it is. */
        boot_options_init(&args);
        CHECK_EQ(boot_options_merge(&out, &cfg.options, &args), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(out.kernel), "/vmlinux");
        CHECK_EQ(out.kernel_line, 1);
        CHECK_STR(out.cmdline, "quiet");
        CHECK_EQ(out.nr_initrds, 1);

        /* Arguments add initrds and replace the options. */
        CHECK_EQ(boot_options_add_argv(&args, (const uint16_t *const *)w, 3), BOOT_OPTIONS_OK);
        CHECK_EQ(boot_options_merge(&out, &cfg.options, &args), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(out.kernel), "/vmlinux");
        CHECK_EQ(out.nr_initrds, 2);
        CHECK_STR(tl_ascii(out.initrd[0]), "/a.img");
        CHECK_EQ(out.initrd_line[0], 2);
        CHECK_STR(tl_ascii(out.initrd[1]), "late.img");
        CHECK_EQ(out.initrd_line[1], 0);
        CHECK_STR(out.cmdline, "console=ttyS0 debug");

        /* kernel= replaces linux. */
        const char16_t *k[] = { u"kernel=\\other" };
        boot_options_init(&args);
        CHECK_EQ(boot_options_add_argv(&args, (const uint16_t *const *)k, 1), BOOT_OPTIONS_OK);
        CHECK_EQ(boot_options_merge(&out, &cfg.options, &args), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(out.kernel), "\\other");
        CHECK_EQ(out.kernel_line, 0);
        CHECK_STR(out.cmdline, "quiet");

        /* Too many initrds together. */
        const char16_t *many[16];
        for (int i = 0; i < 16; i++)
                many[i] = u"initrd=x";
        boot_options_init(&args);
        CHECK_EQ(boot_options_add_argv(&args, (const uint16_t *const *)many, 16), BOOT_OPTIONS_OK);
        CHECK_EQ(boot_options_merge(&out, &cfg.options, &args), BOOT_OPTIONS_ERR_TOO_MANY_INITRDS);
}

/* loader.conf's keys, for the menu. */
static void test_menu_keys(void) {
        CHECK_EQ(parse("linux /v\n"), CONFIG_OK);
        CHECK_EQ(cfg.timeout, CONFIG_TIMEOUT_UNSET);
        CHECK_EQ(cfg.editor, -1);
        CHECK_STR(cfg.default_pattern, "");
        CHECK_EQ(parse("timeout 5\ndefault pvhboot-6.1*\neditor no\n"), CONFIG_OK);
        CHECK_EQ(cfg.timeout, 5);
        CHECK_STR(cfg.default_pattern, "pvhboot-6.1*");
        CHECK_EQ(cfg.editor, 0);
        CHECK_EQ(parse("timeout 0\neditor yes\n"), CONFIG_OK);
        CHECK_EQ(cfg.timeout, 0);
        CHECK_EQ(cfg.editor, 1);
        CHECK_EQ(parse("timeout menu-force\n"), CONFIG_OK);
        CHECK_EQ(cfg.timeout, CONFIG_TIMEOUT_FORCE);
        CHECK_EQ(parse("timeout 86400\n"), CONFIG_OK);
        CHECK_EQ(cfg.timeout, 86400);

        CHECK_EQ(parse("linux /v\ntimeout 86401\n"), CONFIG_ERR_BAD_TIMEOUT);
        CHECK_EQ(line, 2);
        CHECK_EQ(parse("timeout 9999999999999\n"), CONFIG_ERR_BAD_TIMEOUT);
        CHECK_EQ(parse("timeout -1\n"), CONFIG_ERR_BAD_TIMEOUT);
        CHECK_EQ(parse("timeout 5s\n"), CONFIG_ERR_BAD_TIMEOUT);
        CHECK_EQ(parse("timeout menu\n"), CONFIG_ERR_BAD_TIMEOUT);
        CHECK_EQ(parse("editor maybe\n"), CONFIG_ERR_BAD_BOOLEAN);
        CHECK_EQ(parse("timeout 1\ntimeout 2\n"), CONFIG_ERR_DUPLICATE_KEY);
        CHECK_EQ(line, 2);
        CHECK_EQ(parse("default a\ndefault b\n"), CONFIG_ERR_DUPLICATE_KEY);
        CHECK_EQ(parse("editor no\neditor no\n"), CONFIG_ERR_DUPLICATE_KEY);
        CHECK_EQ(parse("default\n"), CONFIG_ERR_MISSING_VALUE);
        CHECK_STR(config_strerror(CONFIG_ERR_BAD_TIMEOUT), "timeout takes seconds (0-86400) or menu-force");
}

/* Issue 12, item 3: options lines reach the kernel as written (quotes, runs
 * of blanks, tabs), each line's value trimmed, lines joined by one blank. */
static void test_options_as_written(void) {
        CHECK_EQ(parse("linux k\n"
                       "options  acpi_osi=\"!Windows 2012\"  \"x\"\t \n"
                       "options\ta=\"b c\"d  \"initrd=y\" kernel=z\tq\n"),
                 CONFIG_OK);
        CHECK_STR(cfg.options.cmdline, "acpi_osi=\"!Windows 2012\"  \"x\" a=\"b c\"d  \"initrd=y\" kernel=z\tq");
        CHECK_EQ(cfg.options.cmdline_len, strlen(cfg.options.cmdline));
        /* Words that look like pvhboot's are the kernel's in options. */
        CHECK_EQ(cfg.options.nr_initrds, 0);
        CHECK_STR(tl_ascii(cfg.options.kernel), "k");
}

int main(void) {
        RUN(test_options_as_written);
        RUN(test_menu_keys);
        RUN(test_full_entry);
        RUN(test_crlf_bom_kernel_alias);
        RUN(test_utf8_path);
        RUN(test_version_and_sort_key);
        RUN(test_errors_with_line_numbers);
        RUN(test_timing_key);
        RUN(test_limits);
        RUN(test_merge_with_arguments);
        return tl_summary("boot_config");
}
