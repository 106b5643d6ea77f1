/* SPDX-License-Identifier: MIT */
/* For test-only EFI programs that start another image with words as its
 * LoadOptions, the way a boot entry passes its optional data. */
#ifndef PVHBOOT_TESTS_CHILD_OPTIONS_H
#define PVHBOOT_TESTS_CHILD_OPTIONS_H

#include <efi.h>
#include <efilib.h>

/* UTF-16 units of LoadOptions, NUL included: more than pvhboot accepts. */
#define CHILD_OPTIONS_MAX 8192

/* argv[first..argc-1] joined by one blank, NUL-terminated, in pool memory;
 * *bytes is its size with the NUL. NULL when out of memory or too long. */
static inline CHAR16 *child_options_join(CHAR16 **argv, UINTN first, UINTN argc, UINT32 *bytes) {
        CHAR16 *out = AllocateZeroPool(CHILD_OPTIONS_MAX * sizeof(CHAR16));
        UINTN len = 0;

        for (UINTN i = first; out && i < argc; i++) {
                UINTN n = StrLen(argv[i]);
                if (len + 1 + n + 1 > CHILD_OPTIONS_MAX) {
                        FreePool(out);
                        return NULL;
                }
                if (i > first)
                        out[len++] = ' ';
                CopyMem(out + len, argv[i], n * sizeof(CHAR16));
                len += n;
        }
        *bytes = (UINT32)((len + 1) * sizeof(CHAR16));
        return out;
}

/* Give the loaded (not yet started) image child these LoadOptions. */
static inline EFI_STATUS child_options_set(EFI_HANDLE child, EFI_HANDLE self, CHAR16 *options, UINT32 bytes) {
        EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
        EFI_LOADED_IMAGE *image;
        EFI_STATUS status = BS->OpenProtocol(child, &loaded_image_guid, (void **)&image, self, NULL,
                                             EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status))
                return status;
        image->LoadOptions = options;
        image->LoadOptionsSize = bytes;
        return EFI_SUCCESS;
}

#endif
