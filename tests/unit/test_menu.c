/* SPDX-License-Identifier: MIT */
/* The boot menu's keys and the command-line editor, key by key. */
#include <string.h>

#include "menu.h"
#include "testlib.h"

static struct menu_key ch(char c) {
        return (struct menu_key){ MENU_SCAN_NULL, (uint16_t)(unsigned char)c };
}

static struct menu_key scan(uint16_t s) {
        return (struct menu_key){ s, 0 };
}

static void test_menu_moves(void) {
        struct menu m = { .nr_entries = 3, .selected = 0 };

        CHECK_EQ(menu_key(&m, scan(MENU_SCAN_DOWN)), MENU_MOVED);
        CHECK_EQ(m.selected, 1);
        CHECK_EQ(menu_key(&m, scan(MENU_SCAN_DOWN)), MENU_MOVED);
        CHECK_EQ(menu_key(&m, scan(MENU_SCAN_DOWN)), MENU_MOVED);
        CHECK_EQ(m.selected, 0);                /* wraps */
        CHECK_EQ(menu_key(&m, scan(MENU_SCAN_UP)), MENU_MOVED);
        CHECK_EQ(m.selected, 2);                /* wraps back */
        CHECK_EQ(menu_key(&m, ch('k')), MENU_MOVED);
        CHECK_EQ(m.selected, 1);
        CHECK_EQ(menu_key(&m, ch('j')), MENU_MOVED);
        CHECK_EQ(m.selected, 2);
        CHECK_EQ(menu_key(&m, scan(MENU_SCAN_HOME)), MENU_MOVED);
        CHECK_EQ(m.selected, 0);
        CHECK_EQ(menu_key(&m, scan(MENU_SCAN_PAGE_DOWN)), MENU_MOVED);
        CHECK_EQ(m.selected, 2);
        CHECK_EQ(menu_key(&m, ch('2')), MENU_MOVED);
        CHECK_EQ(m.selected, 1);
        /* Past the end, and '0': nothing. */
        CHECK_EQ(menu_key(&m, ch('4')), MENU_IGNORED);
        CHECK_EQ(menu_key(&m, ch('0')), MENU_IGNORED);
        CHECK_EQ(m.selected, 1);
        CHECK_EQ(menu_key(&m, ch('x')), MENU_IGNORED);
        CHECK_EQ(menu_key(&m, scan(MENU_SCAN_LEFT)), MENU_IGNORED);
        CHECK_EQ(m.selected, 1);
        CHECK_EQ(menu_key(&m, ch('\r')), MENU_BOOT);
        CHECK_EQ(menu_key(&m, ch('\n')), MENU_BOOT);
        CHECK_EQ(menu_key(&m, ch('e')), MENU_EDIT);
        CHECK_EQ(menu_key(&m, ch('q')), MENU_EXIT);
        CHECK_EQ(m.selected, 1);

        struct menu one = { .nr_entries = 1, .selected = 0 };
        CHECK_EQ(menu_key(&one, scan(MENU_SCAN_DOWN)), MENU_MOVED);
        CHECK_EQ(one.selected, 0);
        CHECK_EQ(menu_key(&one, scan(MENU_SCAN_UP)), MENU_MOVED);
        CHECK_EQ(one.selected, 0);
}

static char buf[16];
static struct line_edit e;

static void start(const char *text) {
        strcpy(buf, text);
        e = (struct line_edit){ buf, sizeof(buf), strlen(text), strlen(text) };
}

