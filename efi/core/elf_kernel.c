/* SPDX-License-Identifier: MIT */
/*
 * Kernel ELF validation in the manner of iPXE's elf.c: every header,
 * segment and note is checked against the file size before anything is
 * loaded. All range checks are written overflow-safe as
 * "off > len || n > len - off".
 */
#include "elf_abi.h"
#include "elf_kernel.h"
#include "pvh_start_info.h"

#define FOUR_GIB 0x100000000ull

static int range_in(uint64_t off, uint64_t n, uint64_t len) {
        return !(off > len || n > len - off);
}

/* Both ELF classes reduced to what a kernel loader needs. */
struct phdr_info {
        uint32_t type;
        uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static int read_at(elf_kernel_read_fn read, void *ctx, uint64_t file_size,
                   uint64_t off, void *buf, size_t len) {
        if (!range_in(off, len, file_size))
                return -1;
        return read(ctx, off, buf, len);
}

static int has_elf_magic(const unsigned char *ident) {
        return ident[ELF_EI_MAG0] == ELF_MAG0 && ident[ELF_EI_MAG1] == ELF_MAG1 &&
               ident[ELF_EI_MAG2] == ELF_MAG2 && ident[ELF_EI_MAG3] == ELF_MAG3;
}

static enum elf_kernel_error check_ident(const unsigned char *ident, uint16_t machine,
                                         uint16_t type, uint32_t version) {
        if (!has_elf_magic(ident))
                return ELF_KERNEL_ERR_BAD_MAGIC;
        if (ident[ELF_EI_CLASS] != ELF_CLASS32 && ident[ELF_EI_CLASS] != ELF_CLASS64)
                return ELF_KERNEL_ERR_BAD_CLASS;
        if (ident[ELF_EI_DATA] != ELF_DATA2LSB)
                return ELF_KERNEL_ERR_BAD_ENDIAN;
        if (ident[ELF_EI_VERSION] != ELF_EV_CURRENT || version != ELF_EV_CURRENT)
                return ELF_KERNEL_ERR_BAD_VERSION;
        if ((ident[ELF_EI_CLASS] == ELF_CLASS64 && machine != ELF_EM_X86_64) ||
            (ident[ELF_EI_CLASS] == ELF_CLASS32 && machine != ELF_EM_386))
                return ELF_KERNEL_ERR_BAD_MACHINE;
        if (type != ELF_ET_EXEC)
                return ELF_KERNEL_ERR_BAD_TYPE;
        return ELF_KERNEL_OK;
}

/* A little-endian field of size bytes at head + off. */
static uint64_t read_le(const unsigned char *head, size_t off, size_t size) {
        uint64_t v = 0;
        while (size--)
                v = v << 8 | head[off + size];
        return v;
}

/* One field of whichever ELF header class head holds. */
#define EHDR_FIELD(head, is64, field)                                                              \
        ((is64) ? read_le((head), offsetof(struct elf64_ehdr, field), sizeof(((struct elf64_ehdr *)0)->field)) \
                : read_le((head), offsetof(struct elf32_ehdr, field), sizeof(((struct elf32_ehdr *)0)->field)))

int elf_kernel_headers_end(const void *head, size_t len, uint64_t *end) {
        const unsigned char *b = head;
        uint64_t header_size, phoff, table;
        int is64;

        if (len < ELF_EI_NIDENT || !has_elf_magic(b) || b[ELF_EI_DATA] != ELF_DATA2LSB ||
            (b[ELF_EI_CLASS] != ELF_CLASS64 && b[ELF_EI_CLASS] != ELF_CLASS32))
                return -1;
        is64 = b[ELF_EI_CLASS] == ELF_CLASS64;
        header_size = is64 ? sizeof(struct elf64_ehdr) : sizeof(struct elf32_ehdr);
        if (len < header_size)
                return -1;
        phoff = EHDR_FIELD(b, is64, e_phoff);
        /* Two 16-bit fields: the product fits in 32 bits. */
        table = EHDR_FIELD(b, is64, e_phnum) * EHDR_FIELD(b, is64, e_phentsize);
        if (phoff > UINT64_MAX - table)
                *end = UINT64_MAX;
        else if (phoff + table > header_size)
                *end = phoff + table;
        else
                *end = header_size;
        return 0;
}

static int addr_in_segments(const struct elf_kernel *k, uint64_t addr) {
        for (unsigned i = 0; i < k->nr_segments; i++) {
                const struct elf_kernel_segment *s = &k->segments[i];
                if (addr >= s->paddr && addr - s->paddr < s->mem_size)
                        return 1;
        }
        return 0;
}

/* What the Xen notes say; the first note of each type counts. */
struct xen_notes {
        bool have_entry;
        uint64_t entry;
        bool have_reloc;
        unsigned reloc_values;          /* 32-bit values in the relocation note: 0..3 */
        uint32_t reloc[3];
};

/* Whether the note's name (namesz bytes at name_off) is "Xen\0". */
static enum elf_kernel_error is_xen_note(elf_kernel_read_fn read, void *ctx, uint64_t name_off,
                                         const struct elf_nhdr *nh, bool *xen) {
        char name[4];

        *xen = false;
        if (nh->n_namesz != sizeof(name))
                return ELF_KERNEL_OK;
        if (read(ctx, name_off, name, sizeof(name)) != 0)
                return ELF_KERNEL_ERR_READ;
        *xen = name[0] == 'X' && name[1] == 'e' && name[2] == 'n' && name[3] == '\0';
        return ELF_KERNEL_OK;
}

/* XEN_ELFNOTE_PHYS32_ENTRY: one 32-bit address. Linux emits ".long";
 * other kernels may use ".quad". */
static enum elf_kernel_error read_entry_note(elf_kernel_read_fn read, void *ctx, uint64_t desc_off,
                                             uint32_t descsz, struct xen_notes *n) {
        if (descsz == 4) {
                uint32_t v;
                if (read(ctx, desc_off, &v, sizeof(v)) != 0)
                        return ELF_KERNEL_ERR_READ;
                n->entry = v;
        } else if (descsz == 8) {
                uint64_t v;
                if (read(ctx, desc_off, &v, sizeof(v)) != 0)
                        return ELF_KERNEL_ERR_READ;
                n->entry = v;
        } else
                return ELF_KERNEL_ERR_PVH_NOTE_BAD_SIZE;
        n->have_entry = true;
        return ELF_KERNEL_OK;
}

/* XEN_ELFNOTE_PHYS32_RELOC: "up to three 32bit values", so 0, 4, 8 or 12
 * descriptor bytes; the values are checked once all notes are read. */
static enum elf_kernel_error read_reloc_note(elf_kernel_read_fn read, void *ctx, uint64_t desc_off,
                                             uint32_t descsz, struct xen_notes *n) {
        if (descsz % 4 != 0 || descsz > sizeof(n->reloc))
                return ELF_KERNEL_ERR_RELOC_NOTE_BAD_SIZE;
        if (descsz > 0 && read(ctx, desc_off, n->reloc, descsz) != 0)
                return ELF_KERNEL_ERR_READ;
        n->reloc_values = descsz / 4;
        n->have_reloc = true;
        return ELF_KERNEL_OK;
}

/*
 * Walk the notes of one PT_NOTE segment. ELF notes are
 * { namesz, descsz, type, name[namesz] pad, desc[descsz] pad } with padding
 * to the segment's alignment (4, or 8 for SHT_NOTE with 8-byte alignment).
 */
static enum elf_kernel_error scan_note_segment(elf_kernel_read_fn read, void *ctx,
                                               const struct phdr_info *ph, struct xen_notes *notes) {
        uint64_t align = ph->align == 8 ? 8 : 4;
        uint64_t pos = 0;
        enum elf_kernel_error err;

        /* parse_layout() has checked that the segment lies in the file. */
        while (ph->filesz - pos >= sizeof(struct elf_nhdr)) {
                struct elf_nhdr nh;
                uint64_t name_off, desc_off, next;
                bool xen;

                if (read(ctx, ph->offset + pos, &nh, sizeof(nh)) != 0)
                        return ELF_KERNEL_ERR_READ;

                /* 32-bit sizes plus padding cannot overflow 64 bits. */
                name_off = pos + sizeof(nh);
                desc_off = name_off + (((uint64_t)nh.n_namesz + align - 1) & ~(align - 1));
                next = desc_off + (((uint64_t)nh.n_descsz + align - 1) & ~(align - 1));
                if (desc_off + nh.n_descsz > ph->filesz || name_off + nh.n_namesz > ph->filesz)
                        return ELF_KERNEL_ERR_NOTE_PAST_SEGMENT_END;

                if ((nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && !notes->have_entry) ||
                    (nh.n_type == XEN_ELFNOTE_PHYS32_RELOC && !notes->have_reloc)) {
                        err = is_xen_note(read, ctx, ph->offset + name_off, &nh, &xen);
                        if (!err && xen)
                                err = nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY
                                              ? read_entry_note(read, ctx, ph->offset + desc_off, nh.n_descsz, notes)
                                              : read_reloc_note(read, ctx, ph->offset + desc_off, nh.n_descsz, notes);
                        if (err)
                                return err;
                }
                if (next >= ph->filesz)
                        break;
                pos = next;
        }
        return ELF_KERNEL_OK;
}

/* The relocation note's values with their defaults, checked. */
static enum elf_kernel_error apply_reloc_note(struct elf_kernel *k, const struct xen_notes *n,
                                              const struct phdr_info *ph, uint64_t phnum) {
        uint64_t align = 0, min = 0, max = UINT32_MAX;

        if (!n->have_reloc)
                return ELF_KERNEL_OK;
        if (n->reloc_values >= 1)
                align = n->reloc[0];
        else {
                for (uint64_t i = 0; i < phnum; i++)
                        if (ph[i].type == ELF_PT_LOAD && ph[i].align > align)
                                align = ph[i].align;
                if (align < ELF_KERNEL_RELOC_MIN_ALIGN)
                        align = ELF_KERNEL_RELOC_DEFAULT_ALIGN;
        }
        /* The loader moves the kernel by a multiple of this, and the kernel
         * fixes its own page tables by that offset: anything but a power of
         * two of at least a page makes no sense. */
        if (align < ELF_KERNEL_RELOC_MIN_ALIGN || (align & (align - 1)) != 0)
                return ELF_KERNEL_ERR_RELOC_BAD_ALIGN;
        if (n->reloc_values >= 2)
                min = n->reloc[1];
        if (n->reloc_values >= 3)
                max = n->reloc[2];
        if (min > max)
                return ELF_KERNEL_ERR_RELOC_MIN_ABOVE_MAX;
        k->has_reloc = true;
        k->reloc_align = align;
        k->reloc_min = (uint32_t)min;
        k->reloc_max = (uint32_t)max;
        return ELF_KERNEL_OK;
}

/* Nonzero if two non-empty ranges share a byte. Callers pass ranges whose
 * ends do not wrap: file ranges checked against the file, memory ranges
 * checked below 4 GiB. (An empty range inside another would count, so
 * callers leave those out.) */
static int ranges_intersect(uint64_t a_off, uint64_t a_len, uint64_t b_off, uint64_t b_len) {
        return a_off < b_off + b_len && b_off < a_off + a_len;
}

/* One PT_LOAD, checked against the file, 4 GiB and the segments before it,
 * and recorded if it occupies memory. */
static enum elf_kernel_error add_load_segment(struct elf_kernel *k, const struct phdr_info *p,
                                              uint64_t file_size) {
        if (!range_in(p->offset, p->filesz, file_size))
                return ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE;
        if (p->filesz > p->memsz)
                return ELF_KERNEL_ERR_FILESZ_GT_MEMSZ;
        if (p->memsz == 0)
                return ELF_KERNEL_OK;
        /* PVH enters with paging off: every byte must be below 4 GiB. */
        if (!range_in(p->paddr, p->memsz, FOUR_GIB))
                return ELF_KERNEL_ERR_SEGMENT_ABOVE_4G;
        for (unsigned j = 0; j < k->nr_segments; j++) {
                const struct elf_kernel_segment *s = &k->segments[j];
                if (ranges_intersect(p->paddr, p->memsz, s->paddr, s->mem_size))
                        return ELF_KERNEL_ERR_SEGMENTS_OVERLAP;
        }
        /*
         * pvhboot reads every file byte once and hashes what it reads. A
         * byte that two segments load would be read twice, and a storage
         * device could answer differently the second time, so the hash
         * would not cover what is loaded. Empty file ranges share nothing.
         */
        for (unsigned j = 0; j < k->nr_segments && p->filesz > 0; j++) {
                const struct elf_kernel_segment *s = &k->segments[j];
                if (s->file_size > 0 &&
                    ranges_intersect(p->offset, p->filesz, s->file_offset, s->file_size))
                        return ELF_KERNEL_ERR_SEGMENT_FILES_OVERLAP;
        }
        if (k->nr_segments == ELF_KERNEL_MAX_SEGMENTS)
                return ELF_KERNEL_ERR_TOO_MANY_SEGMENTS;
        k->segments[k->nr_segments++] = (struct elf_kernel_segment){
                .file_offset = p->offset, .file_size = p->filesz,
                .paddr = p->paddr, .mem_size = p->memsz };
        return ELF_KERNEL_OK;
}

/*
 * One PT_NOTE, recorded if it has file bytes. The loader reads the headers
 * and the notes first into memory it keeps, parses them from there and
 * feeds the same bytes into the kernel's hash: so the notes must be known
 * once the program headers are, lie in the file, and be few and small.
 */
static enum elf_kernel_error add_note_segment(struct elf_kernel *k, const struct phdr_info *p,
                                              uint64_t file_size, uint64_t *notes_bytes) {
        if (p->filesz == 0)
                return ELF_KERNEL_OK;
        if (!range_in(p->offset, p->filesz, file_size))
                return ELF_KERNEL_ERR_NOTE_OUTSIDE_FILE;
        if (k->nr_notes == ELF_KERNEL_MAX_NOTE_SEGMENTS)
                return ELF_KERNEL_ERR_TOO_MANY_NOTE_SEGMENTS;
        if (p->filesz > ELF_KERNEL_NOTES_MAX - *notes_bytes)
                return ELF_KERNEL_ERR_NOTES_TOO_LARGE;
        *notes_bytes += p->filesz;
        k->notes[k->nr_notes++] = (struct elf_kernel_note_range){
                .file_offset = p->offset, .file_size = p->filesz };
        return ELF_KERNEL_OK;
}

/* The ELF header and program headers, the PT_LOAD segments checked against
 * the file, and where the PT_NOTE segments lie: everything but the entry
 * point and the notes' contents. */
static enum elf_kernel_error parse_layout(elf_kernel_read_fn read, void *ctx, uint64_t file_size,
                                          struct elf_kernel *k, struct phdr_info *ph, uint64_t *nr_phdrs) {
        union {
                unsigned char ident[ELF_EI_NIDENT];
                struct elf32_ehdr e32;
                struct elf64_ehdr e64;
        } eh;
        uint64_t phoff, phentsize, phnum, headers_end, notes_bytes = 0;
        size_t header_size;
        enum elf_kernel_error err;

