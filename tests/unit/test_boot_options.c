/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <uchar.h>

#include "boot_options.h"
#include "testlib.h"

static struct boot_options o;

static enum boot_options_error argv(const char16_t *const *words, size_t n) {
        boot_options_init(&o);
        return boot_options_add_argv(&o, (const uint16_t *const *)words, n);
}

static enum boot_options_error load_options(const char16_t *s, size_t bytes) {
        boot_options_init(&o);
        return boot_options_add_load_options(&o, s, bytes);
}

#define LOPT(s) load_options(s, sizeof(s) - 2) /* without the terminating NUL */

/* The EFI shell's LoadOptions (NUL included, as the shell passes them) and
 * its argv[1..]; words NULL: no argv check. */
static enum boot_options_error shell_line(const char16_t *s, size_t bytes, const char16_t *const *words, size_t n) {
        boot_options_init(&o);
        return boot_options_add_shell_line(&o, s, bytes, (const uint16_t *const *)words, n);
}

#define SHELL(s, w) shell_line(s, sizeof(s), w, sizeof(w) / sizeof((w)[0]))
#define SHELL_NOCHECK(s) shell_line(s, sizeof(s), NULL, 0)

static void test_shell_argv(void) {
        const char16_t *w[] = { u"kernel=\\vmlinux", u"initrd=\\a.img", u"console=ttyS0",
                                u"initrd=b.img", u"quiet", u"root=/dev/vda" };
        CHECK_EQ(argv(w, 6), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(o.kernel), "\\vmlinux");
        CHECK_EQ(o.nr_initrds, 2);
        CHECK_STR(tl_ascii(o.initrd[0]), "\\a.img");
        CHECK_STR(tl_ascii(o.initrd[1]), "b.img");
        CHECK_STR(o.cmdline, "console=ttyS0 quiet root=/dev/vda");
        CHECK_EQ(o.cmdline_len, strlen(o.cmdline));
}

static void test_timing_word(void) {
        const char16_t *w[] = { u"kernel=k", u"pvhboot.timing", u"quiet", u"--", u"pvhboot.timing" };
        CHECK_EQ(argv(w, 3), BOOT_OPTIONS_OK);
        CHECK_EQ(o.timing, 1);
        CHECK_STR(o.cmdline, "quiet");
        /* After "--" it is the kernel's word, not ours. */
        CHECK_EQ(argv(w, 1), BOOT_OPTIONS_OK);
        CHECK_EQ(o.timing, 0);
        const char16_t *late[] = { u"kernel=k", u"--", u"pvhboot.timing" };
        CHECK_EQ(argv(late, 3), BOOT_OPTIONS_OK);
        CHECK_EQ(o.timing, 0);
        CHECK_STR(o.cmdline, "pvhboot.timing");
        const char16_t *near[] = { u"pvhboot.timings", u"pvhboot.timin" };
        CHECK_EQ(argv(near, 2), BOOT_OPTIONS_OK);
        CHECK_EQ(o.timing, 0);
        CHECK_STR(o.cmdline, "pvhboot.timings pvhboot.timin");
}

static void test_external_word(void) {
        const char16_t *w[] = { u"pvhboot.external", u"kernel=k", u"quiet" };
        CHECK_EQ(argv(w, 3), BOOT_OPTIONS_OK);
        CHECK_EQ(o.external, 1);
        CHECK_STR(o.cmdline, "quiet");
        const char16_t *late[] = { u"kernel=k", u"--", u"pvhboot.external" };
        CHECK_EQ(argv(late, 3), BOOT_OPTIONS_OK);
        CHECK_EQ(o.external, 0);
}

static void test_no_arguments(void) {
        CHECK_EQ(argv(NULL, 0), BOOT_OPTIONS_OK);
        CHECK_EQ(o.kernel[0], 0);
        CHECK_STR(o.cmdline, "");
}

static void test_double_dash(void) {
        const char16_t *w[] = { u"kernel=k", u"--", u"initrd=x", u"kernel=y", u"--", u"z" };
        CHECK_EQ(argv(w, 6), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(o.kernel), "k");
        CHECK_EQ(o.nr_initrds, 0);
        CHECK_STR(o.cmdline, "initrd=x kernel=y -- z");
}

