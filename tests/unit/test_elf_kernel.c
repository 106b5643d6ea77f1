/* SPDX-License-Identifier: MIT */
/*
 * In the style of rust-vmm linux-loader's tests: build one good kernel image,
 * break one field at a time, and assert the exact error.
 */
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "elf_abi.h"
#include "elf_image.h"
#include "elf_kernel.h"
#include "pvh_start_info.h"
#include "qemu_kernel.h"
#include "testlib.h"

/*
 * elf_abi.h is written from the gABI; glibc's <elf.h> from the same text.
 * Both in one translation unit must not clash, and must agree on every
 * size, offset and value the core uses.
 */
#define SAME_FIELD(ours, theirs, field)                                                 \
        _Static_assert(offsetof(ours, field) == offsetof(theirs, field) &&               \
                       sizeof(((ours *)0)->field) == sizeof(((theirs *)0)->field), #field)
#define SAME_EHDR(ours, theirs)                                                          \
        _Static_assert(sizeof(ours) == sizeof(theirs), #ours);                           \
        SAME_FIELD(ours, theirs, e_ident); SAME_FIELD(ours, theirs, e_type);             \
        SAME_FIELD(ours, theirs, e_machine); SAME_FIELD(ours, theirs, e_version);        \
        SAME_FIELD(ours, theirs, e_entry); SAME_FIELD(ours, theirs, e_phoff);            \
        SAME_FIELD(ours, theirs, e_shoff); SAME_FIELD(ours, theirs, e_flags);            \
        SAME_FIELD(ours, theirs, e_ehsize); SAME_FIELD(ours, theirs, e_phentsize);       \
        SAME_FIELD(ours, theirs, e_phnum); SAME_FIELD(ours, theirs, e_shentsize);        \
        SAME_FIELD(ours, theirs, e_shnum); SAME_FIELD(ours, theirs, e_shstrndx)
#define SAME_PHDR(ours, theirs)                                                          \
        _Static_assert(sizeof(ours) == sizeof(theirs), #ours);                           \
        SAME_FIELD(ours, theirs, p_type); SAME_FIELD(ours, theirs, p_flags);             \
        SAME_FIELD(ours, theirs, p_offset); SAME_FIELD(ours, theirs, p_vaddr);           \
        SAME_FIELD(ours, theirs, p_paddr); SAME_FIELD(ours, theirs, p_filesz);           \
        SAME_FIELD(ours, theirs, p_memsz); SAME_FIELD(ours, theirs, p_align)
SAME_EHDR(struct elf32_ehdr, Elf32_Ehdr);
SAME_EHDR(struct elf64_ehdr, Elf64_Ehdr);
SAME_PHDR(struct elf32_phdr, Elf32_Phdr);
SAME_PHDR(struct elf64_phdr, Elf64_Phdr);
_Static_assert(sizeof(struct elf_nhdr) == sizeof(Elf32_Nhdr) && sizeof(struct elf_nhdr) == sizeof(Elf64_Nhdr),
               "note header");
SAME_FIELD(struct elf_nhdr, Elf32_Nhdr, n_namesz);
SAME_FIELD(struct elf_nhdr, Elf32_Nhdr, n_descsz);
SAME_FIELD(struct elf_nhdr, Elf32_Nhdr, n_type);
_Static_assert(ELF_EI_MAG0 == EI_MAG0 && ELF_EI_MAG1 == EI_MAG1 && ELF_EI_MAG2 == EI_MAG2 &&
               ELF_EI_MAG3 == EI_MAG3 && ELF_EI_CLASS == EI_CLASS && ELF_EI_DATA == EI_DATA &&
               ELF_EI_VERSION == EI_VERSION && ELF_EI_NIDENT == EI_NIDENT, "EI_*");
_Static_assert(ELF_MAG0 == ELFMAG0 && ELF_MAG1 == ELFMAG1 && ELF_MAG2 == ELFMAG2 && ELF_MAG3 == ELFMAG3,
               "ELFMAG*");
_Static_assert(ELF_CLASS32 == ELFCLASS32 && ELF_CLASS64 == ELFCLASS64 && ELF_DATA2LSB == ELFDATA2LSB &&
               ELF_EV_CURRENT == EV_CURRENT && ELF_ET_EXEC == ET_EXEC && ELF_EM_386 == EM_386 &&
               ELF_EM_X86_64 == EM_X86_64 && ELF_PT_LOAD == PT_LOAD && ELF_PT_NOTE == PT_NOTE,
               "constants");

#define IMG_SIZE 0x4000
/* Room for images past ELF_KERNEL_HEADERS_MAX and ELF_KERNEL_NOTES_MAX. */
#define IMG_CAP 0x12000
#define NOTE_OFF 0x200
#define TEXT_PADDR 0x1000000u
#define PVH_ENTRY (TEXT_PADDR + 0x100)

struct image {
        unsigned char b[IMG_CAP];
        size_t len;
        int out_of_bounds_read;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len) {
        struct image *im = ctx;
        if (off > im->len || len > im->len - off) {
                im->out_of_bounds_read = 1;
                return -1;
        }
        memcpy(buf, im->b + off, len);
        return 0;
}

/* A GNU note, then the Xen PVH note; returns the notes' size. */
static size_t put_notes(unsigned char *p, uint32_t xen_descsz, uint64_t value) {
        size_t n = 0;
        Elf32_Nhdr gnu = { 4, 4, 1 };
        memcpy(p + n, &gnu, sizeof(gnu));
        n += sizeof(gnu);
        memcpy(p + n, "GNU", 4);
        n += 4;
        memset(p + n, 0xAB, 4);
        n += 4;
        Elf32_Nhdr xen = { 4, xen_descsz, XEN_ELFNOTE_PHYS32_ENTRY };
        memcpy(p + n, &xen, sizeof(xen));
        n += sizeof(xen);
        memcpy(p + n, "Xen", 4);
        n += 4;
        memcpy(p + n, &value, xen_descsz > 8 ? 8 : xen_descsz);
        n += (xen_descsz + 3) & ~3u;
        return n;
}

/* ELF64: PT_LOAD text, PT_LOAD data (with bss), PT_NOTE. */
static Elf64_Ehdr *build64(struct image *im) {
        memset(im, 0, sizeof(*im));
        im->len = IMG_SIZE;
        Elf64_Ehdr *e = (Elf64_Ehdr *)im->b;
        elf64_header_init(e, TEXT_PADDR, 3);
        Elf64_Phdr *ph = (Elf64_Phdr *)(im->b + e->e_phoff);
        ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0x1000, 0xffffffff81000000ull, TEXT_PADDR, 0x2000, 0x2000, 0x1000 };
        ph[1] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, 0x3000, 0xffffffff81004000ull, TEXT_PADDR + 0x4000, 0x1000, 0x3000, 0x1000 };
        size_t nlen = put_notes(im->b + NOTE_OFF, 4, PVH_ENTRY);
        ph[2] = (Elf64_Phdr){ PT_NOTE, PF_R, NOTE_OFF, 0, 0, nlen, nlen, 4 };
        return e;
}

static Elf64_Phdr *phdrs64(struct image *im) {
        return (Elf64_Phdr *)(im->b + sizeof(Elf64_Ehdr));
}

static Elf32_Ehdr *build32(struct image *im) {
        memset(im, 0, sizeof(*im));
        im->len = IMG_SIZE;
        Elf32_Ehdr *e = (Elf32_Ehdr *)im->b;
        elf32_header_init(e, TEXT_PADDR, 2);
        Elf32_Phdr *ph = (Elf32_Phdr *)(im->b + e->e_phoff);
        ph[0] = (Elf32_Phdr){ PT_LOAD, 0x1000, TEXT_PADDR, TEXT_PADDR, 0x2000, 0x2400, PF_R | PF_X, 0x1000 };
        size_t nlen = put_notes(im->b + NOTE_OFF, 4, PVH_ENTRY);
        ph[1] = (Elf32_Phdr){ PT_NOTE, NOTE_OFF, 0, 0, nlen, nlen, PF_R, 4 };
        return e;
}

static enum elf_kernel_error parse(struct image *im, struct elf_kernel *k) {
        enum elf_kernel_error err = elf_kernel_parse(mem_read, im, im->len, k);
        CHECK(!im->out_of_bounds_read);
        return err;
}

static void test_good_elf64(void) {
        struct image im;
        struct elf_kernel k;
        build64(&im);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.elf_class, 64);
        CHECK_EQ(k.pvh_entry, PVH_ENTRY);
        CHECK_EQ(k.nr_segments, 2);
        CHECK_EQ(k.segments[0].paddr, TEXT_PADDR);
        CHECK_EQ(k.segments[0].file_offset, 0x1000);
        CHECK_EQ(k.segments[1].mem_size, 0x3000);
        CHECK_EQ(k.segments[1].file_size, 0x1000);
        CHECK_EQ(elf_kernel_load_bytes(&k), 0x3000);
}

