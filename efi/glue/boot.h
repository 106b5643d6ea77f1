/* SPDX-License-Identifier: MIT */
/*
 * The boot flow's steps and the two structures they pass along (see
 * docs/design.md): a boot_request says what to boot and where each file
 * is; a boot_state holds what the load steps made of it. efi_main() runs
 * the steps in order; each step either succeeds or prints one error line
 * and returns an error status, and everything it allocated is released
 * by the request's and the state's cleanup (pages: pages_free_all()).
 */
#ifndef PVHBOOT_BOOT_H
#define PVHBOOT_BOOT_H

#include "glue.h"

#include "boot_config.h"
#include "boot_entries.h"
#include "boot_options.h"
#include "elf_kernel.h"
#include "handoff.h"
#include "layout.h"
#include "load_plan.h"
#include "menu.h"
#include "mtrr_plan.h"
#include "pe_image.h"
#include "sha256.h"
#include "start_info.h"
#include "tcg_log.h"

/* How messages name a file: "path" or "pvhboot.conf-path:line: path". */
#define BOOT_NAME_MAX (2 * BOOT_PATH_MAX + 16)

/* Where bytes to boot come from: a file on a volume, bytes in pvhboot's
 * own image, or an item of QEMU's fw_cfg. Exactly one of root, data and
 * fw_cfg is set. */
struct boot_file {
        CHAR16 path[BOOT_PATH_MAX];     /* what info lines show */
        CHAR16 name[BOOT_NAME_MAX];     /* what error lines show */
        EFI_FILE_HANDLE root;           /* the request's; not owned */
        const UINT8 *data;
        UINTN data_size;
        bool fw_cfg;
        UINT16 fw_cfg_select;
        UINT32 fw_cfg_size;
};

/* One boot entry (entries.c): a BLS type #1 file, or pvhboot.conf. */
#define BOOT_MAX_ENTRIES 32u
struct boot_entry {
        struct boot_config config;
        CHAR16 path[BOOT_PATH_MAX];     /* its file, for messages */
        char id[BOOT_PATH_MAX];         /* file name without counter and ".conf" */
        struct entry_counter counter;
        /* From the entries directory (not pvhboot.conf): the kernel is told
         * its id (pvhboot.entry=), and a counter counts its tries. */
        bool from_dir;
};

struct boot_request {
        EFI_HANDLE image_handle;
        EFI_LOADED_IMAGE *image;
        CHAR16 own_dir[BOOT_PATH_MAX];
        /* pvhboot's own volume; NULL when its device has no file system
         * (LoadImage from a buffer, HTTP boot): then only a one-file image
         * can boot. */
        EFI_FILE_HANDLE own_root;
        struct boot_options args;       /* the shell's argv or LoadOptions */
        struct boot_config config;      /* pvhboot.conf, then the entry being tried */
        CHAR16 config_path[BOOT_PATH_MAX];      /* empty: there is none */
        bool conf_timing;               /* pvhboot.conf's timing: whichever entry boots */
        struct boot_options options;    /* what is booted, all sources merged */
        /* The entries, best first (pool memory), and the one being tried;
         * none when the arguments name a kernel. */
        struct boot_entry *entries;
        unsigned nr_entries, current_entry;
        /* pvhboot.conf's menu keys (boot_config.h). */
        int menu_timeout;
        char default_pattern[CONFIG_PATTERN_MAX];
        bool editor;
        /* The command line edited in the menu, for entries[0] only. */
        bool cmdline_edited;
        char edited_cmdline[PVH_CMDLINE_MAX + 1];
        struct pvh_pins pins;           /* pvhboot's .pvhpins section */
        bool secure_boot;
        bool kernel_from_image, cmdline_from_image;
        /* A one-file image given as a file (image_file.c): the whole file in
         * pool memory, owned; what kernel and initrds[0] point into. */
        UINT8 *image_file;
        UINT64 image_file_size;
        struct boot_file kernel;
        struct boot_file initrds[BOOT_MAX_INITRDS];     /* options.nr_initrds */
        /* Every volume root the request opened, closed once, by
         * request_close_volumes(): pvhboot's own, QEMU's loader file
         * system, and one for the kernel and each initrd found elsewhere. */
        EFI_FILE_HANDLE roots[3 + BOOT_MAX_INITRDS];
        unsigned nr_roots;
};

/* A boot_file opened for reading: its size and how to read it. */
struct source {
        const struct boot_file *file;
        UINT64 size;
        EFI_STATUS (*read)(struct source *s, UINT64 offset, void *buf, UINT64 len);
        struct efi_file handle;         /* for a file on a volume */
        EFI_STATUS error;               /* of the last failed read through source_read_cb() */
};

