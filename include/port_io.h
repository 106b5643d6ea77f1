/* SPDX-License-Identifier: MIT */
/* x86 I/O port access, for pvhboot (COM1 timing, fw_cfg) and the probe. */
#ifndef PVHBOOT_PORT_IO_H
#define PVHBOOT_PORT_IO_H

#include <stdint.h>

static inline void port_out8(uint16_t port, uint8_t value) {
        __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline void port_out16(uint16_t port, uint16_t value) {
        __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}

static inline void port_out32(uint16_t port, uint32_t value) {
        __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t port_in8(uint16_t port) {
        uint8_t value;
        __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
        return value;
}

#endif
