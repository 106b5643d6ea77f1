/* SPDX-License-Identifier: MIT */
/*
 * Validation of a kernel ELF image and its PVH entry note. Pure code: the
 * file is reached only through a read callback, so the same parser runs
 * inside the EFI application, in host unit tests and under libFuzzer.
 */
#ifndef PVHBOOT_ELF_KERNEL_H
#define PVHBOOT_ELF_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#define ELF_KERNEL_MAX_PHDRS 64u
#define ELF_KERNEL_MAX_SEGMENTS 16u

enum elf_kernel_error {
        ELF_KERNEL_OK = 0,
        ELF_KERNEL_ERR_READ,
        ELF_KERNEL_ERR_TRUNCATED_HEADER,
        ELF_KERNEL_ERR_BAD_MAGIC,
        ELF_KERNEL_ERR_BAD_CLASS,
        ELF_KERNEL_ERR_BAD_ENDIAN,
        ELF_KERNEL_ERR_BAD_VERSION,
        ELF_KERNEL_ERR_BAD_MACHINE,
        ELF_KERNEL_ERR_BAD_TYPE,
        ELF_KERNEL_ERR_BAD_PHENTSIZE,
        ELF_KERNEL_ERR_NO_PHDRS,
        ELF_KERNEL_ERR_TOO_MANY_PHDRS,
        ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE,
        ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE,
        ELF_KERNEL_ERR_FILESZ_GT_MEMSZ,
        ELF_KERNEL_ERR_SEGMENT_ABOVE_4G,
        ELF_KERNEL_ERR_SEGMENTS_OVERLAP,
        ELF_KERNEL_ERR_TOO_MANY_SEGMENTS,
        ELF_KERNEL_ERR_NO_LOAD_SEGMENTS,
        ELF_KERNEL_ERR_ENTRY_OUTSIDE_SEGMENTS,
        ELF_KERNEL_ERR_NOTE_OUTSIDE_FILE,
        ELF_KERNEL_ERR_NOTE_PAST_SEGMENT_END,
        ELF_KERNEL_ERR_NO_PVH_NOTE,
        ELF_KERNEL_ERR_PVH_NOTE_BAD_SIZE,
        ELF_KERNEL_ERR_PVH_ENTRY_ABOVE_4G,
        ELF_KERNEL_ERR_PVH_ENTRY_OUTSIDE_SEGMENTS,
        ELF_KERNEL_ERR__MAX,
};

/* Reads exactly len bytes at off; returns 0 on success. off + len is
 * always within the file size given to elf_kernel_parse(). */
typedef int (*elf_kernel_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

struct elf_kernel_segment {
        uint64_t file_offset;
        uint64_t file_size;
        uint64_t paddr;
        uint64_t mem_size;
};

struct elf_kernel {
        unsigned elf_class;     /* 32 or 64 */
        uint64_t file_size;
        uint64_t entry;         /* e_entry, informative */
        uint32_t pvh_entry;     /* XEN_ELFNOTE_PHYS32_ENTRY */
        unsigned nr_segments;   /* PT_LOAD with p_memsz > 0, in file order */
        struct elf_kernel_segment segments[ELF_KERNEL_MAX_SEGMENTS];
        /* Index of the program header an error refers to, or -1. */
        int error_phdr;
};

enum elf_kernel_error elf_kernel_parse(elf_kernel_read_fn read, void *ctx,
                                       uint64_t file_size, struct elf_kernel *out);

/* Only the headers and PT_LOAD segments (no entry point or note checks). */
enum elf_kernel_error elf_kernel_parse_layout(elf_kernel_read_fn read, void *ctx, uint64_t file_size,
                                              struct elf_kernel *out);

/* One line describing the error and what to do about it. */
const char *elf_kernel_strerror(enum elf_kernel_error err);

/* Sum of the PT_LOAD file bytes: what loading reads from the file. */
uint64_t elf_kernel_load_bytes(const struct elf_kernel *k);

#endif
