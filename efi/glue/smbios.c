/* SPDX-License-Identifier: MIT */
/*
 * smbios_expose(): the firmware's SMBIOS entry points where a kernel booted
 * through PVH looks for them, 0xF0000-0xFFFFF (include/smbios.h).
 *
 * Under OVMF that segment is the top of the flash image, read-only; the
 * chipset's PAM0 register can route it to the DRAM below instead (bits 5:4:
 * 0 ROM, 1 DRAM read-only, 3 DRAM read/write). On QEMU's q35 and i440FX,
 * recognised by PCI ID only, pvhboot copies the ROM's 64 KiB into that DRAM
 * with the entry points added in blank padding, then makes it read-only, as
 * a BIOS shadows itself. OVMF did the same for the C-segment in its VBE shim
 * (QemuVideoDxe, until 2024). Nothing of the firmware runs from the
 * F-segment (its reset vector runs from the flash below 4 GiB). The
 * segment is a hole in OVMF's memory map (checked: no RAM type there), and
 * Linux's PVH entry marks 0xA0000-0xFFFFF reserved itself
 * (init_pvh_bootparams), so the kernel never takes it as RAM. The tables
 * stay where the firmware put them, in runtime-services data (edk2's
 * SmbiosDxe), which the PVH map reports reserved: checked here too.
 *
 * PAM0 outlives a guest reboot on QEMU; a later pvhboot finds its own copy
 * there and leaves it as it is when the tables have not moved.
 *
 * DMI is not essential: every failure is one warning line saying what the
 * guest will lack, and the boot goes on. Everything happens before
 * ExitBootServices; PAM0 is restored when the copy does not read back.
 */
#include "boot.h"
#include "smbios.h"

#define NO_DMI L"the kernel will have no DMI (/sys/class/dmi/id, dmidecode)"

/* The entry point the configuration table gives under guid, validated. */
static bool firmware_ep(EFI_GUID *guid, bool is64, struct smbios_ep *ep, enum smbios_error *err) {
        UINT8 bytes[SMBIOS_EP_MAX] = { 0 };
        const UINT8 *p;
        void *table;
        UINTN n;

        if (!config_table_find(guid, &table)) {
                *err = SMBIOS_OK;       /* none: not an error */
                return false;
        }
        p = table;
        if (!p) {
                *err = SMBIOS_ERR_TABLE_ADDRESS;
                return false;
        }
        /* The header first; then no more than its length says. */
        n = is64 ? SMBIOS3_OFF_LENGTH + 1 : SMBIOS2_OFF_LENGTH + 1;
        CopyMem(bytes, p, n);
        n = bytes[n - 1];
        if (!is64 && n < SMBIOS2_EP_LENGTH)
                n = SMBIOS2_EP_LENGTH;
        if (n > SMBIOS_EP_MAX)
                n = SMBIOS_EP_MAX;
        CopyMem(bytes, p, n);
        *err = is64 ? smbios3_parse(bytes, n, ep) : smbios2_parse(bytes, n, ep);
        return *err == SMBIOS_OK;
}

/* The root bridge that reaches bus 0 of segment 0, and 00:00.0's PCI ID. */
static EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *host_bridge(UINT32 *id) {
        EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *found = NULL;
        EFI_HANDLE *handles = NULL;
        UINTN count = 0;

        if (EFI_ERROR(BS->LocateHandleBuffer(ByProtocol, &gEfiPciRootBridgeIoProtocolGuid, NULL, &count, &handles)))
                return NULL;
        for (UINTN i = 0; i < count && !found; i++) {
                EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb;
                UINT32 value = 0xFFFFFFFF;

                if (EFI_ERROR(BS->HandleProtocol(handles[i], &gEfiPciRootBridgeIoProtocolGuid, (void **)&rb)) ||
                    rb->SegmentNumber != 0)
                        continue;
                /* A root bridge whose buses do not include 0 refuses. */
                if (EFI_ERROR(rb->Pci.Read(rb, EfiPciIoWidthUint32, EFI_PCI_ADDRESS(0, 0, 0), 1, &value)) ||
                    value == 0xFFFFFFFF)
                        continue;
                *id = value;
                found = rb;
        }
        FreePool(handles);
        return found;
}

