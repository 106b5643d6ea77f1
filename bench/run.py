#!/usr/bin/python3
"""bench/run.py: how long each way of booting the same Linux takes (issue 5).

Builds every scenario from the same Debian cloud kernel (build/kernel:
vmlinux for the PVH loaders, the original bzImage for the EFI-stub ones) and
the same busybox initrd (scripts/mkinitrd.sh: /init prints
"PVHTEST uptime=<seconds>" early and powers off), boots each one --runs times
interleaved (A B C ... A B C ...) under QEMU q35, 512 MiB, 2 vCPUs, TCG (or
ACCEL=kvm), and writes the results to bench/results/latest.{md,csv,png}
(latest-runs.csv: every run).

Every serial line is timestamped on the host (monotonic clock) as it arrives
on QEMU's stdout pipe.  Per run:
  hand-off      the "BdsDxe: starting Boot####" line (UEFI scenarios only)
  kernel start  host time of the "PVHTEST uptime=" line minus that uptime:
                the kernel's clock zero (early setup_arch, after any
                decompression)
  init          the "PVHTEST uptime=" line
  exit          QEMU's process exit
  loader window kernel start - hand-off: the firmware loading the boot
                program, the loader, and for a bzImage the EFI stub and the
                decompressor
all in seconds since QEMU was started.  pvhboot runs with pvhboot.timing when
the binary supports it, and its TSC phase marks are reported too; the
read-baseline scenario (tests/efi/read-baseline.c) is the physical-limit
anchor: the same vmlinux PT_LOAD bytes read with the same EFI calls.

Usage: bench/run.py [--runs N] [--only KEY,KEY] [--out DIR]
Env: BENCH_RUNS (default 5), ACCEL (tcg|kvm), BENCH_TIMEOUT (s per boot,
default 120), BENCH_PARITY_WORDS (the parity pair's extra kernel words),
QEMU, OVMF_CODE, OVMF_VARS.
"""
import argparse
import csv
import datetime
import os
import platform
import re
import shlex
import shutil
import statistics
import struct
import subprocess
import sys
import threading
import time
import uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import qemu as Q  # noqa: E402  (clean(), OVMF paths, fatal patterns, shell prompt)

BUILD = os.path.join(REPO, "build")
WORK = os.path.join(BUILD, "bench")
LOGS = os.path.join(WORK, "logs")
SCRIPTS = os.path.join(REPO, "scripts")
PYTHON = "/usr/bin/python3"

MEM = "512M"
SMP = 2
CMDLINE = "console=ttyS0 panic=-1"


def host_tsc_khz():
    """The host's TSC rate in kHz (the host kernel's "tsc: Detected" line, else
    /proc/cpuinfo), or None.  Under TCG the guest's TSC is the host's."""
    m = re.search(r"tsc: Detected ([0-9]+)\.([0-9]{3}) MHz", out_of(["dmesg"]))
    if m:
        return int(m.group(1)) * 1000 + int(m.group(2))
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^cpu MHz\s*:\s*([0-9.]+)", f.read(), re.M)
        return int(float(m.group(1)) * 1000) if m else None
    except OSError:
        return None


def parity_words(accel):
    """Kernel words for the kernel start -> init pair (issue 12 item 5): the
    same for pvhboot and the EFI stub, chosen to take out two emulation
    artifacts that have nothing to do with the loader.  `quiet`: under TCG
    every console byte is a trapped port write, and the ~40 KB of boot
    messages make kernel start -> init noisy.  `tsc_early_khz=`: the kernel's
    fast PIT calibration of the TSC fails at random under TCG; when it does,
    the kernel's clock starts after its memory setup instead of before, so
    runs with and without the fallback measure different spans.  With a given
    rate the early TSC always works and the clock always starts at the same
    point (arch/x86/kernel/tsc.c, determine_cpu_tsc_frequencies()).
    BENCH_PARITY_WORDS replaces the words (to look into the pair, say
    "initcall_debug tsc_early_khz=N")."""
    if os.environ.get("BENCH_PARITY_WORDS"):
        return os.environ["BENCH_PARITY_WORDS"]
    words = "quiet"
    khz = host_tsc_khz() if accel == "tcg" else None
    if khz:
        words += " tsc_early_khz=%d" % khz
    return words
SYSTEMD_BOOT = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"
QBOOT = "/usr/share/qemu/qboot.rom"
PVHBOOT_LOADER = "\\EFI\\pvhboot\\pvhboot.efi"

# A "small fraction" for the post-ExitBootServices move + entry, fixed here
# before any run: at most this share of pvhboot's loader window.
POST_EBS_MAX_SHARE = 0.05

# Every disk's ESP: 512 MiB, FAT32 with 4 KiB clusters, like the ESP an
# installer makes (Debian's: 512 MiB-1 GiB).  A just-fitting ESP (0: the
# size mkesp.sh picks) gets 1 KiB clusters, and the firmware's FAT driver
# then walks four times as many clusters per file (CPU work, slow under TCG).
ESP_MIB = int(os.environ.get("BENCH_ESP_MIB") or 512)

# Other QEMUs on the machine (someone's test suite) and other busy processes
# disturb the timings: before each boot wait up to this many seconds for
# them to end (no other QEMU, host CPUs < BUSY_MAX busy).
# At most QUIET_BUDGET seconds of such waiting in all, so a busy machine
# cannot stretch `make bench` past its time budget.
QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT") or 20)
QUIET_BUDGET = float(os.environ.get("BENCH_QUIET_BUDGET") or 180)
_quiet_spent = [0.0]
BUSY_MAX = 0.25


def log(msg):
    print("bench: %s" % msg, flush=True)


def sh(argv, **kw):
    """Run a helper; on failure raise with its output."""
    p = subprocess.run([str(a) for a in argv], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, **kw)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (shlex.join(map(str, argv)), p.returncode,
                                                  p.stdout.decode(errors="replace")[-3000:]))
    return p.stdout.decode(errors="replace")


def out_of(argv):
    try:
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              check=False).stdout.decode(errors="replace").strip()
    except OSError:
        return ""


def pkg_version(pkg):
    return out_of(["dpkg-query", "-W", "-f", "${Version}", pkg]) or "not installed"


class Skip(Exception):
    """A scenario that cannot be built on this machine (the reason is reported)."""


# --- scenarios ----------------------------------------------------------------

class Scenario:
    def __init__(self, key, label, firmware, disk, vars_src=None, extra=(), notes=""):
        self.key = key
        self.label = label
        self.firmware = firmware        # "ovmf", "seabios" or "qboot"
        self.disk = disk
        self.vars_src = vars_src
        self.extra = list(extra)
        self.notes = notes
        self.runs = []
        self.skipped = None

    @property
    def uefi(self):
        return self.firmware == "ovmf"

    def argv(self, vars_copy):
        accel = Q.accel()
        argv = [Q.QEMU, "-machine", "q35,accel=%s" % accel, "-m", MEM, "-smp", str(SMP),
                "-nodefaults", "-nic", "none", "-display", "none", "-monitor", "none",
                "-chardev", "stdio,id=ser0,signal=off", "-serial", "chardev:ser0", "-no-reboot"]
        if self.firmware == "ovmf":
            argv += ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=%s" % Q.OVMF_CODE,
                     "-drive", "if=pflash,format=raw,unit=1,file=%s" % vars_copy]
        elif self.firmware == "qboot":
            argv += ["-bios", QBOOT]
        argv += ["-drive", "file=%s,format=raw,if=virtio" % self.disk]
        return argv + self.extra


def mkesp(out, files):
    """files: [(src, dest in the ESP)]; scripts/mkesp.sh makes the GPT image,
    ESP_MIB big (a sparse file)."""
    env = dict(os.environ)
    if ESP_MIB:
        env["ESP_SIZE_MIB"] = str(ESP_MIB)
    sh([os.path.join(SCRIPTS, "mkesp.sh"), out] + ["%s=%s" % (s, d) for s, d in files], env=env)
    return out


