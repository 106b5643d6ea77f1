/* SPDX-License-Identifier: MIT */
/* A minimal host test harness: checks count, failures print file:line. */
#ifndef PVHBOOT_TESTLIB_H
#define PVHBOOT_TESTLIB_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

extern int tl_passed, tl_failed;
extern const char *tl_current;

void tl_check(int ok, const char *file, int line, const char *expr);
void tl_check_u64(uint64_t got, uint64_t want, const char *file, int line, const char *expr);
void tl_check_str(const char *got, const char *want, const char *file, int line, const char *expr);
int tl_summary(const char *suite);
/* A NUL-terminated UTF-16 string as ASCII ('?' for anything else), in one
 * of four rotating static buffers, for CHECK_STR on paths. */
const char *tl_ascii(const uint16_t *s);

#define CHECK(cond) tl_check(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_EQ(got, want) tl_check_u64((uint64_t)(got), (uint64_t)(want), __FILE__, __LINE__, #got " == " #want)
#define CHECK_STR(got, want) tl_check_str((got), (want), __FILE__, __LINE__, #got " == " #want)
#define RUN(test) do { tl_current = #test; test(); } while (0)

#endif
