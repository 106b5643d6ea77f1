# SPDX-License-Identifier: MIT
"""Shared helpers for the tests that boot the Debian fixtures of
scripts/mkdebian (docs/debian-system.md).

- fixture(): builds (or takes from the cache) the disk image for a suite and
  loader and copies it, with its OVMF variable store, into a test's own
  directory: every test boots its own copy, and several boots of one test
  share that disk and that variable store, like one machine.
- job_disk(): a second disk with a job for pvhtest-job.service in the guest
  (a plain tar: an executable `job` plus any files it needs).
- boot(): one QEMU run (OVMF, the disk, maybe a job disk) until the guest
  powers itself off.  QEMU always runs with -no-reboot, so a "reboot" is
  the next boot() on the same disk copy and variable store.
- boot_until_poweroff(): boots in a loop until one ends with the report's
  power-off or a maximum count (for fallback tests: boots that fail end
  QEMU without it).
- Report: the guest's PVHTEST lines (the report's, and the job's).
"""
import os
import re
import shutil
import subprocess
import tarfile
import io

import pvhharness as H
import qemu

FULL = os.environ.get("PVHTEST_FULL", "") not in ("", "0")
# Under TCG: OVMF ~4 s, the kernel and systemd to the login prompt ~20-60 s
# (more while other tests load the machine); this only bounds a hang.
DEBIAN_BOOT_TIMEOUT = float(os.environ.get("PVHTEST_DEBIAN_TIMEOUT", "240"))
# A boot that runs a job (dpkg -i of a kernel runs update-initramfs and
# pvhboot-kernel under TCG): minutes.
DEBIAN_JOB_TIMEOUT = float(os.environ.get("PVHTEST_DEBIAN_JOB_TIMEOUT", "900"))
MEM = "1G"
SMP = 2
PVHBOOT_LOADER = "\\EFI\\pvhboot\\pvhboot.efi"
ENTRIES_DIR = "/EFI/pvhboot/entries"

SKIP_UNLESS_FULL = "Debian multi-boot tests only in the full run (PVHTEST_FULL=1, make check-full)"


def read_kv(path):
    """A file of key=value lines as a dict."""
    out = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.rstrip("\n").partition("=")
            if sep:
                out[k] = v
    return out


