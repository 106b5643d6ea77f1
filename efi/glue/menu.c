/* SPDX-License-Identifier: MIT */
/*
 * The boot menu, on the firmware's text console (which OVMF mirrors to the
 * serial port, and whose terminal driver turns a serial terminal's escape
 * sequences into scan codes). Shown when pvhboot.conf has a timeout, or a
 * key is waiting when pvhboot starts; otherwise the default boots at once.
 * What keys do is core (menu.h); this file reads keys and draws.
 */
#include "boot.h"

#include "boot_entries.h"

#define SECOND_100NS 10000000ull

struct screen {
        UINTN cols, rows;
        UINTN status_row;
};

static void screen_init(struct screen *scr) {
        if (EFI_ERROR(ST->ConOut->QueryMode(ST->ConOut, ST->ConOut->Mode->Mode, &scr->cols, &scr->rows)) ||
            scr->cols < 20 || scr->rows < 5) {
                scr->cols = 80;
                scr->rows = 25;
        }
}

/* Print text[from, from + n) and blanks up to width columns. */
static void put_field(const char *text, size_t from, size_t n, size_t width) {
        CHAR16 line[256];
        size_t i = 0;

        while (i < width && i + 1 < sizeof(line) / sizeof(line[0])) {
                line[i] = i < n ? (unsigned char)text[from + i] : ' ';
                i++;
        }
        line[i] = 0;
        ST->ConOut->OutputString(ST->ConOut, line);
}

static void put_status(const struct screen *scr, const CHAR16 *fmt, ...) {
        CHAR16 line[256];
        va_list args;
        UINTN n;

        va_start(args, fmt);
        VSPrint(line, sizeof(line), fmt, args);
        va_end(args);
        /* Blank the rest of the row, never its last column (which would
         * scroll some terminals). */
        for (n = StrLen(line); n + 1 < scr->cols && n + 1 < sizeof(line) / sizeof(line[0]); n++)
                line[n] = ' ';
        line[n] = 0;
        ST->ConOut->SetCursorPosition(ST->ConOut, 0, scr->status_row);
        ST->ConOut->OutputString(ST->ConOut, line);
}

static const char *entry_label(const struct boot_entry *e) {
        return e->config.title[0] ? e->config.title : e->id;
}

static void draw_menu(const struct boot_request *req, struct screen *scr, const struct menu *m) {
        UINTN shown = req->nr_entries;

        if (shown > scr->rows - 5)
                shown = scr->rows - 5;
        ST->ConOut->SetAttribute(ST->ConOut, EFI_TEXT_ATTR(EFI_LIGHTGRAY, EFI_BLACK));
        ST->ConOut->ClearScreen(ST->ConOut);
        Print(L"pvhboot: boot menu\n\n");
        for (UINTN i = 0; i < shown; i++) {
                const struct boot_entry *e = &req->entries[i];
                bool sel = i == m->selected;
                if (sel)
                        ST->ConOut->SetAttribute(ST->ConOut, EFI_TEXT_ATTR(EFI_BLACK, EFI_LIGHTGRAY));
                Print(L"%c %d. %a%s", sel ? '>' : ' ', i + 1, entry_label(e),
                      entry_out_of_tries(&e->counter) ? L" (no tries left)" : L"");
                if (sel)
                        ST->ConOut->SetAttribute(ST->ConOut, EFI_TEXT_ATTR(EFI_LIGHTGRAY, EFI_BLACK));
                Print(L"\n");
        }
        Print(L"\nUp/Down or 1-9 choose, Enter boots, e edits the command line, q leaves pvhboot\n");
        scr->status_row = ST->ConOut->Mode->CursorRow;
}

/* Why the command line may not be edited, or NULL. */
static const CHAR16 *editor_off(const struct boot_request *req) {
        if (!req->editor)
                return L"editor no in pvhboot.conf";
        if (req->secure_boot)
                return L"Secure Boot is on";
        if (req->pins.have_cmdline)
                return L"the command line is pinned";
        return NULL;
}

