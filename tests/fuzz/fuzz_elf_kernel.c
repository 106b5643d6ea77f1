/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the kernel ELF / PVH note parser on arbitrary files, the
 * end of the ELF and program headers, and the ELF header span pvhboot
 * compares for QEMU's -kernel blob. */
#include <stdint.h>
#include <string.h>

#include "elf_kernel.h"
#include "qemu_kernel.h"

struct input {
        const uint8_t *data;
        size_t size;
};

static int fuzz_read(void *ctx, uint64_t off, void *buf, size_t len) {
        const struct input *in = ctx;
        /* The parser promises never to ask for bytes past the file size. */
        if (off > in->size || len > in->size - off)
                __builtin_trap();
        memcpy(buf, in->data + off, len);
        return 0;
}

static int in_file(uint64_t off, uint64_t len, size_t size) {
        return !(off > size || len > size - off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct input in = { data, size };
        struct elf_kernel k;
        size_t span = qemu_kernel_header_span(data, size);
        uint64_t headers_end = 0;
        int have_end = elf_kernel_headers_end(data, size, &headers_end) == 0;

        if (span > size || (span && !qemu_kernel_same_headers(data, data, size)))
                __builtin_trap();
        /* The span is the headers' end whenever that lies in the input; an
         * ELF header is at least 52 bytes. */
        if (have_end && (headers_end < 52 || span != (headers_end <= size ? headers_end : 0)))
                __builtin_trap();
        if (!have_end && span != 0)
                __builtin_trap();
        if (elf_kernel_parse(fuzz_read, &in, size, &k) == ELF_KERNEL_OK) {
                uint64_t note_bytes = 0;

                /* What a successful parse promises the loader: headers
                 * readable from the first 64 KiB ... */
                if (!have_end || headers_end > ELF_KERNEL_HEADERS_MAX || headers_end > size)
                        __builtin_trap();
                /* ... PT_LOADs in the file, below 4 GiB, no file byte twice ... */
                if (k.nr_segments == 0 || k.nr_segments > ELF_KERNEL_MAX_SEGMENTS)
                        __builtin_trap();
                for (unsigned i = 0; i < k.nr_segments; i++) {
                        const struct elf_kernel_segment *s = &k.segments[i];
                        if (s->file_size > s->mem_size || !in_file(s->file_offset, s->file_size, size) ||
                            s->paddr + s->mem_size > 0x100000000ull)
                                __builtin_trap();
                        for (unsigned j = 0; j < i; j++) {
                                const struct elf_kernel_segment *t = &k.segments[j];
                                if (s->file_size && t->file_size &&
                                    s->file_offset < t->file_offset + t->file_size &&
                                    t->file_offset < s->file_offset + s->file_size)
                                        __builtin_trap();
                        }
                }
                /* ... and few, small notes in the file. */
                if (k.nr_notes > ELF_KERNEL_MAX_NOTE_SEGMENTS)
                        __builtin_trap();
                for (unsigned i = 0; i < k.nr_notes; i++) {
                        if (k.notes[i].file_size == 0 || !in_file(k.notes[i].file_offset, k.notes[i].file_size, size))
                                __builtin_trap();
                        note_bytes += k.notes[i].file_size;
                }
                if (note_bytes > ELF_KERNEL_NOTES_MAX)
                        __builtin_trap();
        }
        return 0;
}
