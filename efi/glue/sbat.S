/* SPDX-License-Identifier: MIT */
/*
 * pvhboot's .sbat section: shim's SBAT metadata (rhboot/shim SBAT.md,
 * "Generation-Based Revocation Metadata"), the CSV the Makefile writes to
 * SBAT_CSV from SBAT_GENERATION (docs/security.md, "SBAT"). shim refuses a
 * second stage without it and compares its generations with the SbatLevel
 * variable. Nothing in pvhboot reads it; the linker keeps it as an orphan
 * section and efi_link copies it into the PE file (-j .sbat), as systemd-boot
 * does. No relocations, no NUL: shim reads the raw data up to the first NUL
 * of the file alignment padding.
 */
        .section .sbat, "a"
        .incbin SBAT_CSV

        .section .note.GNU-stack, "", @progbits