static void test_good_elf32(void) {
        struct image im;
        struct elf_kernel k;
        build32(&im);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.elf_class, 32);
        CHECK_EQ(k.pvh_entry, PVH_ENTRY);
        CHECK_EQ(k.nr_segments, 1);
}

static void test_good_8_byte_note(void) {
        struct image im;
        struct elf_kernel k;
        build64(&im);
        size_t nlen = put_notes(im.b + NOTE_OFF, 8, PVH_ENTRY);
        phdrs64(&im)[2].p_filesz = nlen;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.pvh_entry, PVH_ENTRY);
}

static void test_header_errors(void) {
        struct image im;
        struct elf_kernel k;
        Elf64_Ehdr *e;

        e = build64(&im);
        e->e_ident[EI_MAG1] = 'X';
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_BAD_MAGIC);

        e = build64(&im);
        e->e_ident[EI_CLASS] = 3;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_BAD_CLASS);

        e = build64(&im);
        e->e_ident[EI_DATA] = ELFDATA2MSB;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_BAD_ENDIAN);

        e = build64(&im);
        e->e_version = 2;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_BAD_VERSION);

        e = build64(&im);
        e->e_machine = EM_AARCH64;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_BAD_MACHINE);

        /* An ELF32 that claims x86-64 is not a kernel we know. */
        Elf32_Ehdr *e32 = build32(&im);
        e32->e_machine = EM_X86_64;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_BAD_MACHINE);

        e = build64(&im);
        e->e_type = ET_DYN;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_BAD_TYPE);

        e = build64(&im);
        e->e_phentsize = sizeof(Elf32_Phdr);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_BAD_PHENTSIZE);

        e = build64(&im);
        e->e_phnum = 0;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NO_PHDRS);

        e = build64(&im);
        e->e_phnum = 65;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_TOO_MANY_PHDRS);

        e = build64(&im);
        e->e_phoff = IMG_SIZE - 8;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE);

        e = build64(&im);
        e->e_phoff = UINT64_MAX - 16;   /* phoff + size wraps */
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE);
}

static void test_truncated(void) {
        struct image im;
        struct elf_kernel k;

        build64(&im);
        im.len = 0;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_TRUNCATED_HEADER);
        build64(&im);
        im.len = 40;    /* ident fits, ELF64 header does not */
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_TRUNCATED_HEADER);
        build64(&im);
        im.len = 0x200; /* headers fit, segments do not */
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE);
        CHECK_EQ(k.error_phdr, 0);
        build64(&im);
        im.len = 0x3800; /* the data segment is cut */
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE);
        CHECK_EQ(k.error_phdr, 1);
}