class Fixture:
    """One test's copy of a mkdebian image: img, vars (the variable store
    all its boots share), part (the ESP's record), info (OUT.info: suite,
    loader, version, options, root_uuid, ...), build_log."""

    def __init__(self, img, build_log):
        self.img = img
        self.vars = img + ".vars.fd"
        self.part = read_kv(img + ".part")
        self.info = read_kv(img + ".info")
        self.build_log = build_log
        self.suite = self.info["suite"]
        self.loader = self.info["loader"]
        self.version = self.info["version"]
        self.options = self.info["options"]

    def esp_path(self, path):
        """mtools' IMAGE@@OFFSET for the ESP."""
        return "%s@@%d" % (self.img, int(self.part["start"]) * 512)

    def esp_ls(self, path):
        """Names in a directory of the ESP (empty if it does not exist)."""
        p = subprocess.run(["mdir", "-b", "-i", self.esp_path(path), "::" + path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        if p.returncode != 0:
            return []
        return sorted(l.rstrip("/").rsplit("/", 1)[-1]
                      for l in p.stdout.decode(errors="replace").split("\n") if l.strip())

    def esp_file(self, path):
        """A file's text from the ESP."""
        p = subprocess.run(["mtype", "-i", self.esp_path(path), "::" + path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        if p.returncode != 0:
            raise RuntimeError("mtype %s from %s: %s" % (path, self.img,
                                                         p.stderr.decode(errors="replace")))
        return p.stdout.decode()


def fixture(suite, dest_dir, loader="pvhboot", efi=None, name=None):
    """scripts/mkdebian [--loader LOADER] SUITE dest_dir/NAME.img: the cached
    image copied (sparse) for this test, with .vars.fd, .part and .info.
    The builder's output is kept as NAME.img.mkdebian.log."""
    name = name or "debian-%s-%s" % (suite, loader)
    img = os.path.join(dest_dir, name + ".img")
    env = dict(os.environ)
    if efi:
        env["EFI"] = efi
    argv = [os.path.join(H.SCRIPTS, "mkdebian"), "--loader", loader, suite, img]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    text = p.stdout.decode(errors="replace")
    with open(img + ".mkdebian.log", "w") as f:
        f.write(text)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(argv), p.returncode, text[-6000:]))
    return Fixture(img, text)


def fetch_debs(out, *packages, suite="bookworm", backports=False, status=None):
    """scripts/fetch-debs (private apt configuration under build/apt/):
    [(name, version, path)] in apt's order of installation."""
    argv = [os.path.join(H.SCRIPTS, "fetch-debs"), "--suite", suite, "--out", out]
    if backports:
        argv.append("--backports")
    if status:
        argv += ["--status", status]
    p = subprocess.run(argv + list(packages), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(argv + list(packages)), p.returncode,
                                                  p.stderr.decode(errors="replace")[-4000:]))
    debs = []
    with open(os.path.join(out, "packages.list")) as f:
        for line in f:
            n, v, fname = line.split()
            debs.append((n, v, os.path.join(out, fname)))
    return debs


def job_disk(path, script, files=(), name=None):
    """path: a raw disk holding a tar for pvhtest-job.service: `job` (the
    script, mode 0755, run as root in the unpacked directory), `name` and
    files ((name in the tar, host path) pairs).  tar's own 10 KiB records
    make its size a multiple of 512."""
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tar:
        def add_bytes(arcname, data, mode=0o644):
            ti = tarfile.TarInfo(arcname)
            ti.size = len(data)
            ti.mode = mode
            tar.addfile(ti, io.BytesIO(data))
        add_bytes("job", script.encode(), 0o755)
        add_bytes("name", ((name or os.path.basename(path)) + "\n").encode())
        for arcname, src in files:
            tar.add(src, arcname=arcname, recursive=False)
    return path


_PVHTEST_RE = re.compile(r"PVHTEST ([^=\s]+)(?:=(.*))?$")


class Report:
    """The guest's PVHTEST lines of one boot: get(key) is the first value,
    all(key) every value in order (a job may repeat a key, one line per
    item), job_log the job's other output lines ("PVHTEST job: ...")."""

    def __init__(self, text):
        self.values = {}
        self.job_log = []
        for line in text.split("\n"):
            i = line.find("PVHTEST job: ")
            if i >= 0:
                self.job_log.append(line[i + len("PVHTEST job: "):])
                continue
            m = _PVHTEST_RE.search(line)
            if m:
                self.values.setdefault(m.group(1), []).append(
                    m.group(2) if m.group(2) is not None else True)

    def get(self, key, default=None):
        v = self.values.get(key)
        return v[0] if v else default

    def all(self, key):
        return list(self.values.get(key, []))

    def has(self, key):
        return key in self.values


class Boot:
    """One QEMU run: result (qemu.QemuResult), report (Report), log path."""

    def __init__(self, result, log_path):
        self.result = result
        self.log_path = log_path
        self.report = Report(result.text)
        self.lines = result.lines

    @property
    def powered_off(self):
        """The report reached its power-off and the kernel powered down."""
        return (self.report.has("poweroff")
                and any(l.endswith("reboot: Power down") for l in self.lines))

    def pvhboot_lines(self):
        return [l for l in self.lines if l.startswith("pvhboot: ")]

    def bds_lines(self):
        return [l for l in self.lines if l.startswith("BdsDxe:")]

    def kernel_start_host(self):
        """Seconds from QEMU's start to the kernel's time 0: QEMU's run
        time minus the kernel's own time stamp of its "reboot: Power down"
        line (QEMU exits within milliseconds of it); None if missing."""
        for l in reversed(self.lines):
            if l.endswith("reboot: Power down"):
                m = re.match(r"^\[\s*(\d+\.\d+)\] ", l)
                if m:
                    return self.result.elapsed - float(m.group(1))
        return None

    def summary(self):
        r = self.report
        return ("%s: QEMU %.1f s, kernel %s, efi %s, state %s, failed %s, job-exit %s"
                % (os.path.basename(self.log_path), self.result.elapsed, r.get("kernel"),
                   r.get("efi"), r.get("system-state"), r.get("failed-units"), r.get("job-exit")))


def boot(fx, log_path, job=None, timeout=None, extra=(), smp=SMP):
    """Boot fx (its disk and variable store, both changed by the boot) with
    an optional job disk; wait until QEMU exits (the guest's power-off) or
    the timeout."""
    if timeout is None:
        timeout = DEBIAN_JOB_TIMEOUT if job else DEBIAN_BOOT_TIMEOUT
    result = qemu.run_ovmf(fx.img, log_path, mem=MEM, smp=smp, timeout=timeout,
                           firmware=(qemu.FIRMWARE["4M"][0], fx.vars), vars_file=fx.vars,
                           more_disks=[job] if job else (), extra=extra)
    return Boot(result, log_path)


def boot_until_poweroff(fx, log_base, max_boots, job_for=None, timeout=None, extra=()):
    """Boot fx again and again, each boot a QEMU run with log
    log_base-bootN.log, until one ends with the report's power-off, or
    max_boots runs.  job_for(n, boots_so_far): the job disk for boot n
    (1-based) or None.  Returns every Boot in order; the last one powered
    off unless the count ran out."""
    boots = []
    for n in range(1, max_boots + 1):
        job = job_for(n, boots) if job_for else None
        b = boot(fx, "%s-boot%d.log" % (log_base, n), job=job, timeout=timeout, extra=extra)
        boots.append(b)
        if b.powered_off:
            break
    return boots


def check_running(p, b, what="boot"):
    """The common checks of a boot that should have come up and powered
    off: state running, no failed units, the report's power-off, QEMU
    ended by itself with status 0."""
    r = b.report
    p.check(r.get("system-state") == "running",
            "%s: systemctl is-system-running: %r, failed units: %s"
            % (what, r.get("system-state"), r.get("failed-units")))
    p.check(r.get("failed-units") == "none", "%s: failed units: %s" % (what, r.get("failed-units")))
    p.check("Kernel panic" not in b.result.text, "%s: kernel panic" % what)
    p.check(b.powered_off, "%s: the guest did not power off after its report" % what)
    if b.result.fatal:
        p.check(False, "%s: fatal error in the log: %r" % (what, b.result.fatal))
    p.check(not b.result.timed_out, "%s: QEMU did not exit before its timeout" % what)
    p.check(b.result.returncode == 0, "%s: QEMU exit status %s" % (what, b.result.returncode))


class MultiProblems(H.Problems):
    """H.Problems for several boots: the failure message names every
    boot's log and shows the tail of the last one."""

    def __init__(self):
        super().__init__(None)
        self.boots = []

    def add(self, b):
        self.boots.append(b)
        return b

    def raise_if_any(self):
        if self.items:
            msg = ["%d problem(s):" % len(self.items)] + ["  - " + i for i in self.items]
            msg += ["boots:"] + ["  " + b.summary() + " (" + b.log_path + ")" for b in self.boots]
            if self.boots:
                msg.append(self.boots[-1].result.describe())
            raise AssertionError("\n".join(msg))


def normpath(path):
    """A path as pvhboot prints it: backslashes, one leading backslash."""
    return "\\" + path.replace("/", "\\").lstrip("\\")


def entry_files(fx, version=None):
    """The entries on fx's ESP (file names in /EFI/pvhboot/entries/), or
    those for one version (pvhboot-VERSION.conf or a boot-counted
    pvhboot-VERSION+LEFT[-DONE].conf)."""
    names = [n for n in fx.esp_ls(ENTRIES_DIR) if n.endswith(".conf")]
    if version is None:
        return names
    return [n for n in names
            if re.fullmatch(r"pvhboot-%s(\+\d+(-\d+)?)?\.conf" % re.escape(version), n)]


def cmdline_ok(cmdline, options, entry_id):
    """The guest's /proc/cmdline is the entry's options, with or without
    the `pvhboot.entry=ID` pvhboot appends for entries from the entries
    directory."""
    return cmdline in (options, "%s pvhboot.entry=%s" % (options, entry_id))


def copy_sparse(src, dst):
    subprocess.run(["cp", "--sparse=always", "--reflink=auto", src, dst], check=True)
    return dst


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)
