"""Bad-kernel matrix: malformed kernels and unusable inputs, all booted
through pvhboot from ONE startup.nsh under OVMF (one QEMU run).

The kernels come from tests/gen_bad_kernels.py: a good minimal PVH ELF64
and one file per broken field.  For each case startup.nsh runs

    \\pvhboot.efi kernel=... [initrd=...] [command line]
    echo PVHRC-<case> %lasterror%
    echo PVHMARK-<case>

and at the end `reset -s`.  The shell expands %lasterror% to the status the
program returned without the EFI error bit (EFI_LOAD_ERROR -> 0x1).  Each
case is one pytest test over the module's single run; it asserts on the
output between the previous marker and its own: exactly one
"pvhboot: error: " line, naming the file (or "options:"), with a
distinctive part of the real message, the expected status, and the
marker (the shell kept running).

The VM has 256 MiB, so that an initrd of 384 MiB cannot fit below 4 GiB
while the good kernel (at 32 MiB) still does, and 768 MiB is not RAM.
"""
import collections
import os
import re
import subprocess
import sys

import pytest

import pvhharness as H
import qemu

sys.path.insert(0, os.path.join(H.REPO, "tests"))
import gen_bad_kernels as G  # noqa: E402

EFI = "\\pvhboot.efi"
CLAIM = "\\claim-pages.efi"
KDIR = "\\bk"               # the generated kernels on the ESP
MEM = "256M"
BIG_INITRD_MIB = 64
BIG_INITRD_COPIES = 6       # 384 MiB in a 256 MiB VM

# EFI status codes as %lasterror% shows them (without the high bit).
EFI_SUCCESS = 0x0
EFI_LOAD_ERROR = 0x1
EFI_INVALID_PARAMETER = 0x2
EFI_OUT_OF_RESOURCES = 0x9
EFI_NOT_FOUND = 0xE

Case = collections.namedtuple("Case", "name args names reason status pre")
Case.__new__.__defaults__ = ((),)   # pre: shell lines run before pvhboot


def _kpath(variant):
    return "%s\\%s" % (KDIR, G.BY_NAME[variant]["file"])


GOOD = _kpath("good")
BIG = "\\big-initrd.img"
CMDLINE_2048 = "console=ttyS0 " + "x" * (2048 - len("console=ttyS0 "))


def _cases():
    cases = []
    # Every malformed ELF the generator makes: the parser's own message.
    for v in G.VARIANTS:
        if v["error"] == "ELF_KERNEL_OK":
            continue
        cases.append(Case(v["name"], "kernel=%s console=ttyS0" % _kpath(v["name"]),
                          _kpath(v["name"]), v["reason"], EFI_LOAD_ERROR))
    not_ram = "which is not free RAM on this machine"
    cases += [
        Case("directory-as-kernel", "kernel=%s console=ttyS0" % KDIR, KDIR,
             "is a directory; give a file", EFI_INVALID_PARAMETER),
        Case("directory-as-initrd", "kernel=%s initrd=%s" % (GOOD, KDIR), KDIR,
             "is a directory; give a file", EFI_INVALID_PARAMETER),
        # Valid ELF files whose segments are not RAM on this VM.
        Case("kernel-in-mmconfig", "kernel=%s" % _kpath("at-mmconfig"), _kpath("at-mmconfig"),
             "kernel needs 0xB0000000-0xB0003FFF, " + not_ram, EFI_LOAD_ERROR),
        Case("kernel-beyond-ram", "kernel=%s" % _kpath("at-no-ram"), _kpath("at-no-ram"),
             "kernel needs 0x30000000-0x30003FFF, " + not_ram, EFI_LOAD_ERROR),
        Case("kernel-in-reserved", "kernel=%s" % _kpath("at-48m"), _kpath("at-48m"),
             "kernel needs 0x3000000-0x3003FFF, " + not_ram, EFI_LOAD_ERROR,
             pre=("%s 0x3000000 4 reserved" % CLAIM,)),
        Case("initrd-too-big",
             "kernel=%s %s console=ttyS0" % (GOOD, " ".join(["initrd=" + BIG] * BIG_INITRD_COPIES)),
             BIG, "no room below 4 GiB for %d bytes of initrd"
             % (BIG_INITRD_COPIES * BIG_INITRD_MIB << 20), EFI_OUT_OF_RESOURCES),
        Case("missing-initrd", "kernel=%s initrd=\\no-such-initrd.img console=ttyS0" % GOOD,
             "\\no-such-initrd.img", "file not found", EFI_NOT_FOUND),
        # Linux's COMMAND_LINE_SIZE is 2048 with the NUL.
        Case("cmdline-2048", "kernel=%s %s" % (GOOD, CMDLINE_2048), "options:",
             "kernel command line is 2048 bytes, Linux accepts at most 2047",
             EFI_INVALID_PARAMETER),
        Case("duplicate-kernel", "kernel=%s kernel=%s" % (GOOD, GOOD), "options:",
             "kernel= given more than once", EFI_INVALID_PARAMETER),
        Case("too-many-initrds", "kernel=%s %s" % (GOOD, " ".join(["initrd=" + GOOD] * 17)),
             "options:", "more than 16 initrd= options", EFI_INVALID_PARAMETER),
        Case("empty-kernel-path", "kernel= console=ttyS0", "options:",
             "kernel= or initrd= has an empty path", EFI_INVALID_PARAMETER),
    ]
    return cases


