/* SPDX-License-Identifier: MIT */
/*
 * The crypto-agile TPM event log: walk, check, copy, complete, replay
 * (include/tcg_log.h has the formats and their sources). Every size read
 * from the log is checked against the bytes that remain before it is used,
 * in the form `n > avail - off` so that nothing can wrap.
 */
#include "tcg_log.h"
#include "byteorder.h"

#include "sha256.h"

static bool bytes_equal(const uint8_t *a, const char *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (a[i] != (uint8_t)b[i])
                        return false;
        return true;
}

/* Both 16 bytes with their NUL. */
static const char SPEC_ID_SIGNATURE[16] = "Spec ID Event03";
static const char STARTUP_LOCALITY_SIGNATURE[16] = "StartupLocality";

static int algorithm_index(const struct tcg_log *log, uint16_t id) {
        for (uint32_t k = 0; k < log->nr_algorithms; k++)
                if (log->algorithms[k].id == id)
                        return (int)k;
        return -1;
}

/* One TCG_PCR_EVENT2 record as record_walk() found it. */
struct record {
        size_t size;
        const uint8_t *digest;          /* the digest of the algorithm asked for, or NULL */
        const uint8_t *event;
        uint32_t event_size;
};

/* The record at rec (avail bytes readable), checked against the log's
 * algorithms; r->digest for the algorithm want. */
static enum tcg_log_error record_walk(const struct tcg_log *log, const uint8_t *rec, size_t avail, uint16_t want,
                                      struct record *r) {
        uint32_t type, count, seen = 0;
        size_t off = TCG_PCR_EVENT2_HEAD;

        if (avail < TCG_PCR_EVENT2_HEAD)
                return TCG_LOG_ERR_TRUNCATED;
        type = le32(rec + 4);
        count = le32(rec + 8);
        if (count == 0 || count > log->nr_algorithms)
                return TCG_LOG_ERR_DIGESTS;
        r->digest = NULL;
        for (uint32_t i = 0; i < count; i++) {
                uint16_t id;
                int k;

                if (2 > avail - off)
                        return TCG_LOG_ERR_TRUNCATED;
                id = le16(rec + off);
                off += 2;
                k = algorithm_index(log, id);
                if (k < 0 || (seen & (1u << k)))
                        return TCG_LOG_ERR_DIGESTS;
                seen |= 1u << k;
                if (log->algorithms[k].digest_size > avail - off)
                        return TCG_LOG_ERR_TRUNCATED;
                if (id == want)
                        r->digest = rec + off;
                off += log->algorithms[k].digest_size;
        }
        if (4 > avail - off)
                return TCG_LOG_ERR_TRUNCATED;
        r->event_size = le32(rec + off);
        off += 4;
        if (r->event_size > avail - off)
                return TCG_LOG_ERR_TRUNCATED;
        r->event = rec + off;
        off += r->event_size;
        /* Linux's walker (calc_tpm2_event_size) ends the log here. */
        if (type == 0 && r->event_size == 0)
                return TCG_LOG_ERR_END_RECORD;
        r->size = off;
        return TCG_LOG_OK;
}

enum tcg_log_error tcg_log_record_size(const struct tcg_log *log, const void *rec, size_t avail, size_t *size) {
        struct record r;
        enum tcg_log_error err = record_walk(log, rec, avail, 0, &r);

        if (!err)
                *size = r.size;
        return err;
}

/* The first record: TCG_PCR_EVENT, PCR 0, EV_NO_ACTION, a zero SHA-1
 * digest, and TCG_EfiSpecIDEventStruct as its data. */
static enum tcg_log_error parse_spec_id(const uint8_t *p, size_t avail, struct tcg_log *out) {
        uint32_t event_size, n;
        const uint8_t *ev = p + TCG_PCR_EVENT_HEAD;
        size_t algs_end;

