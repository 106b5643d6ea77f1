"""Relocation (XEN_ELFNOTE_PHYS32_RELOC, Xen ELF note 19) under OVMF.

The probe's relocatable variants (tests/probe/probe.mk) carry note 19 with
Linux's values (align 2 MiB, min 16 MiB, max 1 GiB - 1), fix their own
absolute addresses at entry and report where they run (PROBE-JSON
image.start; image.linked is where they were linked):

  reloc        probe-reloc.elf, linked at 0x30000000: no RAM there in a
               512 MiB guest, so pvhboot must move it. Before it, in the same
               run, probe-high.elf (the plain probe linked there, no note 19)
               is refused with the one-line error that names the ways out,
               and pvhboot returns to the shell.
  reloc16      probe-reloc16.elf, linked at 16 MiB, which OVMF's DXE volume
               (BootServicesData) covers while pvhboot runs: pvhboot moves it
               where nothing needs staging.
  reloc16-s3   the same under an SMM OVMF with S3 on, which keeps
               0x810000-0x170FFFF as ACPI NVS (as Debian 13's OVMF does).
  staged       tests/gen_bad_kernels.py's tiny kernel (it leaves QEMU through
               isa-debug-exit, status 99) with note 19 linked at 0x30000000,
               whose window (16 MiB .. 17 MiB - 1) lies in OVMF's
               BootServicesData: moved there and staged. Before it, the same
               with a window too small for it is refused.

Each run must show one "pvhboot: kernel relocated: linked at L, placed at P
(+/-D), because ..." line; the probe passes every rule and runs at exactly P,
which keeps the note's alignment, minimum and maximum and is not L.

With a Debian 13 kernel (note 19) in build/matrix/kernels/ (fetched by
another suite; skipped without one), the S3 case also boots it relocated to
the initrd's /init.
"""
import json
import os
import re
import secrets
import shutil
import subprocess
import sys

import pytest

import pvhharness as H
import qemu

sys.path.insert(0, os.path.join(H.REPO, "tests"))
import gen_bad_kernels as G  # noqa: E402

MEM = "512M"
EXIT_PASS = 33                       # isa-debug-exit 0x10
PROBE_OUT = os.path.join(H.BUILD, "probe")
RELOC_ALIGN, RELOC_MIN, RELOC_MAX = 0x200000, 0x1000000, 0x3fffffff
# An SMM build with empty variables: no keys enrolled, Secure Boot off, the
# shell runs; with S3 on it keeps ACPI NVS over Linux's 16 MiB.
SMM_FIRMWARE = ("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd")

RELOCATED_RE = re.compile(r"pvhboot: kernel relocated: linked at (0x[0-9A-Fa-f]+), placed at (0x[0-9A-Fa-f]+) "
                          r"\(([+-])(0x[0-9A-Fa-f]+)\), because (.*)$")
KERNEL_RE = re.compile(r"pvhboot: kernel \S+: \d+ bytes, read \d+ \((\d+) in place, (\d+) staged\), "
                       r"PVH entry (0x[0-9A-Fa-f]+)$")


