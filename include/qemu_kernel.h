/* SPDX-License-Identifier: MIT */
/*
 * QEMU's -kernel blob as OVMF's kernel loader file system shows it. For a
 * PVH ELF, QEMU (7.2) loads the segments into guest memory itself, for
 * SeaBIOS's pvh.bin, and gives the firmware only fw_cfg "setup" = the first
 * 8 KiB of the file and a "kernel" item of (elf_high - elf_low) bytes with no
 * data behind it; OVMF concatenates them into the file "kernel", which is
 * the ELF headers and then zeros. Such a file can be recognised, not booted.
 *
 * Not even those 8 KiB are all the file's: QEMU 7.2 registers the "setup"
 * item with a pointer to x86_load_linux()'s stack buffer, which later calls
 * overwrite (QEMU copies it since a 2024 fix); here bytes from 0xF78 on
 * differ from the file (they are QEMU's stack). Only the ELF header and program headers at the start are
 * compared with a copy of the kernel from elsewhere.
 */
#ifndef PVHBOOT_QEMU_KERNEL_H
#define PVHBOOT_QEMU_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "elf_kernel.h"

#define QEMU_KERNEL_SETUP_SIZE 8192u

/* True if the file has that shape: an ELF whose headers fit in the first
 * 8 KiB and whose size is 8 KiB plus the span of its PT_LOAD segments. */
bool qemu_kernel_is_pvh_headers_only(elf_kernel_read_fn read, void *ctx, uint64_t file_size);

/* Bytes from the start to the end of the ELF header and program header
 * table of the ELF (32- or 64-bit, little-endian) at head, as
 * elf_kernel_headers_end() finds them, if that fits in len; else 0. */
size_t qemu_kernel_header_span(const uint8_t *head, size_t len);

/* True if file_head starts with the same ELF header and program header
 * table as QEMU's blob (both len bytes long). */
bool qemu_kernel_same_headers(const uint8_t *qemu_blob, const uint8_t *file_head, size_t len);

#endif
