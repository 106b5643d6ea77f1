/* SPDX-License-Identifier: MIT */
/* The crypto-agile event log: walk, final events table, replay, TPM2 table. */
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "tcg_log.h"
#include "testlib.h"

struct buf {
        uint8_t b[8192];
        size_t n;
};

static void put(struct buf *b, const void *p, size_t n) {
        memcpy(b->b + b->n, p, n);
        b->n += n;
}

static void put_le(struct buf *b, uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; i++, v >>= 8)
                b->b[b->n++] = (uint8_t)v;
}

static void set_le(uint8_t *p, uint64_t v, unsigned n) {
        for (unsigned i = 0; i < n; i++, v >>= 8)
                p[i] = (uint8_t)v;
}

static const struct tcg_log_algorithm ALGS[] = { { TCG_ALG_SHA1, 20 }, { TCG_ALG_SHA256, 32 } };
#define NALGS 2u

/* The Spec ID event as edk2 writes it: PCR 0, EV_NO_ACTION, zero SHA-1. */
static void spec_id(struct buf *b, const struct tcg_log_algorithm *algs, uint32_t n, uint8_t vendor) {
        uint32_t size = TCG_SPEC_ID_HEAD + 4 * n + 1 + vendor;
        static const uint8_t zero[20];

        put_le(b, 0, 4);
        put_le(b, TCG_EV_NO_ACTION, 4);
        put(b, zero, 20);
        put_le(b, size, 4);
        put(b, "Spec ID Event03", 16);
        put_le(b, 0, 4);        /* platformClass */
        put_le(b, 0, 1);        /* specVersionMinor */
        put_le(b, 2, 1);        /* specVersionMajor */
        put_le(b, 0, 1);        /* specErrata */
        put_le(b, 2, 1);        /* uintnSize: 64-bit */
        put_le(b, n, 4);
        for (uint32_t i = 0; i < n; i++) {
                put_le(b, algs[i].id, 2);
                put_le(b, algs[i].digest_size, 2);
        }
        put_le(b, vendor, 1);
        for (unsigned i = 0; i < vendor; i++)
                put_le(b, 0xA0 + i, 1);
}

/* A TCG_PCR_EVENT2 with a digest per algorithm (each byte seed + algorithm
 * index); returns where it starts. */
static size_t event2(struct buf *b, uint32_t pcr, uint32_t type, uint8_t seed, const void *data, uint32_t len) {
        size_t start = b->n;

        put_le(b, pcr, 4);
        put_le(b, type, 4);
        put_le(b, NALGS, 4);
        for (unsigned i = 0; i < NALGS; i++) {
                put_le(b, ALGS[i].id, 2);
                for (unsigned j = 0; j < ALGS[i].digest_size; j++)
                        put_le(b, (uint8_t)(seed + i), 1);
        }
        put_le(b, len, 4);
        put(b, data, len);
        return start;
}

static const char LOCALITY[17] = "StartupLocality\0\3";

/* A log: Spec ID, StartupLocality (locality 3), then events in PCR 0, 9,
 * 12 and 17. *last: where the last record starts. */
static void make_log(struct buf *b, size_t *last) {
        memset(b, 0, sizeof(*b));
        spec_id(b, ALGS, NALGS, 3);
        event2(b, 0, TCG_EV_NO_ACTION, 0, LOCALITY, sizeof(LOCALITY));
        event2(b, 0, 0x00000008 /* EV_S_CRTM_VERSION */, 0x10, "\0\0", 2);
        event2(b, 9, 0x0000000D, 0x20, "pvhboot: kernel", 15);
        event2(b, 12, 0x0000000D, 0x30, "pvhboot: command line", 21);
        *last = event2(b, 17, 0x80000007, 0x40, "x", 1);
}

/* Parse a copy of exactly avail bytes (ASan sees any read past them). */
static enum tcg_log_error parse_exact(const uint8_t *data, size_t avail, size_t last, struct tcg_log *out) {
        uint8_t *copy = malloc(avail ? avail : 1);
        enum tcg_log_error err;

        memcpy(copy, data, avail);
        err = tcg_log_parse(copy, avail, last, out);
        free(copy);
        return err;
}