static void test_segment_errors(void) {
        struct image im;
        struct elf_kernel k;
        Elf64_Phdr *ph;

        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_offset = IMG_SIZE + 1;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE);

        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_offset = 0x100;
        ph[1].p_filesz = UINT64_MAX - 0x80;     /* offset + filesz wraps */
        ph[1].p_memsz = UINT64_MAX;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE);

        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_memsz = ph[1].p_filesz - 1;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_FILESZ_GT_MEMSZ);

        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_paddr = TEXT_PADDR + 0x1000;    /* inside the text segment */
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENTS_OVERLAP);

        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_paddr = 0xFFFFF000u;            /* runs past 4 GiB */
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENT_ABOVE_4G);

        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_paddr = 0x100000000ull;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENT_ABOVE_4G);

        build64(&im);
        ph = phdrs64(&im);
        ph[0].p_type = PT_NULL;
        ph[1].p_type = PT_NULL;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NO_LOAD_SEGMENTS);

        Elf64_Ehdr *e = build64(&im);
        e->e_entry = 0x5000000;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_ENTRY_OUTSIDE_SEGMENTS);

        /* A virtual entry inside a segment's p_vaddr range is accepted. */
        e = build64(&im);
        e->e_entry = 0xffffffff81000010ull;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
}

static void test_note_errors(void) {
        struct image im;
        struct elf_kernel k;
        Elf64_Phdr *ph;
        size_t nlen;

        build64(&im);
        phdrs64(&im)[2].p_type = PT_NULL;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NO_PVH_NOTE);

        build64(&im);
        memcpy(im.b + NOTE_OFF + 12 + 8 + 12, "Xem", 4);        /* owner of the 2nd note */
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NO_PVH_NOTE);

        build64(&im);
        nlen = put_notes(im.b + NOTE_OFF, 2, PVH_ENTRY);
        phdrs64(&im)[2].p_filesz = nlen;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_PVH_NOTE_BAD_SIZE);

        build64(&im);
        nlen = put_notes(im.b + NOTE_OFF, 8, 0x100000000ull);
        phdrs64(&im)[2].p_filesz = nlen;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_PVH_ENTRY_ABOVE_4G);

        build64(&im);
        nlen = put_notes(im.b + NOTE_OFF, 4, 0x2000000);
        phdrs64(&im)[2].p_filesz = nlen;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_PVH_ENTRY_OUTSIDE_SEGMENTS);

        /* The Xen note's descriptor runs past the PT_NOTE segment. */
        build64(&im);
        ph = phdrs64(&im);
        ph[2].p_filesz -= 4;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NOTE_PAST_SEGMENT_END);
        CHECK_EQ(k.error_phdr, 2);

        /* A huge descsz must not wrap the arithmetic. */
        build64(&im);
        ((Elf32_Nhdr *)(im.b + NOTE_OFF))->n_descsz = 0xFFFFFFFFu;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NOTE_PAST_SEGMENT_END);

        build64(&im);
        ph = phdrs64(&im);
        ph[2].p_offset = IMG_SIZE - 8;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NOTE_OUTSIDE_FILE);
}

/* Moves build64()'s program header table to new_off (leaving the old
 * place zero) and gives it phnum entries, the new ones zero (PT_NULL). */
static Elf64_Phdr *move_phdrs64(struct image *im, uint64_t new_off, unsigned phnum) {
        Elf64_Ehdr *e = (Elf64_Ehdr *)im->b;
        Elf64_Phdr old[3];
        memcpy(old, im->b + e->e_phoff, sizeof(old));
        memset(im->b + e->e_phoff, 0, sizeof(old));
        memset(im->b + new_off, 0, phnum * sizeof(Elf64_Phdr));
        memcpy(im->b + new_off, old, sizeof(old));
        e->e_phoff = new_off;
        e->e_phnum = phnum;
        return (Elf64_Phdr *)(im->b + new_off);
}

static void test_good_records_notes(void) {
        struct image im;
        struct elf_kernel k;
        build64(&im);
        CHECK_EQ(elf_kernel_parse_layout(mem_read, &im, im.len, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.nr_notes, 1);
        CHECK_EQ(k.notes[0].file_offset, NOTE_OFF);
        CHECK_EQ(k.notes[0].file_size, phdrs64(&im)[2].p_filesz);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.nr_notes, 1);
        build32(&im);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.nr_notes, 1);
        CHECK_EQ(k.notes[0].file_offset, NOTE_OFF);
}

