# SPDX-License-Identifier: MIT
"""Fixture builders for the pvhboot-kernel tests: small PVH ELF kernels, fake
bzImages around a payload compressed by each standard program, and a
snapshot of a directory tree to prove a failed run changed nothing."""
import hashlib
import os
import re
import struct
import subprocess

XEN_ELFNOTE_PHYS32_ENTRY = 18

# How Linux's arch/x86/boot/compressed/Makefile compresses vmlinux.bin (at
# the fastest levels here: the level does not change the format), and
# whether the build appends the uncompressed size as le32 (every format but
# gzip; kernels before 5.x appended it to gzip as well: "gzip+size").
COMPRESSORS = {
        "gzip": (["gzip", "-1", "-n", "-c"], False),
        "gzip+size": (["gzip", "-1", "-n", "-c"], True),
        "xz": (["xz", "-0", "--check=crc32", "-c"], True),
        "lzma": (["xz", "--format=lzma", "-0", "-c"], True),
        "bzip2": (["bzip2", "-1", "-c"], True),
        "lzo": (["lzop", "-1", "-c"], True),
        "lz4": (["lz4", "-l", "-1", "-c"], True),
        "zstd": (["zstd", "-1", "-q", "-c"], True),
}


def tiny_pvh_elf(tag=b"", pvh=True):
        """An ELF64 x86-64 kernel of a few KiB: one PT_LOAD (tag makes each
        one different) and a PT_NOTE holding Xen's PHYS32_ENTRY note (type
        18), or the same note with type 17 when pvh is False."""
        load_addr = 0x1000000
        code = b"\xf4\xeb\xfd" + tag                    # hlt; jmp back; tag
        note_type = XEN_ELFNOTE_PHYS32_ENTRY if pvh else 17
        note = struct.pack("<III", 4, 4, note_type) + b"Xen\0" + struct.pack("<I", load_addr)
        phoff, phnum = 64, 2
        note_off = phoff + 56 * phnum
        code_off = 0x1000
        ehdr = struct.pack("<16sHHIQQQIHHHHHH",
                           b"\x7fELF\x02\x01\x01" + b"\0" * 9,
                           2, 62, 1, load_addr, phoff, 0, 0, 64, 56, phnum, 0, 0, 0)
        ph_load = struct.pack("<IIQQQQQQ", 1, 5, code_off, load_addr, load_addr,
                              len(code), 0x1000, 0x1000)
        ph_note = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
        head = ehdr + ph_load + ph_note + note
        return head.ljust(code_off, b"\0") + code


def without_pvh_note(elf):
        """The same ELF with every Xen PHYS32_ENTRY note's type changed to 17."""
        pattern = re.compile(rb"\x04\x00\x00\x00(?:\x04|\x08)\x00\x00\x00\x12\x00\x00\x00Xen\x00", re.S)
        data = bytearray(elf)
        found = 0
        for m in pattern.finditer(elf):
                data[m.start() + 8] = 17
                found += 1
        assert found, "no PVH note to remove"
        return bytes(data)


def compress(fmt, data):
        command, size_appended = COMPRESSORS[fmt]
        out = subprocess.run(command, input=data, stdout=subprocess.PIPE, check=True).stdout
        if size_appended:
                out += struct.pack("<I", len(data) & 0xffffffff)
        return out


def fake_bzimage(payload, setup_sects=4, protocol=0x020f, payload_offset=0x3c0,
                 payload_length=None, header_offset=None):
        """A bzImage as far as the x86 boot protocol describes its header:
        setup_sects at 0x1f1, "HdrS" at 0x202, the version at 0x206,
        payload_offset and payload_length at 0x248/0x24c, counted from the
        protected-mode code after the (setup_sects + 1) setup sectors.
        payload_length and header_offset, when given, go into the header
        in place of the true values (to break it)."""
        setup = bytearray((setup_sects or 4) * 512 + 512)
        setup[0:2] = b"MZ"
        setup[0x1f1] = setup_sects
        setup[0x1fe:0x200] = b"\x55\xaa"
        setup[0x202:0x206] = b"HdrS"
        struct.pack_into("<H", setup, 0x206, protocol)
        struct.pack_into("<II", setup, 0x248,
                         payload_offset if header_offset is None else header_offset,
                         len(payload) if payload_length is None else payload_length)
        # Stand-ins for the decompressor's code before and after the payload.
        return bytes(setup) + b"\xcc" * payload_offset + payload + b"\x90" * 4096


def tree(path):
        """{relative path: sha256 or 'dir'} of everything under path."""
        out = {}
        for dirpath, dirnames, filenames in os.walk(path):
                for d in dirnames:
                        out[os.path.relpath(os.path.join(dirpath, d), path)] = "dir"
                for f in filenames:
                        full = os.path.join(dirpath, f)
                        h = hashlib.sha256()
                        with open(full, "rb") as fh:
                                for block in iter(lambda: fh.read(1 << 20), b""):
                                        h.update(block)
                        out[os.path.relpath(full, path)] = h.hexdigest()
        return out
