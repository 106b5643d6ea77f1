"""Helpers shared by the integration tests: build artifacts with the
scripts/, parse what the guest and pvhboot report."""
import hashlib
import os
import re
import subprocess

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPTS = os.path.join(REPO, "scripts")
BUILD = os.path.join(REPO, "build")
LOGDIR = os.path.join(BUILD, "test-logs")
WORKDIR = os.path.join(BUILD, "test-work")

# Hard per-run timeouts (seconds).  OVMF + shell + pvhboot + kernel to
# power-off takes ~8 s under TCG on a 2-core machine; these only bound a hang.
BOOT_TIMEOUT = float(os.environ.get("PVHTEST_BOOT_TIMEOUT", "120"))
SHELL_TIMEOUT = float(os.environ.get("PVHTEST_SHELL_TIMEOUT", "120"))


def script(name, *args):
    """Run scripts/<name> and fail loudly with its output."""
    argv = [os.path.join(SCRIPTS, name)] + [str(a) for a in args]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(argv), p.returncode,
                                                  p.stdout.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


def sha_file(path):
    """SHA-256 of a file, lowercase hex (as pvhboot prints it)."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def mkinitrd_token(work, value, name="token1", out="initrd.img"):
    """work/out: an initrd with one more file, /<name> holding value; the
    guest's /init reports it as "PVHTEST token:/<name>=<value>"."""
    return mkinitrd(os.path.join(work, out), write_file(os.path.join(work, name), value + "\n"))


def mkinitrd(out, *extra_files):
    script("mkinitrd.sh", out, *extra_files)
    return out


def mkcpio_file(out, name, content):
    script("mkcpio-file.sh", out, name, content)
    return out


def mkesp(out, files, startup_nsh):
    """files: {dest_path_in_esp: src_path}; startup_nsh: script text."""
    nsh = os.path.join(os.path.dirname(out), "startup.nsh")
    with open(nsh, "w", newline="") as f:
        # CRLF like a DOS text file; the shell accepts both.
        f.write(startup_nsh.replace("\n", "\r\n"))
    pairs = ["%s=%s" % (nsh, "/startup.nsh")]
    pairs += ["%s=%s" % (src, dest) for dest, src in files.items()]
    script("mkesp.sh", out, *pairs)
    return out


def output_before_marker(lines, case):
    """The lines between the previous PVHMARK-* line and PVHMARK-<case>
    (a startup.nsh echoes a marker after each command), or None."""
    start = 0
    for i, line in enumerate(lines):
        if re.fullmatch(r"PVHMARK-\S+", line.strip()):
            if line.strip() == "PVHMARK-%s" % case:
                return lines[start:i]
            start = i + 1
    return None


def check_error_case(p, lines, case, expect):
    """A shell-run case (command, `echo PVHRC-<case> %lasterror%`,
    `echo PVHMARK-<case>`): exactly one `pvhboot: error:` line, containing
    expect, a non-zero status, and the marker (the shell went on)."""
    seg = output_before_marker(lines, case)
    if not p.check(seg is not None, "[%s] no PVHMARK-%s: the shell did not go on" % (case, case)):
        return
    errors = [l for l in seg if l.startswith("pvhboot: error: ")]
    p.check(len(errors) == 1 and expect in errors[0], "[%s] expected one error with %r, got %r"
            % (case, expect, errors))
    rc = [l for l in seg if l.startswith("PVHRC-%s " % case)]
    p.check(rc and rc[0].split()[1] not in ("0", "0x0"), "[%s] status %r is not an error" % (case, rc))


_PVHTEST_RE = re.compile(r"PVHTEST ([^=\s]+)(?:=(.*))?$")


class GuestReport:
    """The PVHTEST lines the initrd's /init printed."""

    def __init__(self, text):
        self.values = {}
        self.tokens = {}
        self.lines = []
        for line in text.split("\n"):
            m = _PVHTEST_RE.search(line)
            if not m:
                continue
            key, val = m.group(1), m.group(2)
            self.lines.append(m.group(0))
            if key.startswith("token:"):
                self.tokens.setdefault(key[len("token:"):], val)
            else:
                self.values.setdefault(key, val if val is not None else True)

    def get(self, key):
        return self.values.get(key)

    def has(self, key):
        return key in self.values


