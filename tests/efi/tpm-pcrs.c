/* SPDX-License-Identifier: MIT */
/*
 * tpm-pcrs.efi: a test-only EFI shell program that prints the TPM 2.0's
 * SHA-256 PCRs 0-23 as the firmware left them, read with TPM2_PCR_Read
 * through EFI_TCG2_PROTOCOL.SubmitCommand (TCG EFI Protocol Specification,
 * Family "2.0"; TPM 2.0 Library Part 3, 22.4), and the events of pvhboot's
 * PCRs (9 and 12) from the firmware's crypto-agile event log
 * (EFI_TCG2_PROTOCOL.GetEventLog). The measured-boot tests run it from
 * startup.nsh before and after pvhboot: the PCRs are the values pvhboot's
 * measurements extend, the events say what extended them.
 *
 * Output, one line per PCR (lowercase hex, 64 digits):
 *   tpm-pcrs: pcr-sha256-<n>=<hex>
 * then one line per event of PCR 9 and PCR 12, in log order:
 *   tpm-pcrs: event pcr=<n> type=0x<hex> size=<bytes> hex=<hex> data=<text>
 * where hex is the first 16 bytes of the event data (all of a separator's
 * 4 bytes: 01000000 is the error separator, 00000000 the normal one) and
 * text is the first 256 bytes as printable ASCII, '.' for other bytes;
 * then "tpm-pcrs: event-log events=<n>" (records after the Spec ID event)
 * and "tpm-pcrs: done". A log that cannot be read prints
 * "tpm-pcrs: error: event log: ..." instead of the events-line, and the
 * program still succeeds: the PCR lines stand on their own.
 * Without the protocol: "tpm-pcrs: no TPM" and EFI_NOT_FOUND; a failing
 * command: "tpm-pcrs: error: ..." and an error.
 *
 * Started by the boot manager instead of the shell (as a disk's
 * \EFI\BOOT\BOOTX64.EFI, where Secure Boot disables OVMF's shell), it
 * returns EFI_ABORTED after "done": BDS then goes on to the next boot option
 * (after an EFI_SUCCESS it would open its menu and stop there).
 */
#include <efi.h>
#include <efilib.h>

#include "tcg2_abi.h"

#define TPM_ST_NO_SESSIONS 0x8001
#define TPM_CC_PCR_READ 0x0000017E
#define TPM_ALG_SHA256 0x000B

static void put16(UINT8 *p, UINT16 v) {
        p[0] = (UINT8)(v >> 8);
        p[1] = (UINT8)v;
}

static void put32(UINT8 *p, UINT32 v) {
        put16(p, (UINT16)(v >> 16));
        put16(p + 2, (UINT16)v);
}

static UINT32 get32(const UINT8 *p) {
        return (UINT32)p[0] << 24 | (UINT32)p[1] << 16 | (UINT32)p[2] << 8 | p[3];
}

static UINT16 get16(const UINT8 *p) {
        return (UINT16)(p[0] << 8 | p[1]);
}

