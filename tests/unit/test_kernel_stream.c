/* SPDX-License-Identifier: MIT */
/*
 * The single-pass kernel read (defect: header TOCTOU). The sources here
 * answer a second read of any byte differently from the first, as a
 * hostile or failing storage device may: whatever pvhboot parses, hashes
 * and loads must still be one and the same set of bytes.
 */
#include <elf.h>
#include <string.h>

#include "elf_image.h"
#include "kernel_stream.h"
#include "pvh_start_info.h"
#include "testlib.h"

#define FILE_SIZE 0x3000
#define TEXT_OFF 0x1000
#define TEXT_LEN 0x1000
#define DATA_OFF 0x2000
#define DATA_LEN 0x800
#define NOTE_OFF 0x2800         /* in no PT_LOAD: a gap byte range */
#define TEXT_PADDR 0x1000000u

struct image {
        uint8_t b[FILE_SIZE];
};

/* An ELF64 kernel: text and data PT_LOADs, a PT_NOTE with the PVH entry;
 * note_inside_data puts the note inside the data segment, as vmlinux has it. */
static void build(struct image *im, uint32_t pvh_entry, uint8_t fill, int note_inside_data) {
        Elf64_Ehdr *e = (Elf64_Ehdr *)im->b;
        Elf64_Phdr *ph = (Elf64_Phdr *)(im->b + sizeof(*e));
        uint64_t note_off = note_inside_data ? DATA_OFF + 0x100 : NOTE_OFF;
        Elf64_Nhdr nh = { 4, 4, XEN_ELFNOTE_PHYS32_ENTRY };

        memset(im, 0, sizeof(*im));
        memset(im->b + TEXT_OFF, fill, TEXT_LEN);
        memset(im->b + DATA_OFF, fill ^ 0x5a, DATA_LEN);
        elf64_header_init(e, TEXT_PADDR, 3);
        ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = TEXT_OFF, .p_vaddr = TEXT_PADDR, .p_paddr = TEXT_PADDR,
                              .p_filesz = TEXT_LEN, .p_memsz = TEXT_LEN, .p_align = 0x1000 };
        ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = DATA_OFF, .p_vaddr = TEXT_PADDR + 0x1000,
                              .p_paddr = TEXT_PADDR + 0x1000, .p_filesz = DATA_LEN, .p_memsz = 0x2000,
                              .p_align = 0x1000 };
        ph[2] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = note_off, .p_filesz = 20, .p_align = 4 };
        memcpy(im->b + note_off, &nh, sizeof(nh));
        memcpy(im->b + note_off + sizeof(nh), "Xen", 4);
        memcpy(im->b + note_off + sizeof(nh) + 4, &pvh_entry, 4);
}

/* Serves `first` on a byte's first read and `later` on every other one,
 * and counts reads per byte. */
struct changing_source {
        const struct image *first, *later;
        unsigned reads[FILE_SIZE];
        int fail_at;            /* offset whose read fails, or -1 */
};

static int changing_read(void *ctx, uint64_t off, void *buf, size_t len) {
        struct changing_source *src = ctx;
        uint8_t *out = buf;

        if (off > FILE_SIZE || len > FILE_SIZE - off)
                return -1;
        if (src->fail_at >= 0 && (uint64_t)src->fail_at >= off && (uint64_t)src->fail_at - off < len)
                return -1;
        for (size_t i = 0; i < len; i++) {
                out[i] = src->reads[off + i] ? src->later->b[off + i] : src->first->b[off + i];
                src->reads[off + i]++;
        }
        return 0;
}

static struct kernel_stream stream;
static uint8_t text[TEXT_LEN], data[DATA_LEN], bounce[0x300];

static void plan_for(struct load_plan *p, const struct elf_kernel *k) {
        CHECK_EQ(load_plan_build(k, NULL, 0, p), LOAD_PLAN_OK);
        CHECK_EQ(p->nr_runs, 2);
        p->runs[0].buf = text;
        p->runs[1].buf = data;
}

static unsigned max_reads(const struct changing_source *src) {
        unsigned m = 0;
        for (size_t i = 0; i < FILE_SIZE; i++)
                if (src->reads[i] > m)
                        m = src->reads[i];
        return m;
}

