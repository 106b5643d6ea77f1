"""Compatibility matrix (issue 13): Debian's kernels × firmware × machine
type × memory, booted through pvhboot to the busybox initrd's /init.

Kernels and firmware come from scripts/fetch-matrix (build/matrix/, cached,
Debian 12 and 13 packages through the private apt configuration); QEMU 10
from scripts/fetch-qemu (bookworm-backports, unpacked under build/).  Each
cell is one boot with its own machine type and memory size, so the table
covers kernel × firmware × machine × memory without the full product.
Every cell has an expectation: the kernel reaches /init ("pass"), or
pvhboot refuses it before ExitBootServices with one line that names the
reason and the remedy ("refused", the line must match).  Every run writes
its outcome to build/matrix/results/<cell>.json; `make matrix-table`
(scripts/matrix-table) turns those into the table in README.md.

A CI slice (ci=True) runs in `make check`; everything with PVHTEST_FULL=1
(`make check-full`).
"""
import collections
import datetime
import json
import os
import re
import secrets
import subprocess
import time

import pytest

import pvhharness as H
import qemu

FULL = os.environ.get("PVHTEST_FULL", "") not in ("", "0")
MATRIX = os.path.join(H.BUILD, "matrix")
RESULTS = os.path.join(MATRIX, "results")

# Kernel rows: scripts/fetch-matrix IDs.
KERNELS = collections.OrderedDict([
    ("deb12-cloud", "Debian 12 cloud"),
    ("deb12-generic", "Debian 12 generic"),
    ("deb13-cloud", "Debian 13 cloud"),
    ("deb13-generic", "Debian 13 generic"),
    ("deb13bpo-cloud", "trixie-backports cloud"),
])

# Firmware columns: (key, firmware ID from fetch-matrix, S3 on?, QEMU: "7.2"
# (the machine's) or "10" (bookworm-backports), label).
Column = collections.namedtuple("Column", "key firmware s3 qemu label")
COLUMNS = [
    Column("ovmf12-4m", "ovmf12-4m", None, "7.2", "OVMF 2022.11 4M"),
    Column("ovmf12-2m", "ovmf12-2m", None, "7.2", "OVMF 2022.11 2M"),
    Column("ovmf12-secboot", "ovmf12-4m-secboot", False, "7.2", "OVMF 2022.11 secboot, S3 off"),
    Column("ovmf13-4m-s3", "ovmf13-4m", True, "7.2", "OVMF 2025.02 4M, S3 on"),
    Column("ovmf13-4m", "ovmf13-4m", False, "7.2", "OVMF 2025.02 4M, S3 off"),
    Column("ovmf13-secboot-s3", "ovmf13-4m-secboot", True, "7.2", "OVMF 2025.02 secboot, S3 on"),
    Column("ovmf13-secboot", "ovmf13-4m-secboot", False, "7.2", "OVMF 2025.02 secboot, S3 off"),
    Column("ovmf13-strictnx-s3", "ovmf13-4m-strictnx", True, "7.2", "OVMF 2025.02 strictnx, S3 on"),
    Column("ovmf13-strictnx", "ovmf13-4m-strictnx", False, "7.2", "OVMF 2025.02 strictnx, S3 off"),
    Column("uboot", "uboot", None, "7.2", "U-Boot (qemu-x86_64)"),
    Column("q10-ovmf12-4m", "ovmf12-4m", None, "10", "QEMU 10 + OVMF 2022.11 4M"),
    Column("q10-ovmf13-strictnx-s3", "ovmf13-4m-strictnx", True, "10", "QEMU 10 + OVMF 2025.02 strictnx, S3 on"),
]
COLUMN = {c.key: c for c in COLUMNS}

# Kernels with XEN_ELFNOTE_PHYS32_RELOC (Debian 13's 6.12 and later).
RELOCATABLE = {"deb13-cloud", "deb13-generic", "deb13bpo-cloud"}

