/* SPDX-License-Identifier: MIT */
#include "boot_options.h"

static const uint16_t KERNEL_KEY[] = { 'k', 'e', 'r', 'n', 'e', 'l', '=' };
static const uint16_t INITRD_KEY[] = { 'i', 'n', 'i', 't', 'r', 'd', '=' };
static const uint16_t TIMING_WORD[] = { 'p', 'v', 'h', 'b', 'o', 'o', 't', '.', 't', 'i', 'm', 'i', 'n', 'g' };
static const uint16_t EXTERNAL_WORD[] = { 'p', 'v', 'h', 'b', 'o', 'o', 't', '.', 'e', 'x', 't', 'e', 'r', 'n', 'a', 'l' };

size_t u16_len(const uint16_t *s) {
        size_t n = 0;
        while (s[n])
                n++;
        return n;
}

void boot_options_init(struct boot_options *o) {
        unsigned char *p = (unsigned char *)o;
        for (size_t i = 0; i < sizeof(*o); i++)
                p[i] = 0;
}

static int is_blank(uint16_t c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int has_prefix(const uint16_t *w, size_t len, const uint16_t *key, size_t key_len) {
        if (len < key_len)
                return 0;
        for (size_t i = 0; i < key_len; i++)
                if (w[i] != key[i])
                        return 0;
        return 1;
}

/* Append one byte; count what does not fit so the error can say how long. */
static void cmdline_put(struct boot_options *o, char c) {
        if (o->cmdline_wanted < PVH_CMDLINE_MAX) {
                o->cmdline[o->cmdline_wanted] = c;
                o->cmdline_len = o->cmdline_wanted + 1;
                o->cmdline[o->cmdline_len] = '\0';
        }
        o->cmdline_wanted++;
}

static enum boot_options_error cmdline_put_utf16(struct boot_options *o, const uint16_t *w, size_t len) {
        for (size_t i = 0; i < len; i++) {
                uint32_t cp = w[i];
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (i + 1 >= len || w[i + 1] < 0xDC00 || w[i + 1] > 0xDFFF)
                                return BOOT_OPTIONS_ERR_BAD_UTF16;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (w[i + 1] - 0xDC00);
                        i++;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF)
                        return BOOT_OPTIONS_ERR_BAD_UTF16;

                if (cp < 0x80)
                        cmdline_put(o, (char)cp);
                else if (cp < 0x800) {
                        cmdline_put(o, (char)(0xC0 | (cp >> 6)));
                        cmdline_put(o, (char)(0x80 | (cp & 0x3F)));
                } else if (cp < 0x10000) {
                        cmdline_put(o, (char)(0xE0 | (cp >> 12)));
                        cmdline_put(o, (char)(0x80 | ((cp >> 6) & 0x3F)));
                        cmdline_put(o, (char)(0x80 | (cp & 0x3F)));
                } else {
                        cmdline_put(o, (char)(0xF0 | (cp >> 18)));
                        cmdline_put(o, (char)(0x80 | ((cp >> 12) & 0x3F)));
                        cmdline_put(o, (char)(0x80 | ((cp >> 6) & 0x3F)));
                        cmdline_put(o, (char)(0x80 | (cp & 0x3F)));
                }
        }
        return BOOT_OPTIONS_OK;
}

/*
 * One word as the user wrote it: text[] with its quotes, and quoted[i] set
 * where text[i] is a double quote that groups (not one the EFI shell's '^'
 * made literal). The path of kernel= and initrd= is the text without its
 * grouping quotes.
 */
struct word {
        uint16_t text[BOOT_PATH_MAX + PVH_CMDLINE_MAX];
        unsigned char quote[BOOT_PATH_MAX + PVH_CMDLINE_MAX];
        size_t len;
};

