#!/usr/bin/python3
"""Generate a good minimal PVH kernel ELF and malformed variants of it.

Usage: gen_bad_kernels.py OUTDIR

In the manner of rust-vmm linux-loader's tests: build one good image, then
break one field per variant.  Writes OUTDIR/<name>.elf for every entry of
VARIANTS (including good.elf) and OUTDIR/manifest.txt with one line per file:

    <name>.elf <ELF_KERNEL_ERR_... | ELF_KERNEL_OK> [reason]

the exact result elf_kernel_parse() must give and a distinctive substring of
its elf_kernel_strerror() message (tests/unit/test_gen_kernels.c
checks every file on the host; tests/integration/test_bad_kernels.py boots
them through pvhboot under OVMF and looks for the reason in the error line).

The good image (ELF64, ET_EXEC, EM_X86_64, 0x3000 bytes):

    0x000  ELF header, e_entry = BASE
    0x040  phdr 0  PT_LOAD R+X  file 0x1000+0x1000 -> BASE            (text)
    0x078  phdr 1  PT_LOAD R+W  file 0x2000+0x1000 -> BASE+0x1000,
                                 p_memsz 0x3000 (0x2000 of .bss)       (data)
    0x0b0  phdr 2  PT_NOTE      file 0x200, a GNU note then the Xen note
    0x200  notes: GNU type 1; Xen type 18 (XEN_ELFNOTE_PHYS32_ENTRY) with a
           4-byte descriptor = BASE (Linux's ".long"), then 4 spare bytes
    0x1000 text: mov al,0x31; out 0xf4,al; cli; hlt; jmp .-2
           (with QEMU's isa-debug-exit at 0xf4 a boot of it exits with 99)
    0x2000 data

BASE is 0x2000000 (32 MiB, clear of OVMF's DXE volume around 16 MiB), the
address the probe kernel is linked at too.
"""
import os
import struct
import sys

BASE = 0x2000000
FILE_SIZE = 0x3000
EHDR_SIZE, PHDR_SIZE = 64, 56
PHOFF = EHDR_SIZE
NOTE_OFF = 0x200
TEXT_OFF, DATA_OFF = 0x1000, 0x2000

PT_NULL, PT_LOAD, PT_NOTE = 0, 1, 4
XEN_ELFNOTE_PHYS32_ENTRY = 18
XEN_ELFNOTE_PHYS32_RELOC = 19

# 32-bit protected mode, paging off: exit QEMU through isa-debug-exit
# (status (0x31 << 1) | 1 = 99), else halt forever.
CODE = bytes([0xb0, 0x31,            # mov $0x31, %al
              0xe6, 0xf4,            # out %al, $0xf4
              0xfa,                  # cli
              0xf4,                  # 1: hlt
              0xeb, 0xfd])           # jmp 1b

# Byte offsets of the fields the variants break.
E_IDENT_CLASS, E_IDENT_DATA, E_IDENT_VERSION = 4, 5, 6
E_TYPE, E_MACHINE, E_ENTRY, E_PHOFF = 16, 18, 24, 32
E_PHENTSIZE, E_PHNUM = 54, 56
# Elf64_Phdr: p_type 0, p_flags 4, p_offset 8, p_vaddr 16, p_paddr 24,
# p_filesz 32, p_memsz 40, p_align 48.
P_TYPE, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ = 0, 8, 16, 24, 32, 40


def phdr(i, field):
    return PHOFF + i * PHDR_SIZE + field


def _note(name, ntype, desc):
    namesz = len(name)
    out = struct.pack("<III", namesz, len(desc), ntype)
    out += name.ljust((namesz + 3) & ~3, b"\0")
    out += desc.ljust((len(desc) + 3) & ~3, b"\0")
    return out


GNU_NOTE = _note(b"GNU\0", 1, b"\xab" * 4)
XEN_NOTE_OFF = NOTE_OFF + len(GNU_NOTE)            # the Xen note's header
XEN_DESCSZ = XEN_NOTE_OFF + 4                      # its n_descsz field
XEN_NAME = XEN_NOTE_OFF + 12                       # "Xen\0"
XEN_DESC = XEN_NOTE_OFF + 16                       # the entry address
NOTES_LEN = len(GNU_NOTE) + 16 + 4                 # PT_NOTE p_filesz


