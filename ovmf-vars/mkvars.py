#!/usr/bin/python3
"""mkvars.py: put a pvhboot boot entry, and shim's MokList and SbatLevel,
into an OVMF variable store (VARS.fd).

    mkvars.py --in OVMF_VARS_4M.fd --out pvhboot-vars-4M.fd \\
        --part-guid GUID --part-start LBA --part-size LBAS \\
        --loader '\\EFI\\pvhboot\\pvhboot.efi' \\
        --options 'kernel=\\vmlinux initrd=\\initrd.img console=ttyS0'
    mkvars.py --in ... --out ... --part-file esp.img.part --options ...
    mkvars.py --in ... --out ... --params demo.params
    mkvars.py --in ... --out ... --mok-cert db.pem [--mok-cert ...] \\
        [--sbat-level 'sbat,1,2099010100\\npvhboot,1\\n'] [boot entry options]
    mkvars.py --dump VARS.fd [--all]

Writes Boot#### (default Boot0000) = EFI_LOAD_OPTION { LOAD_OPTION_ACTIVE,
"pvhboot", HD(n,GPT,guid,start,size)/File(loader)/End, options as UTF-16LE
with a terminating NUL } and BootOrder = that number first, then the input's
other BootOrder entries.  Both are EFI_GLOBAL_VARIABLE, NV+BS+RT.  Older
copies of the two variables are marked deleted; the new ones are appended
after the last variable.  The output is parsed again and checked before it
replaces --out.  Nothing depends on the time or on randomness: the same
input and parameters give the same bytes.

shim's variables, for a chain firmware -> shim -> pvhboot under Secure Boot
(written "offline", as MokManager would after a mokutil --import and a
reboot, but with nobody at the console):
  --mok-cert FILE (repeatable): MokList, SHIM_LOCK GUID 605dab50-e046-4300-
    abb6-3dd810dd8b23, attributes NV+BS (0x3) exactly -- shim deletes a
    MokList that has RT (mok.c import_one_mok_state) -- holding one
    EFI_SIGNATURE_LIST per certificate, in the order given: type
    EFI_CERT_X509_GUID, SignatureHeaderSize 0, SignatureSize 16 + DER size,
    owner SHIM_LOCK (as MokManager writes it), the DER certificate.  FILE is
    DER or PEM (every CERTIFICATE block; base64 decoded here, no openssl).
    shim trusts images signed by these certificates like those of db.
  --sbat-level TEXT: SbatLevel, SHIM_LOCK GUID, NV+BS (0x3), TEXT as ASCII
    with no NUL (\\n in TEXT is a newline, \\\\ a backslash; a missing final
    newline is added): "sbat,1,YYYYMMDDNN" then "component,generation" lines.
    shim refuses a second stage whose .sbat has a lower generation of a
    listed component.  shim keeps an existing SbatLevel only if its
    datestamp is not older than its own built-in one (Debian's shim 16.1:
    2025021800) and rewrites it otherwise; do not list shim itself above its
    own generation (shim 16.1: shim,4) or shim stops.
Either works without the boot entry options (then only these variables are
written) or together with them.

--dump prints the firmware volume, the variable store, every valid variable
(name, GUID, attributes, size) and decodes Boot####, BootOrder, BootCurrent,
BootNext and Timeout; the signature lists of PK, KEK, db, dbx, MokList and
MokListX (each X.509 certificate's subject and the SHA-256 of its DER, each
hash) and SbatLevel's text.  --all also lists deleted variables.

Layouts: edk2 MdeModulePkg/Include/Guid/VariableFormat.h (variable store and
headers), MdePkg/Include/Pi/PiFirmwareVolume.h (firmware volume header),
MdeModulePkg/Include/Guid/SystemNvDataGuid.h (FTW working block),
MdePkg/Include/Uefi/UefiSpec.h (EFI_LOAD_OPTION), UEFI spec 10.3.5 (media
device path nodes), MdePkg/Include/Guid/ImageAuthentication.h
(EFI_SIGNATURE_LIST), shim 16.1's mok.c, sbat.c and SbatLevel_Variable.txt
(MokList, SbatLevel), ITU-T X.690 (DER).  Python 3 standard library only.
"""
import argparse
import base64
import binascii
import hashlib
import os
import re
import struct
import sys
import uuid

# --- GUIDs --------------------------------------------------------------
EFI_SYSTEM_NV_DATA_FV_GUID = uuid.UUID("fff12b8d-7696-4c8b-a985-2747075b4f50")
EFI_VARIABLE_GUID = uuid.UUID("ddcf3616-3275-4164-98b6-fe85707ffe7d")
EFI_AUTHENTICATED_VARIABLE_GUID = uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792")
EDKII_WORKING_BLOCK_SIGNATURE_GUID = uuid.UUID("9e58292b-7c68-497d-a0ce-6500fd9f1b95")
EFI_GLOBAL_VARIABLE = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c")
# UefiBootManagerLib mBmAutoCreateBootOptionGuid: the OptionalData of the
# boot options BDS enumerates itself (EfiBootManagerRefreshAllBootOption
# deletes those whose device is gone and keeps all others).
EDK2_AUTO_CREATED_BOOT_OPTION = uuid.UUID("8108ac4e-9f11-4d59-850e-e21a522c59b2")

EFI_IMAGE_SECURITY_DATABASE = uuid.UUID("d719b2cb-3d3a-4596-a3bc-dad00e67656f")
SHIM_LOCK_GUID = uuid.UUID("605dab50-e046-4300-abb6-3dd810dd8b23")
# EFI_SIGNATURE_LIST SignatureType values (ImageAuthentication.h).
EFI_CERT_X509_GUID = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072")
EFI_CERT_SHA256_GUID = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328")

GUID_NAMES = {
    EFI_GLOBAL_VARIABLE: "EFI_GLOBAL_VARIABLE",
    EFI_IMAGE_SECURITY_DATABASE: "EFI_IMAGE_SECURITY_DATABASE",
    uuid.UUID("4c19049f-4137-4dd3-9c10-8b97a83ffdfa"): "EFI_MEMORY_TYPE_INFORMATION",
    SHIM_LOCK_GUID: "SHIM_LOCK",
}

# Variables whose data is an array of EFI_SIGNATURE_LISTs (--dump decodes
# them), and shim's SBAT revocation level (text).
SIGNATURE_LIST_VARIABLES = {
    ("PK", EFI_GLOBAL_VARIABLE), ("KEK", EFI_GLOBAL_VARIABLE),
    ("db", EFI_IMAGE_SECURITY_DATABASE), ("dbx", EFI_IMAGE_SECURITY_DATABASE),
    ("dbt", EFI_IMAGE_SECURITY_DATABASE), ("dbr", EFI_IMAGE_SECURITY_DATABASE),
    ("MokList", SHIM_LOCK_GUID), ("MokListX", SHIM_LOCK_GUID),
}
SBAT_LEVEL_VARIABLES = {("SbatLevel", SHIM_LOCK_GUID)}

# --- firmware volume (PiFirmwareVolume.h) -------------------------------
# ZeroVector[16] FileSystemGuid FvLength Signature Attributes HeaderLength
# Checksum ExtHeaderOffset Reserved Revision, then the block map.
FV_HEADER = struct.Struct("<16s16sQ4sIHHHBB")
FV_SIGNATURE = b"_FVH"

