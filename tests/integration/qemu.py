"""Run QEMU (OVMF + ESP disk, or QEMU's own PVH -kernel loader) and
collect the serial console.

The serial port is QEMU's stdio (a pipe), so the whole log is captured and
written to a log file as it arrives (a killed run still leaves its log), and
we can press a key at the EFI shell's "Press ESC in 5 seconds" prompt to skip
the countdown.  Every run has a hard timeout after which QEMU is killed.

Env: ACCEL (default "tcg"; e.g. ACCEL=kvm), QEMU (binary), OVMF_CODE,
OVMF_VARS (default firmware images; run_ovmf(firmware=...) picks others).

Secure Boot: run_ovmf(firmware="4M-snakeoil") boots Debian's test firmware
whose variable store enrols the snakeoil key in PK, KEK and db, with Secure
Boot on (sign with scripts/sign.sh).  That build requires SMM: the machine
gets smm=on and a secure pflash.  Its EFI shell refuses to start while
Secure Boot is on (Debian disables it), so such runs boot through the
removable-media path or boot entries only.

TPM: run_ovmf(tpm=Swtpm(...)) (or tpm=True) starts swtpm for the run and
stops it afterwards; the TPM state directory may be kept across runs.
"""
import os
import re
import shlex
import shutil
import subprocess
import threading
import time

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
OVMF_CODE = os.environ.get("OVMF_CODE", "/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = os.environ.get("OVMF_VARS", "/usr/share/OVMF/OVMF_VARS_4M.fd")

# Debian's OVMF builds by flash size: (code, vars) for run_ovmf(firmware=).
FIRMWARE = {
    "4M": ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
    "2M": ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
    # Secure Boot on, snakeoil key in PK/KEK/db (Debian, for testing only).
    "4M-snakeoil": ("/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd",
                    "/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd"),
}


def needs_smm(code):
    """Debian's Secure Boot builds (secboot, ms -> secboot, snakeoil) are
    built with SMM_REQUIRE and stop early on a machine without SMM."""
    name = os.path.basename(os.path.realpath(code))
    return any(k in name for k in ("secboot", "snakeoil", ".ms."))

# QEMU's isa-debug-exit: a guest write of V to port 0xf4 exits QEMU with
# status (V << 1) | 1.
DEBUG_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]

# CSI sequences (including OVMF's "ESC [ = 3 h" mode set), two-byte escapes
# and charset selection.
_ANSI_RE = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[@-Z\\-_=>])")

# Fatal states that never recover: stop QEMU a few seconds after one is
# seen instead of waiting for the timeout.
FATAL_PATTERNS = ("!!!! X64 Exception Type", "!!!! IA32 Exception Type",
                  "Kernel panic - not syncing")
FATAL_GRACE = 5.0
STOP_GRACE = 1.0

SHELL_COUNTDOWN = "Press ESC in "   # matched after clean(): raw has colour codes


def clean(raw):
    """Serial bytes -> text without ANSI escapes and carriage returns."""
    text = _ANSI_RE.sub(b"", raw).replace(b"\r", b"")
    return text.decode("utf-8", "replace")


def accel():
    return os.environ.get("ACCEL") or "tcg"


class QemuResult:
    def __init__(self, argv, raw, returncode, timed_out, elapsed, log_path,
                 fatal=None, stopped=None):
        self.argv = argv
        self.fatal = fatal          # the FATAL_PATTERNS entry that stopped QEMU
        self.stopped = stopped      # the run(stop_on=) pattern that ended the run
        self.raw = raw
        self.text = clean(raw)
        self.lines = self.text.split("\n")
        self.returncode = returncode
        self.timed_out = timed_out
        self.elapsed = elapsed
        self.log_path = log_path

    def tail(self, n=40):
        return "\n".join(self.lines[-n:])

    def describe(self, n=40):
        """Failure context: how QEMU ended, the log path and the log's tail."""
        if self.fatal:
            how = "killed after %.1fs, %.0fs after the log showed %r" % (
                self.elapsed, FATAL_GRACE, self.fatal)
        elif self.timed_out:
            how = "TIMED OUT (killed) after %.1fs" % self.elapsed
        elif self.stopped:
            how = "stopped after %.1fs: the log showed %r" % (self.elapsed, self.stopped)
        else:
            how = "exited with status %s after %.1fs" % (self.returncode, self.elapsed)
        return ("QEMU %s\nfull serial log: %s\n--- last %d lines ---\n%s\n---"
                % (how, self.log_path, n, self.tail(n)))


