"""scripts/pvhimage.py, scripts/sign.sh and scripts/trust.mk on the host (no
QEMU): the PE32+ images they write, checked with a reader written here from
the PE/COFF specification (not pvhimage's own parser), with objdump and
with sbverify; clean refusals of broken PEs and bad input.

The QEMU side (the firmware verifying and pvhboot booting what these write)
is tests/integration/test_trust.py.
"""
import hashlib
import os
import re
import struct
import subprocess
import sys

import pytest

import pvhharness as H

PY = "/usr/bin/python3"
PVHIMAGE = os.path.join(H.SCRIPTS, "pvhimage.py")
SIGN = os.path.join(H.SCRIPTS, "sign.sh")
sys.path.insert(0, H.SCRIPTS)
import pvhimage as P  # noqa: E402

SNAKEOIL_CERT = "/usr/share/ovmf/PkKek-1-snakeoil.pem"


def run(argv, env=None, **kw):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([str(a) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, universal_newlines=True, env=e, timeout=120, **kw)


def pvhimage(*args):
    return run([PY, PVHIMAGE] + list(args))


def sha(b):
    return hashlib.sha256(b).hexdigest()


# --- an independent PE32+ reader (Microsoft PE/COFF specification) --------
class PE:
    def __init__(self, data):
        self.data = data
        pe = struct.unpack_from("<I", data, 0x3C)[0]
        assert data[pe:pe + 4] == b"PE\0\0"
        self.coff = pe + 4
        (self.machine, self.nsec, _, self.symptr, self.nsyms, self.optsize,
         _) = struct.unpack_from("<HHIIIHH", data, self.coff)
        self.opt = self.coff + 20
        o = self.opt
        self.magic = struct.unpack_from("<H", data, o)[0]
        self.size_of_init_data = struct.unpack_from("<I", data, o + 8)[0]
        self.salign, self.falign = struct.unpack_from("<II", data, o + 32)
        self.size_of_image, self.size_of_headers, self.checksum = struct.unpack_from("<III", data, o + 56)
        ndirs = struct.unpack_from("<I", data, o + 108)[0]
        self.dirs = [struct.unpack_from("<II", data, o + 112 + 8 * i) for i in range(ndirs)]
        self.table = o + self.optsize
        self.sections = []
        for i in range(self.nsec):
            name, vsize, va, rawsize, rawptr, _, _, _, _, flags = struct.unpack_from(
                "<8sIIIIIIHHI", data, self.table + 40 * i)
            self.sections.append(dict(name=name.rstrip(b"\0").decode(), vsize=vsize, va=va,
                                      rawsize=rawsize, rawptr=rawptr, flags=flags))

    def section(self, name):
        found = [s for s in self.sections if s["name"] == name]
        assert len(found) <= 1, "%d %s sections" % (len(found), name)
        return found[0] if found else None

    def content(self, name):
        s = self.section(name)
        return self.data[s["rawptr"]:s["rawptr"] + s["vsize"]]

    def names(self):
        return [s["name"] for s in self.sections]


def checksum(data, off):
    """CheckSumMappedFile, written out the slow, obvious way."""
    total, n = 0, len(data)
    data = data[:off] + b"\0\0\0\0" + data[off + 4:]
    if n % 2:
        data += b"\0"
    for (w,) in struct.iter_unpack("<H", data):
        total += w
        total = (total & 0xFFFF) + (total >> 16)
    return total + n


@pytest.fixture(scope="module")
def efi(pvhboot_efi):
    with open(pvhboot_efi, "rb") as f:
        return f.read()


@pytest.fixture
def files(tmp_path):
    """A fake kernel (any ELF) and initrds of sizes 6, 5 and 3 bytes."""
    d = {"kernel": tmp_path / "vmlinux", "i1": tmp_path / "a.img", "i2": tmp_path / "b.img",
         "i3": tmp_path / "c.img"}
    d["kernel"].write_bytes(b"\x7fELF" + bytes(range(256)) * 40)
    d["i1"].write_bytes(b"hello\n")
    d["i2"].write_bytes(b"abcde")
    d["i3"].write_bytes(b"xyz")
    return {k: str(v) for k, v in d.items()}


def check_valid(data, original):
    """Layout rules for an edited copy of original."""
    pe, orig = PE(data), PE(original)
    assert pe.checksum == checksum(data, pe.opt + 64), "CheckSum not recomputed"
    # The original sections are untouched, in place.
    for s in orig.sections:
        t = pe.section(s["name"])
        assert t == s
        assert data[t["rawptr"]:t["rawptr"] + t["rawsize"]] == original[s["rawptr"]:s["rawptr"] + s["rawsize"]]
    # Everything in the headers but the edited fields is as it was.
    assert data[:pe.coff + 2] == original[:orig.coff + 2]
    new = pe.sections[len(orig.sections):]
    prev_end = max(s["va"] + max(s["vsize"], s["rawsize"]) for s in orig.sections)
    for s in new:
        assert s["va"] % pe.salign == 0 and s["va"] >= prev_end, s
        assert s["rawsize"] % pe.falign == 0 and s["rawsize"] >= s["vsize"], s
        assert s["rawptr"] % pe.falign == 0, s
        assert s["flags"] == 0x40000040, s
        prev_end = s["va"] + max(s["vsize"], 1)
    assert pe.size_of_image % pe.salign == 0 and pe.size_of_image >= prev_end
    assert pe.size_of_init_data == orig.size_of_init_data + sum(s["rawsize"] for s in new)
    assert pe.table + 40 * pe.nsec <= min(s["rawptr"] for s in pe.sections if s["rawsize"])
    assert pe.dirs[4] == (0, 0), "certificate table left behind"
    # gnu-efi: relocations are applied by the image itself (_relocate over
    # .dynamic/.rela); the base relocation directory must be unchanged.
    assert pe.dirs[5] == orig.dirs[5]
    # The COFF symbol table objcopy leaves is kept, after the new sections.
    if orig.symptr:
        size = len(original) - orig.symptr
        assert pe.symptr >= max(s["rawptr"] + s["rawsize"] for s in pe.sections)
        assert data[pe.symptr:pe.symptr + size] == original[orig.symptr:]
    return pe


def objdump_sections(path):
    out = run(["objdump", "-h", path])
    assert out.returncode == 0, out.stderr
    rows = {}
    for m in re.finditer(r"^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)",
                         out.stdout, re.M):
        rows[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16))
    return rows


