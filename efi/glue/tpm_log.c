/* SPDX-License-Identifier: MIT */
/*
 * The TPM event log for a kernel that is not booted through EFI. Linux
 * reads the firmware's log from an EFI configuration table only when the
 * EFI stub started it; otherwise it reads LAML bytes at LASA, the log area
 * fields of the ACPI TPM2 table (drivers/char/tpm/eventlog/acpi.c), as a
 * crypto-agile log. So, as the last step before ExitBootServices (after
 * measure_boot(), so that pvhboot's own PCR 9 and 12 events are in it):
 *
 * 1. find the TPM2 table (RSDP, XSDT or RSDT, checksums) and check that it
 *    has the log area fields (76 bytes, as QEMU's and the TCG ACPI
 *    specification's revision 4 table has them);
 * 2. GetEventLog (crypto-agile) and walk the whole log, bounded by the end
 *    of the memory map region it lies in; a truncated log is refused;
 * 3. mark where the final events table ends now: the firmware logs into it
 *    everything after the first GetEventLog call, and edk2's Tcg2Dxe logs
 *    two EV_EFI_ACTION events into PCR 5 while ExitBootServices runs
 *    ("Exit Boot Services Invocation", then "Exit Boot Services Returned
 *    with Success", or "... with Failure" on a failed try);
 * 4. copy the log into EfiACPIMemoryNVS pages below 4 GiB (the PVH memory
 *    map keeps them as ACPI NVS), with room for those events and zeroes
 *    after them, and point LAML/LASA at it, fixing the checksum in place;
 * 5. after ExitBootServices, tpm_log_after_exit() appends the final events
 *    table's events past the mark: exactly what the firmware logged
 *    meanwhile, checked all or none, with memory reads and writes only.
 *
 * Without the TCG2 protocol, or with a TPM the firmware reports as absent,
 * nothing happens and nothing is said. Any problem is one warning line and
 * the kernel gets no log; the boot goes on. A boot that fails later puts
 * the table back as it was (tpm_log_undo(), from boot_failed()).
 */
#include "boot.h"

#include "byteorder.h"
#include "tcg2_abi.h"

/* Room after the copied log for the events the firmware logs after the
 * copy (a few hundred bytes at ExitBootServices) and TCG_LOG_TAIL. */
#define TPM_LOG_ROOM (16u * 1024)
/* LAML is 32 bits; a log is tens of KiB (edk2: 64 KiB at most by default). */
#define TPM_LOG_MAX (16u * 1024 * 1024)

/* Bytes readable from address to the end of the memory map region that
 * holds it (the firmware allocates a log area in one piece), at most max;
 * 0 when no region holds it. */
static UINT64 region_avail(EFI_PHYSICAL_ADDRESS address, UINT64 max) {
        UINTN entries = 0, key, desc_size = 0;
        UINT32 desc_version;
        EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&entries, &key, &desc_size, &desc_version);
        UINT64 avail = 0;

        if (!map)
                return 0;
        for (UINTN i = 0; i < entries; i++) {
                EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + i * desc_size);
                if (d->NumberOfPages > (~0ull >> EFI_PAGE_SHIFT))
                        continue;
                if (address >= d->PhysicalStart && address - d->PhysicalStart < d->NumberOfPages << EFI_PAGE_SHIFT) {
                        avail = (d->NumberOfPages << EFI_PAGE_SHIFT) - (address - d->PhysicalStart);
                        break;
                }
        }
        FreePool(map);
        return avail < max ? avail : max;
}

/* An ACPI table at address with this signature (NULL for any): inside one
 * memory map region, its length from its header at most max_len, and its
 * checksum right. */
static UINT8 *acpi_table(UINT64 address, const char *signature, UINT32 max_len, UINT32 *len) {
        UINT8 *h = (UINT8 *)(UINTN)address;
        UINT64 avail = address ? region_avail(address, max_len) : 0;

        if (avail < TCG_ACPI_HEADER || (signature && CompareMem(h, (void *)signature, 4)))
                return NULL;
        *len = le32(h + 4);
        if (*len < TCG_ACPI_HEADER || *len > avail || tcg_acpi_sum(h, *len) != 0)
                return NULL;
        return h;
}

/* The first TPM2 table in the XSDT (ACPI 2.0+ RSDP) or RSDT, the one Linux
 * uses (acpi_get_table("TPM2", 1, ...)). */
static UINT8 *find_tpm2(UINT32 *len) {
        UINT8 *rsdp = (UINT8 *)(UINTN)acpi_find_rsdp(), *sdt;
        UINT32 sdt_len, entry_size;
        UINT64 sdt_address;

        if (!rsdp || CompareMem(rsdp, "RSD PTR ", 8) || tcg_acpi_sum(rsdp, 20) != 0)
                return NULL;
        if (rsdp[15] >= 2 && le32(rsdp + 20) >= 36 && le32(rsdp + 20) <= 4096 &&
            tcg_acpi_sum(rsdp, le32(rsdp + 20)) == 0 && le64(rsdp + 24)) {
                sdt_address = le64(rsdp + 24);
                entry_size = 8;
                sdt = acpi_table(sdt_address, "XSDT", 1u << 20, &sdt_len);
        } else {
                sdt_address = le32(rsdp + 16);
                entry_size = 4;
                sdt = acpi_table(sdt_address, "RSDT", 1u << 20, &sdt_len);
        }
        if (!sdt)
                return NULL;
        for (UINT32 off = TCG_ACPI_HEADER; off + entry_size <= sdt_len; off += entry_size) {
                UINT64 address = entry_size == 8 ? le64(sdt + off) : le32(sdt + off);
                UINT8 *t = acpi_table(address, NULL, 1u << 20, len);
                if (t && !CompareMem(t, TCG_TPM2_SIGNATURE, 4))
                        return t;
        }
        return NULL;
}

