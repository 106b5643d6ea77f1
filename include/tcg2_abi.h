/* SPDX-License-Identifier: MIT */
/*
 * TPM 2.0 as UEFI firmware offers it: EFI_TCG2_PROTOCOL, the events it logs
 * and the layout of its crypto-agile event log. Used by efi/glue/trust.c
 * (measurements) and tests/efi/tpm-pcrs.c (reading PCRs and the log); the
 * core never sees a TPM. Include <efi.h> first (EFI_GUID, EFI_STATUS,
 * EFIAPI, EFI_PHYSICAL_ADDRESS).
 *
 * Sources:
 * - TCG EFI Protocol Specification, Family "2.0", Level 00 Revision 00.13
 *   (March 30, 2016): the protocol, EFI_TCG2_EVENT and the log formats.
 * - TCG PC Client Platform Firmware Profile Specification (PFP), Family
 *   "2.0", Level 00 Revision 1.05: event types and the log's event records
 *   (TCG_PCR_EVENT, TCG_EfiSpecIDEventStruct, TCG_PCR_EVENT2).
 * All multi-byte fields are little-endian, as on x86; structures are packed
 * because the specifications lay them out byte by byte.
 */
#ifndef PVHBOOT_TCG2_ABI_H
#define PVHBOOT_TCG2_ABI_H

/* pvhboot's PCRs (docs/security.md). PFP: PCR 8-15 are defined for use by
 * the Static OS; like GRUB and the Linux EFI stub, pvhboot puts a kernel and
 * initrd read from files into PCR 9 and, like systemd-stub, a one-file
 * image's sections into 11 and the command line into 12. */
#define PVHBOOT_PCR_KERNEL 9            /* kernel and initrd files */
#define PVHBOOT_PCR_IMAGE 11            /* a one-file image's sections (stub_measure.h) */
#define PVHBOOT_PCR_CMDLINE 12          /* kernel command line */

/* PFP, event types (TCG_EVENTTYPE). */
#define EV_NO_ACTION 0x00000003u        /* not extended; the log's Spec ID event */
#define EV_SEPARATOR 0x00000004u
#define EV_IPL 0x0000000Du              /* events of the IPL: the boot loader */

/*
 * PFP, EV_SEPARATOR (event types table, and the PCR usage rules for error
 * conditions), in substance: the event data is a 4-byte value, 0x00000000
 * for the separator at the normal end of the pre-OS phase and 0x00000001
 * when the separator records an error, after which the PCRs it went into
 * no longer describe a good boot. The digest is that of the 4 bytes,
 * little-endian (EDK II's MeasureSeparatorEventWithError does the same).
 */
#define TCG_SEPARATOR_ERROR 0x00000001u

/* TCG EFI Protocol Specification, EFI_TCG2_PROTOCOL. */
#define EFI_TCG2_PROTOCOL_GUID \
        { 0x607f766c, 0x7455, 0x42be, { 0x93, 0x0b, 0xe4, 0xd7, 0x6d, 0xb2, 0x72, 0x0f } }

/* TCG EFI Protocol Specification, EFI_TCG2_FINAL_EVENTS_TABLE: a
 * configuration table holding every event logged after the first
 * GetEventLog call (UINT64 Version = 1, UINT64 NumberOfEvents, then
 * TCG_PCR_EVENT2 records), among them those the firmware logs while
 * ExitBootServices runs. Read by efi/core/tcg_log.c (TCG_FINAL_TABLE_*). */
#define EFI_TCG2_FINAL_EVENTS_TABLE_GUID \
        { 0x1e2ed096, 0x30e2, 0x4254, { 0xbd, 0x89, 0x86, 0x3b, 0xbe, 0xf8, 0x23, 0x25 } }

/* EFI_TCG2_EVENT_LOG_FORMAT for GetEventLog. */
#define EFI_TCG2_EVENT_LOG_FORMAT_TCG_1_2 0x00000001u
#define EFI_TCG2_EVENT_LOG_FORMAT_TCG_2 0x00000002u     /* crypto-agile */

/* EFI_TCG2_EVENT_HEADER: "HeaderVersion ... must be 1" (EFI_TCG2_EVENT_HEADER_VERSION). */
#define TCG2_EVENT_HEADER_VERSION 1

struct tcg2_event_header {
        UINT32 header_size;             /* sizeof(struct tcg2_event_header) */
        UINT16 header_version;
        UINT32 pcr_index;
        UINT32 event_type;
} __attribute__((packed));

/* EFI_TCG2_EVENT: what HashLogExtendEvent logs; size covers the whole
 * structure including event[]. */
struct tcg2_event {
        UINT32 size;
        struct tcg2_event_header header;
        UINT8 event[];
} __attribute__((packed));