static enum boot_options_error set_path(uint16_t *dst, const struct word *w, size_t from) {
        size_t n = 0;
        for (size_t i = from; i < w->len; i++) {
                if (w->quote[i])
                        continue;
                if (n + 1 >= BOOT_PATH_MAX)
                        return BOOT_OPTIONS_ERR_PATH_TOO_LONG;
                dst[n++] = w->text[i];
        }
        if (n == 0)
                return BOOT_OPTIONS_ERR_EMPTY_PATH;
        dst[n] = 0;
        return BOOT_OPTIONS_OK;
}

static int word_is(const struct word *w, const uint16_t *key, size_t key_len) {
        return w->len == key_len && has_prefix(w->text, w->len, key, key_len);
}

#define KEY(k) (k), (sizeof(k) / sizeof((k)[0]))

/*
 * Take the word if it is one of pvhboot's own (before "--"). Returns 1 when
 * it was (with *err its outcome), 0 when it belongs to the kernel.
 */
static int take_loader_word(struct boot_options *o, const struct word *w, enum boot_options_error *err) {
        static const uint16_t DASHES[] = { '-', '-' };

        *err = BOOT_OPTIONS_OK;
        if (o->loader_words_ended)
                return 0;
        if (word_is(w, KEY(DASHES))) {
                o->loader_words_ended = 1;
                return 1;
        }
        if (word_is(w, KEY(TIMING_WORD))) {
                o->timing = 1;
                return 1;
        }
        if (word_is(w, KEY(EXTERNAL_WORD))) {
                o->external = 1;
                return 1;
        }
        if (has_prefix(w->text, w->len, KEY(KERNEL_KEY))) {
                if (o->kernel[0])
                        *err = BOOT_OPTIONS_ERR_DUPLICATE_KERNEL;
                else
                        *err = set_path(o->kernel, w, 7);
                return 1;
        }
        if (has_prefix(w->text, w->len, KEY(INITRD_KEY))) {
                if (o->nr_initrds == BOOT_MAX_INITRDS)
                        *err = BOOT_OPTIONS_ERR_TOO_MANY_INITRDS;
                else if ((*err = set_path(o->initrd[o->nr_initrds], w, 7)) == BOOT_OPTIONS_OK)
                        o->nr_initrds++;
                return 1;
        }
        return 0;
}

/*
 * One word of the shell's argv: the shell has already removed quoting, so
 * a word with blanks in it is quoted again for Linux's parser (the raw
 * command line is used instead whenever the shell provides it).
 */
static enum boot_options_error add_argv_word(struct boot_options *o, const uint16_t *s) {
        struct word w;
        enum boot_options_error err;
        int quote = 0;

        w.len = 0;
        for (size_t i = 0; s[i]; i++) {
                if (w.len == sizeof(w.text) / sizeof(w.text[0]))
                        return BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG;
                w.quote[w.len] = 0;
                w.text[w.len++] = s[i];
        }
        if (w.len == 0)
                return BOOT_OPTIONS_OK;
        if (take_loader_word(o, &w, &err))
                return err;
        for (size_t i = 0; i < w.len; i++) {
                if (w.text[i] == '"') {
                        quote = 0;
                        break;
                }
                if (is_blank(w.text[i]))
                        quote = 1;
        }
        if (o->cmdline_wanted > 0)
                cmdline_put(o, ' ');
        if (quote)
                cmdline_put(o, '"');
        err = cmdline_put_utf16(o, w.text, w.len);
        if (err)
                return err;
        if (quote)
                cmdline_put(o, '"');
        if (o->cmdline_wanted > PVH_CMDLINE_MAX)
                return BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG;
        return BOOT_OPTIONS_OK;
}

enum boot_options_error boot_options_add_argv(struct boot_options *o, const uint16_t *const *argv,
                                              size_t argc) {
        for (size_t i = 0; i < argc; i++) {
                enum boot_options_error err = add_argv_word(o, argv[i]);
                if (err)
                        return err;
        }
        return BOOT_OPTIONS_OK;
}

