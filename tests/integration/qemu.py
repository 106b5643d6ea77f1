"""Run QEMU (OVMF + ESP disk, or QEMU's own PVH -kernel loader) and
collect the serial console.

The serial port is QEMU's stdio (a pipe), so the whole log is captured and
written to a log file as it arrives (a killed run still leaves its log), and
we can press a key at the EFI shell's "Press ESC in 5 seconds" prompt to skip
the countdown.  Every run has a hard timeout after which QEMU is killed.

Env: ACCEL (default "tcg"; e.g. ACCEL=kvm), QEMU (binary), OVMF_CODE,
OVMF_VARS (default firmware images; run_ovmf(firmware=...) picks others).
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
}

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

SHELL_COUNTDOWN = "Press ESC in "   # matched after clean(): raw has colour codes


def clean(raw):
    """Serial bytes -> text without ANSI escapes and carriage returns."""
    text = _ANSI_RE.sub(b"", raw).replace(b"\r", b"")
    return text.decode("utf-8", "replace")


def accel():
    return os.environ.get("ACCEL") or "tcg"


class QemuResult:
    def __init__(self, argv, raw, returncode, timed_out, elapsed, log_path,
                 fatal=None):
        self.argv = argv
        self.fatal = fatal          # the FATAL_PATTERNS entry that stopped QEMU
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
        else:
            how = "exited with status %s after %.1fs" % (self.returncode, self.elapsed)
        return ("QEMU %s\nfull serial log: %s\n--- last %d lines ---\n%s\n---"
                % (how, self.log_path, n, self.tail(n)))


def run(argv, log_path, timeout, skip_shell_countdown=True):
    """Run QEMU (argv, serial on stdio) and return a QemuResult.

    The serial output is streamed to log_path + ".raw" while QEMU runs;
    afterwards log_path gets the cleaned text (no ANSI escapes, no CR).
    A run that hits a FATAL_PATTERNS line counts as timed out."""
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
        deadline = start + timeout
        scanned = 0
        while proc.poll() is None:
            now = time.monotonic()
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
    return QemuResult(argv, bytes(raw), proc.returncode, timed_out, elapsed, log_path,
                      fatal)


def _common(mem, smp, machine="q35"):
    return [QEMU, "-machine", "%s,accel=%s" % (machine, accel()), "-m", str(mem),
            "-smp", str(smp),
            "-nodefaults", "-nic", "none", "-display", "none", "-monitor", "none",
            "-chardev", "stdio,id=ser0,signal=off", "-serial", "chardev:ser0",
            "-no-reboot"]


def run_ovmf(esp_img, log_path, mem="512M", smp=1, timeout=120, vars_dir=None,
             skip_shell_countdown=True, extra=(), machine="q35", firmware=None):
    """Boot OVMF with esp_img as a virtio disk; the EFI shell runs startup.nsh.

    machine: QEMU machine type ("q35", "pc" for i440fx, ...).
    firmware: None for OVMF_CODE/OVMF_VARS, a FIRMWARE key ("4M", "2M") or a
    (code, vars) pair; the vars image is copied, the code image used read-only."""
    if firmware is None:
        code, vars_src = OVMF_CODE, OVMF_VARS
    elif isinstance(firmware, str):
        code, vars_src = FIRMWARE[firmware]
    else:
        code, vars_src = firmware
    vars_copy = os.path.join(vars_dir or os.path.dirname(os.path.abspath(esp_img)),
                             "OVMF_VARS.fd")
    shutil.copyfile(vars_src, vars_copy)
    argv = _common(mem, smp, machine) + [
        "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=%s" % code,
        "-drive", "if=pflash,format=raw,unit=1,file=%s" % vars_copy,
        "-drive", "file=%s,format=raw,if=virtio" % esp_img,
    ] + list(extra)
    return run(argv, log_path, timeout, skip_shell_countdown)


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