static void test_parse(void) {
        struct buf b;
        struct tcg_log log;
        size_t last;

        make_log(&b, &last);
        CHECK_EQ(parse_exact(b.b, b.n, last, &log), TCG_LOG_OK);
        CHECK_EQ(log.nr_algorithms, 2);
        CHECK_EQ(log.algorithms[0].id, TCG_ALG_SHA1);
        CHECK_EQ(log.algorithms[1].digest_size, 32);
        CHECK_EQ(log.first_event, 32 + 28 + 8 + 1 + 3);
        CHECK_EQ(log.nr_events, 5);
        CHECK_EQ(log.size, b.n);
        /* Bytes after the last record (the firmware's 0xFF fill) are not read. */
        CHECK_EQ(parse_exact(b.b, sizeof(b.b), last, &log), TCG_LOG_OK);
        CHECK_EQ(log.size, b.n);
        /* Only the Spec ID event. */
        CHECK_EQ(parse_exact(b.b, b.n, 0, &log), TCG_LOG_OK);
        CHECK_EQ(log.nr_events, 0);
        CHECK_EQ(log.size, log.first_event);
}

/* Every length short of the whole log fails, without reading past it. */
static void test_parse_truncated(void) {
        struct buf b;
        struct tcg_log log;
        size_t last;

        make_log(&b, &last);
        for (size_t avail = 0; avail < b.n; avail++)
                CHECK(parse_exact(b.b, avail, last, &log) != TCG_LOG_OK);
}

/* One field of the Spec ID event broken at a time. */
static void test_spec_id_fields(void) {
        static const struct {
                size_t off;
                uint64_t value;
                unsigned width;
                enum tcg_log_error want;
        } cases[] = {
                { 0, 1, 4, TCG_LOG_ERR_SPEC_ID },               /* PCR 1 */
                { 4, 0x80000007, 4, TCG_LOG_ERR_SPEC_ID },      /* not EV_NO_ACTION */
                { 8, 1, 1, TCG_LOG_ERR_SPEC_ID },               /* SHA-1 digest not zero */
                { 27, 1, 1, TCG_LOG_ERR_SPEC_ID },
                { 28, 0x7fffffff, 4, TCG_LOG_ERR_TRUNCATED },   /* eventSize past the end */
                { 28, 32, 4, TCG_LOG_ERR_SPEC_ID },             /* too small for one algorithm */
                { 32 + 14, '4', 1, TCG_LOG_ERR_SPEC_ID },       /* "Spec ID Event04" */
                { 32 + 15, 'x', 1, TCG_LOG_ERR_SPEC_ID },       /* no NUL */
                { 32 + 21, 1, 1, TCG_LOG_ERR_SPEC_ID },         /* specVersionMajor 1 */
                { 32 + 23, 3, 1, TCG_LOG_ERR_SPEC_ID },         /* uintnSize 3 */
                { 32 + 24, 0, 4, TCG_LOG_ERR_ALGORITHMS },      /* no algorithm */
                { 32 + 24, 9, 4, TCG_LOG_ERR_ALGORITHMS },      /* more than TCG_LOG_MAX_ALGORITHMS */
                { 32 + 24, 3, 4, TCG_LOG_ERR_SPEC_ID },         /* 3 algorithms overrun the event */
                { 32 + 24, 0xffffffff, 4, TCG_LOG_ERR_ALGORITHMS },
                { 32 + 30, 0, 2, TCG_LOG_ERR_ALGORITHMS },      /* SHA-1 of size 0 */
                { 32 + 30, 65, 2, TCG_LOG_ERR_ALGORITHMS },     /* larger than SHA-512 */
                { 32 + 32, TCG_ALG_SHA1, 2, TCG_LOG_ERR_ALGORITHMS },  /* SHA-1 twice */
                { 32 + 36, 4, 1, TCG_LOG_ERR_SPEC_ID },         /* vendorInfoSize past the event */
        };
        struct buf b;
        struct tcg_log log;
        size_t last;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                make_log(&b, &last);
                set_le(b.b + cases[i].off, cases[i].value, cases[i].width);
                tl_current = "test_spec_id_fields";
                if (parse_exact(b.b, b.n, last, &log) != cases[i].want)
                        fprintf(stderr, "  case %zu (offset %zu = 0x%llx)\n", i, cases[i].off,
                                (unsigned long long)cases[i].value);
                CHECK_EQ(parse_exact(b.b, b.n, last, &log), cases[i].want);
        }
        /* vendorInfoSize 2 of 3: fits, the event is larger than needed. */
        make_log(&b, &last);
        set_le(b.b + 32 + 36, 2, 1);
        CHECK_EQ(parse_exact(b.b, b.n, last, &log), TCG_LOG_OK);
}

