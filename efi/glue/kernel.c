/* SPDX-License-Identifier: MIT */
/*
 * Loading the kernel: parse it from its headers and notes, choose where it
 * goes (its link address, or elsewhere when it may be relocated), claim
 * the parts of its destination that are free now (so that nothing pvhboot
 * allocates later lands there), plan which bytes are read in place and
 * which staged, then read the file once, in file order, hashing it in the
 * same pass when a pin or the TPM needs its digest (kernel_stream.h).
 */
#include "boot.h"

#include "kernel_stream.h"

/* Bytes of the file that no segment loads are hashed through this. */
#define BOUNCE_SIZE (1u << 20)
#define MAX_CLAIMED 64u
#define MAX_PIECES_PER_RANGE 32u

/* The final memory map (exit.c) must still have the destination as RAM:
 * the placement below found it so, but the firmware may change its map
 * until ExitBootServices. */
EFI_STATUS kernel_check_destinations(const struct boot_request *req, const struct boot_state *st) {
        const struct efi_memmap *m = &st->memmap;

        for (size_t i = 0; i < st->nr_kernel_ranges; i++)
                if (!layout_range_is_ram(m->buffer, m->size, m->desc_size, st->kernel_ranges[i]))
                        return log_error(EFI_LOAD_ERROR,
                                         L"%s: kernel needs 0x%lx-0x%lx, which is not free RAM on this machine "
                                         L"(reserved, MMIO or missing) in the firmware's final memory map",
                                         req->kernel.name, st->kernel_ranges[i].start, st->kernel_ranges[i].end - 1);
        return EFI_SUCCESS;
}

/* "0x810000-0x170FFFF is ACPIMemoryNVS", for the messages below. */
static void describe_obstacle(const struct layout_obstacle *o, CHAR16 *buf, UINTN size) {
        if (o->type < 0)
                SPrint(buf, size, L"0x%lx-0x%lx has no memory", o->start, o->end - 1);
        else
                SPrint(buf, size, L"0x%lx-0x%lx is %a%a", o->start, o->end - 1, layout_memory_type_name(o->type),
                       o->specific_purpose ? " (specific-purpose)" : "");
}

/* No place for the kernel: say what is in the way and the ways out. */
static EFI_STATUS refuse_placement(const struct boot_request *req, const struct boot_state *st,
                                   const struct layout_placement *pl) {
        const struct elf_kernel *k = &st->kernel;
        CHAR16 why[96];

        describe_obstacle(&pl->obstacle, why, sizeof(why));
        if (!k->has_reloc)
                /* Debian's OVMF with S3 keeps 0x810000-0x170FFFF as ACPI
                 * NVS for S3 resume, right where Linux links itself
                 * (16 MiB); Linux 6.12+ carries the relocation note. */
                return log_error(EFI_LOAD_ERROR,
                                 L"%s: kernel needs 0x%lx-0x%lx, which is not free RAM on this machine (%s), and the "
                                 L"kernel is not relocatable (no Xen ELF note 19); turn S3 off, give the machine "
                                 L"more memory, or boot a relocatable kernel (Linux 6.12+)",
                                 req->kernel.name, pl->linked_range.start, pl->linked_range.end - 1, why);
        return log_error(EFI_LOAD_ERROR,
                         L"%s: kernel needs 0x%lx bytes at a multiple of 0x%lx from its link address 0x%lx, within "
                         L"0x%x-0x%x (Xen ELF note 19), and no such RAM is free on this machine (at its link address, "
                         L"%s); give the machine more memory",
                         req->kernel.name, k->image_end - k->image_start, k->reloc_align, k->image_start,
                         k->reloc_min > LAYOUT_RELOC_FLOOR ? k->reloc_min : LAYOUT_RELOC_FLOOR, k->reloc_max, why);
}

/*
 * Where the kernel goes (layout_place_kernel()): at its link address when
 * that is free, else, when the kernel may be moved (Xen ELF note 19),
 * where it needs no staging; the kernel's addresses are moved there, and
 * its destination ranges set. One info line when it moves.
 */
static EFI_STATUS place_kernel(const struct boot_request *req, struct boot_state *st) {
        const struct efi_memmap *m = &st->memmap;
        struct layout_placement pl;
        uint64_t linked = st->kernel.image_start;
        bool relocated = false;
        CHAR16 why[96];

        switch (layout_place_kernel(m->buffer, m->size, m->desc_size, &st->kernel, &pl)) {
        case LAYOUT_PLACE_NOWHERE:
                return refuse_placement(req, st, &pl);
        case LAYOUT_PLACE_LINKED:
        case LAYOUT_PLACE_LINKED_STAGED:
                break;
        case LAYOUT_PLACE_RELOCATED:
        case LAYOUT_PLACE_RELOCATED_STAGED:
                if (elf_kernel_relocate(&st->kernel, pl.delta) != 0)
                        return log_error(EFI_LOAD_ERROR, L"internal: %s: kernel cannot be moved by 0x%lx",
                                         req->kernel.name, pl.delta);
                relocated = true;
                describe_obstacle(&pl.obstacle, why, sizeof(why));
                log_info(L"kernel relocated: linked at 0x%lx, placed at 0x%lx (%a0x%lx), because %s%s", linked,
                         st->kernel.image_start, (int64_t)pl.delta < 0 ? "-" : "+",
                         (int64_t)pl.delta < 0 ? -pl.delta : pl.delta, why,
                         pl.link_is_ram ? L" until ExitBootServices; elsewhere nothing is staged" : L"");
                break;
        }
        st->nr_kernel_ranges = layout_kernel_destination(&st->kernel, relocated, st->kernel_ranges);
        return EFI_SUCCESS;
}

