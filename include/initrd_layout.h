/* SPDX-License-Identifier: MIT */
/*
 * Where each initrd goes when several are booted as one PVH module: one
 * after another, each starting 4-byte aligned, in one buffer. Pure
 * arithmetic on untrusted file sizes, unit-tested on the host.
 */
#ifndef PVHBOOT_INITRD_LAYOUT_H
#define PVHBOOT_INITRD_LAYOUT_H

#include <stdint.h>

/* Initrd i > 0 starts at the first multiple of this at or after the end
 * of initrd i - 1; the bytes between are zero. */
#define INITRD_ALIGN 4u

/*
 * Lay out n initrds of sizes[0..n): offsets[i] is where initrd i starts in
 * the buffer and *total the buffer's size (the end of the last one; no
 * padding after it). 0, or -1 if the total would exceed limit bytes: then
 * *too_big is the index of the first initrd that does not fit, offsets
 * before it are set and *total is not written. Safe for any sizes and
 * limit (nothing wraps). n == 0: *total = 0.
 */
int initrd_layout(const uint64_t *sizes, unsigned n, uint64_t limit, uint64_t *offsets, uint64_t *total,
                  unsigned *too_big);

#endif
