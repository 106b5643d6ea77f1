/* SPDX-License-Identifier: MIT */
#include "menu.h"

#define CTRL(c) ((uint16_t)((c) - 'a' + 1))

enum menu_action menu_key(struct menu *m, struct menu_key key) {
        unsigned last = m->nr_entries - 1;

        switch (key.scan) {
        case MENU_SCAN_UP:
                m->selected = m->selected ? m->selected - 1 : last;
                return MENU_MOVED;
        case MENU_SCAN_DOWN:
                m->selected = m->selected < last ? m->selected + 1 : 0;
                return MENU_MOVED;
        case MENU_SCAN_HOME:
        case MENU_SCAN_PAGE_UP:
                m->selected = 0;
                return MENU_MOVED;
        case MENU_SCAN_END:
        case MENU_SCAN_PAGE_DOWN:
                m->selected = last;
                return MENU_MOVED;
        case MENU_SCAN_NULL:
                break;
        default:
                return MENU_IGNORED;
        }
        switch (key.ch) {
        case 'k':
                return menu_key(m, (struct menu_key){ MENU_SCAN_UP, 0 });
        case 'j':
                return menu_key(m, (struct menu_key){ MENU_SCAN_DOWN, 0 });
        case '\r':
        case '\n':
        case ' ':
                return MENU_BOOT;
        case 'e':
                return MENU_EDIT;
        case 'q':
                return MENU_EXIT;
        }
        if (key.ch >= '1' && key.ch <= '9' && (unsigned)(key.ch - '1') <= last) {
                m->selected = (unsigned)(key.ch - '1');
                return MENU_MOVED;
        }
        return MENU_IGNORED;
}

/* Remove the bytes [from, to) of the line; the cursor goes to from. */
static enum edit_action cut(struct line_edit *e, size_t from, size_t to) {
        if (from == to)
                return EDIT_IGNORED;
        for (size_t i = to; i <= e->len; i++)
                e->buf[from + i - to] = e->buf[i];
        e->len -= to - from;
        e->cursor = from;
        return EDIT_CHANGED;
}

static enum edit_action move_to(struct line_edit *e, size_t pos) {
        if (pos == e->cursor)
                return EDIT_IGNORED;
        e->cursor = pos;
        return EDIT_CHANGED;
}

enum edit_action line_edit_key(struct line_edit *e, struct menu_key key) {
        uint16_t c = key.ch;

        switch (key.scan) {
        case MENU_SCAN_LEFT:
                return move_to(e, e->cursor ? e->cursor - 1 : 0);
        case MENU_SCAN_RIGHT:
                return move_to(e, e->cursor < e->len ? e->cursor + 1 : e->len);
        case MENU_SCAN_HOME:
                return move_to(e, 0);
        case MENU_SCAN_END:
                return move_to(e, e->len);
        case MENU_SCAN_DELETE:
                /* edk2's terminal driver reports DEL (0x7f), which is what
                 * most serial terminals send for Backspace, as Delete: at
                 * the end of the line, where Delete has nothing to remove,
                 * it is taken for the Backspace it most likely was. */
                if (e->cursor == e->len)
                        return e->cursor ? cut(e, e->cursor - 1, e->cursor) : EDIT_IGNORED;
                return cut(e, e->cursor, e->cursor + 1);
        case MENU_SCAN_ESC:
                return EDIT_CANCEL;
        case MENU_SCAN_NULL:
                break;
        default:
                return EDIT_IGNORED;
        }
        if (c == '\r' || c == '\n')
                return EDIT_ACCEPT;
        if (c == CTRL('a'))
                return move_to(e, 0);
        if (c == CTRL('e'))
                return move_to(e, e->len);
        if (c == CTRL('b'))
                return move_to(e, e->cursor ? e->cursor - 1 : 0);
        if (c == CTRL('f'))
                return move_to(e, e->cursor < e->len ? e->cursor + 1 : e->len);
        /* Backspace: the terminal sends BS (8) or DEL (0x7f). */
        if (c == 8 || c == 0x7f)
                return e->cursor ? cut(e, e->cursor - 1, e->cursor) : EDIT_IGNORED;
        if (c == CTRL('d'))
                return e->cursor < e->len ? cut(e, e->cursor, e->cursor + 1) : EDIT_IGNORED;
        if (c == CTRL('k'))
                return cut(e, e->cursor, e->len);
        if (c == CTRL('u'))
                return cut(e, 0, e->cursor);
        if (c == CTRL('w')) {
                size_t from = e->cursor;
                while (from && e->buf[from - 1] == ' ')
                        from--;
                while (from && e->buf[from - 1] != ' ')
                        from--;
                return cut(e, from, e->cursor);
        }
        if (c < 0x20 || c > 0x7e || e->len + 1 >= e->cap)
                return EDIT_IGNORED;
        for (size_t i = e->len + 1; i > e->cursor; i--)
                e->buf[i] = e->buf[i - 1];
        e->buf[e->cursor++] = (char)c;
        e->len++;
        return EDIT_CHANGED;
}

size_t line_edit_window(const struct line_edit *e, size_t width, size_t first) {
        if (width < 2)
                return e->cursor;
        if (first > e->cursor)
                return e->cursor;
        if (e->cursor - first >= width - 1)
                return e->cursor - (width - 1) + 1;
        return first;
}