# Keys as a serial terminal (VT100) sends them; OVMF's terminal driver turns
# the escape sequences into EFI scan codes.
KEY_UP, KEY_DOWN, KEY_RIGHT, KEY_LEFT = b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D"
KEY_HOME, KEY_END, KEY_ENTER, KEY_BACKSPACE = b"\x1b[H", b"\x1b[F", b"\r", b"\x7f"


def run(argv, log_path, timeout, skip_shell_countdown=True, stop_on=(), keys=()):
    """Run QEMU (argv, serial on stdio) and return a QemuResult.

    The serial output is streamed to log_path + ".raw" while QEMU runs;
    afterwards log_path gets the cleaned text (no ANSI escapes, no CR).
    A run that hits a FATAL_PATTERNS line counts as timed out.
    stop_on: strings that mean the run is over (e.g. BDS giving up with no
    shell to fall back to): QEMU is killed STOP_GRACE seconds after one
    appears; result.stopped names it (not a timeout).
    keys: (pattern, bytes) pairs typed on the serial console in order: each
    is sent once its pattern shows in the output that came after the
    previous one was sent (so a pattern that a redraw repeats waits for the
    redraw). result.keys_sent counts those sent."""
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    raw = bytearray()
    lock = threading.Lock()
    start = time.monotonic()
    raw_path = log_path + ".raw"
    with open(raw_path, "wb") as log, open(log_path + ".qemu-stderr", "wb") as err:
        log.write(("# %s\n" % shlex.join(argv)).encode())
        log.flush()
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, start_new_session=True)

        def reader():
            fd = proc.stdout.fileno()
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                with lock:
                    raw.extend(chunk)
                log.write(chunk)
                log.flush()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        pressed = not skip_shell_countdown
        timed_out = False
        fatal = None
        stopped = None
        stop_at = None
        deadline = start + timeout
        scanned = 0
        keys = list(keys)
        keys_sent, key_from = 0, 0
        while proc.poll() is None:
            now = time.monotonic()
            if stop_at is not None and now > stop_at:
                proc.kill()
                break
            if now > deadline:
                timed_out = True
                proc.kill()
                break
            with lock:
                window = clean(bytes(raw[max(0, scanned - 256):]))
                scanned = len(raw)
            if fatal is None:
                for pat in FATAL_PATTERNS:
                    if pat in window:
                        fatal = pat
                        deadline = min(deadline, now + FATAL_GRACE)
            if stopped is None:
                for pat in stop_on:
                    if pat in window:
                        stopped = pat
                        stop_at = now + STOP_GRACE
            if keys_sent < len(keys):
                with lock:
                    after = clean(bytes(raw[key_from:]))
                    end = len(raw)
                pattern, data = keys[keys_sent]
                if pattern in after:
                    try:
                        proc.stdin.write(data)
                        proc.stdin.flush()
                    except OSError:
                        pass
                    keys_sent += 1
                    key_from = end
            if not pressed:
                seen = SHELL_COUNTDOWN in window
                if seen:
                    # Any key but ESC starts startup.nsh right away.
                    try:
                        proc.stdin.write(b" ")
                        proc.stdin.flush()
                    except OSError:
                        pass
                    pressed = True
            time.sleep(0.05)
        proc.wait()
        t.join(5)
        elapsed = time.monotonic() - start
        try:
            proc.stdin.close()
        except OSError:
            pass
        if fatal:
            how = "killed %.0fs after %r" % (FATAL_GRACE, fatal)
        elif timed_out:
            how = "killed (timeout %ss)" % timeout
        elif stopped and proc.returncode is not None and proc.returncode < 0:
            how = "killed %.0fs after %r" % (STOP_GRACE, stopped)
        else:
            how = "exit status %d" % proc.returncode
        log.write(("\n# qemu %s after %.1fs\n" % (how, elapsed)).encode())
    with open(log_path + ".qemu-stderr", "rb") as f:
        stderr = f.read()
    os.unlink(log_path + ".qemu-stderr")
    if stderr.strip():
        with open(raw_path, "ab") as log:
            log.write(b"# qemu stderr:\n" + stderr)
    with open(raw_path, "rb") as f:
        with open(log_path, "w") as out:
            out.write(clean(f.read()))
    result = QemuResult(argv, bytes(raw), proc.returncode, timed_out, elapsed, log_path,
                        fatal, stopped)
    result.keys_sent = keys_sent
    return result


