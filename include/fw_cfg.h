/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device, as QEMU's docs/specs/fw_cfg.rst
 * describes it for x86 (I/O ports). pvhboot uses it for one thing: QEMU
 * keeps a PVH ELF given with -kernel to itself (see qemu_kernel.h), so the
 * same vmlinux can be handed to pvhboot as the fw_cfg file
 * "opt/org.pvhboot/kernel" (-fw_cfg name=opt/org.pvhboot/kernel,file=vmlinux).
 */
#ifndef PVHBOOT_FW_CFG_H
#define PVHBOOT_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

/* "Selector Register IOport: 0x510; Data Register IOport: 0x511;
 *  DMA Address IOport: 0x514" (the 64-bit register: high half at 0x514,
 *  low half at 0x518; writing the low half starts the transfer). */
#define FW_CFG_PORT_SELECTOR 0x510
#define FW_CFG_PORT_DATA     0x511
#define FW_CFG_PORT_DMA_HIGH 0x514
#define FW_CFG_PORT_DMA_LOW  0x518

/* Fixed items. */
#define FW_CFG_SIGNATURE 0x0000         /* "QEMU" */
#define FW_CFG_ID        0x0001         /* feature bitmap, little-endian */
#define FW_CFG_FILE_DIR  0x0019

#define FW_CFG_ID_TRADITIONAL 0x01
#define FW_CFG_ID_DMA         0x02

/* FWCfgDmaAccess.control, "in native encoding" before the big-endian
 * conversion: "If the 'select' bit is set, the upper 16 bits are used to
 * select an item"; the device clears control when it is done, or leaves
 * the error bit set. */
#define FW_CFG_DMA_CTL_ERROR  0x01u
#define FW_CFG_DMA_CTL_READ   0x02u
#define FW_CFG_DMA_CTL_SKIP   0x04u
#define FW_CFG_DMA_CTL_SELECT 0x08u

/* All fields big-endian. */
struct fw_cfg_dma_access {
        uint32_t control;
        uint32_t length;
        uint64_t address;
};
_Static_assert(sizeof(struct fw_cfg_dma_access) == 16, "FWCfgDmaAccess is 16 bytes");

#define FW_CFG_NAME_MAX 56

/* The file directory item: a big-endian uint32_t count, then count of: */
struct fw_cfg_file {
        uint32_t size;                  /* big-endian */
        uint16_t select;                /* big-endian */
        uint16_t reserved;
        char name[FW_CFG_NAME_MAX];     /* NUL-terminated */
};
_Static_assert(sizeof(struct fw_cfg_file) == 64, "FWCfgFile is 64 bytes");
_Static_assert(offsetof(struct fw_cfg_file, name) == 8, "FWCfgFile.name at 8");

/* More entries than any QEMU machine has; bounds the directory read. */
#define FW_CFG_MAX_FILES 4096u

#define FW_CFG_PVHBOOT_KERNEL "opt/org.pvhboot/kernel"

enum fw_cfg_error {
        FW_CFG_OK = 0,
        FW_CFG_ERR_TRUNCATED,           /* count says more entries than len holds */
        FW_CFG_ERR_TOO_MANY,            /* count > FW_CFG_MAX_FILES */
        FW_CFG_ERR_NOT_FOUND,
};

uint16_t fw_cfg_be16(const void *p);
uint32_t fw_cfg_be32(const void *p);
/* The same value in big-endian byte order (for the DMA registers/fields). */
uint32_t fw_cfg_to_be32(uint32_t v);
uint64_t fw_cfg_to_be64(uint64_t v);

/* Bytes of a directory whose first four bytes (the count) are first4. */
enum fw_cfg_error fw_cfg_dir_size(const void *first4, size_t *bytes);

/* Look name up in a directory of len bytes as read from FW_CFG_FILE_DIR.
 * An entry whose name has no NUL within its 56 bytes matches nothing. */
enum fw_cfg_error fw_cfg_dir_find(const void *dir, size_t len, const char *name, uint16_t *select,
                                  uint32_t *size);

const char *fw_cfg_strerror(enum fw_cfg_error err);

#endif