def good_image(base=BASE):
    """The good PVH ELF64 as a bytearray, loaded at base."""
    img = bytearray(FILE_SIZE)
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)   # ELF64, LSB, EV_CURRENT
    struct.pack_into("<16sHHIQQQIHHHHHH", img, 0, ident,
                     2, 62, 1,                          # ET_EXEC, EM_X86_64, EV_CURRENT
                     base, PHOFF, 0,                    # e_entry, e_phoff, e_shoff
                     0, EHDR_SIZE, PHDR_SIZE, 3, 0, 0, 0)
    struct.pack_into("<IIQQQQQQ", img, phdr(0, 0), PT_LOAD, 5,
                     TEXT_OFF, base, base, 0x1000, 0x1000, 0x1000)
    struct.pack_into("<IIQQQQQQ", img, phdr(1, 0), PT_LOAD, 6,
                     DATA_OFF, base + 0x1000, base + 0x1000, 0x1000, 0x3000, 0x1000)
    struct.pack_into("<IIQQQQQQ", img, phdr(2, 0), PT_NOTE, 4,
                     NOTE_OFF, 0, 0, NOTES_LEN, NOTES_LEN, 4)
    notes = GNU_NOTE + _note(b"Xen\0", XEN_ELFNOTE_PHYS32_ENTRY, struct.pack("<I", base))
    img[NOTE_OFF:NOTE_OFF + len(notes)] = notes
    img[TEXT_OFF:TEXT_OFF + len(CODE)] = CODE
    img[DATA_OFF:DATA_OFF + 16] = b"pvhboot-testdata"
    return img


def put(img, off, fmt, value):
    struct.pack_into(fmt, img, off, value)
    return img


def _quad_note(value):
    """The Xen note with an 8-byte descriptor (".quad"): the 4 spare bytes
    after the 4-byte descriptor become its high half; p_filesz grows by 4."""
    img = good_image()
    put(img, XEN_DESCSZ, "<I", 8)
    put(img, XEN_DESC, "<Q", value)
    put(img, phdr(2, P_FILESZ), "<Q", NOTES_LEN + 4)
    put(img, phdr(2, P_MEMSZ), "<Q", NOTES_LEN + 4)
    return img


def _reloc_note(desc, base=BASE):
    """The good image (at base) with a Xen relocation note (type 19) whose
    descriptor is desc, after the other notes; p_filesz grows to hold it."""
    img = good_image(base)
    note = _note(b"Xen\0", XEN_ELFNOTE_PHYS32_RELOC, desc)
    img[NOTE_OFF + NOTES_LEN:NOTE_OFF + NOTES_LEN + len(note)] = note
    put(img, phdr(2, P_FILESZ), "<Q", NOTES_LEN + len(note))
    put(img, phdr(2, P_MEMSZ), "<Q", NOTES_LEN + len(note))
    return img


def _reloc(align, lo, hi, base=BASE):
    return _reloc_note(struct.pack("<III", align, lo, hi), base)


HEADERS_MAX = 0x10000                              # ELF_KERNEL_HEADERS_MAX


def _phdrs_ending_at(end):
    """The good image with its program header table moved so that it ends
    at file offset end (past the data, the file grown to hold it)."""
    img = good_image()
    table = bytes(img[PHOFF:PHOFF + 3 * PHDR_SIZE])
    start = end - len(table)
    assert start >= FILE_SIZE
    img[PHOFF:PHOFF + len(table)] = bytes(len(table))
    img.extend(bytes(end - len(img)))
    img[start:end] = table
    put(img, E_PHOFF, "<Q", start)
    return img


def _v(name, err, reason, build, doc):
    return {"name": name, "file": name + ".elf", "error": err, "reason": reason,
            "build": build, "doc": doc}


