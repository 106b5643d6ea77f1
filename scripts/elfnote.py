#!/usr/bin/python3
"""Check that a file is an ELF kernel bootable through the x86 PVH entry.

Usage: elfnote.py [-v] FILE

Looks for a PT_NOTE segment holding a note with name "Xen" and type 18
(XEN_ELFNOTE_PHYS32_ENTRY) and prints the PVH entry point:

    pvh-entry=0x1000850

A kernel that may be relocated (Xen note 19, XEN_ELFNOTE_PHYS32_RELOC, as
Linux 6.12+ emits it) gets its constraints on the same line, defaults
applied as pvhboot applies them (alignment from the note, else the largest
PT_LOAD p_align if >= 4 KiB, else 2 MiB; min 0; max 0xffffffff):

    pvh-entry=0x1000850 reloc-align=0x200000 reloc-min=0x1000000 reloc-max=0x3fffffff

With -v it also prints the ELF class/type and the PT_LOAD segments.
Exit status: 0 ok, 1 not a (complete) PVH ELF, 2 usage/IO error.
"""
import struct
import sys

XEN_ELFNOTE_PHYS32_ENTRY = 18
XEN_ELFNOTE_PHYS32_RELOC = 19
RELOC_DEFAULT_ALIGN = 0x200000
PT_LOAD = 1
PT_NOTE = 4


class ElfError(Exception):
    pass


def reloc_constraints(values, phdrs):
    """(align, min, max) from note 19's 32-bit values, as Xen's
    public/elfnote.h defines their defaults; ElfError if pvhboot would
    refuse them."""
    align = values[0] if len(values) >= 1 else None
    if align is None:
        align = max([ph["align"] for ph in phdrs if ph["type"] == PT_LOAD] + [0])
        if align < 0x1000:
            align = RELOC_DEFAULT_ALIGN
    if align < 0x1000 or align & (align - 1):
        raise ElfError("PHYS32_RELOC alignment 0x%x is not a power of two >= 4 KiB" % align)
    lo = values[1] if len(values) >= 2 else 0
    hi = values[2] if len(values) >= 3 else 0xFFFFFFFF
    if lo > hi:
        raise ElfError("PHYS32_RELOC minimum 0x%x above maximum 0x%x" % (lo, hi))
    return align, lo, hi


def parse(data):
    """Return (info, pvh_entry or None); raise ElfError for a bad ELF.
    info["reloc"] is (align, min, max) for a relocatable kernel, else None."""
    if len(data) < 16 or data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    cls, enc = data[4], data[5]
    if enc != 1:
        raise ElfError("not a little-endian ELF")
    if cls == 2:
        hdr_fmt, ph_fmt = "<HHIQQQIHHHHHH", "<IIQQQQQQ"
    elif cls == 1:
        hdr_fmt, ph_fmt = "<HHIIIIIHHHHHH", "<IIIIIIII"
    else:
        raise ElfError("bad ELF class %d" % cls)
    if len(data) < 16 + struct.calcsize(hdr_fmt):
        raise ElfError("truncated ELF header")
    (e_type, e_machine, _ver, e_entry, e_phoff, _shoff, _flags, _ehsize,
     e_phentsize, e_phnum, _shentsize, _shnum, _shstrndx) = \
        struct.unpack_from(hdr_fmt, data, 16)
    if e_phnum == 0:
        raise ElfError("no program headers")
    if e_phoff + e_phnum * e_phentsize > len(data):
        raise ElfError("truncated: program headers beyond end of file")
    phdrs = []
    for i in range(e_phnum):
        f = struct.unpack_from(ph_fmt, data, e_phoff + i * e_phentsize)
        if cls == 2:
            p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align = f
        else:
            p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align = f
        phdrs.append(dict(type=p_type, flags=p_flags, offset=p_offset,
                          vaddr=p_vaddr, paddr=p_paddr, filesz=p_filesz,
                          memsz=p_memsz, align=p_align))
    info = dict(cls=64 if cls == 2 else 32, type=e_type, machine=e_machine,
                entry=e_entry, phdrs=phdrs)
    for ph in phdrs:
        if ph["type"] in (PT_LOAD, PT_NOTE) and ph["offset"] + ph["filesz"] > len(data):
            raise ElfError("truncated: segment at file offset 0x%x+0x%x beyond end of "
                           "file (0x%x bytes)" % (ph["offset"], ph["filesz"], len(data)))
    entry = None
    reloc = None
    for ph in phdrs:
        if ph["type"] != PT_NOTE:
            continue
        off, end = ph["offset"], ph["offset"] + ph["filesz"]
        while off + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", data, off)
            name_off = off + 12
            desc_off = name_off + ((namesz + 3) & ~3)
            nxt = desc_off + ((descsz + 3) & ~3)
            if nxt > end:
                break
            name = data[name_off:name_off + namesz].rstrip(b"\0")
            if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                desc = data[desc_off:desc_off + descsz]
                if descsz == 4:
                    entry = struct.unpack("<I", desc)[0]
                elif descsz == 8:
                    entry = struct.unpack("<Q", desc)[0]
                else:
                    raise ElfError("PHYS32_ENTRY note with odd size %d" % descsz)
            elif name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_RELOC and reloc is None:
                if descsz % 4 or descsz > 12:
                    raise ElfError("PHYS32_RELOC note with odd size %d" % descsz)
                reloc = struct.unpack_from("<%dI" % (descsz // 4), data, desc_off)
            off = nxt
    info["reloc"] = reloc_constraints(reloc, phdrs) if reloc is not None else None
    return info, entry


def main(argv):
    verbose = False
    args = argv[1:]
    if args and args[0] == "-v":
        verbose, args = True, args[1:]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = args[0]
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        print("elfnote: %s: %s" % (path, e), file=sys.stderr)
        return 2
    try:
        info, entry = parse(data)
    except ElfError as e:
        print("elfnote: %s: %s" % (path, e), file=sys.stderr)
        return 1
    if verbose:
        print("class=ELF%d type=%d machine=%d entry=0x%x" %
              (info["cls"], info["type"], info["machine"], info["entry"]))
        for ph in info["phdrs"]:
            if ph["type"] == PT_LOAD:
                print("load offset=0x%x vaddr=0x%x paddr=0x%x filesz=0x%x memsz=0x%x"
                      % (ph["offset"], ph["vaddr"], ph["paddr"], ph["filesz"], ph["memsz"]))
    if entry is None:
        print("elfnote: %s: no Xen PHYS32_ENTRY (type 18) note" % path, file=sys.stderr)
        return 1
    line = "pvh-entry=0x%x" % entry
    if info["reloc"]:
        line += " reloc-align=0x%x reloc-min=0x%x reloc-max=0x%x" % info["reloc"]
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