_RSDP_RE = re.compile(r"pvhboot: ACPI RSDP at (0x[0-9A-Fa-f]+)")


def pvhboot_rsdp(text):
    m = _RSDP_RE.search(text)
    return int(m.group(1), 16) if m else None


def parse_size(s):
    """'512M' / '5G' -> bytes."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    s = str(s).upper()
    if s[-1] in units:
        return int(s[:-1]) * units[s[-1]]
    return int(s) << 20     # QEMU's default unit is MiB


class Problems:
    """Collect every failed check of one run, then fail once with the log."""

    def __init__(self, result):
        self.result = result
        self.items = []

    def check(self, cond, msg):
        if not cond:
            self.items.append(msg)
        return cond

    def check_ended(self, how, timeout):
        """QEMU ended by itself (how: what should have ended it): no fatal
        error in the log, no timeout."""
        r = self.result
        if r.fatal:
            return self.check(False, "fatal error in the log: %r (QEMU stopped)" % r.fatal)
        return self.check(not r.timed_out, "QEMU did not exit (%s) before the %ss timeout" % (how, timeout))

    def raise_if_any(self):
        if self.items:
            raise AssertionError("\n".join(["%d problem(s):" % len(self.items)] +
                                           ["  - " + p for p in self.items] +
                                           [self.result.describe()]))


def build_test_efi(name):
    """build/tests/<name>.efi, a test-only EFI program from tests/efi/<name>.c,
    built now if it is missing or stale (make's rule for it)."""
    path = os.path.join(BUILD, "tests", name + ".efi")
    p = subprocess.run(["make", "-s", "-C", REPO, os.path.relpath(path, REPO)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode or not os.path.isfile(path):
        raise RuntimeError("make %s failed (%d):\n%s" % (path, p.returncode, p.stdout.decode(errors="replace")[-3000:]))
    return path


def mkdebian(suite, out, efi=None):
    """scripts/mkdebian SUITE OUT: a Debian disk image (GPT: ESP with
    pvhboot, ext4 root) plus OUT.part and OUT.vars.fd (Boot0000 "pvhboot").
    Cached under build/debian/SUITE/; the first build downloads from
    Debian's mirror and takes minutes.  efi: the pvhboot.efi to put on the
    ESP (default build/pvhboot.efi).  Returns the builder's messages."""
    env = dict(os.environ)
    if efi:
        env["EFI"] = efi
    argv = [os.path.join(SCRIPTS, "mkdebian"), suite, out]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    text = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(argv), p.returncode, text[-6000:]))
    return text


def read_pvhboot_conf(path):
    """A pvhboot.conf as {key: [values in order]} (comments and blank lines
    skipped), as pvhboot reads it."""
    conf = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            # Key and value are separated by blanks (spaces or tabs).
            key, value = (line.split(None, 1) + [""])[:2]
            conf.setdefault(key, []).append(value.strip())
    return conf


# --- measured boot: the values pvhboot's events give (docs/security.md) -----
ZERO_PCR = "00" * 32


def pcr_extend(pcr_hex, data):
    """TPM2_PCR_Extend in the SHA-256 bank with the digest of data."""
    return hashlib.sha256(bytes.fromhex(pcr_hex) + hashlib.sha256(data).digest()).hexdigest()


def cmdline_pcr12_bytes(cmdline):
    """What pvhboot measures into PCR 12 (and logs as the event data) for a
    command line, as systemd-stub does: UTF-16LE with a NUL.  A byte that is
    not valid UTF-8 becomes U+DC00 + byte, Python's surrogateescape."""
    b = cmdline if isinstance(cmdline, bytes) else cmdline.encode()
    return b.decode("utf-8", "surrogateescape").encode("utf-16-le", "surrogatepass") + b"\0\0"


STUB_PCR11_ORDER = (".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrpkey")


def stub_pcr11(sections, start=ZERO_PCR):
    """PCR 11 after systemd-stub's events for sections {name: bytes}: in
    systemd 252's order, the name with its NUL, then the bytes."""
    v = start
    for name in STUB_PCR11_ORDER:
        if name in sections:
            v = pcr_extend(pcr_extend(v, name.encode() + b"\0"), sections[name])
    return v


SYSTEMD_MEASURE = "/lib/systemd/systemd-measure"


def systemd_measure_pcr11(work, linux, initrd=None, cmdline=None):
    """`systemd-measure calculate` (Debian's systemd) for a unified image of
    these files (cmdline: the .cmdline bytes), SHA-256 bank, no boot phases:
    PCR 11 as systemd-stub would leave it.  None if the tool is missing."""
    if not os.access(SYSTEMD_MEASURE, os.X_OK):
        return None
    argv = [SYSTEMD_MEASURE, "calculate", "--linux=" + linux, "--bank=sha256", "--phase=", "--json=short"]
    if initrd is not None:
        argv.append("--initrd=" + initrd)
    if cmdline is not None:
        path = os.path.join(work, "measure-cmdline.bin")
        with open(path, "wb") as f:
            f.write(cmdline if isinstance(cmdline, bytes) else cmdline.encode())
        argv.append("--cmdline=" + path)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), p.returncode, p.stderr))
    import json
    (entry,) = json.loads(p.stdout)["sha256"]
    assert entry["pcr"] == 11, p.stdout
    return entry["hash"].lower()


