/* SPDX-License-Identifier: MIT */
/*
 * What pvhboot measures the way systemd-stub does (systemd 252,
 * src/boot/efi/stub.c and measure.c), so that systemd's tools predict it:
 *
 * - PCR 11: a one-file image's sections, in the order of systemd's
 *   `enum UnifiedSection` ("the canonical order in which we measure the
 *   sections into TPM PCR 11 ... PLEASE DO NOT REORDER"): for each section
 *   present, an EV_IPL event over the section's name with its NUL, then one
 *   over its VirtualSize bytes. `systemd-measure calculate --phase=` gives
 *   the resulting value from the section files.
 * - PCR 12: the command line the kernel gets, unless it is the image's own
 *   .cmdline (already in PCR 11), as UTF-16LE with a terminating NUL; the
 *   event data are the same bytes, so the log shows which command line was
 *   measured (systemd's tpm_log_load_options()).
 *
 * Pure code: the glue (efi/glue/measure.c) does the measuring.
 */
#ifndef PVHBOOT_STUB_MEASURE_H
#define PVHBOOT_STUB_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#define STUB_PCR_SECTIONS 11u           /* systemd: TPM_PCR_INDEX_KERNEL_IMAGE */
#define STUB_PCR_CMDLINE 12u            /* systemd: TPM_PCR_INDEX_KERNEL_PARAMETERS */

/* The sections systemd-stub 252 measures into PCR 11, in its order
 * (.pcrsig is in its list but never measured: it holds signatures of the
 * result). NULL-terminated. */
extern const char *const stub_pcr11_sections[];

/*
 * The command line s[0..len) (UTF-8, as pvhboot passes it to Linux) as the
 * UTF-16LE text systemd-stub would have measured, with a terminating NUL:
 * out[0..*units), *units counting the NUL. Valid UTF-8 becomes its UTF-16
 * (surrogate pairs above U+FFFF). A byte that does not start a valid
 * sequence (bad lead byte, truncated, overlong, a surrogate or a value past
 * U+10FFFF) becomes the lone surrogate U+DC00 + byte (the "surrogateescape"
 * convention), which no valid UTF-8 produces: different command lines never
 * measure alike, and nothing is refused. Returns 0, or -1 if cap units do not
 * suffice (len + 1 units always do).
 */
int cmdline_to_utf16(const char *s, size_t len, uint16_t *out, size_t cap, size_t *units);

#endif
