/* SPDX-License-Identifier: MIT */
/*
 * Secure Boot state, pvhboot's own image sections, and TPM 2.0 measurements
 * through EFI_TCG2_PROTOCOL (TCG EFI Protocol Specification, rev. 1.22).
 */
#include "glue.h"

int secure_boot_enabled(void) {
        EFI_GUID global = EFI_GLOBAL_VARIABLE;
        UINT8 value = 0;
        UINTN size = sizeof(value);
        /* UEFI 2.10, 3.3: SecureBoot is 1 when the platform enforces it. */
        if (EFI_ERROR(RT->GetVariable(L"SecureBoot", &global, NULL, &size, &value)) || size != 1)
                return 0;
        return value == 1;
}

int own_section(EFI_LOADED_IMAGE *image, const char *name, const UINT8 **data, UINTN *size) {
        size_t off, len;
        if (pe_find_section(image->ImageBase, image->ImageSize, name, &off, &len) < 0)
                return 0;
        *data = (const UINT8 *)image->ImageBase + off;
        *size = len;
        return 1;
}

#define EFI_TCG2_PROTOCOL_GUID \
        { 0x607f766c, 0x7455, 0x42be, { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } }
#define EV_IPL 0x0000000Du

struct tcg2_event_header {
        UINT32 header_size;
        UINT16 header_version;
        UINT32 pcr_index;
        UINT32 event_type;
} __attribute__((packed));

struct tcg2_event {
        UINT32 size;
        struct tcg2_event_header header;
        UINT8 event[];
} __attribute__((packed));

struct tcg2_protocol;
typedef EFI_STATUS(EFIAPI *tcg2_hash_log_extend_event)(struct tcg2_protocol *self, UINT64 flags,
                                                       EFI_PHYSICAL_ADDRESS data, UINT64 data_len,
                                                       struct tcg2_event *event);
struct tcg2_protocol {
        void *get_capability;
        void *get_event_log;
        tcg2_hash_log_extend_event hash_log_extend_event;
        void *submit_command;
        void *get_active_pcr_banks;
        void *set_active_pcr_banks;
        void *get_result_of_set_active_pcr_banks;
};

static struct tcg2_protocol *tcg2(void) {
        static int looked;
        static struct tcg2_protocol *proto;
        EFI_GUID guid = EFI_TCG2_PROTOCOL_GUID;
        if (!looked) {
                looked = 1;
                if (EFI_ERROR(BS->LocateProtocol(&guid, NULL, (void **)&proto)))
                        proto = NULL;
        }
        return proto;
}

int tpm_present(void) {
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
        event->header = (struct tcg2_event_header){ sizeof(struct tcg2_event_header), 1, pcr, EV_IPL };
        CopyMem(event->event, description, dlen);
        status = t->hash_log_extend_event(t, 0, (EFI_PHYSICAL_ADDRESS)(UINTN)data, len, event);
        FreePool(event);
        return status;
}