# An SMM build of OVMF with S3 on keeps 0x810000-0x170FFFF as ACPI NVS (its
# S3 resume area), over the 16 MiB where Linux is linked: a kernel without
# note 19 cannot be placed, one with it is relocated.
REFUSE_NOT_RAM = r"pvhboot: error: .*kernel needs 0x1000000-0x[0-9A-Fa-f]+, which is not free RAM.*S3"


def _smm_s3(col):
    return col.s3 and ("secboot" in col.firmware or "strictnx" in col.firmware)


def expectation(kernel, col):
    """("pass", None) or ("refused", regex)."""
    if _smm_s3(col) and kernel not in RELOCATABLE:
        return "refused", REFUSE_NOT_RAM
    return "pass", None


# Machine type and memory per cell, rotating so that every kernel and every
# column meets both machine types and several sizes.  SMM builds need q35.
MEMS = ["512M", "1G", "2G", "3G"]


def _machine_mem(ki, ci, col):
    """SMM builds need q35; U-Boot's qemu-x86_64 build is an i440FX board
    (on q35 it sees no virtio disk and the kernel gets no ACPI tables:
    docs/u-boot.md), so its column is pc."""
    mem = MEMS[(ki + ci) % len(MEMS)]
    if col.firmware == "uboot":
        return "pc", mem
    smm = "secboot" in col.firmware or "strictnx" in col.firmware
    return ("q35" if (ki + ci) % 2 == 0 or smm else "pc"), mem


# The CI slice: trixie's strictnx OVMF with S3 on + Debian 13's 6.12
# (relocated), the 7.x kernel on Debian 12's OVMF, U-Boot, and one refusal.
# U-Boot is not in the slice: test_uboot.py boots the same kernel under it.
CI_CELLS = {("deb13-cloud", "ovmf13-strictnx-s3"), ("deb13bpo-cloud", "ovmf12-4m"),
            ("deb12-cloud", "ovmf13-strictnx-s3")}

Cell = collections.namedtuple("Cell", "kernel column machine mem expect pattern ci")


def cells():
    out = []
    for ki, kernel in enumerate(KERNELS):
        for ci, col in enumerate(COLUMNS):
            machine, mem = _machine_mem(ki, ci, col)
            expect, pattern = expectation(kernel, col)
            out.append(Cell(kernel, col.key, machine, mem, expect, pattern, (kernel, col.key) in CI_CELLS))
    return out


def _id(c):
    return "%s--%s" % (c.kernel, c.column)


def _params():
    return [pytest.param(c, id=_id(c), marks=() if c.ci or FULL else pytest.mark.skip(
        reason="full compatibility matrix only (PVHTEST_FULL=1, make check-full)")) for c in cells()]


# ---------------------------------------------------------------- fixtures

