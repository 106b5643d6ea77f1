/* SPDX-License-Identifier: MIT */
/*
 * EFI memory map -> PVH memory map.
 *
 * The UEFI spec (7.2, "Memory Type Usage after ExitBootServices()") says
 * LoaderCode/Data, BootServicesCode/Data and ConventionalMemory are free for
 * the OS; ACPIReclaimMemory may be used once the tables are read;
 * ACPIMemoryNVS must be preserved; the runtime, reserved, MMIO and PAL types
 * are not the OS's. E820 (and so PVH) types say the same things.
 *
 * The types are those Linux's EFI stub gives the same descriptors
 * (setup_e820() in drivers/firmware/efi/libstub/x86-stub.c), so that a
 * kernel sees the same E820 map either way, with two deliberate
 * differences: types the stub skips (unaccepted memory, which PVH cannot
 * accept for the kernel, and types no UEFI version defines) are reserved
 * here instead of holes a kernel might place MMIO in.
 *
 * The conversion is a sweep over elementary intervals: O(n^2) in the number
 * of descriptors, with no scratch memory, which is what a loader that runs
 * after the final GetMemoryMap can afford (n is ~100 on real machines).
 */
#include "pvh_memmap.h"

#include "kernel_cmdline.h"

#define PHYS_LIMIT (1ull << 52)

uint32_t pvh_memmap_type_from_efi(uint32_t efi_type) {
        switch (efi_type) {
        case EFI_MEM_LOADER_CODE:
        case EFI_MEM_LOADER_DATA:
        case EFI_MEM_BOOT_SERVICES_CODE:
        case EFI_MEM_BOOT_SERVICES_DATA:
        case EFI_MEM_CONVENTIONAL:
                return XEN_HVM_MEMMAP_TYPE_RAM;
        case EFI_MEM_ACPI_RECLAIM:
                return XEN_HVM_MEMMAP_TYPE_ACPI;
        case EFI_MEM_ACPI_NVS:
                return XEN_HVM_MEMMAP_TYPE_NVS;
        case EFI_MEM_UNUSABLE:
                return XEN_HVM_MEMMAP_TYPE_UNUSABLE;
        case EFI_MEM_PERSISTENT:
                return XEN_HVM_MEMMAP_TYPE_PMEM;
        default:
                /* Runtime services, reserved, MMIO, PAL, unaccepted, unknown. */
                return XEN_HVM_MEMMAP_TYPE_RESERVED;
        }
}

uint32_t pvh_memmap_type_of(const struct efi_memory_descriptor *d, unsigned flags) {
        uint32_t t = pvh_memmap_type_from_efi(d->type);

        if (t == XEN_HVM_MEMMAP_TYPE_RAM && (d->attribute & EFI_MEMORY_SP) &&
            !(flags & PVH_MEMMAP_NO_SOFT_RESERVE))
                return XEN_HVM_MEMMAP_TYPE_SOFT_RESERVED;
        return t;
}

bool efi_memory_type_is_ram(uint32_t efi_type) {
        return pvh_memmap_type_from_efi(efi_type) == XEN_HVM_MEMMAP_TYPE_RAM;
}

bool efi_memory_descriptor_is_ram(const struct efi_memory_descriptor *d) {
        return efi_memory_type_is_ram(d->type) && !(d->attribute & EFI_MEMORY_SP);
}

static bool span_is(const char *s, size_t len, const char *want) {
        size_t i = 0;
        for (; i < len && want[i]; i++)
                if (s[i] != want[i])
                        return 0;
        return i == len && want[i] == '\0';
}

/* parse_option_str(): option is one of the comma-separated items of val. */
static bool list_has(const char *val, size_t len, const char *option) {
        size_t i = 0;
        while (i < len) {
                size_t j = i;
                while (j < len && val[j] != ',')
                        j++;
                /* Linux compares a prefix, then wants the item to end there. */
                if (span_is(val + i, j - i, option))
                        return 1;
                i = j < len ? j + 1 : j;
        }
        return 0;
}

unsigned pvh_memmap_flags_for_cmdline(const char *s) {
        struct kernel_param param;
        unsigned flags = 0;
        size_t pos = 0;

        /* The last efi= decides, as each one sets the flags anew; like the
         * EFI stub, the whole line, "--" and after included. */
        while (kernel_cmdline_next(s, &pos, &param))
                if (param.has_value && kernel_param_is(&param, "efi")) {
                        if (list_has(param.value, param.value_len, "nosoftreserve"))
                                flags |= PVH_MEMMAP_NO_SOFT_RESERVE;
                        else
                                flags &= ~PVH_MEMMAP_NO_SOFT_RESERVE;
                }
        return flags;
}

