/* SPDX-License-Identifier: MIT */
#ifndef PVHBOOT_HEX_H
#define PVHBOOT_HEX_H

/* The value of one hex digit, or -1. */
static inline int hex_digit_value(unsigned c) {
        if (c >= '0' && c <= '9')
                return (int)(c - '0');
        if (c >= 'a' && c <= 'f')
                return (int)(c - 'a' + 10);
        if (c >= 'A' && c <= 'F')
                return (int)(c - 'A' + 10);
        return -1;
}

#endif