static EFI_STATUS pam_read(EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb, unsigned reg, UINT8 *value) {
        return rb->Pci.Read(rb, EfiPciIoWidthUint8, EFI_PCI_ADDRESS(0, 0, 0) + reg, 1, value);
}

/* Write PAM0 and read it back. */
static bool pam_write(EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb, unsigned reg, UINT8 value) {
        UINT8 back = (UINT8)~value;

        return !EFI_ERROR(rb->Pci.Write(rb, EfiPciIoWidthUint8, EFI_PCI_ADDRESS(0, 0, 0) + reg, 1, &value)) &&
               !EFI_ERROR(pam_read(rb, reg, &back)) && back == value;
}

static void describe(CHAR16 *buf, UINTN size, const struct smbios_ep *ep, INT32 off) {
        if (!ep)
                buf[0] = 0;
        else if (ep->kind == SMBIOS_EP_64)
                SPrint(buf, size, L"SMBIOS %d.%d.%d (64-bit) at 0x%x", ep->major, ep->minor, ep->docrev,
                       SMBIOS_FSEG_BASE + off);
        else
                SPrint(buf, size, L"SMBIOS %d.%d (32-bit) at 0x%x", ep->major, ep->minor, SMBIOS_FSEG_BASE + off);
}

/* Drop an entry point whose structure table the kernel could overwrite. */
static void check_table_kept(const struct efi_memmap *m, struct smbios_ep **ep) {
        if (*ep && !smbios_range_kept(m->buffer, m->size, m->desc_size, (*ep)->table_address,
                                      (*ep)->table_address + (*ep)->table_length)) {
                log_warning(L"SMBIOS: the %d-bit entry point's table at 0x%lx is in memory the kernel may reuse; not passing it",
                            (*ep)->kind == SMBIOS_EP_64 ? 64 : 32, (*ep)->table_address);
                *ep = NULL;
        }
}

/* Copy image into the F-segment through PAM0 (DRAM read/write, then
 * read-only) and check that the kernel will find ep64/ep32 there. PAM0 is
 * restored when anything does not hold. */
static bool shadow(EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb, unsigned reg, UINT8 pam0, const UINT8 *image,
                   const struct smbios_ep *ep64, const struct smbios_ep *ep32) {
        UINT8 *fseg = (UINT8 *)(UINTN)SMBIOS_FSEG_BASE;

        if (!pam_write(rb, reg, smbios_pam0_with(pam0, SMBIOS_PAM_READ_WRITE))) {
                pam_write(rb, reg, pam0);
                return false;
        }
        CopyMem(fseg, (void *)image, SMBIOS_FSEG_SIZE);
        if (!pam_write(rb, reg, smbios_pam0_with(pam0, SMBIOS_PAM_READ_ONLY)) ||
            CompareMem(fseg, (void *)image, SMBIOS_FSEG_SIZE) != 0 || !smbios_fseg_has(fseg, ep64, ep32)) {
                pam_write(rb, reg, pam0);
                return false;
        }
        return true;
}

/* Everything is checked before PAM0 changes: the entry points, where
 * their tables are, what the segment holds now, the chipset. */
