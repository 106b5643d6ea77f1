/* SPDX-License-Identifier: MIT */
/*
 * The firmware's TPM 2.0 event log in the crypto-agile format, for a kernel
 * that is not booted through EFI: walked and validated, copied, completed
 * with the events the firmware logs at ExitBootServices (from its final
 * events table), replayed, and announced through the ACPI TPM2 table's log
 * area fields. Pure: every byte is read from a buffer whose size the caller
 * gives, every multi-byte field is read little-endian byte by byte (records
 * are not aligned).
 *
 * Sources:
 * - TCG PC Client Platform Firmware Profile (PFP), Family "2.0", Level 00
 *   Revision 1.05, "Event Logging": TCG_PCR_EVENT, TCG_PCR_EVENT2,
 *   TCG_EfiSpecIDEventStruct ("Spec ID Event03"), and the StartupLocality
 *   EV_NO_ACTION event (PCR 0 then starts at that locality, not at 0).
 * - TCG EFI Protocol Specification, Family "2.0": the final events table, EFI_TCG2_FINAL_EVENTS_TABLE { UINT64 Version (1); UINT64
 *   NumberOfEvents; TCG_PCR_EVENT2 Event[] }, holding every event logged
 *   after the first GetEventLog call.
 * - TCG ACPI Specification, Family "1.2" and "2.0", the TPM2 table: header (36 bytes), Platform Class (2), Reserved
 *   (2), Address of CRB Control Area (8), Start Method (4), Start Method
 *   Specific Parameters (12), Log Area Minimum Length (LAML, 4, at 64),
 *   Log Area Start Address (LASA, 8, at 68): 76 bytes with the log fields,
 *   which is what Linux (drivers/char/tpm/eventlog/acpi.c) requires before
 *   it reads LAML bytes at LASA as a crypto-agile log.
 * - How Linux walks such a log (drivers/char/tpm/eventlog/tpm2.c): a
 *   record whose event type and event size are both 0 ends it, and so does
 *   a record that would reach the end of the LAML bytes; so a copy keeps
 *   zeroed bytes after its last record (TCG_LOG_TAIL).
 */
#ifndef PVHBOOT_TCG_LOG_H
#define PVHBOOT_TCG_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TPM_ALG_ID (TPM 2.0 Library Part 2, 6.3). */
#define TCG_ALG_SHA1 0x0004u
#define TCG_ALG_SHA256 0x000Bu
#define TCG_ALG_SHA384 0x000Cu
#define TCG_ALG_SHA512 0x000Du
#define TCG_ALG_SM3_256 0x0012u

/* PFP event types used here. */
#define TCG_EV_NO_ACTION 0x00000003u
#define TCG_EV_EFI_ACTION 0x80000007u

/* Sizes of the fixed parts of the records (PFP). */
#define TCG_PCR_EVENT_HEAD 32u          /* pcrIndex, eventType, SHA-1 digest, eventSize */
#define TCG_SPEC_ID_HEAD 28u            /* signature .. numberOfAlgorithms */
#define TCG_PCR_EVENT2_HEAD 12u         /* pcrIndex, eventType, digests.count */
#define TCG_FINAL_TABLE_HEAD 16u        /* Version, NumberOfEvents */
#define TCG_FINAL_TABLE_VERSION 1u

/* More algorithms than any TPM has banks; digests up to SHA-512's. */
#define TCG_LOG_MAX_ALGORITHMS 8u
#define TCG_LOG_MAX_DIGEST 64u
/* PCRs a PC Client TPM has. */
#define TCG_LOG_PCRS 24u
/* Zeroed bytes kept after the last record of a copy: Linux stops at a
 * record that reaches the end of the area, and reads a record head (type
 * 0, size 0: the end) from what follows the last one. */
#define TCG_LOG_TAIL 64u

/* ACPI TPM2 table (TCG ACPI Specification). */
#define TCG_TPM2_SIGNATURE "TPM2"
#define TCG_TPM2_LAML_OFFSET 64u
#define TCG_TPM2_LASA_OFFSET 68u
#define TCG_TPM2_LENGTH_WITH_LOG 76u
#define TCG_ACPI_HEADER 36u

struct tcg_log_algorithm {
        uint16_t id;                    /* TPM_ALG_ID */
        uint16_t digest_size;
};

