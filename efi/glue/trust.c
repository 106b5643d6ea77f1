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

EFI_STATUS tpm_measure(UINT32 pcr, const void *data, UINT64 len, const char *description) {
        struct tcg2_protocol *t = tcg2();
        struct tcg2_event *event;
        UINTN dlen = 0;
        EFI_STATUS status;

        if (!t)
                return EFI_SUCCESS;
        while (description[dlen])
                dlen++;
        event = AllocateZeroPool(sizeof(*event) + dlen);
        if (!event)
                return EFI_OUT_OF_RESOURCES;
        event->size = sizeof(*event) + dlen;
        event->header = (struct tcg2_event_header){ sizeof(struct tcg2_event_header), TCG2_EVENT_HEADER_VERSION,
                                                    pcr, EV_IPL };
        CopyMem(event->event, description, dlen);
        status = t->hash_log_extend_event(t, 0, (EFI_PHYSICAL_ADDRESS)(UINTN)data, len, event);
        FreePool(event);
        return status;
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
 * After a failure that follows tpm_measure(): PCR 9 and PCR 12 then hold
 * what a good boot of these files would have, although nothing was booted.
 * The PC Client PFP's error separator (EV_SEPARATOR, data 0x00000001) ends
 * them so that no later extend can make them match a good boot. Both PCRs
 * are tried even if the first fails; the first error is returned.
 */
EFI_STATUS tpm_measure_error_separator(void) {
        struct tcg2_protocol *t = tcg2();
        EFI_STATUS status, status12;

        if (!t)
                return EFI_SUCCESS;
        status = extend_error_separator(t, PVHBOOT_PCR_KERNEL);
        status12 = extend_error_separator(t, PVHBOOT_PCR_CMDLINE);
        return EFI_ERROR(status) ? status : status12;
}