static void test_edit(void) {
        start("quiet ro");
        /* Insert at the end, then in the middle. */
        CHECK_EQ(line_edit_key(&e, ch(' ')), EDIT_CHANGED);
        CHECK_EQ(line_edit_key(&e, ch('x')), EDIT_CHANGED);
        CHECK_STR(buf, "quiet ro x");
        CHECK_EQ(line_edit_key(&e, scan(MENU_SCAN_HOME)), EDIT_CHANGED);
        CHECK_EQ(line_edit_key(&e, scan(MENU_SCAN_HOME)), EDIT_IGNORED);
        CHECK_EQ(line_edit_key(&e, scan(MENU_SCAN_LEFT)), EDIT_IGNORED);
        CHECK_EQ(line_edit_key(&e, scan(MENU_SCAN_DELETE)), EDIT_CHANGED);
        CHECK_STR(buf, "uiet ro x");
        CHECK_EQ(line_edit_key(&e, ch('Q')), EDIT_CHANGED);
        CHECK_STR(buf, "Quiet ro x");
        CHECK_EQ(e.cursor, 1);
        CHECK_EQ(line_edit_key(&e, scan(MENU_SCAN_RIGHT)), EDIT_CHANGED);
        CHECK_EQ(line_edit_key(&e, ch(8)), EDIT_CHANGED);       /* backspace */
        CHECK_STR(buf, "Qiet ro x");
        CHECK_EQ(e.cursor, 1);
        /* Ctrl-K cuts to the end, Ctrl-E/Ctrl-A move. */
        CHECK_EQ(line_edit_key(&e, ch(11)), EDIT_CHANGED);
        CHECK_STR(buf, "Q");
        CHECK_EQ(e.len, 1);
        CHECK_EQ(line_edit_key(&e, ch(1)), EDIT_CHANGED);
        CHECK_EQ(e.cursor, 0);
        CHECK_EQ(line_edit_key(&e, ch(0x7f)), EDIT_IGNORED);    /* DEL at the start */
        CHECK_EQ(line_edit_key(&e, ch(5)), EDIT_CHANGED);
        CHECK_EQ(e.cursor, 1);
        /* Delete at the end: a serial terminal's Backspace (DEL). */
        CHECK_EQ(line_edit_key(&e, scan(MENU_SCAN_DELETE)), EDIT_CHANGED);
        CHECK_STR(buf, "");
        CHECK_EQ(line_edit_key(&e, scan(MENU_SCAN_DELETE)), EDIT_IGNORED);
        CHECK_EQ(line_edit_key(&e, ch('Q')), EDIT_CHANGED);
        /* Not printable ASCII: ignored. */
        CHECK_EQ(line_edit_key(&e, ch('\t')), EDIT_IGNORED);
        CHECK_EQ(line_edit_key(&e, (struct menu_key){ 0, 0x00e9 }), EDIT_IGNORED);
        CHECK_STR(buf, "Q");
        CHECK_EQ(line_edit_key(&e, ch('\r')), EDIT_ACCEPT);
        CHECK_EQ(line_edit_key(&e, scan(MENU_SCAN_ESC)), EDIT_CANCEL);
}

static void test_edit_cuts(void) {
        start("a bc  def");
        CHECK_EQ(line_edit_key(&e, ch(23)), EDIT_CHANGED);      /* Ctrl-W */
        CHECK_STR(buf, "a bc  ");
        CHECK_EQ(line_edit_key(&e, ch(23)), EDIT_CHANGED);
        CHECK_STR(buf, "a ");
        CHECK_EQ(line_edit_key(&e, scan(MENU_SCAN_LEFT)), EDIT_CHANGED);
        CHECK_EQ(line_edit_key(&e, ch(21)), EDIT_CHANGED);      /* Ctrl-U */
        CHECK_STR(buf, " ");
        CHECK_EQ(e.cursor, 0);
        CHECK_EQ(line_edit_key(&e, ch(4)), EDIT_CHANGED);       /* Ctrl-D */
        CHECK_STR(buf, "");
        CHECK_EQ(line_edit_key(&e, ch(23)), EDIT_IGNORED);
        CHECK_EQ(line_edit_key(&e, ch(21)), EDIT_IGNORED);
}

static void test_edit_full(void) {
        start("0123456789abcd");            /* 14 of 15 */
        CHECK_EQ(line_edit_key(&e, ch('e')), EDIT_CHANGED);
        CHECK_EQ(e.len, 15);
        CHECK_EQ(line_edit_key(&e, ch('f')), EDIT_IGNORED);
        CHECK_EQ(e.len, 15);
        CHECK_EQ(buf[15], 0);
        CHECK_STR(buf, "0123456789abcde");
}

static void test_window(void) {
        start("0123456789abcde");           /* len 15, cursor 15 */
        /* 10 columns: 9 characters shown, the cursor on the 9th column. */
        CHECK_EQ(line_edit_window(&e, 10, 0), 7);
        e.cursor = 8;
        CHECK_EQ(line_edit_window(&e, 10, 0), 0);
        e.cursor = 9;
        CHECK_EQ(line_edit_window(&e, 10, 0), 1);
        /* Unchanged while the cursor is in view, then follows it left. */
        e.cursor = 5;
        CHECK_EQ(line_edit_window(&e, 10, 3), 3);
        e.cursor = 2;
        CHECK_EQ(line_edit_window(&e, 10, 3), 2);
        CHECK_EQ(line_edit_window(&e, 1, 0), 2);
}

int main(void) {
        RUN(test_menu_moves);
        RUN(test_edit);
        RUN(test_edit_cuts);
        RUN(test_edit_full);
        RUN(test_window);
        return tl_summary("menu");
}