/* Two PT_LOADs that load the same file bytes, at different addresses. */
static void test_segment_files_overlap(void) {
        struct image im;
        struct elf_kernel k;
        Elf64_Phdr *ph;

        /* The data segment's file bytes start inside the text's
         * (text: file 0x1000..0x3000; data 0x3000..0x4000). */
        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_offset = 0x2FFF;
        ph[1].p_filesz = 0x1000;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENT_FILES_OVERLAP);
        CHECK_EQ(k.error_phdr, 1);
        CHECK_STR(elf_kernel_strerror(ELF_KERNEL_ERR_SEGMENT_FILES_OVERLAP),
                  "two PT_LOAD segments load the same file bytes; the file is corrupt");

        /* The same two ranges the other way round: the second is reported. */
        build64(&im);
        ph = phdrs64(&im);
        ph[0].p_offset = 0x3000;
        ph[0].p_filesz = 0x1000;
        ph[1].p_offset = 0x1000;
        ph[1].p_filesz = 0x2001;
        ph[1].p_memsz = 0x3000;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENT_FILES_OVERLAP);
        CHECK_EQ(k.error_phdr, 1);

        /* One range inside the other. */
        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_offset = 0x1800;
        ph[1].p_filesz = 0x10;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENT_FILES_OVERLAP);

        /* Adjacent ranges share no byte: the good image has them. */
        build64(&im);
        ph = phdrs64(&im);
        CHECK_EQ(ph[0].p_offset + ph[0].p_filesz, ph[1].p_offset);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);

        /* A segment with no file bytes (all .bss) reads nothing. */
        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_offset = 0x1800;
        ph[1].p_filesz = 0;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);

        /* Also when it comes first, its offset inside the other's bytes. */
        build64(&im);
        ph = phdrs64(&im);
        ph[0].p_offset = 0x3800;
        ph[0].p_filesz = 0;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);

        /* Nor does a PT_LOAD with p_memsz 0 (and so p_filesz 0). */
        build64(&im);
        ph = move_phdrs64(&im, 0x400, 4);
        ph[3] = (Elf64_Phdr){ PT_LOAD, PF_R, 0x1800, 0, TEXT_PADDR + 0x100000, 0, 0, 0x1000 };
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.nr_segments, 2);

        /* Physical overlap is still found first and named as such. */
        build64(&im);
        ph = phdrs64(&im);
        ph[1].p_offset = 0x1000;
        ph[1].p_paddr = TEXT_PADDR;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_SEGMENTS_OVERLAP);
}

static void test_phdrs_too_far(void) {
        static struct image im;
        struct elf_kernel k;
        const uint64_t table = 3 * sizeof(Elf64_Phdr);

        /* Ending exactly at 64 KiB is allowed ... */
        build64(&im);
        im.len = IMG_CAP;
        move_phdrs64(&im, ELF_KERNEL_HEADERS_MAX - table, 3);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);

        /* ... one byte further is not. */
        build64(&im);
        im.len = IMG_CAP;
        move_phdrs64(&im, ELF_KERNEL_HEADERS_MAX - table + 1, 3);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_PHDRS_TOO_FAR);
        CHECK_EQ(k.error_phdr, -1);
        CHECK_STR(elf_kernel_strerror(ELF_KERNEL_ERR_PHDRS_TOO_FAR),
                  "ELF program headers end past the first 64 KiB of the file");

        /* The layout alone refuses it too. */
        CHECK_EQ(elf_kernel_parse_layout(mem_read, &im, im.len, &k), ELF_KERNEL_ERR_PHDRS_TOO_FAR);

        /* Past 64 KiB and past the end of the file: the file error wins. */
        im.len = ELF_KERNEL_HEADERS_MAX;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE);

        /* ELF32 the same way, at the boundary. */
        build32(&im);
        im.len = IMG_CAP;
        {
                Elf32_Ehdr *e = (Elf32_Ehdr *)im.b;
                uint32_t end = ELF_KERNEL_HEADERS_MAX;
                memcpy(im.b + end - 2 * sizeof(Elf32_Phdr), im.b + e->e_phoff, 2 * sizeof(Elf32_Phdr));
                e->e_phoff = end - 2 * sizeof(Elf32_Phdr);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
                memmove(im.b + e->e_phoff + 1, im.b + e->e_phoff, 2 * sizeof(Elf32_Phdr));
                e->e_phoff += 1;
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_PHDRS_TOO_FAR);
        }
}

static void test_note_segments(void) {
        static struct image im;
        struct elf_kernel k;
        Elf64_Phdr *ph;
        uint64_t nlen;

        /* Eight PT_NOTEs with bytes (the same notes eight times) are fine,
         * and recorded in program header order. */
        build64(&im);
        ph = move_phdrs64(&im, 0x400, 2 + ELF_KERNEL_MAX_NOTE_SEGMENTS);
        nlen = ph[2].p_filesz;
        for (unsigned i = 3; i < 2 + ELF_KERNEL_MAX_NOTE_SEGMENTS; i++) {
                ph[i] = ph[2];
                ph[i].p_offset = NOTE_OFF + 12 + 8;     /* the Xen note alone */
                ph[i].p_filesz = nlen - 12 - 8;
        }
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.nr_notes, ELF_KERNEL_MAX_NOTE_SEGMENTS);
        CHECK_EQ(k.notes[0].file_offset, NOTE_OFF);
        CHECK_EQ(k.notes[0].file_size, nlen);
        CHECK_EQ(k.notes[7].file_offset, NOTE_OFF + 12 + 8);
        CHECK_EQ(k.notes[7].file_size, nlen - 12 - 8);

        /* A ninth. */
        build64(&im);
        ph = move_phdrs64(&im, 0x400, 3 + ELF_KERNEL_MAX_NOTE_SEGMENTS);
        for (unsigned i = 3; i < 3 + ELF_KERNEL_MAX_NOTE_SEGMENTS; i++)
                ph[i] = ph[2];
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_TOO_MANY_NOTE_SEGMENTS);
        CHECK_EQ(k.error_phdr, 2 + ELF_KERNEL_MAX_NOTE_SEGMENTS);
        /* ... unless it is empty: a PT_NOTE without file bytes is skipped. */
        ph[2 + ELF_KERNEL_MAX_NOTE_SEGMENTS].p_filesz = 0;
        ph[2 + ELF_KERNEL_MAX_NOTE_SEGMENTS].p_offset = UINT64_MAX;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.nr_notes, ELF_KERNEL_MAX_NOTE_SEGMENTS);

        /* 64 KiB of notes in all is allowed, one byte more is not. */
        build64(&im);
        im.len = IMG_CAP;
        ph = move_phdrs64(&im, 0x400, 4);
        nlen = ph[2].p_filesz;
        /* (zeros: a run of empty notes) */
        ph[3] = (Elf64_Phdr){ PT_NOTE, PF_R, 0x1000, 0, 0, ELF_KERNEL_NOTES_MAX - nlen,
                              ELF_KERNEL_NOTES_MAX - nlen, 4 };
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.nr_notes, 2);
        ph[3].p_filesz++;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NOTES_TOO_LARGE);
        CHECK_EQ(k.error_phdr, 3);
        /* A single PT_NOTE over 64 KiB. */
        ph[3].p_type = PT_NULL;
        ph[2].p_filesz = ELF_KERNEL_NOTES_MAX + 1;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NOTES_TOO_LARGE);
        CHECK_EQ(k.error_phdr, 2);
        /* A size that would wrap a running total, in a "file" as large
         * as qemu_kernel_is_pvh_headers_only() gives the layout check. */
        ph[2].p_filesz = nlen;
        ph[3] = (Elf64_Phdr){ PT_NOTE, PF_R, 0x10, 0, 0, UINT64_MAX - 0x10, UINT64_MAX - 0x10, 4 };
        CHECK_EQ(elf_kernel_parse_layout(mem_read, &im, UINT64_MAX, &k), ELF_KERNEL_ERR_NOTES_TOO_LARGE);
        CHECK_EQ(k.error_phdr, 3);

        /* Now a layout error: the notes are checked without reading them. */
        build64(&im);
        ph = phdrs64(&im);
        ph[2].p_offset = IMG_SIZE - 8;
        CHECK_EQ(elf_kernel_parse_layout(mem_read, &im, im.len, &k), ELF_KERNEL_ERR_NOTE_OUTSIDE_FILE);
        CHECK_EQ(k.error_phdr, 2);
        build64(&im);
        ph = phdrs64(&im);
        ph[2].p_offset = UINT64_MAX - 4;        /* offset + size wraps */
        CHECK_EQ(elf_kernel_parse_layout(mem_read, &im, im.len, &k), ELF_KERNEL_ERR_NOTE_OUTSIDE_FILE);

        CHECK_STR(elf_kernel_strerror(ELF_KERNEL_ERR_TOO_MANY_NOTE_SEGMENTS),
                  "ELF has more than 8 PT_NOTE segments");
        CHECK_STR(elf_kernel_strerror(ELF_KERNEL_ERR_NOTES_TOO_LARGE),
                  "ELF PT_NOTE segments hold more than 64 KiB together");
}