/* UTF-16 text of LoadOptions: n units, up to the first NUL. */
struct text {
        const unsigned char *bytes;
        size_t n;
        int shell;      /* the EFI shell's syntax: split at ' ' only, '^' escapes */
};

/* Unaligned-safe little-endian reads: LoadOptions has no alignment promise. */
static uint16_t unit_at(const struct text *t, size_t k) {
        return (uint16_t)(t->bytes[2 * k] | (t->bytes[2 * k + 1] << 8));
}

static void text_init(struct text *t, const void *data, size_t size, int shell) {
        t->bytes = data;
        t->shell = shell;
        t->n = 0;
        while (t->n < size / 2 && unit_at(t, t->n) != 0)
                t->n++;
}

static int separates(const struct text *t, uint16_t c) {
        return t->shell ? c == ' ' : is_blank(c);
}

/*
 * The next word from *pos: *start is where it begins in the text, w what
 * it says. Returns 1 for a word, 0 at the end of the text, -1 on error
 * (*err set). The shell's '^' makes the next character literal and is
 * itself dropped, as the shell does for its argv.
 */
static int next_word(const struct text *t, size_t *pos, size_t *start, struct word *w,
                     enum boot_options_error *err) {
        size_t i = *pos;
        int in_quote = 0;

        while (i < t->n && separates(t, unit_at(t, i)))
                i++;
        if (i >= t->n)
                return 0;
        *start = i;
        w->len = 0;
        while (i < t->n && (in_quote || !separates(t, unit_at(t, i)))) {
                uint16_t c = unit_at(t, i++);
                int grouping = 0;
                if (t->shell && c == '^') {
                        if (i >= t->n)
                                break;
                        c = unit_at(t, i++);
                } else if (c == '"') {
                        in_quote = !in_quote;
                        grouping = 1;
                }
                if (w->len == sizeof(w->text) / sizeof(w->text[0])) {
                        *err = BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG;
                        return -1;
                }
                w->quote[w->len] = (unsigned char)grouping;
                w->text[w->len++] = c;
        }
        if (in_quote) {
                *err = BOOT_OPTIONS_ERR_UNTERMINATED_QUOTE;
                return -1;
        }
        *pos = i;
        return 1;
}

/* Whether the word without its grouping quotes is the NUL-terminated s. */
static int word_matches_arg(const struct word *w, const uint16_t *s) {
        size_t k = 0;
        for (size_t i = 0; i < w->len; i++) {
                if (w->quote[i])
                        continue;
                if (s[k] != w->text[i])
                        return 0;
                k++;
        }
        return s[k] == 0;
}

/*
 * The words of a text after the first skip ones: pvhboot's words are taken,
 * the kernel's passed as written, each after the blanks that precede it in
 * the text (none before the first). With argv, every word must be what the
 * shell put in argv[], in order.
 */
static enum boot_options_error add_text(struct boot_options *o, const struct text *t, size_t skip,
                                        const uint16_t *const *argv, size_t argc) {
        struct word w;
        enum boot_options_error err = BOOT_OPTIONS_OK;
        size_t pos = 0, start, nr = 0;
        int r;

        while ((r = next_word(t, &pos, &start, &w, &err)) == 1) {
                size_t gap = start;
                if (nr++ < skip)
                        continue;
                if (argv && (nr - skip > argc || !word_matches_arg(&w, argv[nr - skip - 1])))
                        return BOOT_OPTIONS_ERR_SHELL_MISMATCH;
                if (take_loader_word(o, &w, &err)) {
                        if (err)
                                return err;
                        continue;
                }
                if (w.len == 0)         /* a lone '^' from the shell */
                        continue;
                /* The blanks before this word, as written. */
                while (gap > 0 && separates(t, unit_at(t, gap - 1)))
                        gap--;
                if (o->cmdline_wanted > 0)
                        for (size_t k = gap; k < start; k++)
                                cmdline_put(o, (char)unit_at(t, k));
                err = cmdline_put_utf16(o, w.text, w.len);
                if (err)
                        return err;
                if (o->cmdline_wanted > PVH_CMDLINE_MAX)
                        return BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG;
        }
        if (r < 0)
                return err;
        if (argv && (nr < skip ? 0 : nr - skip) != argc)
                return BOOT_OPTIONS_ERR_SHELL_MISMATCH;
        return BOOT_OPTIONS_OK;
}

