/* SPDX-License-Identifier: MIT */
/*
 * The probe after entry.S: run the checks on the recorded state, print
 * the report on COM1 (polled 16550 at 0x3F8) and leave QEMU through
 * isa-debug-exit (port 0xF4): 0x10 = pass (QEMU exits 33), 0x11 = fail
 * (35). Without that device the probe halts forever.
 */
#include "checks.h"
#include "port_io.h"

#define COM1 0x3F8
#define DEBUG_EXIT_PORT 0xF4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11
#define PROBE_CS 0x08

extern struct probe_state probe_state;
extern uint32_t probe_load_delta;       /* entry.S: runtime minus link address */
extern char __probe_start[], __probe_end[], __bss_start[], __bss_end[];
extern char probe_entry[], probe_exc_stubs[];

void probe_main(void);
void probe_exception(const uint32_t *frame);

static struct probe_report report;
static uint64_t idt[32];

static void serial_init(void) {
        port_out8(COM1 + 1, 0x00);   /* no interrupts */
        port_out8(COM1 + 3, 0x80);   /* DLAB */
        port_out8(COM1 + 0, 0x01);   /* 115200 baud */
        port_out8(COM1 + 1, 0x00);
        port_out8(COM1 + 3, 0x03);   /* 8N1 */
        port_out8(COM1 + 2, 0xC7);   /* FIFO on, cleared */
        port_out8(COM1 + 4, 0x03);   /* DTR, RTS */
}

static void serial_putc(char c) {
        /* Bounded wait for THR empty; an absent UART reads 0xFF (ready). */
        for (unsigned i = 0; i < 1000000 && !(port_in8(COM1 + 5) & 0x20); i++)
                ;
        port_out8(COM1, (uint8_t)c);
}

static void serial_write(void *ctx, const char *s, uint32_t len) {
        (void)ctx;
        for (uint32_t i = 0; i < len; i++)
                serial_putc(s[i]);
}

static void puts_(const char *s) {
        while (*s)
                serial_putc(*s++);
}

static void puthex(uint32_t v) {
        puts_("0x");
        for (int shift = 28; shift >= 0; shift -= 4)
                serial_putc("0123456789abcdef"[(v >> shift) & 15]);
}

static __attribute__((noreturn)) void finish(int pass) {
        for (unsigned i = 0; i < 1000000 && !(port_in8(COM1 + 5) & 0x40); i++)
                ;
        port_out8(DEBUG_EXIT_PORT, pass ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
        for (;;)
                __asm__ volatile("cli; hlt");
}

/* Physical memory below 4 GiB, read with paging off through flat DS. */
static int phys_read(void *ctx, uint64_t pa, void *dst, uint32_t len) {
        (void)ctx;
        if (pa >= 0x100000000ull || len > 0x100000000ull - pa)
                return -1;
        const volatile unsigned char *src = (const volatile unsigned char *)(uintptr_t)pa;
        unsigned char *d = dst;
        for (uint32_t i = 0; i < len; i++)
                d[i] = src[i];
        return 0;
}

static void idt_init(void) {
        struct __attribute__((packed)) {
                uint16_t limit;
                uint32_t base;
        } idtr = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
        for (unsigned v = 0; v < 32; v++) {
                uint32_t off = (uint32_t)(uintptr_t)probe_exc_stubs + 16 * v;
                /* 32-bit interrupt gate, DPL 0, present. */
                idt[v] = (uint64_t)((off & 0xFFFF0000u) | 0x8E00u) << 32 |
                         (uint32_t)PROBE_CS << 16 | (off & 0xFFFFu);
        }
        __asm__ volatile("lidt %0" : : "m"(idtr));
}

void probe_exception(const uint32_t *frame) {
        uint32_t v = frame[0];
        /* Vectors that push an error code before EIP. */
        int err = v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
        puts_("\r\nPROBE-EXCEPTION vector=");
        puthex(v);
        if (err) {
                puts_(" error=");
                puthex(frame[1]);
        }
        puts_(" eip=");
        puthex(frame[err ? 2 : 1]);
        puts_("\r\nPROBE-RESULT fail\r\n");
        finish(0);
}

void probe_main(void) {
        idt_init();
        serial_init();
        puts_("\r\nPROBE: PVH conformance probe, start_info at ");
        puthex(probe_state.ebx);
        puts_(", running at ");
        puthex((uint32_t)(uintptr_t)__probe_start);
        puts_("\r\n");

        struct probe_image img = {
                .start = (uint32_t)(uintptr_t)__probe_start,
                .end = (uint32_t)(uintptr_t)__probe_end,
                .entry = (uint32_t)(uintptr_t)probe_entry,
                .bss_start = (uint32_t)(uintptr_t)__bss_start,
                .bss_end = (uint32_t)(uintptr_t)__bss_end,
                .linked = (uint32_t)(uintptr_t)__probe_start - probe_load_delta,
        };
        struct probe_mem mem = { phys_read, 0 };
        probe_check(&probe_state, &img, &mem, &report);

        for (unsigned i = 0; i < PROBE_NR_RULES; i++)
                if (!report.rule[i]) {
                        puts_("PROBE: FAIL ");
                        puts_(probe_rule_name(i));
                        puts_(": ");
                        puts_(probe_rule_what(i));
                        puts_("\r\n");
                }
        puts_("PROBE-JSON ");
        probe_json(&report, serial_write, 0);
        puts_("\r\n");
        puts_(report.pass ? "PROBE-RESULT pass\r\n" : "PROBE-RESULT fail\r\n");
        finish(report.pass);
}