        *k = (struct elf_kernel){ .file_size = file_size, .error_phdr = -1 };

        if (file_size < ELF_EI_NIDENT)
                return ELF_KERNEL_ERR_TRUNCATED_HEADER;
        if (read_at(read, ctx, file_size, 0, eh.ident, ELF_EI_NIDENT) != 0)
                return ELF_KERNEL_ERR_READ;
        if (!has_elf_magic(eh.ident))
                return ELF_KERNEL_ERR_BAD_MAGIC;

        if (eh.ident[ELF_EI_CLASS] == ELF_CLASS64) {
                header_size = sizeof(struct elf64_ehdr);
                if (file_size < header_size)
                        return ELF_KERNEL_ERR_TRUNCATED_HEADER;
                if (read_at(read, ctx, file_size, 0, &eh.e64, header_size) != 0)
                        return ELF_KERNEL_ERR_READ;
                err = check_ident(eh.ident, eh.e64.e_machine, eh.e64.e_type, eh.e64.e_version);
                if (err)
                        return err;
                k->elf_class = 64;
                k->entry = eh.e64.e_entry;
                phoff = eh.e64.e_phoff;
                phentsize = eh.e64.e_phentsize;
                phnum = eh.e64.e_phnum;
                if (phentsize != sizeof(struct elf64_phdr))
                        return ELF_KERNEL_ERR_BAD_PHENTSIZE;
        } else if (eh.ident[ELF_EI_CLASS] == ELF_CLASS32) {
                header_size = sizeof(struct elf32_ehdr);
                if (file_size < header_size)
                        return ELF_KERNEL_ERR_TRUNCATED_HEADER;
                if (read_at(read, ctx, file_size, 0, &eh.e32, header_size) != 0)
                        return ELF_KERNEL_ERR_READ;
                err = check_ident(eh.ident, eh.e32.e_machine, eh.e32.e_type, eh.e32.e_version);
                if (err)
                        return err;
                k->elf_class = 32;
                k->entry = eh.e32.e_entry;
                phoff = eh.e32.e_phoff;
                phentsize = eh.e32.e_phentsize;
                phnum = eh.e32.e_phnum;
                if (phentsize != sizeof(struct elf32_phdr))
                        return ELF_KERNEL_ERR_BAD_PHENTSIZE;
        } else
                return ELF_KERNEL_ERR_BAD_CLASS;

