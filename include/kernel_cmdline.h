/* SPDX-License-Identifier: MIT */
/*
 * Reading a Linux command line the way the kernel's early parameter parsing
 * does (kernel/params.c: parse_args() with next_arg() and parameq()), so
 * that pvhboot acts on exactly the parameters the kernel will see: efi=
 * (pvh_memmap.c) and disable_mtrr_trim (mtrr_plan.c). Pure code.
 */
#ifndef PVHBOOT_KERNEL_CMDLINE_H
#define PVHBOOT_KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* One parameter: name[0..name_len), and with has_value its value without
 * the quotes next_arg() strips. Both point into the command line. */
struct kernel_param {
        const char *name;
        size_t name_len;
        bool has_value;
        const char *value;
        size_t value_len;
};

/*
 * The parameter at *pos of the NUL-terminated s, and *pos moved past it.
 * next_arg(): a word runs to a blank (Linux's isspace()) outside double
 * quotes; its name ends at the first '=' (one at the very start does not
 * count), or at the word's end less a closing quote when the word began
 * with one; a value that begins with a quote loses it and a closing one.
 * False at the end of s.
 */
bool kernel_cmdline_next(const char *s, size_t *pos, struct kernel_param *param);

/* A bare "--": parse_args() stops there (the words after it go to init),
 * the EFI stub's option parsing does not. */
bool kernel_param_is_end(const struct kernel_param *param);

/* parameq(): the parameter's name is name, '-' and '_' alike. */
bool kernel_param_is(const struct kernel_param *param, const char *name);

/* Whether the kernel's parameters (the words before a bare "--") include
 * name ("name" or "name=value"). */
bool kernel_cmdline_has_param(const char *cmdline, const char *name);

#endif