def write(path, text):
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


def gpt_first_partition(img):
    """(unique partition GUID, first LBA, number of LBAs) of GPT entry 1."""
    with open(img, "rb") as f:
        f.seek(512)
        hdr = f.read(92)
        if hdr[:8] != b"EFI PART":
            raise RuntimeError("%s: no GPT header" % img)
        ent_lba, = struct.unpack_from("<Q", hdr, 72)
        f.seek(ent_lba * 512)
        ent = f.read(128)
    part = uuid.UUID(bytes_le=ent[16:32])
    first, last = struct.unpack_from("<QQ", ent, 32)
    return str(part), first, last - first + 1


def pvhboot_supports_timing(efi):
    """pvhboot.timing landed if the binary prints "tsc-hz" (UTF-16 format string)."""
    with open(efi, "rb") as f:
        data = f.read()
    return "tsc-hz".encode("utf-16-le") in data


def mkvars_ready():
    """ovmf-vars/mkvars.py, once it is committed (not a work in progress)."""
    path = os.path.join(REPO, "ovmf-vars", "mkvars.py")
    if not os.path.isfile(path):
        return None
    tracked = subprocess.run(["git", "-C", REPO, "ls-files", "--error-unmatch", "ovmf-vars/mkvars.py"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if not tracked and not os.environ.get("BENCH_MKVARS_UNTRACKED"):
        return None
    return path


def build_scenarios(art, only):
    """All scenarios, in the interleaving order.  art: the shared artifacts."""
    pv, tools = art["pvhboot"], art
    timing = art["timing"]
    pvh_words = ("pvhboot.timing " if timing else "") + CMDLINE
    common = [(art["vmlinux"], "/vmlinux"), (art["initrd"], "/initrd.img")]
    scen = []

    def add(key, make):
        if only and key not in only:
            return
        try:
            s = make()
        except Skip as e:
            s = Scenario(key, key, "ovmf", None)
            s.skipped = str(e)
            log("%s: skipped: %s" % (key, e))
        except (RuntimeError, OSError) as e:
            s = Scenario(key, key, "ovmf", None)
            s.skipped = "build failed: %s" % str(e).strip().splitlines()[0]
            log("%s: %s" % (key, s.skipped))
            log(str(e))
        scen.append(s)

    def pvhboot_entry(key="pvhboot-entry", label="pvhboot, Boot0000 (ovmf-vars)", words=""):
        mkvars = mkvars_ready()
        if not mkvars:
            raise Skip("ovmf-vars/mkvars.py is not committed yet (the removable-media scenario "
                       "stands in for it)")
        d = os.path.join(WORK, key)
        os.makedirs(d, exist_ok=True)
        esp = mkesp(os.path.join(d, "esp.img"), [(pv, "/EFI/pvhboot/pvhboot.efi")] + common)
        guid, start, size = gpt_first_partition(esp)
        vars_out = os.path.join(d, "OVMF_VARS_4M-pvhboot.fd")
        sh([PYTHON, mkvars, "--in", Q.OVMF_VARS, "--out", vars_out, "--part-guid", guid,
            "--part-start", start, "--part-size", size, "--loader", PVHBOOT_LOADER,
            "--options", "kernel=\\vmlinux initrd=\\initrd.img " + pvh_words + words, "-q"])
        return Scenario(key, label, "ovmf", esp, vars_out,
                        notes="Boot0000 from ovmf-vars/mkvars.py: %s with load options" % PVHBOOT_LOADER)

    def pvhboot_removable():
        d = os.path.join(WORK, "pvhboot-removable")
        os.makedirs(d, exist_ok=True)
        conf = "title    pvhboot bench\nlinux    /vmlinux\ninitrd   /initrd.img\n"
        if timing:
            conf += "timing   yes\n"
        conf += "options  %s\n" % CMDLINE
        write(os.path.join(d, "pvhboot.conf"), conf)
        esp = mkesp(os.path.join(d, "esp.img"),
                    [(pv, "/EFI/BOOT/BOOTX64.EFI"), (os.path.join(d, "pvhboot.conf"),
                                                     "/EFI/BOOT/pvhboot.conf")] + common)
        return Scenario("pvhboot-removable", "pvhboot, removable path (default VARS)", "ovmf", esp,
                        Q.OVMF_VARS, notes="\\EFI\\BOOT\\BOOTX64.EFI + pvhboot.conf, Debian's OVMF_VARS_4M.fd")

    def pvhboot_shell():
        d = os.path.join(WORK, "pvhboot-shell")
        os.makedirs(d, exist_ok=True)
        nsh = write(os.path.join(d, "startup.nsh"),
                    "fs0:\r\n%s kernel=\\vmlinux initrd=\\initrd.img %s\r\nreset -s\r\n"
                    % (PVHBOOT_LOADER, pvh_words))
        esp = mkesp(os.path.join(d, "esp.img"),
                    [(nsh, "/startup.nsh"), (pv, "/EFI/pvhboot/pvhboot.efi")] + common)
        return Scenario("pvhboot-shell", "pvhboot, EFI shell startup.nsh", "ovmf", esp, Q.OVMF_VARS,
                        notes="hand-off = BDS starting the shell; the shell's 5 s countdown is "
                              "skipped by a key press")

    def reader():
        d = os.path.join(WORK, "read-baseline")
        os.makedirs(d, exist_ok=True)
        nsh = write(os.path.join(d, "startup.nsh"),
                    "fs0:\r\n\\read-baseline.efi \\vmlinux\r\nreset -s\r\n")
        esp = mkesp(os.path.join(d, "esp.img"),
                    [(nsh, "/startup.nsh"), (tools["reader"], "/read-baseline.efi"),
                     (art["vmlinux"], "/vmlinux")])
        return Scenario("read-baseline", "read-baseline.efi (reads vmlinux only)", "ovmf", esp,
                        Q.OVMF_VARS, notes="tests/efi/read-baseline.c from the shell; no kernel boots")

    def systemd_boot():
        if not os.path.isfile(SYSTEMD_BOOT):
            raise Skip("%s missing (Debian package systemd-boot-efi)" % SYSTEMD_BOOT)
        d = os.path.join(WORK, "systemd-boot")
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "loader.conf"), "timeout 0\ndefault bench.conf\n")
        write(os.path.join(d, "bench.conf"), "title   bench\nlinux   /vmlinuz\n"
              "initrd  /initrd.img\noptions %s\n" % CMDLINE)
        esp = mkesp(os.path.join(d, "esp.img"), [
            (SYSTEMD_BOOT, "/EFI/BOOT/BOOTX64.EFI"),
            (os.path.join(d, "loader.conf"), "/loader/loader.conf"),
            (os.path.join(d, "bench.conf"), "/loader/entries/bench.conf"),
            (art["vmlinuz"], "/vmlinuz"), (art["initrd"], "/initrd.img")])
        return Scenario("systemd-boot", "systemd-boot + bzImage", "ovmf", esp, Q.OVMF_VARS,
                        notes="systemd-boot-efi %s, BLS type #1 entry, timeout 0"
                              % pkg_version("systemd-boot-efi"))

    def grub():
        if not shutil.which("grub-mkstandalone") or not os.path.isdir("/usr/lib/grub/x86_64-efi"):
            raise Skip("grub-mkstandalone or /usr/lib/grub/x86_64-efi missing (grub-efi-amd64-bin)")
        d = os.path.join(WORK, "grub")
        os.makedirs(d, exist_ok=True)
        cfg = write(os.path.join(d, "grub.cfg"),
                    "set timeout=0\nset default=0\n"
                    "search --no-floppy --set=root --file /vmlinuz\n"
                    "menuentry 'bench' {\n"
                    "    linux /vmlinuz %s\n"
                    "    initrd /initrd.img\n"
                    "}\n" % CMDLINE)
        efi = os.path.join(d, "BOOTX64.EFI")
        sh(["grub-mkstandalone", "-O", "x86_64-efi", "-o", efi,
            "--modules=part_gpt fat",
            "--install-modules=linux normal search search_fs_file part_gpt fat echo test",
            "--locales=", "--fonts=", "--themes=",
            "boot/grub/grub.cfg=%s" % cfg])
        esp = mkesp(os.path.join(d, "esp.img"), [(efi, "/EFI/BOOT/BOOTX64.EFI"),
                                                 (art["vmlinuz"], "/vmlinuz"), (art["initrd"], "/initrd.img")])
        return Scenario("grub", "GRUB + bzImage", "ovmf", esp, Q.OVMF_VARS,
                        notes="grub-mkstandalone (grub-efi-amd64-bin %s), timeout=0"
                              % pkg_version("grub-efi-amd64-bin"))

    # The scenarios without a boot program on the disk get the same kind of
    # disk (one virtio GPT disk) holding the kernel files, so every machine
    # has the same devices for the firmware to connect.
    data_disk = []

    def data():
        if not data_disk:
            d = os.path.join(WORK, "data")
            os.makedirs(d, exist_ok=True)
            data_disk.append(mkesp(os.path.join(d, "disk.img"), [
                (art["vmlinuz"], "/vmlinuz"), (art["vmlinux"], "/vmlinux"), (art["initrd"], "/initrd.img")]))
        return data_disk[0]

    def ovmf_kernel(key="ovmf-kernel", label="OVMF -kernel bzImage (EFI stub)", words=""):
        return Scenario(key, label, "ovmf", data(), Q.OVMF_VARS,
                        extra=["-kernel", art["vmlinuz"], "-initrd", art["initrd"], "-append", CMDLINE + words],
                        notes="QEMU's fw_cfg kernel loader in OVMF; no BdsDxe hand-off line")

    def seabios():
        return Scenario("seabios-pvh", "SeaBIOS -kernel vmlinux (QEMU PVH)", "seabios", data(),
                        extra=["-kernel", art["vmlinux"], "-initrd", art["initrd"], "-append", CMDLINE],
                        notes="QEMU loads the ELF itself; pvh.bin option ROM; no UEFI")

    def qboot():
        if not os.path.isfile(QBOOT):
            raise Skip("%s missing (qemu-system-data)" % QBOOT)
        return Scenario("qboot-pvh", "qboot -kernel vmlinux (QEMU PVH)", "qboot", data(),
                        extra=["-kernel", art["vmlinux"], "-initrd", art["initrd"], "-append", CMDLINE],
                        notes="-bios qboot.rom; no UEFI")

    add("pvhboot-entry", pvhboot_entry)
    add("pvhboot-removable", pvhboot_removable)
    add("pvhboot-shell", pvhboot_shell)
    add("read-baseline", reader)
    add("systemd-boot", systemd_boot)
    add("grub", grub)
    add("ovmf-kernel", ovmf_kernel)
    add("seabios-pvh", seabios)
    add("qboot-pvh", qboot)
    # The kernel start -> init pair: the same kernel words after both loaders
    # (pvhboot.timing is pvhboot's own and never reaches the kernel).
    pw = " " + art["parity_words"]
    add("pvhboot-parity", lambda: pvhboot_entry("pvhboot-parity", "pvhboot, Boot0000," + pw, pw))
    add("ovmf-kernel-parity", lambda: ovmf_kernel("ovmf-kernel-parity", "OVMF -kernel bzImage," + pw, pw))
    return scen


