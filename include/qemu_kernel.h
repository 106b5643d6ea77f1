/* SPDX-License-Identifier: MIT */
/*
 * QEMU's -kernel blob as OVMF's kernel loader file system shows it. For a
 * PVH ELF, QEMU (7.2) loads the segments into guest memory itself, for
 * SeaBIOS's pvh.bin, and gives the firmware only fw_cfg "setup" = the first
 * 8 KiB of the file and a "kernel" item of (elf_high - elf_low) bytes with no
 * data behind it; OVMF concatenates them into the file "kernel", which is
 * the ELF headers and then zeros. Such a file can be recognised, not booted.
 */
#ifndef PVHBOOT_QEMU_KERNEL_H
#define PVHBOOT_QEMU_KERNEL_H

#include <stdint.h>

#include "elf_kernel.h"

#define QEMU_KERNEL_SETUP_SIZE 8192u

/* Non-zero if the file has that shape: an ELF whose headers fit in the first
 * 8 KiB and whose size is 8 KiB plus the span of its PT_LOAD segments. */
int qemu_kernel_is_pvh_headers_only(elf_kernel_read_fn read, void *ctx, uint64_t file_size);

#endif
