/* SPDX-License-Identifier: MIT */
/*
 * Leaving the firmware: the last words on the console, ExitBootServices
 * with the PVH memory map built from the final EFI map, and the jump into
 * the handoff code, which leaves long mode and enters the kernel.
 */
#include "boot.h"

EFI_STATUS exit_check_map(const struct boot_request *req, struct boot_state *st, bool may_allocate) {
        /* pvhboot's own allocations since the first read split the map;
         * while it may still allocate, a larger buffer if need be. */
        EFI_STATUS status = may_allocate ? memmap_read_growing(&st->memmap) : memmap_read(&st->memmap);
        enum pvh_memmap_error err;

        if (EFI_ERROR(status))
                return log_error_status(status, L"memory map: GetMemoryMap failed");
        status = kernel_check_destinations(req, st);
        if (EFI_ERROR(status))
                return status;
        err = start_info_set_memmap(st->block, st->memmap.buffer, st->memmap.size, st->memmap.desc_size);
        if (err != PVH_MEMMAP_OK)
                return log_error(EFI_LOAD_ERROR, L"memory map: %a", pvh_memmap_strerror(err));
        /* The RAM of this map must be write-back, or Linux trims it. */
        return mtrr_check(st, &st->mtrr);
}

static void last_words(const struct boot_request *req, const struct boot_state *st) {
        if (timing_enabled)
                /* What pvhboot needs beyond the kernel's own pages and the
                 * initrd: staging (where the firmware holds the kernel's
                 * pages), and its own blocks (start_info, handoff, maps). */
                log_info(L"memory: staging %ld, own %ld bytes, image %ld bytes", st->staging_bytes,
                         pages_bytes(0) - st->staging_bytes - page_align_up(st->initrd_size),
                         req->image->ImageSize);
        timing_print();
        mtrr_report(&st->mtrr);
        log_info(L"command line: %a", req->options.cmdline);
        log_info(L"starting kernel at 0x%x", st->kernel.pvh_entry);
}

/* Under QEMU's TCG, the firmware's code pages still carry translated code
 * when the kernel gets them as free RAM: every store to such a page then
 * takes QEMU's slow self-modifying-code path until the last translation in
 * it is gone. PVH has no "free later" memory type, so the kernel's first
 * allocations (memblock and the buddy allocator both start at the top of
 * RAM, where OVMF loads its drivers) land right there, while an EFI-stub
 * kernel keeps boot-services memory reserved until late in its boot. About
 * 4 MB of EfiBootServicesCode cost such a kernel 0.1-0.4 s before /init.
 * One fw_cfg DMA per range zeroes them at host speed and drops their
 * translations with it. Free memory by now (UEFI 2.10, 7.4), and none of
 * pvhboot's: its own pages are EfiLoaderCode/EfiLoaderData. But pvhboot
 * still runs on the firmware's stack, page tables and descriptor tables
 * until the handoff leaves long mode, and U-Boot keeps its stack in the
 * one EfiBootServicesCode range that holds its own image (zeroing it
 * crashed every boot there): a range that holds any of them is left
 * alone. */
static bool holds_live_firmware_state(UINT64 start, UINT64 end) {
        UINT64 rsp, cr3;
        struct {
                UINT16 limit;
                UINT64 base;
        } __attribute__((packed)) gdtr, idtr;

        __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
        __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
        __asm__ volatile("sgdt %0" : "=m"(gdtr));
        __asm__ volatile("sidt %0" : "=m"(idtr));
        cr3 &= ~(UINT64)0xFFF;
        return (rsp >= start && rsp < end) || (cr3 >= start && cr3 < end) || (gdtr.base >= start && gdtr.base < end) ||
               (idtr.base >= start && idtr.base < end);
}

static void zero_firmware_code(const struct boot_state *st) {
        const UINT8 *p = st->memmap.buffer;

        for (UINTN off = 0; off + st->memmap.desc_size <= st->memmap.size; off += st->memmap.desc_size) {
                const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(p + off);
                UINT64 start = d->PhysicalStart, left = d->NumberOfPages * EFI_PAGE_SIZE;

                if (d->Type != EfiBootServicesCode || holds_live_firmware_state(start, start + left))
                        continue;
                while (left) {
                        UINT32 n = left > 0x40000000u ? 0x40000000u : (UINT32)left;

                        if (EFI_ERROR(fw_cfg_dma_zero(start, n)))
                                return;         /* only speed is lost */
                        start += n;
                        left -= n;
                }
        }
}

/* UEFI 2.10, 7.4 ExitBootServices(): "If MapKey value is incorrect,
 * ExitBootServices() returns EFI_INVALID_PARAMETER and GetMemoryMap() with
 * ExitBootServices() must be called again." and "A UEFI OS loader should
 * not make calls to any boot service function other than Memory Allocation
 * Services after the first call to ExitBootServices()": between tries
 * nothing is allocated, and each map that is used passes the same checks
 * as the first. (A failure then is still reported: GRUB and systemd-boot
 * print theirs too, and firmware that returned an error has not gone.) */
EFI_STATUS exit_boot_services(struct boot_request *req, struct boot_state *st) {
        EFI_STATUS status = EFI_SUCCESS;
        bool zero_code = fw_cfg_under_tcg() && fw_cfg_has_dma();

        last_words(req, st);
        request_close_volumes(req);
        timing_mark("exit-boot-services", 0);
        for (int attempt = 0; attempt < 8; attempt++) {
                status = exit_check_map(req, st, attempt == 0);
                if (EFI_ERROR(status))
                        return status;
                st->exit_tried = true;
                status = BS->ExitBootServices(req->image_handle, st->memmap.key);
                if (!EFI_ERROR(status)) {
                        tpm_log_after_exit(st);         /* the firmware's PCR 5 events; cannot fail */
                        timing_mark("ebs-done", 0);
                        mtrr_apply(&st->mtrr);          /* planned with this map; cannot fail */
                        if (zero_code) {
                                zero_firmware_code(st);
                                timing_mark("code-zeroed", 0);
                        }
                        timing_print_serial();
                        return EFI_SUCCESS;
                }
                if (status != EFI_INVALID_PARAMETER)
                        break;
        }
        return log_error_status(status, L"ExitBootServices failed");
}

void enter_kernel(const struct boot_state *st) {
        /* Boot services are gone: from here on nothing may fail. */
        ((void(__attribute__((sysv_abi)) *)(struct handoff_params *))(UINTN)(
                st->handoff + (UINTN)(handoff_enter - handoff_blob_start)))(st->params);
        for (;;)
                __asm__ volatile("cli; hlt");
}
