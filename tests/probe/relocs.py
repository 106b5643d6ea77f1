#!/usr/bin/python3
"""Make a linked probe (ELF32 i386 ET_EXEC, linked with --emit-relocs)
position independent: write the link addresses of all its 32-bit absolute
addresses into its .probe_relocs section, which entry.S (PROBE_RELOC) walks
at entry to add the offset between where it runs and where it was linked.

Usage: relocs.py FILE        (FILE is changed in place)

Which words are absolute addresses: the targets of R_386_32 relocations in
allocated sections whose linked value lies in the image (__probe_start ..
__probe_end, the end included: a pointer one past the image is one too).
R_386_32 against an absolute symbol outside the image is a constant and is
left alone. PC-relative relocations (R_386_PC32, R_386_PLT32) stay right
when the whole image moves, unless they name an absolute symbol. Anything
else (16- or 8-bit absolute addresses, GOT forms) cannot be moved: the
script fails, as it does when the table is too small. The table is a
32-bit count followed by that many 32-bit link addresses, little-endian.
"""
import struct
import sys

SHT_REL = 9
SHF_ALLOC = 0x2
SHN_ABS = 0xFFF1
R_386_NONE, R_386_32, R_386_PC32, R_386_PLT32 = 0, 1, 2, 4
TABLE = ".probe_relocs"


class RelocError(Exception):
    pass


def sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise RelocError("not a little-endian ELF32 file")
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_type != 2 or e_machine != 3:
        raise RelocError("not an i386 ET_EXEC")
    shoff, = struct.unpack_from("<I", data, 32)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 46)
    out = []
    for i in range(shnum):
        (name, stype, flags, addr, offset, size, link, info, _align,
         entsize) = struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize)
        out.append(dict(name_off=name, type=stype, flags=flags, addr=addr, offset=offset,
                        size=size, link=link, info=info, entsize=entsize))
    strtab = out[shstrndx]
    for s in out:
        start = strtab["offset"] + s["name_off"]
        s["name"] = data[start:data.index(b"\0", start)].decode()
    return out


def symbols(data, symtab, secs):
    strtab = secs[symtab["link"]]
    syms = []
    for off in range(symtab["offset"], symtab["offset"] + symtab["size"], 16):
        name, value, _size, _info, _other, shndx = struct.unpack_from("<IIIBBH", data, off)
        start = strtab["offset"] + name
        syms.append(dict(name=data[start:data.index(b"\0", start)].decode(), value=value, shndx=shndx))
    return syms


def absolute_sites(data, secs):
    """Link addresses of the image's 32-bit absolute addresses, sorted."""
    symtab = next((s for s in secs if s["name"] == ".symtab"), None)
    if symtab is None:
        raise RelocError("no symbol table")
    syms = symbols(data, symtab, secs)
    by_name = {s["name"]: s["value"] for s in syms}
    try:
        lo, hi = by_name["__probe_start"], by_name["__probe_end"]
    except KeyError:
        raise RelocError("no __probe_start/__probe_end symbols")
    sites = set()
    found_rel = False
    for rel in secs:
        if rel["type"] != SHT_REL:
            continue
        target = secs[rel["info"]]
        if not target["flags"] & SHF_ALLOC:
            continue
        found_rel = True
        rsyms = symbols(data, secs[rel["link"]], secs) if rel["link"] != secs.index(symtab) else syms
        for off in range(rel["offset"], rel["offset"] + rel["size"], 8):
            r_offset, r_info = struct.unpack_from("<II", data, off)
            rtype, sym = r_info & 0xFF, rsyms[r_info >> 8]
            where = "%s+0x%x" % (target["name"], r_offset - target["addr"])
            if rtype == R_386_NONE:
                continue
            if rtype in (R_386_PC32, R_386_PLT32):
                if sym["shndx"] == SHN_ABS and sym["name"]:
                    raise RelocError("%s: PC-relative reference to absolute symbol %s" % (where, sym["name"]))
                continue
            if rtype != R_386_32:
                raise RelocError("%s: relocation type %d cannot be moved" % (where, rtype))
            if not target["addr"] <= r_offset <= target["addr"] + target["size"] - 4:
                raise RelocError("%s: outside its section" % where)
            value, = struct.unpack_from("<I", data, target["offset"] + r_offset - target["addr"])
            if lo <= value <= hi:
                sites.add(r_offset)
            elif sym["shndx"] != SHN_ABS:
                raise RelocError("%s: absolute address 0x%x outside the image 0x%x-0x%x"
                                 % (where, value, lo, hi))
    if not found_rel:
        raise RelocError("no relocations: link with --emit-relocs")
    return sorted(sites)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    path = argv[1]
    with open(path, "rb") as f:
        data = bytearray(f.read())
    try:
        secs = sections(data)
        table = next((s for s in secs if s["name"] == TABLE), None)
        if table is None:
            raise RelocError("no %s section (entry.S built without PROBE_RELOC?)" % TABLE)
        sites = absolute_sites(data, secs)
        if any(table["addr"] <= a < table["addr"] + table["size"] for a in sites):
            raise RelocError("an absolute address inside %s itself" % TABLE)
        need = 4 + 4 * len(sites)
        if need > table["size"]:
            raise RelocError("%d absolute addresses need %d bytes, %s has %d (raise PROBE_RELOCS_SIZE)"
                             % (len(sites), need, TABLE, table["size"]))
        struct.pack_into("<I%dI" % len(sites), data, table["offset"], len(sites), *sites)
    except (RelocError, struct.error, IndexError, ValueError) as e:
        print("relocs.py: %s: %s" % (path, e), file=sys.stderr)
        return 1
    with open(path, "wb") as f:
        f.write(data)
    print("relocs.py: %s: %d absolute addresses" % (path, len(sites)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