/* One field of a TCG_PCR_EVENT2 broken at a time (the PCR 9 event). */
static void test_record_fields(void) {
        struct buf b;
        struct tcg_log log;
        size_t last, rec, data_size;

        make_log(&b, &last);
        /* Find the PCR 9 record: the third after the Spec ID event. */
        CHECK_EQ(parse_exact(b.b, b.n, 0, &log), TCG_LOG_OK);
        rec = log.first_event;
        for (int i = 0; i < 2; i++) {
                size_t size;
                CHECK_EQ(tcg_log_record_size(&log, b.b + rec, b.n - rec, &size), TCG_LOG_OK);
                rec += size;
        }
        CHECK_EQ(b.b[rec], 9);
        data_size = rec + 12 + 2 + 20 + 2 + 32;

        struct {
                size_t off;
                uint64_t value;
                unsigned width;
                enum tcg_log_error want;
        } cases[] = {
                { rec + 8, 0, 4, TCG_LOG_ERR_DIGESTS },         /* no digest */
                { rec + 8, 3, 4, TCG_LOG_ERR_DIGESTS },         /* more than the log's algorithms */
                { rec + 8, 0xffffffff, 4, TCG_LOG_ERR_DIGESTS },
                { rec + 12, TCG_ALG_SHA384, 2, TCG_LOG_ERR_DIGESTS },   /* not in the Spec ID event */
                { rec + 12 + 22, TCG_ALG_SHA1, 2, TCG_LOG_ERR_DIGESTS },  /* SHA-1 twice */
                { data_size, 0x7fffffff, 4, TCG_LOG_ERR_TRUNCATED },
                /* eventSize 1 byte more or less: the next "record" is misread */
                { data_size, 16, 4, TCG_LOG_ERR_DIGESTS },
                { data_size, 14, 4, TCG_LOG_ERR_DIGESTS },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                make_log(&b, &last);
                set_le(b.b + cases[i].off, cases[i].value, cases[i].width);
                if (parse_exact(b.b, b.n, last, &log) != cases[i].want)
                        fprintf(stderr, "  case %zu\n", i);
                CHECK_EQ(parse_exact(b.b, b.n, last, &log), cases[i].want);
        }
        /* Event type 0 with no data: Linux would end the log there. */
        make_log(&b, &last);
        set_le(b.b + rec + 4, 0, 4);
        CHECK_EQ(parse_exact(b.b, b.n, last, &log), TCG_LOG_OK);        /* has data: fine */
        memset(&b, 0, sizeof(b));
        spec_id(&b, ALGS, NALGS, 0);
        last = event2(&b, 0, 0, 1, "", 0);
        CHECK_EQ(parse_exact(b.b, b.n, last, &log), TCG_LOG_ERR_END_RECORD);
        /* The last entry: in the middle of a record, before the first, past the end. */
        make_log(&b, &last);
        CHECK_EQ(parse_exact(b.b, b.n, last + 1, &log), TCG_LOG_ERR_LAST_ENTRY);
        CHECK_EQ(parse_exact(b.b, b.n, last - 1, &log), TCG_LOG_ERR_LAST_ENTRY);
        CHECK_EQ(parse_exact(b.b, b.n, 10, &log), TCG_LOG_ERR_LAST_ENTRY);
        CHECK_EQ(parse_exact(b.b, b.n, b.n, &log), TCG_LOG_ERR_LAST_ENTRY);
        CHECK_EQ(parse_exact(b.b, b.n, (size_t)-1, &log), TCG_LOG_ERR_LAST_ENTRY);
}

