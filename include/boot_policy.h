/* SPDX-License-Identifier: MIT */
/*
 * What pvhboot may boot, decided once before anything is read: from whether
 * Secure Boot is on, the pins in pvhboot's .pvhpins section, and where the
 * kernel, initrds and command line come from. Pure code, so each rule is
 * unit-tested for every combination.
 *
 * This decides only what can be decided without the bytes. A kernel,
 * initrd or command line that has a pin is still compared with its pin
 * after it is read (Secure Boot on or off).
 */
#ifndef PVHBOOT_BOOT_POLICY_H
#define PVHBOOT_BOOT_POLICY_H

#include <stdbool.h>

#include "pe_image.h"

enum boot_policy_verdict {
        BOOT_POLICY_OK = 0,
        /* Secure Boot: the kernel is neither in pvhboot's image nor pinned. */
        BOOT_POLICY_KERNEL_NOT_VERIFIED,
        /* The number of initrds given differs from the number pinned
         * (Secure Boot on, or any pin at all with Secure Boot off). */
        BOOT_POLICY_INITRDS_NOT_PINNED,
        /* Secure Boot: the command line is neither in pvhboot's image nor
         * pinned. */
        BOOT_POLICY_CMDLINE_NOT_VERIFIED,
};

struct boot_policy_input {
        bool secure_boot;               /* the firmware's SecureBoot variable is 1 */
        const struct pvh_pins *pins;    /* .pvhpins as parsed; all zero when there is none */
        /* The kernel is the .linux section of pvhboot's own image; its
         * initrd is then the image's .initrd section. */
        bool kernel_from_image;
        bool cmdline_from_image;        /* the .cmdline section of pvhboot's own image */
        unsigned nr_initrds;            /* initrds to be booted */
};

/* The first rule in (kernel, initrds, command line) order that in breaks,
 * or BOOT_POLICY_OK. */
enum boot_policy_verdict boot_policy_check(const struct boot_policy_input *in);

#endif
