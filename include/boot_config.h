/* SPDX-License-Identifier: MIT */
/*
 * pvhboot.conf, in the key/value style of the Boot Loader Specification's
 * type #1 entries (https://uapi-group.org/specifications/specs/boot_loader_specification/):
 *
 *   # comment
 *   title    Debian (PVH)
 *   version  6.1.0-28-cloud-amd64  (orders several entries: newest first)
 *   sort-key debian                (orders entries before version)
 *   linux    /vmlinux              (alias: kernel)
 *   initrd   /initrd.img           (repeatable, concatenated in order)
 *   options  console=ttyS0 quiet   (repeatable, joined by one space)
 *   timing   yes                   (pvhboot's phase timings, like pvhboot.timing)
 *
 * and, read from pvhboot.conf only (loader.conf's keys, for the menu):
 *   timeout  5                     (show the menu for 5 s; 0: only when a key
 *                                   is pressed at start; menu-force: until a
 *                                   key chooses)
 *   default  pvhboot-6.1*          (the entry whose id matches; * ? [a-z])
 *   editor   no                    (no 'e' to edit the command line)
 *
 * "key value" separated by blanks; LF or CRLF; a UTF-8 byte order mark is
 * skipped. Unknown keys, a second linux, non-ASCII options and lines over
 * 4 KiB are errors with the line number.
 */
#ifndef PVHBOOT_BOOT_CONFIG_H
#define PVHBOOT_BOOT_CONFIG_H

#include <stddef.h>

#include "boot_options.h"

#define CONFIG_MAX_LINE 4096u
#define CONFIG_TITLE_MAX 128u
#define CONFIG_VERSION_MAX 64u
#define CONFIG_MAX_SIZE (64u * 1024u)
#define CONFIG_PATTERN_MAX 128u
#define CONFIG_TIMEOUT_MAX 86400

/* boot_config.timeout when no timeout line is given, and for menu-force. */
#define CONFIG_TIMEOUT_UNSET (-1)
#define CONFIG_TIMEOUT_FORCE (-2)

enum config_error {
        CONFIG_OK = 0,
        CONFIG_ERR_TOO_LARGE,
        CONFIG_ERR_NUL,
        CONFIG_ERR_LINE_TOO_LONG,
        CONFIG_ERR_UNKNOWN_KEY,
        CONFIG_ERR_MISSING_VALUE,
        CONFIG_ERR_DUPLICATE_LINUX,
        CONFIG_ERR_DUPLICATE_TITLE,
        CONFIG_ERR_NON_ASCII_OPTIONS,
        CONFIG_ERR_BAD_UTF8,
        CONFIG_ERR_PATH_TOO_LONG,
        CONFIG_ERR_TOO_MANY_INITRDS,
        CONFIG_ERR_OPTIONS_TOO_LONG,
        CONFIG_ERR_BAD_BOOLEAN,
        CONFIG_ERR_DUPLICATE_KEY,
        CONFIG_ERR_BAD_TIMEOUT,
};

struct boot_config {
        char title[CONFIG_TITLE_MAX];   /* UTF-8; empty if none */
        char version[CONFIG_VERSION_MAX];       /* BLS "version", orders entries; empty if none */
        char sort_key[CONFIG_VERSION_MAX];      /* BLS "sort-key", orders entries first; empty if none */
        struct boot_options options;    /* kernel, initrds, command line, source lines */
        int timeout;                    /* seconds, or CONFIG_TIMEOUT_UNSET/_FORCE */
        char default_pattern[CONFIG_PATTERN_MAX];       /* empty if none */
        int editor;                     /* -1: not given, else 0/1 */
};

/* Parse len bytes; on error *line is the 1-based line it was found on. */
enum config_error config_parse(const void *text, size_t len, struct boot_config *cfg, unsigned *line);

const char *config_strerror(enum config_error err);

#endif
