#!/usr/bin/python3
"""pvhimage.py: add pvhboot's trust sections to a copy of pvhboot.efi.

    pvhimage.py pin   IN OUT --kernel VMLINUX [--initrd FILE]... --cmdline TEXT
    pvhimage.py image IN OUT --kernel VMLINUX [--initrd FILE]... [--cmdline TEXT]
    pvhimage.py strip IN OUT              remove all sections this tool adds
    pvhimage.py list  IN                  (or: show) headers, sections, pins, SBAT
    pvhimage.py sbat  --generation N --version V --url U [--line CSV]...

pin    writes a .pvhpins section: "kernel <sha256>", one "initrd <sha256>" per
       initrd in order, "cmdline <sha256>" (SHA-256 of the files and of the
       command line bytes exactly as pvhboot passes them: UTF-8, no NUL,
       quotes and the blanks between words as written, none before the
       first word or after the last).  An existing .pvhpins is replaced.
image  writes a PVH one-file image: .linux (the vmlinux file), .initrd (the
       initrds concatenated, each but the last padded with zeros to a multiple
       of 4 bytes, as pvhboot loads several) and .cmdline (the text, no NUL).
       Existing .linux/.initrd/.cmdline sections are replaced.
--cmdline-file FILE reads the command line from a file instead (one trailing
newline is dropped).
image --sbat CSV adds a component line to the image's .sbat section (after
       pvhboot's own lines), e.g. for the kernel it carries.
sbat   prints the text of pvhboot's .sbat section (the Makefile's build
       step): shim's header line and "pvhboot,N,pvhboot,pvhboot,V,U", then
       the --line lines, each checked as shim's SBAT.md requires.

Do this before signing: the output carries no signature.  A signed input's
certificate table is dropped (with a note); sign the output again
(`make sign IN=... OUT=...`).

PE32+ editing (Microsoft PE/COFF specification): the sections this tool
owns (.sbat .linux .initrd .cmdline .pvhpins) must come after all others; they
are laid out again after the last other section: VirtualAddress aligned to
SectionAlignment, raw data at FileAlignment with SizeOfRawData rounded up
and VirtualSize the exact length (pvhboot reads VirtualSize bytes).
NumberOfSections, SizeOfImage, SizeOfInitializedData and CheckSum are
updated.  New section headers must fit in the header area (SizeOfHeaders,
before the first section's raw data); the tool refuses otherwise rather
than move sections.  Input that is not a well-formed x86-64 PE32+ image is
refused with one line naming the file and the problem.  Python 3 standard
library only.
"""
import argparse
import array
import hashlib
import os
import signal
import struct
import sys

OWN_SECTIONS = (".sbat", ".linux", ".initrd", ".cmdline", ".pvhpins")   # layout order
# .sbat comes with pvhboot.efi (the linker puts it last); strip keeps it.
ADDED_SECTIONS = OWN_SECTIONS[1:]

# shim's SBAT.md: the first line of every .sbat section, and the number of
# fields of each line (component_name, component_generation, vendor_name,
# vendor_package_name, vendor_version, vendor_url; none empty).
SBAT_HEADER = "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md"
SBAT_FIELDS = 6
# IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ (as systemd's ukify).
DATA_SECTION_FLAGS = 0x40000040
SECTION_FLAG_BITS = [
    (0x00000020, "CODE"), (0x00000040, "DATA"), (0x00000080, "BSS"),
    (0x02000000, "DISCARDABLE"), (0x20000000, "EXEC"), (0x40000000, "READ"),
    (0x80000000, "WRITE"),
]

IMAGE_FILE_MACHINE_AMD64 = 0x8664
PE32PLUS_MAGIC = 0x20B
DIR_SECURITY = 4
DIR_BASERELOC = 5
PVH_CMDLINE_MAX = 2047       # Linux's COMMAND_LINE_SIZE - 1 (pvhboot's limit)