def test_checksum_matches_the_linker(efi):
    pe = PE(efi)
    assert P.pe_checksum(efi, pe.opt + 64) == pe.checksum == checksum(efi, pe.opt + 64)


def test_pin(efi, pvhboot_efi, files, tmp_path):
    out = str(tmp_path / "pinned.efi")
    r = pvhimage("pin", pvhboot_efi, out, "--kernel", files["kernel"], "--initrd", files["i1"],
                 "--initrd", files["i2"], "--cmdline", "console=ttyS0 root=/dev/vda1")
    assert r.returncode == 0, r.stderr
    data = open(out, "rb").read()
    pe = check_valid(data, efi)
    assert pe.names()[-1] == ".pvhpins"
    kernel, i1, i2 = (open(files[k], "rb").read() for k in ("kernel", "i1", "i2"))
    assert pe.content(".pvhpins").decode() == (
        "kernel %s\ninitrd %s\ninitrd %s\ncmdline %s\n"
        % (sha(kernel), sha(i1), sha(i2), sha(b"console=ttyS0 root=/dev/vda1")))
    s = pe.section(".pvhpins")
    assert objdump_sections(out)[".pvhpins"] == (s["vsize"], s["va"], s["rawptr"])
    shown = pvhimage("show", out)
    assert shown.returncode == 0 and "initrd %s" % sha(i2) in shown.stdout
    assert "CheckSum 0x%08x (correct)" % pe.checksum in shown.stdout