# --- variable store (VariableFormat.h) ----------------------------------
VARIABLE_STORE_HEADER = struct.Struct("<16sIBBHI")     # 28 bytes
VARIABLE_STORE_FORMATTED = 0x5A
VARIABLE_STORE_HEALTHY = 0xFE
VARIABLE_DATA = 0x55AA
HEADER_ALIGNMENT = 4

VAR_IN_DELETED_TRANSITION = 0xFE
VAR_DELETED = 0xFD
VAR_HEADER_VALID_ONLY = 0x7F
VAR_ADDED = 0x3F

# AUTHENTICATED_VARIABLE_HEADER: StartId State Reserved Attributes
# MonotonicCount TimeStamp(EFI_TIME, 16) PubKeyIndex NameSize DataSize
# VendorGuid -- 60 bytes.
AUTH_VARIABLE_HEADER = struct.Struct("<HBBIQ16sIII16s")
# VARIABLE_HEADER (non-authenticated store): StartId State Reserved
# Attributes NameSize DataSize VendorGuid -- 32 bytes.
PLAIN_VARIABLE_HEADER = struct.Struct("<HBBIII16s")

# --- FTW working block (SystemNvDataGuid.h, natural alignment) ----------
FTW_WORKING_HEADER = struct.Struct("<16sIB3sQ")         # 32 bytes
FTW_WRITE_HEADER = struct.Struct("<B3x16s4xQQ")         # 40 bytes
FTW_WRITE_RECORD_SIZE = 40

# --- variable attributes -------------------------------------------------
EFI_VARIABLE_NON_VOLATILE = 0x1
EFI_VARIABLE_BOOTSERVICE_ACCESS = 0x2
EFI_VARIABLE_RUNTIME_ACCESS = 0x4
ATTR_NAMES = [(0x1, "NV"), (0x2, "BS"), (0x4, "RT"), (0x8, "HW_ERROR"),
              (0x10, "AUTH_WRITE"), (0x20, "TIME_AUTH_WRITE"), (0x40, "APPEND")]
NV_BS_RT = EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS
# MokList and SbatLevel: shim deletes them if they have RT (mok.c
# mok_state_variable_data[].no_attr, sbat.c check_sbat_var_attributes).
NV_BS = EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS

# --- load options (UefiSpec.h) -------------------------------------------
LOAD_OPTION_ACTIVE = 0x1
LOAD_OPTION_FORCE_RECONNECT = 0x2
LOAD_OPTION_HIDDEN = 0x8
LOAD_OPTION_CATEGORY_APP = 0x100

# OVMF PcdMaxVariableSize: 0x2000 in the 1M/2M builds, 0x8400 in the 4M one
# (bytes of header + name + data).
MAX_VARIABLE_SIZE_SMALL = 0x2000
MAX_VARIABLE_SIZE_4M = 0x8400


class StoreError(Exception):
    """The file is not a usable OVMF variable store, or a parameter is bad."""


def align(n, a=HEADER_ALIGNMENT):
    return (n + a - 1) & ~(a - 1)


def attr_text(attrs):
    names = [n for bit, n in ATTR_NAMES if attrs & bit]
    rest = attrs & ~sum(bit for bit, _ in ATTR_NAMES)
    if rest:
        names.append("0x%x" % rest)
    return "+".join(names) or "none"


def guid_text(g):
    name = GUID_NAMES.get(g)
    return "%s (%s)" % (g, name) if name else str(g)


# ======================================================================
# Parsing
# ======================================================================
class Variable:
    """One variable header + name + data at .offset in the file."""

    def __init__(self, offset, state, attributes, name, guid, data, size, auth_fields,
                 name_size):
        self.offset = offset            # of the header, in the file
        self.state = state
        self.attributes = attributes
        self.name = name
        self.guid = guid
        self.data = data
        self.size = size                # header + name + data (unaligned)
        self.auth_fields = auth_fields  # (MonotonicCount, TimeStamp, PubKeyIndex) or None
        self.name_size = name_size

    @property
    def valid(self):
        # edk2 FindVariableEx: VAR_ADDED, or VAR_ADDED in deleted transition.
        return self.state in (VAR_ADDED, VAR_ADDED & VAR_IN_DELETED_TRANSITION)

    def state_text(self):
        # States are made by clearing bits: bit 7 header valid, bit 6 added,
        # bit 0 in deleted transition, bit 1 deleted.
        s = self.state
        if s & 0x02 == 0:
            return "deleted"
        if s & 0xC0 == 0:
            return "added" if s & 0x01 else "added, in deleted transition"
        if s & 0x80 == 0:
            return "header only (incomplete write)"
        return "state 0x%02x" % s


