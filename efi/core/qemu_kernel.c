/* SPDX-License-Identifier: MIT */
#include <elf.h>

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

int qemu_kernel_is_pvh_headers_only(elf_kernel_read_fn read, void *ctx, uint64_t file_size) {
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
        uint64_t phoff;
        uint32_t table;

        if (len < EI_NIDENT || head[EI_MAG0] != ELFMAG0 || head[EI_MAG1] != ELFMAG1 || head[EI_MAG2] != ELFMAG2 ||
            head[EI_MAG3] != ELFMAG3 || head[EI_DATA] != ELFDATA2LSB)
                return 0;
        if (head[EI_CLASS] == ELFCLASS64) {
                Elf64_Ehdr e;
                if (len < sizeof(e))
                        return 0;
                __builtin_memcpy(&e, head, sizeof(e));
                phoff = e.e_phoff;
                table = (uint32_t)e.e_phnum * e.e_phentsize;
        } else if (head[EI_CLASS] == ELFCLASS32) {
                Elf32_Ehdr e;
                if (len < sizeof(e))
                        return 0;
                __builtin_memcpy(&e, head, sizeof(e));
                phoff = e.e_phoff;
                table = (uint32_t)e.e_phnum * e.e_phentsize;
        } else {
                return 0;
        }
        if (table == 0 || phoff > len || table > len - phoff)
                return 0;
        return (size_t)(phoff + table);
}

int qemu_kernel_same_headers(const uint8_t *qemu_blob, const uint8_t *file_head, size_t len) {
        size_t span = qemu_kernel_header_span(qemu_blob, len);

        if (span == 0)
                return 0;
        for (size_t i = 0; i < span; i++)
                if (qemu_blob[i] != file_head[i])
                        return 0;
        return 1;
}
