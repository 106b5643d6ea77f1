/* SPDX-License-Identifier: MIT */
/*
 * pvhboot's own words and the kernel command line, from the EFI shell's argv
 * or from a LoadOptions string (a Boot#### entry's optional data).
 *
 *   kernel=PATH      the vmlinux to boot (once)
 *   initrd=PATH      an initrd; repeat to concatenate several, in order
 *   pvhboot.timing   print phase timings (TSC) before and after ExitBootServices
 *   pvhboot.external a one-file image boots kernel=/initrd= files instead of
 *                    its own sections (which Secure Boot still requires pinned)
 *   --               everything after it is kernel command line
 *   anything else    kernel command line, in order
 *
 * The kernel's words reach it as written, quotes and all (as the EFI stub
 * and systemd-boot pass a command line): pvhboot removes only its own
 * words, each with the blanks before it, and blanks before the first and
 * after the last kernel word. A word is pvhboot's only as written: quoted
 * ("kernel=x") or after "--" it is the kernel's.
 */
#ifndef PVHBOOT_BOOT_OPTIONS_H
#define PVHBOOT_BOOT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvh_start_info.h"

#define BOOT_PATH_MAX 256u      /* UTF-16 units including the NUL */
#define BOOT_MAX_INITRDS 16u

enum boot_options_error {
        BOOT_OPTIONS_OK = 0,
        BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG,
        BOOT_OPTIONS_ERR_TOO_MANY_INITRDS,
        BOOT_OPTIONS_ERR_PATH_TOO_LONG,
        BOOT_OPTIONS_ERR_EMPTY_PATH,
        BOOT_OPTIONS_ERR_DUPLICATE_KERNEL,
        BOOT_OPTIONS_ERR_BAD_UTF16,
        BOOT_OPTIONS_ERR_UNTERMINATED_QUOTE,
        BOOT_OPTIONS_ERR_SHELL_MISMATCH,        /* shell text and argv disagree */
};

struct boot_options {
        uint16_t kernel[BOOT_PATH_MAX];         /* empty: none given */
        unsigned nr_initrds;
        uint16_t initrd[BOOT_MAX_INITRDS][BOOT_PATH_MAX];
        char cmdline[PVH_CMDLINE_MAX + 1];      /* UTF-8, NUL-terminated */
        size_t cmdline_len;
        /* Length the command line would have had; > PVH_CMDLINE_MAX on error. */
        size_t cmdline_wanted;
        int loader_words_ended;                 /* "--" seen */
        int timing;                             /* pvhboot.timing given */
        int external;                           /* pvhboot.external given */
        /* Config file line each path came from; 0: from the arguments. */
        unsigned kernel_line;
        unsigned initrd_line[BOOT_MAX_INITRDS];
};

void boot_options_init(struct boot_options *o);

/*
 * Words already split by the EFI shell (argv[1..]); each is NUL-terminated.
 * The shell has removed their quotes: kernel words are joined by one blank
 * and a word with a blank in it is quoted again. Only for a shell whose
 * LoadOptions text cannot be used (boot_options_add_shell_line).
 */
enum boot_options_error boot_options_add_argv(struct boot_options *o, const uint16_t *const *argv,
                                              size_t argc);

/*
 * A Boot#### entry's LoadOptions: size bytes of UTF-16, up to a NUL if
 * there is one, split at blanks (space, tab, CR, LF) outside double
 * quotes. Quotes stay in kernel words and are removed from paths; the
 * blanks between two kernel words are kept as written.
 */
enum boot_options_error boot_options_add_load_options(struct boot_options *o, const void *data,
                                                      size_t size);

/*
 * The EFI shell's LoadOptions: the command line as the shell ran it
 * (after its %variable%, alias, '#' comment and redirection processing),
 * argv[0] first, which is skipped. Split as the shell splits it: at spaces
 * outside double quotes, '^' making the next character literal ('^' is
 * dropped, the character kept; an escaped quote does not group). Otherwise
 * as boot_options_add_load_options. argv (argc words, the shell's argv[1..])
 * must be the same words without their grouping quotes, else
 * BOOT_OPTIONS_ERR_SHELL_MISMATCH (nothing is to be used then); NULL skips
 * that check.
 */
enum boot_options_error boot_options_add_shell_line(struct boot_options *o, const void *data, size_t size,
                                                    const uint16_t *const *argv, size_t argc);

/*
 * Whether LoadOptions hold text meant for us. Firmware boot entries may
 * carry binary optional data (edk2 stores a GUID in the entries it creates
 * itself), which must not be taken for a command line.
 */
bool load_options_are_text(const void *data, size_t size);

const char *boot_options_strerror(enum boot_options_error err);

/* Replace the command line with len bytes of text (up to a NUL; trailing
 * blanks and newlines dropped), e.g. QEMU's -append. */
enum boot_options_error boot_options_set_cmdline(struct boot_options *o, const char *text, size_t len);

/*
 * Append one word to the command line, made of a and b (e.g. "key=" and a
 * value), after a blank if the line is not empty; the line is unchanged
 * when it would not fit (BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG, with
 * cmdline_wanted the length it would have had).
 */
enum boot_options_error boot_options_append_words(struct boot_options *o, const char *a, const char *b);

/*
 * What is booted, from a config file's defaults and the arguments: the
 * arguments' kernel= replaces the config's, their command line (if any)
 * replaces the config's options, and their initrds follow the config's.
 */
enum boot_options_error boot_options_merge(struct boot_options *out, const struct boot_options *config,
                                           const struct boot_options *args);

/*
 * Resolve a user path against pvhboot's own directory: '/' and '\' both
 * separate; a leading separator means the volume root; "." and ".." are
 * folded; the result is absolute with '\' separators. Returns 0, or -1 when
 * the result does not fit in cap units.
 */
int path_resolve(const uint16_t *dir, const uint16_t *path, uint16_t *out, size_t cap);

/* The directory part of an absolute file path ("\EFI\BOOT\X.EFI" -> "\EFI\BOOT"). */
int path_parent(const uint16_t *file, uint16_t *out, size_t cap);

size_t u16_len(const uint16_t *s);

#endif