# reason: a distinctive substring of elf_kernel_strerror(error) (None: OK).
VARIANTS = [
    _v("good", "ELF_KERNEL_OK", None, good_image,
       "the good image"),
    _v("good-quad-note", "ELF_KERNEL_OK", None, lambda: _quad_note(BASE),
       "Xen note with an 8-byte descriptor below 4 GiB (other kernels' .quad)"),
    _v("bad-magic", "ELF_KERNEL_ERR_BAD_MAGIC", "not an ELF file (bad magic)",
       lambda: put(good_image(), 0, "<B", 0x7e), "e_ident[0] 0x7e"),
    _v("bad-class", "ELF_KERNEL_ERR_BAD_CLASS", "unknown ELF class",
       lambda: put(good_image(), E_IDENT_CLASS, "<B", 3), "EI_CLASS 3"),
    _v("big-endian", "ELF_KERNEL_ERR_BAD_ENDIAN", "not a little-endian ELF",
       lambda: put(good_image(), E_IDENT_DATA, "<B", 2), "EI_DATA ELFDATA2MSB"),
    _v("bad-version", "ELF_KERNEL_ERR_BAD_VERSION", "unknown ELF version",
       lambda: put(good_image(), E_IDENT_VERSION, "<B", 0), "EI_VERSION 0"),
    _v("wrong-machine", "ELF_KERNEL_ERR_BAD_MACHINE", "ELF machine is not x86-64/i386",
       lambda: put(good_image(), E_MACHINE, "<H", 183), "e_machine EM_AARCH64"),
    _v("elf64-i386", "ELF_KERNEL_ERR_BAD_MACHINE", "ELF machine is not x86-64/i386",
       lambda: put(good_image(), E_MACHINE, "<H", 3), "ELF64 with e_machine EM_386"),
    _v("et-dyn", "ELF_KERNEL_ERR_BAD_TYPE", "ELF type is not ET_EXEC",
       lambda: put(good_image(), E_TYPE, "<H", 3), "e_type ET_DYN"),
    _v("phentsize", "ELF_KERNEL_ERR_BAD_PHENTSIZE", "program header size is wrong",
       lambda: put(good_image(), E_PHENTSIZE, "<H", 32), "e_phentsize 32 (ELF32's)"),
    _v("no-phdrs", "ELF_KERNEL_ERR_NO_PHDRS", "ELF has no program headers",
       lambda: put(good_image(), E_PHNUM, "<H", 0), "e_phnum 0"),
    _v("too-many-phdrs", "ELF_KERNEL_ERR_TOO_MANY_PHDRS", "more than 64 program headers",
       lambda: put(good_image(), E_PHNUM, "<H", 65), "e_phnum 65"),
    _v("phoff-past-eof", "ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE",
       "program headers lie past the end of the file",
       lambda: put(good_image(), E_PHOFF, "<Q", FILE_SIZE - 8), "e_phoff 8 bytes before EOF"),
    _v("phoff-wraps", "ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE",
       "program headers lie past the end of the file",
       lambda: put(good_image(), E_PHOFF, "<Q", 2**64 - 3 * PHDR_SIZE + 0x40),
       "e_phoff + e_phnum * e_phentsize wraps around to 0x40"),
    _v("phnum-past-eof", "ELF_KERNEL_ERR_PHDRS_OUTSIDE_FILE",
       "program headers lie past the end of the file",
       lambda: good_image()[:PHOFF + 2 * PHDR_SIZE + 8],
       "file cut in the third program header (e_phnum 3 reaches past EOF)"),
    _v("phdrs-end-at-64k", "ELF_KERNEL_OK", None, lambda: _phdrs_ending_at(HEADERS_MAX),
       "program headers moved to end exactly at 64 KiB (the last byte allowed)"),
    _v("phdrs-past-64k", "ELF_KERNEL_ERR_PHDRS_TOO_FAR",
       "ELF program headers end past the first 64 KiB of the file",
       lambda: _phdrs_ending_at(HEADERS_MAX + 1),
       "program headers moved to end one byte past 64 KiB (file 64 KiB + 1)"),
    _v("segment-past-eof", "ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE",
       "a PT_LOAD segment lies past the end of the file",
       lambda: put(good_image(), phdr(1, P_FILESZ), "<Q", 0x1001),
       "data p_filesz one byte past EOF (memsz still larger)"),
    _v("offset-size-overflow", "ELF_KERNEL_ERR_SEGMENT_OUTSIDE_FILE",
       "a PT_LOAD segment lies past the end of the file",
       lambda: put(put(good_image(), phdr(1, P_FILESZ), "<Q", 2**64 - DATA_OFF + 0x100),
                   phdr(1, P_MEMSZ), "<Q", 2**64 - DATA_OFF + 0x100),
       "data p_offset + p_filesz wraps around to 0x100"),
    _v("filesz-gt-memsz", "ELF_KERNEL_ERR_FILESZ_GT_MEMSZ", "p_filesz > p_memsz",
       lambda: put(good_image(), phdr(1, P_MEMSZ), "<Q", 0x800), "data p_memsz 0x800 < p_filesz"),
    _v("overlapping-loads", "ELF_KERNEL_ERR_SEGMENTS_OVERLAP",
       "two PT_LOAD segments overlap in physical memory",
       lambda: put(good_image(), phdr(1, P_PADDR), "<Q", BASE + 0x800),
       "data p_paddr inside text"),
    _v("overlapping-file-ranges", "ELF_KERNEL_ERR_SEGMENT_FILES_OVERLAP",
       "two PT_LOAD segments load the same file bytes",
       lambda: put(good_image(), phdr(1, P_OFFSET), "<Q", TEXT_OFF + 0x800),
       "data p_offset inside the text's file bytes (memory apart)"),
    _v("segment-above-4g", "ELF_KERNEL_ERR_SEGMENT_ABOVE_4G", "reaches above 4 GiB",
       lambda: put(good_image(), phdr(1, P_PADDR), "<Q", 0x100000000),
       "data p_paddr 4 GiB"),
    _v("segment-crosses-4g", "ELF_KERNEL_ERR_SEGMENT_ABOVE_4G", "reaches above 4 GiB",
       lambda: put(good_image(), phdr(1, P_PADDR), "<Q", 0xFFFFF000),
       "data at 4 GiB - 4 KiB with p_memsz 0x3000"),
    _v("entry-outside", "ELF_KERNEL_ERR_ENTRY_OUTSIDE_SEGMENTS",
       "ELF entry point is outside every PT_LOAD segment",
       lambda: put(good_image(), E_ENTRY, "<Q", BASE + 0x10000), "e_entry past the data"),
    _v("no-load-segments", "ELF_KERNEL_ERR_NO_LOAD_SEGMENTS", "ELF has no PT_LOAD segment",
       lambda: put(put(good_image(), phdr(0, P_TYPE), "<I", PT_NULL),
                   phdr(1, P_TYPE), "<I", PT_NULL), "both PT_LOADs made PT_NULL"),
    _v("no-note", "ELF_KERNEL_ERR_NO_PVH_NOTE", "no PVH entry note (Xen ELF note 18)",
       lambda: put(good_image(), phdr(2, P_TYPE), "<I", PT_NULL), "PT_NOTE made PT_NULL"),
    _v("note-owner-not-xen", "ELF_KERNEL_ERR_NO_PVH_NOTE", "no PVH entry note (Xen ELF note 18)",
       lambda: put(good_image(), XEN_NAME + 2, "<B", ord("m")), "note owner \"Xem\""),
    _v("note-type-17", "ELF_KERNEL_ERR_NO_PVH_NOTE", "no PVH entry note (Xen ELF note 18)",
       lambda: put(good_image(), XEN_NOTE_OFF + 8, "<I", 17), "Xen note of type 17, not 18"),
    _v("note-descsz-2", "ELF_KERNEL_ERR_PVH_NOTE_BAD_SIZE", "descriptor that is not 4 or 8 bytes",
       lambda: put(good_image(), XEN_DESCSZ, "<I", 2), "Xen note n_descsz 2"),
    _v("note-quad-above-4g", "ELF_KERNEL_ERR_PVH_ENTRY_ABOVE_4G", "PVH entry point is above 4 GiB",
       lambda: _quad_note(0x100000000 + BASE), "n_descsz 8, value 4 GiB + BASE"),
    _v("pvh-entry-outside", "ELF_KERNEL_ERR_PVH_ENTRY_OUTSIDE_SEGMENTS",
       "PVH entry point is outside every PT_LOAD segment",
       lambda: put(good_image(), XEN_DESC, "<I", BASE + 0x10000), "PVH entry past the data"),
    _v("note-past-segment-end", "ELF_KERNEL_ERR_NOTE_PAST_SEGMENT_END",
       "an ELF note runs past the end of its PT_NOTE segment",
       lambda: put(put(good_image(), phdr(2, P_FILESZ), "<Q", NOTES_LEN - 2),
                   phdr(2, P_MEMSZ), "<Q", NOTES_LEN - 2),
       "PT_NOTE p_filesz ends inside the Xen descriptor"),
    _v("note-past-eof", "ELF_KERNEL_ERR_NOTE_OUTSIDE_FILE",
       "a PT_NOTE segment lies past the end of the file",
       lambda: put(good_image(), phdr(2, P_OFFSET), "<Q", FILE_SIZE - 8),
       "PT_NOTE p_offset 8 bytes before EOF"),
    _v("good-reloc", "ELF_KERNEL_OK", None, lambda: _reloc(0x200000, 0x1000000, 0x3fffffff),
       "Xen relocation note (19) as Linux 6.12+ emits it"),
    _v("reloc-descsz-6", "ELF_KERNEL_ERR_RELOC_NOTE_BAD_SIZE", "not 0, 4, 8 or 12 bytes",
       lambda: _reloc_note(bytes(6)), "relocation note n_descsz 6"),
    _v("reloc-align-3m", "ELF_KERNEL_ERR_RELOC_BAD_ALIGN", "is not a power of two of at least 4 KiB",
       lambda: _reloc(0x300000, 0x1000000, 0x3fffffff), "relocation alignment 3 MiB"),
    _v("reloc-min-above-max", "ELF_KERNEL_ERR_RELOC_MIN_ABOVE_MAX", "minimum address above its maximum",
       lambda: _reloc(0x200000, 0x40000000, 0x3fffffff), "relocation minimum 1 GiB, maximum 1 GiB - 1"),
    _v("empty", "ELF_KERNEL_ERR_TRUNCATED_HEADER", "file too small for an ELF header",
       lambda: bytearray(), "zero-length file"),
    _v("short-header", "ELF_KERNEL_ERR_TRUNCATED_HEADER", "file too small for an ELF header",
       lambda: good_image()[:40], "ELF64 header cut at 40 bytes"),
    # Valid ELF files at addresses that are not RAM on the test VM (q35, 256
    # MiB): the parser accepts them; pvhboot must refuse them at load time.
    _v("at-mmconfig", "ELF_KERNEL_OK", None, lambda: good_image(0xB0000000),
       "loaded at 0xB0000000 (q35's PCIe MMCONFIG window, reserved)"),
    _v("at-no-ram", "ELF_KERNEL_OK", None, lambda: good_image(0x30000000),
       "loaded at 768 MiB (no RAM there with -m 256M)"),
    _v("at-48m", "ELF_KERNEL_OK", None, lambda: good_image(0x3000000),
       "loaded at 48 MiB (the tests make it reserved with claim-pages.efi)"),
]

BY_NAME = {v["name"]: v for v in VARIANTS}


def generate(outdir):
    """Write every variant and manifest.txt into outdir; return VARIANTS
    with a "path" key added to each."""
    os.makedirs(outdir, exist_ok=True)
    out = []
    with open(os.path.join(outdir, "manifest.txt"), "w") as man:
        for v in VARIANTS:
            path = os.path.join(outdir, v["file"])
            with open(path, "wb") as f:
                f.write(bytes(v["build"]()))
            man.write(("%s %s %s" % (v["file"], v["error"], v["reason"] or "")).rstrip() + "\n")
            out.append(dict(v, path=path))
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for v in generate(argv[1]):
        print("%-26s %-44s %s" % (v["file"], v["error"], v["doc"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