def _fetch_matrix(ids):
    p = subprocess.run([os.path.join(H.SCRIPTS, "fetch-matrix")] + sorted(ids), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode != 0:
        pytest.fail("scripts/fetch-matrix %s failed (%d):\n%s"
                    % (" ".join(sorted(ids)), p.returncode, p.stdout.decode(errors="replace")[-3000:]))


@pytest.fixture(scope="module")
def matrix_files(test_deps):
    """Fetch what the cells that will run need (only the CI slice's without
    PVHTEST_FULL)."""
    want = [c for c in cells() if c.ci or FULL]
    ids = {c.kernel for c in want} | {COLUMN[c.column].firmware for c in want}
    _fetch_matrix(ids)
    return MATRIX


@pytest.fixture(scope="module")
def qemu10(test_deps):
    """The bookworm-backports QEMU wrapper (scripts/fetch-qemu), fetched only
    when a cell that will run needs it."""
    if not any(COLUMN[c.column].qemu == "10" and (c.ci or FULL) for c in cells()):
        return None
    p = subprocess.run([os.path.join(H.SCRIPTS, "fetch-qemu")], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        pytest.fail("scripts/fetch-qemu failed (%d):\n%s" % (p.returncode, out[-3000:]))
    return out.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def compat_initrd():
    d = os.path.join(H.WORKDIR, "compat_matrix")
    os.makedirs(d, exist_ok=True)
    return H.mkinitrd(os.path.join(d, "initrd.img"))


# ---------------------------------------------------------------- one cell

def kernel_dir(kernel):
    return os.path.join(MATRIX, "kernels", kernel)


def firmware_dir(fw):
    return os.path.join(MATRIX, "firmware", fw)


def _read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def kernel_version(kernel):
    return _read(os.path.join(kernel_dir(kernel), "kernel-version"), "?").split("\n")[0]


def kernel_release(kernel):
    """Major.minor of the kernel (6.1, 6.12, 7.0, ...) from its package name."""
    m = re.search(r"linux-image-(\d+)\.(\d+)", kernel_version(kernel))
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def qemu_cpu_args(kernel, col):
    """QEMU 7.2's TCG mis-executes the CMPXCHG16B in SLUB's fast path of
    kernels from 6.12 at random (docs/debian-system.md: double faults with
    impossible EFLAGS, through every boot path): those kernels run without
    CX16 on QEMU 7.2, as Debian's own test of them does."""
    if col.qemu == "7.2" and kernel_release(kernel) >= (6, 12):
        return ["-cpu", "qemu64,-cx16"]
    return []


# The tree's revision when this run started (pvhboot.efi is built from it
# before the tests run).
SOURCE_REVISION = subprocess.run(["git", "-C", H.REPO, "describe", "--always", "--dirty"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode().strip()

_PLACED_RE = re.compile(r"pvhboot: kernel relocated.*")
_ERROR_RE = re.compile(r"pvhboot: error: .*")


def write_result(cell, col, outcome, reason, seconds, log_path, qemu_version, extra):
    os.makedirs(RESULTS, exist_ok=True)
    rec = {
        "kernel": cell.kernel, "kernel_label": KERNELS[cell.kernel], "kernel_version": kernel_version(cell.kernel),
        "column": col.key, "column_label": col.label, "firmware": col.firmware,
        "firmware_version": _read(os.path.join(firmware_dir(col.firmware), "package.txt"), "?").split("\n")[0],
        "s3": col.s3, "qemu": qemu_version, "qemu_args": list(extra), "machine": cell.machine, "mem": cell.mem,
        "expected": cell.expect, "outcome": outcome, "reason": reason, "seconds": round(seconds, 1),
        "log": os.path.relpath(log_path, H.REPO),
        "pvhboot": SOURCE_REVISION,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    with open(os.path.join(RESULTS, _id(cell) + ".json"), "w") as f:
        json.dump(rec, f, indent=1, sort_keys=True)


def firmware_needs_smm(fw):
    """By the package's own file name (package.txt: "code.fd ORIGINAL-PATH"):
    Debian's secboot builds need SMM (qemu.needs_smm)."""
    for line in _read(os.path.join(firmware_dir(fw), "package.txt")).split("\n")[1:]:
        parts = line.split()
        if len(parts) == 2 and parts[0] == "code.fd":
            return qemu.needs_smm(parts[1])
    return False


def _qemu_version(binary):
    out = subprocess.run([binary, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
                         ).stdout.decode(errors="replace")
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else "?"


def boot_cell(cell, col, pvhboot_efi, initrd, work, log_path, qemu_bin):
    word = secrets.token_hex(6)
    cmdline = "console=ttyS0 panic=-1 pvhtest.word=%s" % word
    kdir = kernel_dir(cell.kernel)
    conf = H.write_file(os.path.join(work, "pvhboot.conf"),
                        "title   matrix\nlinux   /vmlinux\ninitrd  /initrd.img\noptions %s\n" % cmdline)
    files = {"\\EFI\\BOOT\\BOOTX64.EFI": pvhboot_efi, "\\EFI\\BOOT\\pvhboot.conf": conf,
             "\\vmlinux": os.path.join(kdir, "vmlinux"), "\\initrd.img": initrd}
    esp = H.mkesp(os.path.join(work, "esp.img"), files, "echo PVHMARK-NSH-START\n")
    extra = qemu_cpu_args(cell.kernel, col)
    stop = ["pvhboot: error: "]
    if col.firmware == "uboot":
        # U-Boot's built-in bootargs would replace pvhboot.conf's options
        # (docs/u-boot.md): stop its autoboot, delete them, boot.
        rom = os.path.join(firmware_dir("uboot"), "u-boot.rom")
        return qemu.run_uboot(rom, esp, log_path, mem=cell.mem, smp=2, machine=cell.machine,
                              commands=["setenv bootargs", "boot"], stop_on=stop, extra=extra,
                              timeout=H.BOOT_TIMEOUT + 60, qemu=qemu_bin), cmdline
    fw = firmware_dir(col.firmware)
    return qemu.run_ovmf(esp, log_path, mem=cell.mem, smp=2, machine=cell.machine,
                         firmware=(os.path.join(fw, "code.fd"), os.path.join(fw, "vars.fd")),
                         smm=firmware_needs_smm(col.firmware),
                         s3=col.s3, extra=extra, stop_on=stop, qemu=qemu_bin,
                         timeout=H.BOOT_TIMEOUT + 60), cmdline


@pytest.mark.parametrize("cell", _params())
def test_cell(cell, matrix_files, qemu10, pvhboot_efi, compat_initrd, work, log_path):
    col = COLUMN[cell.column]
    qemu_bin = qemu10 if col.qemu == "10" else qemu.QEMU
    t0 = time.monotonic()
    result, cmdline = boot_cell(cell, col, pvhboot_efi, compat_initrd, work, log_path, qemu_bin)
    seconds = time.monotonic() - t0
    guest = H.GuestReport(result.text)
    error = _ERROR_RE.search(result.text)
    placed = _PLACED_RE.search(result.text)
    if guest.has("init-done") and guest.get("cmdline") == cmdline:
        outcome, reason = "pass", placed.group(0)[len("pvhboot: "):] if placed else ""
    elif error:
        outcome, reason = "refused", error.group(0)[len("pvhboot: error: "):]
    else:
        outcome = "fail"
        reason = ("fatal: %s" % result.fatal[1] if result.fatal else
                  "timeout" if result.timed_out else "no /init report")
    write_result(cell, col, outcome, reason.strip(), seconds, log_path, _qemu_version(qemu_bin),
                 qemu_cpu_args(cell.kernel, col))

    p = H.Problems(result)
    p.check(outcome == cell.expect, "outcome %s (%s), expected %s" % (outcome, reason, cell.expect))
    if cell.expect == "pass":
        p.check(not result.timed_out and result.fatal is None, "QEMU did not power off by itself")
        p.check(guest.has("memtotal-kb"), "no MemTotal from the guest")
        if cell.kernel in RELOCATABLE and _smm_s3(col):
            p.check(placed is not None, "a relocatable kernel under an S3 NVS area: no 'kernel relocated' line")
    else:
        p.check(error is not None and re.search(cell.pattern, error.group(0)),
                "refusal line %r does not match %r" % (error.group(0) if error else None, cell.pattern))
        p.check(not guest.has("init-start"), "the kernel ran although pvhboot refused it")
    p.raise_if_any()


def test_matrix_shape():
    """Every kernel meets every column once; both machine types and several
    memory sizes occur; the CI slice is what issue 13 names."""
    cs = cells()
    assert len({(c.kernel, c.column) for c in cs}) == len(KERNELS) * len(COLUMNS)
    assert {c.machine for c in cs} == {"q35", "pc"}
    assert {c.mem for c in cs} == set(MEMS)
    assert {(c.kernel, c.column) for c in cs if c.ci} == CI_CELLS