/* A final events table with n events of PCR 5 (seeds 0x50...). */
static void final_table(struct buf *t, uint64_t n, uint64_t total) {
        memset(t, 0xFF, sizeof(*t));    /* edk2 fills the area with 0xFF */
        t->n = 0;
        put_le(t, TCG_FINAL_TABLE_VERSION, 8);
        put_le(t, n, 8);
        for (uint64_t i = 0; i < total; i++)
                event2(t, 5, TCG_EV_EFI_ACTION, (uint8_t)(0x50 + i), i & 1 ? "Exit Boot Services Returned with Success"
                                                                            : "Exit Boot Services Invocation",
                       i & 1 ? 40 : 29);
}

static void test_final_events(void) {
        struct buf b, t;
        struct tcg_log log, again;
        struct tcg_final_mark mark;
        uint8_t copy[4096], before[4096];
        size_t last, used, cap = sizeof(copy);
        uint32_t appended = 99;

        make_log(&b, &last);
        CHECK_EQ(tcg_log_parse(b.b, b.n, last, &log), TCG_LOG_OK);
        /* When the log is copied, the table holds 1 event (also in the log). */
        final_table(&t, 1, 1);
        CHECK_EQ(tcg_final_mark(&log, t.b, sizeof(t.b), &mark), TCG_LOG_OK);
        CHECK_EQ(mark.events, 1);
        CHECK_EQ(mark.offset, 16 + 12 + 22 + 34 + 4 + 29);
        /* ExitBootServices adds two. */
        final_table(&t, 3, 3);
        memset(copy, 0, sizeof(copy));
        memcpy(copy, b.b, b.n);
        used = b.n;
        CHECK_EQ(tcg_log_append_final(&log, copy, cap, &used, t.b, sizeof(t.b), &mark, &appended), TCG_LOG_OK);
        CHECK_EQ(appended, 2);
        CHECK_EQ(used, b.n + (t.n - mark.offset));
        CHECK(memcmp(copy + b.n, t.b + mark.offset, t.n - mark.offset) == 0);
        CHECK_EQ(copy[used], 0);
        /* The copy is a log of 7 events ending where the last one (the
         * table's third, "Exit Boot Services Invocation") ends. */
        CHECK_EQ(tcg_log_parse(copy, cap, used - (12 + 22 + 34 + 4 + 29), &again), TCG_LOG_OK);
        CHECK_EQ(again.nr_events, 7);
        CHECK_EQ(again.size, used);
        /* Nothing new: nothing appended. */
        used = b.n;
        final_table(&t, 1, 1);
        CHECK_EQ(tcg_log_append_final(&log, copy, cap, &used, t.b, sizeof(t.b), &mark, &appended), TCG_LOG_OK);
        CHECK_EQ(appended, 0);
        CHECK_EQ(used, b.n);

        /* Failures write nothing. */
        final_table(&t, 3, 3);
        memcpy(before, copy, sizeof(copy));
        used = b.n;
        /* No room: TCG_LOG_TAIL zero bytes must stay after the last record. */
        CHECK_EQ(tcg_log_append_final(&log, copy, b.n + (t.n - mark.offset) + TCG_LOG_TAIL - 1, &used, t.b,
                                      sizeof(t.b), &mark, &appended), TCG_LOG_ERR_NO_ROOM);
        CHECK_EQ(tcg_log_append_final(&log, copy, b.n + (t.n - mark.offset) + TCG_LOG_TAIL, &used, t.b, sizeof(t.b),
                                      &mark, &appended), TCG_LOG_OK);
        used = b.n;
        CHECK_EQ(tcg_log_append_final(&log, copy, b.n - 1, &used, t.b, sizeof(t.b), &mark, &appended),
                 TCG_LOG_ERR_NO_ROOM);
        memcpy(copy, before, sizeof(copy));
        /* Version 2, fewer events than marked, more events than records. */
        set_le(t.b, 2, 8);
        CHECK_EQ(tcg_log_append_final(&log, copy, cap, &used, t.b, sizeof(t.b), &mark, &appended),
                 TCG_LOG_ERR_FINAL_TABLE);
        CHECK_EQ(tcg_final_mark(&log, t.b, sizeof(t.b), &mark), TCG_LOG_ERR_FINAL_TABLE);
        final_table(&t, 1, 1);
        CHECK_EQ(tcg_final_mark(&log, t.b, sizeof(t.b), &mark), TCG_LOG_OK);
        final_table(&t, 0, 0);
        CHECK_EQ(tcg_log_append_final(&log, copy, cap, &used, t.b, sizeof(t.b), &mark, &appended),
                 TCG_LOG_ERR_FINAL_TABLE);
        final_table(&t, 4, 3);          /* the fourth "record" is 0xFF fill */
        CHECK_EQ(tcg_log_append_final(&log, copy, cap, &used, t.b, sizeof(t.b), &mark, &appended),
                 TCG_LOG_ERR_DIGESTS);
        final_table(&t, 3, 3);          /* the table's memory ends inside the last record */
        CHECK_EQ(tcg_log_append_final(&log, copy, cap, &used, t.b, t.n - 1, &mark, &appended),
                 TCG_LOG_ERR_TRUNCATED);
        CHECK_EQ(used, b.n);
        CHECK(memcmp(copy, before, sizeof(copy)) == 0);
        CHECK_EQ(appended, 0);
        /* A table shorter than its header. */
        CHECK_EQ(tcg_final_mark(&log, t.b, 15, &mark), TCG_LOG_ERR_TRUNCATED);
}