def test_image_payload(efi, pvhboot_efi, files, tmp_path):
    out = str(tmp_path / "image.efi")
    r = pvhimage("image", pvhboot_efi, out, "--kernel", files["kernel"], "--initrd", files["i1"],
                 "--initrd", files["i2"], "--initrd", files["i3"], "--cmdline", "console=ttyS0 quiet")
    assert r.returncode == 0, r.stderr
    pe = check_valid(open(out, "rb").read(), efi)
    assert pe.names()[-3:] == [".linux", ".initrd", ".cmdline"]
    assert pe.content(".linux") == open(files["kernel"], "rb").read()
    # 6 bytes + 2 of padding, 5 + 3, then the last one unpadded (pvhboot's rule).
    assert pe.content(".initrd") == b"hello\n\0\0abcde\0\0\0xyz"
    assert pe.content(".cmdline") == b"console=ttyS0 quiet"
    dump = objdump_sections(out)
    for name in (".linux", ".initrd", ".cmdline"):
        s = pe.section(name)
        assert dump[name] == (s["vsize"], s["va"], s["rawptr"]), name


def test_image_without_initrd_or_cmdline(efi, pvhboot_efi, files, tmp_path):
    out = str(tmp_path / "image.efi")
    r = pvhimage("image", pvhboot_efi, out, "--kernel", files["kernel"])
    assert r.returncode == 0, r.stderr
    pe = check_valid(open(out, "rb").read(), efi)
    assert pe.names()[-2:] == [".linux", ".cmdline"]
    # An empty .cmdline: no raw data, but pvhboot still finds the section.
    assert pe.section(".cmdline")["vsize"] == 0 and pe.section(".cmdline")["rawsize"] == 0


def test_replace_and_strip(efi, pvhboot_efi, files, tmp_path):
    a, b, c, d = (str(tmp_path / n) for n in ("a.efi", "b.efi", "c.efi", "d.efi"))
    assert pvhimage("image", pvhboot_efi, a, "--kernel", files["kernel"], "--initrd", files["i1"],
                    "--cmdline", "one").returncode == 0
    assert pvhimage("pin", a, b, "--kernel", files["kernel"], "--cmdline", "one").returncode == 0
    # Pinning again replaces .pvhpins; a new payload replaces the old one and
    # drops .initrd when none is given; the pins stay.
    assert pvhimage("pin", b, c, "--kernel", files["i3"], "--cmdline", "two").returncode == 0
    assert pvhimage("image", c, d, "--kernel", files["kernel"], "--cmdline", "three").returncode == 0
    pe = check_valid(open(d, "rb").read(), efi)
    assert pe.names()[len(PE(efi).sections):] == [".linux", ".cmdline", ".pvhpins"]
    assert pe.content(".cmdline") == b"three"
    assert pe.content(".pvhpins").decode().split("\n")[0] == "kernel " + sha(b"xyz")
    r = pvhimage("strip", d, str(tmp_path / "e.efi"))
    assert r.returncode == 0, r.stderr
    assert open(str(tmp_path / "e.efi"), "rb").read() == efi, "strip did not give back the original"