static void test_argv_word_with_blank_is_quoted(void) {
        const char16_t *w[] = { u"kernel=k", u"dyndbg=file x.c +p", u"say=\"hi there\"" };
        CHECK_EQ(argv(w, 3), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "\"dyndbg=file x.c +p\" say=\"hi there\"");
}

static void test_errors(void) {
        const char16_t *dup[] = { u"kernel=a", u"kernel=b" };
        CHECK_EQ(argv(dup, 2), BOOT_OPTIONS_ERR_DUPLICATE_KERNEL);
        const char16_t *empty[] = { u"kernel=" };
        CHECK_EQ(argv(empty, 1), BOOT_OPTIONS_ERR_EMPTY_PATH);
        const char16_t *surrogate[] = { u"kernel=k", u"x=\xD800" };
        CHECK_EQ(argv(surrogate, 2), BOOT_OPTIONS_ERR_BAD_UTF16);

        const char16_t *many[17];
        for (int i = 0; i < 17; i++)
                many[i] = u"initrd=x";
        CHECK_EQ(argv(many, 16), BOOT_OPTIONS_OK);
        CHECK_EQ(argv(many, 17), BOOT_OPTIONS_ERR_TOO_MANY_INITRDS);

        char16_t longpath[300] = u"kernel=";
        for (int i = 7; i < 299; i++)
                longpath[i] = 'p';
        longpath[299] = 0;
        const char16_t *lp[] = { longpath };
        CHECK_EQ(argv(lp, 1), BOOT_OPTIONS_ERR_PATH_TOO_LONG);
}

static void test_cmdline_limit(void) {
        static char16_t word[2100];
        const char16_t *w[] = { u"kernel=k", word };
        for (int i = 0; i < 2047; i++)
                word[i] = 'x';
        word[2047] = 0;
        CHECK_EQ(argv(w, 2), BOOT_OPTIONS_OK);
        CHECK_EQ(o.cmdline_len, 2047);
        CHECK_EQ(o.cmdline[2047], 0);
        word[2047] = 'y';
        word[2048] = 0;
        CHECK_EQ(argv(w, 2), BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG);
        CHECK_EQ(o.cmdline_wanted, 2048);
        CHECK_EQ(strlen(o.cmdline), 2047);
        /* Two words that are each short but too long together. */
        for (int i = 0; i < 1100; i++)
                word[i] = 'z';
        word[1100] = 0;
        const char16_t *w2[] = { word, word };
        CHECK_EQ(argv(w2, 2), BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG);
        CHECK_EQ(o.cmdline_wanted, 2201);
}

static void test_utf8(void) {
        const char16_t *w[] = { u"kernel=k", u"name=caf\u00e9", u"x=\u20ac", u"y=\U0001F600" };
        CHECK_EQ(argv(w, 4), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "name=caf\xc3\xa9 x=\xe2\x82\xac y=\xf0\x9f\x98\x80");
}

