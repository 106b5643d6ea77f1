/* SPDX-License-Identifier: MIT */
/*
 * The boot menu's and the command-line editor's key handling, without the
 * screen: what each key does to the selection or the line being edited.
 * Keys are EFI_INPUT_KEYs (scan code, character); the glue reads them from
 * ConIn (which turns a serial terminal's escape sequences into scan codes)
 * and draws.
 */
#ifndef PVHBOOT_MENU_H
#define PVHBOOT_MENU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* UEFI 2.10, 12.3 "Simple Text Input Protocol", Table 12.3 (EFI scan codes). */
enum {
        MENU_SCAN_NULL = 0x00,
        MENU_SCAN_UP = 0x01,
        MENU_SCAN_DOWN = 0x02,
        MENU_SCAN_RIGHT = 0x03,
        MENU_SCAN_LEFT = 0x04,
        MENU_SCAN_HOME = 0x05,
        MENU_SCAN_END = 0x06,
        MENU_SCAN_DELETE = 0x08,
        MENU_SCAN_PAGE_UP = 0x09,
        MENU_SCAN_PAGE_DOWN = 0x0a,
        MENU_SCAN_ESC = 0x17,
};

struct menu_key {
        uint16_t scan;
        uint16_t ch;
};

enum menu_action {
        MENU_IGNORED,   /* a key that means nothing here */
        MENU_MOVED,     /* the selection changed: redraw */
        MENU_BOOT,      /* boot the selection */
        MENU_EDIT,      /* edit the selection's command line, then boot it */
        MENU_EXIT,      /* leave pvhboot: back to the firmware's next boot option */
};

struct menu {
        unsigned nr_entries;    /* at least 1 */
        unsigned selected;      /* 0-based */
};

/*
 * Up/Down (and k/j) move by one, wrapping; Home/End and Page Up/Down go to
 * the first/last; a digit 1-9 selects that entry (ignored past the end);
 * Enter (CR, LF, or space) boots; 'e' edits; 'q' exits.
 */
enum menu_action menu_key(struct menu *m, struct menu_key key);

enum edit_action {
        EDIT_IGNORED,
        EDIT_CHANGED,   /* the line or the cursor changed: redraw */
        EDIT_ACCEPT,    /* Enter: boot with the line */
        EDIT_CANCEL,    /* Esc: back to the menu, line discarded */
};

/* A line being edited: buf holds len bytes (NUL-terminated) of at most
 * cap - 1; cursor is in [0, len]. Only printable ASCII is inserted. */
struct line_edit {
        char *buf;
        size_t cap, len, cursor;
};

/*
 * Left/Right, Home/End (and Ctrl-A/Ctrl-E), Backspace, Delete (and Ctrl-D;
 * at the end of the line Delete removes the character before the cursor),
 * Ctrl-K (cut to the end), Ctrl-U (cut to the start), Ctrl-W (cut the word
 * before the cursor), printable characters insert at the cursor.
 */
enum edit_action line_edit_key(struct line_edit *e, struct menu_key key);

/*
 * The first character to show of a line edited in a field width columns
 * wide, given the one shown before: unchanged while the cursor stays in
 * view, else scrolled so that it is (one column is kept free for the
 * cursor at the end of the line).
 */
size_t line_edit_window(const struct line_edit *e, size_t width, size_t first);

#endif
