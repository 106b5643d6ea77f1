/* SPDX-License-Identifier: MIT */
#include "kernel_stream.h"

/* The first kept range that ends after off (nr_kept if none). */
static unsigned kept_after(const struct kernel_stream *s, uint64_t off) {
        unsigned i = 0;
        while (i < s->nr_kept && s->kept[i].offset + s->kept[i].len <= off)
                i++;
        return i;
}

/*
 * The file's bytes [off, off + len) as pvhboot sees them: kept bytes copied
 * from where they were kept, the others read from the source (when
 * may_read; the parser sees kept bytes only). Callers ask for each byte that
 * is not kept at most once.
 */
static int fetch(struct kernel_stream *s, uint64_t off, uint8_t *dst, uint64_t len, bool may_read) {
        while (len > 0) {
                unsigned i = kept_after(s, off);
                uint64_t n = len;

                if (i < s->nr_kept && s->kept[i].offset <= off) {
                        const struct kernel_stream_range *r = &s->kept[i];
                        if (r->offset + r->len - off < n)
                                n = r->offset + r->len - off;
                        __builtin_memcpy(dst, s->bytes + r->at + (off - r->offset), n);
                } else {
                        if (!may_read)
                                return -1;
                        if (i < s->nr_kept && s->kept[i].offset - off < n)
                                n = s->kept[i].offset - off;
                        if (s->read(s->ctx, off, dst, n) != 0)
                                return -1;
                }
                off += n;
                dst += n;
                len -= n;
        }
        return 0;
}

static int read_kept(void *ctx, uint64_t off, void *buf, size_t len) {
        return fetch(ctx, off, buf, len, false);
}

/* Keep [off, off + len) (inside the file): what is not kept yet is read
 * once, into new ranges in offset order. */
static int keep(struct kernel_stream *s, uint64_t off, uint64_t len) {
        uint64_t end = off + len;

        while (off < end) {
                unsigned i = kept_after(s, off);
                uint64_t piece_end = end;

                if (i < s->nr_kept && s->kept[i].offset <= off) {
                        off = s->kept[i].offset + s->kept[i].len;
                        continue;
                }
                if (i < s->nr_kept && s->kept[i].offset < end)
                        piece_end = s->kept[i].offset;
                if (s->nr_kept == KERNEL_STREAM_MAX_RANGES || piece_end - off > KERNEL_STREAM_KEPT_MAX - s->kept_bytes)
                        return -1;
                if (s->read(s->ctx, off, s->bytes + s->kept_bytes, piece_end - off) != 0)
                        return -1;
                for (unsigned j = s->nr_kept; j > i; j--)
                        s->kept[j] = s->kept[j - 1];
                s->kept[i] = (struct kernel_stream_range){ off, piece_end - off, s->kept_bytes };
                s->nr_kept++;
                s->kept_bytes += piece_end - off;
                off = piece_end;
        }
        return 0;
}

enum elf_kernel_error kernel_stream_open(struct kernel_stream *s, elf_kernel_read_fn read, void *ctx, uint64_t size,
                                         struct elf_kernel *k) {
        uint64_t first = size < 64 ? size : 64, headers_end;
        enum elf_kernel_error err;

        s->read = read;
        s->ctx = ctx;
        s->size = size;
        s->nr_kept = 0;
        s->kept_bytes = 0;

        /* The ELF header says where the program headers end. Where it
         * cannot be read, the parse below says why. */
        if (keep(s, 0, first) != 0)
                return ELF_KERNEL_ERR_READ;
        if (elf_kernel_headers_end(s->bytes, first, &headers_end) == 0 && headers_end > first &&
            headers_end <= size && headers_end <= ELF_KERNEL_HEADERS_MAX && keep(s, first, headers_end - first) != 0)
                return ELF_KERNEL_ERR_READ;

        /* The program headers name the notes. */
        err = elf_kernel_parse_layout(read_kept, s, size, k);
        if (err)
                return err;
        for (unsigned i = 0; i < k->nr_notes; i++)
                if (keep(s, k->notes[i].file_offset, k->notes[i].file_size) != 0)
                        return ELF_KERNEL_ERR_READ;
        return elf_kernel_parse(read_kept, s, size, k);
}

/* Hash the bytes [from, to) that no run loads, through the bounce buffer. */
static int hash_gap(struct kernel_stream *s, struct sha256 *h, uint64_t from, uint64_t to, uint8_t *bounce,
                    size_t bounce_size) {
        while (from < to) {
                uint64_t n = to - from < bounce_size ? to - from : bounce_size;
                if (fetch(s, from, bounce, n, true) != 0)
                        return -1;
                sha256_update(h, bounce, n);
                from += n;
        }
        return 0;
}

int kernel_stream_load(struct kernel_stream *s, const struct load_plan *plan, void *bounce, size_t bounce_size,
                       uint8_t digest[SHA256_DIGEST_SIZE]) {
        struct sha256 h;
        uint64_t pos = 0;

        if (digest && (!bounce || bounce_size == 0))
                return -1;
        sha256_init(&h);
        for (unsigned i = 0; i < plan->nr_runs; i++) {
                const struct load_run *r = &plan->runs[i];

                /* Runs come in file order and never share bytes. */
                if (r->file_offset < pos || r->file_offset > s->size || r->len > s->size - r->file_offset)
                        return -1;
                if (digest && hash_gap(s, &h, pos, r->file_offset, bounce, bounce_size) != 0)
                        return -1;
                if (fetch(s, r->file_offset, r->buf, r->len, true) != 0)
                        return -1;
                if (digest)
                        sha256_update(&h, r->buf, r->len);
                pos = r->file_offset + r->len;
        }
        if (digest) {
                if (hash_gap(s, &h, pos, s->size, bounce, bounce_size) != 0)
                        return -1;
                sha256_final(&h, digest);
        }
        return 0;
}