# --- one QEMU run, every serial line timestamped ---------------------------------

class Run:
    """One boot: serial lines with host times (seconds since QEMU start)."""

    def __init__(self, scenario, index):
        self.scenario = scenario
        self.index = index
        self.lines = []             # (t, text)
        self.exit = None
        self.returncode = None
        self.timed_out = False
        self.fatal = None
        self.m = {}                 # metrics (analyse())
        self.others = 0             # other QEMUs running when this one started
        self.waited = 0.0           # seconds waited for them first
        self.busy = 0.0             # host CPU busy share just before the start
        self.ok = False


def boot(s, index, timeout):
    r = Run(s, index)
    vars_copy = None
    if s.uefi:
        vars_copy = os.path.join(WORK, "vars-%s.fd" % s.key)
        shutil.copyfile(s.vars_src, vars_copy)
    argv = s.argv(vars_copy)
    os.makedirs(LOGS, exist_ok=True)
    log_path = os.path.join(LOGS, "%s-%d.log" % (s.key, index))
    partial = bytearray()
    state = {"pressed": False}
    err = open(log_path + ".stderr", "wb")
    r.waited = wait_quiet(QUIET_WAIT)
    r.others = other_qemus()
    r.busy = host_busy(0.1)
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                            start_new_session=True)

    def reader():
        fd = proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            now = time.monotonic() - t0
            if not chunk:
                break
            partial.extend(chunk)
            while True:
                nl = partial.find(b"\n")
                if nl < 0:
                    break
                text = Q.clean(bytes(partial[:nl]))
                del partial[:nl + 1]
                r.lines.append((now, text))
                for pat in Q.FATAL_PATTERNS:
                    if r.fatal is None and pat in text:
                        r.fatal = (now, pat)
            # The shell's "Press ESC in 5 seconds" prompt has no newline yet:
            # any other key starts startup.nsh at once (as qemu.py does).
            if not state["pressed"] and Q.SHELL_COUNTDOWN in Q.clean(bytes(partial)):
                state["pressed"] = True
                r.m["key"] = now
                try:
                    proc.stdin.write(b" ")
                    proc.stdin.flush()
                except OSError:
                    pass
        if partial:
            r.lines.append((time.monotonic() - t0, Q.clean(bytes(partial))))

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    deadline = t0 + timeout
    while True:
        try:
            proc.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            now = time.monotonic()
            if r.fatal is not None:
                deadline = min(deadline, t0 + r.fatal[0] + Q.FATAL_GRACE)
            if now > deadline:
                r.timed_out = True
                proc.kill()
                proc.wait()
                break
    r.exit = time.monotonic() - t0
    r.returncode = proc.returncode
    th.join(5)
    err.close()
    with open(log_path, "w") as f:
        f.write("# %s\n" % shlex.join(argv))
        for t, text in r.lines:
            f.write("%10.6f %s\n" % (t, text))
        f.write("# exit %.6f status %s%s\n" % (r.exit, r.returncode, " TIMEOUT" if r.timed_out else ""))
    with open(log_path + ".stderr", "rb") as f:
        stderr = f.read().decode(errors="replace").strip()
    os.unlink(log_path + ".stderr")
    if stderr:
        with open(log_path, "a") as f:
            f.write("# qemu stderr:\n%s\n" % stderr)
    if vars_copy:
        os.unlink(vars_copy)
    r.log_path = log_path
    analyse(r)
    return r


# --- what a run says ------------------------------------------------------------

BDS_RE = re.compile(r"BdsDxe: (loading|starting|failed to load|failed to start) (Boot[0-9A-Fa-f]{4})")
PRINTK_RE = re.compile(r"^\[\s*([0-9]+\.[0-9]+)\] ")
UPTIME_RE = re.compile(r"PVHTEST uptime=([0-9]+(?:\.[0-9]+)?)")
TSC_RE = re.compile(r"(pvhboot|read-baseline): tsc ([A-Za-z0-9_.-]+) (0x[0-9A-Fa-f]+|[0-9]+)(?: ([0-9]+))?\s*$")
HZ_RE = re.compile(r"(pvhboot|read-baseline): tsc-hz ([0-9]+)")


def other_qemus():
    """QEMU processes running now that this benchmark did not start (other
    users of the machine disturb the timings: reported per run)."""
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % pid) as f:
                if f.read().startswith("qemu-system"):
                    n += 1
        except OSError:
            pass
    return n