static void test_headers_end(void) {
        struct image im;
        uint64_t end;
        Elf64_Ehdr *e;
        Elf32_Ehdr *e32;

        /* The fixtures: header, then the table right after it. */
        build64(&im);
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr));
        build32(&im);
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, sizeof(Elf32_Ehdr) + 2 * sizeof(Elf32_Phdr));

        /* Exactly the header is enough; the table need not be in len. */
        build64(&im);
        CHECK_EQ(elf_kernel_headers_end(im.b, sizeof(Elf64_Ehdr), &end), 0);
        CHECK_EQ(end, sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr));
        CHECK_EQ(elf_kernel_headers_end(im.b, sizeof(Elf64_Ehdr) - 1, &end), -1);
        build32(&im);
        CHECK_EQ(elf_kernel_headers_end(im.b, sizeof(Elf32_Ehdr), &end), 0);
        CHECK_EQ(elf_kernel_headers_end(im.b, sizeof(Elf32_Ehdr) - 1, &end), -1);
        CHECK_EQ(elf_kernel_headers_end(im.b, EI_NIDENT - 1, &end), -1);
        CHECK_EQ(elf_kernel_headers_end(im.b, 0, &end), -1);

        /* Table after the header, far away. */
        e = build64(&im);
        e->e_phoff = 0x12345;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, 0x12345 + 3 * sizeof(Elf64_Phdr));

        /* Table before the header's end: the header's end counts. */
        e = build64(&im);
        e->e_phoff = 0;
        e->e_phnum = 1;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, sizeof(Elf64_Ehdr));
        e->e_phoff = 8;                         /* 8 + 56 = 64: still the header */
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, sizeof(Elf64_Ehdr));
        e->e_phoff = 9;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, 9 + sizeof(Elf64_Phdr));
        e32 = build32(&im);
        e32->e_phoff = 4;
        e32->e_phnum = 1;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, sizeof(Elf32_Ehdr));
        /* No table at all: the header. */
        e = build64(&im);
        e->e_phnum = 0;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, sizeof(Elf64_Ehdr));

        /* Largest fields: ELF32 phoff 4 GiB - 1 plus 65535 * 65535. */
        e32 = build32(&im);
        e32->e_phoff = UINT32_MAX;
        e32->e_phnum = UINT16_MAX;
        e32->e_phentsize = UINT16_MAX;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, (uint64_t)UINT32_MAX + (uint64_t)UINT16_MAX * UINT16_MAX);

        /* ELF64 phoff near 2^64: the end fits, just ... */
        e = build64(&im);
        e->e_phoff = UINT64_MAX - 3 * sizeof(Elf64_Phdr);
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, UINT64_MAX);
        e->e_phoff = UINT64_MAX - 3 * sizeof(Elf64_Phdr) - 1;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, UINT64_MAX - 1);
        /* ... or would wrap: reported as UINT64_MAX, past any file. */
        e->e_phoff = UINT64_MAX - 8;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, UINT64_MAX);
        e->e_phoff = UINT64_MAX;
        e->e_phnum = UINT16_MAX;
        e->e_phentsize = UINT16_MAX;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, UINT64_MAX);

        /* Not an ELF header it can read. */
        e = build64(&im);
        e->e_ident[EI_MAG3] = 'G';
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), -1);
        e = build64(&im);
        e->e_ident[EI_CLASS] = ELFCLASSNONE;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), -1);
        e = build64(&im);
        e->e_ident[EI_DATA] = ELFDATA2MSB;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), -1);
        /* Other fields are elf_kernel_parse()'s business. */
        e = build64(&im);
        e->e_machine = EM_AARCH64;
        e->e_phentsize = 1;
        CHECK_EQ(elf_kernel_headers_end(im.b, im.len, &end), 0);
        CHECK_EQ(end, sizeof(Elf64_Ehdr) + 3);
}