static void digest_of(const struct image *im, uint8_t out[SHA256_DIGEST_SIZE]) {
        struct sha256 h;
        sha256_init(&h);
        sha256_update(&h, im->b, FILE_SIZE);
        sha256_final(&h, out);
}

/* Whatever runs is what was parsed and hashed: the first answers. */
static void check_one_pass(int note_inside_data) {
        static struct image good, evil;
        static struct changing_source src;
        struct elf_kernel k;
        struct load_plan p;
        uint8_t digest[SHA256_DIGEST_SIZE], want[SHA256_DIGEST_SIZE];

        build(&good, TEXT_PADDR + 0x10, 0x11, note_inside_data);
        build(&evil, TEXT_PADDR + 0x20, 0x66, note_inside_data);
        src = (struct changing_source){ .first = &good, .later = &evil, .fail_at = -1 };

        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_OK);
        CHECK_EQ(k.pvh_entry, TEXT_PADDR + 0x10);
        plan_for(&p, &k);
        CHECK_EQ(kernel_stream_load(&stream, &p, bounce, sizeof(bounce), digest), 0);
        digest_of(&good, want);
        CHECK(memcmp(digest, want, sizeof(want)) == 0);
        CHECK(memcmp(text, good.b + TEXT_OFF, TEXT_LEN) == 0);
        CHECK(memcmp(data, good.b + DATA_OFF, DATA_LEN) == 0);
        /* Every byte of the file read, and none twice. */
        CHECK_EQ(max_reads(&src), 1);
        for (size_t i = 0; i < FILE_SIZE; i++)
                if (src.reads[i] != 1) {
                        CHECK_EQ(src.reads[i], 1);
                        break;
                }
}

static void test_note_in_gap(void) {
        check_one_pass(0);
}

static void test_note_inside_loaded_segment(void) {
        check_one_pass(1);
}

/* A source that is evil from its second answer on: a loader that parsed
 * the headers, then read them again for the hash would hash the evil
 * headers and run at an entry it never hashed. Here the evil bytes are
 * never even seen. */
static void test_second_answers_never_used(void) {
        static struct image good, evil;
        static struct changing_source src;
        struct elf_kernel k;
        struct load_plan p;
        uint8_t digest[SHA256_DIGEST_SIZE], evil_digest[SHA256_DIGEST_SIZE];

        build(&good, TEXT_PADDR + 0x10, 0x11, 1);
        build(&evil, TEXT_PADDR + 0x20, 0x66, 1);
        src = (struct changing_source){ .first = &good, .later = &evil, .fail_at = -1 };
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_OK);
        plan_for(&p, &k);
        CHECK_EQ(kernel_stream_load(&stream, &p, bounce, sizeof(bounce), digest), 0);
        digest_of(&evil, evil_digest);
        CHECK(memcmp(digest, evil_digest, sizeof(digest)) != 0);
        CHECK(memchr(data, 0x66 ^ 0x5a, DATA_LEN) == NULL);
        CHECK(memchr(text, 0x66, TEXT_LEN) == NULL);
}

/* Without a digest the bytes no segment loads are not read at all; the
 * kept headers and note are copied into the segments, not read again. */
static void test_no_hash_reads_only_what_loads(void) {
        static struct image good;
        static struct changing_source src;
        struct elf_kernel k;
        struct load_plan p;

        build(&good, TEXT_PADDR + 0x10, 0x11, 1);
        src = (struct changing_source){ .first = &good, .later = &good, .fail_at = -1 };
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_OK);
        plan_for(&p, &k);
        CHECK_EQ(kernel_stream_load(&stream, &p, NULL, 0, NULL), 0);
        CHECK_EQ(max_reads(&src), 1);
        CHECK_EQ(src.reads[0x800], 0);          /* between the headers and the text */
        CHECK_EQ(src.reads[DATA_OFF + DATA_LEN + 0x10], 0);
        CHECK_EQ(src.reads[DATA_OFF + 0x100], 1);       /* the note */
        CHECK(memcmp(data, good.b + DATA_OFF, DATA_LEN) == 0);
}

/* A PT_LOAD at file offset 0 carries the ELF headers: they were kept
 * when parsed and are copied into the segment, not read twice. */
