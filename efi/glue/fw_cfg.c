/* SPDX-License-Identifier: MIT */
/*
 * QEMU's fw_cfg device through its x86 I/O ports and DMA interface. Only
 * called when OVMF's QEMU kernel loader file system exists, which OVMF
 * publishes from fw_cfg, or under QEMU's TCG (fw_cfg_under_tcg()): the
 * device is there, so poking its ports is safe.
 */
#include "glue.h"

#include "fw_cfg.h"
#include "port_io.h"

/* The traditional interface, for the few bytes that say whether DMA is
 * there; raised like fw_cfg_read() so that the select and the reads stay
 * together. */
static void read_item_bytes(UINT16 select, UINT8 *buf, UINTN len) {
        EFI_TPL old = BS->RaiseTPL(TPL_NOTIFY);

        port_out16(FW_CFG_PORT_SELECTOR, select);
        for (UINTN i = 0; i < len; i++)
                buf[i] = port_in8(FW_CFG_PORT_DATA);
        BS->RestoreTPL(old);
}

/* One DMA operation; the device works synchronously under QEMU, but the
 * spec allows it to finish later: wait until control has no bit but error. */
static EFI_STATUS dma(UINT32 control, void *buf, UINT32 len) {
        /* On pvhboot's stack: identity-mapped, and the device is done with
         * it before dma() returns. */
        volatile struct fw_cfg_dma_access access __attribute__((aligned(16)));
        UINT64 address = (UINT64)(UINTN)&access;
        UINT32 left;

        access.control = fw_cfg_to_be32(control);
        access.length = fw_cfg_to_be32(len);
        access.address = fw_cfg_to_be64((UINT64)(UINTN)buf);
        __asm__ volatile("" : : : "memory");
        port_out32(FW_CFG_PORT_DMA_HIGH, fw_cfg_to_be32((UINT32)(address >> 32)));
        port_out32(FW_CFG_PORT_DMA_LOW, fw_cfg_to_be32((UINT32)address));
        do {
                __asm__ volatile("pause" : : : "memory");
                left = fw_cfg_to_be32(access.control);
        } while (left & ~FW_CFG_DMA_CTL_ERROR);
        return left & FW_CFG_DMA_CTL_ERROR ? EFI_DEVICE_ERROR : EFI_SUCCESS;
}

bool fw_cfg_has_dma(void) {
        UINT8 sig[4], id[4];

        read_item_bytes(FW_CFG_SIGNATURE, sig, 4);
        if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U')
                return false;
        read_item_bytes(FW_CFG_ID, id, 4);
        return (id[0] & FW_CFG_ID_DMA) != 0;
}

EFI_STATUS fw_cfg_read(UINT16 select, UINT64 offset, void *buf, UINT64 len) {
        UINT32 control = (UINT32)select << 16 | FW_CFG_DMA_CTL_SELECT;
        EFI_STATUS status = EFI_SUCCESS;
        EFI_TPL old;

        if (offset > 0xffffffffull || len > 0xffffffffull - offset)
                return EFI_INVALID_PARAMETER;
        /* Select, skip and read belong together: nothing else may select
         * another item in between (no event runs above TPL_NOTIFY's level). */
        old = BS->RaiseTPL(TPL_NOTIFY);
        if (offset) {
                status = dma(control | FW_CFG_DMA_CTL_SKIP, NULL, (UINT32)offset);
                control = 0;    /* the read goes on in the item just selected */
        }
        if (!EFI_ERROR(status) && len)
                status = dma(control | FW_CFG_DMA_CTL_READ, buf, (UINT32)len);
        BS->RestoreTPL(old);
        return status;
}

/* CPUID leaf 0x40000000 of QEMU's TCG (KVM says "KVMKVMKVM", real CPUs
 * have no hypervisor leaf): under TCG the fw_cfg device is QEMU's. */
bool fw_cfg_under_tcg(void) {
        UINT32 r[4];

        cpuid(1, r);
        if (!(r[2] & (1u << 31)))               /* CPUID.1:ECX.hypervisor */
                return false;
        cpuid(0x40000000, r);                   /* signature in EBX, ECX, EDX */
        return CompareMem(&r[1], "TCGTCGTCGTCG", 12) == 0;
}

/* No boot services: also after ExitBootServices. A DMA read with an item
 * key past the last one selects nothing, and QEMU answers such a read
 * (like one past an item's end) by filling the destination with zeros
 * (hw/nvram/fw_cfg.c, fw_cfg_dma_transfer: dma_memory_set). */
EFI_STATUS fw_cfg_dma_zero(UINT64 address, UINT32 len) {
        return dma((UINT32)0xffff << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, (void *)(UINTN)address, len);
}

EFI_STATUS fw_cfg_find_file(const char *name, UINT16 *select, UINT32 *size) {
        UINT8 first4[4];
        void *dir;
        UINTN bytes;
        enum fw_cfg_error err;

        if (!fw_cfg_has_dma())
                return EFI_UNSUPPORTED;
        if (EFI_ERROR(fw_cfg_read(FW_CFG_FILE_DIR, 0, first4, 4)))
                return EFI_DEVICE_ERROR;
        if (fw_cfg_dir_size(first4, &bytes) != FW_CFG_OK)
                return EFI_COMPROMISED_DATA;
        dir = AllocatePool(bytes);
        if (!dir)
                return EFI_OUT_OF_RESOURCES;
        if (EFI_ERROR(fw_cfg_read(FW_CFG_FILE_DIR, 0, dir, bytes))) {
                FreePool(dir);
                return EFI_DEVICE_ERROR;
        }
        err = fw_cfg_dir_find(dir, bytes, name, select, size);
        FreePool(dir);
        if (err == FW_CFG_ERR_NOT_FOUND)
                return EFI_NOT_FOUND;
        return err ? EFI_COMPROMISED_DATA : EFI_SUCCESS;
}