def test_cmdline_checks(pvhboot_efi, files, tmp_path):
    out = str(tmp_path / "x.efi")
    for bad, why in (("a\nb", "no control characters"), ("a\x01b", "no control characters"),
                     ("x" * 2048, "at most 2047"), ("\u00e9" * 1024, "at most 2047")):
        r = pvhimage("pin", pvhboot_efi, out, "--kernel", files["kernel"], "--cmdline", bad)
        assert r.returncode == 1 and why in r.stderr and not os.path.exists(out), r.stderr
    r = pvhimage("pin", pvhboot_efi, out, "--kernel", files["kernel"], "--cmdline", " a  b")
    assert r.returncode == 0 and "leading or trailing blanks" in r.stderr, r.stderr
    # pvhboot passes the kernel's words as written (issue 12): quotes, runs
    # of blanks, tabs and UTF-8 are pinned byte for byte, with no note.
    exact = 'acpi_osi="!Windows 2012"  "x" a="b c"d\tcaf\u00e9'
    r = pvhimage("pin", pvhboot_efi, out, "--kernel", files["kernel"], "--cmdline", exact)
    assert r.returncode == 0 and "note" not in r.stderr, r.stderr
    assert PE(open(out, "rb").read()).content(".pvhpins").decode().endswith(
        "cmdline %s\n" % sha(exact.encode("utf-8")))
    f = tmp_path / "cmdline.txt"
    f.write_text("console=ttyS0 x=1\n")
    r = pvhimage("pin", pvhboot_efi, out, "--kernel", files["kernel"], "--cmdline-file", str(f))
    assert r.returncode == 0, r.stderr
    assert PE(open(out, "rb").read()).content(".pvhpins").decode().endswith(
        "cmdline %s\n" % sha(b"console=ttyS0 x=1"))
    r = pvhimage("pin", pvhboot_efi, out, "--kernel", files["kernel"])
    assert r.returncode == 1 and "pin needs --cmdline" in r.stderr
    r = pvhimage("image", pvhboot_efi, out, "--kernel", files["i1"])
    assert r.returncode == 1 and "not an ELF file" in r.stderr
    r = pvhimage("pin", pvhboot_efi, out, "--kernel", str(tmp_path / "missing"), "--cmdline", "")
    assert r.returncode == 1 and "missing: No such file" in r.stderr


# --- broken PEs --------------------------------------------------------------
def build_pe(nsec=2, e_lfanew=0x80, size_of_headers=0x400, falign=0x200, salign=0x1000,
             names=None, tail=b"", magic=0x20B, machine=0x8664):
    """A small PE32+ image: nsec sections of one file-aligned block each."""
    if names is None:
        names = [".text", ".data", ".x", ".y", ".z"][:nsec]
    out = bytearray(size_of_headers)
    out[0:2] = b"MZ"
    struct.pack_into("<I", out, 0x3C, e_lfanew)
    out[e_lfanew:e_lfanew + 4] = b"PE\0\0"
    struct.pack_into("<HHIIIHH", out, e_lfanew + 4, machine, len(names), 0, 0, 0, 240, 0x206)
    opt = e_lfanew + 24
    struct.pack_into("<H", out, opt, magic)
    struct.pack_into("<II", out, opt + 32, salign, falign)
    struct.pack_into("<I", out, opt + 60, size_of_headers)
    struct.pack_into("<H", out, opt + 68, 10)
    struct.pack_into("<I", out, opt + 108, 16)
    va = salign
    for i, name in enumerate(names):
        rawptr = len(out)
        out += bytes([0x90 + i]) * falign
        struct.pack_into("<8sIIIIIIHHI", out, opt + 240 + 40 * i, name.encode(), falign, va,
                         falign, rawptr, 0, 0, 0, 0, 0x60000020 if i == 0 else 0xC0000040)
        va += salign
    struct.pack_into("<I", out, opt + 56, va)
    struct.pack_into("<I", out, opt + 8, falign * max(len(names) - 1, 0))
    out += tail
    return bytes(out)


def mutate(data, off, fmt, *values):
    b = bytearray(data)
    struct.pack_into(fmt, b, off, *values)
    return bytes(b)


def test_synthetic_pe_accepted(files, tmp_path):
    """Other alignments than gnu-efi's (FileAlignment 0x1000)."""
    src = tmp_path / "small.efi"
    data = build_pe(falign=0x1000, size_of_headers=0x1000)
    src.write_bytes(data)
    out = str(tmp_path / "out.efi")
    r = pvhimage("image", str(src), out, "--kernel", files["kernel"], "--initrd", files["i1"],
                 "--cmdline", "x")
    assert r.returncode == 0, r.stderr
    check_valid(open(out, "rb").read(), data)


