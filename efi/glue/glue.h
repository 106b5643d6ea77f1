/* SPDX-License-Identifier: MIT */
/* Thin wrappers over UEFI boot services, shared by the glue files. */
#ifndef PVHBOOT_GLUE_H
#define PVHBOOT_GLUE_H

#include <efi.h>
#include <efilib.h>
#include <stdbool.h>

#include "layout.h"
#include "pe_image.h"
#include "volume_spec.h"

/* console.c: every message is one line that starts with "pvhboot: ".
 * The error helpers return status, so that a failing step is one
 * expression: `return log_error_status(status, L"%s: read failed", name);`
 * log_error_status() ends the line with ": " and the status as text (%r);
 * log_error() is for errors whose message says it all. */
void log_info(const CHAR16 *fmt, ...);
void log_warning(const CHAR16 *fmt, ...);
EFI_STATUS log_error(EFI_STATUS status, const CHAR16 *fmt, ...);
EFI_STATUS log_error_status(EFI_STATUS status, const CHAR16 *fmt, ...);

/* Resources released when the variable goes out of scope, in the manner of
 * systemd-boot's _cleanup_: no goto ladders on error paths. */
#define _cleanup_(f) __attribute__((cleanup(f)))
static inline void pool_freep(void *p) {
        void **pp = p;
        if (*pp)
                FreePool(*pp);
        *pp = NULL;
}
#define _cleanup_pool_ _cleanup_(pool_freep)