/* What a walk over a log found. */
struct tcg_log {
        struct tcg_log_algorithm algorithms[TCG_LOG_MAX_ALGORITHMS];
        uint32_t nr_algorithms;
        size_t first_event;             /* offset of the first TCG_PCR_EVENT2 */
        size_t size;                    /* bytes from the start to the end of the last record */
        uint32_t nr_events;             /* TCG_PCR_EVENT2 records */
};

enum tcg_log_error {
        TCG_LOG_OK = 0,
        TCG_LOG_ERR_TRUNCATED,          /* a record runs past the bytes given */
        TCG_LOG_ERR_SPEC_ID,            /* the first record is not the Spec ID event */
        TCG_LOG_ERR_ALGORITHMS,         /* no, too many, repeated or unsized algorithms */
        TCG_LOG_ERR_DIGESTS,            /* a record's digests: none, too many, or of an unlisted algorithm */
        TCG_LOG_ERR_END_RECORD,         /* a record readers take for the end (event type 0, no data) */
        TCG_LOG_ERR_LAST_ENTRY,         /* no record starts where the last one is said to */
        TCG_LOG_ERR_FINAL_TABLE,        /* the final events table's version or count */
        TCG_LOG_ERR_NO_ROOM,            /* the events do not fit in the copy */
        TCG_LOG_ERR_PCR,                /* an extending event names a PCR beyond 23 */
        TCG_LOG_ERR_NO_DIGEST,          /* replay: an extending event lacks the bank's digest */
        TCG_LOG_ERR_ACPI_TABLE,         /* not a TPM2 table, or without the log area fields */
};

/* Walk the log in the avail bytes at log: the Spec ID event, then
 * TCG_PCR_EVENT2 records up to and including the one that starts at
 * last_offset (GetEventLog's EventLogLastEntry minus EventLogLocation; 0:
 * the Spec ID event is the only record). Every record is checked against
 * the Spec ID event's algorithms and against avail. */
enum tcg_log_error tcg_log_parse(const void *log, size_t avail, size_t last_offset, struct tcg_log *out);

/* The size of the TCG_PCR_EVENT2 record at rec (avail bytes readable),
 * checked as tcg_log_parse() checks each record. */
enum tcg_log_error tcg_log_record_size(const struct tcg_log *log, const void *rec, size_t avail, size_t *size);

/* Where the firmware's final events table stands when the log is copied:
 * its NumberOfEvents then, and the offset of the first event after those. */
struct tcg_final_mark {
        uint64_t events;
        size_t offset;
};

/* Read the final events table in the avail bytes at table (all of its
 * current events are checked) and mark where it ends now. */
enum tcg_log_error tcg_final_mark(const struct tcg_log *log, const void *table, size_t avail,
                                  struct tcg_final_mark *mark);

/* Append to the copy (cap bytes, *used of them the log so far, the rest
 * zero) the events the final events table gained after mark, all or none:
 * every new record is checked first, and they must fit with TCG_LOG_TAIL
 * zero bytes left. *appended gets their number. Nothing is written on an
 * error. Safe after ExitBootServices: reads and writes memory only. */
enum tcg_log_error tcg_log_append_final(const struct tcg_log *log, uint8_t *copy, size_t cap, size_t *used,
                                        const void *table, size_t avail, const struct tcg_final_mark *mark,
                                        uint32_t *appended);

/* Replay the SHA-256 bank of a parsed log (size bytes at data): PCRs start
 * at their reset values (0-16 and 23 zero, 17-22 all ones; PCR 0 at the
 * StartupLocality event's locality) and are extended by every event but
 * EV_NO_ACTION. *covered gets one bit per PCR that an event extended. */
enum tcg_log_error tcg_log_replay_sha256(const struct tcg_log *log, const void *data,
                                         uint8_t pcrs[TCG_LOG_PCRS][32], uint32_t *covered);

/* ACPI: the 8-bit sum of len bytes (0 for a table whose checksum is right). */
uint8_t tcg_acpi_sum(const void *bytes, size_t len);

/* A TPM2 table (len bytes, as its header says) that has the log area
 * fields: signature, length >= 76 and the checksum. */
enum tcg_log_error tcg_tpm2_check(const void *table, size_t len);

/* Set LAML and LASA of a table tcg_tpm2_check() accepted and fix its
 * checksum. */
void tcg_tpm2_set_log_area(void *table, size_t len, uint32_t laml, uint64_t lasa);

const char *tcg_log_strerror(enum tcg_log_error err);

#endif
