/* SPDX-License-Identifier: MIT */
/*
 * Several initrds are concatenated into one module the way GRUB's Linux
 * loader does it (grub-core/loader/linux.c, grub_initrd_init: the running
 * size is rounded up to 4 before each file is added). Linux unpacks the
 * module archive by archive (init/initramfs.c, unpack_to_rootfs): zero
 * bytes between archives are skipped ("if (!*buf) { buf++; ...
 * this_header++; continue; }"), but an uncompressed cpio archive is only
 * recognised at a 4-byte aligned offset ("if (*buf == '0' &&
 * !(this_header & 3))"); unaligned, it is taken for a compressed archive
 * and refused ("invalid magic at start of compressed archive").
 */
#include "initrd_layout.h"

int initrd_layout(const uint64_t *sizes, unsigned n, uint64_t limit, uint64_t *offsets, uint64_t *total,
                  unsigned *too_big) {
        /* Invariant: end <= limit, so limit - end never wraps. */
        uint64_t end = 0;

        for (unsigned i = 0; i < n; i++) {
                uint64_t pad = (INITRD_ALIGN - end % INITRD_ALIGN) % INITRD_ALIGN;

                if (pad > limit - end || sizes[i] > limit - end - pad) {
                        *too_big = i;
                        return -1;
                }
                offsets[i] = end + pad;
                end = offsets[i] + sizes[i];
        }
        *total = end;
        return 0;
}