static bool copy_log(struct tcg2_protocol *t, struct tpm_log_copy *c) {
        EFI_GUID final_guid = EFI_TCG2_FINAL_EVENTS_TABLE_GUID;
        EFI_PHYSICAL_ADDRESS location = 0, last = 0, buf = BELOW_4G;
        BOOLEAN truncated = FALSE;
        enum tcg_log_error err;
        UINT64 avail, cap;
        UINT32 tpm2_len = 0;
        UINT8 *tpm2;
        void *final_table = NULL;
        EFI_STATUS status;

        status = t->get_event_log(t, EFI_TCG2_EVENT_LOG_FORMAT_TCG_2, &location, &last, &truncated);
        if (!EFI_ERROR(status) && !location)
                return false;           /* "no TPM is present": nothing to do */
        if (EFI_ERROR(status)) {
                log_warning(L"TPM event log: GetEventLog (crypto-agile) failed: %r; the kernel gets no event log", status);
                return false;
        }
        tpm2 = find_tpm2(&tpm2_len);
        if (!tpm2 || tcg_tpm2_check(tpm2, tpm2_len)) {
                log_warning(L"TPM event log: %s; the kernel gets no event log",
                            tpm2 ? L"the ACPI TPM2 table has no log area fields (LAML, LASA)" :
                                   L"no valid ACPI TPM2 table");
                return false;
        }
        if (truncated) {
                log_warning(L"TPM event log: the firmware ran out of log space and dropped events; "
                            L"the kernel gets no event log");
                return false;
        }
        avail = region_avail(location, TPM_LOG_MAX);
        /* EventLogLastEntry 0: no record at all (edk2 logs the Spec ID
         * event first, so there is always one). */
        err = last < location ? TCG_LOG_ERR_LAST_ENTRY
                              : tcg_log_parse((void *)(UINTN)location, avail, last - location, &c->log);
        if (err) {
                log_warning(L"TPM event log at 0x%lx: %a; the kernel gets no event log", location, tcg_log_strerror(err));
                return false;
        }
        config_table_find(&final_guid, &final_table);
        c->final_table = final_table;
        c->final_avail = c->final_table ? region_avail((UINTN)c->final_table, TPM_LOG_MAX) : 0;
        err = c->final_table ? tcg_final_mark(&c->log, c->final_table, c->final_avail, &c->mark)
                             : TCG_LOG_ERR_FINAL_TABLE;
        if (err) {
                log_warning(L"TPM event log: final events table: %a; the events of ExitBootServices could not be "
                            L"added: the kernel gets no event log", c->final_table ? tcg_log_strerror(err) : "none");
                return false;
        }
        cap = page_align_up(c->log.size + TPM_LOG_ROOM);
        c->pages = cap / EFI_PAGE_SIZE;
        status = BS->AllocatePages(AllocateMaxAddress, EfiACPIMemoryNVS, c->pages, &buf);
        if (EFI_ERROR(status)) {
                log_warning(L"TPM event log: allocating %ld bytes failed: %r; the kernel gets no event log", cap,
                            status);
                return false;
        }
        c->buf = (UINT8 *)(UINTN)buf;
        CopyMem(c->buf, (void *)(UINTN)location, c->log.size);
        ZeroMem(c->buf + c->log.size, cap - c->log.size);
        c->used = c->log.size;
        c->tpm2 = tpm2;
        c->tpm2_len = tpm2_len;
        CopyMem(c->saved, tpm2 + TCG_TPM2_LAML_OFFSET, sizeof(c->saved));
        c->saved_checksum = tpm2[9];
        tcg_tpm2_set_log_area(tpm2, tpm2_len, (UINT32)cap, buf);
        c->active = true;
        log_info(L"TPM event log: %d events (%ld bytes) copied to 0x%lx for the kernel (ACPI TPM2 log area)",
                 c->log.nr_events, (UINT64)c->log.size, buf);
        return true;
}

EFI_STATUS tpm_log_publish(struct boot_request *req, struct boot_state *st) {
        EFI_GUID guid = EFI_TCG2_PROTOCOL_GUID;
        struct tcg2_protocol *t = NULL;

        (void)req;
        if (EFI_ERROR(BS->LocateProtocol(&guid, NULL, (void **)&t)) || !t)
                return EFI_SUCCESS;
        copy_log(t, &st->tpm_log);
        return EFI_SUCCESS;
}

void tpm_log_after_exit(struct boot_state *st) {
        struct tpm_log_copy *c = &st->tpm_log;
        size_t used;
        UINT32 appended;

        if (!c->active)
                return;
        /* All or nothing: on an error the copy stays as it was (and its
         * replay then misses the PCR 5 events of ExitBootServices). */
        used = c->used;
        if (tcg_log_append_final(&c->log, c->buf, c->pages * EFI_PAGE_SIZE, &used, c->final_table, c->final_avail,
                                 &c->mark, &appended) == TCG_LOG_OK)
                c->used = used;
}

void tpm_log_undo(struct boot_state *st) {
        struct tpm_log_copy *c = st ? &st->tpm_log : NULL;

        if (!c || !c->active)
                return;
        /* Memory writes and FreePages: allowed after a failed ExitBootServices too. */
        CopyMem(c->tpm2 + TCG_TPM2_LAML_OFFSET, c->saved, sizeof(c->saved));
        c->tpm2[9] = c->saved_checksum;
        BS->FreePages((EFI_PHYSICAL_ADDRESS)(UINTN)c->buf, c->pages);
        c->active = false;
}