CASES = _cases()
# After all those errors, the good kernel's destination (claimed by pvhboot
# in initrd-too-big before the initrd failed) must be free again.
FREED_CHECK = "%s 0x%x 4 loader" % (CLAIM, G.BASE)

_RC_RE = re.compile(r"PVHRC-(\S+) (\S+)")
_MARK_RE = re.compile(r"PVHMARK-(\S+)")


def _nsh():
    nsh = ["echo PVHMARK-NSH-START", "fs0:"]
    for c in CASES:
        for i, line in enumerate(c.pre):
            nsh += [line, "echo PVHRC-%s-pre%d %%lasterror%%" % (c.name, i)]
        nsh += ["%s %s" % (EFI, c.args), "echo PVHRC-%s %%lasterror%%" % c.name,
                "echo PVHMARK-%s" % c.name]
    nsh += [FREED_CHECK, "echo PVHRC-freed %lasterror%", "echo PVHMARK-freed",
            "echo PVHMARK-END", "reset -s", ""]
    return "\n".join(nsh)


class Run:
    """The one QEMU run, split into per-case output segments."""

    def __init__(self, result):
        self.result = result
        self.lines = result.lines
        self.marker_at = {}
        self.rc = {}
        for i, line in enumerate(self.lines):
            s = line.strip()
            # Output lines only: the shell's echo of the command itself
            # reads "FS0:\> echo PVHMARK-..." and does not fullmatch.
            m = _MARK_RE.fullmatch(s)
            if m:
                self.marker_at.setdefault(m.group(1), i)
            m = _RC_RE.fullmatch(s)
            if m:
                self.rc.setdefault(m.group(1), m.group(2))

    def segment(self, name, names_in_order):
        """Lines after the previous case's marker up to this case's."""
        end = self.marker_at[name]
        start = self.marker_at.get("NSH-START", -1)
        for n in names_in_order:
            if n == name:
                break
            if n in self.marker_at:
                start = self.marker_at[n]
        return self.lines[start + 1:end]


@pytest.fixture(scope="module")
def bad_run(pvhboot_efi, claim_pages_efi):
    work = os.path.join(H.WORKDIR, "bad_kernels")
    subprocess.run(["rm", "-rf", work], check=True)
    kdir = os.path.join(work, "bk")
    G.generate(kdir)
    big = os.path.join(work, "big-initrd.img")
    with open(big, "wb") as f:
        f.truncate(BIG_INITRD_MIB << 20)
    files = {EFI: pvhboot_efi, CLAIM: claim_pages_efi, BIG: big}
    for v in G.VARIANTS:
        files["%s\\%s" % (KDIR, v["file"])] = os.path.join(kdir, v["file"])
    esp = H.mkesp(os.path.join(work, "esp.img"), files, _nsh())
    log = os.path.join(H.LOGDIR, "bad_kernels.log")
    result = qemu.run_ovmf(esp, log, mem=MEM, timeout=H.SHELL_TIMEOUT)
    return Run(result)


def test_cases_cover_the_brief():
    names = {c.name for c in CASES}
    assert len(CASES) >= 12
    for n in ("bad-magic", "bad-class", "big-endian", "wrong-machine", "et-dyn", "phentsize",
              "phoff-past-eof", "phnum-past-eof", "offset-size-overflow", "filesz-gt-memsz",
              "overlapping-loads", "overlapping-file-ranges", "phdrs-past-64k",
              "segment-above-4g", "entry-outside", "no-note",
              "note-owner-not-xen", "note-descsz-2", "note-quad-above-4g",
              "note-past-segment-end", "empty", "directory-as-kernel", "kernel-in-mmconfig",
              "kernel-in-reserved", "initrd-too-big", "cmdline-2048", "missing-initrd"):
        assert n in names, n