static void test_load_options(void) {
        CHECK_EQ(LOPT(u"  kernel=\\vmlinux\tinitrd=/boot/i.img   console=ttyS0  foo=\"a  b\" "), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(o.kernel), "\\vmlinux");
        CHECK_EQ(o.nr_initrds, 1);
        CHECK_STR(tl_ascii(o.initrd[0]), "/boot/i.img");
        /* Blanks between kernel words as written; none before or after. */
        CHECK_STR(o.cmdline, "console=ttyS0  foo=\"a  b\"");

        CHECK_EQ(LOPT(u"kernel=\"\\my dir\\vmlinux\" quiet"), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(o.kernel), "\\my dir\\vmlinux");
        CHECK_STR(o.cmdline, "quiet");

        CHECK_EQ(LOPT(u"kernel=k foo=\"a b"), BOOT_OPTIONS_ERR_UNTERMINATED_QUOTE);

        /* The NUL ends the options even if the buffer is longer. */
        static const char16_t with_nul[] = u"kernel=k a\0b c";
        CHECK_EQ(load_options(with_nul, sizeof(with_nul)), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a");

        /* An odd byte count: the last byte is ignored. */
        CHECK_EQ(load_options(u"kernel=k ab", 23), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "ab");
        CHECK_EQ(load_options(u"kernel=k ab", 21), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a");
}

/* A shell launch and a Boot#### entry with the same text parse the same. */
static void test_argv_and_load_options_agree(void) {
        const char16_t *w[] = { u"kernel=\\EFI\\vmlinux", u"initrd=i1", u"initrd=i2", u"console=ttyS0", u"ro" };
        struct boot_options shell;
        CHECK_EQ(argv(w, 5), BOOT_OPTIONS_OK);
        shell = o;
        CHECK_EQ(LOPT(u"kernel=\\EFI\\vmlinux initrd=i1 initrd=i2 console=ttyS0 ro"), BOOT_OPTIONS_OK);
        CHECK(memcmp(&shell, &o, sizeof(o)) == 0);
}


/* Issue 12, item 3: the kernel's words reach it as written. */
static void test_entry_words_as_written(void) {
        CHECK_EQ(LOPT(u"kernel=\\vmlinux acpi_osi=\"!Windows 2012\" \"x\" a=\"b c\"d  two"), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(o.kernel), "\\vmlinux");
        CHECK_STR(o.cmdline, "acpi_osi=\"!Windows 2012\" \"x\" a=\"b c\"d  two");
        CHECK_EQ(o.cmdline_len, strlen(o.cmdline));
        /* Only the quote is kept, not re-placed around the word. */
        CHECK_EQ(LOPT(u"\"dyndbg=file x.c +p\" say=\"hi there\""), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "\"dyndbg=file x.c +p\" say=\"hi there\"");
        CHECK_EQ(LOPT(u"dyndbg=\"file x.c +p\""), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "dyndbg=\"file x.c +p\"");
        CHECK_EQ(LOPT(u"\"\" x"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "\"\" x");
}

static void test_entry_blanks(void) {
        /* Tabs and runs of blanks between kernel words stay. */
        CHECK_EQ(LOPT(u"a\tb \t c"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a\tb \t c");
        /* Leading and trailing blanks (a CRLF too) are dropped. */
        CHECK_EQ(LOPT(u" \t a b  \r\n"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a b");
        /* pvhboot's words go with the blanks before them. */
        CHECK_EQ(LOPT(u"a  initrd=x   b"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a   b");
        CHECK_EQ(LOPT(u"a initrd=x"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a");
        CHECK_EQ(LOPT(u"initrd=x  a"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a");
        CHECK_EQ(LOPT(u"kernel=k pvhboot.timing  a pvhboot.external\tb -- c"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a\tb c");
        CHECK_EQ(o.timing, 1);
        CHECK_EQ(o.external, 1);
        /* Only pvhboot's words: no command line at all. */
        CHECK_EQ(LOPT(u"  kernel=k  initrd=i  --  "), BOOT_OPTIONS_OK);
        CHECK_EQ(o.cmdline_len, 0);
        CHECK_EQ(o.cmdline_wanted, 0);
        CHECK_STR(o.cmdline, "");
}

static void test_entry_quoted_loader_words_are_kernel_words(void) {
        CHECK_EQ(LOPT(u"\"kernel=x\" \"initrd=y\" \"--\" \"pvhboot.timing\" ker\"nel=\"z"), BOOT_OPTIONS_OK);
        CHECK_EQ(o.kernel[0], 0);
        CHECK_EQ(o.nr_initrds, 0);
        CHECK_EQ(o.timing, 0);
        CHECK_EQ(o.loader_words_ended, 0);
        CHECK_STR(o.cmdline, "\"kernel=x\" \"initrd=y\" \"--\" \"pvhboot.timing\" ker\"nel=\"z");
        /* After "--" every word is the kernel's, as written. */
        CHECK_EQ(LOPT(u"kernel=k -- initrd=x  \"--\" --"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "initrd=x  \"--\" --");
        CHECK_EQ(o.nr_initrds, 0);
        /* A quoted part of a path only groups. */
        CHECK_EQ(LOPT(u"initrd=\"\\a b\\i.img\" x"), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(o.initrd[0]), "\\a b\\i.img");
        CHECK_STR(o.cmdline, "x");
}

static void test_entry_limit_counts_blanks(void) {
        static char16_t text[2100];
        /* "a" + 2045 blanks + "b": 2047 bytes as written. */
        text[0] = 'a';
        for (int i = 1; i <= 2045; i++)
                text[i] = ' ';
        text[2046] = 'b';
        text[2047] = 0;
        CHECK_EQ(load_options(text, 2047 * 2), BOOT_OPTIONS_OK);
        CHECK_EQ(o.cmdline_len, 2047);
        CHECK_EQ(o.cmdline[2046], 'b');
        text[2046] = ' ';
        text[2047] = 'b';
        CHECK_EQ(load_options(text, 2048 * 2), BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG);
        CHECK_EQ(o.cmdline_wanted, 2048);
        /* Blanks after the last word do not count. */
        text[2047] = ' ';
        text[2046] = 'b';
        CHECK_EQ(load_options(text, 2048 * 2), BOOT_OPTIONS_OK);
        CHECK_EQ(o.cmdline_len, 2047);
}

static void test_entry_utf8_as_written(void) {
        CHECK_EQ(LOPT(u"name=\"caf\u00e9 \U0001F600\""), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "name=\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
        CHECK_EQ(LOPT(u"x=\xDC00"), BOOT_OPTIONS_ERR_BAD_UTF16);
}

static void test_shell_line(void) {
        static const char16_t line[] = u"\\EFI\\pvhboot\\pvhboot.efi kernel=\\vmlinux initrd=\\initrd.img "
                                       u"acpi_osi=\"!Windows 2012\"  \"x\" a=\"b c\"d";
        const char16_t *argv_ok[] = { u"kernel=\\vmlinux", u"initrd=\\initrd.img", u"acpi_osi=!Windows 2012",
                                      u"x", u"a=b cd" };
        CHECK_EQ(SHELL(line, argv_ok), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(o.kernel), "\\vmlinux");
        CHECK_EQ(o.nr_initrds, 1);
        CHECK_STR(o.cmdline, "acpi_osi=\"!Windows 2012\"  \"x\" a=\"b c\"d");
        CHECK_EQ(SHELL_NOCHECK(line), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "acpi_osi=\"!Windows 2012\"  \"x\" a=\"b c\"d");

        /* argv[0] as typed, quoted with a blank, is skipped. */
        static const char16_t quoted0[] = u"\"fs0:\\my dir\\p.efi\" kernel=k q";
        const char16_t *argv_q[] = { u"kernel=k", u"q" };
        CHECK_EQ(SHELL(quoted0, argv_q), BOOT_OPTIONS_OK);
        CHECK_STR(tl_ascii(o.kernel), "k");
        CHECK_STR(o.cmdline, "q");

        /* Only argv[0]: nothing. */
        static const char16_t only0[] = u"pvhboot";
        CHECK_EQ(shell_line(only0, sizeof(only0), (const char16_t *const *)argv_q, 0), BOOT_OPTIONS_OK);
        CHECK_EQ(o.cmdline_len, 0);
        CHECK_EQ(o.kernel[0], 0);
}

/* The shell's syntax: '^' escapes (and goes), spaces alone separate. */
static void test_shell_escapes_and_separators(void) {
        static const char16_t esc[] = u"p.efi a=^\"b ^^c d^ e ^kernel=k";
        const char16_t *argv_esc[] = { u"a=\"b", u"^c", u"d e", u"kernel=k" };
        CHECK_EQ(SHELL(esc, argv_esc), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a=\"b ^c d e");
        CHECK_STR(tl_ascii(o.kernel), "k");

        /* An escaped quote inside quotes does not end them. */
        static const char16_t inq[] = u"p.efi x=\"a ^\" b\"";
        const char16_t *argv_inq[] = { u"x=a \" b" };
        CHECK_EQ(SHELL(inq, argv_inq), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "x=\"a \" b\"");

        /* A tab is part of a word for the shell. */
        static const char16_t tab[] = u"p.efi a\tb  c";
        const char16_t *argv_tab[] = { u"a\tb", u"c" };
        CHECK_EQ(SHELL(tab, argv_tab), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a\tb  c");
        const char16_t *argv_split[] = { u"a", u"b", u"c" };
        CHECK_EQ(SHELL(tab, argv_split), BOOT_OPTIONS_ERR_SHELL_MISMATCH);

        /* A lone '^' at the end is an empty argument: nothing for the kernel. */
        static const char16_t caret[] = u"p.efi a ^";
        const char16_t *argv_caret[] = { u"a", u"" };
        CHECK_EQ(SHELL(caret, argv_caret), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a");
}

static void test_shell_mismatch(void) {
        static const char16_t line[] = u"p.efi kernel=k a \"b c\"";
        const char16_t *fewer[] = { u"kernel=k", u"a" };
        const char16_t *more[] = { u"kernel=k", u"a", u"b c", u"d" };
        const char16_t *other[] = { u"kernel=k", u"a", u"b  c" };
        const char16_t *quoted[] = { u"kernel=k", u"a", u"\"b c\"" };
        const char16_t *same[] = { u"kernel=k", u"a", u"b c" };
        CHECK_EQ(SHELL(line, fewer), BOOT_OPTIONS_ERR_SHELL_MISMATCH);
        CHECK_EQ(SHELL(line, more), BOOT_OPTIONS_ERR_SHELL_MISMATCH);
        CHECK_EQ(SHELL(line, other), BOOT_OPTIONS_ERR_SHELL_MISMATCH);
        CHECK_EQ(SHELL(line, quoted), BOOT_OPTIONS_ERR_SHELL_MISMATCH);
        CHECK_EQ(SHELL(line, same), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a \"b c\"");
        /* No text at all but arguments: the text is not the shell's. */
        CHECK_EQ(shell_line(u"", 2, same, 3), BOOT_OPTIONS_ERR_SHELL_MISMATCH);
        /* An odd size: the last byte is not a unit. */
        static const char16_t two[] = u"p.efi ab";
        const char16_t *ab[] = { u"ab" }, *a[] = { u"a" };
        CHECK_EQ(shell_line(two, sizeof(two), ab, 1), BOOT_OPTIONS_OK);
        CHECK_EQ(shell_line(two, 15, a, 1), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a");
}

/* The same words from the shell's text and from a Boot#### entry. */
static void test_shell_and_entry_agree(void) {
        static const char16_t line[] = u"\\EFI\\pvhboot\\pvhboot.efi kernel=\\vmlinux initrd=i x=\"1 2\"  y";
        const char16_t *argv_ok[] = { u"kernel=\\vmlinux", u"initrd=i", u"x=1 2", u"y" };
        struct boot_options shell;
        CHECK_EQ(SHELL(line, argv_ok), BOOT_OPTIONS_OK);
        shell = o;
        CHECK_EQ(LOPT(u"kernel=\\vmlinux initrd=i x=\"1 2\"  y"), BOOT_OPTIONS_OK);
        CHECK(memcmp(&shell, &o, sizeof(o)) == 0);
}

static void test_load_options_are_text(void) {
        /* edk2's auto-created boot options carry this GUID as optional data. */
        static const unsigned char edk2_guid[16] = { 0x4e, 0xac, 0x08, 0x81, 0x11, 0x9f, 0x59, 0x4d,
                                                     0x85, 0x0e, 0xe2, 0x1a, 0x52, 0x2c, 0x59, 0xb2 };
        CHECK(!load_options_are_text(edk2_guid, sizeof(edk2_guid)));
        CHECK(load_options_are_text(u"kernel=x", 16));
        CHECK(load_options_are_text(u" console=ttyS0\r\n", 32));
        CHECK(!load_options_are_text(u"kernel=x", 15));
        CHECK(!load_options_are_text(u"", 2));
        CHECK(!load_options_are_text(u"   ", 6));
        CHECK(!load_options_are_text(NULL, 0));
        CHECK(!load_options_are_text(u"ab\x01", 6));
        CHECK(load_options_are_text(u"x=caf\u00e9", 14));
}

static void test_path_resolve(void) {
        uint16_t out[BOOT_PATH_MAX];
        const uint16_t *dir = u"\\EFI\\pvhboot";
        CHECK_EQ(path_resolve(dir, u"vmlinux", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\EFI\\pvhboot\\vmlinux");
        CHECK_EQ(path_resolve(dir, u"\\vmlinux", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\vmlinux");
        CHECK_EQ(path_resolve(dir, u"/boot/vmlinux", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\boot\\vmlinux");
        CHECK_EQ(path_resolve(dir, u"../linux/./vmlinux", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\EFI\\linux\\vmlinux");
        CHECK_EQ(path_resolve(dir, u"..\\..\\..\\..\\x", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\x");
        CHECK_EQ(path_resolve(dir, u"a//b\\\\c/", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\EFI\\pvhboot\\a\\b\\c");
        CHECK_EQ(path_resolve(u"\\", u"k", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\k");
        CHECK_EQ(path_resolve(dir, u"vmlinux", out, 21), 0);
        CHECK_EQ(path_resolve(dir, u"vmlinux", out, 20), -1);
}

static void test_path_parent(void) {
        uint16_t out[BOOT_PATH_MAX];
        CHECK_EQ(path_parent(u"\\EFI\\BOOT\\BOOTX64.EFI", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\EFI\\BOOT");
        CHECK_EQ(path_parent(u"\\pvhboot.efi", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\");
        CHECK_EQ(path_parent(u"", out, BOOT_PATH_MAX), 0);
        CHECK_STR(tl_ascii(out), "\\");
}

/* QEMU's -append arrives NUL-terminated; a file may end in a newline. */
static void test_set_cmdline(void) {
        static char big[2100];
        boot_options_init(&o);
        CHECK_EQ(boot_options_set_cmdline(&o, "console=ttyS0 quiet\0junk", 25), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "console=ttyS0 quiet");
        CHECK_EQ(boot_options_set_cmdline(&o, "a b \r\n", 6), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "a b");
        CHECK_EQ(o.cmdline_len, 3);
        CHECK_EQ(boot_options_set_cmdline(&o, "", 0), BOOT_OPTIONS_OK);
        CHECK_EQ(o.cmdline_len, 0);
        memset(big, 'x', sizeof(big));
        CHECK_EQ(boot_options_set_cmdline(&o, big, 2047), BOOT_OPTIONS_OK);
        CHECK_EQ(o.cmdline_len, 2047);
        CHECK_EQ(boot_options_set_cmdline(&o, big, 2048), BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG);
        CHECK_EQ(o.cmdline_wanted, 2048);
        CHECK_EQ(o.cmdline_len, 0);
}

static void test_append_words(void) {
        struct boot_options o;
        char long_value[PVH_CMDLINE_MAX + 1];

        boot_options_init(&o);
        CHECK_EQ(boot_options_append_words(&o, "pvhboot.entry=", "pvhboot-6.1"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "pvhboot.entry=pvhboot-6.1");
        CHECK_EQ(o.cmdline_len, 25);
        CHECK_EQ(boot_options_set_cmdline(&o, "quiet", 5), BOOT_OPTIONS_OK);
        CHECK_EQ(boot_options_append_words(&o, "a=", "b"), BOOT_OPTIONS_OK);
        CHECK_STR(o.cmdline, "quiet a=b");
        CHECK_EQ(o.cmdline_wanted, 9);
        /* Exactly full: 2047 bytes; one more is refused, line unchanged. */
        memset(long_value, 'x', sizeof(long_value));
        long_value[PVH_CMDLINE_MAX - 9 - 1 - 2] = 0;
        CHECK_EQ(boot_options_append_words(&o, "k=", long_value), BOOT_OPTIONS_OK);
        CHECK_EQ(o.cmdline_len, PVH_CMDLINE_MAX);
        CHECK_EQ(boot_options_append_words(&o, "", "y"), BOOT_OPTIONS_ERR_CMDLINE_TOO_LONG);
        CHECK_EQ(o.cmdline_len, PVH_CMDLINE_MAX);
        CHECK_EQ(o.cmdline_wanted, PVH_CMDLINE_MAX + 2);
        CHECK_EQ(o.cmdline[PVH_CMDLINE_MAX], 0);
}

int main(void) {
        RUN(test_append_words);
        RUN(test_shell_argv);
        RUN(test_no_arguments);
        RUN(test_timing_word);
        RUN(test_external_word);
        RUN(test_double_dash);
        RUN(test_argv_word_with_blank_is_quoted);
        RUN(test_errors);
        RUN(test_cmdline_limit);
        RUN(test_utf8);
        RUN(test_load_options);
        RUN(test_argv_and_load_options_agree);
        RUN(test_entry_words_as_written);
        RUN(test_entry_blanks);
        RUN(test_entry_quoted_loader_words_are_kernel_words);
        RUN(test_entry_limit_counts_blanks);
        RUN(test_entry_utf8_as_written);
        RUN(test_shell_line);
        RUN(test_shell_escapes_and_separators);
        RUN(test_shell_mismatch);
        RUN(test_shell_and_entry_agree);
        RUN(test_load_options_are_text);
        RUN(test_path_resolve);
        RUN(test_path_parent);
        RUN(test_set_cmdline);
        return tl_summary("boot_options");
}
