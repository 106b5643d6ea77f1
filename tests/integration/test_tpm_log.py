"""The TPM event log reaches a kernel booted through pvhboot (issue 12,
item 2; efi/glue/tpm_log.c).

One run: plain OVMF, the EFI shell, a fresh swtpm TPM 2.0 (TIS), pvhboot
with a kernel and an initrd whose /init also sources report-tpm-log.sh,
which prints Linux's /sys/kernel/security/tpm0/binary_bios_measurements
as hex lines.  The test parses that log itself (TCG PC Client PFP,
crypto-agile format), replays every bank, and compares the SHA-256 bank
with the PCRs Linux reads from the TPM (/sys/class/tpm/tpm0/pcr-sha256/N,
reported by /init) for every PCR the log covers, PCR 9 and 12 (pvhboot's)
and 5 (the firmware's ExitBootServices events) among them.  With
tpm2-tools installed, tpm2_eventlog must parse the same log and replay it
to the same values.

A second run (test_failed_boot_puts_tpm2_table_back) makes pvhboot fail
after it published the log and checks the TPM2 table is as it was.
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess

import pytest

import pvhharness as H
import qemu

EV_NO_ACTION = 0x3
EV_IPL = 0xD
EV_EFI_ACTION = 0x80000007
HASHES = {0x0004: "sha1", 0x000B: "sha256", 0x000C: "sha384", 0x000D: "sha512"}
HERE = os.path.dirname(os.path.abspath(__file__))
CMDLINE = "console=ttyS0 panic=-1 pvhtest.tpmlog=1"


def parse_log(data):
    """(algorithms [(id, size)], events [{pcr, type, digests {id: bytes}, data}])
    of a crypto-agile log as Linux exposes it (the records, nothing after
    them).  Raises ValueError on anything malformed."""
    def need(off, n):
        if off + n > len(data):
            raise ValueError("record at %d runs past the end (%d bytes)" % (off, len(data)))
    need(0, 32)
    pcr, typ = struct.unpack_from("<II", data, 0)
    size, = struct.unpack_from("<I", data, 28)
    need(32, size)
    ev = data[32:32 + size]
    if pcr != 0 or typ != EV_NO_ACTION or data[8:28] != bytes(20) or ev[:16] != b"Spec ID Event03\0":
        raise ValueError("the first record is not the Spec ID event")
    n, = struct.unpack_from("<I", ev, 24)
    algs = [struct.unpack_from("<HH", ev, 28 + 4 * i) for i in range(n)]
    sizes = dict(algs)
    off, events = 32 + size, []
    while off < len(data):
        need(off, 12)
        pcr, typ, count = struct.unpack_from("<III", data, off)
        o, digests = off + 12, {}
        if not 1 <= count <= len(algs):
            raise ValueError("record at %d: %d digests" % (off, count))
        for _ in range(count):
            need(o, 2)
            alg, = struct.unpack_from("<H", data, o)
            if alg not in sizes:
                raise ValueError("record at %d: algorithm 0x%x not in the Spec ID event" % (off, alg))
            need(o + 2, sizes[alg])
            digests[alg] = data[o + 2:o + 2 + sizes[alg]]
            o += 2 + sizes[alg]
        need(o, 4)
        esize, = struct.unpack_from("<I", data, o)
        need(o + 4, esize)
        events.append({"pcr": pcr, "type": typ, "digests": digests, "data": data[o + 4:o + 4 + esize]})
        off = o + 4 + esize
    return algs, events


def replay(algs, events):
    """({bank name: {pcr: hex}}, covered PCRs): PCRs from their reset values
    (17-22 all ones, the rest zero, PCR 0 at the StartupLocality), extended
    by every event but EV_NO_ACTION."""
    banks, covered = {}, set()
    for alg, size in algs:
        name = HASHES.get(alg)
        if not name:
            continue
        pcrs = {i: (b"\xff" if 17 <= i <= 22 else b"\0") * size for i in range(24)}
        for e in events:
            if e["type"] == EV_NO_ACTION:
                if e["pcr"] == 0 and 0 not in covered and e["data"][:16] == b"StartupLocality\0":
                    pcrs[0] = bytes(size - 1) + e["data"][16:17]
                continue
            pcrs[e["pcr"]] = hashlib.new(name, pcrs[e["pcr"]] + e["digests"][alg]).digest()
            covered.add(e["pcr"])
        banks[name] = {i: v.hex() for i, v in pcrs.items()}
    return banks, covered


def guest_pcrs(lines):
    out = {}
    for line in lines:
        m = re.search(r"PVHTEST pcr-sha256-(\d+)=([0-9a-f]{64})\s*$", line)
        if m:
            out.setdefault(int(m.group(1)), m.group(2))
    return out


def guest_log(lines):
    """The bytes of the report-tpm-log.sh hex lines, or None; raises on a
    missing or repeated line."""
    chunks = {}
    for line in lines:
        m = re.search(r"PVHTEST tpm-log-hex-(\d+)=([0-9a-f]*)\s*$", line)
        if m:
            assert int(m.group(1)) not in chunks, "hex line %s twice" % m.group(1)
            chunks[int(m.group(1))] = m.group(2)
    if not chunks:
        return None
    assert sorted(chunks) == list(range(len(chunks))), "hex lines missing: %s" % (
        sorted(set(range(max(chunks) + 1)) - set(chunks)))
    return bytes.fromhex("".join(chunks[i] for i in range(len(chunks))))


@pytest.fixture(scope="module")
def tpm_log_run(kernel, pvhboot_efi, tmp_path_factory):
    H.script("install-deps.sh", "tpm")
    w = str(tmp_path_factory.mktemp("tpm_log"))
    initrd = H.mkinitrd(os.path.join(w, "initrd.img"), os.path.join(HERE, "report-tpm-log.sh"))
    esp = H.mkesp(os.path.join(w, "esp.img"), {"/pvhboot.efi": pvhboot_efi, "/vmlinux": kernel,
                                               "/initrd.img": initrd},
                  "fs0:\n\\pvhboot.efi kernel=\\vmlinux initrd=\\initrd.img %s\nreset -s\n" % CMDLINE)
    log = os.path.join(H.LOGDIR, "test_tpm_log.log")
    swtpm = qemu.Swtpm(log_path=log + ".swtpm")
    result = qemu.run_ovmf(esp, log, tpm=swtpm, timeout=H.BOOT_TIMEOUT, vars_dir=w)
    guest = H.GuestReport(result.text)
    data = guest_log(result.lines)
    if data is not None:
        with open(os.path.join(w, "binary_bios_measurements"), "wb") as f:
            f.write(data)
    return {"result": result, "guest": guest, "data": data, "w": w}


def parsed(run):
    result, guest, data = run["result"], run["guest"], run["data"]
    assert guest.has("init-done") and guest.get("cmdline") == CMDLINE, "Linux did not boot\n" + result.describe()
    assert guest.get("efi") == "no", "the kernel saw EFI: %r" % guest.get("efi")
    assert guest.get("tpm-event-log") == "yes" and data is not None, \
        "no binary_bios_measurements in the guest\n" + result.describe()
    return parse_log(data)


def test_event_log_reaches_linux(tpm_log_run):
    """binary_bios_measurements exists, arrived whole and is a crypto-agile
    log with a SHA-256 bank; pvhboot said what it copied."""
    r = tpm_log_run
    algs, events = parsed(r)
    assert len(r["data"]) == int(r["guest"].get("tpm-log-bytes")), "hex lines lost bytes"
    assert hashlib.sha256(r["data"]).hexdigest() == r["guest"].get("tpm-log-sha256")
    assert (0x000B, 32) in algs, "no SHA-256 bank in the Spec ID event: %r" % algs
    copied = [l for l in r["result"].lines if l.startswith("pvhboot: TPM event log: ")]
    assert len(copied) == 1 and "copied to 0x" in copied[0], copied
    assert not any(l.startswith("pvhboot: warning: ") for l in r["result"].lines), \
        [l for l in r["result"].lines if l.startswith("pvhboot: warning: ")]


def test_event_log_replays_to_tpm_pcrs(tpm_log_run):
    """Replaying the SHA-256 bank gives what Linux reads from the TPM, for
    every PCR the log covers, pvhboot's 9 and 12 included."""
    r = tpm_log_run
    algs, events = parsed(r)
    banks, covered = replay(algs, events)
    tpm = guest_pcrs(r["result"].lines)
    assert len(tpm) == 24, "Linux reported %d PCRs" % len(tpm)
    assert {0, 1, 2, 3, 4, 5, 6, 7, 9, 12} <= covered, "the log covers PCRs %s" % sorted(covered)
    wrong = {n: (banks["sha256"][n], tpm[n]) for n in sorted(covered) if banks["sha256"][n] != tpm[n]}
    assert not wrong, "PCRs whose replay (log, TPM) differ: %r" % wrong
    texts = [(e["pcr"], e["type"], e["data"]) for e in events]
    assert (9, EV_IPL, b"pvhboot: kernel (SHA-256 of the file)") in texts
    assert (9, EV_IPL, b"pvhboot: initrd") in texts
    # PCR 12's one event is the command line as systemd-stub logs it: the
    # event data are the bytes hashed, UTF-16LE with a NUL.
    e12 = [e for e in events if e["pcr"] == 12]
    want = H.cmdline_pcr12_bytes(CMDLINE)
    assert len(e12) == 1 and e12[0]["type"] == EV_IPL and e12[0]["data"] == want, e12
    assert e12[0]["digests"][0x000B] == hashlib.sha256(want).digest()