def test_good_images_have_pvh_entry(tmp_path):
    """Host check of the generator's valid images with scripts/elfnote.py
    (tests/unit/test_gen_kernels.c runs pvhboot's own parser on all)."""
    for v in G.generate(str(tmp_path)):
        if v["error"] != "ELF_KERNEL_OK":
            continue
        out = H.script("elfnote.py", v["path"])
        m = re.search(r"pvh-entry=(0x[0-9a-f]+)", out)
        assert m, "%s: %s" % (v["file"], out)
        first_load = int(re.search(r"paddr=(0x[0-9a-f]+)",
                                   H.script("elfnote.py", "-v", v["path"])).group(1), 16)
        assert int(m.group(1), 16) == first_load, v["file"]


def test_run_ends_cleanly(bad_run):
    """One run: the shell ran every case and `reset -s` ended QEMU; no
    kernel started, nothing crashed."""
    r = bad_run.result
    p = H.Problems(r)
    p.check_ended("reset -s", H.SHELL_TIMEOUT)
    if not r.fatal:
        p.check(r.returncode == 0, "QEMU exit status %s, expected 0 from `reset -s`"
                % r.returncode)
    p.check("NSH-START" in bad_run.marker_at, "startup.nsh never ran")
    p.check("END" in bad_run.marker_at, "no PVHMARK-END: the script did not finish")
    p.check(not any("Linux version" in l for l in r.lines), "a Linux kernel started")
    p.check(not any("X64 Exception" in l for l in r.lines), "an X64 exception in the log")
    p.check(not any("pvhboot: starting kernel" in l for l in r.lines),
            "pvhboot got as far as starting a kernel")
    p.raise_if_any()


def test_errors_freed_the_kernel_destination(bad_run):
    """claim-pages at the good kernel's address (0x2000000, 4 pages) after
    all cases succeeds: pvhboot released its claims on the error paths."""
    r = bad_run
    p = H.Problems(r.result)
    if p.check("freed" in r.marker_at, "no PVHMARK-freed"):
        seg = r.segment("freed", [c.name for c in CASES] + ["freed"])
        p.check(any("claim-pages: 0x%X +4 pages as loader data: Success" % G.BASE in l
                    for l in seg),
                "claim-pages at 0x%x failed after the error cases; output:\n      | %s"
                % (G.BASE, "\n      | ".join(seg[-6:])))
        p.check(r.rc.get("freed") == "0x0", "claim-pages lasterror %r" % r.rc.get("freed"))
    p.raise_if_any()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_kernel(bad_run, case):
    r = bad_run
    p = H.Problems(r.result)
    cmd = "%s %s" % (EFI, case.args)
    if len(cmd) > 200:
        cmd = cmd[:200] + "..."
    if not p.check(case.name in r.marker_at,
                   "no PVHMARK-%s after `%s`: the shell did not go on" % (case.name, cmd)):
        p.raise_if_any()
    seg = r.segment(case.name, [c.name for c in CASES])
    seg_text = "\n      | ".join(l[:300] for l in seg[-10:])
    for i, line in enumerate(case.pre):
        rc = r.rc.get("%s-pre%d" % (case.name, i))
        p.check(rc == "0x0", "setup `%s` returned %r, expected 0x0; output:\n      | %s"
                % (line, rc, seg_text))
    errors = [l for l in seg if "pvhboot: error: " in l]
    p.check(len(errors) == 1, "%d 'pvhboot: error: ' lines, expected exactly 1; output:\n"
            "      | %s" % (len(errors), seg_text))
    if errors:
        err = errors[0][errors[0].index("pvhboot: error: "):]
        # The file comes first: "pvhboot: error: \\bk\\x.elf: reason".
        p.check(err.startswith("pvhboot: error: %s" % case.names),
                "error line does not name %r first: %r" % (case.names, err))
        p.check(case.reason in err, "error line lacks %r: %r" % (case.reason, err))
    rc = r.rc.get(case.name)
    p.check(rc is not None, "no PVHRC-%s line (echo %%lasterror%%)" % case.name)
    if rc is not None:
        try:
            val = int(rc, 16)
        except ValueError:
            val = None
        p.check(val not in (None, 0), "lasterror %r: pvhboot did not return an error" % rc)
        p.check(val == case.status, "lasterror %r, expected 0x%X" % (rc, case.status))
    p.raise_if_any()
