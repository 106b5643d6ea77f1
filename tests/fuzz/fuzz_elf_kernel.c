/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the kernel ELF / PVH note parser on arbitrary files, and
 * the ELF header span pvhboot compares for QEMU's -kernel blob. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct input in = { data, size };
        struct elf_kernel k;
        size_t span = qemu_kernel_header_span(data, size);

        if (span > size || (span && !qemu_kernel_same_headers(data, data, size)))
                __builtin_trap();
        if (elf_kernel_parse(fuzz_read, &in, size, &k) == ELF_KERNEL_OK) {
                /* What a successful parse promises the loader. */
                if (k.nr_segments == 0 || k.nr_segments > ELF_KERNEL_MAX_SEGMENTS)
                        __builtin_trap();
                for (unsigned i = 0; i < k.nr_segments; i++) {
                        const struct elf_kernel_segment *s = &k.segments[i];
                        if (s->file_size > s->mem_size || s->file_offset > size ||
                            s->file_size > size - s->file_offset || s->paddr + s->mem_size > 0x100000000ull)
                                __builtin_trap();
                }
        }
        return 0;
}