static void test_segment_over_headers(void) {
        static struct image good, evil;
        static struct changing_source src;
        static uint8_t first_page[TEXT_OFF];
        struct elf_kernel k;
        struct load_plan p;
        uint8_t digest[SHA256_DIGEST_SIZE], want[SHA256_DIGEST_SIZE];

        build(&good, TEXT_PADDR + 0x10, 0x11, 1);
        build(&evil, TEXT_PADDR + 0x10, 0x66, 1);
        /* The text segment starts at the file's first byte. */
        ((Elf64_Phdr *)(good.b + sizeof(Elf64_Ehdr)))[0].p_offset = 0;
        ((Elf64_Phdr *)(good.b + sizeof(Elf64_Ehdr)))[0].p_filesz = TEXT_OFF;
        ((Elf64_Phdr *)(good.b + sizeof(Elf64_Ehdr)))[0].p_memsz = TEXT_OFF;
        memcpy(evil.b, good.b, TEXT_OFF);
        evil.b[2] ^= 0xff;
        src = (struct changing_source){ .first = &good, .later = &evil, .fail_at = -1 };
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_OK);
        CHECK_EQ(load_plan_build(&k, NULL, 0, &p), LOAD_PLAN_OK);
        CHECK_EQ(p.runs[0].file_offset, 0);
        p.runs[0].buf = first_page;
        p.runs[1].buf = data;
        CHECK_EQ(kernel_stream_load(&stream, &p, bounce, sizeof(bounce), digest), 0);
        CHECK(memcmp(first_page, good.b, TEXT_OFF) == 0);
        digest_of(&good, want);
        CHECK(memcmp(digest, want, sizeof(want)) == 0);
        CHECK_EQ(max_reads(&src), 1);
}

static void test_read_failures(void) {
        static struct image good;
        static struct changing_source src;
        struct elf_kernel k;
        struct load_plan p;
        uint8_t digest[SHA256_DIGEST_SIZE];

        build(&good, TEXT_PADDR + 0x10, 0x11, 0);
        src = (struct changing_source){ .first = &good, .later = &good, .fail_at = 0x40 };
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_ERR_READ);
        src = (struct changing_source){ .first = &good, .later = &good, .fail_at = NOTE_OFF + 4 };
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_ERR_READ);

        src = (struct changing_source){ .first = &good, .later = &good, .fail_at = DATA_OFF + 7 };
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_OK);
        plan_for(&p, &k);
        CHECK_EQ(kernel_stream_load(&stream, &p, bounce, sizeof(bounce), digest), -1);
        /* A gap byte fails only when hashing reads it. */
        src = (struct changing_source){ .first = &good, .later = &good, .fail_at = 0x900 };
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_OK);
        plan_for(&p, &k);
        CHECK_EQ(kernel_stream_load(&stream, &p, NULL, 0, NULL), 0);
        memset(src.reads, 0, sizeof(src.reads));
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_OK);
        CHECK_EQ(kernel_stream_load(&stream, &p, bounce, sizeof(bounce), digest), -1);
        /* Hashing needs somewhere to read the gaps into. */
        CHECK_EQ(kernel_stream_load(&stream, &p, NULL, 0, digest), -1);
}

/* Errors found in the headers come out of the parse, from kept bytes. */
static void test_bad_kernel_is_refused(void) {
        static struct image bad;
        static struct changing_source src;
        struct elf_kernel k;

        build(&bad, 0x40000000u, 0x11, 0);      /* entry outside every segment */
        src = (struct changing_source){ .first = &bad, .later = &bad, .fail_at = -1 };
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k),
                 ELF_KERNEL_ERR_PVH_ENTRY_OUTSIDE_SEGMENTS);
        bad.b[0] = 'X';
        memset(src.reads, 0, sizeof(src.reads));
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, FILE_SIZE, &k), ELF_KERNEL_ERR_BAD_MAGIC);
        CHECK_EQ(kernel_stream_open(&stream, changing_read, &src, 10, &k), ELF_KERNEL_ERR_TRUNCATED_HEADER);
}

int main(void) {
        RUN(test_note_in_gap);
        RUN(test_note_inside_loaded_segment);
        RUN(test_second_answers_never_used);
        RUN(test_no_hash_reads_only_what_loads);
        RUN(test_segment_over_headers);
        RUN(test_read_failures);
        RUN(test_bad_kernel_is_refused);
        return tl_summary("kernel_stream");
}