enum boot_options_error boot_options_add_load_options(struct boot_options *o, const void *data,
                                                      size_t size) {
        struct text t;

        text_init(&t, data, size, 0);
        return add_text(o, &t, 0, NULL, 0);
}

enum boot_options_error boot_options_add_shell_line(struct boot_options *o, const void *data, size_t size,
                                                    const uint16_t *const *argv, size_t argc) {
        struct text t;

        text_init(&t, data, size, 1);
        return add_text(o, &t, 1, argv, argc);
}

bool load_options_are_text(const void *data, size_t size) {
        const unsigned char *bytes = data;
        size_t n = size / 2;
        int seen_word = 0;

        if (size < 2 || size % 2)
                return 0;
        for (size_t i = 0; i < n; i++) {
                uint16_t c = (uint16_t)(bytes[2 * i] | (bytes[2 * i + 1] << 8));
                if (c == 0)
                        break;
                if (is_blank(c))
                        continue;
                if (c < 0x20 || (c >= 0x7F && c < 0xA0))
                        return 0;
                /* Options begin with an ASCII word (kernel=, initrd=, a parameter). */
                if (!seen_word && c >= 0x7F)
                        return 0;
                seen_word = 1;
        }
        return seen_word;
}

const char *boot_options_strerror(enum boot_options_error err) {
        switch (err) {
        case BOOT_OPTIONS_OK: return "no error";
        case BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG: return "kernel command line is longer than Linux's 2047 bytes; shorten it";
        case BOOT_OPTIONS_ERR_TOO_MANY_INITRDS: return "more than 16 initrd= options; concatenate some files";
        case BOOT_OPTIONS_ERR_PATH_TOO_LONG: return "a path is longer than 255 characters";
        case BOOT_OPTIONS_ERR_EMPTY_PATH: return "kernel= or initrd= has an empty path";
        case BOOT_OPTIONS_ERR_DUPLICATE_KERNEL: return "kernel= given more than once; give one kernel";
        case BOOT_OPTIONS_ERR_BAD_UTF16: return "options contain an unpaired UTF-16 surrogate";
        case BOOT_OPTIONS_ERR_UNTERMINATED_QUOTE: return "options contain an unterminated double quote";
        case BOOT_OPTIONS_ERR_SHELL_MISMATCH: return "the shell's command line text does not split into the arguments it passed";
        }
        return "unknown error";
}

enum boot_options_error boot_options_set_cmdline(struct boot_options *o, const char *text, size_t len) {
        size_t n = 0;
        while (n < len && text[n] != '\0')
                n++;
        while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r' ||
                         text[n - 1] == '\n'))
                n--;
        o->cmdline_wanted = n;
        if (n > PVH_CMDLINE_MAX) {
                o->cmdline_len = 0;
                o->cmdline[0] = '\0';
                return BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG;
        }
        __builtin_memcpy(o->cmdline, text, n);
        o->cmdline[n] = '\0';
        o->cmdline_len = n;
        return BOOT_OPTIONS_OK;
}

enum boot_options_error boot_options_append_words(struct boot_options *o, const char *a, const char *b) {
        size_t la = 0, lb = 0, sep;