static void test_every_error_has_a_message(void) {
        for (int e = 0; e < ELF_KERNEL_ERR__MAX; e++)
                CHECK(strcmp(elf_kernel_strerror(e), "unknown error") != 0);
}

struct big {
        unsigned char b[0x10000];
        size_t len;
};

static int big_read(void *ctx, uint64_t off, void *buf, size_t len) {
        struct big *g = ctx;
        if (off > g->len || len > g->len - off)
                return -1;
        memcpy(buf, g->b + off, len);
        return 0;
}

/* QEMU's fw_cfg copy of a PVH ELF: the first 8 KiB, then as many bytes as
 * the segments span (0x1000000 .. 0x1007000 in the fixture). */
static void test_qemu_headers_only_layout(void) {
        static struct image im;
        static struct big g;
        build64(&im);
        memset(&g, 0, sizeof(g));
        memcpy(g.b, im.b, QEMU_KERNEL_SETUP_SIZE);
        g.len = QEMU_KERNEL_SETUP_SIZE + 0x7000;
        CHECK(qemu_kernel_is_pvh_headers_only(big_read, &g, g.len));
        CHECK(!qemu_kernel_is_pvh_headers_only(big_read, &g, g.len - 1));
        CHECK(!qemu_kernel_is_pvh_headers_only(big_read, &g, g.len + 0x1000));
        /* The real file is not mistaken for it. */
        CHECK(!qemu_kernel_is_pvh_headers_only(mem_read, &im, im.len));
        /* Nor is a non-ELF blob of that size. */
        g.b[0] = 'M';
        CHECK(!qemu_kernel_is_pvh_headers_only(big_read, &g, g.len));
}

/* The ELF header and program headers of QEMU's blob against a file's start:
 * equal when the file is the same, whatever follows the table. */
static void test_qemu_same_headers(void) {
        static struct image im, other;
        static unsigned char blob[QEMU_KERNEL_SETUP_SIZE], file[QEMU_KERNEL_SETUP_SIZE];
        size_t span;

        build64(&im);
        memcpy(blob, im.b, QEMU_KERNEL_SETUP_SIZE);
        memcpy(file, im.b, QEMU_KERNEL_SETUP_SIZE);
        span = qemu_kernel_header_span(blob, sizeof(blob));
        CHECK_EQ(span, sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr));
        CHECK(qemu_kernel_same_headers(blob, file, sizeof(blob)));
        /* QEMU's stack garbage after the table does not matter ... */
        memset(blob + span, 0x9d, sizeof(blob) - span);
        CHECK(qemu_kernel_same_headers(blob, file, sizeof(blob)));
        /* ... one byte of a program header does. */
        file[span - 1] ^= 1;
        CHECK(!qemu_kernel_same_headers(blob, file, sizeof(blob)));
        file[span - 1] ^= 1;
        file[0x18] ^= 1;                /* e_entry */
        CHECK(!qemu_kernel_same_headers(blob, file, sizeof(blob)));
        /* A blob that is no ELF, or whose table runs past len, matches nothing. */
        CHECK_EQ(qemu_kernel_header_span(blob, span - 1), 0);
        CHECK_EQ(qemu_kernel_header_span(blob, 10), 0);
        blob[EI_DATA] = ELFDATA2MSB;
        CHECK_EQ(qemu_kernel_header_span(blob, sizeof(blob)), 0);
        CHECK(!qemu_kernel_same_headers(blob, blob, sizeof(blob)));
        /* 32-bit kernels too. */
        build32(&other);
        CHECK_EQ(qemu_kernel_header_span(other.b, other.len), sizeof(Elf32_Ehdr) + 2 * sizeof(Elf32_Phdr));
        CHECK(qemu_kernel_same_headers(other.b, other.b, other.len));
        /* An overflowing table size (phnum * phentsize) is caught. */
        memcpy(blob, im.b, sizeof(Elf64_Ehdr));
        ((Elf64_Ehdr *)blob)->e_phoff = UINT64_MAX - 8;
        CHECK_EQ(qemu_kernel_header_span(blob, sizeof(blob)), 0);
}

/* --- XEN_ELFNOTE_PHYS32_RELOC (note 19) ------------------------------------ */

/* A note named name (4 bytes with the NUL), of type, with descsz bytes of
 * v (as far as v goes; the rest zero); returns its size. */
static size_t put_note(unsigned char *p, const char name[4], uint32_t type, uint32_t descsz, const uint32_t *v,
                       size_t nv) {
        Elf32_Nhdr nh = { 4, descsz, type };
        size_t n = 0;
        memcpy(p + n, &nh, sizeof(nh));
        n += sizeof(nh);
        memcpy(p + n, name, 4);
        n += 4;
        memset(p + n, 0, (descsz + 3) & ~3u);
        if (v)
                memcpy(p + n, v, nv * 4 < descsz ? nv * 4 : descsz);
        return n + ((descsz + 3) & ~3u);
}

/* build64() with a relocation note after its other notes. */
static void build64_reloc(struct image *im, uint32_t descsz, const uint32_t *v, size_t nv) {
        build64(im);
        Elf64_Phdr *ph = phdrs64(im);
        ph[2].p_filesz += put_note(im->b + NOTE_OFF + ph[2].p_filesz, "Xen", XEN_ELFNOTE_PHYS32_RELOC, descsz, v, nv);
        ph[2].p_memsz = ph[2].p_filesz;
}