/* TPM2_PCR_Read of one SHA-256 PCR into digest[32]. */
static EFI_STATUS pcr_read(struct tcg2_protocol *t, unsigned pcr, UINT8 digest[32]) {
        UINT8 cmd[20], rsp[128];
        UINT32 size, pos, count;
        EFI_STATUS status;

        SetMem(cmd, sizeof(cmd), 0);
        SetMem(rsp, sizeof(rsp), 0);
        put16(cmd, TPM_ST_NO_SESSIONS);
        put32(cmd + 2, sizeof(cmd));
        put32(cmd + 6, TPM_CC_PCR_READ);
        put32(cmd + 10, 1);                     /* TPML_PCR_SELECTION.count */
        put16(cmd + 14, TPM_ALG_SHA256);        /* TPMS_PCR_SELECTION.hash */
        cmd[16] = 3;                            /* sizeofSelect: PCRs 0-23 */
        cmd[17 + pcr / 8] = (UINT8)(1u << (pcr % 8));
        status = t->submit_command(t, sizeof(cmd), cmd, sizeof(rsp), rsp);
        if (EFI_ERROR(status))
                return status;
        size = get32(rsp + 2);
        if (size < 10 || size > sizeof(rsp) || get32(rsp + 6) != 0) {
                Print(L"tpm-pcrs: error: PCR %d: TPM response code 0x%x, size %d\n", pcr, get32(rsp + 6), size);
                return EFI_DEVICE_ERROR;
        }
        /* pcrUpdateCounter, TPML_PCR_SELECTION, TPML_DIGEST. */
        pos = 10 + 4;
        count = get32(rsp + pos);
        pos += 4;
        for (UINT32 i = 0; i < count && pos + 3 <= size; i++)
                pos += 3 + rsp[pos + 2];
        if (pos + 4 + 2 + 32 > size || get32(rsp + pos) != 1 || get16(rsp + pos + 4) != 32) {
                Print(L"tpm-pcrs: error: PCR %d: no SHA-256 digest in the response (bank not active?)\n", pcr);
                return EFI_NOT_FOUND;
        }
        CopyMem(digest, rsp + pos + 6, 32);
        return EFI_SUCCESS;
}

/* The shell installs EFI_SHELL_PARAMETERS_PROTOCOL on the images it starts. */
static int from_shell(EFI_HANDLE image_handle) {
        EFI_GUID guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
        void *params = NULL;
        return !EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image_handle, &guid, &params)) && params;
}

/*
 * The event log is firmware data read by address: every record is checked
 * against the end of the memory the log lies in before it is read.
 * GetEventLog gives the log's start and the start of its last record but
 * not its size, so the bound is the end of the memory map region holding
 * the start (the firmware allocates the log area in one piece).
 */
struct event_log {
        const UINT8 *base;
        UINT64 size;            /* readable bytes from base */
        struct tcg_spec_id_algorithm algorithms[16];
        UINT32 nr_algorithms;
};

/* Copy len bytes at off out of the log: 0, or -1 if they are not all in it. */
static int log_read(const struct event_log *log, UINT64 off, UINT64 len, void *out) {
        if (off > log->size || len > log->size - off)
                return -1;
        CopyMem(out, log->base + off, len);
        return 0;
}

static EFI_STATUS log_region(EFI_PHYSICAL_ADDRESS start, UINT64 *size) {
        UINTN entries = 0, key, desc_size = 0;
        UINT32 desc_version;
        EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&entries, &key, &desc_size, &desc_version);
        EFI_STATUS status = EFI_NOT_FOUND;

        if (!map)
                return EFI_OUT_OF_RESOURCES;
        for (UINTN i = 0; i < entries; i++) {
                EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)map + i * desc_size);
                UINT64 bytes;
                if (d->NumberOfPages > (~0ull >> EFI_PAGE_SHIFT))
                        continue;
                bytes = d->NumberOfPages << EFI_PAGE_SHIFT;
                if (start >= d->PhysicalStart && start - d->PhysicalStart < bytes) {
                        *size = bytes - (start - d->PhysicalStart);
                        status = EFI_SUCCESS;
                        break;
                }
        }
        FreePool(map);
        return status;
}

/* The first record: TCG_PCR_EVENT (SHA-1 format) of type EV_NO_ACTION whose
 * data is TCG_EfiSpecIDEventStruct, listing the digest algorithms and sizes
 * of every later record. *next gets the offset of the first TCG_PCR_EVENT2. */