ROOMLESS_LFANEW = 0x400 - 24 - 240 - 40 * 2 - 8      # 8 bytes left after the table

BROKEN = [
    ("empty", b"", "no MZ header"),
    ("mz-only", b"MZ" + b"\0" * 0x3E, "no PE signature"),
    ("lfanew-past-end", mutate(build_pe(), 0x3C, "<I", 0x7FFFFFF0), "no PE signature"),
    ("pe32", build_pe(magic=0x10B), "is not PE32+"),
    ("arm64", build_pe(machine=0xAA64), "is not x86-64"),
    ("no-sections", build_pe(names=[]), "has no sections"),
    ("table-past-headers", mutate(build_pe(), 0x80 + 6, "<H", 30), "section table (30 sections) runs past"),
    ("raw-past-eof", build_pe()[:-0x100], "outside the file"),
    ("bad-falign", mutate(build_pe(), 0x80 + 24 + 36, "<I", 0x300), "FileAlignment 0x300"),
    ("overlapping-va", mutate(build_pe(), 0x80 + 24 + 240 + 40 + 12, "<I", 0x1000),
     "overlaps the section before it"),
    ("small-size-of-image", mutate(build_pe(), 0x80 + 24 + 56, "<I", 0x2000),
     "SizeOfImage 0x2000 is smaller"),
    ("appended-data", build_pe(tail=b"overlay!"), "8 bytes of data after the last section"),
    ("cert-table-inside", mutate(build_pe(), 0x80 + 24 + 112 + 32, "<II", 0x400, 0x100), "certificate table"),
    ("own-section-in-middle", build_pe(nsec=3, names=[".text", ".pvhpins", ".data"]),
     "followed by other sections"),
    ("two-pin-sections", build_pe(nsec=3, names=[".text", ".pvhpins", ".pvhpins"]),
     "has 2 .pvhpins sections"),
    ("no-room-for-headers", build_pe(e_lfanew=ROOMLESS_LFANEW), "no room for 1 more section header"),
]


