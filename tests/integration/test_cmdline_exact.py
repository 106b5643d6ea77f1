"""The kernel command line byte for byte (issue 12, item 3).

pvhboot passes the kernel's words as they were written, as the EFI stub and
systemd-boot do: quotes stay, and the blanks between two kernel words are
the ones written there; pvhboot removes only its own words (kernel=,
initrd=, pvhboot.*, the first "--"), each with the blanks before it, and
blanks before the first and after the last kernel word.  A word is
pvhboot's only as written: quoted, or after "--", it is the kernel's.

Three QEMU runs (q35, OVMF), one per source of the command line; in each the
guest's /proc/cmdline (reported by the initrd's /init) must be exactly the
expected bytes, and pvhboot's "command line:" line must say the same:
- the EFI shell (startup.nsh): pvhboot reads the shell's raw command line
  text, not its argv (which has the quotes removed); the pvhboot.efi it
  runs is pinned (scripts/pvhimage.py pin) to the expected bytes, so the
  boot itself shows that the pin covers exactly those bytes;
- a Boot#### entry whose LoadOptions (made with ovmf-vars/mkvars.py) hold
  the words, a tab among them;
- pvhboot.conf as the removable-media default, options lines with quotes,
  runs of blanks and a tab, with a TPM (swtpm): PCR 12 in the guest is the
  extend of SHA-256 of exactly those bytes.
"""
import os
import secrets
import subprocess
import sys
import uuid

import pytest

import pvhharness as H
import qemu

sys.path.insert(0, os.path.join(H.REPO, "ovmf-vars"))
import mkvars as M  # noqa: E402

LOADER = "\\EFI\\pvhboot\\pvhboot.efi"
PVHIMAGE = os.path.join(H.SCRIPTS, "pvhimage.py")

# Kernel words that re-quoting used to change: a quoted value with a blank,
# a fully quoted word, quotes in the middle, a run of two blanks, a word
# that looks like pvhboot's but is quoted.
QUOTED = 'acpi_osi="!Windows 2012"  "x" a="b c"d "kernel=\\not-a-file"'


def guest_cmdline_checks(p, result, want):
    guest = H.GuestReport(result.text)
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check(guest.has("init-done"), "guest /init did not finish (no 'PVHTEST init-done')")
    said = [l[len("pvhboot: command line: "):] for l in result.lines
            if l.startswith("pvhboot: command line: ")]
    p.check(said == [want], "pvhboot's 'command line:' lines %r, want [%r]" % (said, want))
    p.check(guest.get("cmdline") == want,
            "guest /proc/cmdline %r, want exactly %r" % (guest.get("cmdline"), want))
    p.check(not [l for l in result.lines if "does not match its arguments" in l],
            "pvhboot fell back to the shell's argv")
    return guest


@pytest.fixture(scope="module")
def initrd(kernel, tmp_path_factory):
    d = str(tmp_path_factory.mktemp("cmdline-exact"))
    return H.mkinitrd(os.path.join(d, "initrd.img"))


def test_from_the_shell(kernel, pvhboot_efi, initrd, work, log_path):
    token = secrets.token_hex(6)
    # pvhboot's words first, in the middle (with blanks after it that stay)
    # and "--" before a kernel word named like pvhboot's.
    args = ("kernel=\\vmlinux console=ttyS0 initrd=\\initrd.img  panic=-1 %s pvhtest.tok=%s "
            "-- kernel=kernel-word" % (QUOTED, token))
    want = "console=ttyS0  panic=-1 %s pvhtest.tok=%s kernel=kernel-word" % (QUOTED, token)
    pinned = os.path.join(work, "pvhboot.pinned.efi")
    r = subprocess.run(["/usr/bin/python3", PVHIMAGE, "pin", pvhboot_efi, pinned, "--kernel", kernel,
                        "--initrd", initrd, "--cmdline", want],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0 and "note" not in r.stderr, r.stderr
    nsh = "\n".join(["echo PVHMARK-NSH-START", "fs0:", LOADER + " " + args,
                     "echo PVHMARK-RETURNED", "reset -s", ""])
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {LOADER: pinned, "\\vmlinux": kernel, "\\initrd.img": initrd}, nsh)
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT)
    p = H.Problems(result)
    p.check("PVHMARK-RETURNED" not in result.lines, "pvhboot returned to the shell (pin refused?)")
    guest_cmdline_checks(p, result, want)
    p.raise_if_any()