COFF = struct.Struct("<HHIIIHH")                 # 20 bytes after "PE\0\0"
SECTION = struct.Struct("<8sIIIIIIHHI")          # 40 bytes
# Offsets inside the PE32+ optional header.
OPT_SIZE_OF_CODE = 4
OPT_SIZE_OF_INIT_DATA = 8
OPT_SECTION_ALIGNMENT = 32
OPT_FILE_ALIGNMENT = 36
OPT_SIZE_OF_IMAGE = 56
OPT_SIZE_OF_HEADERS = 60
OPT_CHECKSUM = 64
OPT_NUM_DIRS = 108
OPT_DIRS = 112


class PEError(Exception):
    pass


def align_up(v, a):
    return (v + a - 1) // a * a


def is_pow2(v):
    return v > 0 and v & (v - 1) == 0


class Section:
    def __init__(self, name, vsize, va, rawsize, rawptr, flags, data=None, raw=None):
        self.name, self.vsize, self.va = name, vsize, va
        self.rawsize, self.rawptr, self.flags = rawsize, rawptr, flags
        self.data = data        # new sections: the exact bytes
        self.raw = raw          # parsed sections: the 40-byte header as read

    @property
    def vend(self):
        # Memory the section takes once loaded (the loader zero-fills
        # VirtualSize beyond SizeOfRawData; some linkers leave VirtualSize 0).
        return self.va + max(self.vsize, self.rawsize, 1)

    def name_str(self):
        return self.name.rstrip(b"\0").decode("ascii", "replace")


