/* SPDX-License-Identifier: MIT */
/*
 * Several boot entries: the Boot Loader Specification type #1 files that
 * pvhboot-kernel writes to \EFI\pvhboot\entries\ on pvhboot's volume, and
 * pvhboot.conf as one more entry. They are tried in systemd-boot's order
 * (boot_entries.h): the newest kernel first, the next one when an entry's
 * files are missing or invalid.
 */
#include "boot.h"

#include "boot_entries.h"

static const CHAR16 ENTRIES_DIR[] = L"\\EFI\\pvhboot\\entries";

/* An entry file name as ASCII (anything else as '?'), for ordering. */
static void ascii_name(const CHAR16 *name, char *out, size_t cap) {
        size_t i = 0;

        for (; name[i] && i + 1 < cap; i++)
                out[i] = name[i] < 0x80 ? (char)name[i] : '?';
        out[i] = 0;
}

static void add_entry(struct boot_request *req, const struct boot_config *cfg, const CHAR16 *path, const char *id,
                      const struct entry_counter *counter, bool from_dir) {
        struct boot_entry *e = &req->entries[req->nr_entries++];

        e->config = *cfg;
        StrCpy(e->path, path);
        CopyMem(e->id, id, sizeof(e->id));
        e->counter = *counter;
        e->from_dir = from_dir;
}

/* One file of the entries directory, if it is an entry: a parse error
 * skips it with a warning, as a boot menu would. */
static void read_entry(struct boot_request *req, const EFI_FILE_INFO *info, struct boot_config *cfg) {
        _cleanup_pool_ void *text = NULL;
        CHAR16 path[BOOT_PATH_MAX];
        char name[BOOT_PATH_MAX];
        struct entry_counter counter;
        UINT64 size;
        unsigned line;
        enum config_error err;

        if (StrLen(ENTRIES_DIR) + 1 + StrLen(info->FileName) >= BOOT_PATH_MAX) {
                log_warning(L"%s: a file name longer than %d characters; skipping it", ENTRIES_DIR,
                            BOOT_PATH_MAX - 2 - StrLen(ENTRIES_DIR));
                return;
        }
        ascii_name(info->FileName, name, sizeof(name));
        if ((info->Attribute & EFI_FILE_DIRECTORY) || !entry_name_parse(name, strlena((CHAR8 *)name), &counter))
                return;
        SPrint(path, sizeof(path), L"%s\\%s", ENTRIES_DIR, info->FileName);
        if (EFI_ERROR(file_read_all(req->own_root, path, CONFIG_MAX_SIZE, &text, &size)))
                return;
        err = config_parse(text, size, cfg, &line);
        if (err) {
                log_warning(L"%s:%d: %a; skipping this entry", path, line, config_strerror(err));
                return;
        }
        if (!cfg->options.kernel[0]) {
                log_warning(L"%s: no linux line; skipping this entry", path);
                return;
        }
        name[counter.base_len] = 0;
        add_entry(req, cfg, path, name, &counter, true);
}

static int compare(const struct boot_entry *a, const struct boot_entry *b) {
        struct entry_key ka = { a->id, a->config.sort_key, a->config.version, a->counter };
        struct entry_key kb = { b->id, b->config.sort_key, b->config.version, b->counter };
        return entry_compare(&ka, &kb);
}

EFI_STATUS request_list_entries(struct boot_request *req) {
        _cleanup_pool_ struct boot_config *cfg = AllocatePool(sizeof(*cfg));
        _cleanup_pool_ EFI_FILE_INFO *info = NULL;
        EFI_FILE_HANDLE dir = NULL;
        UINTN info_size = SIZE_OF_EFI_FILE_INFO + 256 * sizeof(CHAR16);
        static const struct entry_counter uncounted = { 0 };

        if (!cfg || !(info = AllocatePool(info_size)) || !(req->entries = AllocateZeroPool(
                                                                  BOOT_MAX_ENTRIES * sizeof(*req->entries))))
                return log_error(EFI_OUT_OF_RESOURCES, L"boot entries: out of memory");
        if (req->own_root &&
            !EFI_ERROR(req->own_root->Open(req->own_root, &dir, (CHAR16 *)ENTRIES_DIR, EFI_FILE_MODE_READ, 0))) {
                for (;;) {
                        UINTN n = info_size;
                        if (EFI_ERROR(dir->Read(dir, &n, info)) || n == 0)
                                break;
                        if (req->nr_entries == BOOT_MAX_ENTRIES - 1) {
                                log_warning(L"%s: more than %d entries; ignoring the rest", ENTRIES_DIR,
                                            BOOT_MAX_ENTRIES - 1);
                                break;
                        }
                        read_entry(req, info, cfg);
                }
                dir->Close(dir);
        }
        /* pvhboot.conf with a linux line is one entry more. */
        if (req->config_path[0] && req->config.options.kernel[0])
                add_entry(req, &req->config, req->config_path, "pvhboot", &uncounted, false);
        /* Insertion sort: a few entries. */
        for (unsigned i = 1; i < req->nr_entries; i++)
                for (unsigned j = i; j > 0 && compare(&req->entries[j - 1], &req->entries[j]) > 0; j--) {
                        struct boot_entry t = req->entries[j];
                        req->entries[j] = req->entries[j - 1];
                        req->entries[j - 1] = t;
                }
        return EFI_SUCCESS;
}

void request_put_first(struct boot_request *req, unsigned i) {
        struct boot_entry chosen;

        if (i == 0 || i >= req->nr_entries)
                return;
        chosen = req->entries[i];
        for (; i > 0; i--)
                req->entries[i] = req->entries[i - 1];
        req->entries[0] = chosen;
}

/*
 * BLS, "Boot counting": "the boot loader ... decrements the 'tries left'
 * counter and increments the 'tries done' counter ... by renaming the
 * file" before it boots the entry. An entry with no tries left is not
 * counted further. The boot goes on when the rename fails (a read-only
 * medium): the entry then keeps its tries.
 */
EFI_STATUS entry_count_try(struct boot_request *req, struct boot_state *st) {
        const struct boot_entry *e;
        const CHAR16 *name;
        char suffix[32];
        CHAR16 next[BOOT_PATH_MAX];
        size_t n = 0;
        EFI_STATUS status;

        (void)st;
        if (!req->nr_entries)
                return EFI_SUCCESS;
        e = &req->entries[req->current_entry];
        if (!e->from_dir || !e->counter.counted || e->counter.left == 0)
                return EFI_SUCCESS;
        /* The file's own name up to its counter (it may be more than
         * ASCII), then "+LEFT-DONE.conf". */
        name = e->path + StrLen(ENTRIES_DIR) + 1;
        entry_name_format(suffix, sizeof(suffix), "", 0, e->counter.left - 1, e->counter.done + 1);
        for (; n < e->counter.base_len; n++)
                next[n] = name[n];
        for (size_t i = 0; suffix[i] && n + 1 < BOOT_PATH_MAX; i++)
                next[n++] = (unsigned char)suffix[i];
        next[n] = 0;
        status = file_rename(req->own_root, e->path, next);
        if (EFI_ERROR(status))
                log_warning(L"%s: cannot rename it to %s to count this try (%r); booting it anyway", e->path, next,
                            status);
        else
                log_info(L"%s: %d %s left after this one; renamed to %s", e->path, e->counter.left - 1,
                         e->counter.left - 1 == 1 ? L"try" : L"tries", next);
        return EFI_SUCCESS;
}
