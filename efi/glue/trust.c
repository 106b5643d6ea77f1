/* SPDX-License-Identifier: MIT */
/*
 * Secure Boot state, pvhboot's own image sections, and TPM 2.0 measurements
 * through EFI_TCG2_PROTOCOL (TCG EFI Protocol Specification, Family "2.0";
 * the definitions are in tcg2_abi.h).
 */
#include "glue.h"
#include "tcg2_abi.h"

bool secure_boot_enabled(void) {
        EFI_GUID global = EFI_GLOBAL_VARIABLE;
        UINT8 value = 0;
        UINTN size = sizeof(value);
        /* UEFI 2.10, 3.3: SecureBoot is 1 when the platform enforces it. */
        if (EFI_ERROR(RT->GetVariable(L"SecureBoot", &global, NULL, &size, &value)) || size != 1)
                return false;
        return value == 1;
}

bool own_section(EFI_LOADED_IMAGE *image, const char *name, const UINT8 **data, UINTN *size) {
        size_t off, len;
        if (pe_find_section(image->ImageBase, image->ImageSize, name, &off, &len) != 0)
                return false;
        *data = (const UINT8 *)image->ImageBase + off;
        *size = len;
        return true;
}

/* Looked up each time: a handful of calls per boot, and no state kept. */
static struct tcg2_protocol *tcg2(void) {
        EFI_GUID guid = EFI_TCG2_PROTOCOL_GUID;
        struct tcg2_protocol *proto;

        if (EFI_ERROR(BS->LocateProtocol(&guid, NULL, (void **)&proto)))
                return NULL;
        return proto;
}

bool tpm_present(void) {
        return tcg2() != NULL;
}

/* One EV_IPL event: the firmware extends pcr with the SHA-256 of data and
 * logs event_data (event_len bytes) with it. */
static EFI_STATUS measure_ipl(UINT32 pcr, const void *data, UINT64 len, const void *event_data, UINTN event_len) {
        struct tcg2_protocol *t = tcg2();
        struct tcg2_event *event;
        EFI_STATUS status;

        if (!t)
                return EFI_SUCCESS;
        event = AllocateZeroPool(sizeof(*event) + event_len);
        if (!event)
                return EFI_OUT_OF_RESOURCES;
        event->size = sizeof(*event) + event_len;
        event->header = (struct tcg2_event_header){ sizeof(struct tcg2_event_header), TCG2_EVENT_HEADER_VERSION,
                                                    pcr, EV_IPL };
        CopyMem(event->event, event_data, event_len);
        status = t->hash_log_extend_event(t, 0, (EFI_PHYSICAL_ADDRESS)(UINTN)data, len, event);
        FreePool(event);
        return status;
}

EFI_STATUS tpm_measure(UINT32 pcr, const void *data, UINT64 len, const char *description) {
        UINTN dlen = 0;

        while (description[dlen])
                dlen++;
        return measure_ipl(pcr, data, len, description, dlen);
}

EFI_STATUS tpm_measure_utf16(UINT32 pcr, const void *data, UINT64 len, const CHAR16 *description) {
        return measure_ipl(pcr, data, len, description, (StrLen(description) + 1) * sizeof(CHAR16));
}

/* One EV_SEPARATOR event with the error value: the event data and the data
 * hashed are the same 4 bytes (tcg2_abi.h, TCG_SEPARATOR_ERROR). */
static EFI_STATUS extend_error_separator(struct tcg2_protocol *t, UINT32 pcr) {
        UINT8 record[sizeof(struct tcg2_event) + 4];
        struct tcg2_event *event = (struct tcg2_event *)record;  /* packed: any alignment */
        UINT32 value = TCG_SEPARATOR_ERROR;

        event->size = sizeof(record);
        event->header = (struct tcg2_event_header){ sizeof(struct tcg2_event_header), TCG2_EVENT_HEADER_VERSION,
                                                    pcr, EV_SEPARATOR };
        CopyMem(event->event, &value, sizeof(value));   /* little-endian, as the PFP lays it out */
        return t->hash_log_extend_event(t, 0, (EFI_PHYSICAL_ADDRESS)(UINTN)event->event, sizeof(value), event);
}

/*
 * After a failure that follows a measurement: the PCRs then hold what a good
 * boot of these inputs would have, although nothing was booted. The PC
 * Client PFP's error separator (EV_SEPARATOR, data 0x00000001) ends each
 * PCR in pcrs (a bit mask) so that no later extend can make it match a
 * good boot. All are tried even if one fails; the first error is returned.
 */
EFI_STATUS tpm_measure_error_separator(UINT32 pcrs) {
        struct tcg2_protocol *t = tcg2();
        EFI_STATUS first = EFI_SUCCESS;

        if (!t)
                return EFI_SUCCESS;
        for (UINT32 pcr = 0; pcr < 32; pcr++) {
                EFI_STATUS status;
                if (!(pcrs & (1u << pcr)))
                        continue;
                status = extend_error_separator(t, pcr);
                if (EFI_ERROR(status) && !EFI_ERROR(first))
                        first = status;
        }
        return first;
}