@pytest.mark.parametrize("case,data,expect", BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_pe_refused(case, data, expect, files, tmp_path):
    src = tmp_path / ("%s.efi" % case)
    src.write_bytes(data)
    out = tmp_path / "out.efi"
    for argv in (["pin", str(src), str(out), "--kernel", files["kernel"], "--cmdline", "x"],
                 ["list", str(src)]):
        if case == "no-room-for-headers" and argv[0] == "list":
            continue      # a valid image, only full
        r = pvhimage(*argv)
        lines = r.stderr.strip().split("\n")
        assert r.returncode == 1, (argv[0], r.stdout, r.stderr)
        assert len(lines) == 1 and lines[0].startswith("pvhimage: error: %s: " % src), r.stderr
        assert expect in lines[0], r.stderr
        assert "Traceback" not in r.stderr
        assert not out.exists() and not os.path.exists(str(out) + ".tmp")


# --- signing -----------------------------------------------------------------
@pytest.fixture(scope="module")
def trust_deps(test_deps):
    H.script("install-deps.sh", "trust")


def sbverify(path, cert=SNAKEOIL_CERT):
    return run(["sbverify", "--cert", cert, path])


def test_sign_pinned_image(trust_deps, efi, pvhboot_efi, files, tmp_path):
    pinned, signed = str(tmp_path / "pinned.efi"), str(tmp_path / "signed.efi")
    assert pvhimage("pin", pvhboot_efi, pinned, "--kernel", files["kernel"], "--cmdline", "x").returncode == 0
    assert sbverify(pinned).returncode != 0, "an unsigned image verified"
    r = run([SIGN, pinned, signed])
    assert r.returncode == 0, r.stderr
    assert sbverify(signed).returncode == 0
    # The signature covers the added section: change one pin digit.
    data = bytearray(open(signed, "rb").read())
    s = PE(bytes(data)).section(".pvhpins")
    data[s["rawptr"] + 7] ^= 1
    bad = str(tmp_path / "tampered.efi")
    open(bad, "wb").write(data)
    assert sbverify(bad).returncode != 0, "sbverify accepted a changed .pvhpins"
    # Editing a signed image drops its signature (with a note); re-signing works.
    again = str(tmp_path / "again.efi")
    r = pvhimage("pin", signed, again, "--kernel", files["kernel"], "--cmdline", "y")
    assert r.returncode == 0 and "signature is dropped" in r.stderr, r.stderr
    check_valid(open(again, "rb").read(), efi)
    assert sbverify(again).returncode != 0
    r = run([SIGN, again, signed])
    assert r.returncode == 0 and sbverify(signed).returncode == 0, r.stderr
    # Signing a signed image replaces its signature.
    r = run([SIGN, signed, again])
    assert r.returncode == 0 and sbverify(again).returncode == 0, r.stderr
    listing = run(["sbverify", "--list", again]).stdout
    assert re.findall(r"^signature \d+$", listing, re.M) == ["signature 1"], listing


def make_key(tmp_path, name, password=None):
    key, cert = str(tmp_path / (name + ".key")), str(tmp_path / (name + ".pem"))
    argv = ["openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-days", "1", "-subj",
            "/CN=pvhboot test %s" % name, "-keyout", key, "-out", cert]
    argv += ["-passout", "pass:" + password] if password else ["-nodes"]
    r = run(argv)
    assert r.returncode == 0, r.stderr
    return key, cert


def test_sign_with_own_keys(trust_deps, pvhboot_efi, tmp_path):
    out = str(tmp_path / "out.efi")
    key, cert = make_key(tmp_path, "plain")
    r = run([SIGN, pvhboot_efi, out], env={"SB_KEY": key, "SB_CERT": cert})
    assert r.returncode == 0, r.stderr
    assert sbverify(out, cert).returncode == 0 and sbverify(out).returncode != 0
    ekey, ecert = make_key(tmp_path, "encrypted", password="s3cret")
    r = run([SIGN, pvhboot_efi, out], env={"SB_KEY": ekey, "SB_CERT": ecert, "SB_PASS": "s3cret"})
    assert r.returncode == 0 and sbverify(out, ecert).returncode == 0, r.stderr
    # Wrong or missing passphrase: an error, never a prompt (stdin is closed
    # and run() would time out).
    os.unlink(out)
    for env in ({"SB_PASS": "wrong"}, {}):
        r = run([SIGN, pvhboot_efi, out], env=dict(env, SB_KEY=ekey, SB_CERT=ecert))
        assert r.returncode != 0 and "cannot read the key" in r.stderr and not os.path.exists(out)
    r = run([SIGN, pvhboot_efi, out], env={"SB_KEY": key, "SB_CERT": ecert})
    assert r.returncode != 0 and "is not the certificate of" in r.stderr


def make_cmd():
    """make with scripts/trust.mk, whether or not the Makefile includes it yet."""
    with open(os.path.join(H.REPO, "Makefile")) as f:
        included = "scripts/trust.mk" in f.read()
    return ["make", "-s", "-C", H.REPO] + ([] if included else ["-f", "Makefile", "-f", "scripts/trust.mk"])


def test_make_targets(trust_deps, efi, pvhboot_efi, files, tmp_path):
    pinned, signed, image = (str(tmp_path / n) for n in ("p.efi", "s.efi", "i.efi"))
    cmdline = 'console=ttyS0 a="b c" $HOME'
    r = run(make_cmd() + ["pin", "IN=" + pvhboot_efi, "KERNEL=" + files["kernel"], "INITRD=%s %s" % (files["i1"], files["i2"]),
                          "CMDLINE=" + cmdline.replace("$", "$$"), "OUT=" + pinned])
    assert r.returncode == 0, r.stdout + r.stderr
    pins = PE(open(pinned, "rb").read()).content(".pvhpins").decode().split("\n")
    assert pins[1] == "initrd " + sha(b"hello\n") and pins[3] == "cmdline " + sha(cmdline.encode())
    r = run(make_cmd() + ["sign", "IN=" + pinned, "OUT=" + signed])
    assert r.returncode == 0, r.stdout + r.stderr
    assert sbverify(signed).returncode == 0
    extra = "linux.example,2,Example,linux,6.1,https://example.org"
    r = run(make_cmd() + ["image", "IN=" + pvhboot_efi, "KERNEL=" + files["kernel"], "INITRD=" + files["i3"],
                          "CMDLINE=quiet", "OUT=" + image, "IMAGE_SBAT=" + extra])
    assert r.returncode == 0, r.stdout + r.stderr
    assert PE(open(image, "rb").read()).content(".cmdline") == b"quiet"
    assert PE(open(image, "rb").read()).content(".sbat") == PE(efi).content(".sbat") + (extra + "\n").encode()
    r = run(make_cmd() + ["show", "IN=" + image])
    assert r.returncode == 0 and ".cmdline 'quiet'" in r.stdout, r.stdout + r.stderr
    sbat = PE(open(image, "rb").read()).content(".sbat").decode()
    assert "SBAT (.sbat):\n" + "".join("  %s\n" % ln for ln in sbat.splitlines()) in r.stdout, r.stdout
    r = run(make_cmd() + ["pin", "IN=" + pvhboot_efi, "CMDLINE=x"])
    assert r.returncode != 0 and "KERNEL=path/to/vmlinux is required" in r.stdout + r.stderr
    r = run(make_cmd() + ["sign", "IN=" + str(tmp_path / "missing.efi")])
    assert r.returncode != 0 and "no such file" in r.stdout + r.stderr


# --- SBAT (shim's SBAT.md; docs/security.md "SBAT") -------------------------
SBAT_HEADER = "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md"


def makefile_generation():
    with open(os.path.join(H.REPO, "Makefile")) as f:
        m = re.search(r"^SBAT_GENERATION := (\d+)$", f.read(), re.M)
    assert m, "Makefile has no SBAT_GENERATION"
    return m.group(1)


def test_pvhboot_has_sbat(efi):
    """One .sbat section, as shim's verify_buffer_sbat() takes it: raw data at
    least VirtualSize, no relocations, readable initialized data, page aligned
    after the headers and inside SizeOfImage; the text is shim's header and
    pvhboot's line with the Makefile's generation, six fields each."""
    pe = PE(efi)
    s = pe.section(".sbat")
    assert s is not None, "pvhboot.efi has no .sbat section"
    assert s["rawsize"] >= s["vsize"] > 0
    assert s["flags"] == 0x40000040, hex(s["flags"])
    assert s["va"] % pe.salign == 0 and s["va"] >= pe.size_of_headers
    assert s["va"] + s["vsize"] <= pe.size_of_image
    i = pe.names().index(".sbat")
    nrelocs, ptr_relocs = struct.unpack_from("<HI", efi, pe.table + 40 * i + 32)[0], \
        struct.unpack_from("<I", efi, pe.table + 40 * i + 24)[0]
    assert nrelocs == 0 and ptr_relocs == 0
    for o in pe.sections:
        if o is not s:
            assert o["va"] + max(o["vsize"], 1) <= s["va"] or o["va"] >= s["va"] + s["vsize"], o
    raw = efi[s["rawptr"]:s["rawptr"] + s["rawsize"]]
    text = raw[:s["vsize"]].decode("ascii")
    assert b"\0" not in raw[:s["vsize"]] and raw[s["vsize"]:] == b"\0" * (s["rawsize"] - s["vsize"])
    lines = text.split("\n")
    assert lines[-1] == "" and lines[0] == SBAT_HEADER
    fields = lines[1].split(",")
    assert fields[:4] == ["pvhboot", makefile_generation(), "pvhboot", "pvhboot"], lines[1]
    assert all(len(ln.split(",")) == 6 and "" not in ln.split(",") for ln in lines[:-1]), lines
    with open(os.path.join(H.BUILD, "gen", "sbat.csv")) as f:
        assert f.read() == text


def test_sbat_in_images_and_strip(efi, pvhboot_efi, files, tmp_path):
    """pin/image keep pvhboot's .sbat where it is; image --sbat adds lines
    (relaid, still first of pvhboot's sections); strip keeps .sbat."""
    a, b, c = (str(tmp_path / n) for n in ("a.efi", "b.efi", "c.efi"))
    assert pvhimage("image", pvhboot_efi, a, "--kernel", files["kernel"], "--cmdline", "x").returncode == 0
    assert PE(open(a, "rb").read()).content(".sbat") == PE(efi).content(".sbat")
    line = "linux.example,3,Example,linux,6.1.0-1,https://example.org/linux"
    r = pvhimage("image", pvhboot_efi, b, "--kernel", files["kernel"], "--cmdline", "x", "--sbat", line)
    assert r.returncode == 0, r.stderr
    pe = PE(open(b, "rb").read())
    assert pe.content(".sbat") == PE(efi).content(".sbat") + (line + "\n").encode()
    assert pe.names()[-3:] == [".sbat", ".linux", ".cmdline"]
    assert pe.checksum == checksum(pe.data, pe.opt + 64)
    r = pvhimage("list", b)
    assert r.returncode == 0 and "  " + line + "\n" in r.stdout, r.stdout
    r = pvhimage("strip", b, c)
    assert r.returncode == 0, r.stderr
    pe = PE(open(c, "rb").read())
    assert pe.names()[-1] == ".sbat" and ".linux" not in pe.names()
    assert pe.content(".sbat").endswith((line + "\n").encode())


@pytest.mark.parametrize("line,expect", [
    ("linux,1,Example,linux,1.0", "needs 6 non-empty comma-separated fields"),
    ("linux,1,Example,linux,1.0,url,extra", "needs 6 non-empty comma-separated fields"),
    ("linux,1,Example,,1.0,url", "needs 6 non-empty comma-separated fields"),
    ("linux,0,Example,linux,1.0,url", "the generation must be a number >= 1"),
    ("linux,x,Example,linux,1.0,url", "the generation must be a number >= 1"),
    ("pvhboot,5,Example,pvhboot,1.0,url", "component pvhboot appears twice"),
    ("linux,1,Exämple,linux,1.0,url", "SBAT text is not ASCII"),
])
def test_bad_sbat_line_refused(pvhboot_efi, files, tmp_path, line, expect):
    out = str(tmp_path / "o.efi")
    r = pvhimage("image", pvhboot_efi, out, "--kernel", files["kernel"], "--sbat", line)
    assert r.returncode == 1 and expect in r.stderr, r.stderr
    assert r.stderr.startswith("pvhimage: error: --sbat: ") and r.stderr.count("\n") == 1, r.stderr
    assert not os.path.exists(out)
    r = pvhimage("sbat", "--generation", "1", "--version", "1.0", "--url", "u", "--line", line)
    assert r.returncode == 1 and expect in r.stderr and r.stdout == "", r.stderr


def test_sbat_generation_and_version_from_make(tmp_path):
    """The build step: SBAT_GENERATION/SBAT_VERSION/SBAT_URL/SBAT_EXTRA reach the
    text; a bad one stops the build."""
    r = pvhimage("sbat", "--generation", "7", "--version", "2.0", "--url", "https://example.org",
                 "--line", "pvhboot.example,1,Example,pvhboot,2.0-1,https://example.org/pvhboot")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (SBAT_HEADER + "\npvhboot,7,pvhboot,pvhboot,2.0,https://example.org\n"
                        "pvhboot.example,1,Example,pvhboot,2.0-1,https://example.org/pvhboot\n")
    r = pvhimage("sbat", "--generation", "1", "--version", "1,2", "--url", "u")
    assert r.returncode == 1 and "needs 6 non-empty" in r.stderr