static const uint32_t LINUX_RELOC[3] = { 0x200000, 0x1000000, 0x3fffffff };

static void test_reloc_note_good(void) {
        struct image im;
        struct elf_kernel k;

        /* No note: not relocatable; the image bounds are known anyway. */
        build64(&im);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK(!k.has_reloc);
        CHECK_EQ(k.reloc_align, 0);
        CHECK_EQ(k.image_start, TEXT_PADDR);
        CHECK_EQ(k.image_end, TEXT_PADDR + 0x7000);     /* data at +0x4000, 0x3000 bytes */

        /* What Linux 6.12+ emits (arch/x86/platform/pvh/head.S). */
        build64_reloc(&im, 12, LINUX_RELOC, 3);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK(k.has_reloc);
        CHECK_EQ(k.reloc_align, 0x200000);
        CHECK_EQ(k.reloc_min, 0x1000000);
        CHECK_EQ(k.reloc_max, 0x3fffffff);
        CHECK_EQ(k.pvh_entry, PVH_ENTRY);

        /* Fewer values: the defaults for the rest. */
        build64_reloc(&im, 8, LINUX_RELOC, 3);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.reloc_align, 0x200000);
        CHECK_EQ(k.reloc_min, 0x1000000);
        CHECK_EQ(k.reloc_max, 0xffffffff);
        {
                const uint32_t v[1] = { 0x1000 };
                build64_reloc(&im, 4, v, 1);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
                CHECK_EQ(k.reloc_align, 0x1000);
                CHECK_EQ(k.reloc_min, 0);
                CHECK_EQ(k.reloc_max, 0xffffffff);
        }

        /* No alignment in the note: the largest PT_LOAD p_align if >= 4 KiB ... */
        build64_reloc(&im, 0, NULL, 0);
        phdrs64(&im)[1].p_align = 0x200000 * 2;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK(k.has_reloc);
        CHECK_EQ(k.reloc_align, 0x400000);
        CHECK_EQ(k.reloc_min, 0);
        CHECK_EQ(k.reloc_max, 0xffffffff);
        build64_reloc(&im, 0, NULL, 0);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.reloc_align, 0x1000);                /* build64()'s p_align, exactly 4 KiB */
        /* ... else the default. */
        build64_reloc(&im, 0, NULL, 0);
        phdrs64(&im)[0].p_align = 0x800;
        phdrs64(&im)[1].p_align = 0;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.reloc_align, ELF_KERNEL_RELOC_DEFAULT_ALIGN);
        /* The PT_NOTE's p_align does not count. */
        build64_reloc(&im, 0, NULL, 0);
        phdrs64(&im)[2].p_align = 0x10000;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.reloc_align, 0x1000);

        /* min == max is a (tiny) window, not an error. */
        {
                const uint32_t v[3] = { 0x200000, 0x2000000, 0x2000000 };
                build64_reloc(&im, 12, v, 3);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
                CHECK_EQ(k.reloc_min, 0x2000000);
        }

        /* Another owner's note 19 is not Xen's. */
        build64(&im);
        {
                Elf64_Phdr *ph = phdrs64(&im);
                ph[2].p_filesz += put_note(im.b + NOTE_OFF + ph[2].p_filesz, "Xem", XEN_ELFNOTE_PHYS32_RELOC, 2,
                                           LINUX_RELOC, 3);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
                CHECK(!k.has_reloc);
        }

        /* The first relocation note counts; a second, even a bad one, is not read. */
        build64_reloc(&im, 12, LINUX_RELOC, 3);
        {
                Elf64_Phdr *ph = phdrs64(&im);
                ph[2].p_filesz += put_note(im.b + NOTE_OFF + ph[2].p_filesz, "Xen", XEN_ELFNOTE_PHYS32_RELOC, 2,
                                           LINUX_RELOC, 3);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
                CHECK_EQ(k.reloc_min, 0x1000000);
        }

        /* ELF32 too, the note before the PVH entry note. */
        build32(&im);
        {
                Elf32_Phdr *ph = (Elf32_Phdr *)(im.b + sizeof(Elf32_Ehdr));
                size_t n = put_note(im.b + NOTE_OFF, "Xen", XEN_ELFNOTE_PHYS32_RELOC, 12, LINUX_RELOC, 3);
                n += put_notes(im.b + NOTE_OFF + n, 4, PVH_ENTRY);
                ph[1].p_filesz = ph[1].p_memsz = n;
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
                CHECK(k.has_reloc);
                CHECK_EQ(k.reloc_max, 0x3fffffff);
                CHECK_EQ(k.pvh_entry, PVH_ENTRY);
                CHECK_EQ(k.image_start, TEXT_PADDR);
                CHECK_EQ(k.image_end, TEXT_PADDR + 0x2400);
        }
}