/* tpm_log.c: the kernel's copy of the firmware's TPM event log, announced
 * in the ACPI TPM2 table's log area (LAML/LASA), and what completes it
 * after ExitBootServices (the final events table past mark). */
struct tpm_log_copy {
        bool active;                    /* the TPM2 table points at buf */
        UINT8 *buf;                     /* EfiACPIMemoryNVS, pages pages, zero after used */
        UINTN pages;
        size_t used;
        struct tcg_log log;
        const UINT8 *final_table;
        size_t final_avail;
        struct tcg_final_mark mark;
        UINT8 *tpm2;                    /* the ACPI TPM2 table, changed in place */
        size_t tpm2_len;
        UINT8 saved[TCG_TPM2_LENGTH_WITH_LOG - TCG_TPM2_LAML_OFFSET];  /* its LAML and LASA before */
        UINT8 saved_checksum;
};

struct boot_state {
        struct source kernel_source;
        struct source initrd_sources[BOOT_MAX_INITRDS];
        struct elf_kernel kernel;
        struct phys_range kernel_ranges[ELF_KERNEL_MAX_SEGMENTS];
        size_t nr_kernel_ranges;
        struct load_plan plan;
        /* The whole kernel file's SHA-256, when a pin or the TPM needs it. */
        bool kernel_hashed;
        UINT8 kernel_digest[SHA256_DIGEST_SIZE];
        UINT64 staging_bytes;           /* pages allocated for staging */
        EFI_PHYSICAL_ADDRESS initrd;    /* all initrds, 4-byte aligned, PVH module 0 */
        UINT64 initrd_size;
        UINT64 initrd_offsets[BOOT_MAX_INITRDS];
        struct pvh_boot_block *block;
        struct handoff_params *params;
        EFI_PHYSICAL_ADDRESS handoff;
        struct efi_memmap memmap;
        struct mtrr_plan mtrr;          /* for the final memory map: written after ExitBootServices */
        UINT32 measured_pcrs;           /* PCRs extended (bit mask): a later failure ends them with an error separator */
        bool exit_tried;                /* ExitBootServices called: boot services may be gone */
        struct tpm_log_copy tpm_log;
};

/* request.c: what to boot, from the arguments, pvhboot.conf, pvhboot's
 * own image and QEMU's -kernel; *out is pool memory. */
EFI_STATUS request_choose(EFI_HANDLE image_handle, struct boot_request **out);
/* The next entry, when the one being tried failed before ExitBootServices;
 * EFI_NOT_FOUND when there is none left. */
EFI_STATUS request_next_entry(struct boot_request *req);
/* entries.c: \EFI\pvhboot\entries\*.conf and pvhboot.conf, best first. */
EFI_STATUS request_list_entries(struct boot_request *req);
/* Put entries[i] first, the others keeping their order behind it. */
void request_put_first(struct boot_request *req, unsigned i);
/* menu.c: which entry boots (the default, or what the menu chose, put
 * first) and the command line edited in the menu; EFI_ABORTED when the
 * user leaves pvhboot. */
EFI_STATUS request_menu(struct boot_request *req);
/* Record a volume root the request opened, to be closed with it. */
EFI_STATUS request_add_root(struct boot_request *req, EFI_FILE_HANDLE root);
void request_close_volumes(struct boot_request *req);
void request_freep(struct boot_request **req);

/* own_image.c: pvhboot's .pvhpins, and a one-file image's .linux,
 * .initrd and .cmdline sections: pvhboot's own or an image file's. */
EFI_STATUS request_use_own_image(struct boot_request *req);
/* Boot the one-file image's sections (image: its name in messages;
 * sections_of: in the sections' names, "(X .linux section)"). */
EFI_STATUS request_use_onefile(struct boot_request *req, const CHAR16 *image, const CHAR16 *sections_of);
/* Section name of the one-file image being booted (req->image_file, else
 * pvhboot's own image): VirtualSize bytes. */
bool onefile_section(const struct boot_request *req, const char *name, const UINT8 **data, UINTN *size);

/* image_file.c: the kernel file is a one-file image (a PE file, "MZ"):
 * read it whole, verify it under Secure Boot (shim's SHIM_LOCK protocol
 * when shim is there, else the firmware's LoadImage) and boot its sections.
 * Success and nothing changed when the kernel file is not a PE file. */
