/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "qemu_kernel.h"

struct header_only {
        elf_kernel_read_fn read;
        void *ctx;
};

static int read_header_only(void *ctx, uint64_t off, void *buf, size_t len) {
        const struct header_only *h = ctx;
        if (off > QEMU_KERNEL_SETUP_SIZE || len > QEMU_KERNEL_SETUP_SIZE - off)
                return -1;
        return h->read(h->ctx, off, buf, len);
}

bool qemu_kernel_is_pvh_headers_only(elf_kernel_read_fn read, void *ctx, uint64_t file_size) {
        struct header_only h = { read, ctx };
        struct elf_kernel layout;
        uint64_t low = UINT64_MAX, high = 0;

        /* Segment offsets refer to the original file, which is not here:
         * check the headers alone (file size "unbounded"). */
        if (file_size <= QEMU_KERNEL_SETUP_SIZE ||
            elf_kernel_parse_layout(read_header_only, &h, UINT64_MAX, &layout) != ELF_KERNEL_OK)
                return 0;
        for (unsigned i = 0; i < layout.nr_segments; i++) {
                const struct elf_kernel_segment *s = &layout.segments[i];
                /* The layout check keeps paddr + mem_size <= 4 GiB. */
                if (s->paddr < low)
                        low = s->paddr;
                if (s->paddr + s->mem_size > high)
                        high = s->paddr + s->mem_size;
        }
        return file_size - QEMU_KERNEL_SETUP_SIZE == high - low;
}

size_t qemu_kernel_header_span(const uint8_t *head, size_t len) {
        uint64_t end;

        if (elf_kernel_headers_end(head, len, &end) != 0 || end > len)
                return 0;
        return (size_t)end;
}

bool qemu_kernel_same_headers(const uint8_t *qemu_blob, const uint8_t *file_head, size_t len) {
        size_t span = qemu_kernel_header_span(qemu_blob, len);

        if (span == 0)
                return 0;
        for (size_t i = 0; i < span; i++)
                if (qemu_blob[i] != file_head[i])
                        return 0;
        return 1;
}