static void test_reloc_note_errors(void) {
        struct image im;
        struct elf_kernel k;

        /* Descriptor sizes other than 0, 4, 8, 12. */
        static const uint32_t bad_sizes[] = { 1, 2, 6, 11, 16, 0x100 };
        for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
                build64_reloc(&im, bad_sizes[i], LINUX_RELOC, 3);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_RELOC_NOTE_BAD_SIZE);
                CHECK_EQ(k.error_phdr, 2);
        }

        /* Alignment: zero, below 4 KiB, not a power of two. */
        static const uint32_t bad_aligns[] = { 0, 1, 0x800, 0x300000, 0x80000001u, 0xffffffffu };
        for (size_t i = 0; i < sizeof(bad_aligns) / sizeof(bad_aligns[0]); i++) {
                uint32_t v[3] = { bad_aligns[i], 0x1000000, 0x3fffffff };
                build64_reloc(&im, 12, v, 3);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_RELOC_BAD_ALIGN);
        }
        {
                uint32_t v[3] = { 0x80000000u, 0, 0xffffffffu };     /* 2 GiB is a power of two */
                build64_reloc(&im, 12, v, 3);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
                CHECK_EQ(k.reloc_align, 0x80000000u);
        }
        /* ... or from a PT_LOAD p_align that is not a power of two. */
        build64_reloc(&im, 0, NULL, 0);
        phdrs64(&im)[1].p_align = 0x3000;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_RELOC_BAD_ALIGN);

        /* Minimum above maximum. */
        {
                uint32_t v[3] = { 0x200000, 0x40000000, 0x3fffffff };
                build64_reloc(&im, 12, v, 3);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_RELOC_MIN_ABOVE_MAX);
        }

        /* The note's descriptor runs past its segment. */
        build64_reloc(&im, 12, LINUX_RELOC, 3);
        phdrs64(&im)[2].p_filesz -= 4;
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NOTE_PAST_SEGMENT_END);

        /* Without the PVH entry note, that error comes first. */
        build64(&im);
        {
                Elf64_Phdr *ph = phdrs64(&im);
                ph[2].p_filesz = put_note(im.b + NOTE_OFF, "Xen", XEN_ELFNOTE_PHYS32_RELOC, 12, LINUX_RELOC, 3);
                CHECK_EQ(parse(&im, &k), ELF_KERNEL_ERR_NO_PVH_NOTE);
        }

        CHECK_STR(elf_kernel_strerror(ELF_KERNEL_ERR_RELOC_NOTE_BAD_SIZE),
                  "relocation note (Xen ELF note 19) has a descriptor that is not 0, 4, 8 or 12 bytes; the file is corrupt");
        CHECK_STR(elf_kernel_strerror(ELF_KERNEL_ERR_RELOC_BAD_ALIGN),
                  "relocation alignment (Xen ELF note 19, or the largest PT_LOAD p_align) is not a power of two of at least 4 KiB; the file is corrupt");
        CHECK_STR(elf_kernel_strerror(ELF_KERNEL_ERR_RELOC_MIN_ABOVE_MAX),
                  "relocation note (Xen ELF note 19) has a minimum address above its maximum; the file is corrupt");
}

static void test_relocate(void) {
        struct image im;
        struct elf_kernel k, before;

        build64_reloc(&im, 12, LINUX_RELOC, 3);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        before = k;
        CHECK_EQ(elf_kernel_relocate(&k, 0x800000), 0);
        CHECK_EQ(k.segments[0].paddr, TEXT_PADDR + 0x800000);
        CHECK_EQ(k.segments[1].paddr, TEXT_PADDR + 0x4000 + 0x800000);
        CHECK_EQ(k.segments[0].file_offset, before.segments[0].file_offset);
        CHECK_EQ(k.segments[1].mem_size, before.segments[1].mem_size);
        CHECK_EQ(k.pvh_entry, PVH_ENTRY + 0x800000);
        CHECK_EQ(k.image_start, TEXT_PADDR + 0x800000);
        CHECK_EQ(k.image_end, before.image_end + 0x800000);
        /* And back down: a "negative" delta. */
        CHECK_EQ(elf_kernel_relocate(&k, (uint64_t)-0xA00000), 0);
        CHECK_EQ(k.segments[0].paddr, TEXT_PADDR - 0x200000);
        CHECK_EQ(k.pvh_entry, PVH_ENTRY - 0x200000);

        /* Refused, and nothing changed: not a multiple of the alignment ... */
        k = before;
        CHECK_EQ(elf_kernel_relocate(&k, 0x100000), -1);
        CHECK_EQ(elf_kernel_relocate(&k, (uint64_t)-0x100000), -1);
        /* ... below 0 ... */
        CHECK_EQ(elf_kernel_relocate(&k, (uint64_t)-0x1200000), -1);
        /* ... past 4 GiB, by one byte's worth of alignment ... */
        CHECK_EQ(elf_kernel_relocate(&k, 0x100000000ull - 0x200000 - TEXT_PADDR + 0x200000), -1);
        CHECK_EQ(memcmp(&k, &before, sizeof(k)), 0);
        /* ... while ending exactly at 4 GiB is fine (image 0x7000 bytes). */
        {
                uint64_t d = 0x100000000ull - 0x200000 - TEXT_PADDR;
                CHECK_EQ(elf_kernel_relocate(&k, d), 0);
                CHECK_EQ(k.image_start, 0xFFE00000u);
                k = before;
        }
        /* ... and a kernel without the note is never moved. */
        build64(&im);
        CHECK_EQ(parse(&im, &k), ELF_KERNEL_OK);
        CHECK_EQ(elf_kernel_relocate(&k, 0x200000), -1);
        CHECK_EQ(k.segments[0].paddr, TEXT_PADDR);
        CHECK_EQ(elf_kernel_relocate(&k, 0), -1);
}

int main(void) {
        RUN(test_good_elf64);
        RUN(test_good_elf32);
        RUN(test_good_8_byte_note);
        RUN(test_header_errors);
        RUN(test_truncated);
        RUN(test_segment_errors);
        RUN(test_note_errors);
        RUN(test_good_records_notes);
        RUN(test_segment_files_overlap);
        RUN(test_phdrs_too_far);
        RUN(test_note_segments);
        RUN(test_headers_end);
        RUN(test_every_error_has_a_message);
        RUN(test_qemu_headers_only_layout);
        RUN(test_qemu_same_headers);
        RUN(test_reloc_note_good);
        RUN(test_reloc_note_errors);
        RUN(test_relocate);
        return tl_summary("elf_kernel");
}
