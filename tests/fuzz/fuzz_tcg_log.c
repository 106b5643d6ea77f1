/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the crypto-agile event log walker, the final events
 * table, replay and the TPM2 table edit. Input: a 4-byte little-endian
 * last-entry offset, a 2-byte little-endian split, then bytes: the log is
 * the bytes before the split, the final events table those after it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcg_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct tcg_log log, again;
        struct tcg_final_mark mark;
        uint8_t pcrs[TCG_LOG_PCRS][32];
        size_t last, split, n, used, cap;
        uint32_t covered, appended;
        uint8_t *log_bytes, *table, *copy;

        if (size < 6)
                return 0;
        last = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 | (size_t)data[3] << 24;
        split = (size_t)data[4] | (size_t)data[5] << 8;
        data += 6;
        size -= 6;
        if (split > size)
                split = size;
        /* Exact-size copies: ASan reports any read past them. */
        log_bytes = malloc(split ? split : 1);
        table = malloc(size - split ? size - split : 1);
        memcpy(log_bytes, data, split);
        memcpy(table, data + split, size - split);

        if (tcg_log_parse(log_bytes, split, last, &log) == TCG_LOG_OK) {
                if (log.size > split || log.first_event > log.size || log.nr_algorithms == 0 ||
                    log.nr_algorithms > TCG_LOG_MAX_ALGORITHMS || (last && log.nr_events == 0))
                        __builtin_trap();
                /* What a walk accepts, a second walk of exactly its bytes accepts. */
                if (tcg_log_parse(log_bytes, log.size, last, &again) != TCG_LOG_OK || again.size != log.size ||
                    again.nr_events != log.nr_events)
                        __builtin_trap();
                (void)tcg_log_replay_sha256(&log, log_bytes, pcrs, &covered);
                if (tcg_final_mark(&log, table, size - split, &mark) == TCG_LOG_OK) {
                        if (mark.offset > size - split)
                                __builtin_trap();
                        /* Append everything after a mark of 0 events (all of them). */
                        mark = (struct tcg_final_mark){ 0, TCG_FINAL_TABLE_HEAD };
                        cap = log.size + (size - split) + TCG_LOG_TAIL;
                        copy = calloc(1, cap);
                        memcpy(copy, log_bytes, log.size);
                        used = log.size;
                        if (tcg_log_append_final(&log, copy, cap, &used, table, size - split, &mark, &appended) ==
                            TCG_LOG_OK) {
                                if (used > cap - TCG_LOG_TAIL)
                                        __builtin_trap();
                                for (n = used; n < cap; n++)
                                        if (copy[n])
                                                __builtin_trap();
                        } else if (used != log.size || appended != 0) {
                                __builtin_trap();
                        }
                        free(copy);
                }
        }
        if (split >= TCG_TPM2_LENGTH_WITH_LOG) {
                size_t len = (size_t)log_bytes[4] | (size_t)log_bytes[5] << 8;
                if (len <= split && tcg_tpm2_check(log_bytes, len) == TCG_LOG_OK) {
                        tcg_tpm2_set_log_area(log_bytes, len, 0x10000, 0x7e000000);
                        if (tcg_tpm2_check(log_bytes, len) != TCG_LOG_OK)
                                __builtin_trap();
                }
        }
        free(log_bytes);
        free(table);
        return 0;
}
