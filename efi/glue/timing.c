/* SPDX-License-Identifier: MIT */
/*
 * pvhboot.timing: phase timestamps from the TSC. Marks are only recorded
 * while pvhboot works (no console output in the hot path) and printed in
 * one go before ExitBootServices; what happens after it is written straight
 * to COM1, the only output left then. Lines:
 *   pvhboot: tsc-hz <Hz>
 *   pvhboot: tsc <phase> 0x<tsc> [<bytes>]
 */
#include "glue.h"

#include "port_io.h"

#define MAX_MARKS 16
#define COM1 0x3f8

static struct mark {
        const char *phase;
        UINT64 tsc;
        UINT64 bytes;
} marks[MAX_MARKS];
static unsigned nr_marks;
int timing_enabled;

UINT64 tsc_now(void) {
        UINT32 lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        return (UINT64)hi << 32 | lo;
}

void timing_mark(const char *phase, UINT64 bytes) {
        if (nr_marks < MAX_MARKS)
                marks[nr_marks++] = (struct mark){ phase, tsc_now(), bytes };
}

void timing_print(void) {
        UINT64 t0, hz;

        if (!timing_enabled)
                return;
        /* 10 ms of Stall() against the TSC; firmware timers are good to ~1%. */
        t0 = tsc_now();
        BS->Stall(10000);
        hz = (tsc_now() - t0) * 100;
        log_info(L"tsc-hz %ld", hz);
        for (unsigned i = 0; i < nr_marks; i++) {
                if (marks[i].bytes)
                        log_info(L"tsc %a 0x%lx %ld", marks[i].phase, marks[i].tsc, marks[i].bytes);
                else
                        log_info(L"tsc %a 0x%lx", marks[i].phase, marks[i].tsc);
        }
        nr_marks = 0;
}

static void com1_putc(char c) {
        while (!(port_in8(COM1 + 5) & 0x20))    /* LSR: transmitter holding register empty */
                ;
        port_out8(COM1, (UINT8)c);
}

static void com1_puts(const char *s) {
        for (; *s; s++)
                com1_putc(*s);
}

/* After ExitBootServices: the marks recorded since timing_print(). */
void timing_print_serial(void) {
        static const char hex[] = "0123456789abcdef";

        if (!timing_enabled)
                return;
        for (unsigned i = 0; i < nr_marks; i++) {
                com1_puts("pvhboot: tsc ");
                com1_puts(marks[i].phase);
                com1_puts(" 0x");
                for (int shift = 60; shift >= 0; shift -= 4)
                        com1_putc(hex[(marks[i].tsc >> shift) & 15]);
                com1_puts("\r\n");
        }
}