EFI_STATUS request_use_image_file(struct boot_request *req);
/* Free what request_use_image_file() read. */
void request_drop_image_file(struct boot_request *req);

/* qemu_boot.c: QEMU's -kernel/-initrd/-append from OVMF's kernel loader
 * file system; a PVH -kernel from fw_cfg. Success with no kernel chosen
 * when QEMU was given no -kernel. */
EFI_STATUS request_use_qemu_loader(struct boot_request *req);

/* The steps efi_main() runs in order (main.c), each one of these. */
typedef EFI_STATUS (*boot_step)(struct boot_request *req, struct boot_state *st);

/* policy.c: Secure Boot and pins, before anything is read; and the pins
 * against what was read. */
EFI_STATUS policy_check_request(struct boot_request *req, struct boot_state *st);
EFI_STATUS policy_verify_pins(struct boot_request *req, struct boot_state *st);

/* source.c */
EFI_STATUS source_open(struct source *s, const struct boot_file *f);
EFI_STATUS source_read(struct source *s, UINT64 offset, void *buf, UINT64 len);
/* The read callback core parsers take (ctx: a struct source). */
int source_read_cb(void *ctx, uint64_t offset, void *buf, size_t len);
void source_close(struct source *s);

/* boot_state.c */
EFI_STATUS boot_state_new(struct boot_state **out);
void boot_state_freep(struct boot_state **st);
/* Open the kernel and every initrd: all must exist before memory is
 * claimed. */
EFI_STATUS boot_open_sources(struct boot_request *req, struct boot_state *st);

/* kernel.c */
EFI_STATUS kernel_load(struct boot_request *req, struct boot_state *st);
/* Every byte of the kernel's destination is RAM in st->memmap. */
EFI_STATUS kernel_check_destinations(const struct boot_request *req, const struct boot_state *st);
/* initrd.c */
EFI_STATUS initrd_load(struct boot_request *req, struct boot_state *st);
/* measure.c */
EFI_STATUS measure_boot(struct boot_request *req, struct boot_state *st);
/* tpm_log.c: with a TPM, a copy of the firmware's event log (pvhboot's
 * own events included) for the kernel, announced in the ACPI TPM2 table;
 * a problem is one warning, never a failure. */
EFI_STATUS tpm_log_publish(struct boot_request *req, struct boot_state *st);
/* After ExitBootServices: append what the firmware logged since the copy
 * (memory reads and writes only; cannot fail). */
void tpm_log_after_exit(struct boot_state *st);
/* On a failed boot: the TPM2 table as it was, the copy freed. */
void tpm_log_undo(struct boot_state *st);
/* entries.c: boot counting, "NAME+LEFT-DONE.conf" renamed for this try
 * (a failure is a warning: the boot goes on). */
EFI_STATUS entry_count_try(struct boot_request *req, struct boot_state *st);
/* smbios.c: the firmware's SMBIOS entry points in 0xF0000-0xFFFFF, where a
 * kernel not booted through EFI scans for them (QEMU's q35 and i440FX; a
 * failure is a warning: the boot goes on without DMI). */
EFI_STATUS smbios_expose(struct boot_request *req, struct boot_state *st);
/* Every failure after the request was chosen ends here: an error separator
 * when something was measured, and every page handed back. */
void boot_failed(struct boot_state *st);
/* entry.c: start_info, the handoff, and every check of the final layout
 * that can be made before measuring. */
EFI_STATUS entry_prepare(struct boot_request *req, struct boot_state *st);
/* exit.c: read the memory map and check it as the final one must be
 * (the kernel's destination is RAM, the PVH map fits); may_allocate: a
 * larger buffer if the map outgrew it. */
EFI_STATUS exit_check_map(const struct boot_request *req, struct boot_state *st, bool may_allocate);
EFI_STATUS exit_boot_services(struct boot_request *req, struct boot_state *st);
/* mtrr.c: plan the write-back ranges the memory map in st needs (st->block's
 * PVH map and command line, st->memmap); fails, with one line naming
 * disable_mtrr_trim, only when Linux would remove RAM that pvhboot cannot
 * make write-back. */
EFI_STATUS mtrr_check(const struct boot_state *st, struct mtrr_plan *plan);
/* Say what the plan does, before ExitBootServices (one line, or none). */
void mtrr_report(const struct mtrr_plan *plan);
/* After ExitBootServices: write the plan's ranges (cannot fail). */
void mtrr_apply(const struct mtrr_plan *plan);
__attribute__((noreturn)) void enter_kernel(const struct boot_state *st);

#endif
