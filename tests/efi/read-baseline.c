/* SPDX-License-Identifier: MIT */
/*
 * read-baseline.efi PATH: a test-only EFI shell program that reads the
 * PT_LOAD bytes of the ELF kernel at PATH (on the volume it was loaded from)
 * the way pvhboot does -- Open, then for each PT_LOAD segment one SetPosition
 * and one Read of the whole segment -- into one AllocatePages buffer, and
 * prints TSC timestamps of each step. It is the benchmark's physical-limit
 * anchor (bench/run.py): the least work the firmware's disk and FAT drivers
 * must do to get the kernel into memory. Nothing is validated beyond what
 * the reads need, nothing is placed, and the buffer is freed at the end.
 *
 * Output (TSC values in decimal; nothing is printed between the marks):
 *   read-baseline: tsc-hz <Hz>
 *   read-baseline: tsc <phase> <tsc> [<bytes>]   phases: start, opened,
 *       headers (ELF and program headers read), allocated, read
 *   read-baseline: <n> PT_LOAD segments, <bytes> bytes: open <ms> ms,
 *       headers <ms> ms, read <ms> ms (<MB/s> MB/s)
 */
#include <efi.h>
#include <efilib.h>

#define MAX_PHDRS 64
#define PT_LOAD 1

static UINT64 tsc_now(void) {
        UINT32 lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        return (UINT64)hi << 32 | lo;
}

static struct mark {
        const CHAR16 *phase;
        UINT64 tsc;
        UINT64 bytes;
} marks[8];
static unsigned nr_marks;

static void mark(const CHAR16 *phase, UINT64 bytes) {
        if (nr_marks < sizeof(marks) / sizeof(marks[0]))
                marks[nr_marks++] = (struct mark){ phase, tsc_now(), bytes };
}

static UINT16 le16(const UINT8 *p) {
        return (UINT16)(p[0] | p[1] << 8);
}

static UINT32 le32(const UINT8 *p) {
        return (UINT32)p[0] | (UINT32)p[1] << 8 | (UINT32)p[2] << 16 | (UINT32)p[3] << 24;
}

static UINT64 le64(const UINT8 *p) {
        return (UINT64)le32(p) | (UINT64)le32(p + 4) << 32;
}

static EFI_STATUS read_at(EFI_FILE_HANDLE f, UINT64 offset, void *buf, UINTN len) {
        UINTN n = len;
        EFI_STATUS status = f->SetPosition(f, offset);
        if (EFI_ERROR(status))
                return status;
        status = f->Read(f, &n, buf);
        if (EFI_ERROR(status))
                return status;
        return n == len ? EFI_SUCCESS : EFI_END_OF_FILE;
}

/* Milliseconds and MB/s with two decimals, without floating point. */
static void print_ms(const CHAR16 *what, UINT64 ticks, UINT64 hz) {
        UINT64 centi = hz ? ticks * 100000 / hz : 0;
        Print(L"%s %ld.%02ld ms", what, centi / 100, centi % 100);
}

EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table);
EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE *system_table) {
        EFI_GUID shell_params_guid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
        EFI_GUID loaded_image_guid = LOADED_IMAGE_PROTOCOL;
        EFI_SHELL_PARAMETERS_PROTOCOL *shell = NULL;
        EFI_LOADED_IMAGE *image = NULL;
        EFI_FILE_HANDLE root = NULL, file = NULL;
        UINT8 ehdr[64], phdrs[MAX_PHDRS * 56];
        struct { UINT64 offset, size; } segs[MAX_PHDRS];
        unsigned nr_segs = 0;
        UINT64 total = 0, phoff, t0, hz, done;
        UINT16 phentsize, phnum;
        EFI_PHYSICAL_ADDRESS buffer = 0;
        UINTN pages = 0;
        int is64;
        EFI_STATUS status;

        InitializeLib(image_handle, system_table);
        mark(L"start", 0);
        status = BS->OpenProtocol(image_handle, &shell_params_guid, (void **)&shell, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status) || shell->Argc != 2) {
                Print(L"usage: read-baseline.efi PATH   (an ELF kernel on this program's volume)\n");
                return EFI_INVALID_PARAMETER;
        }
        status = BS->OpenProtocol(image_handle, &loaded_image_guid, (void **)&image, image_handle, NULL,
                                  EFI_OPEN_PROTOCOL_GET_PROTOCOL);
        if (EFI_ERROR(status) || !(root = LibOpenRoot(image->DeviceHandle))) {
                Print(L"read-baseline: error: cannot open this program's volume\n");
                return EFI_NOT_FOUND;
        }

        status = root->Open(root, &file, shell->Argv[1], EFI_FILE_MODE_READ, 0);
        if (EFI_ERROR(status)) {
                Print(L"read-baseline: error: %s: %r\n", shell->Argv[1], status);
                goto out;
        }
        mark(L"opened", 0);

        status = read_at(file, 0, ehdr, sizeof(ehdr));
        if (EFI_ERROR(status) || le32(ehdr) != 0x464c457f || (ehdr[4] != 1 && ehdr[4] != 2)) {
                Print(L"read-baseline: error: %s: not an ELF file\n", shell->Argv[1]);
                status = EFI_LOAD_ERROR;
                goto out;
        }
        is64 = ehdr[4] == 2;
        phoff = is64 ? le64(ehdr + 32) : le32(ehdr + 28);
        phentsize = le16(ehdr + (is64 ? 54 : 42));
        phnum = le16(ehdr + (is64 ? 56 : 44));
        if (phnum == 0 || phnum > MAX_PHDRS || phentsize < (is64 ? 56 : 32) ||
            (UINTN)phentsize * phnum > sizeof(phdrs)) {
                Print(L"read-baseline: error: %s: %d program headers of %d bytes: unsupported\n", shell->Argv[1],
                      phnum, phentsize);
                status = EFI_LOAD_ERROR;
                goto out;
        }
        status = read_at(file, phoff, phdrs, (UINTN)phentsize * phnum);
        if (EFI_ERROR(status)) {
                Print(L"read-baseline: error: %s: program headers: %r\n", shell->Argv[1], status);
                goto out;
        }
        for (unsigned i = 0; i < phnum; i++) {
                const UINT8 *ph = phdrs + (UINTN)i * phentsize;
                if (le32(ph) != PT_LOAD)
                        continue;
                segs[nr_segs].offset = is64 ? le64(ph + 8) : le32(ph + 4);
                segs[nr_segs].size = is64 ? le64(ph + 32) : le32(ph + 16);
                total += segs[nr_segs].size;
                nr_segs++;
        }
        mark(L"headers", 0);

        pages = (UINTN)((total + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE);
        status = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages ? pages : 1, &buffer);
        if (EFI_ERROR(status)) {
                Print(L"read-baseline: error: cannot allocate %ld bytes: %r\n", total, status);
                buffer = 0;
                goto out;
        }
        mark(L"allocated", total);

        done = 0;
        for (unsigned i = 0; i < nr_segs; i++) {
                if (segs[i].size == 0)
                        continue;
                status = read_at(file, segs[i].offset, (UINT8 *)(UINTN)buffer + done, (UINTN)segs[i].size);
                if (EFI_ERROR(status)) {
                        Print(L"read-baseline: error: segment %d: %r\n", i, status);
                        goto out;
                }
                done += segs[i].size;
        }
        mark(L"read", done);

        /* The same calibration as pvhboot.timing: Stall() against the TSC. */
        t0 = tsc_now();
        BS->Stall(20000);
        hz = (tsc_now() - t0) * 50;
        Print(L"read-baseline: tsc-hz %ld\n", hz);
        for (unsigned i = 0; i < nr_marks; i++) {
                if (marks[i].bytes)
                        Print(L"read-baseline: tsc %s %ld %ld\n", marks[i].phase, marks[i].tsc, marks[i].bytes);
                else
                        Print(L"read-baseline: tsc %s %ld\n", marks[i].phase, marks[i].tsc);
        }
        Print(L"read-baseline: %d PT_LOAD segments, %ld bytes: ", nr_segs, done);
        print_ms(L"open", marks[1].tsc - marks[0].tsc, hz);
        print_ms(L", headers", marks[2].tsc - marks[1].tsc, hz);
        print_ms(L", read", marks[4].tsc - marks[3].tsc, hz);
        if (marks[4].tsc > marks[3].tsc && hz)
                Print(L" (%ld MB/s)", done * (hz / 1000) / (marks[4].tsc - marks[3].tsc) / 1000);
        Print(L"\n");

out:
        if (buffer)
                BS->FreePages(buffer, pages ? pages : 1);
        if (file)
                file->Close(file);
        root->Close(root);
        return status;
}
