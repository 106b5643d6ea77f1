"""ovmf-vars/mkvars.py on the host (no QEMU): the variable store it writes,
checked field by field at the offsets edk2's headers give (not only through
mkvars.py's own parser), --dump, replacing existing entries, the shipped
demo stores, mkesp.sh's fixed GUIDs and OUT.part, efibootmgr's encoding of
the same entry, and clean failures on broken stores.
"""
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import uuid

import pytest

import pvhharness as H

VARSDIR = os.path.join(H.REPO, "ovmf-vars")
MKVARS = os.path.join(VARSDIR, "mkvars.py")
sys.path.insert(0, VARSDIR)
import mkvars as M  # noqa: E402

PY = "/usr/bin/python3"
VARS_4M = "/usr/share/OVMF/OVMF_VARS_4M.fd"
VARS_2M = "/usr/share/OVMF/OVMF_VARS.fd"
VARS_4M_MS = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
GLOBAL = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c")
PART_GUID = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
LOADER = "\\EFI\\pvhboot\\pvhboot.efi"
OPTIONS = "kernel=\\vmlinux initrd=\\initrd.img console=ttyS0"


def need(path):
    if not os.path.isfile(path):
        pytest.skip("%s is missing (Debian package ovmf)" % path)
    return path


def mkvars(*args):
    return subprocess.run([PY, MKVARS] + [str(a) for a in args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)


def generate(tmp_path, src, name="out.fd", options=OPTIONS, extra=()):
    out = str(tmp_path / name)
    p = mkvars("--in", src, "--out", out, "--part-guid", PART_GUID, "--part-start", 2048,
               "--part-size", 137216, "--loader", LOADER, "--options", options, *extra)
    assert p.returncode == 0, p.stderr
    with open(out, "rb") as f:
        return f.read(), p


def utf16z(s):
    return s.encode("utf-16-le") + b"\0\0"


def expected_boot0000(part_guid=PART_GUID, start=2048, size=137216, options=OPTIONS):
    """EFI_LOAD_OPTION written out by hand from UefiSpec.h and the UEFI
    spec's device path nodes."""
    hd = bytes([4, 1, 42, 0]) + struct.pack("<IQQ", 1, start, size) + part_guid.bytes_le + bytes([2, 2])
    path = utf16z(LOADER)
    fnode = bytes([4, 4]) + struct.pack("<H", 4 + len(path)) + path
    dp = hd + fnode + bytes([0x7F, 0xFF, 4, 0])
    return struct.pack("<IH", 1, len(dp)) + utf16z("pvhboot") + dp + utf16z(options)


def raw_variables(blob, start=0x64):
    """Walk AUTHENTICATED_VARIABLE_HEADERs by hand (60 bytes: StartId u16,
    State u8, Reserved u8, Attributes u32, MonotonicCount u64, TimeStamp[16],
    PubKeyIndex u32, NameSize u32, DataSize u32, VendorGuid[16])."""
    out = []
    off = start
    while struct.unpack_from("<H", blob, off)[0] == 0x55AA:
        sid, state, res, attrs, mono = struct.unpack_from("<HBBIQ", blob, off)
        ts = blob[off + 16:off + 32]
        pki, nsize, dsize = struct.unpack_from("<III", blob, off + 32)
        guid = uuid.UUID(bytes_le=blob[off + 44:off + 60])
        name = blob[off + 60:off + 60 + nsize]
        data = blob[off + 60 + nsize:off + 60 + nsize + dsize]
        out.append(dict(off=off, state=state, reserved=res, attrs=attrs, mono=mono, ts=ts,
                        pki=pki, name=name, guid=guid, data=data))
        off = (off + 60 + nsize + dsize + 3) & ~3
    return out, off


@pytest.mark.parametrize("src,store_end", [(VARS_4M, 0x40000), (VARS_2M, 0xE000)],
                         ids=["4M", "2M"])
def test_generated_store_fields(tmp_path, src, store_end):
    with open(need(src), "rb") as f:
        orig = f.read()
    blob, _ = generate(tmp_path, src)
    assert len(blob) == len(orig)
    # The input is an empty authenticated store right after a 0x48-byte FV header.
    assert blob[0x28:0x2C] == b"_FVH"
    assert uuid.UUID(bytes_le=blob[0x48:0x58]) == uuid.UUID("aaf32c78-947b-439a-a180-2e144ec37792")
    assert 0x48 + struct.unpack_from("<I", blob, 0x58)[0] == store_end
    vs, end = raw_variables(blob)
    assert [v["name"] for v in vs] == [utf16z("Boot0000"), utf16z("BootOrder")]
    for v in vs:
        assert v["off"] % 4 == 0
        assert (v["state"], v["reserved"], v["attrs"], v["mono"], v["ts"], v["pki"], v["guid"]) == \
            (0x3F, 0, 0x7, 0, bytes(16), 0, GLOBAL)
    assert vs[0]["off"] == 0x64
    assert vs[0]["data"] == expected_boot0000()
    assert vs[1]["data"] == b"\0\0"
    # Padding and free space stay erased; nothing else in the file changed.
    assert set(blob[end:store_end]) == {0xFF}
    assert blob[:0x64] == orig[:0x64] and blob[store_end:] == orig[store_end:]
    assert set(orig[0x64:store_end]) == {0xFF}


def test_dump_decodes_entry(tmp_path):
    generate(tmp_path, need(VARS_4M))
    p = mkvars("--dump", tmp_path / "out.fd")
    assert p.returncode == 0, p.stderr
    text = p.stdout
    assert "2 valid variable(s)" in text
    assert "Boot0000     8be4df61-93ca-11d2-aa0d-00e098032b8c (EFI_GLOBAL_VARIABLE)  attr 0x7 " \
           "(NV+BS+RT)  220 bytes" in text
    assert "    attributes  0x1 (ACTIVE)\n" in text
    assert "    description 'pvhboot'\n" in text
    assert "    path        HD(1,GPT,%s,0x800,0x21800)/\\EFI\\pvhboot\\pvhboot.efi\n" \
        % str(PART_GUID).upper() in text
    assert "    optional    98 bytes, UTF-16LE NUL-terminated: %r\n" % OPTIONS in text
    assert "BootOrder" in text and "    0000\n" in text


def test_parser_fields_match(tmp_path):
    blob, _ = generate(tmp_path, need(VARS_4M))
    st = M.Store(blob)
    assert st.auth and st.store_size == 0x3FFB8 and st.free_clean and not st.ftw_pending
    boot = st.find("Boot0000")
    lo = M.parse_load_option(boot.data)
    assert lo["attributes"] == M.LOAD_OPTION_ACTIVE
    assert lo["description"] == "pvhboot"
    (t0, s0, hd), (t1, s1, fpath), (t2, s2, _) = lo["path"]
    assert (t0, s0, len(hd) + 4, t1, s1, t2, s2) == (4, 1, 42, 4, 4, 0x7F, 0xFF)
    num, start, size, sig, mbr, sigtype = struct.unpack("<IQQ16sBB", hd)
    assert (num, start, size, uuid.UUID(bytes_le=sig), mbr, sigtype) == (1, 2048, 137216, PART_GUID, 2, 2)
    assert fpath.decode("utf-16-le") == LOADER + "\0"
    assert lo["optional"] == utf16z(OPTIONS)
    assert st.find("BootOrder").data == struct.pack("<H", 0)


def test_deterministic_and_library_equals_cli(tmp_path):
    a, _ = generate(tmp_path, need(VARS_4M), "a.fd")
    b, _ = generate(tmp_path, VARS_4M, "b.fd")
    assert a == b
    with open(VARS_4M, "rb") as f:
        lib, _ = M.build(f.read(), VARS_4M, PART_GUID, 2048, 137216, LOADER, OPTIONS)
    assert lib == a


def test_loader_path_forward_slashes(tmp_path):
    out = str(tmp_path / "s.fd")
    p = mkvars("--in", need(VARS_4M), "--out", out, "--part-guid", PART_GUID, "--part-start", 2048,
               "--part-size", 137216, "--loader", "EFI/pvhboot/pvhboot.efi", "--options", OPTIONS, "-q")
    assert p.returncode == 0 and p.stdout == "" and p.stderr == ""
    with open(out, "rb") as f:
        assert M.Store(f.read()).find("Boot0000").data == expected_boot0000()


def test_replaces_existing_and_keeps_boot_order(tmp_path):
    """Old Boot0000/BootOrder copies are marked deleted (State 0x3D), the
    new ones appended; other BootOrder entries stay after 0000, in order."""
    with open(need(VARS_4M), "rb") as f:
        base = M.Store(f.read(), "base")
    other = M.load_option("other", M.hd_node(1, 2048, 100, uuid.uuid4()) + M.file_node("\\x.efi")
                          + M.END_NODE, b"")
    seeded = M.set_variables(base, [
        ("Boot0003", GLOBAL, 7, other),
        ("Boot0000", GLOBAL, 7, other),
        ("BootOrder", GLOBAL, 7, struct.pack("<3H", 3, 0, 1)),
    ])
    src = str(tmp_path / "seeded.fd")
    with open(src, "wb") as f:
        f.write(seeded)
    blob, _ = generate(tmp_path, src)
    vs, _ = raw_variables(blob)
    states = [(v["name"].decode("utf-16-le").rstrip("\0"), v["state"]) for v in vs]
    assert states == [("Boot0003", 0x3F), ("Boot0000", 0x3D), ("BootOrder", 0x3D),
                      ("Boot0000", 0x3F), ("BootOrder", 0x3F)]
    st = M.Store(blob)
    assert st.find("Boot0000").data == expected_boot0000()
    assert st.find("BootOrder").data == struct.pack("<3H", 0, 3, 1)
    assert st.find("Boot0003").data == other
    # Again on its own output: one live copy each, no duplicate in BootOrder.
    again = str(tmp_path / "again.fd")
    shutil.copyfile(str(tmp_path / "out.fd"), again)
    blob2, _ = generate(tmp_path, again, "again.fd")
    st2 = M.Store(blob2)
    assert [v.name for v in st2.valid_variables()] == ["Boot0003", "Boot0000", "BootOrder"]
    assert st2.find("BootOrder").data == struct.pack("<3H", 0, 3, 1)


def test_store_with_many_variables(tmp_path):
    """Debian's Secure Boot store (PK, KEK, db, deleted copies, a UiApp
    Boot0000): every other live variable is kept as it was."""
    with open(need(VARS_4M_MS), "rb") as f:
        orig = M.Store(f.read(), "ms")
    blob, _ = generate(tmp_path, VARS_4M_MS)
    st = M.Store(blob)
    keep = lambda s: sorted((v.name, v.guid, v.attributes, v.data) for v in s.valid_variables()
                            if v.name not in ("Boot0000", "BootOrder"))
    assert keep(st) == keep(orig) and len(keep(st)) > 20
    assert st.find("Boot0000").data == expected_boot0000()
    assert st.find("PK", GLOBAL) is not None


def test_params_and_part_file(tmp_path):
    part = tmp_path / "esp.img.part"
    part.write_text("guid=%s\nstart=4096\nsize=999\nnumber=1\ndisk_guid=%s\n" % (PART_GUID, uuid.uuid4()))
    params = tmp_path / "p.params"
    params.write_text("# comment\npart_guid=%s\npart_start=1\npart_size=2\nloader=%s\noptions=%s\n"
                      % (uuid.uuid4(), LOADER, OPTIONS))
    out = str(tmp_path / "o.fd")
    p = mkvars("--params", params, "--part-file", part, "--in", need(VARS_2M), "--out", out, "-q")
    assert p.returncode == 0, p.stderr
    with open(out, "rb") as f:
        assert M.Store(f.read()).find("Boot0000").data == expected_boot0000(start=4096, size=999)


def shipped_params():
    return M.read_keyvals(os.path.join(VARSDIR, "demo.params"))


@pytest.mark.parametrize("variant", ["4M", "2M"])
def test_shipped_demo_store_is_current(variant):
    """ovmf-vars/pvhboot-demo-*.fd equal what mkvars.py makes now from
    demo.params (byte for byte)."""
    p = shipped_params()
    src = need(p["source_" + variant])
    with open(src, "rb") as f:
        blob = f.read()
    if hashlib.sha256(blob).hexdigest() != p["source_%s_sha256" % variant]:
        pytest.skip("%s is not the file the shipped store was made from (sha256 differs from "
                    "demo.params): run ovmf-vars/regenerate.sh" % src)
    out, new = M.build(blob, src, M.parse_guid(p["part_guid"]), int(p["part_start"]),
                       int(p["part_size"]), p["loader"], p["options"],
                       part_number=int(p["part_number"]), description=p["description"],
                       boot_number=int(p["boot_number"], 16))
    with open(os.path.join(VARSDIR, "pvhboot-demo-%s.fd" % variant), "rb") as f:
        shipped = f.read()
    assert shipped == out, "shipped store is stale: run ovmf-vars/regenerate.sh"
    assert int(p["part_size"]) == int(p["esp_size_mib"]) * 2048
    assert p["options"] == OPTIONS
    lo = M.parse_load_option(M.Store(shipped).find("Boot0000").data)
    assert M.device_path_text(lo["path"]) == "HD(1,GPT,%s,0x800,0x%X)/%s" % (
        p["part_guid"].upper(), int(p["part_size"]), LOADER)


def test_regenerate_check():
    p = subprocess.run([os.path.join(VARSDIR, "regenerate.sh"), "--check"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if "differs from demo.params" in p.stdout:
        pytest.skip("Debian's OVMF_VARS changed: " + p.stdout)
    assert p.returncode == 0, p.stdout


def test_mkesp_fixed_guids_and_part_file(test_deps, tmp_path):
    src = tmp_path / "f.txt"
    src.write_text("x\n")
    disk, part = uuid.uuid4(), uuid.uuid4()
    img = str(tmp_path / "esp.img")
    env = dict(os.environ, DISK_GUID=str(disk), PART_GUID=str(part).upper(), ESP_SIZE_MIB="8")
    subprocess.run([os.path.join(H.SCRIPTS, "mkesp.sh"), img, "%s=/EFI/x/f.txt" % src], env=env,
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    rec = M.read_keyvals(img + ".part")
    assert rec == {"guid": str(part), "start": "2048", "size": str(8 * 2048), "number": "1",
                   "disk_guid": str(disk)}
    with open(img, "rb") as f:
        d = f.read()
    hdr = d[512:1024]
    assert hdr[:8] == b"EFI PART" and uuid.UUID(bytes_le=hdr[56:72]) == disk
    first, last = struct.unpack_from("<QQ", d, 1024 + 32)
    assert uuid.UUID(bytes_le=d[1024 + 16:1024 + 32]) == part
    assert (first, last - first + 1) == (2048, 8 * 2048)
    # Without the variables: random GUIDs, a fresh record.
    subprocess.run([os.path.join(H.SCRIPTS, "mkesp.sh"), img, "%s=/f.txt" % src], check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   env={k: v for k, v in os.environ.items() if k not in ("DISK_GUID", "PART_GUID")})
    assert M.read_keyvals(img + ".part")["guid"] != str(part)
    bad = subprocess.run([os.path.join(H.SCRIPTS, "mkesp.sh"), str(tmp_path / "bad.img"),
                          "%s=/f.txt" % src], env=dict(os.environ, PART_GUID="not-a-guid"),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert bad.returncode != 0 and "PART_GUID='not-a-guid' is not a GUID" in bad.stdout
    assert not os.path.exists(str(tmp_path / "bad.img")) and \
        not os.path.exists(str(tmp_path / "bad.img.part"))


def test_efibootmgr_writes_the_same_entry(test_deps, tmp_path):
    """efibootmgr --create ... --unicode 'OPTIONS' (Debian's efibootmgr 17 +
    libefivar 37) writes the same Boot0000 as mkvars.py except the NUL
    after the options: mkvars.py terminates them, efibootmgr does not.
    Runs only where efibootmgr is installed and a loop device can be set
    up (efivarfs faked with EFIVARFS_PATH)."""
    if not shutil.which("efibootmgr") or not shutil.which("losetup"):
        pytest.skip("efibootmgr or losetup not installed")
    src = tmp_path / "f.txt"
    src.write_text("x\n")
    img = str(tmp_path / "esp.img")
    subprocess.run([os.path.join(H.SCRIPTS, "mkesp.sh"), img, "%s=/f.txt" % src], check=True,
                   env=dict(os.environ, PART_GUID=str(PART_GUID), ESP_SIZE_MIB="67"),
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lo = subprocess.run(["losetup", "-f", "--show", "-r", img], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, universal_newlines=True)
    if lo.returncode != 0:
        pytest.skip("no loop device: " + lo.stderr.strip())
    dev = lo.stdout.strip()
    efivars = tmp_path / "efivars"
    efivars.mkdir()
    try:
        p = subprocess.run(["efibootmgr", "-q", "--create", "--disk", dev, "--part", "1",
                            "--loader", LOADER, "--label", "pvhboot", "--unicode", OPTIONS],
                           env=dict(os.environ, EFIVARFS_PATH=str(efivars) + "/"),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    finally:
        subprocess.run(["losetup", "-d", dev])
    assert p.returncode == 0, p.stdout
    with open(str(efivars / ("Boot0000-%s" % GLOBAL)), "rb") as f:
        ebm = f.read()
    attrs, data = struct.unpack_from("<I", ebm)[0], ebm[4:]
    assert attrs == 7
    assert data + b"\0\0" == expected_boot0000(size=67 * 2048)
    assert M.parse_load_option(data)["optional"] == OPTIONS.encode("utf-16-le")


# --- broken stores ---------------------------------------------------------
def _patch(blob, off, new):
    b = bytearray(blob)
    b[off:off + len(new)] = new
    return bytes(b)


def _fix_fv_checksum(blob):
    b = bytearray(blob)
    struct.pack_into("<H", b, 0x32, 0)
    s = sum(struct.unpack_from("<36H", b, 0)) & 0xFFFF
    struct.pack_into("<H", b, 0x32, (0x10000 - s) & 0xFFFF)
    return bytes(b)


def _broken_cases():
    with open(VARS_4M, "rb") as f:
        good = f.read()
    gen, _ = M.build(good, "x", PART_GUID, 2048, 8, LOADER, OPTIONS)
    first = 0x64
    name_size_off = first + 36
    pending_ftw = bytearray(good)
    # A write header right after the FTW working block header: allocated
    # (bit 0 clear), not complete (bit 2 set).
    pending_ftw[0x41020] = 0xFE
    return [
        ("empty", b"", "too small"),
        ("truncated", good[:0x50], "too small"),
        ("not-a-volume", b"\0" * 4096, "no firmware volume signature"),
        ("wrong-fs-guid", _fix_fv_checksum(_patch(good, 0x10, uuid.uuid4().bytes_le)),
         "not an NV variable volume"),
        ("bad-checksum", _patch(good, 0x32, b"\x00\x00"), "checksum is wrong"),
        ("fv-length-too-big", _fix_fv_checksum(_patch(good, 0x20, struct.pack("<Q", 1 << 40))),
         "does not fit"),
        ("bad-store-signature", _patch(good, 0x48, uuid.uuid4().bytes_le),
         "neither gEfiAuthenticatedVariableGuid"),
        ("store-not-healthy", _patch(good, 0x5D, b"\xfc"), "not formatted and healthy"),
        ("store-too-big", _patch(good, 0x58, struct.pack("<I", 0x90000)), "does not fit"),
        ("name-size-past-end", _patch(gen, name_size_off, struct.pack("<I", 0x7FFFFFF0)),
         "run past the end of the store"),
        ("data-size-past-end", _patch(gen, name_size_off + 4, struct.pack("<I", 0x3FFFF)),
         "run past the end of the store"),
        ("name-not-terminated", _patch(gen, first + 60 + 16, b"X\0"),
         "not a NUL-terminated UTF-16 string"),
        ("odd-name-size", _patch(gen, name_size_off, struct.pack("<I", 17)),
         "not a NUL-terminated UTF-16 string"),
        ("garbage-in-free-space", _patch(good, 0x1000, b"\x00"), "not erased"),
        ("pending-ftw-write", bytes(pending_ftw), "pending write"),
    ]


@pytest.mark.parametrize("case", range(15), ids=lambda i: ["empty", "truncated", "not-a-volume",
                         "wrong-fs-guid", "bad-checksum", "fv-length-too-big",
                         "bad-store-signature", "store-not-healthy", "store-too-big",
                         "name-size-past-end", "data-size-past-end", "name-not-terminated",
                         "odd-name-size", "garbage-in-free-space", "pending-ftw-write"][i])
def test_broken_store_fails_cleanly(tmp_path, case):
    need(VARS_4M)
    name, blob, expect = _broken_cases()[case]
    src = str(tmp_path / ("%s.fd" % name))
    with open(src, "wb") as f:
        f.write(blob)
    out = str(tmp_path / "out.fd")
    p = mkvars("--in", src, "--out", out, "--part-guid", PART_GUID, "--part-start", 2048,
               "--part-size", 8, "--options", OPTIONS)
    assert p.returncode == 1, (p.stdout, p.stderr)
    lines = p.stderr.strip().split("\n")
    assert len(lines) == 1 and lines[0].startswith("mkvars.py: error: %s: " % src), p.stderr
    assert expect in lines[0]
    assert "Traceback" not in p.stderr
    assert not os.path.exists(out) and not os.path.exists(out + ".tmp")
    d = mkvars("--dump", src)
    if name == "garbage-in-free-space" or name == "pending-ftw-write":
        # Readable, with a warning: only writing into it is refused.
        assert d.returncode == 0 and ("WARNING" in d.stdout or "PENDING" in d.stdout)
    else:
        assert d.returncode == 1 and d.stderr.startswith("mkvars.py: error: ") and \
            "Traceback" not in d.stderr


@pytest.mark.parametrize("options,expect", [
    ("kernel=\\vmlinux\x01", "control character U+0001"),
    ("\u00e9t\u00e9 kernel=\\vmlinux", "must begin with an ASCII word"),
    ("kernel=\\vmlinux x=\U0001F600", "outside the Basic Multilingual Plane"),
    ("kernel=\\vmlinux " + "a" * 5000, "PcdMaxVariableSize"),
], ids=["control", "non-ascii-first", "astral", "too-big"])
def test_bad_options_fail_cleanly(tmp_path, options, expect):
    out = str(tmp_path / "out.fd")
    p = mkvars("--in", need(VARS_2M), "--out", out, "--part-guid", PART_GUID, "--part-start", 2048,
               "--part-size", 8, "--options", options)
    assert p.returncode == 1 and expect in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert not os.path.exists(out)


def test_missing_arguments():
    p = mkvars("--in", "x", "--out", "y")
    assert p.returncode == 2 and "missing --part-guid, --part-start, --part-size, --options" in p.stderr
    p = mkvars("--dump", "/nonexistent/vars.fd")
    assert p.returncode == 1 and "No such file" in p.stderr


# --- shim's variables: MokList, SbatLevel -----------------------------------
SHIM_LOCK = uuid.UUID("605dab50-e046-4300-abb6-3dd810dd8b23")
CERT_X509 = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072")
SNAKEOIL_PEM = "/usr/share/ovmf/PkKek-1-snakeoil.pem"
SBAT = "sbat,1,2099010100\\npvhboot,2\\n"            # as typed: \n escapes
SBAT_BYTES = b"sbat,1,2099010100\npvhboot,2\n"


def openssl(*args, data=None):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed (scripts/install-deps.sh trust)")
    p = subprocess.run(["openssl"] + [str(a) for a in args], input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=True)
    return p.stdout


def der_of(pem):
    """The DER bytes of a PEM certificate, by openssl (not mkvars.py's decoder)."""
    return openssl("x509", "-in", pem, "-outform", "DER")


def new_cert(tmp_path, name, cn):
    """A self-signed RSA certificate (PEM) and its key, made with openssl."""
    key, crt = tmp_path / (name + ".key"), tmp_path / (name + ".pem")
    openssl("req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
            "-subj", "/O=pvhboot tests/CN=%s" % cn, "-keyout", key, "-out", crt)
    return str(crt)


def esl_by_hand(der):
    """EFI_SIGNATURE_LIST (ImageAuthentication.h) with one X.509 entry,
    written out field by field: SignatureType, SignatureListSize,
    SignatureHeaderSize 0, SignatureSize, then SignatureOwner + DER."""
    return (CERT_X509.bytes_le + struct.pack("<I", 28 + 16 + len(der)) + struct.pack("<I", 0) +
            struct.pack("<I", 16 + len(der)) + SHIM_LOCK.bytes_le + der)


def live(blob):
    """{name: raw variable} of the VAR_ADDED variables (walked by hand)."""
    vs, _ = raw_variables(blob)
    return {v["name"].decode("utf-16-le").rstrip("\0"): v for v in vs if v["state"] == 0x3F}


def shim_store(tmp_path, *args, src=VARS_4M_MS, name="shim.fd"):
    out = str(tmp_path / name)
    p = mkvars("--in", need(src), "--out", out, *args)
    assert p.returncode == 0, p.stderr
    with open(out, "rb") as f:
        return f.read(), p


def test_mok_cert_alone_exact_bytes(tmp_path):
    """--mok-cert without any boot entry option: only MokList is added, at
    the end of the store, NV+BS (0x3, no RT: shim deletes a MokList with RT),
    SHIM_LOCK GUID, one X.509 signature list holding openssl's DER of the
    PEM; every other byte of the store is as it was."""
    with open(need(VARS_4M_MS), "rb") as f:
        orig = f.read()
    blob, p = shim_store(tmp_path, "--mok-cert", SNAKEOIL_PEM, "-q")
    assert p.stdout == "" and p.stderr == ""
    vs, end = raw_variables(blob)
    ovs, oend = raw_variables(orig)
    assert vs[:-1] == ovs and vs[-1]["off"] == oend
    m = vs[-1]
    assert m["name"] == utf16z("MokList")
    assert (m["state"], m["reserved"], m["attrs"], m["mono"], m["ts"], m["pki"], m["guid"]) == \
        (0x3F, 0, 0x3, 0, bytes(16), 0, SHIM_LOCK)
    assert m["data"] == esl_by_hand(der_of(SNAKEOIL_PEM))
    assert blob[:oend] == orig[:oend] and set(blob[end:0x40000]) == {0xFF}
    assert blob[0x40000:] == orig[0x40000:]
    assert "Boot0000" in live(blob) and live(blob)["Boot0000"] == live(orig)["Boot0000"]


def test_mok_cert_der_pem_and_several(tmp_path):
    """DER and PEM give the same MokList; several --mok-cert, or a PEM file
    with several CERTIFICATE blocks, give one signature list per
    certificate, in the order given."""
    other = new_cert(tmp_path, "other", "other key")
    der = tmp_path / "snakeoil.der"
    der.write_bytes(der_of(SNAKEOIL_PEM))
    a, _ = shim_store(tmp_path, "--mok-cert", SNAKEOIL_PEM, "-q", name="a.fd")
    b, _ = shim_store(tmp_path, "--mok-cert", der, "-q", name="b.fd")
    assert a == b
    two = esl_by_hand(der_of(SNAKEOIL_PEM)) + esl_by_hand(der_of(other))
    c, _ = shim_store(tmp_path, "--mok-cert", SNAKEOIL_PEM, "--mok-cert", other, "-q", name="c.fd")
    assert live(c)["MokList"]["data"] == two
    both = tmp_path / "both.pem"
    both.write_bytes(open(SNAKEOIL_PEM, "rb").read().replace(b"\n", b"\r\n") + open(other, "rb").read())
    d, _ = shim_store(tmp_path, "--mok-cert", both, "-q", name="d.fd")
    assert d == c
    lists = M.parse_signature_lists(live(c)["MokList"]["data"])
    assert [(t, h, [(o, len(s)) for o, s in sigs]) for t, h, sigs in lists] == \
        [(CERT_X509, b"", [(SHIM_LOCK, len(der_of(SNAKEOIL_PEM)))]),
         (CERT_X509, b"", [(SHIM_LOCK, len(der_of(other)))])]


@pytest.mark.parametrize("text", [SBAT, "sbat,1,2099010100\\npvhboot,2", "sbat,1,2099010100\npvhboot,2\n"],
                         ids=["escaped", "no-final-newline", "real-newlines"])
def test_sbat_level_exact_bytes(tmp_path, text):
    """SbatLevel: SHIM_LOCK, NV+BS (0x3), the text as ASCII with no NUL and
    a final newline (shim's own payloads end in one)."""
    blob, _ = shim_store(tmp_path, "--sbat-level", text, "-q", src=VARS_4M)
    vs, _ = raw_variables(blob)
    assert [v["name"] for v in vs] == [utf16z("SbatLevel")]
    v = vs[0]
    assert (v["state"], v["attrs"], v["guid"], v["data"]) == (0x3F, 0x3, SHIM_LOCK, SBAT_BYTES)


def test_shim_vars_with_boot_entry(tmp_path):
    """Boot entry and shim's variables in one run: Boot0000, BootOrder,
    MokList, SbatLevel, each the only live copy; the entry as without them."""
    blob, _ = generate(tmp_path, need(VARS_4M), extra=("--mok-cert", SNAKEOIL_PEM, "--sbat-level", SBAT))
    vs, _ = raw_variables(blob)
    assert [(v["name"], v["attrs"], v["guid"]) for v in vs] == [
        (utf16z("Boot0000"), 7, GLOBAL), (utf16z("BootOrder"), 7, GLOBAL),
        (utf16z("MokList"), 3, SHIM_LOCK), (utf16z("SbatLevel"), 3, SHIM_LOCK)]
    assert vs[0]["data"] == expected_boot0000()
    assert vs[2]["data"] == esl_by_hand(der_of(SNAKEOIL_PEM)) and vs[3]["data"] == SBAT_BYTES
    with open(VARS_4M, "rb") as f:
        lib, _ = M.build(f.read(), VARS_4M, PART_GUID, 2048, 137216, LOADER, OPTIONS,
                         mok_certs=[der_of(SNAKEOIL_PEM)], sbat_level=SBAT_BYTES)
    assert lib == blob
    # A boot entry option without the rest is still an error.
    p = mkvars("--in", VARS_4M, "--out", tmp_path / "x.fd", "--mok-cert", SNAKEOIL_PEM,
               "--part-guid", PART_GUID)
    assert p.returncode == 2 and "missing --part-start, --part-size, --options" in p.stderr
    assert not os.path.exists(str(tmp_path / "x.fd"))


def test_shim_vars_replace_older_copies(tmp_path):
    """Written again with other values: the old MokList and SbatLevel are
    marked deleted (0x3D), the new ones are the live copies."""
    other = new_cert(tmp_path, "other", "replacement")
    first, _ = shim_store(tmp_path, "--mok-cert", SNAKEOIL_PEM, "--sbat-level", SBAT, "-q", src=VARS_4M)
    second, _ = shim_store(tmp_path, "--in", str(tmp_path / "shim.fd"), "--mok-cert", other,
                           "--sbat-level", "sbat,1,2099010100\\npvhboot,1\\n", "-q", src=VARS_4M,
                           name="second.fd")
    vs, _ = raw_variables(second)
    assert [(v["name"].decode("utf-16-le").rstrip("\0"), v["state"]) for v in vs] == \
        [("MokList", 0x3D), ("SbatLevel", 0x3D), ("MokList", 0x3F), ("SbatLevel", 0x3F)]
    assert live(second)["MokList"]["data"] == esl_by_hand(der_of(other))
    assert live(second)["SbatLevel"]["data"] == b"sbat,1,2099010100\npvhboot,1\n"


def test_dump_decodes_signature_lists_and_sbat_level(tmp_path):
    """--dump names each certificate of db, KEK, PK and MokList by its
    subject (as openssl -nameopt oneline,-space_eq prints it) and the
    SHA-256 of its DER, dbx's hash, and SbatLevel's lines."""
    shim_store(tmp_path, "--mok-cert", SNAKEOIL_PEM, "--sbat-level", SBAT, "-q")
    p = mkvars("--dump", tmp_path / "shim.fd")
    assert p.returncode == 0, p.stderr
    text = p.stdout
    with open(str(tmp_path / "shim.fd"), "rb") as f:
        st = M.Store(f.read())
    certs = []
    for name, guid in (("db", uuid.UUID("d719b2cb-3d3a-4596-a3bc-dad00e67656f")), ("KEK", GLOBAL),
                       ("PK", GLOBAL), ("MokList", SHIM_LOCK)):
        for t, _h, sigs in M.parse_signature_lists(st.find(name, guid).data):
            certs += [s for _o, s in sigs if t == CERT_X509]
    assert len(certs) == 6
    for der in certs:
        subj = openssl("x509", "-inform", "DER", "-noout", "-subject", "-nameopt", "oneline,-space_eq",
                       data=der).decode().strip()
        assert subj.startswith("subject=")
        line = "    x509 %s (sha256 %s) owner " % (subj[len("subject="):], hashlib.sha256(der).hexdigest())
        assert line in text, line
    assert ("MokList      605dab50-e046-4300-abb6-3dd810dd8b23 (SHIM_LOCK)  attr 0x3 (NV+BS)  %d bytes"
            % (28 + 16 + len(der_of(SNAKEOIL_PEM)))) in text
    assert "    x509 C=US, ST=Colorado, L=Fort Collins, O=SnakeOil (sha256 282e8130b7070f107aaecc25d3992ca" \
           "4440270860b09088792a5075fab0d13f8) owner 605dab50-e046-4300-abb6-3dd810dd8b23 (SHIM_LOCK)\n" in text
    assert "    sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 owner " in text
    assert "SbatLevel    605dab50-e046-4300-abb6-3dd810dd8b23 (SHIM_LOCK)  attr 0x3 (NV+BS)  28 bytes" \
           in text
    assert "(NV+BS)  28 bytes  @0x%x\n    sbat,1,2099010100\n    pvhboot,2\n" % live(
        open(str(tmp_path / "shim.fd"), "rb").read())["SbatLevel"]["off"] in text


def test_shim_warnings(tmp_path):
    """An SbatLevel older than Debian's shim 16.1's own, and a certificate
    with the module-signing EKU, are written but warned about."""
    _, p = shim_store(tmp_path, "--sbat-level", "sbat,1,2024010100\\n", src=VARS_4M)
    assert "mkvars.py: warning: SbatLevel: datestamp 2024010100 is older than the one built into " \
           "Debian's shim 16.1 (2025021800): that shim replaces it with its own" in p.stderr
    _, p = shim_store(tmp_path, "--sbat-level", SBAT, "--mok-cert", SNAKEOIL_PEM, src=VARS_4M, name="new.fd")
    assert "mkvars.py: warning:" not in p.stderr
    # A certificate with the module-signing EKU, which shim refuses in a signer.
    key, crt = tmp_path / "modsign.key", tmp_path / "modsign.pem"
    openssl("req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=modsign",
            "-addext", "extendedKeyUsage=1.3.6.1.4.1.2312.16.1.2", "-keyout", key, "-out", crt)
    _, p = shim_store(tmp_path, "--mok-cert", crt, src=VARS_4M, name="eku.fd")
    assert "mkvars.py: warning: MokList: CN=modsign carries the module-signing EKU " \
           "1.3.6.1.4.1.2312.16.1.2; shim refuses images signed with it" in p.stderr


def _bad_shim_inputs(tmp_path):
    key = tmp_path / "key.pem"
    key.write_text(open(SNAKEOIL_PEM).read().replace("CERTIFICATE", "PRIVATE KEY"))
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"not a certificate\n")
    trunc = tmp_path / "trunc.der"
    trunc.write_bytes(der_of(SNAKEOIL_PEM)[:-10])
    badb64 = tmp_path / "bad64.pem"
    badb64.write_text("-----BEGIN CERTIFICATE-----\nMII*&^\n-----END CERTIFICATE-----\n")
    return [
        (("--mok-cert", key), "PEM without a CERTIFICATE block"),
        (("--mok-cert", garbage), "neither PEM (-----BEGIN CERTIFICATE-----) nor DER"),
        (("--mok-cert", trunc), "not an X.509 certificate"),
        (("--mok-cert", badb64), "CERTIFICATE block 1 is not valid base64"),
        (("--mok-cert", tmp_path / "missing.pem"), "No such file"),
        (("--sbat-level", "sbat,1,20990101\\n"), "is not sbat,VERSION,YYYYMMDDNN"),
        (("--sbat-level", "sbot,1,2099010100\\n"), "is not sbat,VERSION,YYYYMMDDNN"),
        (("--sbat-level", "sbat,1,2099010100\\npvhboot\\n"), "line 'pvhboot' is not component,generation"),
        (("--sbat-level", "sbat,1,2099010100\\npvhboot,x\\n"), "is not component,generation"),
        (("--sbat-level", "sbat,1,2099010100\\n,2\\n"), "is not component,generation"),
        (("--sbat-level", "sbat,1,2099010100\\tx"), "unknown escape \\t"),
        (("--sbat-level", "sbat,1,2099010100\npvh\u00e9,1"), "only printable ASCII"),
    ]


@pytest.mark.parametrize("case", range(12))
def test_bad_shim_inputs_fail_cleanly(tmp_path, case):
    args, expect = _bad_shim_inputs(tmp_path)[case]
    out = str(tmp_path / "out.fd")
    p = mkvars("--in", need(VARS_4M), "--out", out, *args)
    assert p.returncode == 1 and expect in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert len(p.stderr.strip().split("\n")) == 1 and p.stderr.startswith("mkvars.py: error: ")
    assert not os.path.exists(out) and not os.path.exists(out + ".tmp")
