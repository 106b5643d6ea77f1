/* SPDX-License-Identifier: MIT */
#include "glue.h"

void log_info(const CHAR16 *fmt, ...) {
        va_list ap;
        Print(L"pvhboot: ");
        va_start(ap, fmt);
        VPrint(fmt, ap);
        va_end(ap);
        Print(L"\n");
}

EFI_STATUS log_error_status(EFI_STATUS status, const CHAR16 *fmt, ...) {
        va_list ap;
        Print(L"pvhboot: error: ");
        va_start(ap, fmt);
        VPrint(fmt, ap);
        va_end(ap);
        Print(L"\n");
        return status;
}