static void extend(uint8_t pcr[32], uint8_t seed) {
        uint8_t digest[32];
        struct sha256 s;

        memset(digest, seed, 32);
        sha256_init(&s);
        sha256_update(&s, pcr, 32);
        sha256_update(&s, digest, 32);
        sha256_final(&s, pcr);
}

static void test_replay(void) {
        struct buf b;
        struct tcg_log log;
        uint8_t pcrs[TCG_LOG_PCRS][32], want0[32] = { 0 }, want9[32] = { 0 }, want17[32];
        uint32_t covered;
        size_t last;

        make_log(&b, &last);
        CHECK_EQ(tcg_log_parse(b.b, b.n, last, &log), TCG_LOG_OK);
        CHECK_EQ(tcg_log_replay_sha256(&log, b.b, pcrs, &covered), TCG_LOG_OK);
        CHECK_EQ(covered, 1u << 0 | 1u << 9 | 1u << 12 | 1u << 17);
        want0[31] = 3;                  /* StartupLocality 3 */
        extend(want0, 0x11);            /* the SHA-256 digest is seed + 1 */
        CHECK(memcmp(pcrs[0], want0, 32) == 0);
        extend(want9, 0x21);
        CHECK(memcmp(pcrs[9], want9, 32) == 0);
        memset(want17, 0xFF, 32);
        extend(want17, 0x41);
        CHECK(memcmp(pcrs[17], want17, 32) == 0);
        CHECK(pcrs[5][0] == 0 && pcrs[22][0] == 0xFF && pcrs[23][31] == 0);

        /* An extending event of PCR 24. */
        make_log(&b, &last);
        set_le(b.b + last, 24, 4);
        CHECK_EQ(tcg_log_parse(b.b, b.n, last, &log), TCG_LOG_OK);
        CHECK_EQ(tcg_log_replay_sha256(&log, b.b, pcrs, &covered), TCG_LOG_ERR_PCR);
        /* A log without SHA-256. */
        memset(&b, 0, sizeof(b));
        spec_id(&b, ALGS, 1, 0);
        CHECK_EQ(tcg_log_parse(b.b, b.n, 0, &log), TCG_LOG_OK);
        CHECK_EQ(tcg_log_replay_sha256(&log, b.b, pcrs, &covered), TCG_LOG_ERR_NO_DIGEST);
        /* An event with only the SHA-1 digest. */
        memset(&b, 0, sizeof(b));
        spec_id(&b, ALGS, NALGS, 0);
        last = event2(&b, 4, 0x80000007, 1, "a", 1);
        set_le(b.b + last + 8, 1, 4);
        memmove(b.b + last + 12 + 22, b.b + last + 12 + 22 + 34, 5);
        b.n -= 34;
        CHECK_EQ(tcg_log_parse(b.b, b.n, last, &log), TCG_LOG_OK);
        CHECK_EQ(tcg_log_replay_sha256(&log, b.b, pcrs, &covered), TCG_LOG_ERR_NO_DIGEST);
        /* A locality event after PCR 0 was extended changes nothing. */
        memset(&b, 0, sizeof(b));
        spec_id(&b, ALGS, NALGS, 0);
        event2(&b, 0, 8, 0x10, "a", 1);
        last = event2(&b, 0, TCG_EV_NO_ACTION, 0, LOCALITY, sizeof(LOCALITY));
        CHECK_EQ(tcg_log_parse(b.b, b.n, last, &log), TCG_LOG_OK);
        CHECK_EQ(tcg_log_replay_sha256(&log, b.b, pcrs, &covered), TCG_LOG_OK);
        memset(want0, 0, 32);
        extend(want0, 0x11);
        CHECK(memcmp(pcrs[0], want0, 32) == 0);
}

