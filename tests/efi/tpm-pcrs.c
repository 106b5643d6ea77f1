/* SPDX-License-Identifier: MIT */
/*
 * tpm-pcrs.efi: a test-only EFI shell program that prints the TPM 2.0's
 * SHA-256 PCRs 0-23 as the firmware left them, read with TPM2_PCR_Read
 * through EFI_TCG2_PROTOCOL.SubmitCommand (TCG EFI Protocol Specification
 * 1.22, 6.7; TPM 2.0 Library Part 3, 22.4). The measured-boot test runs it
 * from startup.nsh right before pvhboot: these are the values pvhboot's
 * PCR 9 and PCR 12 measurements extend.
 *
 * Output, one line per PCR (lowercase hex, 64 digits):
 *   tpm-pcrs: pcr-sha256-<n>=<hex>
 * then "tpm-pcrs: done". Without the protocol: "tpm-pcrs: no TPM" and
 * EFI_NOT_FOUND; a failing command: "tpm-pcrs: error: ..." and an error.
 *
 * Started by the boot manager instead of the shell (as a disk's
 * \EFI\BOOT\BOOTX64.EFI, where Secure Boot disables OVMF's shell), it
 * returns EFI_ABORTED after "done": BDS then goes on to the next boot option
 * (after an EFI_SUCCESS it would open its menu and stop there).
 */
#include <efi.h>
#include <efilib.h>

#define TPM_ST_NO_SESSIONS 0x8001
#define TPM_CC_PCR_READ 0x0000017E
#define TPM_ALG_SHA256 0x000B

struct tcg2_protocol {
        void *get_capability;
        void *get_event_log;
        void *hash_log_extend_event;
        EFI_STATUS(EFIAPI *submit_command)(struct tcg2_protocol *self, UINT32 in_size, UINT8 *in,
                                           UINT32 out_size, UINT8 *out);
        void *get_active_pcr_banks;
        void *set_active_pcr_banks;
        void *get_result_of_set_active_pcr_banks;
};

static void put16(UINT8 *p, UINT16 v) {
        p[0] = (UINT8)(v >> 8);
        p[1] = (UINT8)v;
}

static void put32(UINT8 *p, UINT32 v) {
        put16(p, (UINT16)(v >> 16));
        put16(p + 2, (UINT16)v);
}

static UINT32 get32(const UINT8 *p) {
        return (UINT32)p[0] << 24 | (UINT32)p[1] << 16 | (UINT32)p[2] << 8 | p[3];
}

static UINT16 get16(const UINT8 *p) {
        return (UINT16)(p[0] << 8 | p[1]);
}

/* TPM2_PCR_Read of one SHA-256 PCR into digest[32]. */
static EFI_STATUS pcr_read(struct tcg2_protocol *t, unsigned pcr, UINT8 digest[32]) {
        UINT8 cmd[20], rsp[128];
        UINT32 size, pos, count;
        EFI_STATUS status;

        SetMem(cmd, sizeof(cmd), 0);
        SetMem(rsp, sizeof(rsp), 0);
        put16(cmd, TPM_ST_NO_SESSIONS);
        put32(cmd + 2, sizeof(cmd));
        put32(cmd + 6, TPM_CC_PCR_READ);
        put32(cmd + 10, 1);                     /* TPML_PCR_SELECTION.count */
        put16(cmd + 14, TPM_ALG_SHA256);        /* TPMS_PCR_SELECTION.hash */
        cmd[16] = 3;                            /* sizeofSelect: PCRs 0-23 */
        cmd[17 + pcr / 8] = (UINT8)(1u << (pcr % 8));
        status = t->submit_command(t, sizeof(cmd), cmd, sizeof(rsp), rsp);
        if (EFI_ERROR(status))
                return status;
        size = get32(rsp + 2);
        if (size < 10 || size > sizeof(rsp) || get32(rsp + 6) != 0) {
                Print(L"tpm-pcrs: error: PCR %d: TPM response code 0x%x, size %d\n", pcr, get32(rsp + 6), size);
                return EFI_DEVICE_ERROR;
        }
        /* pcrUpdateCounter, TPML_PCR_SELECTION, TPML_DIGEST. */
        pos = 10 + 4;
        count = get32(rsp + pos);
        pos += 4;
        for (UINT32 i = 0; i < count && pos + 3 <= size; i++)
                pos += 3 + rsp[pos + 2];
        if (pos + 4 + 2 + 32 > size || get32(rsp + pos) != 1 || get16(rsp + pos + 4) != 32) {
                Print(L"tpm-pcrs: error: PCR %d: no SHA-256 digest in the response (bank not active?)\n", pcr);
                return EFI_NOT_FOUND;
        }
        CopyMem(digest, rsp + pos + 6, 32);
        return EFI_SUCCESS;
}

/* The shell installs EFI_SHELL_PARAMETERS_PROTOCOL on the images it starts. */
static int from_shell(EFI_HANDLE image_handle) {
        EFI_GUID guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
        void *params = NULL;
        return !EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image_handle, &guid, &params)) && params;
}

EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        EFI_GUID guid = { 0x607f766c, 0x7455, 0x42be, { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } };
        struct tcg2_protocol *t = NULL;
        static const CHAR16 hex[] = L"0123456789abcdef";
        CHAR16 text[65];
        UINT8 digest[32];
        EFI_STATUS status;

        InitializeLib(image_handle, system_table);
        if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &guid, NULL, (void **)&t)) || !t) {
                Print(L"tpm-pcrs: no TPM\n");
                return EFI_NOT_FOUND;
        }
        for (unsigned pcr = 0; pcr < 24; pcr++) {
                status = pcr_read(t, pcr, digest);
                if (EFI_ERROR(status)) {
                        Print(L"tpm-pcrs: error: PCR %d: %r\n", pcr, status);
                        return status;
                }
                for (int i = 0; i < 32; i++) {
                        text[2 * i] = hex[digest[i] >> 4];
                        text[2 * i + 1] = hex[digest[i] & 15];
                }
                text[64] = 0;
                Print(L"tpm-pcrs: pcr-sha256-%d=%s\n", pcr, text);
        }
        Print(L"tpm-pcrs: done\n");
        if (from_shell(image_handle))
                return EFI_SUCCESS;
        Print(L"tpm-pcrs: not started from the shell: returning EFI_ABORTED so that the boot manager goes on\n");
        return EFI_ABORTED;
}
