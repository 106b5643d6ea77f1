/* SPDX-License-Identifier: MIT */
/*
 * Reading a kernel file so that what is checked, hashed and run are the same
 * bytes. A storage device (or a file system driver, or a network) may answer
 * two reads of the same bytes differently; a loader that parses the headers
 * from one read and hashes or loads them from another can be made to run
 * bytes that were never hashed, at an entry point it never checked. So:
 *
 *  - every byte of the file is read from the source at most once;
 *  - the ELF header, the program headers and the notes are read first and
 *    kept; the kernel is parsed from the kept bytes only;
 *  - the load then walks the file in order: kept bytes are copied from where
 *    they are kept, the rest is read once into its run's buffer (or, for
 *    bytes no segment loads, through a bounce buffer when hashing);
 *  - the SHA-256 covers the whole file in file order, fed with exactly the
 *    bytes that were parsed and loaded.
 *
 * Pure code over a read callback, tested on the host with sources that
 * change their answers between reads.
 */
#ifndef PVHBOOT_KERNEL_STREAM_H
#define PVHBOOT_KERNEL_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "elf_kernel.h"
#include "load_plan.h"
#include "sha256.h"

#define KERNEL_STREAM_KEPT_MAX (ELF_KERNEL_HEADERS_MAX + ELF_KERNEL_NOTES_MAX)
/* Disjoint kept ranges: the headers, and notes cut around what is kept. */
#define KERNEL_STREAM_MAX_RANGES (4u * (1u + ELF_KERNEL_MAX_NOTE_SEGMENTS))

struct kernel_stream {
        elf_kernel_read_fn read;
        void *ctx;
        uint64_t size;
        unsigned nr_kept;
        struct kernel_stream_range {
                uint64_t offset, len;
                size_t at;              /* where in bytes[] */
        } kept[KERNEL_STREAM_MAX_RANGES];               /* sorted, disjoint */
        size_t kept_bytes;
        uint8_t bytes[KERNEL_STREAM_KEPT_MAX];
};

/*
 * Read the headers and notes of the size-byte file behind read/ctx, keep
 * them, and parse the kernel from the kept bytes (elf_kernel_parse()).
 */
enum elf_kernel_error kernel_stream_open(struct kernel_stream *s, elf_kernel_read_fn read, void *ctx, uint64_t size,
                                         struct elf_kernel *k);

/*
 * Load the planned runs (each run's buf set) in file order. With digest,
 * also read the bytes that no run loads, through bounce (bounce_size > 0),
 * and write the SHA-256 of the whole file as read. Returns 0, or -1 when
 * the source failed.
 */
int kernel_stream_load(struct kernel_stream *s, const struct load_plan *plan, void *bounce, size_t bounce_size,
                       uint8_t digest[SHA256_DIGEST_SIZE]);

#endif