@pytest.fixture(scope="module")
def probes(test_deps):
    """The probe variants, (re)built with `make probe`."""
    p = subprocess.run(["make", "-s", "-C", H.REPO, "BUILD=%s" % H.BUILD, "probe"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        pytest.fail("make probe failed:\n" + p.stdout.decode(errors="replace"))
    names = ("probe-reloc", "probe-reloc16", "probe-high")
    return {n: os.path.join(PROBE_OUT, n + ".elf") for n in names}


def load_pages(elf):
    """The ELF's PT_LOAD page ranges merged, [start, end) (as pvhboot's
    layout_kernel_page_ranges())."""
    out = H.script("elfnote.py", "-v", elf)
    ranges = sorted((int(m.group(1), 16) & ~0xfff, (int(m.group(1), 16) + int(m.group(2), 16) + 0xfff) & ~0xfff)
                    for m in re.finditer(r"^load .*paddr=(0x[0-9a-f]+) .*memsz=(0x[0-9a-f]+)", out, re.M))
    merged = []
    for s, e in ranges:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


class Run:
    """One OVMF boot: the shell runs pvhboot on each case, the last one a
    relocatable probe that ends QEMU."""

    def __init__(self, result, cmdline):
        self.result = result
        self.cmdline = cmdline
        self.lines = result.lines
        data = [l for l in self.lines if l.startswith("PROBE-JSON ")]
        self.report = json.loads(data[0][len("PROBE-JSON "):]) if len(data) == 1 else None

    def relocated(self):
        return [m for m in (RELOCATED_RE.search(l.strip()) for l in self.lines) if m]

    def kernel_lines(self):
        return [m for m in (KERNEL_RE.search(l.strip()) for l in self.lines) if m]


def boot(name, files, cases, final, **ovmf):
    """cases: [(case, pvhboot arguments)] expected to fail and return;
    final: the arguments of the boot that runs the probe."""
    work = os.path.join(H.WORKDIR, "relocation_" + name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    module = os.path.join(work, "module.bin")
    with open(module, "wb") as f:
        f.write(secrets.token_bytes(40000))
    cmdline = "console=ttyS0 probe.word=%s" % secrets.token_hex(6)
    efi = "\\pvhboot.efi"
    nsh = ["echo PVHMARK-NSH-START", "fs0:"]
    for case, args in cases:
        nsh += ["%s %s" % (efi, args), "echo PVHRC-%s %%lasterror%%" % case, "echo PVHMARK-%s" % case]
    nsh += ["%s %s initrd=\\module.bin %s" % (efi, final, cmdline), "echo PVHMARK-RETURNED", "reset -s", ""]
    files = dict(files, **{"\\module.bin": module})
    esp = H.mkesp(os.path.join(work, "esp.img"), files, "\n".join(nsh))
    result = qemu.run_ovmf(esp, os.path.join(H.LOGDIR, "test_relocation_%s.log" % name), mem=MEM,
                           timeout=H.BOOT_TIMEOUT, extra=qemu.DEBUG_EXIT, vars_dir=work, **ovmf)
    return Run(result, cmdline)


def check_relocated_probe(run, elf, reason):
    """The probe ran, passed, at exactly where pvhboot said, and that place
    keeps the note's constraints; reason: a part of the "because"."""
    p = H.Problems(run.result)
    linked = load_pages(elf)[0][0]
    moves = run.relocated()
    if not p.check(len(moves) == 1, "expected one 'kernel relocated' line, got %d" % len(moves)):
        p.raise_if_any()
    m = moves[0]
    link, placed, sign, delta = int(m.group(1), 16), int(m.group(2), 16), m.group(3), int(m.group(4), 16)
    p.check(link == linked, "linked at 0x%x, the ELF says 0x%x" % (link, linked))
    p.check(placed == link + (delta if sign == "+" else -delta), "placed 0x%x != linked %s delta" % (placed, sign))
    p.check(reason in m.group(5), "reason %r lacks %r" % (m.group(5), reason))
    p.check(placed != link, "placed at the link address")
    p.check(placed % RELOC_ALIGN == 0, "placed at 0x%x, not a multiple of 0x%x" % (placed, RELOC_ALIGN))
    p.check(placed >= RELOC_MIN, "placed at 0x%x, below the minimum 0x%x" % (placed, RELOC_MIN))

    r = run.report
    if not p.check(r is not None, "no single PROBE-JSON line"):
        p.raise_if_any()
    image = r["image"]
    start, end, entry = int(image["start"], 16), int(image["end"], 16), int(image["entry"], 16)
    p.check(start == placed, "the probe runs at 0x%x, pvhboot placed it at 0x%x" % (start, placed))
    p.check(int(image["linked"], 16) == link, "the probe says it was linked at %s" % image["linked"])
    p.check(end - 1 <= RELOC_MAX, "the probe ends at 0x%x, past the maximum" % (end - 1))
    p.check(r["pass"] is True, "probe checks failed: %s"
            % sorted(k for k, v in r["checks"].items() if v is not True))
    p.check(r["cmdline"]["text"] == run.cmdline, "cmdline %r" % r["cmdline"]["text"])
    started = [int(l.split()[-1], 16) for l in run.lines if l.startswith("pvhboot: starting kernel at ")]
    p.check(started == [entry], "pvhboot started %s, the probe's entry runs at 0x%x"
            % ([hex(a) for a in started], entry))
    p.check("PVHMARK-RETURNED" not in run.lines, "pvhboot returned to the shell")
    p.check(run.result.returncode == EXIT_PASS, "QEMU exit status %s, expected %d (probe pass)"
            % (run.result.returncode, EXIT_PASS))
    kernels = run.kernel_lines()
    p.check(len(kernels) == 1 and int(kernels[0].group(3), 16) == entry,
            "kernel line %r does not name the PVH entry 0x%x" % ([k.group(0) for k in kernels], entry))
    p.raise_if_any()
    return kernels[0]


@pytest.fixture(scope="module")
def reloc_run(pvhboot_efi, probes):
    return boot("reloc", {"\\pvhboot.efi": pvhboot_efi, "\\probe-reloc.elf": probes["probe-reloc"],
                          "\\probe-high.elf": probes["probe-high"]},
                [("high", "kernel=\\probe-high.elf console=ttyS0")], "kernel=\\probe-reloc.elf")


def test_not_relocatable_refused(reloc_run, probes):
    """Without note 19 a kernel linked where there is no RAM is refused with
    one line naming the ways out, and the shell goes on."""
    start, end = load_pages(probes["probe-high"])[0]
    p = H.Problems(reloc_run.result)
    H.check_error_case(p, reloc_run.lines, "high",
                       "pvhboot: error: \\probe-high.elf: kernel needs 0x%X-0x%X, which is not free RAM on this "
                       "machine (0x%X-0x%X has no memory), and the kernel is not relocatable (no Xen ELF note "
                       "19); turn S3 off, give the machine more memory, or boot a relocatable kernel "
                       "(Linux 6.12+)" % (start, end - 1, start, end - 1))
    p.raise_if_any()


def test_relocated_from_missing_memory(reloc_run, probes):
    check_relocated_probe(reloc_run, probes["probe-reloc"], "has no memory")


def test_relocated_to_avoid_staging(pvhboot_efi, probes):
    """Linked at 16 MiB, in OVMF's BootServicesData: moved, nothing staged."""
    run = boot("reloc16", {"\\pvhboot.efi": pvhboot_efi, "\\probe.elf": probes["probe-reloc16"]}, [],
               "kernel=\\probe.elf")
    k = check_relocated_probe(run, probes["probe-reloc16"],
                              "is BootServicesData until ExitBootServices; elsewhere nothing is staged")
    assert int(k.group(2)) == 0, "%s bytes staged\n%s" % (k.group(2), run.result.describe())


def test_relocated_and_staged(pvhboot_efi, work, log_path):
    """No free place in the window, but one free after ExitBootServices:
    moved there, staged, and it runs; a window too small: refused."""
    staged = os.path.join(work, "staged.elf")
    with open(staged, "wb") as f:
        f.write(G._reloc(RELOC_ALIGN, 0x1000000, 0x10fffff, base=0x30000000))
    tight = os.path.join(work, "tight.elf")
    with open(tight, "wb") as f:
        f.write(G._reloc(RELOC_ALIGN, 0x1000000, 0x1000fff, base=0x30000000))
    nsh = "\n".join(["echo PVHMARK-NSH-START", "fs0:",
                     "\\pvhboot.efi kernel=\\tight.elf console=ttyS0", "echo PVHRC-tight %lasterror%",
                     "echo PVHMARK-tight", "\\pvhboot.efi kernel=\\staged.elf console=ttyS0",
                     "echo PVHMARK-RETURNED", "reset -s", ""])
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {"\\pvhboot.efi": pvhboot_efi, "\\staged.elf": staged, "\\tight.elf": tight}, nsh)
    result = qemu.run_ovmf(esp, log_path, mem=MEM, timeout=H.BOOT_TIMEOUT, vars_dir=work, extra=qemu.DEBUG_EXIT)
    p = H.Problems(result)
    H.check_error_case(p, result.lines, "tight",
                       "pvhboot: error: \\tight.elf: kernel needs 0x4000 bytes at a multiple of 0x200000 from its "
                       "link address 0x30000000, within 0x1000000-0x1000FFF (Xen ELF note 19), and no such RAM is "
                       "free on this machine (at its link address, 0x30000000-0x30003FFF has no memory); give the "
                       "machine more memory")
    moves = [m for m in (RELOCATED_RE.search(l.strip()) for l in result.lines) if m]
    p.check([(m.group(1), m.group(2)) for m in moves] == [("0x30000000", "0x1000000")],
            "expected one move from 0x30000000 to 0x1000000: %r" % [m.group(0) for m in moves])
    kernels = [m for m in (KERNEL_RE.search(l.strip()) for l in result.lines) if m]
    p.check(len(kernels) == 1 and int(kernels[0].group(2)) == 0x2000 and int(kernels[0].group(3), 16) == 0x1000000,
            "expected all 0x2000 bytes staged, PVH entry 0x1000000: %r" % [k.group(0) for k in kernels])
    p.check("PVHMARK-RETURNED" not in result.lines, "pvhboot returned to the shell")
    p.check(result.returncode == 99, "QEMU exit status %s, expected 99 (the kernel ran)" % result.returncode)
    p.raise_if_any()


def _debian13_kernel():
    for d in ("deb13-cloud", "deb13-generic"):
        path = os.path.join(H.BUILD, "matrix", "kernels", d, "vmlinux")
        if os.path.isfile(path) and "reloc-align=" in H.script("elfnote.py", path):
            return path
    return None


def test_relocated_from_acpi_nvs(pvhboot_efi, probes):
    """SMM OVMF with S3: 0x810000-0x170FFFF is ACPI NVS, over 16 MiB."""
    if not all(os.path.isfile(f) for f in SMM_FIRMWARE):
        pytest.skip("no %s" % SMM_FIRMWARE[0])
    run = boot("reloc16-s3", {"\\pvhboot.efi": pvhboot_efi, "\\probe.elf": probes["probe-reloc16"]}, [],
               "kernel=\\probe.elf", firmware=SMM_FIRMWARE, s3=True)
    check_relocated_probe(run, probes["probe-reloc16"], "0x810000-0x170FFFF is ACPIMemoryNVS")


def test_debian13_kernel_relocated_from_acpi_nvs(pvhboot_efi, work, log_path):
    """A Debian 13 kernel (note 19) where S3 keeps its link address."""
    kernel = _debian13_kernel()
    if kernel is None:
        pytest.skip("no Debian 13 kernel with note 19 under build/matrix/kernels/")
    if not all(os.path.isfile(f) for f in SMM_FIRMWARE):
        pytest.skip("no %s" % SMM_FIRMWARE[0])
    token = "reloc-" + secrets.token_hex(6)
    initrd = H.mkinitrd_token(work, token)
    cmdline = "console=ttyS0 panic=-1"
    nsh = "\n".join(["echo PVHMARK-NSH-START", "fs0:",
                     "\\pvhboot.efi kernel=\\vmlinux initrd=\\initrd.img " + cmdline,
                     "echo PVHMARK-RETURNED", "reset -s", ""])
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {"\\pvhboot.efi": pvhboot_efi, "\\vmlinux": kernel, "\\initrd.img": initrd}, nsh)
    result = qemu.run_ovmf(esp, log_path, mem=MEM, timeout=H.BOOT_TIMEOUT, vars_dir=work,
                           firmware=SMM_FIRMWARE, s3=True)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    moves = [m for m in (RELOCATED_RE.search(l.strip()) for l in result.lines) if m]
    p.check(len(moves) == 1 and "ACPIMemoryNVS" in moves[0].group(5),
            "no relocation away from ACPI NVS: %r" % [m.group(0) for m in moves])
    if moves:
        placed = int(moves[0].group(2), 16)
        p.check(placed % RELOC_ALIGN == 0 and placed >= RELOC_MIN, "placed at 0x%x" % placed)
    p.check("PVHMARK-RETURNED" not in result.lines, "pvhboot returned to the shell")
    p.check(guest.has("init-done"), "the guest's /init did not finish")
    p.check(guest.tokens.get("/token1") == token, "initrd token %r" % guest.tokens.get("/token1"))
    p.raise_if_any()
