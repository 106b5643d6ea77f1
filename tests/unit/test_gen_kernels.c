/* SPDX-License-Identifier: MIT */
/*
 * The kernels tests/gen_bad_kernels.py generates (a good PVH ELF and one
 * broken field per variant) give exactly the error its manifest names, and
 * the reason the integration test looks for (tests/integration/
 * test_bad_kernels.py) is part of that error's message.
 *
 * PVHBOOT_GEN_KERNELS_DIR: a directory the generator already wrote.
 * Without it the test runs the generator (python3) into a temporary
 * directory; without python3 it passes with a notice.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_kernel.h"
#include "testlib.h"

#define GEN "tests/gen_bad_kernels.py"
#define PYTHON "/usr/bin/python3"

static const char *const error_names[ELF_KERNEL_ERR__MAX] = {
#define N(e) [e] = #e
        N(ELF_KERNEL_OK), N(ELF_KERNEL_ERR_READ), N(ELF_KERNEL_ERR_TRUNCATED_HEADER),
        N(ELF_KERNEL_ERR_BAD_MAGIC), N(ELF_KERNEL_ERR_BAD_CLASS), N(ELF_KERNEL_ERR_BAD_ENDIAN),
        N(ELF_KERNEL_ERR_BAD_VERSION), N(ELF_KERNEL_ERR_BAD_MACHINE), N(ELF_KERNEL_ERR_BAD_TYPE),
        N(ELF_KERNEL_ERR_BAD_PHENTSIZE), N(ELF_KERNEL_ERR_NO_PHDRS), N(ELF_KERNEL_ERR_TOO_MANY_PHDRS),
        N(ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE), N(ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE),
        N(ELF_KERNEL_ERR_FILESZ_GT_MEMSZ), N(ELF_KERNEL_ERR_SEGMENT_ABOVE_4G),
        N(ELF_KERNEL_ERR_SEGMENTS_OVERLAP), N(ELF_KERNEL_ERR_TOO_MANY_SEGMENTS),
        N(ELF_KERNEL_ERR_NO_LOAD_SEGMENTS), N(ELF_KERNEL_ERR_ENTRY_OUTSIDE_SEGMENTS),
        N(ELF_KERNEL_ERR_NOTE_OUTSIDE_FILE), N(ELF_KERNEL_ERR_NOTE_PAST_SEGMENT_END),
        N(ELF_KERNEL_ERR_NO_PVH_NOTE), N(ELF_KERNEL_ERR_PVH_NOTE_BAD_SIZE),
        N(ELF_KERNEL_ERR_PVH_ENTRY_ABOVE_4G), N(ELF_KERNEL_ERR_PVH_ENTRY_OUTSIDE_SEGMENTS),
        N(ELF_KERNEL_ERR_SEGMENT_FILES_OVERLAP), N(ELF_KERNEL_ERR_PHDRS_TOO_FAR),
        N(ELF_KERNEL_ERR_TOO_MANY_NOTE_SEGMENTS), N(ELF_KERNEL_ERR_NOTES_TOO_LARGE),
        N(ELF_KERNEL_ERR_RELOC_NOTE_BAD_SIZE), N(ELF_KERNEL_ERR_RELOC_BAD_ALIGN),
        N(ELF_KERNEL_ERR_RELOC_MIN_ABOVE_MAX),
#undef N
};

struct blob {
        unsigned char *b;
        size_t len;
        int out_of_bounds_read;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len) {
        struct blob *im = ctx;
        if (off > im->len || len > im->len - off) {
                im->out_of_bounds_read = 1;
                return -1;
        }
        memcpy(buf, im->b + off, len);
        return 0;
}

static int read_file(const char *path, struct blob *out) {
        FILE *f = fopen(path, "rb");
        long n;
        if (!f)
                return -1;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        out->b = malloc(n > 0 ? (size_t)n : 1);
        out->len = (size_t)n;
        out->out_of_bounds_read = 0;
        if (!out->b || (n > 0 && fread(out->b, 1, (size_t)n, f) != (size_t)n)) {
                fclose(f);
                free(out->b);
                return -1;
        }
        fclose(f);
        return 0;
}

static int check_file(const char *dir, const char *file, const char *want_name, const char *reason) {
        char path[4096];
        struct blob im;
        struct elf_kernel k;
        enum elf_kernel_error got;

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        tl_current = file;
        if (read_file(path, &im) != 0) {
                CHECK(!"cannot read the generated file");
                return 0;
        }
        got = elf_kernel_parse(mem_read, &im, im.len, &k);
        CHECK(!im.out_of_bounds_read);
        CHECK_STR(got < ELF_KERNEL_ERR__MAX && error_names[got] ? error_names[got] : "(unnamed)",
                  want_name);
        if (reason && *reason) {
                int ok = strstr(elf_kernel_strerror(got), reason) != NULL;
                CHECK(ok);
                if (!ok)
                        fprintf(stderr, "    message \"%s\"\n    lacks \"%s\"\n", elf_kernel_strerror(got), reason);
        }
        if (got == ELF_KERNEL_OK) {
                /* Every good variant: text + data(.bss) at the PVH entry. */
                CHECK_EQ(k.elf_class, 64);
                CHECK_EQ(k.nr_segments, 2);
                CHECK_EQ(k.pvh_entry, k.segments[0].paddr);
                CHECK_EQ(k.segments[1].paddr, k.segments[0].paddr + 0x1000);
                CHECK_EQ(k.segments[1].mem_size, 0x3000);
                CHECK_EQ(elf_kernel_load_bytes(&k), 0x2000);
        }
        free(im.b);
        return 1;
}