static int log_read_spec_id(struct event_log *log, UINT64 *next) {
        static const char signature[16] = TCG_SPEC_ID_SIGNATURE;
        struct tcg_pcr_event_head head;
        struct tcg_spec_id_event_head spec;
        UINT64 off = sizeof(head);

        if (log_read(log, 0, sizeof(head), &head) || head.event_size > log->size - off) {
                Print(L"tpm-pcrs: error: event log: the first record does not fit in the log's memory\n");
                return -1;
        }
        if (head.event_type != EV_NO_ACTION || head.event_size < sizeof(spec) ||
            log_read(log, off, sizeof(spec), &spec) || CompareMem(spec.signature, signature, sizeof(signature))) {
                Print(L"tpm-pcrs: error: event log: the first record is not the \"%a\" event\n",
                      TCG_SPEC_ID_SIGNATURE);
                return -1;
        }
        if (spec.number_of_algorithms == 0 ||
            spec.number_of_algorithms > sizeof(log->algorithms) / sizeof(log->algorithms[0]) ||
            spec.number_of_algorithms * sizeof(log->algorithms[0]) > head.event_size - sizeof(spec)) {
                Print(L"tpm-pcrs: error: event log: %d digest algorithms in the Spec ID event\n",
                      spec.number_of_algorithms);
                return -1;
        }
        log->nr_algorithms = spec.number_of_algorithms;
        if (log_read(log, off + sizeof(spec), log->nr_algorithms * sizeof(log->algorithms[0]), log->algorithms))
                return -1;
        *next = off + head.event_size;
        return 0;
}

static void put_hex(CHAR8 *out, const UINT8 *bytes, UINTN n) {
        static const CHAR8 digits[] = "0123456789abcdef";
        for (UINTN i = 0; i < n; i++) {
                out[2 * i] = digits[bytes[i] >> 4];
                out[2 * i + 1] = digits[bytes[i] & 15];
        }
        out[2 * n] = 0;
}

#define EVENT_HEX_BYTES 16
#define EVENT_TEXT_BYTES 256

static void print_event(UINT32 pcr, UINT32 type, const UINT8 *data, UINT32 size) {
        CHAR8 hex[2 * EVENT_HEX_BYTES + 1], text[EVENT_TEXT_BYTES + 1], type_hex[9];
        UINT8 type_bytes[4] = { (UINT8)(type >> 24), (UINT8)(type >> 16), (UINT8)(type >> 8), (UINT8)type };
        UINTN n = size < EVENT_TEXT_BYTES ? size : EVENT_TEXT_BYTES, skip = 0;

        put_hex(hex, data, size < EVENT_HEX_BYTES ? size : EVENT_HEX_BYTES);
        for (UINTN i = 0; i < n; i++)
                text[i] = data[i] >= 0x20 && data[i] < 0x7f ? (CHAR8)data[i] : '.';
        text[n] = 0;
        put_hex(type_hex, type_bytes, 4);
        while (skip < 7 && type_hex[skip] == '0')
                skip++;
        Print(L"tpm-pcrs: event pcr=%d type=0x%a size=%d hex=%a data=%a\n", pcr, type_hex + skip, size, hex, text);
}

static int is_pvhboot_pcr(UINT32 pcr) {
        return pcr == PVHBOOT_PCR_KERNEL || pcr == PVHBOOT_PCR_CMDLINE;
}

/* Every TCG_PCR_EVENT2 from off to the one that starts at last_off; prints
 * those of PCR 9 and 12 and returns the number of records, or -1. */
static INTN log_walk(const struct event_log *log, UINT64 off, UINT64 last_off) {
        INTN records = 0;

        while (off <= last_off) {
                UINT64 start = off;
                struct tcg_pcr_event2_head head;
                UINT32 event_size;

                if (log_read(log, off, sizeof(head), &head))
                        goto beyond;
                off += sizeof(head);
                if (head.digest_count > log->nr_algorithms) {
                        Print(L"tpm-pcrs: error: event log: record at +0x%lx has %d digests, the log %d algorithms\n",
                              start, head.digest_count, log->nr_algorithms);
                        return -1;
                }
                for (UINT32 i = 0; i < head.digest_count; i++) {
                        UINT16 algorithm;
                        UINT32 k = 0;
                        if (log_read(log, off, sizeof(algorithm), &algorithm))
                                goto beyond;
                        off += sizeof(algorithm);
                        while (k < log->nr_algorithms && log->algorithms[k].algorithm_id != algorithm)
                                k++;
                        if (k == log->nr_algorithms) {
                                Print(L"tpm-pcrs: error: event log: record at +0x%lx has a digest of algorithm 0x%x, "
                                      L"which the Spec ID event does not list\n", start, algorithm);
                                return -1;
                        }
                        if (log->algorithms[k].digest_size > log->size - off)
                                goto beyond;
                        off += log->algorithms[k].digest_size;
                }
                if (log_read(log, off, sizeof(event_size), &event_size))
                        goto beyond;
                off += sizeof(event_size);
                if (event_size > log->size - off)
                        goto beyond;
                if (is_pvhboot_pcr(head.pcr_index))
                        print_event(head.pcr_index, head.event_type, log->base + off, event_size);
                off += event_size;
                records++;
                if (start == last_off)
                        return records;
        }
        Print(L"tpm-pcrs: error: event log: no record starts where the firmware says the last one does (+0x%lx)\n",
              last_off);
        return -1;
beyond:
        Print(L"tpm-pcrs: error: event log: a record runs past the end of the log's memory (%ld bytes)\n", log->size);
        return -1;
}

