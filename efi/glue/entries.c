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
                      const struct entry_counter *counter) {
        struct boot_entry *e = &req->entries[req->nr_entries++];

        e->config = *cfg;
        StrCpy(e->path, path);
        CopyMem(e->id, id, sizeof(e->id));
        e->counter = *counter;
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
        add_entry(req, cfg, path, name, &counter);
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
                add_entry(req, &req->config, req->config_path, "pvhboot", &uncounted);
        /* Insertion sort: a few entries. */
        for (unsigned i = 1; i < req->nr_entries; i++)
                for (unsigned j = i; j > 0 && compare(&req->entries[j - 1], &req->entries[j]) > 0; j--) {
                        struct boot_entry t = req->entries[j];
                        req->entries[j] = req->entries[j - 1];
                        req->entries[j - 1] = t;
                }
        return EFI_SUCCESS;
}