        /* PN_XNUM (phnum in section 0) is not supported: no kernel needs it. */
        if (phnum == 0)
                return ELF_KERNEL_ERR_NO_PHDRS;
        if (phnum > ELF_KERNEL_MAX_PHDRS)
                return ELF_KERNEL_ERR_TOO_MANY_PHDRS;
        if (!range_in(phoff, phnum * phentsize, file_size))
                return ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE;
        /* The loader keeps the headers from one read of the file's start
         * (see ELF_KERNEL_HEADERS_MAX). The ELF header itself is far
         * shorter, so the table's end decides; it lies in the file, so it
         * does not wrap. (elf_kernel_headers_end() gives the same end.) */
        headers_end = phoff + phnum * phentsize;
        if (headers_end > ELF_KERNEL_HEADERS_MAX)
                return ELF_KERNEL_ERR_PHDRS_TOO_FAR;

        for (uint64_t i = 0; i < phnum; i++) {
                uint64_t off = phoff + i * phentsize;
                if (k->elf_class == 64) {
                        struct elf64_phdr p;
                        if (read(ctx, off, &p, sizeof(p)) != 0)
                                return ELF_KERNEL_ERR_READ;
                        ph[i] = (struct phdr_info){ p.p_type, p.p_offset, p.p_vaddr, p.p_paddr,
                                                    p.p_filesz, p.p_memsz, p.p_align };
                } else {
                        struct elf32_phdr p;
                        if (read(ctx, off, &p, sizeof(p)) != 0)
                                return ELF_KERNEL_ERR_READ;
                        ph[i] = (struct phdr_info){ p.p_type, p.p_offset, p.p_vaddr, p.p_paddr,
                                                    p.p_filesz, p.p_memsz, p.p_align };
                }
        }