        if (avail < TCG_PCR_EVENT_HEAD)
                return TCG_LOG_ERR_TRUNCATED;
        if (le32(p) != 0 || le32(p + 4) != TCG_EV_NO_ACTION)
                return TCG_LOG_ERR_SPEC_ID;
        for (unsigned i = 8; i < 28; i++)
                if (p[i])
                        return TCG_LOG_ERR_SPEC_ID;
        event_size = le32(p + 28);
        if (event_size > avail - TCG_PCR_EVENT_HEAD)
                return TCG_LOG_ERR_TRUNCATED;
        if (event_size < TCG_SPEC_ID_HEAD + 4 + 1 || !bytes_equal(ev, SPEC_ID_SIGNATURE, 16))
                return TCG_LOG_ERR_SPEC_ID;
        /* specVersionMajor 2; uintnSize 1 (32-bit UINTN) or 2 (64-bit). */
        if (ev[21] != 2 || (ev[23] != 1 && ev[23] != 2))
                return TCG_LOG_ERR_SPEC_ID;
        n = le32(ev + 24);
        if (n == 0 || n > TCG_LOG_MAX_ALGORITHMS)
                return TCG_LOG_ERR_ALGORITHMS;
        algs_end = TCG_SPEC_ID_HEAD + 4 * (size_t)n;
        if (algs_end + 1 > event_size || ev[algs_end] > event_size - algs_end - 1)
                return TCG_LOG_ERR_SPEC_ID;     /* the algorithms or vendorInfo overrun the event */
        out->nr_algorithms = 0;
        for (uint32_t i = 0; i < n; i++) {
                uint16_t id = le16(ev + TCG_SPEC_ID_HEAD + 4 * i);
                uint16_t size = le16(ev + TCG_SPEC_ID_HEAD + 4 * i + 2);
                if (size == 0 || size > TCG_LOG_MAX_DIGEST || algorithm_index(out, id) >= 0)
                        return TCG_LOG_ERR_ALGORITHMS;
                out->algorithms[out->nr_algorithms++] = (struct tcg_log_algorithm){ id, size };
        }
        out->first_event = TCG_PCR_EVENT_HEAD + event_size;
        return TCG_LOG_OK;
}

enum tcg_log_error tcg_log_parse(const void *log, size_t avail, size_t last_offset, struct tcg_log *out) {
        const uint8_t *p = log;
        enum tcg_log_error err;
        size_t off, start;

        *out = (struct tcg_log){ 0 };
        err = parse_spec_id(p, avail, out);
        if (err)
                return err;
        off = out->first_event;
        if (last_offset == 0) {
                out->size = off;
                return TCG_LOG_OK;
        }
        if (last_offset < off || last_offset >= avail)
                return TCG_LOG_ERR_LAST_ENTRY;
        do {
                size_t size;
                start = off;
                err = tcg_log_record_size(out, p + off, avail - off, &size);
                if (err)
                        return err;
                off += size;
                out->nr_events++;
        } while (off <= last_offset && start != last_offset);
        if (start != last_offset)
                return TCG_LOG_ERR_LAST_ENTRY;
        out->size = off;
        return TCG_LOG_OK;
}

/* Walk count records from off; *end gets where the last one ends. */
static enum tcg_log_error walk_records(const struct tcg_log *log, const uint8_t *p, size_t avail, size_t off,
                                       uint64_t count, size_t *end) {
        for (uint64_t i = 0; i < count; i++) {
                size_t size;
                enum tcg_log_error err;
                if (off > avail)
                        return TCG_LOG_ERR_TRUNCATED;
                err = tcg_log_record_size(log, p + off, avail - off, &size);
                if (err)
                        return err;
                off += size;
        }
        *end = off;
        return TCG_LOG_OK;
}

enum tcg_log_error tcg_final_mark(const struct tcg_log *log, const void *table, size_t avail,
                                  struct tcg_final_mark *mark) {
        const uint8_t *p = table;
        enum tcg_log_error err;
        uint64_t events;
        size_t end;

        if (avail < TCG_FINAL_TABLE_HEAD)
                return TCG_LOG_ERR_TRUNCATED;
        if (le64(p) != TCG_FINAL_TABLE_VERSION)
                return TCG_LOG_ERR_FINAL_TABLE;
        events = le64(p + 8);
        err = walk_records(log, p, avail, TCG_FINAL_TABLE_HEAD, events, &end);
        if (err)
                return err;
        *mark = (struct tcg_final_mark){ events, end };
        return TCG_LOG_OK;
}

enum tcg_log_error tcg_log_append_final(const struct tcg_log *log, uint8_t *copy, size_t cap, size_t *used,
                                        const void *table, size_t avail, const struct tcg_final_mark *mark,
                                        uint32_t *appended) {
        const uint8_t *p = table;
        enum tcg_log_error err;
        uint64_t events;
        size_t end, bytes;

        *appended = 0;
        if (avail < TCG_FINAL_TABLE_HEAD)
                return TCG_LOG_ERR_TRUNCATED;
        events = le64(p + 8);
        if (le64(p) != TCG_FINAL_TABLE_VERSION || events < mark->events || mark->offset < TCG_FINAL_TABLE_HEAD)
                return TCG_LOG_ERR_FINAL_TABLE;
        err = walk_records(log, p, avail, mark->offset, events - mark->events, &end);
        if (err)
                return err;
        bytes = end - mark->offset;
        if (*used > cap || cap - *used < TCG_LOG_TAIL || bytes > cap - *used - TCG_LOG_TAIL)
                return TCG_LOG_ERR_NO_ROOM;
        for (size_t i = 0; i < bytes; i++)
                copy[*used + i] = p[mark->offset + i];
        *used += bytes;
        *appended = (uint32_t)(events - mark->events);
        return TCG_LOG_OK;
}

