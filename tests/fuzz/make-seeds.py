#!/usr/bin/env python3
"""Write the seed corpus for the fuzz targets into tests/fuzz/corpus/.

Seeds are small, valid inputs from which libFuzzer mutates: a PVH ELF64 and
ELF32, an OVMF-like EFI memory map, a few LoadOptions strings, a PE with .pvhpins, fw_cfg file directories,
UEFI device paths as OVMF makes them. The corpus directories also hold a few
seeds written by hand (elf64-phdrs-after-data, elf64-two-note-segments);
this script leaves them alone.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def notes(value, descsz=4, reloc=None):
    """The GNU and Xen PVH entry notes; reloc: the values of a Xen
    relocation note (type 19) after them, as Linux 6.12+ emits it."""
    gnu = struct.pack("<III", 4, 4, 1) + b"GNU\0" + b"\xab" * 4
    xen = struct.pack("<III", 4, descsz, 18) + b"Xen\0" + struct.pack("<Q", value)[:descsz]
    if reloc is not None:
        xen += struct.pack("<III", 4, 4 * len(reloc), 19) + b"Xen\0" + b"".join(struct.pack("<I", v) for v in reloc)
    return gnu + xen


def elf64(descsz=4, reloc=None):
    paddr, entry = 0x1000000, 0x1000100
    n = notes(entry, descsz, reloc)
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9,
                       2, 62, 1, paddr, 64, 0, 0, 64, 56, 3, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 5, 0x400, 0xffffffff81000000, paddr, 0x200, 0x200, 0x200)
    ph += struct.pack("<IIQQQQQQ", 1, 6, 0x600, 0xffffffff81001000, paddr + 0x1000, 0x100, 0x2000, 0x200)
    ph += struct.pack("<IIQQQQQQ", 4, 4, 0x300, 0, 0, len(n), len(n), 4)
    img = bytearray(0x700)
    img[0:len(ehdr + ph)] = ehdr + ph
    img[0x300:0x300 + len(n)] = n
    img[0x400:0x402] = b"\xf4\xeb"
    return bytes(img)


def elf32():
    paddr, entry = 0x100000, 0x100010
    n = notes(entry)
    ehdr = struct.pack("<16sHHIIIIIHHHHHH", b"\x7fELF\x01\x01\x01" + b"\0" * 9,
                       2, 3, 1, paddr, 52, 0, 0, 52, 32, 2, 0, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, 0x200, paddr, paddr, 0x100, 0x1000, 5, 0x200)
    ph += struct.pack("<IIIIIIII", 4, 0x100, 0, 0, len(n), len(n), 4, 4)
    img = bytearray(0x300)
    img[0:len(ehdr + ph)] = ehdr + ph
    img[0x100:0x100 + len(n)] = n
    return bytes(img)


def memmap(stride=48):
    descs = [(7, 0, 0xA0), (7, 0x100000, 0x800), (4, 0x900000, 0xC00), (7, 0x1500000, 0x1000),
             (2, 0x2500000, 0x100), (1, 0x2600000, 0x10), (9, 0x1F000000, 0x10), (10, 0x1F010000, 0x80),
             (6, 0x1F090000, 0x20), (0, 0xB0000000, 0x10000), (11, 0xFFC00000, 0x400),
             (7, 0x100000000, 0x40000)]
    out = bytes([stride - 40])
    for t, start, pages in descs:
        out += struct.pack("<IIQQQQ", t, 0, start, 0, pages, 0xF).ljust(stride, b"\0")
    return out


def layout_input(start, size1, gap_pages, size2_256, align_shift, flags, reloc_min, reloc_max, stride, descs):
    """A fuzz_layout input: the kernel header (see tests/fuzz/fuzz_layout.c),
    then an EFI memory map of (type, start, pages) with the given stride."""
    head = struct.pack("<IIBHBBB2xII", start, size1, gap_pages, size2_256, align_shift - 12, flags,
                       stride - 40, reloc_min, reloc_max)
    out = head
    for t, base, pages in descs:
        out += struct.pack("<IIQQQQ", t, 0, base, 0, pages, 0xF).ljust(stride, b"\0")
    return out


def utf16(s):
    return s.encode("utf-16-le")


def pe_with_pins():
    img = bytearray(0x3000)
    img[0:2] = b"MZ"
    struct.pack_into("<I", img, 0x3C, 0x80)
    img[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<HH", img, 0x80 + 4, 0x8664, 2)
    struct.pack_into("<H", img, 0x80 + 20, 0xF0)
    sec = 0x80 + 24 + 0xF0
    struct.pack_into("<8sII", img, sec, b".text", 0x100, 0x1000)
    struct.pack_into("<8sII", img, sec + 40, b".pvhpins", 0x80, 0x2000)
    pins = b"kernel " + b"ab" * 32 + b"\ncmdline " + b"cd" * 32 + b"\n"
    img[0x2000:0x2000 + len(pins)] = pins
    return bytes(img)


def fw_cfg_dir(names):
    out = struct.pack(">I", len(names))
    for i, name in enumerate(names):
        out += struct.pack(">IHH56s", 0x1000 * (i + 1), 0x20 + i, 0, name.encode())
    return out


def dp_node(node_type, sub_type, body):
    return struct.pack("<BBH", node_type, sub_type, 4 + len(body)) + body


DP_END = dp_node(0x7F, 0xFF, b"")
DP_PCI_ROOT = dp_node(0x02, 0x01, struct.pack("<II", 0x0A0341D0, 0))
DP_PCI = dp_node(0x01, 0x01, bytes([0, 1]))
PART_GUID = bytes.fromhex("67c235b77e0d3a4f9c4b2f1e0d3c5a69")


def dp_hard_drive(signature_type=2, signature=PART_GUID):
    """HD(1,...): a GPT partition (format 2) with a GUID signature (type 2), or
    an MBR one (format 1) with a 32-bit disk signature (type 1)."""
    partition_format = 2 if signature_type == 2 else 1
    return dp_node(0x04, 0x01, struct.pack("<IQQ16sBB", 1, 0x800, 0x20000, signature, partition_format,
                                           signature_type))


def dp_file(name, nul=True):
    return dp_node(0x04, 0x04, utf16(name + ("\0" if nul else "")))


def device_path(cap, *nodes):
    """A device_path fuzz input: the file path capacity byte, then the path."""
    return bytes([cap]) + b"".join(nodes) + DP_END


SEEDS = {
    "elf_kernel": {"elf64": elf64(), "elf64-quad-note": elf64(8), "elf32": elf32(),
                   "elf64-reloc": elf64(reloc=(0x200000, 0x1000000, 0x3fffffff)),
                   "elf64-reloc-empty": elf64(reloc=())},
    "layout": {
        # Linux 6.12 (40 MiB at 16 MiB, note 19) under Debian 13's OVMF with S3.
        "trixie-s3": layout_input(0x1000000, 0x1200000, 0x80, 0x8000, 21, 1, 0x1000000, 0x3fffffff, 48,
                                  [(7, 0, 0xA0), (7, 0x100000, 0x710), (10, 0x810000, 0xF00),
                                   (7, 0x1710000, 0x1E000), (1, 0x1F710000, 0x200), (4, 0x1F910000, 0x100),
                                   (10, 0x1FA10000, 0x100), (11, 0xFFC00000, 0x400)]),
        # The same under Debian 12's OVMF, not relocatable: staged.
        "bookworm": layout_input(0x1000000, 0x1200000, 0x80, 0x8000, 21, 0, 0, 0, 40,
                                 [(7, 0, 0xA0), (7, 0x100000, 0x800), (4, 0x900000, 0xC00),
                                  (7, 0x1500000, 0x1E000), (3, 0x1F500000, 0x100)]),
        # The relocatable probe linked at 768 MiB in a 512 MiB guest.
        "probe-high": layout_input(0x30000000, 0x5000, 0, 0, 21, 1, 0x1000000, 0x3fffffff, 48,
                                   [(7, 0x100000, 0x800), (4, 0x900000, 0xC00), (7, 0x1500000, 0x1E000)]),
    },
    "kernel_stream": {"elf64": elf64(), "elf64-quad-note": elf64(8), "elf32": elf32()},
    "pvh_memmap": {"ovmf-like": memmap(48), "plain": memmap(40)},
    "pe_image": {"pe-with-pins": pe_with_pins(),
                 "pins-text": b"kernel " + b"01" * 32 + b"\ninitrd " + b"02" * 32 + b"\n"},
    "fw_cfg": {"qemu-like": fw_cfg_dir(["bootorder", "etc/acpi/tables", "etc/e820", "opt/org.pvhboot/kernel"]),
               "empty": struct.pack(">I", 0)},
    "boot_options": {
        "basic": utf16("kernel=\\vmlinux initrd=\\initrd.img console=ttyS0\0"),
        "quotes": utf16('kernel="\\my dir\\vmlinux" -- initrd=x foo="a b" ..\\..\\x'),
        "relative": utf16("kernel=../linux/./vmlinux initrd=a initrd=b/c quiet"),
        "edk2-guid": bytes.fromhex("4eac0881119f594d850ee21a522c59b2"),
    },
    "boot_config": {
        "entry.conf": b"title Debian\nversion 6.1.0-28-cloud-amd64\nlinux /vmlinux\ninitrd /initrd.img\n"
                      b"options root=/dev/vda ro console=ttyS0\n",
        "loader.conf": b"\xef\xbb\xbftimeout 5\r\ndefault pvhboot-6.1*\r\neditor no\r\ntiming yes\r\n",
        "force.conf": b"timeout menu-force\nsort-key debian\noptions a\noptions b\n",
    },
    "device_path": {
        "ovmf-disk": device_path(64, DP_PCI_ROOT, DP_PCI, dp_hard_drive(), dp_file("\\EFI\\BOOT\\BOOTX64.EFI")),
        "two-files": device_path(20, dp_file("\\EFI\\pvhboot\\", False), dp_file("\\pvhboot.efi")),
        "mbr": device_path(8, DP_PCI_ROOT, dp_hard_drive(1, b"\x78\x56\x34\x12" + bytes(12)), dp_file("k")),
        "qemu-loader-fs": device_path(4, dp_node(0x04, 0x03, bytes.fromhex("72f728144ab61e44b8c39ebdd7f893c7"))),
    },
}


def main():
    for target, seeds in SEEDS.items():
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