/* Where descriptors overlap, the type that promises least wins. */
static unsigned type_rank(uint32_t pvh_type) {
        switch (pvh_type) {
        case XEN_HVM_MEMMAP_TYPE_RAM: return 0;
        case XEN_HVM_MEMMAP_TYPE_SOFT_RESERVED: return 1;
        case XEN_HVM_MEMMAP_TYPE_ACPI: return 2;
        case XEN_HVM_MEMMAP_TYPE_PMEM: return 3;
        case XEN_HVM_MEMMAP_TYPE_NVS: return 4;
        case XEN_HVM_MEMMAP_TYPE_UNUSABLE: return 5;
        default: return 6;
        }
}

enum pvh_memmap_error pvh_memmap_from_efi(const void *efi_map, size_t map_size, size_t desc_size,
                                          struct hvm_memmap_table_entry *out, size_t cap,
                                          size_t *count) {
        return pvh_memmap_convert(efi_map, map_size, desc_size, 0, out, cap, count);
}

enum pvh_memmap_error pvh_memmap_convert(const void *efi_map, size_t map_size, size_t desc_size, unsigned flags,
                                         struct hvm_memmap_table_entry *out, size_t cap, size_t *count) {
        size_t n, i, used = 0;
        uint64_t pos = 0;
        int have_pos = 0;

        *count = 0;
        if (desc_size < sizeof(struct efi_memory_descriptor))
                return PVH_MEMMAP_ERR_DESC_SIZE;
        n = map_size / desc_size;

        /* Reject ranges that wrap; find where memory starts. */
        for (i = 0; i < n; i++) {
                const struct efi_memory_descriptor d = efi_map_descriptor(efi_map, desc_size, i);
                if (d.number_of_pages == 0)
                        continue;
                /* x86 physical addresses have at most 52 bits. */
                if (d.physical_start > PHYS_LIMIT ||
                    d.number_of_pages > (PHYS_LIMIT - d.physical_start) >> PVH_PAGE_SHIFT)
                        return PVH_MEMMAP_ERR_BAD_DESCRIPTOR;
                if (!have_pos || d.physical_start < pos) {
                        pos = d.physical_start;
                        have_pos = 1;
                }
        }
        if (!have_pos)
                return PVH_MEMMAP_ERR_EMPTY;

        for (;;) {
                /* The type at pos, and the next boundary after it. Ends are
                 * inclusive (last byte) so a range ending at 2^64 is fine. */
                uint32_t type = 0;
                int covered = 0, have_next = 0;
                uint64_t next = 0, last = 0;

                for (i = 0; i < n; i++) {
                        const struct efi_memory_descriptor d = efi_map_descriptor(efi_map, desc_size, i);
                        uint64_t start = d.physical_start, end;
                        if (d.number_of_pages == 0)
                                continue;
                        end = start + ((d.number_of_pages << PVH_PAGE_SHIFT) - 1);
                        if (start <= pos && pos <= end) {
                                uint32_t t = pvh_memmap_type_of(&d, flags);
                                if (!covered || type_rank(t) > type_rank(type))
                                        type = t;
                                covered = 1;
                                /* This piece runs to end at the latest. */
                                if (!have_next || end < last) {
                                        last = end;
                                        have_next = 1;
                                }
                        } else if (start > pos) {
                                if (!have_next || start - 1 < last) {
                                        last = start - 1;
                                        have_next = 1;
                                }
                        }
                }
                if (!have_next)
                        break;
                next = last;    /* inclusive end of the piece starting at pos */

                if (covered) {
                        struct hvm_memmap_table_entry *prev = used ? &out[used - 1] : NULL;
                        if (prev && prev->type == type && prev->addr + prev->size == pos) {
                                prev->size += next - pos + 1;
                        } else {
                                if (used == cap)
                                        return PVH_MEMMAP_ERR_TOO_MANY;
                                out[used++] = (struct hvm_memmap_table_entry){
                                        .addr = pos, .size = next - pos + 1, .type = type };
                        }
                }
                if (next == UINT64_MAX)
                        break;
                pos = next + 1;
        }

        *count = used;
        return PVH_MEMMAP_OK;
}

const char *pvh_memmap_strerror(enum pvh_memmap_error err) {
        switch (err) {
        case PVH_MEMMAP_OK: return "no error";
        case PVH_MEMMAP_ERR_DESC_SIZE: return "firmware memory map descriptor size is smaller than EFI_MEMORY_DESCRIPTOR";
        case PVH_MEMMAP_ERR_BAD_DESCRIPTOR: return "firmware memory map has a range beyond the 52-bit physical address space";
        case PVH_MEMMAP_ERR_TOO_MANY: return "firmware memory map needs more than 126 PVH entries after merging";
        case PVH_MEMMAP_ERR_EMPTY: return "firmware memory map is empty";
        }
        return "unknown error";
}