int main(void) {
        const char *dir = getenv("PVHBOOT_GEN_KERNELS_DIR");
        char tmp[] = "/tmp/pvhboot-gen-kernels.XXXXXX";
        char path[4096], line[1024];
        int generated = 0, files = 0, good = 0;
        FILE *man;

        /* A new error added to elf_kernel.h needs its name above. */
        tl_current = "error_names";
        for (int e = 0; e < ELF_KERNEL_ERR__MAX; e++)
                CHECK(error_names[e] != NULL);

        if (!dir || !*dir) {
                char cmd[8192];
                if (access(PYTHON, X_OK) != 0 || access(GEN, R_OK) != 0) {
                        printf("test_gen_kernels: no %s or %s here; skipped\n", PYTHON, GEN);
                        return 0;
                }
                if (!mkdtemp(tmp)) {
                        perror("mkdtemp");
                        return 1;
                }
                dir = tmp;
                generated = 1;
                snprintf(cmd, sizeof(cmd), PYTHON " " GEN " %s >/dev/null", dir);
                if (system(cmd) != 0) {
                        fprintf(stderr, "test_gen_kernels: %s failed\n", cmd);
                        return 1;
                }
        }
        snprintf(path, sizeof(path), "%s/manifest.txt", dir);
        man = fopen(path, "r");
        if (!man) {
                perror(path);
                return 1;
        }
        while (fgets(line, sizeof(line), man)) {
                char *file, *want, *reason, *save = NULL;
                line[strcspn(line, "\n")] = 0;
                file = strtok_r(line, " ", &save);
                want = strtok_r(NULL, " ", &save);
                reason = save;          /* the rest of the line, spaces and all */
                if (!file || !want)
                        continue;
                files += check_file(dir, file, want, reason);
                good += !strcmp(want, "ELF_KERNEL_OK");
        }
        fclose(man);
        tl_current = "manifest";
        CHECK(files >= 20);
        CHECK(good >= 1);
        if (generated) {
                char cmd[8192];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                if (system(cmd) != 0)
                        fprintf(stderr, "test_gen_kernels: could not remove %s\n", dir);
        }
        return tl_summary("gen_kernels");
}