/* QEMU's TPM2 table (hw/acpi/aml-build.c build_tpm2): revision 4, 76 bytes. */
static void tpm2_table(uint8_t t[76]) {
        memset(t, 0, 76);
        memcpy(t, "TPM2", 4);
        set_le(t + 4, 76, 4);
        t[8] = 4;
        memcpy(t + 10, "BOCHS ", 6);
        set_le(t + 48, 6, 4);           /* start method: TIS (MMIO) */
        set_le(t + 64, 0x10000, 4);
        set_le(t + 68, 0x7ffb0000, 8);
        t[9] = (uint8_t)(0x100 - tcg_acpi_sum(t, 76));
}

static void test_tpm2_table(void) {
        uint8_t t[80];

        tpm2_table(t);
        CHECK_EQ(tcg_acpi_sum(t, 76), 0);
        CHECK_EQ(tcg_tpm2_check(t, 76), TCG_LOG_OK);
        tcg_tpm2_set_log_area(t, 76, 0x13000, 0x7e123000);
        CHECK_EQ(tcg_tpm2_check(t, 76), TCG_LOG_OK);
        CHECK_EQ(t[64] | t[65] << 8 | t[66] << 16, 0x13000);
        CHECK_EQ(t[68] | t[69] << 8 | t[70] << 16 | (uint32_t)t[71] << 24, 0x7e123000);
        CHECK_EQ(t[72] | t[73] | t[74] | t[75], 0);
        /* Broken one field at a time. */
        tpm2_table(t);
        t[20] ^= 1;
        CHECK_EQ(tcg_tpm2_check(t, 76), TCG_LOG_ERR_ACPI_TABLE);        /* checksum */
        tpm2_table(t);
        t[3] = '3';
        t[9] -= '3' - '2';
        CHECK_EQ(tcg_acpi_sum(t, 76), 0);
        CHECK_EQ(tcg_tpm2_check(t, 76), TCG_LOG_ERR_ACPI_TABLE);        /* "TPM3" */
        CHECK_EQ(tcg_tpm2_check(t, 52), TCG_LOG_ERR_ACPI_TABLE);
        /* A revision 3 table without the log fields (52 bytes). */
        tpm2_table(t);
        set_le(t + 4, 52, 4);
        t[9] = 0;
        t[9] = (uint8_t)(0x100 - tcg_acpi_sum(t, 52));
        CHECK_EQ(tcg_tpm2_check(t, 52), TCG_LOG_ERR_ACPI_TABLE);
        /* Length field and length disagree. */
        tpm2_table(t);
        CHECK_EQ(tcg_tpm2_check(t, 80), TCG_LOG_ERR_ACPI_TABLE);
        CHECK(strlen(tcg_log_strerror(TCG_LOG_ERR_ACPI_TABLE)) > 0);
}

int main(void) {
        RUN(test_parse);
        RUN(test_parse_truncated);
        RUN(test_spec_id_fields);
        RUN(test_record_fields);
        RUN(test_final_events);
        RUN(test_replay);
        RUN(test_tpm2_table);
        return tl_summary("tcg_log");
}