class PEImage:
    """A parsed PE32+ image; refuses anything it could not edit safely."""

    def __init__(self, data, path="image"):
        self.path = path
        self.data = bytes(data)
        self.parse()

    def fail(self, msg):
        raise PEError("%s: %s" % (self.path, msg))

    def u16(self, off):
        return struct.unpack_from("<H", self.data, off)[0]

    def u32(self, off):
        return struct.unpack_from("<I", self.data, off)[0]

    def parse(self):
        d = self.data
        n = len(d)
        if n < 0x40 or d[:2] != b"MZ":
            self.fail("not a PE image (no MZ header)")
        pe = self.u32(0x3C)
        if pe < 0x40 or pe + 4 + COFF.size > n or d[pe:pe + 4] != b"PE\0\0":
            self.fail("not a PE image (no PE signature at e_lfanew 0x%x)" % pe)
        (machine, nsec, _stamp, symptr, nsyms, optsize, _chars) = COFF.unpack_from(d, pe + 4)
        if machine != IMAGE_FILE_MACHINE_AMD64:
            self.fail("machine 0x%04x is not x86-64 (0x8664)" % machine)
        self.coff = pe + 4
        self.opt = opt = pe + 4 + COFF.size
        if optsize < OPT_DIRS or opt + optsize > n:
            self.fail("optional header size %d is too small or past the end of the file" % optsize)
        if self.u16(opt) != PE32PLUS_MAGIC:
            self.fail("optional header magic 0x%04x is not PE32+ (0x20b)" % self.u16(opt))
        ndirs = self.u32(opt + OPT_NUM_DIRS)
        if ndirs > 16 or OPT_DIRS + 8 * ndirs > optsize:
            self.fail("%d data directories do not fit in the optional header" % ndirs)
        self.ndirs = ndirs
        self.salign = self.u32(opt + OPT_SECTION_ALIGNMENT)
        self.falign = self.u32(opt + OPT_FILE_ALIGNMENT)
        if not is_pow2(self.falign) or not 512 <= self.falign <= 65536:
            self.fail("FileAlignment 0x%x is not a power of two in 512..64K" % self.falign)
        if not is_pow2(self.salign) or self.salign < self.falign:
            self.fail("SectionAlignment 0x%x is not a power of two >= FileAlignment" % self.salign)
        self.size_of_headers = self.u32(opt + OPT_SIZE_OF_HEADERS)
        self.size_of_image = self.u32(opt + OPT_SIZE_OF_IMAGE)
        self.table = opt + optsize
        if nsec == 0:
            self.fail("has no sections")
        if self.table + SECTION.size * nsec > min(n, self.size_of_headers):
            self.fail("section table (%d sections) runs past SizeOfHeaders 0x%x or the end of the file"
                      % (nsec, self.size_of_headers))
        self.sections = []
        for i in range(nsec):
            off = self.table + SECTION.size * i
            (name, vsize, va, rawsize, rawptr, _r, _l, _nr, _nl, flags) = SECTION.unpack_from(d, off)
            s = Section(name, vsize, va, rawsize, rawptr, flags, raw=d[off:off + SECTION.size])
            if rawsize and (rawptr < self.size_of_headers or rawptr + rawsize > n):
                self.fail("section %d (%s): raw data 0x%x+0x%x outside the file (%d bytes) or in the headers"
                          % (i, s.name_str(), rawptr, rawsize, n))
            if va % self.salign or va < self.size_of_headers:
                self.fail("section %d (%s): VirtualAddress 0x%x is not aligned or overlaps the headers"
                          % (i, s.name_str(), va))
            if self.sections and va < self.sections[-1].vend:
                self.fail("section %d (%s): VirtualAddress 0x%x overlaps the section before it"
                          % (i, s.name_str(), va))
            self.sections.append(s)
        if self.sections[-1].vend > self.size_of_image:
            self.fail("SizeOfImage 0x%x is smaller than the sections (end 0x%x)"
                      % (self.size_of_image, self.sections[-1].vend))
        raw = sorted((s.rawptr, s.rawptr + s.rawsize, s.name_str()) for s in self.sections if s.rawsize)
        for a, b in zip(raw, raw[1:]):
            if b[0] < a[1]:
                self.fail("sections %s and %s overlap in the file" % (a[2], b[2]))
        self.raw_end = max([self.size_of_headers] + [e for _, e, _ in raw])
        # A COFF symbol table and its string table (objcopy leaves one in
        # gnu-efi images) after the sections: kept, moved after new sections.
        self.symtab = None
        if symptr or nsyms:
            strtab = symptr + 18 * nsyms
            if symptr < self.raw_end or strtab + 4 > n:
                self.fail("COFF symbol table 0x%x (%d symbols) is not after the sections, inside the file"
                          % (symptr, nsyms))
            strsize = self.u32(strtab)
            if strsize < 4 or strtab + strsize > n:
                self.fail("COFF string table at 0x%x (%d bytes) runs past the end of the file"
                          % (strtab, strsize))
            self.symtab = (symptr, strtab + strsize - symptr)
        # Certificate table (Authenticode signature): a file offset, not an RVA.
        self.cert = None
        if ndirs > DIR_SECURITY:
            coff, csize = struct.unpack_from("<II", d, opt + OPT_DIRS + 8 * DIR_SECURITY)
            if coff or csize:
                if coff < self.raw_end or coff + csize > n:
                    self.fail("certificate table 0x%x+0x%x is not after the sections, inside the file"
                              % (coff, csize))
                self.cert = (coff, csize)
        # Data after the sections that is neither padding, nor the symbol
        # table, nor the signature: refused (it would be lost).
        known = sorted([r for r in (self.symtab, self.cert) if r])
        pos = self.raw_end
        for off, size in known + [(n, 0)]:
            if off < pos:
                self.fail("the symbol table and the certificate table overlap")
            if d[pos:off].strip(b"\0"):
                self.fail("%d bytes of data after the last section that are neither a symbol table "
                          "nor a certificate table (appended data would be lost)" % (off - pos))
            pos = off + size
        # Our sections must be a suffix of the section table.
        own = [s.name_str() in OWN_SECTIONS for s in self.sections]
        if True in own and not all(own[own.index(True):]):
            self.fail("pvhboot sections (%s) are followed by other sections; this tool only edits "
                      "them at the end of the image" % ", ".join(OWN_SECTIONS))
        names = [s.name_str() for s in self.sections if s.name_str() in OWN_SECTIONS]
        for nm in set(names):
            if names.count(nm) > 1:
                self.fail("has %d %s sections" % (names.count(nm), nm))

    def section(self, name):
        for s in self.sections:
            if s.name_str() == name:
                return s
        return None

    def section_data(self, s):
        """The bytes pvhboot sees: VirtualSize bytes (zero-filled past the raw data)."""
        raw = self.data[s.rawptr:s.rawptr + min(s.rawsize, s.vsize)] if s.rawsize else b""
        return raw + b"\0" * (s.vsize - len(raw))

    def rebuild(self, replace):
        """A new image whose own sections are the current ones updated by
        replace {name: bytes or None (remove)}; returns (bytes, notes)."""
        notes = []
        if self.cert:
            notes.append("%s was signed; its signature is dropped (sign the output)" % self.path)
        # pvhboot's .sbat stays where the linker put it unless replaced.
        relaid = set(ADDED_SECTIONS) | ({".sbat"} if ".sbat" in replace else set())
        keep = [s for s in self.sections if s.name_str() not in relaid]
        if not [s for s in keep if s.name_str() not in OWN_SECTIONS]:
            self.fail("has only pvhboot's own sections; is it pvhboot.efi?")
        own = {s.name_str(): self.section_data(s) for s in self.sections
               if s.name_str() in relaid}
        for name, data in replace.items():
            if data is None:
                own.pop(name, None)
            else:
                own[name] = bytes(data)
        new = [(name, own[name]) for name in OWN_SECTIONS if name in own]
        nsec = len(keep) + len(new)
        table_end = self.table + SECTION.size * nsec
        first_raw = min([s.rawptr for s in keep if s.rawsize] + [self.size_of_headers])
        if table_end > first_raw:
            self.fail("no room for %d more section header(s): the section table would end at 0x%x, "
                      "past the first section's raw data at 0x%x (relink with more header space)"
                      % (nsec - len(self.sections), table_end, first_raw))
        raw_end = max([self.size_of_headers] + [s.rawptr + s.rawsize for s in keep if s.rawsize])
        out = bytearray(self.data[:raw_end])
        out += b"\0" * (align_up(len(out), self.falign) - len(out))
        va = align_up(keep[-1].vend, self.salign)
        headers = [s.raw for s in keep]
        init_data = self.u32(self.opt + OPT_SIZE_OF_INIT_DATA)
        for s in self.sections:
            if s.name_str() in relaid and s.flags & 0x40:
                init_data -= s.rawsize
        for name, data in new:
            vsize = len(data)
            rawsize = align_up(vsize, self.falign)
            rawptr = len(out) if rawsize else 0
            out += data + b"\0" * (rawsize - vsize)
            headers.append(SECTION.pack(name.encode("ascii"), vsize, va, rawsize, rawptr,
                                        0, 0, 0, 0, DATA_SECTION_FLAGS))
            init_data += rawsize
            va = align_up(va + max(vsize, 1), self.salign)
            if va > 0xFFFFFFFF or len(out) > 0xFFFFFFFF:
                self.fail("the image would exceed 4 GiB")
        size_of_image = va
        if self.symtab:
            off, size = self.symtab
            struct.pack_into("<I", out, self.coff + 8, len(out))
            out += self.data[off:off + size]
        # Header area: section table (old one cleared first), counts, sizes.
        out[self.table:first_raw] = b"\0" * (first_raw - self.table)
        out[self.table:table_end] = b"".join(headers)
        struct.pack_into("<H", out, self.coff + 2, nsec)
        struct.pack_into("<I", out, self.opt + OPT_SIZE_OF_IMAGE, size_of_image)
        struct.pack_into("<I", out, self.opt + OPT_SIZE_OF_INIT_DATA, max(init_data, 0) & 0xFFFFFFFF)
        if self.ndirs > DIR_SECURITY:
            struct.pack_into("<II", out, self.opt + OPT_DIRS + 8 * DIR_SECURITY, 0, 0)
        struct.pack_into("<I", out, self.opt + OPT_CHECKSUM, 0)
        struct.pack_into("<I", out, self.opt + OPT_CHECKSUM, pe_checksum(out, self.opt + OPT_CHECKSUM))
        result = bytes(out)
        PEImage(result, "%s (output)" % self.path)      # parses again, or raises
        return result, notes