/* The command line entry i would boot with, as the editor's start. */
static EFI_STATUS entry_cmdline(const struct boot_request *req, unsigned i, char *out, size_t cap) {
        _cleanup_pool_ struct boot_options *merged = AllocatePool(sizeof(*merged));

        if (!merged)
                return EFI_OUT_OF_RESOURCES;
        if (boot_options_merge(merged, &req->entries[i].config.options, &req->args))
                return EFI_INVALID_PARAMETER;
        if (merged->cmdline_len >= cap)
                return EFI_BUFFER_TOO_SMALL;
        CopyMem(out, merged->cmdline, merged->cmdline_len + 1);
        return EFI_SUCCESS;
}

/* Wait for a key or, with a countdown, for the next second. Returns
 * false when the countdown ran out. */
static bool wait_key(EFI_EVENT timer, bool counting, struct menu_key *key) {
        EFI_EVENT events[2] = { ST->ConIn->WaitForKey, timer };
        EFI_INPUT_KEY k;
        UINTN index;

        for (;;) {
                if (!EFI_ERROR(ST->ConIn->ReadKeyStroke(ST->ConIn, &k))) {
                        *key = (struct menu_key){ k.ScanCode, k.UnicodeChar };
                        return true;
                }
                if (EFI_ERROR(BS->WaitForEvent(counting ? 2 : 1, events, &index)))
                        return false;
                if (counting && index == 1)
                        return false;
        }
}

/*
 * Edit the command line of entry i on the status row. Returns true when
 * Enter accepted it (in req->edited_cmdline), false for Esc.
 */
static bool edit_cmdline(struct boot_request *req, struct screen *scr, unsigned i) {
        struct line_edit e = { req->edited_cmdline, sizeof(req->edited_cmdline), 0, 0 };
        size_t first = 0, width = scr->cols - 1;
        struct menu_key key;

        if (EFI_ERROR(entry_cmdline(req, i, req->edited_cmdline, sizeof(req->edited_cmdline)))) {
                put_status(scr, L"cannot edit: the entry's options are invalid");
                return false;
        }
        e.len = e.cursor = strlena((CHAR8 *)req->edited_cmdline);
        put_status(scr, L"Edit the command line: Enter boots, Esc goes back");
        ST->ConOut->EnableCursor(ST->ConOut, TRUE);
        for (enum edit_action a = EDIT_CHANGED;; a = line_edit_key(&e, key)) {
                if (a == EDIT_ACCEPT || a == EDIT_CANCEL) {
                        ST->ConOut->EnableCursor(ST->ConOut, FALSE);
                        return a == EDIT_ACCEPT;
                }
                if (a == EDIT_CHANGED) {
                        size_t n;
                        first = line_edit_window(&e, width, first);
                        n = e.len - first < width - 1 ? e.len - first : width - 1;
                        ST->ConOut->SetCursorPosition(ST->ConOut, 0, scr->status_row + 1);
                        put_field(e.buf, first, n, width - 1);
                        ST->ConOut->SetCursorPosition(ST->ConOut, e.cursor - first, scr->status_row + 1);
                }
                while (!wait_key(NULL, false, &key))
                        ;       /* no countdown: only a key ends the wait */
        }
}

