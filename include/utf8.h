/* SPDX-License-Identifier: MIT */
/*
 * One UTF-8 decoder for the core (RFC 3629): pvhboot.conf's paths and text
 * (boot_config.c) and the UTF-16 form of a command line measured into
 * PCR 12 (stub_measure.c). Pure code.
 */
#ifndef PVHBOOT_UTF8_H
#define PVHBOOT_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1-4) of the valid UTF-8 sequence at s[0..len) and its value
 * in *cp, or 0 when there is none: a bad lead byte, a missing continuation
 * byte, an overlong form, a surrogate or a value past U+10FFFF. len > 0. */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

#endif
