/* SPDX-License-Identifier: MIT */
/*
 * Validation of a kernel ELF image and its PVH entry note. Pure code: the
 * file is reached only through a read callback, so the same parser runs
 * inside the EFI application, in host unit tests and under libFuzzer.
 */
#ifndef PVHBOOT_ELF_KERNEL_H
#define PVHBOOT_ELF_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_KERNEL_MAX_PHDRS 64u
#define ELF_KERNEL_MAX_SEGMENTS 16u

/*
 * The loader reads the ELF header and program headers, then the PT_NOTE
 * segments, into memory it keeps, parses them from there and feeds the same
 * bytes into the kernel's hash. So these regions must be small and known as
 * soon as the program headers are: the headers end within the first
 * ELF_KERNEL_HEADERS_MAX bytes of the file, and at most
 * ELF_KERNEL_MAX_NOTE_SEGMENTS PT_NOTEs hold at most ELF_KERNEL_NOTES_MAX
 * bytes together.
 */
#define ELF_KERNEL_HEADERS_MAX 65536u
#define ELF_KERNEL_MAX_NOTE_SEGMENTS 8u
#define ELF_KERNEL_NOTES_MAX 65536u

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
        ELF_KERNEL_ERR_SEGMENT_FILES_OVERLAP,
        ELF_KERNEL_ERR_PHDRS_TOO_FAR,
        ELF_KERNEL_ERR_TOO_MANY_NOTE_SEGMENTS,
        ELF_KERNEL_ERR_NOTES_TOO_LARGE,
        ELF_KERNEL_ERR_RELOC_NOTE_BAD_SIZE,
        ELF_KERNEL_ERR_RELOC_BAD_ALIGN,
        ELF_KERNEL_ERR_RELOC_MIN_ABOVE_MAX,
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

/*
 * XEN_ELFNOTE_PHYS32_RELOC (Xen's public/elfnote.h): "The note may include
 * up to three 32bit values ... a required start alignment (default
 * 0x200000), a minimum address for the start of the image (default 0), a
 * maximum address for the last byte of the image (default 0xffffffff).
 * When this note specifies an alignment value, it is used. Otherwise the
 * maximum p_align value from loadable ELF Program Headers is used, if it is
 * greater than or equal to 4k (0x1000). Otherwise, the default is used."
 */
#define ELF_KERNEL_RELOC_DEFAULT_ALIGN 0x200000u
#define ELF_KERNEL_RELOC_MIN_ALIGN 0x1000u

/* A PT_NOTE segment's bytes in the file. */
struct elf_kernel_note_range {
        uint64_t file_offset;
        uint64_t file_size;
};

struct elf_kernel {
        unsigned elf_class;     /* 32 or 64 */
        uint64_t file_size;
        uint64_t entry;         /* e_entry, informative */
        uint32_t pvh_entry;     /* XEN_ELFNOTE_PHYS32_ENTRY */
        /*
         * XEN_ELFNOTE_PHYS32_RELOC: the kernel may be moved, as a whole
         * (every PT_LOAD and the PVH entry by one delta that is a multiple
         * of reloc_align), so that its first byte lands at or above
         * reloc_min and its last at or below reloc_max. reloc_align is a
         * power of two >= 4 KiB (from the note, the PT_LOADs' p_align or
         * the default), reloc_min <= reloc_max < 4 GiB. Without the note:
         * has_reloc false, the others 0.
         */
        bool has_reloc;
        uint64_t reloc_align;
        uint32_t reloc_min, reloc_max;
        /* Lowest PT_LOAD p_paddr and highest p_paddr + p_memsz: the image
         * that a relocation moves. */
        uint64_t image_start, image_end;
        unsigned nr_segments;   /* PT_LOAD with p_memsz > 0, in file order */
        struct elf_kernel_segment segments[ELF_KERNEL_MAX_SEGMENTS];
        /* PT_NOTE with p_filesz > 0, in program header order; each lies in
         * the file, together at most ELF_KERNEL_NOTES_MAX bytes. */
        unsigned nr_notes;
        struct elf_kernel_note_range notes[ELF_KERNEL_MAX_NOTE_SEGMENTS];
        /* Index of the program header an error refers to, or -1. */
        int error_phdr;
};

enum elf_kernel_error elf_kernel_parse(elf_kernel_read_fn read, void *ctx,
                                       uint64_t file_size, struct elf_kernel *out);

/* Only the headers, the PT_LOAD segments and where the PT_NOTE segments lie
 * (no entry point check, the notes' contents are not read). */
enum elf_kernel_error elf_kernel_parse_layout(elf_kernel_read_fn read, void *ctx, uint64_t file_size,
                                              struct elf_kernel *out);

/*
 * From the first len bytes of a file: the offset where its ELF header and
 * program header table end, i.e. the larger of the header's size (64 for
 * ELF64, 52 for ELF32) and e_phoff + e_phnum * e_phentsize. An end that
 * does not fit in 64 bits is given as UINT64_MAX, past any file. Returns 0,
 * or -1 if those bytes are not a little-endian ELF32/ELF64 header (bad
 * magic, class or byte order) or too few to hold one (len < 16, or below
 * the class's header size). Nothing else is checked: elf_kernel_parse()
 * does that.
 */
int elf_kernel_headers_end(const void *head, size_t len, uint64_t *end);

/* One line describing the error and what to do about it. */
const char *elf_kernel_strerror(enum elf_kernel_error err);

/* Sum of the PT_LOAD file bytes: what loading reads from the file. */
uint64_t elf_kernel_load_bytes(const struct elf_kernel *k);

/*
 * Move the parsed kernel by delta (added modulo 2^64, so a move down is a
 * "negative" delta): every segment's paddr, the image bounds and the PVH
 * entry. Returns 0, or -1 and changes nothing when the kernel has no
 * relocation note, delta is not a multiple of its alignment, or the moved
 * image would leave the range 0 .. 4 GiB. (Whether the new place is within
 * reloc_min/reloc_max and free is the placement's business: layout.h.)
 */
int elf_kernel_relocate(struct elf_kernel *k, uint64_t delta);

#endif