/* Show the menu; *chosen is what to boot. EFI_ABORTED: leave pvhboot. */
static EFI_STATUS run_menu(struct boot_request *req, unsigned *chosen) {
        struct menu m = { .nr_entries = req->nr_entries, .selected = *chosen };
        struct screen scr;
        EFI_EVENT timer = NULL;
        int remaining = req->menu_timeout > 0 ? req->menu_timeout : 0;
        struct menu_key key;
        EFI_STATUS status;

        screen_init(&scr);
        if (remaining &&
            (EFI_ERROR(BS->CreateEvent(EVT_TIMER, 0, NULL, NULL, &timer)) ||
             EFI_ERROR(BS->SetTimer(timer, TimerPeriodic, SECOND_100NS))))
                remaining = 0;
        ST->ConOut->EnableCursor(ST->ConOut, FALSE);
        draw_menu(req, &scr, &m);
        for (;;) {
                if (remaining)
                        put_status(&scr, L"Booting %d. in %d s; any key stops the countdown", m.selected + 1,
                                   remaining);
                if (!wait_key(timer, remaining > 0, &key)) {
                        if (--remaining > 0)
                                continue;
                        status = EFI_SUCCESS;
                        break;
                }
                if (remaining) {
                        remaining = 0;
                        put_status(&scr, L"");
                }
                enum menu_action a = menu_key(&m, key);
                if (a == MENU_MOVED)
                        draw_menu(req, &scr, &m);
                if (a == MENU_BOOT) {
                        status = EFI_SUCCESS;
                        break;
                }
                if (a == MENU_EXIT) {
                        status = EFI_ABORTED;
                        break;
                }
                if (a == MENU_EDIT) {
                        const CHAR16 *off = editor_off(req);
                        if (off) {
                                put_status(&scr, L"The command line cannot be edited: %s", off);
                                continue;
                        }
                        if (edit_cmdline(req, &scr, m.selected)) {
                                req->cmdline_edited = true;
                                status = EFI_SUCCESS;
                                break;
                        }
                        draw_menu(req, &scr, &m);
                }
        }
        if (timer)
                BS->CloseEvent(timer);
        ST->ConOut->SetAttribute(ST->ConOut, EFI_TEXT_ATTR(EFI_LIGHTGRAY, EFI_BLACK));
        ST->ConOut->ClearScreen(ST->ConOut);
        ST->ConOut->EnableCursor(ST->ConOut, TRUE);
        /* A serial log has no screen to clear: what follows starts a line. */
        Print(L"\n");
        *chosen = m.selected;
        if (status == EFI_ABORTED)
                log_info(L"leaving pvhboot (q in the menu)");
        return status;
}

EFI_STATUS request_menu(struct boot_request *req) {
        _cleanup_pool_ struct entry_key *keys = AllocatePool(req->nr_entries * sizeof(*keys));
        EFI_INPUT_KEY pending;
        unsigned chosen;
        bool all_out_of_tries, show;
        EFI_STATUS status;

        if (!keys)
                return log_error(EFI_OUT_OF_RESOURCES, L"boot menu: out of memory");
        for (unsigned i = 0; i < req->nr_entries; i++) {
                const struct boot_entry *e = &req->entries[i];
                keys[i] = (struct entry_key){ e->id, e->config.sort_key, e->config.version, e->counter };
        }
        chosen = entry_default(keys, req->nr_entries, req->default_pattern, &all_out_of_tries);
        if (req->default_pattern[0] && !entry_pattern_match(req->default_pattern, req->entries[chosen].id))
                log_warning(L"default %a matches no entry with tries left; the default is %s", req->default_pattern,
                            req->entries[chosen].path);

        /* A key already waiting (pressed while the firmware started us)
         * shows the menu without a countdown, as in systemd-boot. */
        show = req->menu_timeout > 0 || req->menu_timeout == CONFIG_TIMEOUT_FORCE;
        if (!EFI_ERROR(ST->ConIn->ReadKeyStroke(ST->ConIn, &pending))) {
                show = true;
                req->menu_timeout = 0;
        }
        if (show) {
                status = run_menu(req, &chosen);
                if (EFI_ERROR(status))
                        return status;
                if (req->cmdline_edited)
                        log_info(L"booting %s with the command line edited in the menu", req->entries[chosen].path);
        } else if (all_out_of_tries) {
                log_warning(L"every entry has used up its tries; booting %s anyway", req->entries[chosen].path);
        }
        request_put_first(req, chosen);
        return EFI_SUCCESS;
}