static void print_event_log(struct tcg2_protocol *t) {
        EFI_PHYSICAL_ADDRESS location = 0, last = 0;
        BOOLEAN truncated = FALSE;
        struct event_log log;
        UINT64 first_record;
        INTN records;
        EFI_STATUS status;

        status = t->get_event_log(t, EFI_TCG2_EVENT_LOG_FORMAT_TCG_2, &location, &last, &truncated);
        if (EFI_ERROR(status)) {
                Print(L"tpm-pcrs: error: event log: GetEventLog: %r\n", status);
                return;
        }
        if (!location || !last) {
                Print(L"tpm-pcrs: error: event log: the firmware reports no crypto-agile log\n");
                return;
        }
        ZeroMem(&log, sizeof(log));
        status = log_region(location, &log.size);
        if (EFI_ERROR(status)) {
                Print(L"tpm-pcrs: error: event log: 0x%lx is in no memory map region: %r\n", location, status);
                return;
        }
        if (last < location || last - location >= log.size) {
                Print(L"tpm-pcrs: error: event log: its last record 0x%lx is outside its memory 0x%lx+%ld\n", last,
                      location, log.size);
                return;
        }
        log.base = (const UINT8 *)(UINTN)location;
        if (log_read_spec_id(&log, &first_record))
                return;
        records = last == location ? 0 : log_walk(&log, first_record, last - location);
        if (records < 0)
                return;
        if (truncated)
                Print(L"tpm-pcrs: event log truncated: the firmware ran out of log space and dropped events\n");
        Print(L"tpm-pcrs: event-log events=%ld\n", (UINT64)records);
}

EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        EFI_GUID guid = EFI_TCG2_PROTOCOL_GUID;
        struct tcg2_protocol *t = NULL;
        static const CHAR16 hex[] = L"0123456789abcdef";
        CHAR16 text[65];
        UINT8 digest[32];
        EFI_STATUS status;

        InitializeLib(image_handle, system_table);
        if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &guid, NULL, (void **)&t)) || !t) {
                Print(L"tpm-pcrs: no TPM\n");
                return EFI_NOT_FOUND;
        }
        for (unsigned pcr = 0; pcr < 24; pcr++) {
                status = pcr_read(t, pcr, digest);
                if (EFI_ERROR(status)) {
                        Print(L"tpm-pcrs: error: PCR %d: %r\n", pcr, status);
                        return status;
                }
                for (int i = 0; i < 32; i++) {
                        text[2 * i] = hex[digest[i] >> 4];
                        text[2 * i + 1] = hex[digest[i] & 15];
                }
                text[64] = 0;
                Print(L"tpm-pcrs: pcr-sha256-%d=%s\n", pcr, text);
        }
        print_event_log(t);
        Print(L"tpm-pcrs: done\n");
        if (from_shell(image_handle))
                return EFI_SUCCESS;
        Print(L"tpm-pcrs: not started from the shell: returning EFI_ABORTED so that the boot manager goes on\n");
        return EFI_ABORTED;
}
