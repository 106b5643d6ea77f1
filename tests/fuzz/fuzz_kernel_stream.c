/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the single-pass kernel read on arbitrary files. For a
 * file it accepts, with a source that answers consistently, loading the
 * planned runs must put exactly the file's bytes in every run, read no byte
 * twice, and hash to the SHA-256 of the whole file.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel_stream.h"

struct input {
        const uint8_t *data;
        size_t size;
        uint8_t *reads;         /* per byte */
};

static int fuzz_read(void *ctx, uint64_t off, void *buf, size_t len) {
        struct input *in = ctx;

        if (off > in->size || len > in->size - off)
                __builtin_trap();
        for (size_t i = 0; i < len; i++)
                if (in->reads[off + i]++)
                        __builtin_trap();       /* a byte read twice */
        memcpy(buf, in->data + off, len);
        return 0;
}

static struct kernel_stream stream;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct input in = { data, size, calloc(size + 1, 1) };
        static struct load_plan plan;
        struct elf_kernel k;
        uint8_t digest[SHA256_DIGEST_SIZE], want[SHA256_DIGEST_SIZE], bounce[512];
        struct sha256 h;

        if (kernel_stream_open(&stream, fuzz_read, &in, size, &k) != ELF_KERNEL_OK ||
            load_plan_build(&k, NULL, 0, &plan) != LOAD_PLAN_OK) {
                free(in.reads);
                return 0;
        }
        /* Segments share no file bytes, so their runs fit in the file. */
        for (unsigned i = 0; i < plan.nr_runs; i++)
                plan.runs[i].buf = malloc(plan.runs[i].len);
        if (kernel_stream_load(&stream, &plan, bounce, sizeof(bounce), digest) != 0)
                __builtin_trap();
        sha256_init(&h);
        sha256_update(&h, data, size);
        sha256_final(&h, want);
        if (memcmp(digest, want, sizeof(want)) != 0)
                __builtin_trap();
        for (unsigned i = 0; i < plan.nr_runs; i++) {
                if (memcmp(plan.runs[i].buf, data + plan.runs[i].file_offset, plan.runs[i].len) != 0)
                        __builtin_trap();
                free(plan.runs[i].buf);
        }
        for (size_t i = 0; i < size; i++)
                if (in.reads[i] != 1)
                        __builtin_trap();       /* hashing reads every byte */
        free(in.reads);
        return 0;
}