        for (uint64_t i = 0; i < phnum; i++) {
                if (ph[i].type != ELF_PT_LOAD)
                        continue;
                k->error_phdr = (int)i;
                err = add_load_segment(k, &ph[i], file_size);
                if (err)
                        return err;
        }
        k->error_phdr = -1;
        if (k->nr_segments == 0)
                return ELF_KERNEL_ERR_NO_LOAD_SEGMENTS;
        k->image_start = k->segments[0].paddr;
        for (unsigned i = 0; i < k->nr_segments; i++) {
                const struct elf_kernel_segment *s = &k->segments[i];
                /* Below 4 GiB (add_load_segment()): no wrap. */
                if (s->paddr < k->image_start)
                        k->image_start = s->paddr;
                if (s->paddr + s->mem_size > k->image_end)
                        k->image_end = s->paddr + s->mem_size;
        }

        for (uint64_t i = 0; i < phnum; i++) {
                if (ph[i].type != ELF_PT_NOTE)
                        continue;
                k->error_phdr = (int)i;
                err = add_note_segment(k, &ph[i], file_size, &notes_bytes);
                if (err)
                        return err;
        }
        k->error_phdr = -1;
        *nr_phdrs = phnum;
        return ELF_KERNEL_OK;
}

enum elf_kernel_error elf_kernel_parse_layout(elf_kernel_read_fn read, void *ctx, uint64_t file_size,
                                              struct elf_kernel *k) {
        struct phdr_info ph[ELF_KERNEL_MAX_PHDRS];
        uint64_t phnum;
        return parse_layout(read, ctx, file_size, k, ph, &phnum);
}

enum elf_kernel_error elf_kernel_parse(elf_kernel_read_fn read, void *ctx,
                                       uint64_t file_size, struct elf_kernel *k) {
        struct phdr_info ph[ELF_KERNEL_MAX_PHDRS];
        struct xen_notes notes = { 0 };
        uint64_t phnum;
        enum elf_kernel_error err;

        err = parse_layout(read, ctx, file_size, k, ph, &phnum);
        if (err)
                return err;

        /* e_entry may be physical or (x86-64 vmlinux) virtual. */
        {
                int inside = addr_in_segments(k, k->entry);
                for (uint64_t i = 0; i < phnum && !inside; i++) {
                        const struct phdr_info *p = &ph[i];
                        if (p->type == ELF_PT_LOAD && k->entry >= p->vaddr && k->entry - p->vaddr < p->memsz)
                                inside = 1;
                }
                if (!inside)
                        return ELF_KERNEL_ERR_ENTRY_OUTSIDE_SEGMENTS;
        }

        /* The PT_NOTEs parse_layout() recorded: in the file, with bytes. */
        for (uint64_t i = 0; i < phnum; i++) {
                if (ph[i].type != ELF_PT_NOTE || ph[i].filesz == 0)
                        continue;
                k->error_phdr = (int)i;
                err = scan_note_segment(read, ctx, &ph[i], &notes);
                if (err)
                        return err;
        }
        k->error_phdr = -1;

        if (!notes.have_entry)
                return ELF_KERNEL_ERR_NO_PVH_NOTE;
        if (notes.entry >= FOUR_GIB)
                return ELF_KERNEL_ERR_PVH_ENTRY_ABOVE_4G;
        if (!addr_in_segments(k, notes.entry))
                return ELF_KERNEL_ERR_PVH_ENTRY_OUTSIDE_SEGMENTS;
        k->pvh_entry = (uint32_t)notes.entry;
        return apply_reloc_note(k, &notes, ph, phnum);
}

uint64_t elf_kernel_load_bytes(const struct elf_kernel *k) {
        uint64_t total = 0;
        for (unsigned i = 0; i < k->nr_segments; i++)
                total += k->segments[i].file_size;
        return total;
}

int elf_kernel_relocate(struct elf_kernel *k, uint64_t delta) {
        uint64_t start = k->image_start + delta, size = k->image_end - k->image_start;

        if (!k->has_reloc || (delta & (k->reloc_align - 1)) != 0)
                return -1;
        /* Every segment lies within the image, so the image decides. */
        if (!range_in(start, size, FOUR_GIB))
                return -1;
        for (unsigned i = 0; i < k->nr_segments; i++)
                k->segments[i].paddr += delta;
        k->image_start = start;
        k->image_end = start + size;
        /* Inside a segment (elf_kernel_parse()), so below 4 GiB now too. */
        k->pvh_entry = (uint32_t)(k->pvh_entry + delta);
        return 0;
}

const char *elf_kernel_strerror(enum elf_kernel_error err) {
        switch (err) {
        case ELF_KERNEL_OK: return "no error";
        case ELF_KERNEL_ERR_READ: return "read failed";
        case ELF_KERNEL_ERR_TRUNCATED_HEADER: return "file too small for an ELF header; give an uncompressed vmlinux";
        case ELF_KERNEL_ERR_BAD_MAGIC: return "not an ELF file (bad magic); give an uncompressed vmlinux, not a bzImage";
        case ELF_KERNEL_ERR_BAD_CLASS: return "unknown ELF class; need ELF32 or ELF64";
        case ELF_KERNEL_ERR_BAD_ENDIAN: return "not a little-endian ELF; need an x86 kernel";
        case ELF_KERNEL_ERR_BAD_VERSION: return "unknown ELF version";
        case ELF_KERNEL_ERR_BAD_MACHINE: return "ELF machine is not x86-64/i386; need an x86 kernel";
        case ELF_KERNEL_ERR_BAD_TYPE: return "ELF type is not ET_EXEC; need a linked kernel image";
        case ELF_KERNEL_ERR_BAD_PHENTSIZE: return "ELF program header size is wrong for its class; the file is corrupt";
        case ELF_KERNEL_ERR_NO_PHDRS: return "ELF has no program headers; nothing to load";
        case ELF_KERNEL_ERR_TOO_MANY_PHDRS: return "ELF has more than 64 program headers";
        case ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE: return "ELF program headers lie past the end of the file; the file is truncated or corrupt";
        case ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE: return "a PT_LOAD segment lies past the end of the file; the file is truncated or corrupt";
        case ELF_KERNEL_ERR_FILESZ_GT_MEMSZ: return "a PT_LOAD segment has p_filesz > p_memsz; the file is corrupt";
        case ELF_KERNEL_ERR_SEGMENT_ABOVE_4G: return "a PT_LOAD segment reaches above 4 GiB; PVH enters with paging off";
        case ELF_KERNEL_ERR_SEGMENTS_OVERLAP: return "two PT_LOAD segments overlap in physical memory; the file is corrupt";
        case ELF_KERNEL_ERR_TOO_MANY_SEGMENTS: return "more than 16 PT_LOAD segments";
        case ELF_KERNEL_ERR_NO_LOAD_SEGMENTS: return "ELF has no PT_LOAD segment; nothing to load";
        case ELF_KERNEL_ERR_ENTRY_OUTSIDE_SEGMENTS: return "ELF entry point is outside every PT_LOAD segment; the file is corrupt";
        case ELF_KERNEL_ERR_NOTE_OUTSIDE_FILE: return "a PT_NOTE segment lies past the end of the file; the file is truncated or corrupt";
        case ELF_KERNEL_ERR_NOTE_PAST_SEGMENT_END: return "an ELF note runs past the end of its PT_NOTE segment; the file is corrupt";
        case ELF_KERNEL_ERR_NO_PVH_NOTE: return "no PVH entry note (Xen ELF note 18); build the kernel with CONFIG_PVH=y";
        case ELF_KERNEL_ERR_PVH_NOTE_BAD_SIZE: return "PVH entry note has a descriptor that is not 4 or 8 bytes; the file is corrupt";
        case ELF_KERNEL_ERR_PVH_ENTRY_ABOVE_4G: return "PVH entry point is above 4 GiB; the file is corrupt";
        case ELF_KERNEL_ERR_PVH_ENTRY_OUTSIDE_SEGMENTS: return "PVH entry point is outside every PT_LOAD segment; the file is corrupt";
        case ELF_KERNEL_ERR_SEGMENT_FILES_OVERLAP: return "two PT_LOAD segments load the same file bytes; the file is corrupt";
        case ELF_KERNEL_ERR_PHDRS_TOO_FAR: return "ELF program headers end past the first 64 KiB of the file";
        case ELF_KERNEL_ERR_TOO_MANY_NOTE_SEGMENTS: return "ELF has more than 8 PT_NOTE segments";
        case ELF_KERNEL_ERR_NOTES_TOO_LARGE: return "ELF PT_NOTE segments hold more than 64 KiB together";
        case ELF_KERNEL_ERR_RELOC_NOTE_BAD_SIZE: return "relocation note (Xen ELF note 19) has a descriptor that is not 0, 4, 8 or 12 bytes; the file is corrupt";
        case ELF_KERNEL_ERR_RELOC_BAD_ALIGN: return "relocation alignment (Xen ELF note 19, or the largest PT_LOAD p_align) is not a power of two of at least 4 KiB; the file is corrupt";
        case ELF_KERNEL_ERR_RELOC_MIN_ABOVE_MAX: return "relocation note (Xen ELF note 19) has a minimum address above its maximum; the file is corrupt";
        case ELF_KERNEL_ERR__MAX: break;
        }
        return "unknown error";
}
