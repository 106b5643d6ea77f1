/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the kernel ELF / PVH note parser on arbitrary files
 * (relocation note and elf_kernel_relocate() included), the end of the ELF
 * and program headers, and the ELF header span pvhboot compares for QEMU's
 * -kernel blob. */
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

/* Whether some segment holds addr. */
static int in_segments(const struct elf_kernel *k, uint64_t addr) {
        for (unsigned i = 0; i < k->nr_segments; i++)
                if (addr >= k->segments[i].paddr && addr - k->segments[i].paddr < k->segments[i].mem_size)
                        return 1;
        return 0;
}

/* The image bounds, the relocation note's promises (elf_kernel.h), and a
 * move by a delta taken from the input's last bytes: done right, or
 * refused with nothing changed. */
static void check_image_and_reloc(const struct elf_kernel *k, const uint8_t *data, size_t size) {
        uint64_t lo = UINT64_MAX, hi = 0, delta = 0;
        struct elf_kernel m;

        for (unsigned i = 0; i < k->nr_segments; i++) {
                const struct elf_kernel_segment *s = &k->segments[i];
                lo = s->paddr < lo ? s->paddr : lo;
                hi = s->paddr + s->mem_size > hi ? s->paddr + s->mem_size : hi;
        }
        if (k->image_start != lo || k->image_end != hi || !in_segments(k, k->pvh_entry))
                __builtin_trap();
        if (k->has_reloc) {
                if (k->reloc_align < ELF_KERNEL_RELOC_MIN_ALIGN || (k->reloc_align & (k->reloc_align - 1)) ||
                    k->reloc_min > k->reloc_max)
                        __builtin_trap();
        } else if (k->reloc_align || k->reloc_min || k->reloc_max)
                __builtin_trap();

        memcpy(&delta, data + size - (size < 8 ? size : 8), size < 8 ? size : 8);
        for (int aligned = 0; aligned < 2; aligned++) {
                uint64_t d = aligned && k->has_reloc ? delta & ~(k->reloc_align - 1) : delta;
                m = *k;
                if (elf_kernel_relocate(&m, d) != 0) {
                        if (memcmp(&m, k, sizeof(m)) != 0)
                                __builtin_trap();
                        continue;
                }
                if (!k->has_reloc || (d & (k->reloc_align - 1)) || m.image_end > 0x100000000ull ||
                    m.image_start != k->image_start + d || m.image_end - m.image_start != hi - lo ||
                    m.pvh_entry != (uint32_t)(k->pvh_entry + d) || !in_segments(&m, m.pvh_entry))
                        __builtin_trap();
                for (unsigned i = 0; i < k->nr_segments; i++)
                        if (m.segments[i].paddr != k->segments[i].paddr + d ||
                            m.segments[i].paddr + m.segments[i].mem_size > m.image_end ||
                            m.segments[i].paddr < m.image_start)
                                __builtin_trap();
        }
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
                check_image_and_reloc(&k, data, size);
        }
        return 0;
}