def host_busy(interval=0.3):
    """Share of the host's CPU time (all CPUs) that was busy over interval."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0)
    t1, i1 = sample()
    time.sleep(interval)
    t2, i2 = sample()
    return 1.0 - (i2 - i1) / (t2 - t1) if t2 > t1 else 0.0


def wait_quiet(limit):
    """Wait up to limit seconds for other QEMUs to end and the host's CPUs
    to be mostly idle (< BUSY_MAX); the seconds waited."""
    t0 = time.monotonic()
    limit = min(limit, QUIET_BUDGET - _quiet_spent[0])
    while (other_qemus() or host_busy() > BUSY_MAX) and time.monotonic() - t0 < limit:
        time.sleep(0.2)
    waited = time.monotonic() - t0
    _quiet_spent[0] += waited
    return waited


def analyse(r):
    m = r.m
    options = []
    loading = {}
    handoff = None
    for t, text in r.lines:
        if "uptime" in m:
            break
        b = BDS_RE.search(text)
        if b:
            if b.group(2) not in options:
                options.append(b.group(2))
            if b.group(1) == "loading":
                loading[b.group(2)] = t
            if b.group(1) == "starting":
                handoff = t
                m["handoff_option"] = b.group(2)
                m["bds_attempts"] = len(options)
                if b.group(2) in loading:
                    m["loadimage"] = t - loading[b.group(2)]
        if "stub" not in m and "EFI stub:" in text:
            m["stub"] = t
        # The kernel's fast PIT calibration of the TSC fails now and then
        # under TCG (timing jitter); the fallback adds ~0.25 s before its
        # clock starts, that is inside the loader window.
        if "tsc: Fast TSC calibration failed" in text or "tsc: Unable to calibrate" in text:
            m["tsc_fallback"] = 1
        u = UPTIME_RE.search(text)
        if u:
            m["uptime"] = float(u.group(1))
            m["init"] = t
            m["kernel"] = t - m["uptime"]
            m["kernel_to_init"] = m["uptime"]
    if handoff is not None:
        m["handoff"] = handoff
    if "kernel" in m and handoff is not None:
        m["window"] = m["kernel"] - handoff
    for t, text in r.lines:
        if re.search(r"pvhboot: tsc entry ", text):
            m["entry_line"] = t
            if "kernel" in m:
                m["entry_to_kernel"] = m["kernel"] - t
            if handoff is not None:
                m["to_entry"] = t - handoff
    # Cross-check of the kernel start: every kernel message printed live
    # (after the console is up) gives host time - printk time >= the clock's
    # zero; the smallest is the tightest (no init-side latency).
    zero = [t - float(k.group(1)) for t, text in r.lines
            for k in [PRINTK_RE.match(text)] if k and float(k.group(1)) > 0]
    if zero:
        m["kernel_printk"] = min(zero)
        if "kernel" in m:
            m["uptime_bias"] = m["kernel"] - m["kernel_printk"]
    if "stub" in m:
        if handoff is not None:
            m["to_stub"] = m["stub"] - handoff
        if "kernel" in m:
            m["stub_to_kernel"] = m["kernel"] - m["stub"]
    m["exit"] = r.exit
    # TSC marks: pvhboot.timing and read-baseline.
    for who in ("pvhboot", "read-baseline"):
        marks, hz = [], None
        for t, text in r.lines:
            h = HZ_RE.search(text)
            if h and h.group(1) == who:
                hz = int(h.group(2))
            x = TSC_RE.search(text)
            if x and x.group(1) == who:
                marks.append((x.group(2), int(x.group(3), 0), int(x.group(4)) if x.group(4) else 0, t))
        if marks and hz:
            m[who] = tsc_breakdown(marks, hz)
    r.ok = ("kernel" in m and not r.timed_out and r.fatal is None) or \
           (r.scenario.key == "read-baseline" and "read-baseline" in m and not r.timed_out)


def tsc_breakdown(marks, hz):
    """marks: [(phase, tsc, bytes, host t)] -> phases in TSC order with the ms
    each took since the previous mark, plus derived figures."""
    marks = sorted(marks, key=lambda x: x[1])
    first = marks[0][1]
    by = {name: (tsc, nbytes) for name, tsc, nbytes, _ in marks}
    ms = lambda a, b: (b - a) * 1000.0 / hz  # noqa: E731
    phases = []
    prev = first
    for name, tsc, nbytes, _ in marks:
        phases.append((name, ms(prev, tsc), nbytes))
        prev = tsc
    out = {"hz": hz, "phases": phases, "total_ms": ms(first, marks[-1][1]), "marks": by}

    def span(a, b):
        return ms(by[a][0], by[b][0]) if a in by and b in by else None

    # pvhboot
    out["load_ms"] = span("kernel-open", "kernel-read")
    if out["load_ms"]:
        out["load_mbps"] = by["kernel-read"][1] / 1e6 / (out["load_ms"] / 1000.0)
    out["initrd_ms"] = span("kernel-read", "initrd-read")
    if out["initrd_ms"] and by["initrd-read"][1]:
        out["initrd_mbps"] = by["initrd-read"][1] / 1e6 / (out["initrd_ms"] / 1000.0)
    out["post_ebs_ms"] = span("code-zeroed" if "code-zeroed" in by else "ebs-done", "entry")
    # Under TCG pvhboot zeroes the firmware's code pages after ExitBootServices
    # (mark code-zeroed): the move starts after that.
    out["zero_ms"] = span("ebs-done", "code-zeroed")
    out["move_ms"] = span("code-zeroed" if "code-zeroed" in by else "ebs-done", "moved")
    # read-baseline: after Open: headers, allocation and the segment reads.
    out["reader_ms"] = span("opened", "read")
    out["reader_read_ms"] = span("allocated", "read")
    if out["reader_read_ms"]:
        out["reader_mbps"] = by["read"][1] / 1e6 / (out["reader_read_ms"] / 1000.0)
    return out


# --- statistics and reports ----------------------------------------------------------

def stat(values):
    v = [x for x in values if x is not None]
    if not v:
        return None
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v)}


def metric(s, name, sub=None):
    vals = []
    for r in s.runs:
        if not r.ok:
            continue
        if sub:
            d = r.m.get(name)
            vals.append(d.get(sub) if d else None)
        else:
            vals.append(r.m.get(name))
    return stat(vals)


def fmt_s(st, digits=3):
    if not st:
        return "n/a"
    if st["n"] == 1:
        return "%.*f" % (digits, st["median"])
    return "%.*f [%.*f–%.*f]" % (digits, st["median"], digits, st["min"], digits, st["max"])


def fmt_ms(st):
    if not st:
        return "n/a"
    if st["n"] == 1:
        return "%.1f" % st["median"]
    return "%.1f [%.1f–%.1f]" % (st["median"], st["min"], st["max"])


def ratio(a, b):
    if not a or not b or not b["median"]:
        return None
    return a["median"] / b["median"]


def fmt_ratio(x):
    return "%.2f×" % x if x is not None else "n/a"


def host_lz4_ms(vmlinuz):
    """Milliseconds the host's lz4 takes to decompress the bzImage's payload
    (best of 3): what the EFI stub's decompressor does, without TCG."""
    if not shutil.which("lz4"):
        return None
    with open(vmlinuz, "rb") as f:
        d = f.read()
    if d[0x202:0x206] != b"HdrS":
        return None
    setup_sects = d[0x1f1] or 4
    off, length = struct.unpack_from("<II", d, 0x248)
    start = (setup_sects + 1) * 512 + off
    payload = d[start:start + length - 4]      # the build appends the size (le32)
    if payload[:4] != b"\x02\x21\x4c\x18":
        return None
    path = os.path.join(WORK, "payload.lz4")
    with open(path, "wb") as f:
        f.write(payload)
    best = None
    for _ in range(3):
        t0 = time.monotonic()
        p = subprocess.run(["lz4", "-d", "-c", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t = (time.monotonic() - t0) * 1000
        if p.returncode == 0:
            best = t if best is None else min(best, t)
    os.unlink(path)
    return best


def machine_info(art, runs, accel, env):
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    qv = out_of([Q.QEMU, "--version"]).splitlines()
    commit = out_of(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
    dirty = out_of(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"])
    kver = ""
    kv = os.path.join(BUILD, "kernel", "kernel-version")
    if os.path.isfile(kv):
        kver = open(kv).read().strip()
    return [
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("host", "%s, %s nproc, %s" % (platform.node(), os.cpu_count(), cpu or "unknown CPU")),
        ("accel", accel),
        ("QEMU", (qv[0] if qv else "?") + " (q35, %s, %d vCPUs)" % (MEM, SMP)),
        ("OVMF", "ovmf %s (%s)" % (pkg_version("ovmf"), os.path.basename(Q.OVMF_CODE))),
        ("SeaBIOS / qboot", "seabios %s / qemu-system-data %s" % (pkg_version("seabios"),
                                                                  pkg_version("qemu-system-data"))),
        ("systemd-boot / GRUB", "systemd-boot-efi %s / grub-efi-amd64-bin %s"
         % (pkg_version("systemd-boot-efi"), pkg_version("grub-efi-amd64-bin"))),
        ("kernel", kver),
        ("kernel files", "vmlinux %d bytes, bzImage %d bytes, initrd %d bytes"
         % (os.path.getsize(art["vmlinux"]), os.path.getsize(art["vmlinuz"]), os.path.getsize(art["initrd"]))),
        ("pvhboot.efi", "%d bytes (git %s%s), pvhboot.timing %s"
         % (os.path.getsize(art["pvhboot"]), commit, "+dirty" if dirty else "",
            "on" if art["timing"] else "not supported by this build")),
        ("host reference", "lz4 -d of the bzImage payload (%d MB → %d MB) on the host: %s"
         % (os.path.getsize(art["vmlinuz"]) // 1000000, os.path.getsize(art["vmlinux"]) // 1000000,
            "%.0f ms (one core, best of 3, process start included)" % env["lz4_ms"] if env.get("lz4_ms")
            else "n/a")),
        ("disks", "one virtio GPT disk per scenario: %s" % (
            "%d MiB FAT32 ESP (4 KiB clusters when ≥ 260 MiB), sparse" % ESP_MIB if ESP_MIB
            else "ESP just big enough for its files (mkesp.sh's size)")),
        ("command line", CMDLINE),
        ("runs", "%d per scenario, interleaved" % runs),
        ("load average", "%.2f at the start, %.2f at the end; %d of %d runs started while another "
         "QEMU was running or the host's CPUs were > %d%% busy (after waiting up to %.0f s for quiet, "
         "%.0f s in all: %.0f s waited)"
         % (env["load0"], env["load1"], env["disturbed"], env["nruns"], BUSY_MAX * 100, QUIET_WAIT, QUIET_BUDGET,
            env["waited"])),
    ]


def reference(scen):
    """pvhboot's scenario that the ratios are taken against."""
    for key in ("pvhboot-entry", "pvhboot-removable", "pvhboot-shell"):
        for s in scen:
            if s.key == key and not s.skipped and any(r.ok for r in s.runs):
                return s
    return None


def summarise(scen):
    ref = reference(scen)
    ref_w = metric(ref, "window") if ref else None
    ref_k = metric(ref, "kernel") if ref else None
    rows = []
    for s in scen:
        row = {"key": s.key, "label": s.label, "skipped": s.skipped, "notes": s.notes,
               "ok": sum(1 for r in s.runs if r.ok), "n": len(s.runs)}
        for name in ("handoff", "window", "kernel", "init", "kernel_to_init", "exit", "loadimage", "to_entry",
                     "entry_to_kernel", "to_stub", "stub_to_kernel", "uptime_bias"):
            row[name] = metric(s, name)
        att = [r.m.get("bds_attempts") for r in s.runs if r.ok and r.m.get("bds_attempts")]
        row["bds_attempts"] = "%d" % statistics.median(att) if att else "n/a"
        row["tsc_fallback"] = sum(1 for r in s.runs if r.ok and r.m.get("tsc_fallback"))
        row["window_ratio"] = ratio(row["window"], ref_w)
        row["kernel_ratio"] = ratio(row["kernel"], ref_k)
        rows.append(row)
    return ref, rows


def overlap(a, b):
    return a and b and a["n"] > 1 and b["n"] > 1 and a["min"] <= b["max"] and b["min"] <= a["max"]


def targets(scen, rows, ref):
    by = {r["key"]: r for r in rows}
    out = []

    def verdict(ok, gap, a=None, b=None):
        v = "met" if ok else "not met: %s" % gap
        if overlap(a, b):
            v += " (min–max ranges overlap: within run-to-run spread)"
        return v

    def window_target(key, name, limit):
        r = by.get(key)
        if not ref or not r or not r["window"] or not by[ref.key]["window"]:
            out.append(("pvhboot loader window ≤ %.2f× %s's" % (limit, name), "n/a",
                        "not measured (%s)" % ((r or {}).get("skipped") or "no successful run")))
            return
        x = by[ref.key]["window"]["median"] / r["window"]["median"]
        out.append(("pvhboot loader window ≤ %.2f× %s's" % (limit, name),
                    "%.3f s vs %.3f s = %.3f×" % (by[ref.key]["window"]["median"], r["window"]["median"], x),
                    verdict(x <= limit, "%.3f× > %.2f×" % (x, limit))))

    window_target("systemd-boot", "systemd-boot", 0.25)
    window_target("grub", "GRUB", 0.20)

    r = by.get("ovmf-kernel")
    if ref and r and r["kernel"] and by[ref.key]["kernel"]:
        a, b = by[ref.key]["kernel"]["median"], r["kernel"]["median"]
        out.append(("pvhboot's kernel start earlier than OVMF -kernel bzImage",
                    "%.3f s vs %.3f s since QEMU start" % (a, b),
                    verdict(a < b, "%.3f s later" % (a - b), by[ref.key]["kernel"], r["kernel"])))
    else:
        out.append(("pvhboot's kernel start earlier than OVMF -kernel bzImage", "n/a", "not measured"))

    # Issue 12 item 5: the kernel's own boot (kernel start -> /init) as fast as
    # after the EFI stub, both measured in this run.  The target is judged on
    # the parity pair (the same extra kernel words after both loaders, see
    # parity_words()); the default pair is shown over the runs whose TSC
    # calibration went the same way, since a fallback moves the clock's zero.
    name = "pvhboot's kernel start → init ≤ 1.02× the EFI stub's (OVMF -kernel), parity pair"
    a_row, b_row = by.get("pvhboot-parity"), by.get("ovmf-kernel-parity")
    if a_row and b_row and a_row["kernel_to_init"] and b_row["kernel_to_init"]:
        a, b = a_row["kernel_to_init"]["median"], b_row["kernel_to_init"]["median"]
        out.append((name, "%.3f s vs %.3f s = %.3f× (medians of %d and %d; slow TSC cal. %d and %d)"
                    % (a, b, a / b, a_row["kernel_to_init"]["n"], b_row["kernel_to_init"]["n"],
                       a_row["tsc_fallback"], b_row["tsc_fallback"]),
                    verdict(a <= 1.02 * b, "%.3f×" % (a / b), a_row["kernel_to_init"], b_row["kernel_to_init"])))
    else:
        out.append((name, "n/a", "not measured (%s)" % ((a_row or b_row or {}).get("skipped") or
                                                        "no successful run")))
    name = "(default words) pvhboot's kernel start → init vs OVMF -kernel's, runs with the same TSC calibration"
    if ref and r and by[ref.key]["kernel_to_init"] and r["kernel_to_init"]:
        rk = next(s for s in scen if s.key == "ovmf-kernel")
        parts = []
        for fb, what in ((0, "fast"), (1, "slow")):
            xa = [x.m["kernel_to_init"] for x in ref.runs if x.ok and bool(x.m.get("tsc_fallback")) == fb]
            xb = [x.m["kernel_to_init"] for x in rk.runs if x.ok and bool(x.m.get("tsc_fallback")) == fb]
            if xa and xb:
                a, b = statistics.median(xa), statistics.median(xb)
                parts.append("%s TSC cal.: %.3f s vs %.3f s = %.3f× (%d and %d runs)"
                             % (what, a, b, a / b, len(xa), len(xb)))
        out.append((name, "; ".join(parts) or "no runs with the same outcome",
                    "information (the target is judged on the parity pair)"))

    # Load phase vs the reader.
    pv = [r.m["pvhboot"]["load_ms"] for s in scen if s.key.startswith("pvhboot-")
          for r in s.runs if r.ok and r.m.get("pvhboot") and r.m["pvhboot"].get("load_ms")]
    rd = [r.m["read-baseline"]["reader_ms"] for s in scen if s.key == "read-baseline"
          for r in s.runs if r.ok and r.m.get("read-baseline") and r.m["read-baseline"].get("reader_ms")]
    name = "pvhboot's load phase ≤ 1.1× the reader's time"
    if pv and rd:
        a, b = statistics.median(pv), statistics.median(rd)
        out.append((name, "%.1f ms vs %.1f ms = %.2f×" % (a, b, a / b),
                    verdict(a <= 1.1 * b, "%.2f× > 1.1×" % (a / b))))
    else:
        out.append((name, "n/a", "not measured (%s)" % ("no pvhboot.timing marks" if not pv else
                                                        "no read-baseline run")))

    # Post-EBS move + entry as a share of pvhboot's loader window.
    name = "post-ExitBootServices move + entry ≤ %d%% of pvhboot's loader window" % (POST_EBS_MAX_SHARE * 100)
    pe = [r.m["pvhboot"]["post_ebs_ms"] for r in (ref.runs if ref else [])
          if r.ok and r.m.get("pvhboot") and r.m["pvhboot"].get("post_ebs_ms") is not None]
    zr = [r.m["pvhboot"]["zero_ms"] for r in (ref.runs if ref else [])
          if r.ok and r.m.get("pvhboot") and r.m["pvhboot"].get("zero_ms") is not None]
    if pe and by[ref.key]["window"]:
        a = statistics.median(pe)
        w = by[ref.key]["window"]["median"] * 1000
        share = a / w
        out.append((name, "%.2f ms of %.0f ms = %.1f%%%s" % (
                        a, w, share * 100,
                        "; before it, zeroing the firmware's code pages (TCG only): %.1f ms" % statistics.median(zr)
                        if zr else ""),
                    verdict(share <= POST_EBS_MAX_SHARE, "%.1f%%" % (share * 100))))
    else:
        out.append((name, "n/a", "not measured (no ebs-done/entry marks)"))

    # The ready store vs Debian's default VARS.
    name = "firmware hand-off: ovmf-vars Boot0000 store vs Debian's default VARS"
    e, d = by.get("pvhboot-entry"), by.get("pvhboot-removable")
    if e and d and e["handoff"] and d["handoff"]:
        a, b = e["handoff"]["median"], d["handoff"]["median"]
        out.append((name, "%.3f s (%s attempt(s)) vs %.3f s (%s attempt(s))"
                    % (a, e["bds_attempts"], b, d["bds_attempts"]),
                    verdict(a <= b and e["bds_attempts"] == "1",
                            "%.3f s later" % (a - b) if a > b else "%s BDS attempts" % e["bds_attempts"],
                            e["handoff"], d["handoff"])))
    else:
        out.append((name, "n/a", "not measured (%s)" % ((e or {}).get("skipped") or "no successful run")))
    return out


def pvhboot_runs(scen):
    """[(scenario, run index, breakdown)] for every pvhboot run with marks."""
    out = []
    for s in scen:
        for r in s.runs:
            if r.m.get("pvhboot"):
                out.append((s, r, r.m["pvhboot"]))
    return out


def write_reports(scen, art, runs, accel, outdir, wall, env):
    ref, rows = summarise(scen)
    tg = targets(scen, rows, ref)
    env = dict(env, nruns=sum(len(s.runs) for s in scen),
               disturbed=sum(1 for s in scen for r in s.runs if r.others or r.busy > BUSY_MAX),
               waited=sum(r.waited for s in scen for r in s.runs))
    info = machine_info(art, runs, accel, env)
    os.makedirs(outdir, exist_ok=True)

    md = ["# pvhboot boot benchmark", ""]
    md += ["| | |", "|---|---|"] + ["| %s | %s |" % kv for kv in info]
    md += ["| wall time | %s |" % wall, ""]
    md += ["Seconds since QEMU started, median [min–max] of the successful runs. "
           "Loader window = kernel start − BDS hand-off (`BdsDxe: starting Boot####`); "
           "kernel start = host time of `PVHTEST uptime=` − that uptime (the kernel's timekeeping_init, "
           "after setup_arch and the memory setup); kernel start → init = that uptime. Ratios are to %s."
           % (ref.label if ref else "pvhboot (no successful run)"), ""]
    md += ["| scenario | ok | hand-off | BDS attempts | LoadImage (ms) | loader window | × pvhboot | kernel start | × pvhboot | init | kernel start → init | QEMU exit | slow TSC cal. |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["skipped"]:
            md.append("| %s | skipped: %s | | | | | | | | | | | |" % (r["label"], r["skipped"]))
            continue
        li = r["loadimage"]
        md.append("| %s | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["label"], r["ok"], r["n"], fmt_s(r["handoff"]), r["bds_attempts"],
            "%.0f" % (li["median"] * 1000) if li else "n/a", fmt_s(r["window"]),
            fmt_ratio(r["window_ratio"]), fmt_s(r["kernel"]), fmt_ratio(r["kernel_ratio"]),
            fmt_s(r["init"]), fmt_s(r["kernel_to_init"]), fmt_s(r["exit"]),
            "%d/%d" % (r["tsc_fallback"], r["ok"]) if r["key"] != "read-baseline" else "n/a"))
    md += ["", "LoadImage = `BdsDxe: loading` → `starting` of the option BDS boots (the firmware "
           "reading and relocating the boot program; before the hand-off, so not in the window). "
           "Slow TSC cal. = runs whose kernel said `tsc: Fast TSC calibration failed` or `Unable to "
           "calibrate`: its PIT calibration fell back to the slow one (TCG timing jitter), about "
           "0.25 s more before the kernel's clock starts, so inside the loader window.", ""]
    md += ["## Where the loader window goes", "",
           "Medians in ms. pvhboot: hand-off → its `tsc entry` line (pvhboot's whole run, "
           "ExitBootServices included), then → kernel start (the kernel's code before its clock "
           "starts). EFI stub: hand-off → the stub's first line (`EFI stub: Loaded initrd ...`: the "
           "loader reading bzImage and initrd, LoadImage of the kernel and, in this kernel, "
           "the decompression: Debian's 6.1 stub decompresses the kernel itself before it loads "
           "the initrd), then → kernel start (ExitBootServices and the same early kernel code). "
           "Last column: how much later the uptime-based kernel start is than the one from the "
           "kernel's own message timestamps (min over live messages of host time − printk time): "
           "the latency of /init reading /proc/uptime and printing it, the same for every "
           "scenario, so it cancels in the ratios but is in every absolute window.", "",
           "| scenario | loader window | hand-off → pvhboot entry / EFI stub line | → kernel start | uptime − printk estimate |",
           "|---|---|---|---|---|"]
    ms = lambda st: "%.0f" % (st["median"] * 1000) if st else "n/a"  # noqa: E731
    for r in rows:
        if r["skipped"]:
            continue
        if r["to_entry"] or r["entry_to_kernel"]:
            md.append("| %s | %s | %s (entry) | %s | %s |" % (
                r["label"], ms(r["window"]), ms(r["to_entry"]), ms(r["entry_to_kernel"]), ms(r["uptime_bias"])))
        elif r["stub_to_kernel"]:
            md.append("| %s | %s | %s (EFI stub) | %s | %s |" % (
                r["label"], ms(r["window"]), ms(r["to_stub"]), ms(r["stub_to_kernel"]), ms(r["uptime_bias"])))
        elif r["uptime_bias"]:
            md.append("| %s | %s | n/a | n/a | %s |" % (r["label"], ms(r["window"]), ms(r["uptime_bias"])))
    md += ["", "## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    md += ["| %s | %s | %s |" % t for t in tg]

    pr = pvhboot_runs(scen)
    if pr:
        names = []
        for _, _, b in pr:
            prev = None
            for name, _, _ in b["phases"][1:]:
                if name not in names:
                    # a mark only some runs have (code-zeroed) after the one before it
                    names.insert(names.index(prev) + 1 if prev in names else len(names), name)
                prev = name
        md += ["", "## pvhboot phases (pvhboot.timing, TSC)", "",
               "Milliseconds since the previous mark (each column's phase ends at its mark): "
               "kernel-read = ELF checks, page claims and the segment reads (the load phase); "
               "the phase before exit-boot-services includes printing these marks (a 10 ms Stall "
               "calibrates tsc-hz); ebs-done = ExitBootServices; code-zeroed (TCG only) = zeroing the "
               "firmware's EfiBootServicesCode pages by fw_cfg DMA, which drops QEMU's translations of "
               "them; moved = copying staged segments "
               "and clearing .bss; entry = leaving long mode. start→entry is pvhboot's own time; "
               "entry→kernel = host time of the `tsc entry` line to the kernel start estimate "
               "(early kernel code before its clock starts, ±10 ms of uptime resolution).", "",
               "| run | tsc-hz | " + " | ".join(names) + " | start→entry | entry→kernel | load MB/s | initrd MB/s |",
               "|---|---|" + "---|" * len(names) + "---|---|---|---|"]

        def line(label, hz, ph, total, e2k, lmb, imb):
            return "| %s | %s | %s | %s | %s | %s | %s |" % (
                label, hz, " | ".join("%.2f" % ph[n] if ph.get(n) is not None else "" for n in names),
                "%.1f" % total if total is not None else "n/a",
                "%.0f" % (e2k * 1000) if e2k is not None else "n/a",
                "%.0f" % lmb if lmb else "n/a", "%.0f" % imb if imb else "n/a")

        for s, r, b in pr:
            md.append(line("%s #%d" % (s.key, r.index), "%.3f GHz" % (b["hz"] / 1e9),
                           {name: v for name, v, _ in b["phases"]}, b["total_ms"],
                           r.m.get("entry_to_kernel"), b.get("load_mbps"), b.get("initrd_mbps")))
        for key in dict.fromkeys(s.key for s, _, _ in pr):
            bs = [(r, b) for s, r, b in pr if s.key == key and r.ok]
            if len(bs) < 2:
                continue
            med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
            ph = {n: med([v for _, b in bs for name, v, _ in b["phases"] if name == n]) for n in names}
            md.append(line("**%s median**" % key, "", ph, med([b["total_ms"] for _, b in bs]),
                           med([r.m["entry_to_kernel"] for r, _ in bs if r.m.get("entry_to_kernel") is not None]),
                           med([b["load_mbps"] for _, b in bs if b.get("load_mbps")]),
                           med([b["initrd_mbps"] for _, b in bs if b.get("initrd_mbps")])))
    rb = [(s, r, r.m["read-baseline"]) for s in scen for r in s.runs if r.m.get("read-baseline")]
    if rb:
        md += ["", "## read-baseline.efi (the same PT_LOAD bytes, the same EFI calls)", "",
               "| run | headers (ms) | allocate (ms) | segment reads (ms) | opened → read (ms) | bytes | MB/s |",
               "|---|---|---|---|---|---|---|"]
        for s, r, b in rb:
            ph = {name: v for name, v, _ in b["phases"]}
            md.append("| #%d | %.2f | %.2f | %.2f | %.2f | %d | %s |" % (
                r.index, ph.get("headers", 0), ph.get("allocated", 0), ph.get("read", 0),
                b["reader_ms"] or 0, b["marks"].get("read", (0, 0))[1],
                "%.0f" % b["reader_mbps"] if b.get("reader_mbps") else "n/a"))
    md += ["", "## Scenarios", ""]
    for s in scen:
        md.append("- **%s** (`%s`): %s" % (s.label, s.key, s.skipped or s.notes))
    failed = [(s, r) for s in scen for r in s.runs if not r.ok]
    if failed:
        md += ["", "## Failed runs", ""]
        for s, r in failed:
            why = "timeout" if r.timed_out else ("fatal: %s" % r.fatal[1] if r.fatal else "no PVHTEST uptime line")
            md.append("- %s #%d: %s (log %s)" % (s.key, r.index, why, os.path.relpath(r.log_path, REPO)))
    md += ["", "![chart](latest.png)", ""]
    with open(os.path.join(outdir, "latest.md"), "w") as f:
        f.write("\n".join(md))

    with open(os.path.join(outdir, "latest.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["# " + "; ".join("%s: %s" % kv for kv in info)])
        w.writerow(["scenario", "label", "ok", "runs", "bds_attempts"] +
                   ["%s_%s" % (m, k) for m in ("handoff", "window", "kernel", "init", "exit")
                    for k in ("median", "min", "max")] + ["window_ratio", "kernel_ratio", "slow_tsc_calibration",
                                                          "skipped"])
        for r in rows:
            vals = []
            for m in ("handoff", "window", "kernel", "init", "exit"):
                st = r[m]
                vals += ["%.4f" % st[k] if st else "" for k in ("median", "min", "max")]
            w.writerow([r["key"], r["label"], r["ok"], r["n"], r["bds_attempts"]] + vals +
                       ["%.4f" % r["window_ratio"] if r["window_ratio"] else "",
                        "%.4f" % r["kernel_ratio"] if r["kernel_ratio"] else "", r.get("tsc_fallback", ""),
                        r["skipped"] or ""])
    with open(os.path.join(outdir, "latest-runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scenario", "run", "ok", "handoff", "bds_attempts", "kernel", "init", "exit", "window",
                    "uptime", "kernel_printk", "entry_to_kernel", "tsc_fallback", "other_qemus", "host_busy",
                    "tsc_phases_ms", "load_ms", "load_mbps", "reader_ms", "reader_mbps", "log"])
        for s in scen:
            for r in s.runs:
                m = r.m
                b = m.get("pvhboot") or m.get("read-baseline") or {}
                g = lambda k: "%.4f" % m[k] if m.get(k) is not None else ""  # noqa: E731
                w.writerow([s.key, r.index, int(r.ok), g("handoff"), m.get("bds_attempts", ""), g("kernel"),
                            g("init"), g("exit"), g("window"), m.get("uptime", ""), g("kernel_printk"), g("entry_to_kernel"),
                            m.get("tsc_fallback", 0),
                            r.others, "%.2f" % r.busy,
                            ";".join("%s=%.3f" % (n, v) for n, v, _ in b.get("phases", [])),
                            "%.3f" % b["load_ms"] if b.get("load_ms") else "",
                            "%.1f" % b["load_mbps"] if b.get("load_mbps") else "",
                            "%.3f" % b["reader_ms"] if b.get("reader_ms") else "",
                            "%.1f" % b["reader_mbps"] if b.get("reader_mbps") else "",
                            os.path.relpath(r.log_path, REPO)])
    extras = {"load_ms": {}}
    rd = [r.m["read-baseline"]["reader_ms"] for s in scen for r in s.runs
          if r.ok and r.m.get("read-baseline") and r.m["read-baseline"].get("reader_ms")]
    extras["reader_ms"] = statistics.median(rd) if rd else None
    for s in scen:
        ld = [r.m["pvhboot"]["load_ms"] for r in s.runs
              if r.ok and r.m.get("pvhboot") and r.m["pvhboot"].get("load_ms")]
        if ld:
            extras["load_ms"][s.key] = statistics.median(ld)
    chart(rows, ref, info, os.path.join(outdir, "latest.png"), extras)
    return rows, tg, ref


def chart(rows, ref, info, path, extras):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("no matplotlib (python3-matplotlib): no chart")
        return
    rows = [r for r in rows if not r["skipped"] and (r["kernel"] or r["window"])]
    if not rows:
        return
    rows = rows[::-1]      # first scenario on top
    labels = [r["label"] for r in rows]
    y = range(len(rows))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(14, 0.55 * len(rows) + 2.2),
                                 gridspec_kw={"width_ratios": [3, 2]})
    for i, r in enumerate(rows):
        h = r["handoff"]["median"] if r["handoff"] else None
        k = r["kernel"]["median"] if r["kernel"] else None
        init = r["init"]["median"] if r["init"] else None
        if h is not None:
            a1.barh(i, h, color="#b0b0b0")
        if h is not None and k is not None:
            a1.barh(i, k - h, left=h, color="#e6862a")
        elif k is not None:
            a1.barh(i, k, color="#d9d9d9", hatch="//", edgecolor="#888888")
        elif h is not None and r["exit"]:
            a1.barh(i, r["exit"]["median"] - h, left=h, color="#8fb3d9")
        if k is not None and init is not None:
            a1.barh(i, init - k, left=k, color="#4a7fb5")
            a1.errorbar(k, i, xerr=[[k - r["kernel"]["min"]], [r["kernel"]["max"] - k]], fmt="none",
                        ecolor="black", capsize=3, lw=1)
            a1.text(init + 0.05, i, "kernel %.2f s" % k, va="center", fontsize=8)
    from matplotlib.patches import Patch
    a1.legend(handles=[Patch(color="#b0b0b0", label="QEMU start → BDS hand-off"),
                       Patch(color="#e6862a", label="loader window (hand-off → kernel start)"),
                       Patch(facecolor="#d9d9d9", hatch="//", edgecolor="#888888",
                             label="QEMU start → kernel start (no UEFI)"),
                       Patch(color="#4a7fb5", label="kernel start → init")],
              loc="lower right", fontsize=7)
    a1.set_yticks(list(y))
    a1.set_yticklabels(labels, fontsize=8)
    a1.set_xlabel("seconds since QEMU start (median; whiskers: kernel start min–max)")
    a1.set_title("Boot timeline")
    a1.grid(axis="x", alpha=0.3)
    wrows = [(i, r) for i, r in enumerate(rows) if r["window"]]
    for i, r in wrows:
        w = r["window"]
        color = "#2a9d4a" if ref and r["key"] == ref.key else "#e6862a"
        a2.barh(i, w["median"] * 1000, color=color)
        a2.errorbar(w["median"] * 1000, i, xerr=[[(w["median"] - w["min"]) * 1000], [(w["max"] - w["median"]) * 1000]],
                    fmt="none", ecolor="black", capsize=3, lw=1)
        load = extras["load_ms"].get(r["key"])
        if load:
            a2.barh(i, load, height=0.4, color="#1d6b33", hatch="..", edgecolor="#c8e6c9",
                    label="pvhboot load phase (kernel-open → kernel-read, TSC)"
                    if not a2.get_legend_handles_labels()[0] else None)
        a2.text(w["max"] * 1000 + 10, i, "%.0f ms  %s" % (w["median"] * 1000, fmt_ratio(r["window_ratio"])),
                va="center", fontsize=8)
    if extras.get("reader_ms"):
        a2.axvline(extras["reader_ms"], color="#555555", ls="--", lw=1,
                   label="read-baseline.efi: same bytes, same calls (%.0f ms)" % extras["reader_ms"])
    if a2.get_legend_handles_labels()[0]:
        a2.legend(loc="lower right", fontsize=7)
    a2.set_yticks(list(y))
    a2.set_yticklabels([""] * len(rows))
    a2.set_xlabel("loader window, ms (median, min–max); ratio to pvhboot")
    a2.set_title("Loader window")
    a2.grid(axis="x", alpha=0.3)
    if wrows:
        a2.set_xlim(0, max(r["window"]["max"] for _, r in wrows) * 1000 * 1.45)
    d = dict(info)
    fig.suptitle("pvhboot benchmark — %s, %s, accel=%s, %s" % (d["date"], d["QEMU"].split(" (")[0], d["accel"],
                                                              d["runs"]), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- main ------------------------------------------------------------------------------

def artifacts():
    art = {"pvhboot": os.path.join(BUILD, "pvhboot.efi"),
           "reader": os.path.join(BUILD, "tests", "read-baseline.efi")}
    for k in ("pvhboot", "reader"):
        if not os.path.isfile(art[k]):
            sys.exit("bench: %s missing: run `make all test-efi` (make bench does)" % art[k])
    log("kernel: scripts/fetch-kernel.sh build/kernel")
    sh([os.path.join(SCRIPTS, "fetch-kernel.sh"), os.path.join(BUILD, "kernel")])
    art["vmlinux"] = os.path.join(BUILD, "kernel", "vmlinux")
    art["vmlinuz"] = os.path.join(BUILD, "kernel", "vmlinuz")
    os.makedirs(WORK, exist_ok=True)
    art["initrd"] = os.path.join(WORK, "initrd.img")
    sh([os.path.join(SCRIPTS, "mkinitrd.sh"), art["initrd"]])
    art["timing"] = pvhboot_supports_timing(art["pvhboot"])
    art["parity_words"] = parity_words(Q.accel())
    return art


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS") or 5))
    ap.add_argument("--only", default="", help="comma-separated scenario keys")
    ap.add_argument("--out", default=os.path.join(REPO, "bench", "results"))
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_TIMEOUT") or 120))
    a = ap.parse_args()
    started = time.monotonic()
    load0 = os.getloadavg()[0]
    only = set(x for x in a.only.split(",") if x)
    shutil.rmtree(LOGS, ignore_errors=True)
    art = artifacts()
    log("pvhboot.efi %d bytes; pvhboot.timing %s" % (os.path.getsize(art["pvhboot"]),
                                                     "supported" if art["timing"] else "not in this build"))
    scen = build_scenarios(art, only)
    live = [s for s in scen if not s.skipped]
    if not live:
        sys.exit("bench: no scenario to run")
    log("%d scenarios x %d runs, accel=%s, interleaved" % (len(live), a.runs, Q.accel()))
    for i in range(1, a.runs + 1):
        for s in live:
            r = boot(s, i, a.timeout)
            s.runs.append(r)
            m = r.m
            log("run %d/%d %-18s %s  hand-off %s  kernel %s  window %s  exit %.2f" % (
                i, a.runs, s.key, "ok  " if r.ok else "FAIL",
                "%.3f" % m["handoff"] if "handoff" in m else "  -  ",
                "%.3f" % m["kernel"] if "kernel" in m else "  -  ",
                "%.3f" % m["window"] if "window" in m else "  -  ", r.exit)
                + ("  (%d other QEMU running)" % r.others if r.others else "")
                + ("  (host %.0f%% busy)" % (r.busy * 100) if r.busy > BUSY_MAX else ""))
    wall = "%.0f s in bench/run.py" % (time.monotonic() - started)
    t0 = os.environ.get("BENCH_T0")
    if t0:
        wall += ", %.0f s since `make bench` started (packages, build, kernel, images, boots)" % (
            time.time() - float(t0))
    env = {"load0": load0, "load1": os.getloadavg()[0], "lz4_ms": host_lz4_ms(art["vmlinuz"])}
    rows, tg, ref = write_reports(scen, art, a.runs, Q.accel(), a.out, wall, env)
    with open(os.path.join(a.out, "latest.md")) as f:
        print(f.read())
    log("wrote %s/latest.{md,csv,png} and latest-runs.csv; logs in %s; %s"
        % (os.path.relpath(a.out, REPO), os.path.relpath(LOGS, REPO), wall))
    return 0 if all(s.skipped or any(r.ok for r in s.runs) for s in scen) else 1


if __name__ == "__main__":
    sys.exit(main())