struct tcg2_protocol;

/* EFI_TCG2_PROTOCOL.HashLogExtendEvent: extend header.pcr_index with the
 * digests of data_to_hash and log event. */
typedef EFI_STATUS(EFIAPI *tcg2_hash_log_extend_event_fn)(struct tcg2_protocol *self, UINT64 flags,
                                                          EFI_PHYSICAL_ADDRESS data_to_hash,
                                                          UINT64 data_to_hash_len, struct tcg2_event *event);

/* EFI_TCG2_PROTOCOL.GetEventLog: where the log of format starts, where its
 * last entry starts (0: no entries), and whether entries were dropped for
 * lack of space. The log's size is not part of the interface. */
typedef EFI_STATUS(EFIAPI *tcg2_get_event_log_fn)(struct tcg2_protocol *self, UINT32 format,
                                                  EFI_PHYSICAL_ADDRESS *location,
                                                  EFI_PHYSICAL_ADDRESS *last_entry, BOOLEAN *truncated);

/* EFI_TCG2_PROTOCOL.SubmitCommand: a raw TPM 2.0 command and response
 * (big-endian, TPM 2.0 Library Part 3). */
typedef EFI_STATUS(EFIAPI *tcg2_submit_command_fn)(struct tcg2_protocol *self, UINT32 in_size, UINT8 *in,
                                                   UINT32 out_size, UINT8 *out);

/* The function table, in the specification's order; the members pvhboot
 * and its tests do not call stay untyped. */
struct tcg2_protocol {
        void *get_capability;
        tcg2_get_event_log_fn get_event_log;
        tcg2_hash_log_extend_event_fn hash_log_extend_event;
        tcg2_submit_command_fn submit_command;
        void *get_active_pcr_banks;
        void *set_active_pcr_banks;
        void *get_result_of_set_active_pcr_banks;
};

/*
 * The crypto-agile log (EFI_TCG2_EVENT_LOG_FORMAT_TCG_2, PFP "Event Logging"):
 * one TCG_PCR_EVENT in the SHA-1 format whose event data is a
 * TCG_EfiSpecIDEventStruct, then TCG_PCR_EVENT2 records. Each record is
 * variable-sized, so these are the fixed leading parts; parsers read them
 * with memcpy-style copies and bound every size themselves.
 */

/* TCG_PCR_EVENT, then event_size bytes of event data. */
struct tcg_pcr_event_head {
        UINT32 pcr_index;
        UINT32 event_type;
        UINT8 sha1_digest[20];
        UINT32 event_size;
} __attribute__((packed));

/* TCG_EfiSpecIDEventStruct, then number_of_algorithms
 * struct tcg_spec_id_algorithm, then UINT8 vendorInfoSize and vendorInfo. */
#define TCG_SPEC_ID_SIGNATURE "Spec ID Event03"       /* 16 bytes with the NUL */
struct tcg_spec_id_event_head {
        UINT8 signature[16];
        UINT32 platform_class;
        UINT8 spec_version_minor;
        UINT8 spec_version_major;
        UINT8 spec_errata;
        UINT8 uintn_size;
        UINT32 number_of_algorithms;
} __attribute__((packed));

/* TCG_EfiSpecIdEventAlgorithmSize: the digest size of each algorithm in the
 * log, so that records can be walked without knowing every algorithm. */
struct tcg_spec_id_algorithm {
        UINT16 algorithm_id;            /* TPM_ALG_ID */
        UINT16 digest_size;
} __attribute__((packed));

/* TCG_PCR_EVENT2, up to TPML_DIGEST_VALUES.count; then count TPMT_HA
 * (UINT16 hashAlg, digest of that algorithm's size), UINT32 eventSize and
 * eventSize bytes of event data. */
struct tcg_pcr_event2_head {
        UINT32 pcr_index;
        UINT32 event_type;
        UINT32 digest_count;
} __attribute__((packed));

_Static_assert(sizeof(struct tcg2_event_header) == 14, "EFI_TCG2_EVENT_HEADER is 14 bytes");
_Static_assert(sizeof(struct tcg2_event) == 18, "EFI_TCG2_EVENT without Event[] is 18 bytes");
_Static_assert(sizeof(struct tcg_pcr_event_head) == 32, "TCG_PCR_EVENT without Event[] is 32 bytes");
_Static_assert(sizeof(struct tcg_spec_id_event_head) == 28, "TCG_EfiSpecIDEventStruct head is 28 bytes");
_Static_assert(sizeof(struct tcg_spec_id_algorithm) == 4, "TCG_EfiSpecIdEventAlgorithmSize is 4 bytes");
_Static_assert(sizeof(struct tcg_pcr_event2_head) == 12, "TCG_PCR_EVENT2 head is 12 bytes");

#endif
