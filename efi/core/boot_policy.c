/* SPDX-License-Identifier: MIT */
/*
 * The rules (docs/security.md, "Secure Boot" and "Pins"):
 *
 * Secure Boot on: "pvhboot boots a kernel, initrds and a command line only
 * if each is either in its own image (a PVH one-file image: .linux, .initrd,
 * .cmdline) or matches a SHA-256 pin in its .pvhpins section. Anything else
 * is refused before it is read."
 *
 * Secure Boot off: "Pins are checked with Secure Boot off too (a changed file
 * is still refused)". A pinned pvhboot names the exact set of files it
 * boots, so the set must not grow when Secure Boot is off.
 */
#include "boot_policy.h"

static bool has_any_pin(const struct pvh_pins *pins) {
        return pins->have_kernel || pins->nr_initrds > 0 || pins->have_cmdline;
}

enum boot_policy_verdict boot_policy_check(const struct boot_policy_input *in) {
        const struct pvh_pins *pins = in->pins;

        if (in->secure_boot) {
                /* The firmware verified pvhboot's image, so its .linux
                 * section is verified; a kernel file is verified only by
                 * a pin, checked while it is read. */
                if (!in->kernel_from_image && !pins->have_kernel)
                        return BOOT_POLICY_KERNEL_NOT_VERIFIED;
                /* A kernel from the image comes with the image's .initrd
                 * (or none), which the signature covers. Initrd files are
                 * pinned one by one, in order: an initrd beyond the pins
                 * would be unverified, and one fewer would boot a set the
                 * signer did not choose. */
                if (!in->kernel_from_image && in->nr_initrds != pins->nr_initrds)
                        return BOOT_POLICY_INITRDS_NOT_PINNED;
                /* The command line decides as much as the kernel does
                 * (init=, module options): the same rule. */
                if (!in->cmdline_from_image && !pins->have_cmdline)
                        return BOOT_POLICY_CMDLINE_NOT_VERIFIED;
                return BOOT_POLICY_OK;
        }

        /*
         * Secure Boot off: an unpinned pvhboot boots whatever it is given.
         * A pinned one boots the set its pins name, as with Secure Boot on:
         * a pvhboot pinned to a kernel and a command line only (no initrd
         * pins) means "no initrd", not "any initrds". Unpinned kernel and
         * command line are allowed here (nothing verified pvhboot itself);
         * pinned ones are still compared with their pins once read.
         */
        if (has_any_pin(pins) && !in->kernel_from_image && in->nr_initrds != pins->nr_initrds)
                return BOOT_POLICY_INITRDS_NOT_PINNED;
        return BOOT_POLICY_OK;
}