def _common(mem, smp, machine="q35", qemu=None):
    return [qemu or QEMU, "-machine", "%s,accel=%s" % (machine, accel()), "-m", str(mem),
            "-smp", str(smp),
            "-nodefaults", "-nic", "none", "-display", "none", "-monitor", "none",
            "-chardev", "stdio,id=ser0,signal=off", "-serial", "chardev:ser0",
            "-no-reboot"]


class Swtpm:
    """A software TPM 2.0 (swtpm, Debian packages swtpm and swtpm-tools) for
    QEMU runs: `swtpm socket --tpm2` on a control socket QEMU's emulator
    backend talks to.

    state_dir: the TPM's persistent state (NVRAM, seeds); None for a fresh
    temporary one per run.  A given directory is created if missing and kept,
    so several runs can share one TPM ("the same machine").  PCRs start
    from their reset values at every power-on either way.
    device: "tpm-tis" (the TIS interface at 0xFED40000) or "tpm-crb".
    The socket lives in a short temporary directory (unix socket paths are
    limited to 108 bytes); swtpm's log goes to log_path if given."""

    def __init__(self, state_dir=None, device="tpm-tis", log_path=None):
        if device not in ("tpm-tis", "tpm-crb"):
            raise ValueError("device must be tpm-tis or tpm-crb, not %r" % device)
        self.state_dir, self.device, self.log_path = state_dir, device, log_path
        self.proc = None
        self.tmp = None

    def start(self):
        import tempfile
        if shutil.which("swtpm") is None:
            raise RuntimeError("swtpm is not installed (scripts/install-deps.sh tpm)")
        self.tmp = tempfile.mkdtemp(prefix="pvhtpm.")
        state = self.state_dir or os.path.join(self.tmp, "state")
        os.makedirs(state, exist_ok=True)
        self.socket = os.path.join(self.tmp, "ctrl.sock")
        argv = ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=%s" % state,
                "--ctrl", "type=unixio,path=%s" % self.socket, "--terminate"]
        if self.log_path:
            argv += ["--log", "file=%s,level=1" % self.log_path]
            with open(self.log_path, "w") as f:
                f.write("# %s\n" % shlex.join(argv))
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")
                self.stop()
                raise RuntimeError("swtpm exited with status %s: %s" % (self.proc.returncode, err))
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("swtpm did not create %s within 10 s" % self.socket)
            time.sleep(0.02)
        return self

    def qemu_args(self):
        return ["-chardev", "socket,id=chrtpm,path=%s" % self.socket,
                "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                "-device", "%s,tpmdev=tpm0" % self.device]

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc.stderr.close()
            self.proc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def run_ovmf(esp_img, log_path, mem="512M", smp=1, timeout=120, vars_dir=None,
             skip_shell_countdown=True, extra=(), machine="q35", firmware=None,
             more_disks=(), tpm=None, vars_file=None, stop_on=(), s3=None, keys=(), qemu=None, smm=None):
    """Boot OVMF with esp_img as a virtio disk; the EFI shell runs startup.nsh.

    qemu: the QEMU binary for this run (default: QEMU).
    smm: whether the firmware needs SMM (None: needs_smm(), by file name).
    machine: QEMU machine type ("q35", "pc" for i440fx, ...).
    firmware: None for OVMF_CODE/OVMF_VARS, a FIRMWARE key ("4M", "2M",
    "4M-snakeoil") or a (code, vars) pair; the vars image is copied, the code
    image used read-only.  Secure Boot builds (needs_smm) get smm=on and a
    secure pflash; they need machine q35.
    s3: None leaves QEMU's default (S3 offered) except for SMM builds, where
    it is turned off (-global ICH9-LPC.disable_s3=1): with S3 on, an SMM
    build reserves 0x810000-0x170FFFF as ACPI NVS for S3 resume, right where
    Linux's PVH entry loads the kernel (16 MiB), so no kernel linked there
    can boot.  True/False force it on/off.
    more_disks: more raw images, virtio disks after esp_img in this order
    (BDS tries their removable-media paths in the same order).
    tpm: None, True (a fresh swtpm TPM 2.0 on tpm-tis) or a Swtpm (not
    started): started before QEMU and stopped after it; its log is
    log_path + ".swtpm".
    vars_file: use this variable store as it is (QEMU writes to it) instead
    of a fresh copy of the firmware's template in vars_dir.
    stop_on, keys: see run()."""
    if firmware is None:
        code, vars_src = OVMF_CODE, OVMF_VARS
    elif isinstance(firmware, str):
        code, vars_src = FIRMWARE[firmware]
    else:
        code, vars_src = firmware
    if vars_file is None:
        vars_file = os.path.join(vars_dir or os.path.dirname(os.path.abspath(esp_img)),
                                 "OVMF_VARS.fd")
        shutil.copyfile(vars_src, vars_file)
    secure = []
    if smm if smm is not None else needs_smm(code):
        if machine.split(",")[0] != "q35":
            raise ValueError("%s needs SMM: use machine q35, not %r" % (code, machine))
        machine += ",smm=on"
        secure = ["-global", "driver=cfi.pflash01,property=secure,value=on"]
        if s3 is None:
            s3 = False
    if s3 is not None:
        lpc = "ICH9-LPC" if machine.split(",")[0] == "q35" else "PIIX4_PM"
        secure += ["-global", "%s.disable_s3=%d" % (lpc, 0 if s3 else 1)]
    argv = _common(mem, smp, machine, qemu) + secure + [
        "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=%s" % code,
        "-drive", "if=pflash,format=raw,unit=1,file=%s" % vars_file,
        "-drive", "file=%s,format=raw,if=virtio" % esp_img,
    ]
    for disk in more_disks:
        argv += ["-drive", "file=%s,format=raw,if=virtio" % disk]
    if tpm is True:
        tpm = Swtpm()
    if tpm is None:
        return run(argv + list(extra), log_path, timeout, skip_shell_countdown, stop_on, keys)
    if tpm.log_path is None:
        tpm.log_path = log_path + ".swtpm"
    with tpm:
        return run(argv + tpm.qemu_args() + list(extra), log_path, timeout, skip_shell_countdown,
                   stop_on, keys)


def run_uboot(rom, disk, log_path, mem="512M", smp=1, machine="pc", disk_if="virtio", commands=None,
              stop_on=(), extra=(), timeout=120, qemu=None):
    """Boot U-Boot (-bios rom) with disk as its only disk.  commands: stop
    its autoboot and type these at the `=> ` prompt, in order (the last one
    should boot)."""
    argv = _common(mem, smp, machine, qemu) + [
        "-bios", rom, "-drive", "file=%s,format=raw,if=%s" % (disk, disk_if)] + list(extra)
    keys = []
    if commands:
        keys = [("Hit any key to stop autoboot", b" ")] + [("=> ", c.encode() + b"\r") for c in commands]
    return run(argv, log_path, timeout, skip_shell_countdown=False, stop_on=stop_on, keys=keys)


def run_direct(kernel, initrd, append, log_path, mem="512M", smp=1, timeout=120,
               extra=()):
    """QEMU's own PVH loader (-kernel vmlinux, SeaBIOS): reference boot."""
    argv = _common(mem, smp) + ["-kernel", kernel, "-initrd", initrd,
                                "-append", append] + list(extra)
    return run(argv, log_path, timeout, skip_shell_countdown=False)


def main(argv):
    """Manual use: qemu.py ESP.img [MEM [SMP [TIMEOUT]]] -> boots OVMF, prints
    the cleaned serial log (also left in ./qemu-serial.log)."""
    import sys
    if len(argv) < 2:
        print(main.__doc__, file=sys.stderr)
        return 2
    mem = argv[2] if len(argv) > 2 else "512M"
    smp = int(argv[3]) if len(argv) > 3 else 1
    timeout = float(argv[4]) if len(argv) > 4 else 120
    r = run_ovmf(argv[1], "qemu-serial.log", mem=mem, smp=smp, timeout=timeout,
                 vars_dir=".")
    print(r.text)
    print(r.describe(0).split("\n")[0], file=sys.stderr)
    return 0 if not r.timed_out else 1


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv))