def test_from_a_boot_entry(kernel, pvhboot_efi, initrd, work, log_path):
    token = secrets.token_hex(6)
    options = ("  kernel=\\vmlinux console=ttyS0\tpanic=-1 initrd=\\initrd.img   %s  pvhtest.tok=%s "
               % (QUOTED, token))
    want = "console=ttyS0\tpanic=-1   %s  pvhtest.tok=%s" % (QUOTED, token)
    nsh = os.path.join(work, "startup.nsh")
    with open(nsh, "w", newline="") as f:
        f.write("echo PVHMARK-SHELL-REACHED\r\nreset -s\r\n")
    esp = os.path.join(work, "esp.img")
    env = dict(os.environ, PART_GUID=str(uuid.uuid4()))
    pairs = ["%s=/startup.nsh" % nsh, "%s=%s" % (pvhboot_efi, LOADER), "%s=\\vmlinux" % kernel,
             "%s=\\initrd.img" % initrd]
    subprocess.run([os.path.join(H.SCRIPTS, "mkesp.sh"), esp] + pairs, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    vars_file = os.path.join(work, "pvhboot-vars.fd")
    subprocess.run(["/usr/bin/python3", os.path.join(H.REPO, "ovmf-vars", "mkvars.py"), "-q",
                    "--in", qemu.FIRMWARE["4M"][1], "--out", vars_file, "--part-file", esp + ".part",
                    "--options", options], check=True)
    # The store holds the options as written, UTF-16, NUL-terminated.
    store = M.Store(open(vars_file, "rb").read(), vars_file)
    assert store.find("Boot0000").data.endswith(options.encode("utf-16-le") + b"\0\0")
    result = qemu.run_ovmf(esp, log_path, firmware=(qemu.FIRMWARE["4M"][0], vars_file), vars_dir=work,
                           timeout=H.BOOT_TIMEOUT)
    p = H.Problems(result)
    p.check("PVHMARK-SHELL-REACHED" not in result.lines, "OVMF fell through to the EFI shell")
    guest_cmdline_checks(p, result, want)
    p.raise_if_any()


def test_from_pvhboot_conf_measured(kernel, pvhboot_efi, initrd, work, log_path):
    token = secrets.token_hex(6)
    conf = H.write_file(os.path.join(work, "pvhboot.conf"),
                        "linux    /vmlinux\n"
                        "initrd   /initrd.img\n"
                        "options  console=ttyS0  panic=-1\t\n"
                        "options\t%s\tpvhtest.tok=%s   \n" % (QUOTED, token))
    # Each options line as written (its own leading and trailing blanks
    # aside), the lines joined by one blank.
    want = "console=ttyS0  panic=-1 %s\tpvhtest.tok=%s" % (QUOTED, token)
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {"\\EFI\\BOOT\\BOOTX64.EFI": pvhboot_efi, "\\EFI\\BOOT\\pvhboot.conf": conf,
                   "\\vmlinux": kernel, "\\initrd.img": initrd},
                  "echo PVHMARK-SHELL-REACHED\nreset -s\n")
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT, tpm=True)
    p = H.Problems(result)
    p.check("PVHMARK-SHELL-REACHED" not in result.lines, "OVMF fell through to the EFI shell")
    guest = guest_cmdline_checks(p, result, want)
    # PCR 12 holds pvhboot's one command-line event: exactly the text the
    # kernel got, in systemd-stub's form (UTF-16LE with a NUL).
    pcr12 = H.pcr_extend(H.ZERO_PCR, H.cmdline_pcr12_bytes(want))
    p.check(guest.get("pcr-sha256-12") == pcr12, "guest PCR 12 %r, want %s (extend of the UTF-16 of %r)"
            % (guest.get("pcr-sha256-12"), pcr12, want))
    p.raise_if_any()