def test_event_log_ends_with_exit_boot_services(tpm_log_run):
    """The firmware's events at ExitBootServices (edk2 Tcg2Dxe: two
    EV_EFI_ACTION events in PCR 5) come after pvhboot's copy was made:
    pvhboot appends them from the final events table, and they are the last
    two events; the rest is the copy pvhboot counted."""
    r = tpm_log_run
    algs, events = parsed(r)
    last = [(e["pcr"], e["type"], e["data"]) for e in events[-2:]]
    assert last == [(5, EV_EFI_ACTION, b"Exit Boot Services Invocation"),
                    (5, EV_EFI_ACTION, b"Exit Boot Services Returned with Success")], last
    for e in events[-2:]:
        for alg, digest in e["digests"].items():
            if alg in HASHES:
                assert digest == hashlib.new(HASHES[alg], e["data"]).digest(), "PCR 5 digest of %r" % e["data"]
    line = [l for l in r["result"].lines if l.startswith("pvhboot: TPM event log: ")][0]
    copied = int(re.search(r"TPM event log: (\d+) events", line).group(1))
    assert len(events) == copied + 2, "%d events in Linux, %d copied + 2" % (len(events), copied)


def test_tpm2_eventlog_agrees(tpm_log_run):
    """tpm2-tools' own parser reads the same log and replays it to the same
    SHA-256 values."""
    tool = shutil.which("tpm2_eventlog")
    if not tool:
        pytest.skip("tpm2_eventlog (Debian package tpm2-tools) is not installed")
    r = tpm_log_run
    algs, events = parsed(r)
    banks, covered = replay(algs, events)
    p = subprocess.run([tool, os.path.join(r["w"], "binary_bios_measurements")], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out[-3000:]
    values, bank = {}, None
    for line in out.split("\n")[out.split("\n").index("pcrs:"):]:
        m = re.match(r"^  (\w+):\s*$", line)
        if m:
            bank = m.group(1)
            continue
        m = re.match(r"^\s+(\d+)\s*:\s*0x([0-9A-Fa-f]+)\s*$", line)
        if m and bank == "sha256":
            values[int(m.group(1))] = m.group(2).lower()
    assert values, "no sha256 PCRs in tpm2_eventlog's output:\n" + out[-3000:]
    assert {n: banks["sha256"][n] for n in values} == values
    assert set(values) == covered



def test_failed_boot_puts_tpm2_table_back(tpm_log_run, kernel, pvhboot_efi, tmp_path_factory):
    """A boot that fails after the log was published puts the ACPI TPM2
    table back as it was, so that nothing booted later finds a log area in
    freed pages.  tests/efi/ebs-hook.efi (reserve) fails pvhboot's first
    ExitBootServices and then shows the kernel's memory as reserved, so the
    retry's memory map check fails.  The shell has no acpiview here: dmem
    shows the table's 76 bytes before and after, at the address Linux
    printed in the first run (the same machine: OVMF places its ACPI tables
    before anything else runs)."""
    m = re.search(r"ACPI: TPM2 0x([0-9A-Fa-f]+) 00004C", tpm_log_run["result"].text)
    assert m, "the first run's Linux printed no 76-byte TPM2 table"
    table = int(m.group(1), 16)
    w = str(tmp_path_factory.mktemp("tpm_log_undo"))
    initrd = H.mkinitrd(os.path.join(w, "initrd.img"))
    nsh = "\n".join(["fs0:", "dmem 0x%x 0x4c" % table, "echo PVHMARK-before",
                     "\\ebs-hook.efi reserve \\pvhboot.efi kernel=\\vmlinux initrd=\\initrd.img " + CMDLINE,
                     "echo PVHRC-pvhboot %lasterror%", "echo PVHMARK-pvhboot",
                     "dmem 0x%x 0x4c" % table, "echo PVHMARK-after", "reset -s", ""])
    esp = H.mkesp(os.path.join(w, "esp.img"), {"/pvhboot.efi": pvhboot_efi, "/vmlinux": kernel,
                                               "/initrd.img": initrd, "/ebs-hook.efi": H.build_test_efi("ebs-hook")},
                  nsh)
    log = os.path.join(H.LOGDIR, "test_tpm_log_undo.log")
    result = qemu.run_ovmf(esp, log, tpm=True, timeout=H.BOOT_TIMEOUT, vars_dir=w)
    lines = result.lines
    p = H.Problems(result)
    H.check_error_case(p, lines, "pvhboot", "which is not free RAM on this machine")
    boot = H.output_before_marker(lines, "pvhboot") or []
    p.check(any(l.startswith("pvhboot: TPM event log: ") and "copied to 0x" in l for l in boot),
            "pvhboot did not publish the log before it failed: %r" % [l for l in boot if l.startswith("pvhboot")])

    def dump(case):
        return [l.strip() for l in H.output_before_marker(lines, case) or [] if re.match(r"\s*[0-9A-F]{8}: ", l)]
    before, after = dump("before"), dump("after")
    p.check(len(before) == 5 and "54 50 4D 32" in before[0], "dmem did not show the TPM2 table: %r" % before)
    p.check(before == after, "the TPM2 table differs after the failed boot:\nbefore %r\nafter  %r"
            % (before, after))
    p.check_ended("reset -s at the end of startup.nsh", H.BOOT_TIMEOUT)
    p.raise_if_any()