        while (a[la])
                la++;
        while (b[lb])
                lb++;
        sep = o->cmdline_len ? 1 : 0;
        /* cmdline_len <= PVH_CMDLINE_MAX: no subtraction below wraps. */
        if (sep + la > PVH_CMDLINE_MAX - o->cmdline_len || lb > PVH_CMDLINE_MAX - o->cmdline_len - sep - la) {
                o->cmdline_wanted = o->cmdline_len + sep + la + lb;
                return BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG;
        }
        if (sep)
                o->cmdline[o->cmdline_len++] = ' ';
        __builtin_memcpy(o->cmdline + o->cmdline_len, a, la);
        __builtin_memcpy(o->cmdline + o->cmdline_len + la, b, lb);
        o->cmdline_len += la + lb;
        o->cmdline[o->cmdline_len] = '\0';
        o->cmdline_wanted = o->cmdline_len;
        return BOOT_OPTIONS_OK;
}

enum boot_options_error boot_options_merge(struct boot_options *out, const struct boot_options *config,
                                           const struct boot_options *args) {
        const struct boot_options *cmdline_from = args->cmdline_wanted > 0 ? args : config;

        if (config->nr_initrds + args->nr_initrds > BOOT_MAX_INITRDS)
                return BOOT_OPTIONS_ERR_TOO_MANY_INITRDS;
        boot_options_init(out);
        if (args->kernel[0]) {
                __builtin_memcpy(out->kernel, args->kernel, sizeof(out->kernel));
        } else {
                __builtin_memcpy(out->kernel, config->kernel, sizeof(out->kernel));
                out->kernel_line = config->kernel_line;
        }
        for (unsigned i = 0; i < config->nr_initrds; i++) {
                __builtin_memcpy(out->initrd[out->nr_initrds], config->initrd[i], sizeof(out->initrd[0]));
                out->initrd_line[out->nr_initrds++] = config->initrd_line[i];
        }
        for (unsigned i = 0; i < args->nr_initrds; i++)
                __builtin_memcpy(out->initrd[out->nr_initrds++], args->initrd[i], sizeof(out->initrd[0]));
        __builtin_memcpy(out->cmdline, cmdline_from->cmdline, sizeof(out->cmdline));
        out->cmdline_len = cmdline_from->cmdline_len;
        out->cmdline_wanted = cmdline_from->cmdline_wanted;
        out->timing = config->timing || args->timing;
        out->external = args->external;
        return BOOT_OPTIONS_OK;
}

static int is_sep(uint16_t c) {
        return c == '\\' || c == '/';
}

/* Append path components of src to out (which holds an absolute path). */
static int push_components(uint16_t *out, size_t *len, size_t cap, const uint16_t *src) {
        size_t i = 0;
        while (src[i]) {
                size_t start, clen;
                while (is_sep(src[i]))
                        i++;
                start = i;
                while (src[i] && !is_sep(src[i]))
                        i++;
                clen = i - start;
                if (clen == 0 || (clen == 1 && src[start] == '.'))
                        continue;
                if (clen == 2 && src[start] == '.' && src[start + 1] == '.') {
                        /* Up one level; the root is its own parent. */
                        while (*len > 1 && out[*len - 1] != '\\')
                                (*len)--;
                        if (*len > 1)
                                (*len)--;
                        out[*len] = 0;
                        continue;
                }
                if (*len + (*len > 1) + clen + 1 > cap)
                        return -1;
                if (*len > 1)
                        out[(*len)++] = '\\';
                for (size_t k = 0; k < clen; k++)
                        out[(*len)++] = src[start + k];
                out[*len] = 0;
        }
        return 0;
}

int path_resolve(const uint16_t *dir, const uint16_t *path, uint16_t *out, size_t cap) {
        size_t len = 1;
        if (cap < 2)
                return -1;
        out[0] = '\\';
        out[1] = 0;
        if (!is_sep(path[0]) && dir && push_components(out, &len, cap, dir) < 0)
                return -1;
        return push_components(out, &len, cap, path);
}

int path_parent(const uint16_t *file, uint16_t *out, size_t cap) {
        static const uint16_t up[] = { '.', '.', 0 };
        size_t len = 1;
        if (cap < 2)
                return -1;
        out[0] = '\\';
        out[1] = 0;
        if (push_components(out, &len, cap, file) < 0)
                return -1;
        return push_components(out, &len, cap, up);
}
