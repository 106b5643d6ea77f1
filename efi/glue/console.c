/* SPDX-License-Identifier: MIT */
/*
 * pvhboot's messages: one line each, "pvhboot: " first, so that the shell,
 * the boot manager's screen and the serial log all show what happened.
 */
#include "glue.h"

static void log_line(const CHAR16 *prefix, const CHAR16 *fmt, va_list ap, const EFI_STATUS *status) {
        Print(L"pvhboot: %s", prefix);
        VPrint(fmt, ap);
        if (status)
                Print(L": %r", *status);
        Print(L"\n");
}

void log_info(const CHAR16 *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_line(L"", fmt, ap, NULL);
        va_end(ap);
}

void log_warning(const CHAR16 *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_line(L"warning: ", fmt, ap, NULL);
        va_end(ap);
}

EFI_STATUS log_error(EFI_STATUS status, const CHAR16 *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_line(L"error: ", fmt, ap, NULL);
        va_end(ap);
        return status;
}

EFI_STATUS log_error_status(EFI_STATUS status, const CHAR16 *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_line(L"error: ", fmt, ap, &status);
        va_end(ap);
        return status;
}