/* The pieces of the kernel's destination that are ConventionalMemory now,
 * claimed with AllocateAddress. */
static size_t claim_free_pieces(const struct boot_state *st, struct phys_range claimed[MAX_CLAIMED]) {
        const struct efi_memmap *m = &st->memmap;
        size_t nr_claimed = 0;

        for (size_t i = 0; i < st->nr_kernel_ranges; i++) {
                struct phys_range pieces[MAX_PIECES_PER_RANGE];
                size_t n = layout_free_pieces(m->buffer, m->size, m->desc_size, st->kernel_ranges[i], pieces,
                                              MAX_PIECES_PER_RANGE);
                for (size_t j = 0; j < n && j < MAX_PIECES_PER_RANGE && nr_claimed < MAX_CLAIMED; j++)
                        if (!EFI_ERROR(pages_alloc_at(pieces[j].start, pieces[j].end - pieces[j].start)))
                                claimed[nr_claimed++] = pieces[j];
        }
        return nr_claimed;
}

/* Where each run is read: in place, or a staging buffer below 4 GiB that
 * the handoff moves after ExitBootServices. */
static EFI_STATUS stage_runs(const struct boot_request *req, struct boot_state *st) {
        for (unsigned i = 0; i < st->plan.nr_runs; i++) {
                struct load_run *r = &st->plan.runs[i];
                EFI_PHYSICAL_ADDRESS staging;
                EFI_STATUS status;

                if (!r->staged) {
                        r->buf = (void *)(UINTN)r->paddr;
                        continue;
                }
                status = pages_alloc_below(BELOW_4G, r->len, EfiLoaderData, &staging);
                if (EFI_ERROR(status))
                        return log_error(status, L"%s: no free block of %ld bytes below 4 GiB to stage the kernel's bytes for 0x%lx",
                                         req->kernel.name, r->len, r->paddr);
                r->buf = (void *)(UINTN)staging;
                r->staging = (UINT32)staging;
                st->staging_bytes += page_align_up(r->len);
        }
        return EFI_SUCCESS;
}

static EFI_STATUS plan_load(const struct boot_request *req, struct boot_state *st) {
        struct phys_range claimed[MAX_CLAIMED];
        size_t nr_claimed;
        EFI_STATUS status;

        status = memmap_read_growing(&st->memmap);
        if (EFI_ERROR(status))
                return log_error_status(status, L"memory map: GetMemoryMap failed");
        status = place_kernel(req, st);
        if (EFI_ERROR(status))
                return status;
        nr_claimed = claim_free_pieces(st, claimed);
        if (load_plan_build(&st->kernel, claimed, nr_claimed, &st->plan) != LOAD_PLAN_OK)
                return log_error(EFI_OUT_OF_RESOURCES, L"%s: memory at the kernel's addresses is in more than %d pieces",
                                 req->kernel.name, HANDOFF_MAX_COPIES);
        return stage_runs(req, st);
}

EFI_STATUS kernel_load(struct boot_request *req, struct boot_state *st) {
        _cleanup_pool_ struct kernel_stream *stream = AllocatePool(sizeof(*stream));
        _cleanup_pool_ UINT8 *bounce = NULL;
        struct source *src = &st->kernel_source;
        enum elf_kernel_error err;
        EFI_STATUS status;

        if (!stream)
                return log_error(EFI_OUT_OF_RESOURCES, L"%s: out of memory", req->kernel.name);
        err = kernel_stream_open(stream, source_read_cb, src, src->size, &st->kernel);
        if (err == ELF_KERNEL_ERR_READ)
                return log_error_status(src->error ? src->error : EFI_LOAD_ERROR, L"%s: read failed",
                                        req->kernel.name);
        if (err)
                return log_error(EFI_LOAD_ERROR, L"%s: %a", req->kernel.name, elf_kernel_strerror(err));
        timing_mark("kernel-open", 0);

        status = plan_load(req, st);
        if (EFI_ERROR(status))
                return status;
        st->kernel_hashed = req->pins.have_kernel || tpm_present();
        if (st->kernel_hashed && !(bounce = AllocatePool(BOUNCE_SIZE)))
                return log_error(EFI_OUT_OF_RESOURCES, L"%s: out of memory", req->kernel.name);
        if (kernel_stream_load(stream, &st->plan, bounce, BOUNCE_SIZE, st->kernel_hashed ? st->kernel_digest : NULL))
                return log_error_status(src->error ? src->error : EFI_LOAD_ERROR, L"%s: read failed",
                                        req->kernel.name);
        source_close(src);

        timing_mark("kernel-read", elf_kernel_load_bytes(&st->kernel));
        log_info(L"kernel %s: %ld bytes, read %ld (%ld in place, %ld staged), PVH entry 0x%x", req->kernel.path,
                 src->size, elf_kernel_load_bytes(&st->kernel), st->plan.bytes_in_place, st->plan.bytes_staged,
                 st->kernel.pvh_entry);
        return EFI_SUCCESS;
}