def image_file_entries(work, images):
    """ESP files {dest: src} for boot entries naming one-file image files:
    for each (name, version, image) /EFI/Linux/<name>.efi = image and
    /EFI/pvhboot/entries/<name>.conf with "title", "version" and "linux"
    (line 3) naming it; pvhboot tries the highest version first and falls
    back to the next entry when one is refused."""
    files = {}
    for name, version, image in images:
        files["/EFI/Linux/%s.efi" % name] = image
        files["/EFI/pvhboot/entries/%s.conf" % name] = write_file(
            os.path.join(work, "entry-%s.conf" % name),
            "title %s\nversion %d\nlinux /EFI/Linux/%s.efi\n" % (name, version, name))
    return files


def check_image_file_entries(p, lines, refusal, verified):
    """After a boot of image_file_entries([("unsigned", 2, ...), ("signed",
    1, ...)]): pvhboot refused unsigned.efi with one line containing
    refusal, then verified signed.efi (a line ending in verified) and
    booted its .linux section.  Files named by an entry are named
    "ENTRY:LINE: PATH" in messages."""
    def named(name):
        return "\\EFI\\pvhboot\\entries\\%s.conf:3: \\EFI\\Linux\\%s.efi: " % (name, name)
    p.check(any(l.startswith("pvhboot: error: " + named("unsigned") + refusal) for l in lines),
            "pvhboot did not refuse the unsigned image file (%r): %r"
            % (refusal, [l for l in lines if "unsigned.efi" in l]))
    p.check("pvhboot: " + named("signed") + "a one-file image, " + verified in lines,
            "the signed image file was not %r: %r" % (verified, [l for l in lines if "signed.efi" in l]))
    p.check(any(l.startswith("pvhboot: kernel (\\EFI\\Linux\\signed.efi .linux section): ") for l in lines),
            "the kernel did not come from signed.efi's .linux section")


def pvhimage(*args):
    """scripts/pvhimage.py ARGS (image/pin IN OUT ...): OUT, or RuntimeError
    with its output."""
    p = subprocess.run(["/usr/bin/python3", os.path.join(SCRIPTS, "pvhimage.py")] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode:
        raise RuntimeError("pvhimage.py %s failed:\n%s" % (args[0], p.stdout.decode(errors="replace")))
    return args[2]


def small_onefile_image(pvhboot_efi, work, name="small.efi"):
    """An unsigned one-file image with a 4 KiB stand-in for the kernel (ELF
    magic only): for tests in which it is refused before anything boots,
    where a 50 MB kernel would only cost hashing time under TCG."""
    kernel = os.path.join(work, "stand-in.elf")
    with open(kernel, "wb") as f:
        f.write(b"\x7fELF" + bytes(4092))
    return pvhimage("image", pvhboot_efi, os.path.join(work, name), "--kernel", kernel, "--cmdline", "refused")