def pe_checksum(data, checksum_off):
    """The PE optional header CheckSum (imagehlp CheckSumMappedFile): 16-bit
    one's-complement-style sum of the file with the CheckSum field as zero,
    plus the file length."""
    buf = bytes(data[:checksum_off]) + b"\0\0\0\0" + bytes(data[checksum_off + 4:])
    if len(buf) % 2:
        buf += b"\0"
    words = array.array("H")
    words.frombytes(buf)
    if sys.byteorder != "little":
        words.byteswap()
    s = sum(words)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (s + len(data)) & 0xFFFFFFFF


def read_file(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise PEError("%s %s: %s" % (what, path, e.strerror or e))


def initrd_blob(datas):
    """The initrds as pvhboot loads several: each but the last padded with
    zeros to a multiple of 4 bytes."""
    out = bytearray()
    for d in datas:
        out += b"\0" * (align_up(len(out), 4) - len(out))
        out += d
    return bytes(out)


def check_cmdline(text):
    """Bytes of a command line pvhboot can pass (UTF-8, as it passes what it
    reads from arguments; blanks and tabs as written), or PEError."""
    b = text.encode("utf-8", "surrogatepass")
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        raise PEError("the command line is not valid UTF-8")
    if any((c < 0x20 and c != 0x09) or c == 0x7F for c in b):
        raise PEError("the command line must be text: no control characters (a tab is fine), "
                      "no newlines or NUL")
    if len(b) > PVH_CMDLINE_MAX:
        raise PEError("the command line is %d bytes; Linux takes at most %d" % (len(b), PVH_CMDLINE_MAX))
    return b


def cmdline_warnings(b):
    """pvhboot passes the kernel's words as written but never blanks before
    the first or after the last: a pin on such text never matches."""
    if b != b.strip(b" \t"):
        return ["the command line has leading or trailing blanks; pvhboot passes the kernel's "
                "words as written, blanks between them included, but none before the first "
                "or after the last, so it cannot produce these exact bytes"]
    return []


def get_cmdline(args):
    if args.cmdline_file is not None:
        data = read_file(args.cmdline_file, "command line file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PEError("%s: the command line is not valid UTF-8" % args.cmdline_file)
        if text.endswith("\n"):
            text = text[:-1]
        return text
    return args.cmdline


def write_out(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def sbat_lines(text, what):
    """The lines of an SBAT CSV text, checked as shim parses them
    (sbat.c: parse_sbat_section): ASCII, one component per line, exactly
    six non-empty fields, a decimal generation >= 1, each component once;
    the first line is shim's "sbat" header.  Raises PEError naming the
    line."""
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    if not text.isascii():
        raise PEError("%s: SBAT text is not ASCII" % what)
    lines = [ln for ln in text.rstrip("\0").split("\n") if ln != ""]
    seen = set()
    for n, line in enumerate(lines, 1):
        fields = line.split(",")
        if len(fields) != SBAT_FIELDS or "" in fields or "\0" in line or "\r" in line:
            raise PEError("%s: SBAT line %d %r: needs %d non-empty comma-separated fields "
                          "(component,generation,vendor,package,version,url)" % (what, n, line, SBAT_FIELDS))
        if not fields[1].isdigit() or int(fields[1]) < 1:
            raise PEError("%s: SBAT line %d %r: the generation must be a number >= 1" % (what, n, line))
        if fields[0] in seen:
            raise PEError("%s: SBAT line %d: component %s appears twice" % (what, n, fields[0]))
        seen.add(fields[0])
    if not lines or lines[0] != SBAT_HEADER:
        raise PEError("%s: SBAT text must start with the line %r" % (what, SBAT_HEADER))
    return lines


def cmd_sbat(args):
    line = ",".join(["pvhboot", args.generation, "pvhboot", "pvhboot", args.version, args.url])
    text = "\n".join([SBAT_HEADER, line] + args.line) + "\n"
    sbat_lines(text, "pvhboot's .sbat")
    sys.stdout.write(text)


def cmd_pin(args):
    img = PEImage(read_file(args.input, "input"), args.input)
    cmdline = get_cmdline(args)
    if cmdline is None:
        raise PEError("pin needs --cmdline (an empty one pins the empty command line)")
    cb = check_cmdline(cmdline)
    lines = ["kernel %s" % sha256(read_file(args.kernel, "kernel"))]
    lines += ["initrd %s" % sha256(read_file(p, "initrd")) for p in args.initrd]
    lines += ["cmdline %s" % sha256(cb)]
    out, notes = img.rebuild({".pvhpins": ("\n".join(lines) + "\n").encode("ascii")})
    write_out(args.output, out)
    for n in notes + cmdline_warnings(cb):
        print("pvhimage: note: %s" % n, file=sys.stderr)
    print("pvhimage: wrote %s: .pvhpins with %d pin(s) (kernel, %d initrd(s), cmdline); sign it next"
          % (args.output, len(lines), len(args.initrd)), file=sys.stderr)


def cmd_image(args):
    img = PEImage(read_file(args.input, "input"), args.input)
    kernel = read_file(args.kernel, "kernel")
    if kernel[:4] != b"\x7fELF":
        raise PEError("kernel %s: not an ELF file; give the uncompressed vmlinux" % args.kernel)
    cmdline = get_cmdline(args) or ""
    cb = check_cmdline(cmdline)
    initrds = [read_file(p, "initrd") for p in args.initrd]
    replace = {".linux": kernel, ".cmdline": cb,
               ".initrd": initrd_blob(initrds) if initrds else None}
    if args.sbat:
        old = img.section(".sbat")
        if not old:
            raise PEError("%s has no .sbat section to add --sbat lines to (build pvhboot again)" % args.input)
        text = "\n".join(sbat_lines(img.section_data(old), "%s .sbat" % args.input) + args.sbat) + "\n"
        sbat_lines(text, "--sbat")
        replace[".sbat"] = text.encode("ascii")
    out, notes = img.rebuild(replace)
    write_out(args.output, out)
    for n in notes:
        print("pvhimage: note: %s" % n, file=sys.stderr)
    print("pvhimage: wrote %s (%d bytes): .linux %d bytes, .initrd %d bytes from %d file(s), "
          ".cmdline %r; sign it next"
          % (args.output, len(out), len(kernel), len(replace[".initrd"] or b""), len(initrds),
             cmdline), file=sys.stderr)


def cmd_strip(args):
    img = PEImage(read_file(args.input, "input"), args.input)
    out, notes = img.rebuild({n: None for n in ADDED_SECTIONS})
    write_out(args.output, out)
    for n in notes:
        print("pvhimage: note: %s" % n, file=sys.stderr)


def flags_str(flags):
    return ",".join(n for bit, n in SECTION_FLAG_BITS if flags & bit) or "0x%x" % flags


def cmd_list(args):
    img = PEImage(read_file(args.input, "input"), args.input)
    d = img.data
    csum = img.u32(img.opt + OPT_CHECKSUM)
    want = pe_checksum(d, img.opt + OPT_CHECKSUM)
    print("%s: PE32+ x86-64, %d bytes, SizeOfImage 0x%x, SizeOfHeaders 0x%x, "
          "SectionAlignment 0x%x, FileAlignment 0x%x"
          % (args.input, len(d), img.size_of_image, img.size_of_headers, img.salign, img.falign))
    print("CheckSum 0x%08x (%s)" % (csum, "correct" if csum == want else
                                      "0: not set" if csum == 0 else "wrong, should be 0x%08x" % want))
    room = (min([s.rawptr for s in img.sections if s.rawsize] + [img.size_of_headers])
            - img.table - SECTION.size * len(img.sections)) // SECTION.size
    print("signature: %s" % ("certificate table at 0x%x, %d bytes" % img.cert if img.cert else "none"))
    print("room for %d more section header(s)" % room)
    print("%-9s %10s %10s %10s %10s  %s" % ("section", "VirtAddr", "VirtSize", "RawPtr", "RawSize", "flags"))
    for s in img.sections:
        print("%-9s 0x%08x 0x%08x 0x%08x 0x%08x  %s"
              % (s.name_str(), s.va, s.vsize, s.rawptr, s.rawsize, flags_str(s.flags)))
    pins = img.section(".pvhpins")
    if pins:
        print("pins (.pvhpins):")
        for line in img.section_data(pins).rstrip(b"\0").decode("ascii", "replace").splitlines():
            if line.strip():
                print("  " + line)
    else:
        print("pins: none")
    sbat = img.section(".sbat")
    if sbat:
        print("SBAT (.sbat):")
        for line in img.section_data(sbat).rstrip(b"\0").decode("ascii", "replace").splitlines():
            print("  " + line)
    else:
        print("SBAT: none (shim refuses this image)")
    linux = img.section(".linux")
    if linux:
        k = img.section_data(linux)
        print("one-file image: .linux %d bytes sha256 %s" % (len(k), sha256(k)))
        s = img.section(".initrd")
        if s:
            b = img.section_data(s)
            print("                .initrd %d bytes sha256 %s" % (len(b), sha256(b)))
        s = img.section(".cmdline")
        if s:
            b = img.section_data(s)
            print("                .cmdline %r (sha256 %s)" % (b.decode("utf-8", "replace"), sha256(b)))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="pvhimage.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def inputs(p, output=True):
        p.add_argument("input", metavar="IN", help="pvhboot.efi (PE32+)")
        if output:
            p.add_argument("output", metavar="OUT", help="the edited copy")

    def payload(p):
        p.add_argument("--kernel", required=True, metavar="VMLINUX")
        p.add_argument("--initrd", action="append", default=[], metavar="FILE",
                       help="repeat for several, in the order pvhboot loads them")
        g = p.add_mutually_exclusive_group()
        g.add_argument("--cmdline", metavar="TEXT")
        g.add_argument("--cmdline-file", metavar="FILE")

    p = sub.add_parser("pin", help="add or replace the .pvhpins section")
    inputs(p)
    payload(p)
    p.set_defaults(func=cmd_pin)
    p = sub.add_parser("image", help="add .linux/.initrd/.cmdline (a PVH one-file image)")
    inputs(p)
    payload(p)
    p.add_argument("--sbat", action="append", default=[], metavar="CSV",
                   help="one more SBAT component line for the image's .sbat (repeatable)")
    p.set_defaults(func=cmd_image)
    p = sub.add_parser("strip", help="remove the sections this tool adds")
    inputs(p)
    p.set_defaults(func=cmd_strip)
    p = sub.add_parser("sbat", help="print pvhboot's .sbat text (a build step)")
    p.add_argument("--generation", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--line", action="append", default=[], metavar="CSV")
    p.set_defaults(func=cmd_sbat)
    for name in ("list", "show"):
        p = sub.add_parser(name, help="print the headers, sections, pins and one-file payload")
        inputs(p, output=False)
        p.set_defaults(func=cmd_list)
    args = ap.parse_args(argv)
    try:
        return args.func(args) or 0
    except PEError as e:
        print("pvhimage: error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)      # quiet `| head`
    sys.exit(main())