class Store:
    """A parsed VARS file: FV header, variable store, variables, FTW block."""

    def __init__(self, blob, path="<vars>"):
        self.blob = bytes(blob)
        self.path = path
        self._parse()

    def fail(self, msg):
        raise StoreError("%s: %s" % (self.path, msg))

    def _parse(self):
        b = self.blob
        if len(b) < FV_HEADER.size + 16 + VARIABLE_STORE_HEADER.size:
            self.fail("%d bytes: too small for a firmware volume with a variable store" % len(b))
        (zero, fsguid, fvlen, sig, fvattrs, hdrlen, _csum, exthdr, _res,
         rev) = FV_HEADER.unpack_from(b, 0)
        if sig != FV_SIGNATURE:
            self.fail("no firmware volume signature '_FVH' at offset 0x28 (found %r)" % sig)
        self.fs_guid = uuid.UUID(bytes_le=fsguid)
        if self.fs_guid != EFI_SYSTEM_NV_DATA_FV_GUID:
            self.fail("firmware volume file system GUID %s is not EFI_SYSTEM_NV_DATA_FV "
                      "(%s): not an NV variable volume" % (self.fs_guid, EFI_SYSTEM_NV_DATA_FV_GUID))
        if hdrlen < FV_HEADER.size + 8 or hdrlen % 2 or hdrlen > len(b):
            self.fail("firmware volume header length 0x%x is invalid" % hdrlen)
        if fvlen > len(b) or fvlen < hdrlen:
            self.fail("firmware volume length 0x%x does not fit the %d-byte file" % (fvlen, len(b)))
        if sum(struct.unpack_from("<%dH" % (hdrlen // 2), b, 0)) & 0xFFFF:
            self.fail("firmware volume header checksum is wrong (OVMF would discard the store)")
        self.fv_length = fvlen
        self.fv_header_length = hdrlen
        self.fv_revision = rev
        self.fv_attributes = fvattrs
        # Block map: (NumBlocks, Length) pairs up to (0, 0).
        self.block_map = []
        off = FV_HEADER.size
        while off + 8 <= hdrlen:
            nb, ln = struct.unpack_from("<II", b, off)
            off += 8
            if nb == 0 and ln == 0:
                break
            self.block_map.append((nb, ln))
        if exthdr:
            self.fail("firmware volume has an extended header (offset 0x%x); OVMF's NV "
                      "volume does not" % exthdr)

        # Variable store header right after the FV header.
        vs = hdrlen
        sig, size, fmt, state, _r, _r1 = VARIABLE_STORE_HEADER.unpack_from(b, vs)
        self.store_signature = uuid.UUID(bytes_le=sig)
        if self.store_signature == EFI_AUTHENTICATED_VARIABLE_GUID:
            self.auth = True
            self.var_header = AUTH_VARIABLE_HEADER
        elif self.store_signature == EFI_VARIABLE_GUID:
            self.auth = False
            self.var_header = PLAIN_VARIABLE_HEADER
        else:
            self.fail("variable store signature %s is neither gEfiAuthenticatedVariableGuid "
                      "(%s) nor gEfiVariableGuid (%s)" % (self.store_signature,
                                                          EFI_AUTHENTICATED_VARIABLE_GUID,
                                                          EFI_VARIABLE_GUID))
        if fmt != VARIABLE_STORE_FORMATTED or state != VARIABLE_STORE_HEALTHY:
            self.fail("variable store is not formatted and healthy (format 0x%02x, state "
                      "0x%02x; want 0x5a, 0xfe)" % (fmt, state))
        if size < VARIABLE_STORE_HEADER.size or vs + size > fvlen:
            self.fail("variable store size 0x%x at 0x%x does not fit the 0x%x-byte volume"
                      % (size, vs, fvlen))
        self.store_offset = vs
        self.store_size = size
        self.store_end = vs + size
        self.vars_start = align(vs + VARIABLE_STORE_HEADER.size)

        # Variables: one after another (each header 4-byte aligned) until a
        # header without StartId 0x55AA.
        self.variables = []
        off = self.vars_start
        hsz = self.var_header.size
        while off + hsz <= self.store_end:
            fields = self.var_header.unpack_from(b, off)
            if fields[0] != VARIABLE_DATA:
                break
            if self.auth:
                (_sid, vstate, _vr, attrs, mono, ts, pki, nsize, dsize, vguid) = fields
                auth_fields = (mono, ts, pki)
            else:
                (_sid, vstate, _vr, attrs, nsize, dsize, vguid) = fields
                auth_fields = None
            where = "variable at 0x%x" % off
            if nsize > self.store_end or dsize > self.store_end or \
                    off + hsz + nsize + dsize > self.store_end:
                self.fail("%s: name size %d + data size %d run past the end of the store (0x%x)"
                          % (where, nsize, dsize, self.store_end))
            name_bytes = b[off + hsz: off + hsz + nsize]
            data = b[off + hsz + nsize: off + hsz + nsize + dsize]
            var = Variable(off, vstate, attrs, None, uuid.UUID(bytes_le=vguid), data,
                           hsz + nsize + dsize, auth_fields, nsize)
            if vstate != VAR_HEADER_VALID_ONLY:
                # A header-only variable's name and data may be garbage.
                if nsize < 2 or nsize % 2 or name_bytes[-2:] != b"\0\0":
                    self.fail("%s: name size %d is not a NUL-terminated UTF-16 string"
                              % (where, nsize))
                try:
                    var.name = name_bytes[:-2].decode("utf-16-le")
                except UnicodeDecodeError:
                    self.fail("%s: name is not valid UTF-16" % where)
                if "\0" in var.name:
                    self.fail("%s: name has a NUL before its end" % where)
            self.variables.append(var)
            off = align(off + hsz + nsize + dsize)
        self.end = off          # first free byte (what edk2 calls LastVariableOffset)
        self.free_clean = all(x == 0xFF for x in b[min(off, self.store_end):self.store_end])
        self._parse_ftw()

    def _parse_ftw(self):
        """Find the FTW working block (a block-aligned header after the store)
        and whether it has a pending (allocated, incomplete) write."""
        b = self.blob
        self.ftw_offset = None
        self.ftw_pending = False
        self.ftw_writes = 0
        block = self.block_map[0][1] if self.block_map and self.block_map[0][1] else 0x1000
        off = align(self.store_end, block)
        while off + FTW_WORKING_HEADER.size <= self.fv_length:
            sig, _crc, flags, _r, qsize = FTW_WORKING_HEADER.unpack_from(b, off)
            if uuid.UUID(bytes_le=sig) == EDKII_WORKING_BLOCK_SIGNATURE_GUID:
                break
            off += block
        else:
            return
        self.ftw_offset = off
        self.ftw_valid = (flags & 0x3) == 0x2     # Valid bit 0 = valid, Invalid bit 1 = not invalid
        limit = off + FTW_WORKING_HEADER.size + qsize
        p = off + FTW_WORKING_HEADER.size
        # FtwGetLastWriteHeader: skip complete writes (Complete bit cleared).
        while p + FTW_WRITE_HEADER.size <= min(limit, len(b)):
            state, _caller, nwrites, privsize = FTW_WRITE_HEADER.unpack_from(b, p)
            if state & 0x4:         # Complete == FTW_INVALID_STATE: the last header
                self.ftw_pending = (state & 0x1) == 0     # HeaderAllocated
                if self.ftw_pending:
                    self.ftw_writes += 1
                return
            self.ftw_writes += 1
            if nwrites > 0x10000 or privsize > 0x10000:
                return
            p += FTW_WRITE_HEADER.size + nwrites * (FTW_WRITE_RECORD_SIZE + privsize)

    # --- queries ---
    def valid_variables(self):
        return [v for v in self.variables if v.valid]

    def find(self, name, guid=EFI_GLOBAL_VARIABLE):
        """The live copy of a variable (VAR_ADDED preferred over one in
        deleted transition, like edk2), or None."""
        best = None
        for v in self.variables:
            if v.valid and v.name == name and v.guid == guid:
                if v.state == VAR_ADDED:
                    return v
                best = best or v
        return best

    @property
    def max_variable_size(self):
        return MAX_VARIABLE_SIZE_4M if self.store_size >= 0x40000 else MAX_VARIABLE_SIZE_SMALL


# ======================================================================
# Building
# ======================================================================
def ucs2z(text):
    """UTF-16LE with a terminating NUL; refuses characters outside the BMP
    (UEFI strings are UCS-2)."""
    if any(ord(c) > 0xFFFF for c in text):
        raise StoreError("%r: characters outside the Basic Multilingual Plane cannot be "
                         "stored in a UCS-2 string" % text)
    if "\0" in text:
        raise StoreError("%r: contains a NUL character" % text)
    return text.encode("utf-16-le") + b"\0\0"


def hd_node(part_number, part_start, part_size, part_guid):
    """MEDIA_DEVICE_PATH / MEDIA_HARDDRIVE_DP, 42 bytes: PartitionNumber,
    PartitionStart, PartitionSize (LBAs), Signature (GPT partition GUID,
    EFI_GUID byte order), MBRType 2 (GPT), SignatureType 2 (GUID)."""
    return struct.pack("<BBHIQQ16sBB", 4, 1, 42, part_number, part_start, part_size,
                       part_guid.bytes_le, 2, 2)


def file_node(path):
    """MEDIA_DEVICE_PATH / MEDIA_FILEPATH_DP: NUL-terminated UCS-2 path."""
    s = ucs2z(path)
    if 4 + len(s) > 0xFFFF:
        raise StoreError("loader path is too long")
    return struct.pack("<BBH", 4, 4, 4 + len(s)) + s


END_NODE = struct.pack("<BBH", 0x7F, 0xFF, 4)


def normalize_loader(path):
    p = path.replace("/", "\\")
    if not p.startswith("\\"):
        p = "\\" + p
    if p.endswith("\\") or "\\\\" in p:
        raise StoreError("loader path %r is not a file path" % path)
    return p


def check_options(options):
    """The options must read as text to pvhboot (efi/core/boot_options.c
    load_options_are_text): no control characters, first word ASCII."""
    for c in options:
        o = ord(c)
        if o < 0x20 and c not in " \t" or 0x7F <= o < 0xA0:
            raise StoreError("options contain control character U+%04X; pvhboot would take "
                             "them for binary data and ignore them" % o)
    words = options.split()
    if words and ord(words[0][0]) >= 0x7F:
        raise StoreError("options must begin with an ASCII word for pvhboot to read them as text")


def load_option(description, device_path, optional_data, attributes=LOAD_OPTION_ACTIVE):
    """EFI_LOAD_OPTION: Attributes u32, FilePathListLength u16, Description
    (NUL-terminated UCS-2), FilePathList, OptionalData."""
    if len(device_path) > 0xFFFF:
        raise StoreError("device path is too long")
    return (struct.pack("<IH", attributes, len(device_path)) + ucs2z(description) +
            device_path + optional_data)


def variable_bytes(store, name, guid, attributes, data):
    """Header + name + data of a new VAR_ADDED variable (zero monotonic count,
    timestamp and key index, as edk2 writes for variables without
    authenticated-write attributes)."""
    name_b = ucs2z(name)
    if store.auth:
        hdr = AUTH_VARIABLE_HEADER.pack(VARIABLE_DATA, VAR_ADDED, 0, attributes, 0, bytes(16),
                                        0, len(name_b), len(data), guid.bytes_le)
    else:
        hdr = PLAIN_VARIABLE_HEADER.pack(VARIABLE_DATA, VAR_ADDED, 0, attributes, len(name_b),
                                         len(data), guid.bytes_le)
    v = hdr + name_b + data
    if len(v) > store.max_variable_size:
        raise StoreError("%s would be %d bytes; OVMF accepts at most %d (PcdMaxVariableSize): %s"
                         % (name, len(v), store.max_variable_size,
                            "shorten the options" if is_load_option_name(name) else
                            "give fewer or smaller certificates" if name == "MokList" else
                            "make it shorter"))
    return v


def set_variables(store, new_vars):
    """Return new file bytes: every valid copy of each (name, guid) in
    new_vars marked deleted, the new variables appended at store.end.
    new_vars: list of (name, guid, attributes, data)."""
    if not store.free_clean:
        raise StoreError("%s: the free space after the last variable (0x%x) is not erased "
                         "(0xFF); the store is damaged" % (store.path, store.end))
    if store.ftw_pending:
        raise StoreError("%s: the fault-tolerant-write working block at 0x%x has a pending "
                         "write that the firmware would replay over the store; boot this "
                         "store once or start from a fresh one" % (store.path, store.ftw_offset))
    out = bytearray(store.blob)
    names = {(n, g) for n, g, _, _ in new_vars}
    for v in store.variables:
        if v.valid and (v.name, v.guid) in names:
            out[v.offset + 2] = v.state & VAR_DELETED
    off = store.end
    for name, guid, attrs, data in new_vars:
        vb = variable_bytes(store, name, guid, attrs, data)
        if off + len(vb) > store.store_end:
            raise StoreError("%s: variable store is full: %s needs %d bytes at 0x%x, the store "
                             "ends at 0x%x (a firmware reclaim would free deleted variables)"
                             % (store.path, name, len(vb), off, store.store_end))
        out[off:off + len(vb)] = vb
        off = align(off + len(vb))      # padding stays 0xFF
    return bytes(out)


def boot_entry_vars(store, number, description, device_path, optional_data):
    """(Boot####, BootOrder) for set_variables: BootOrder gets number first
    and keeps the other entries of the current BootOrder in their order."""
    old = store.find("BootOrder")
    order = [number]
    if old is not None:
        if len(old.data) % 2:
            raise StoreError("%s: BootOrder has an odd size (%d bytes)" % (store.path, len(old.data)))
        order += [n for n in struct.unpack("<%dH" % (len(old.data) // 2), old.data) if n != number]
    boot = load_option(description, device_path, optional_data)
    return [("Boot%04X" % number, EFI_GLOBAL_VARIABLE, NV_BS_RT, boot),
            ("BootOrder", EFI_GLOBAL_VARIABLE, NV_BS_RT, struct.pack("<%dH" % len(order), *order))]


# --- shim's variables --------------------------------------------------
_PEM_CERT_RE = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)
# OID 1.3.6.1.4.1.2312.16.1.2 (DER), the kernel module signing EKU that
# shim 16.1 refuses in a signer certificate (verify.c verify_eku).
_MODSIGN_EKU_DER = bytes.fromhex("060a2b060104019208100102")


def read_certificates(path):
    """The DER certificates in FILE: one DER certificate, or every
    CERTIFICATE block of a PEM file (base64 decoded).  Each must parse as
    an X.509 Certificate (a SEQUENCE holding the tbsCertificate SEQUENCE)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise StoreError("%s: %s" % (path, e.strerror or e))
    if b"-----BEGIN" in raw:
        blocks = _PEM_CERT_RE.findall(raw)
        if not blocks:
            raise StoreError("%s: PEM without a CERTIFICATE block (a key, a request?)" % path)
        ders = []
        for n, body in enumerate(blocks, 1):
            text = b"".join(body.split())
            try:
                ders.append(base64.b64decode(text, validate=True))
            except (binascii.Error, ValueError):
                raise StoreError("%s: CERTIFICATE block %d is not valid base64 (PEM headers "
                                 "are not supported)" % (path, n))
    elif raw[:1] == b"\x30":
        ders = [raw]
    else:
        raise StoreError("%s: neither PEM (-----BEGIN CERTIFICATE-----) nor DER (a SEQUENCE)" % path)
    for n, der in enumerate(ders, 1):
        where = path if len(ders) == 1 else "%s: certificate %d" % (path, n)
        try:
            certificate_info(der)
        except ValueError as e:
            raise StoreError("%s: not an X.509 certificate: %s" % (where, e))
    return ders


def x509_signature_list(der, owner=SHIM_LOCK_GUID):
    """EFI_SIGNATURE_LIST with one EFI_CERT_X509_GUID entry: SignatureType,
    SignatureListSize, SignatureHeaderSize 0, SignatureSize; then
    EFI_SIGNATURE_DATA { SignatureOwner, the DER certificate }."""
    ssize = 16 + len(der)
    return EFI_CERT_X509_GUID.bytes_le + struct.pack("<III", 28 + ssize, 0, ssize) + \
        owner.bytes_le + der


def unescape_text(text):
    """\\n -> newline, \\\\ -> backslash; any other backslash is an error."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1:i + 2]
            if nxt not in ("n", "\\"):
                raise StoreError("SbatLevel text: unknown escape \\%s (only \\n and \\\\)" % nxt)
            out.append("\n" if nxt == "n" else "\\")
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def sbat_level_data(text):
    """SbatLevel bytes from TEXT (escapes as unescape_text): ASCII, no NUL,
    ending in a newline (one is added); the first line "sbat,VERSION,
    DATESTAMP" (YYYYMMDDNN), then "component,generation[,...]" lines, no
    field empty (shim 16.1 sbat.c parse_sbat_var_data)."""
    t = unescape_text(text)
    if not t.endswith("\n"):
        t += "\n"
    if any(not (0x20 <= ord(c) < 0x7F or c == "\n") for c in t):
        raise StoreError("SbatLevel text %r: only printable ASCII and newlines" % t)
    lines = t[:-1].split("\n")
    first = lines[0].split(",")
    if len(first) != 3 or first[0] != "sbat" or not first[1].isdigit() or \
            not (len(first[2]) == 10 and first[2].isdigit()):
        raise StoreError("SbatLevel text: the first line %r is not sbat,VERSION,YYYYMMDDNN"
                         % lines[0])
    for line in lines[1:]:
        f = line.split(",")
        if not 2 <= len(f) <= 3 or not all(f) or not f[1].isdigit():
            raise StoreError("SbatLevel text: line %r is not component,generation" % line)
    return t.encode("ascii")


def shim_vars(mok_certs=(), sbat_level=None):
    """[(MokList, ...), (SbatLevel, ...)] for set_variables.  mok_certs: DER
    certificates (one EFI_SIGNATURE_LIST each, in order); sbat_level: the
    SbatLevel bytes (sbat_level_data)."""
    new = []
    if mok_certs:
        new.append(("MokList", SHIM_LOCK_GUID, NV_BS,
                    b"".join(x509_signature_list(d) for d in mok_certs)))
    if sbat_level is not None:
        new.append(("SbatLevel", SHIM_LOCK_GUID, NV_BS, sbat_level))
    return new


def shim_notes(mok_certs=(), sbat_level=None):
    """Warnings about values shim 16.1 would not use as meant."""
    notes = []
    for der in mok_certs:
        if _MODSIGN_EKU_DER in der:
            notes.append("MokList: %s carries the module-signing EKU 1.3.6.1.4.1.2312.16.1.2; shim "
                         "refuses images signed with it" % certificate_info(der)["subject"])
    if sbat_level is not None:
        date = sbat_level.split(b"\n")[0].split(b",")[2].decode()
        if date < SHIM_16_1_SBAT_DATE:
            notes.append("SbatLevel: datestamp %s is older than the one built into Debian's shim "
                         "16.1 (%s): that shim replaces it with its own" % (date, SHIM_16_1_SBAT_DATE))
    return notes


# The automatic ("previous") SbatLevel datestamp of Debian's shim 16.1.
SHIM_16_1_SBAT_DATE = "2025021800"


# ======================================================================
# Decoding (for --dump and verification)
# ======================================================================
def parse_load_option(data):
    """-> dict(attributes, description, path (list of (type, subtype, body)),
    path_bytes, optional) or raises StoreError."""
    if len(data) < 6:
        raise StoreError("load option is %d bytes, shorter than its fixed part" % len(data))
    attrs, fplen = struct.unpack_from("<IH", data, 0)
    p = 6
    while True:
        if p + 2 > len(data):
            raise StoreError("load option description is not NUL-terminated")
        if data[p:p + 2] == b"\0\0":
            break
        p += 2
    desc = data[6:p].decode("utf-16-le", "replace")
    p += 2
    if fplen == 0 or p + fplen > len(data):
        raise StoreError("load option FilePathListLength %d runs past its %d bytes" % (fplen, len(data)))
    path_bytes = data[p:p + fplen]
    nodes = parse_device_path(path_bytes)
    return {"attributes": attrs, "description": desc, "path": nodes, "path_bytes": path_bytes,
            "optional": data[p + fplen:]}


def der_element(b, off, end=None):
    """(tag, content start, content end) of the DER element at off; raises
    ValueError if it does not fit before end."""
    end = len(b) if end is None else end
    if off + 2 > end:
        raise ValueError("DER element at %d runs past the end" % off)
    tag, ln, p = b[off], b[off + 1], off + 2
    if tag & 0x1F == 0x1F:
        raise ValueError("DER tag at %d: multi-byte tags are not used in certificates" % off)
    if ln & 0x80:
        n = ln & 0x7F
        if not 1 <= n <= 4 or p + n > end:
            raise ValueError("DER length at %d is invalid" % off)
        ln = int.from_bytes(b[p:p + n], "big")
        p += n
    if p + ln > end:
        raise ValueError("DER element at %d (%d bytes) runs past the end" % (off, ln))
    return tag, p, p + ln


def der_children(b, start, end):
    """The elements inside a constructed element's content."""
    out, p = [], start
    while p < end:
        el = der_element(b, p, end)
        out.append(el)
        p = el[2]
    return out


def oid_text(body):
    if not body:
        raise ValueError("empty OID")
    first = min(body[0] // 40, 2)
    arcs, n = [first, body[0] - 40 * first], 0
    for c in body[1:]:
        n = (n << 7) | (c & 0x7F)
        if not c & 0x80:
            arcs.append(n)
            n = 0
    return ".".join(str(a) for a in arcs)


# Attribute types as openssl's -nameopt oneline names them.
NAME_ATTRIBUTES = {"2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber", "2.5.4.6": "C",
                   "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
                   "2.5.4.12": "title", "2.5.4.42": "GN", "1.2.840.113549.1.9.1": "emailAddress",
                   "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID"}
_STRING_CODECS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1", 0x1A: "ascii",
                  0x1E: "utf-16-be", 0x1C: "utf-32-be"}


def name_text(b, start, end):
    """An X.501 Name (SEQUENCE OF SET OF AttributeTypeAndValue) as
    "C=US, O=Example, CN=Name" in the certificate's order."""
    parts = []
    for tag, s, e in der_children(b, start, end):
        if tag != 0x31:
            raise ValueError("Name: RelativeDistinguishedName is not a SET")
        for tag2, s2, e2 in der_children(b, s, e):
            kids = der_children(b, s2, e2) if tag2 == 0x30 else []
            if len(kids) != 2 or kids[0][0] != 0x06:
                raise ValueError("Name: AttributeTypeAndValue is not SEQUENCE { OID, value }")
            oid = oid_text(b[kids[0][1]:kids[0][2]])
            vtag, vs, ve = kids[1]
            raw = b[vs:ve]
            try:
                value = raw.decode(_STRING_CODECS[vtag])
            except (KeyError, UnicodeDecodeError):
                value = "#" + raw.hex()
            parts.append("%s=%s" % (NAME_ATTRIBUTES.get(oid, oid), value))
    return ", ".join(parts)


def certificate_info(der):
    """{"subject", "issuer", "sha256"} of a DER X.509 certificate; ValueError
    if it is not one (Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
    [0] version OPTIONAL, serialNumber, signature, issuer, validity,
    subject, ... }, signatureAlgorithm, signatureValue })."""
    tag, s, e = der_element(der, 0)
    if tag != 0x30:
        raise ValueError("does not start with a SEQUENCE")
    if e != len(der):
        raise ValueError("the outer SEQUENCE is %d bytes, the data %d" % (e, len(der)))
    top = der_children(der, s, e)
    if len(top) != 3 or top[0][0] != 0x30 or top[1][0] != 0x30 or top[2][0] != 0x03:
        raise ValueError("not SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }")
    tbs = der_children(der, top[0][1], top[0][2])
    if tbs and tbs[0][0] == 0xA0:
        tbs = tbs[1:]
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    if len(tbs) < 6 or tbs[0][0] != 0x02 or any(tbs[i][0] != 0x30 for i in range(1, 6)):
        raise ValueError("tbsCertificate lacks serial number, issuer, validity or subject")
    return {"subject": name_text(der, tbs[4][1], tbs[4][2]),
            "issuer": name_text(der, tbs[2][1], tbs[2][2]),
            "sha256": hashlib.sha256(der).hexdigest()}


def parse_signature_lists(data):
    """EFI_SIGNATURE_LIST array -> [(SignatureType, header bytes,
    [(SignatureOwner, signature data)])]; raises StoreError if malformed."""
    out, off = [], 0
    while off < len(data):
        if off + 28 > len(data):
            raise StoreError("signature list at %d: %d bytes left, its header needs 28"
                             % (off, len(data) - off))
        stype = uuid.UUID(bytes_le=data[off:off + 16])
        lsize, hsize, ssize = struct.unpack_from("<III", data, off + 16)
        if lsize < 28 + hsize or off + lsize > len(data) or ssize < 16 or \
                (lsize - 28 - hsize) % ssize:
            raise StoreError("signature list at %d: sizes (list %d, header %d, signature %d) do "
                             "not fit its %d bytes" % (off, lsize, hsize, ssize, len(data) - off))
        p = off + 28 + hsize
        sigs = []
        while p < off + lsize:
            sigs.append((uuid.UUID(bytes_le=data[p:p + 16]), data[p + 16:p + ssize]))
            p += ssize
        out.append((stype, data[off + 28:off + 28 + hsize], sigs))
        off += lsize
    return out


def signature_list_text(data):
    """Lines describing an EFI_SIGNATURE_LIST array (for --dump)."""
    try:
        lists = parse_signature_lists(data)
    except StoreError as e:
        return ["(not a valid signature list: %s)" % e]
    lines = []
    for stype, _hdr, sigs in lists:
        for owner, sig in sigs:
            if stype == EFI_CERT_X509_GUID:
                try:
                    ci = certificate_info(sig)
                    lines.append("x509 %s (sha256 %s) owner %s" % (ci["subject"] or "(empty subject)",
                                                                   ci["sha256"], guid_text(owner)))
                except ValueError as e:
                    lines.append("x509, not a certificate (%s): %d bytes, sha256 %s owner %s"
                                 % (e, len(sig), hashlib.sha256(sig).hexdigest(), guid_text(owner)))
            elif stype == EFI_CERT_SHA256_GUID and len(sig) == 32:
                lines.append("sha256 %s owner %s" % (sig.hex(), guid_text(owner)))
            else:
                lines.append("type %s, %d bytes owner %s" % (stype, len(sig), guid_text(owner)))
    return lines or ["(empty)"]


def sbat_level_text(data):
    """SbatLevel's lines (for --dump)."""
    try:
        t = data.decode("ascii")
    except UnicodeDecodeError:
        return ["(not ASCII: %s)" % data[:64].hex()]
    lines = ["%r" % l if any(ord(c) < 0x20 for c in l) else l for l in t.rstrip("\n").split("\n")]
    if not t.endswith("\n"):
        lines.append("(no final newline)")
    return lines


def parse_device_path(b):
    nodes = []
    p = 0
    while True:
        if p + 4 > len(b):
            raise StoreError("device path has no End node")
        t, st, ln = struct.unpack_from("<BBH", b, p)
        if ln < 4 or p + ln > len(b):
            raise StoreError("device path node at %d has bad length %d" % (p, ln))
        nodes.append((t, st, b[p + 4:p + ln]))
        p += ln
        if t == 0x7F and st == 0xFF:
            return nodes


def node_text(t, st, body):
    """Text like edk2's ConvertDevicePathToText for common nodes."""
    try:
        if t == 4 and st == 1 and len(body) == 38:
            num, start, size, sig, mbrtype, sigtype = struct.unpack("<IQQ16sBB", body)
            if sigtype == 2:
                s = str(uuid.UUID(bytes_le=sig)).upper()
            elif sigtype == 1:
                s = "0x%08X" % struct.unpack_from("<I", sig)[0]
            else:
                s = "0"
            kind = {1: "MBR", 2: "GPT"}.get(mbrtype, str(mbrtype))
            return "HD(%d,%s,%s,0x%X,0x%X)" % (num, kind, s, start, size)
        if t == 4 and st == 4:
            return body.decode("utf-16-le").rstrip("\0")
        if t == 4 and st == 6 and len(body) == 16:
            return "FvFile(%s)" % str(uuid.UUID(bytes_le=body)).upper()
        if t == 4 and st == 7 and len(body) == 16:
            return "Fv(%s)" % str(uuid.UUID(bytes_le=body)).upper()
        if t == 4 and st == 3 and len(body) >= 16:
            return "VenMedia(%s)" % str(uuid.UUID(bytes_le=body[:16])).upper()
        if t == 1 and st == 4 and len(body) >= 16:
            return "VenHw(%s)" % str(uuid.UUID(bytes_le=body[:16])).upper()
        if t == 2 and st == 1 and len(body) == 8:
            hid, uid = struct.unpack("<II", body)
            if hid == 0x0A0341D0:
                return "PciRoot(0x%X)" % uid
            if hid == 0x0A0841D0:
                return "PcieRoot(0x%X)" % uid
            return "Acpi(0x%08X,0x%X)" % (hid, uid)
        if t == 1 and st == 1 and len(body) == 2:
            return "Pci(0x%X,0x%X)" % (body[1], body[0])
        if t == 1 and st == 3 and len(body) >= 8:
            start, end = struct.unpack_from("<QQ", body, 4) if len(body) >= 20 else (0, 0)
            return "MemoryMapped(0x%X,0x%X,0x%X)" % (struct.unpack_from("<I", body)[0], start, end)
        if t == 3 and st == 2 and len(body) == 4:
            return "Scsi(0x%X,0x%X)" % struct.unpack("<HH", body)
        if t == 3 and st == 18 and len(body) == 6:
            return "Sata(0x%X,0x%X,0x%X)" % struct.unpack("<HHH", body)
        if t == 3 and st == 11:
            return "MAC(%s)" % body[:6].hex().upper()
    except (UnicodeDecodeError, struct.error):
        pass
    return "Path(%d,%d,%s)" % (t, st, body.hex().upper())


def device_path_text(nodes):
    parts = [node_text(t, st, body) for t, st, body in nodes if not (t == 0x7F and st == 0xFF)]
    return "/".join(parts)


def _ucs2_text(opt):
    """(text, NUL-terminated?) if opt reads as printable UTF-16LE, else None."""
    if len(opt) < 2 or len(opt) % 2:
        return None
    try:
        s = opt.decode("utf-16-le")
    except UnicodeDecodeError:
        return None
    term = s.endswith("\0")
    body = s[:-1] if term else s
    if not body or "\0" in body or not all(c >= " " or c == "\t" for c in body) or \
            any(0x7F <= ord(c) < 0xA0 for c in body):
        return None
    # Like pvhboot's load_options_are_text: the first word starts in ASCII.
    if ord(body.lstrip(" \t")[:1] or "\x80") >= 0x7F:
        return None
    return body, term


def optional_data_text(opt):
    """How pvhboot (and a person) would read OptionalData."""
    if not opt:
        return "none"
    if len(opt) == 16 and not _ucs2_text(opt):
        g = uuid.UUID(bytes_le=opt)
        return "16 bytes, binary: GUID %s%s" % (
            g, " (edk2's marker of a boot option BDS created itself)"
            if g == EDK2_AUTO_CREATED_BOOT_OPTION else "")
    t = _ucs2_text(opt)
    if t:
        body, term = t
        return "%d bytes, UTF-16LE %s: %r" % (len(opt), "NUL-terminated" if term
                                               else "not NUL-terminated", body)
    return "%d bytes, binary: %s%s" % (len(opt), opt[:32].hex(), "..." if len(opt) > 32 else "")


def load_option_attr_text(a):
    names = []
    for bit, n in ((LOAD_OPTION_ACTIVE, "ACTIVE"), (LOAD_OPTION_FORCE_RECONNECT, "FORCE_RECONNECT"),
                   (LOAD_OPTION_HIDDEN, "HIDDEN")):
        if a & bit:
            names.append(n)
    if a & 0x1F00:
        names.append("CATEGORY_APP" if a & 0x1F00 == LOAD_OPTION_CATEGORY_APP else
                     "CATEGORY 0x%x" % (a & 0x1F00))
    rest = a & ~(0x1F00 | 0xB)
    if rest:
        names.append("0x%x" % rest)
    return "0x%x (%s)" % (a, "+".join(names) or "inactive")


def is_load_option_name(name, prefixes=("Boot",)):
    """Boot#### (or, with prefixes, Driver####, SysPrep####...)."""
    for p in prefixes:
        if len(name) == len(p) + 4 and name.startswith(p) and \
                all(c in "0123456789ABCDEFabcdef" for c in name[len(p):]):
            return True
    return False


def is_boot_option_name(name):
    return is_load_option_name(name)


def dump(store, out=sys.stdout, show_all=False):
    w = out.write
    w("%s: %d bytes\n" % (store.path, len(store.blob)))
    w("firmware volume: length 0x%x, header 0x%x, revision %d, blocks %s, file system %s "
      "(EFI_SYSTEM_NV_DATA_FV), checksum ok\n"
      % (store.fv_length, store.fv_header_length, store.fv_revision,
         ", ".join("%d x 0x%x" % bm for bm in store.block_map), store.fs_guid))
    nvalid = len(store.valid_variables())
    ndel = len(store.variables) - nvalid
    w("variable store: %s (%s) at 0x%x, size 0x%x, formatted, healthy; %d valid variable(s), "
      "%d deleted or incomplete; used up to 0x%x, 0x%x bytes free%s\n"
      % ("authenticated" if store.auth else "plain", store.store_signature, store.store_offset,
         store.store_size, nvalid, ndel, store.end, store.store_end - store.end,
         "" if store.free_clean else " (WARNING: free space is not all 0xFF)"))
    if store.ftw_offset is None:
        w("FTW working block: not found\n")
    else:
        w("FTW working block: at 0x%x, %s, %d write(s) recorded%s\n"
          % (store.ftw_offset, "valid" if store.ftw_valid else "NOT valid", store.ftw_writes,
             ", LAST WRITE PENDING" if store.ftw_pending else ""))
    for v in store.variables:
        if not v.valid and not show_all:
            continue
        name = v.name if v.name is not None else "<incomplete>"
        w("%-12s %s  attr 0x%x (%s)  %d bytes  @0x%x%s\n"
          % (name, guid_text(v.guid), v.attributes, attr_text(v.attributes), len(v.data),
             v.offset, "" if v.valid else "  [%s]" % v.state_text()))
        if v.name is None:
            continue
        if (v.name, v.guid) in SIGNATURE_LIST_VARIABLES:
            for line in signature_list_text(v.data):
                w("    %s\n" % line)
            continue
        if (v.name, v.guid) in SBAT_LEVEL_VARIABLES:
            for line in sbat_level_text(v.data):
                w("    %s\n" % line)
            continue
        if v.guid != EFI_GLOBAL_VARIABLE:
            continue
        if is_load_option_name(v.name, ("Boot", "Driver", "SysPrep", "PlatformRecovery")):
            try:
                lo = parse_load_option(v.data)
            except StoreError as e:
                w("    (not a valid load option: %s)\n" % e)
                continue
            w("    attributes  %s\n" % load_option_attr_text(lo["attributes"]))
            w("    description %r\n" % lo["description"])
            w("    path        %s\n" % device_path_text(lo["path"]))
            w("    optional    %s\n" % optional_data_text(lo["optional"]))
        elif v.name in ("BootOrder", "DriverOrder") and len(v.data) % 2 == 0:
            nums = struct.unpack("<%dH" % (len(v.data) // 2), v.data)
            w("    %s\n" % (" ".join("%04X" % n for n in nums) or "(empty)"))
        elif v.name in ("BootCurrent", "BootNext", "Timeout") and len(v.data) == 2:
            n = struct.unpack("<H", v.data)[0]
            w("    %s\n" % ("%04X" % n if v.name != "Timeout" else "%d s" % n))


# ======================================================================
# Parameters and CLI
# ======================================================================
def read_keyvals(path):
    """key=value lines (# comments, blank lines ignored); values verbatim."""
    d = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if "=" not in line:
                raise StoreError("%s:%d: not key=value" % (path, n))
            k, v = line.split("=", 1)
            d[k.strip()] = v
    return d


def parse_int(s, what):
    try:
        return int(str(s), 0)
    except ValueError:
        raise StoreError("%s: %r is not a number" % (what, s))


def parse_guid(s, what="partition GUID"):
    try:
        return uuid.UUID(str(s).strip().strip("{}"))
    except ValueError:
        raise StoreError("%s: %r is not a GUID" % (what, s))


def entry_vars(store, part_guid, part_start, part_size, loader, options, part_number=1,
               description="pvhboot", boot_number=0):
    """The Boot#### and BootOrder for set_variables, checked."""
    if not 0 <= boot_number <= 0xFFFF:
        raise StoreError("boot number %r out of range" % boot_number)
    if part_start <= 0 or part_size <= 0 or part_number <= 0:
        raise StoreError("partition number, start and size must be positive")
    check_options(options)
    dp = hd_node(part_number, part_start, part_size, part_guid) + \
        file_node(normalize_loader(loader)) + END_NODE
    opt = ucs2z(options) if options else b""
    return boot_entry_vars(store, boot_number, description, dp, opt)


def build(blob, in_path, part_guid, part_start, part_size, loader, options,
          part_number=1, description="pvhboot", boot_number=0, mok_certs=(), sbat_level=None):
    """Input bytes -> (output bytes, the new variables as (name, guid,
    attributes, data)): the boot entry, and MokList/SbatLevel when
    mok_certs (DER certificates) or sbat_level (bytes) are given.  Pure."""
    store = Store(blob, in_path)
    new = entry_vars(store, part_guid, part_start, part_size, loader, options, part_number,
                     description, boot_number) + shim_vars(mok_certs, sbat_level)
    return set_variables(store, new), new


def build_shim(blob, in_path, mok_certs=(), sbat_level=None):
    """Input bytes -> (output bytes, new variables): only MokList and/or
    SbatLevel, no boot entry.  Pure."""
    store = Store(blob, in_path)
    new = shim_vars(mok_certs, sbat_level)
    if not new:
        raise StoreError("nothing to write: no certificate and no SbatLevel")
    return set_variables(store, new), new


def verify(out_blob, in_blob, new_vars, path):
    """Parse what we wrote: the new variables are the live copies with the
    exact bytes, and every other live variable is unchanged."""
    outs = Store(out_blob, path)
    ins = Store(in_blob, "<input>")
    names = {(n, g) for n, g, _, _ in new_vars}
    for name, guid, attrs, data in new_vars:
        live = [v for v in outs.valid_variables() if v.name == name and v.guid == guid]
        if len(live) != 1 or live[0].data != data or live[0].attributes != attrs \
                or live[0].state != VAR_ADDED:
            raise StoreError("verification failed: %s is not the one live copy just written" % name)
        if is_boot_option_name(name):
            parse_load_option(live[0].data)
        if (name, guid) in SIGNATURE_LIST_VARIABLES:
            parse_signature_lists(live[0].data)
    before = sorted((v.name, str(v.guid), v.attributes, v.data) for v in ins.valid_variables()
                    if (v.name, v.guid) not in names)
    after = sorted((v.name, str(v.guid), v.attributes, v.data) for v in outs.valid_variables()
                   if (v.name, v.guid) not in names)
    if before != after:
        raise StoreError("verification failed: other variables changed")
    if not outs.free_clean:
        raise StoreError("verification failed: free space is not erased")
    if out_blob[outs.store_end:] != in_blob[ins.store_end:] or \
            out_blob[:outs.vars_start] != in_blob[:ins.vars_start]:
        raise StoreError("verification failed: bytes outside the variables changed")
    return outs


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="mkvars.py",
        description="Write a pvhboot Boot#### entry and BootOrder, and/or shim's MokList and "
                    "SbatLevel, into an OVMF VARS.fd, or dump one.",
        epilog="Precedence: command-line options, then --part-file, then --params.")
    ap.add_argument("--dump", metavar="VARS", help="print the variables of VARS and exit")
    ap.add_argument("--all", action="store_true", help="with --dump: also deleted variables")
    ap.add_argument("--in", dest="inp", metavar="VARS", help="input store (e.g. "
                    "/usr/share/OVMF/OVMF_VARS_4M.fd)")
    ap.add_argument("--out", metavar="VARS", help="output store (may equal --in)")
    ap.add_argument("--params", metavar="FILE", help="key=value file: part_guid, part_start, "
                    "part_size, part_number, loader, options, description, boot_number")
    ap.add_argument("--part-file", metavar="FILE", help="mkesp.sh's OUT.img.part "
                    "(guid=, start=, size=, number=)")
    ap.add_argument("--part-guid", help="GPT partition GUID (unique partition GUID)")
    ap.add_argument("--part-start", help="partition start LBA (512-byte sectors)")
    ap.add_argument("--part-size", help="partition size in LBAs")
    ap.add_argument("--part-number", help="GPT partition entry number (default 1)")
    ap.add_argument("--loader", help="path of pvhboot.efi in the partition "
                    "(default \\EFI\\pvhboot\\pvhboot.efi)")
    ap.add_argument("--options", help="pvhboot's words, e.g. 'kernel=\\vmlinux "
                    "initrd=\\initrd.img console=ttyS0' (stored as UTF-16LE + NUL)")
    ap.add_argument("--description", help="boot entry description (default pvhboot)")
    ap.add_argument("--boot-number", help="hex Boot#### number (default 0000)")
    ap.add_argument("--mok-cert", action="append", metavar="PEM_OR_DER",
                    help="put this X.509 certificate into shim's MokList (NV+BS); repeatable: "
                    "one signature list per certificate, in order")
    ap.add_argument("--sbat-level", metavar="TEXT", help="shim's SbatLevel (NV+BS), e.g. "
                    "'sbat,1,2099010100\\npvhboot,2\\n' (\\n: newline)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors "
                    "(no dump of the result)")
    a = ap.parse_args(argv)
    prog = "mkvars.py"
    try:
        if a.dump:
            with open(a.dump, "rb") as f:
                dump(Store(f.read(), a.dump), show_all=a.all)
            return 0
        if not a.inp or not a.out:
            ap.error("give --in and --out (or --dump)")
        p = {"part_number": "1", "loader": "\\EFI\\pvhboot\\pvhboot.efi",
             "description": "pvhboot", "boot_number": "0000"}
        if a.params:
            p.update(read_keyvals(a.params))
        if a.part_file:
            pf = read_keyvals(a.part_file)
            for src, dst in (("guid", "part_guid"), ("start", "part_start"),
                             ("size", "part_size"), ("number", "part_number")):
                if src in pf:
                    p[dst] = pf[src]
        entry_keys = ("part_guid", "part_start", "part_size", "part_number", "loader", "options",
                      "description", "boot_number")
        for k in entry_keys:
            v = getattr(a, k)
            if v is not None:
                p[k] = v
        mok_certs = [der for path in a.mok_cert or () for der in read_certificates(path)]
        sbat_level = sbat_level_data(a.sbat_level) if a.sbat_level is not None else None
        # With --mok-cert/--sbat-level alone, no boot entry is written.
        want_entry = not (mok_certs or sbat_level is not None) or a.params or a.part_file or \
            any(getattr(a, k) is not None for k in entry_keys)
        missing = [k for k in ("part_guid", "part_start", "part_size", "options") if k not in p]
        if want_entry and missing:
            ap.error("missing " + ", ".join("--" + k.replace("_", "-") for k in missing))
        with open(a.inp, "rb") as f:
            in_blob = f.read()
        if want_entry:
            out_blob, new = build(in_blob, a.inp, parse_guid(p["part_guid"]),
                                  parse_int(p["part_start"], "partition start"),
                                  parse_int(p["part_size"], "partition size"),
                                  p["loader"], p["options"],
                                  part_number=parse_int(p["part_number"], "partition number"),
                                  description=p["description"],
                                  boot_number=parse_int("0x" + p["boot_number"].lower().replace("0x", ""),
                                                        "boot number"),
                                  mok_certs=mok_certs, sbat_level=sbat_level)
        else:
            out_blob, new = build_shim(in_blob, a.inp, mok_certs, sbat_level)
        verify(out_blob, in_blob, new, a.out)
        tmp = a.out + ".tmp"
        with open(tmp, "wb") as f:
            f.write(out_blob)
        # Read back what is on disk and check it once more.
        with open(tmp, "rb") as f:
            verify(f.read(), in_blob, new, a.out)
        os.replace(tmp, a.out)
        if not a.quiet:
            with open(a.out, "rb") as f:
                dump(Store(f.read(), a.out))
        if not a.quiet:
            print("%s: wrote %s (sha256 %s)" % (prog, a.out, hashlib.sha256(out_blob).hexdigest()),
                  file=sys.stderr)
            for note in shim_notes(mok_certs, sbat_level):
                print("%s: warning: %s" % (prog, note), file=sys.stderr)
        return 0
    except StoreError as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        return 1
    except BrokenPipeError:
        # --dump | head: stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