enum tcg_log_error tcg_log_replay_sha256(const struct tcg_log *log, const void *data,
                                         uint8_t pcrs[TCG_LOG_PCRS][32], uint32_t *covered) {
        const uint8_t *p = data;
        int k = algorithm_index(log, TCG_ALG_SHA256);
        size_t off = log->first_event;

        *covered = 0;
        for (unsigned i = 0; i < TCG_LOG_PCRS; i++)
                for (unsigned j = 0; j < 32; j++)
                        pcrs[i][j] = i >= 17 && i <= 22 ? 0xFF : 0;
        if (k < 0 || log->algorithms[k].digest_size != 32)
                return TCG_LOG_ERR_NO_DIGEST;
        for (uint32_t n = 0; n < log->nr_events; n++) {
                const uint8_t *rec = p + off;
                uint32_t pcr;
                struct sha256 s;
                struct record r;
                enum tcg_log_error err;

                if (off > log->size)
                        return TCG_LOG_ERR_TRUNCATED;
                err = record_walk(log, rec, log->size - off, TCG_ALG_SHA256, &r);
                if (err)
                        return err;
                off += r.size;
                pcr = le32(rec);
                if (le32(rec + 4) == TCG_EV_NO_ACTION) {
                        /* StartupLocality: PCR 0 was reset to the locality
                         * (the last byte) before anything extended it. */
                        if (pcr == 0 && !(*covered & 1u) && r.event_size >= 17 &&
                            bytes_equal(r.event, STARTUP_LOCALITY_SIGNATURE, 16))
                                pcrs[0][31] = r.event[16];
                        continue;
                }
                if (pcr >= TCG_LOG_PCRS)
                        return TCG_LOG_ERR_PCR;
                if (!r.digest)
                        return TCG_LOG_ERR_NO_DIGEST;
                sha256_init(&s);
                sha256_update(&s, pcrs[pcr], 32);
                sha256_update(&s, r.digest, 32);
                sha256_final(&s, pcrs[pcr]);
                *covered |= 1u << pcr;
        }
        return TCG_LOG_OK;
}

uint8_t tcg_acpi_sum(const void *bytes, size_t len) {
        const uint8_t *p = bytes;
        uint8_t sum = 0;
        for (size_t i = 0; i < len; i++)
                sum = (uint8_t)(sum + p[i]);
        return sum;
}

enum tcg_log_error tcg_tpm2_check(const void *table, size_t len) {
        const uint8_t *p = table;

        if (len < TCG_TPM2_LENGTH_WITH_LOG || !bytes_equal(p, TCG_TPM2_SIGNATURE, 4) || le32(p + 4) != len ||
            tcg_acpi_sum(p, len) != 0)
                return TCG_LOG_ERR_ACPI_TABLE;
        return TCG_LOG_OK;
}

void tcg_tpm2_set_log_area(void *table, size_t len, uint32_t laml, uint64_t lasa) {
        uint8_t *p = table;

        put_le(p + TCG_TPM2_LAML_OFFSET, laml, 4);
        put_le(p + TCG_TPM2_LASA_OFFSET, lasa, 8);
        p[9] = 0;
        p[9] = (uint8_t)(0x100 - tcg_acpi_sum(p, len));
}

const char *tcg_log_strerror(enum tcg_log_error err) {
        switch (err) {
        case TCG_LOG_OK: return "no error";
        case TCG_LOG_ERR_TRUNCATED: return "a record runs past the end of the log's memory";
        case TCG_LOG_ERR_SPEC_ID: return "the first record is not a \"Spec ID Event03\" event (not a crypto-agile log)";
        case TCG_LOG_ERR_ALGORITHMS: return "the Spec ID event lists no, too many, repeated or unsized digest algorithms";
        case TCG_LOG_ERR_DIGESTS: return "a record has no digests, too many, or one of an algorithm the Spec ID event does not list";
        case TCG_LOG_ERR_END_RECORD: return "a record of event type 0 with no data, which readers take for the end of the log";
        case TCG_LOG_ERR_LAST_ENTRY: return "no record starts where the firmware says the last one does";
        case TCG_LOG_ERR_FINAL_TABLE: return "the final events table has an unknown version or fewer events than before";
        case TCG_LOG_ERR_NO_ROOM: return "the events do not fit in the copy";
        case TCG_LOG_ERR_PCR: return "an event extends a PCR beyond 23";
        case TCG_LOG_ERR_NO_DIGEST: return "an event has no SHA-256 digest";
        case TCG_LOG_ERR_ACPI_TABLE: return "the ACPI TPM2 table has no log area fields or a wrong checksum";
        }
        return "unknown error";
}