static void expose(struct boot_state *st) {
        EFI_GUID guid64 = SMBIOS3_TABLE_GUID, guid32 = SMBIOS_TABLE_GUID;
        struct smbios_ep ep64_buf, ep32_buf, *ep64 = NULL, *ep32 = NULL;
        _cleanup_pool_ UINT8 *image = NULL;
        enum smbios_error err64, err32, err;
        EFI_PCI_ROOT_BRIDGE_IO_PROTOCOL *rb;
        CHAR16 what64[64], what32[64];
        INT32 off64, off32;
        const char *chipset;
        UINT8 pam0 = 0;
        UINT32 id = 0;
        unsigned reg;

        if (firmware_ep(&guid64, true, &ep64_buf, &err64))
                ep64 = &ep64_buf;
        if (firmware_ep(&guid32, false, &ep32_buf, &err32))
                ep32 = &ep32_buf;
        if (err64 != SMBIOS_OK)
                log_warning(L"SMBIOS: the firmware's 64-bit entry point is invalid (%a); ignoring it",
                            smbios_strerror(err64));
        if (err32 != SMBIOS_OK)
                log_warning(L"SMBIOS: the firmware's 32-bit entry point is invalid (%a); ignoring it",
                            smbios_strerror(err32));
        if (!ep64 && !ep32) {
                if (err64 == SMBIOS_OK && err32 == SMBIOS_OK)
                        log_info(L"no SMBIOS in the EFI configuration table: the kernel sees no DMI, as through the EFI stub");
                else
                        log_warning(L"SMBIOS: no valid entry point: " NO_DMI);
                return;
        }
        if (EFI_ERROR(memmap_read_growing(&st->memmap))) {
                log_warning(L"SMBIOS: cannot read the memory map: " NO_DMI);
                return;
        }
        check_table_kept(&st->memmap, &ep64);
        check_table_kept(&st->memmap, &ep32);
        if (!ep64 && !ep32) {
                log_warning(L"SMBIOS: " NO_DMI);
                return;
        }

        /* Reading the segment is harmless on any PC; a firmware with a
         * legacy BIOS part may have put the entry point there already. */
        image = AllocatePool(SMBIOS_FSEG_SIZE);
        if (!image) {
                log_warning(L"SMBIOS: out of memory: " NO_DMI);
                return;
        }
        CopyMem(image, (void *)(UINTN)SMBIOS_FSEG_BASE, SMBIOS_FSEG_SIZE);
        if (smbios_fseg_has(image, ep64, ep32)) {
                log_info(L"SMBIOS: 0xF0000-0xFFFFF already holds the firmware's entry point");
                return;
        }
        if (!smbios_range_kept(st->memmap.buffer, st->memmap.size, st->memmap.desc_size, SMBIOS_FSEG_BASE,
                               SMBIOS_FSEG_BASE + SMBIOS_FSEG_SIZE)) {
                log_warning(L"SMBIOS: 0xF0000-0xFFFFF is RAM in the firmware's memory map: " NO_DMI);
                return;
        }

        rb = host_bridge(&id);
        reg = rb ? smbios_pam0_offset((UINT16)id, (UINT16)(id >> 16), &chipset) : 0;
        if (!rb) {
                log_warning(L"SMBIOS: no PCI host bridge at 00:00.0, so 0xF0000-0xFFFFF stays read-only: " NO_DMI);
                return;
        }
        if (!reg) {
                log_warning(L"SMBIOS: host bridge %04x:%04x is not QEMU's q35 or i440FX, so 0xF0000-0xFFFFF stays read-only: " NO_DMI,
                            id & 0xFFFF, id >> 16);
                return;
        }
        if (EFI_ERROR(pam_read(rb, reg, &pam0))) {
                log_warning(L"SMBIOS: cannot read the %a's PAM0: " NO_DMI, chipset);
                return;
        }
        /* DRAM already shadows the segment: someone else's copy (a legacy
         * BIOS part, or pvhboot for a boot whose tables have moved since),
         * not pvhboot's to redo. */
        if (smbios_pam0_mode(pam0) != SMBIOS_PAM_DISABLED) {
                log_warning(L"SMBIOS: 0xF0000-0xFFFFF is already shadowed (%a PAM0 0x%02x) without the firmware's entry point: " NO_DMI,
                            chipset, pam0);
                return;
        }
        err = smbios_fseg_place(image, ep64, ep32, &off64, &off32);
        if (err != SMBIOS_OK) {
                log_warning(L"SMBIOS: %a: " NO_DMI, smbios_strerror(err));
                return;
        }
        if (!shadow(rb, reg, pam0, image, ep64, ep32)) {
                log_warning(L"SMBIOS: the %a's PAM0 did not give a readable copy in 0xF0000-0xFFFFF (restored to 0x%02x): " NO_DMI,
                            chipset, pam0);
                return;
        }
        describe(what64, sizeof(what64), ep64, off64);
        describe(what32, sizeof(what32), ep32, off32);
        log_info(L"SMBIOS entry points for the kernel: %s%s%s (%a PAM0 0x%02x -> 0x%02x)", what64,
                 ep64 && ep32 ? L", " : L"", what32, chipset, pam0, smbios_pam0_with(pam0, SMBIOS_PAM_READ_ONLY));
}

EFI_STATUS smbios_expose(struct boot_request *req, struct boot_state *st) {
        (void)req;
        expose(st);
        return EFI_SUCCESS;
}