/* Bytes rounded up to whole pages. */
/* CPUID leaf (subleaf 0): r = EAX, EBX, ECX, EDX. */
static inline void cpuid(UINT32 leaf, UINT32 r[4]) {
        __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static inline UINT64 page_align_up(UINT64 bytes) {
        return (bytes + EFI_PAGE_SIZE - 1) & ~(UINT64)(EFI_PAGE_SIZE - 1);
}

/* Highest addresses for pages_alloc_below(): what the 32-bit handoff and
 * PVH can reach, and what Linux's early PVH page tables map. */
#define BELOW_4G 0xFFFFFFFFull
#define BELOW_1G 0x3FFFFFFFull

/* pages.c: page allocations are recorded so that any failure before
 * ExitBootServices can hand every page back (the machine is untouched). */
EFI_STATUS pages_alloc_below(UINT64 max_address, UINT64 bytes, EFI_MEMORY_TYPE type,
                             EFI_PHYSICAL_ADDRESS *out);
EFI_STATUS pages_alloc_at(EFI_PHYSICAL_ADDRESS address, UINT64 bytes);
void pages_free_all(void);
/* Bytes allocated: claims = 1, the kernel's own destination pages; 0, the rest. */
UINT64 pages_bytes(int claims);
/* The allocations that must survive until the kernel runs (for checks). */
size_t pages_list(struct phys_range *out, size_t cap, int include_claims);

/* memmap.c */
struct efi_memmap {
        void *buffer;
        UINTN capacity;         /* bytes */
        UINTN size;
        UINTN key;
        UINTN desc_size;
        UINT32 desc_version;
};
/* Allocate a buffer big enough for the current map plus headroom. */
EFI_STATUS memmap_alloc(struct efi_memmap *m);
/* Fill the buffer; allocates nothing (safe between ExitBootServices tries). */
EFI_STATUS memmap_read(struct efi_memmap *m);
/* Fill the buffer, allocating a (larger) one first when there is none or
 * the map outgrew it. Not between ExitBootServices tries. */
EFI_STATUS memmap_read_growing(struct efi_memmap *m);

/* file.c */
struct efi_file {
        EFI_FILE_HANDLE handle;
        UINT64 size;
        const CHAR16 *path;
};
/* name: how messages refer to the file (the path, or "conf:line: path"). */
EFI_STATUS file_open(EFI_FILE_HANDLE root, const CHAR16 *path, const CHAR16 *name, struct efi_file *f);
/* The same without messages: EFI_NOT_FOUND, EFI_ACCESS_DENIED for a directory. */
EFI_STATUS file_open_quiet(EFI_FILE_HANDLE root, const CHAR16 *path, struct efi_file *f);
/* Read a whole small file into pool memory; EFI_NOT_FOUND without a message. */
EFI_STATUS file_read_all(EFI_FILE_HANDLE root, const CHAR16 *path, UINT64 max_size, void **data, UINT64 *size);
EFI_STATUS file_read_at(struct efi_file *f, UINT64 offset, void *buffer, UINT64 len);
void file_close(struct efi_file *f);
/* Rename the file at path to new_name (a name, no directory) in its
 * directory, and flush it to the medium. */
EFI_STATUS file_rename(EFI_FILE_HANDLE root, const CHAR16 *path, const CHAR16 *new_name);

/* qemu_loader.c: the root of OVMF's QEMU kernel loader file system (QEMU's
 * -kernel, -initrd, -append), or NULL when QEMU was given no -kernel. */
EFI_FILE_HANDLE qemu_loader_open_root(void);

/* fw_cfg.c: QEMU's fw_cfg device (call only where it is known to exist).
 * Non-zero if it answers with its signature and offers DMA. */
bool fw_cfg_has_dma(void);
/* A file of its directory: EFI_NOT_FOUND, EFI_UNSUPPORTED (no DMA). */
EFI_STATUS fw_cfg_find_file(const char *name, UINT16 *select, UINT32 *size);
EFI_STATUS fw_cfg_read(UINT16 select, UINT64 offset, void *buf, UINT64 len);
/* True under QEMU's TCG (its CPUID hypervisor signature); then the fw_cfg
 * ports are QEMU's. */
bool fw_cfg_under_tcg(void);
/* Zero guest memory by DMA (host speed; under TCG it also discards the
 * translated code of those pages at once). Needs no boot services. */
EFI_STATUS fw_cfg_dma_zero(UINT64 address, UINT32 len);

/* volumes.c: the root of the volume that spec names (LABEL=, GUID=), or,
 * for VOLUME_ANY, of the first volume other than skip that has path. *where
 * gets the volume's device path as text (pool memory, may be NULL). */
EFI_FILE_HANDLE volume_find(const struct volume_spec *spec, EFI_HANDLE skip, const CHAR16 *path,
                            CHAR16 **where);

/* timing.c: pvhboot.timing phase marks (see the file's comment). */
extern int timing_enabled;
UINT64 tsc_now(void);
void timing_mark(const char *phase, UINT64 bytes);
void timing_print(void);          /* before ExitBootServices, via the console */
void timing_print_serial(void);   /* after it, straight to COM1 */

/* trust.c */
bool secure_boot_enabled(void);
/* A section of pvhboot's own loaded image (the firmware verified it when
 * Secure Boot is on). */
bool own_section(EFI_LOADED_IMAGE *image, const char *name, const UINT8 **data, UINTN *size);
bool tpm_present(void);
/* Extend pcr with the SHA-256 of data and log an EV_IPL event whose data is
 * description (ASCII, no NUL); no TPM: nothing, success. */
EFI_STATUS tpm_measure(UINT32 pcr, const void *data, UINT64 len, const char *description);
/* The same with the event data systemd-stub logs: description as UTF-16
 * with its NUL. */
EFI_STATUS tpm_measure_utf16(UINT32 pcr, const void *data, UINT64 len, const CHAR16 *description);
/* For a boot that fails after measuring: extend each PCR in the bit mask
 * pcrs with the PC Client PFP's error separator, an EV_SEPARATOR event whose
 * data is the 4-byte value 0x00000001, so they no longer look like a good
 * boot. No TPM: nothing, success. Prints nothing; returns the first failure. */
EFI_STATUS tpm_measure_error_separator(UINT32 pcrs);

/* acpi.c: the RSDP from the configuration table (ACPI 2.0, else 1.0), or 0. */
UINT64 acpi_find_rsdp(void);
/* The first EFI configuration table entry under guid (its VendorTable in
 * *table, which may be NULL); false when there is none. */
bool config_table_find(const EFI_GUID *guid, void **table);

#endif
