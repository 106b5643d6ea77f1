"""pvhboot.conf: the BLS-style config file in pvhboot's own directory.

Two QEMU runs:
- the removable-media default: \\EFI\\BOOT\\BOOTX64.EFI is pvhboot and
  \\EFI\\BOOT\\pvhboot.conf says what to boot; OVMF starts it with no
  arguments (its auto-created boot option passes binary optional data);
- from the shell: broken configs (each in its own directory with its own copy
  of pvhboot.efi) give one error line with file and line number and a
  non-zero status, then a good config whose options and kernel the
  arguments override, which boots.
"""
import os
import secrets

import pytest

import pvhharness as H
import qemu


def booted_checks(p, result, guest):
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check(guest.has("init-done"), "guest /init did not finish (no 'PVHTEST init-done')")
    p.check(not result.timed_out and result.returncode == 0,
            "QEMU did not power off by itself (%s)" % result.describe(0).split("\n")[0])


def test_removable_media_default_boot(kernel, pvhboot_efi, work, log_path):
    token = secrets.token_hex(8)
    initrd = H.mkinitrd_token(work, "cfg-%s" % token)
    options = "console=ttyS0 panic=-1 pvhtest.conf=%s" % token
    conf = H.write_file(os.path.join(work, "pvhboot.conf"),
                        "\ufeff# written by test_config.py\r\n"
                        "title    PVH test entry\r\n"
                        "linux    /vmlinux\r\n"
                        "initrd   ../../initrd.img\r\n"
                        "options  console=ttyS0 panic=-1\r\n"
                        "options  pvhtest.conf=%s\r\n" % token)
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {"\\EFI\\BOOT\\BOOTX64.EFI": pvhboot_efi, "\\EFI\\BOOT\\pvhboot.conf": conf,
                   "\\vmlinux": kernel, "\\initrd.img": initrd},
                  "echo PVHMARK-SHELL-REACHED\nreset -s\n")
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    booted_checks(p, result, guest)
    p.check("PVHMARK-SHELL-REACHED" not in result.lines,
            "OVMF fell through to the EFI shell: BOOTX64.EFI did not boot")
    p.check(any(l.startswith('pvhboot: booting "PVH test entry" from \\EFI\\BOOT\\pvhboot.conf')
                for l in result.lines), "no 'pvhboot: booting \"PVH test entry\"' line")
    p.check(guest.get("cmdline") == options,
            "guest cmdline %r != options %r" % (guest.get("cmdline"), options))
    p.check(guest.tokens.get("/token1") == "cfg-%s" % token,
            "initrd from the config not seen: %r" % guest.tokens.get("/token1"))
    p.raise_if_any()


# (case, pvhboot.conf text, substring the one error line must contain)
BAD_CONFIGS = [
    ("unknown-key", "linux /vmlinux\ndevicetree x.dtb\n", "pvhboot.conf:2: unknown key"),
    ("duplicate-linux", "linux /vmlinux\n# again\nkernel /vmlinux\n", "pvhboot.conf:3: second linux"),
    ("missing-initrd", "linux /vmlinux\ninitrd /initrd.img\ninitrd /no-such.img\n",
     "pvhboot.conf:3: \\no-such.img: file not found"),
    ("missing-kernel", "title x\nlinux no-such-vmlinux\n",
     "pvhboot.conf:2: \\cfg\\missing-kernel\\no-such-vmlinux: file not found"),
    ("non-ascii-options", "linux /vmlinux\noptions console=ttyS0 name=caf\u00e9\n",
     "pvhboot.conf:2: options must be printable ASCII"),
    ("long-line", "# %s\nlinux /vmlinux\n" % ("x" * 4100), "pvhboot.conf:1: line is longer than 4096"),
    ("no-linux", "title nothing to boot\noptions quiet\n", "no linux line in"),
]


@pytest.fixture(scope="module")
def shell_run(kernel, pvhboot_efi, tmp_path_factory):
    work = str(tmp_path_factory.mktemp("config-shell"))
    t1, t2 = "tok1-" + secrets.token_hex(6), "tok2-" + secrets.token_hex(6)
    initrd = H.mkinitrd_token(work, t1)
    extra = H.mkcpio_file(os.path.join(work, "extra.cpio"), "token2", t2)
    files = {"\\vmlinux": kernel, "\\initrd.img": initrd, "\\extra.cpio": extra}
    nsh = ["echo PVHMARK-NSH-START", "fs0:"]
    for case, text, _ in BAD_CONFIGS:
        d = "\\cfg\\%s" % case
        files[d + "\\pvhboot.efi"] = pvhboot_efi
        files[d + "\\pvhboot.conf"] = H.write_file(os.path.join(work, case + ".conf"), text)
        nsh += ["%s\\pvhboot.efi" % d, "echo PVHRC-%s %%lasterror%%" % case, "echo PVHMARK-%s" % case]
    # A good config; the arguments replace its options and add an initrd.
    files["\\good\\pvhboot.efi"] = pvhboot_efi
    files["\\good\\pvhboot.conf"] = H.write_file(
        os.path.join(work, "good.conf"),
        "title good\nlinux /no-such-vmlinux\ninitrd /initrd.img\noptions from=config\n")
    cmdline = "console=ttyS0 panic=-1 from=args"
    nsh += ["\\good\\pvhboot.efi kernel=\\vmlinux initrd=/extra.cpio %s" % cmdline,
            "echo PVHMARK-RETURNED", "reset -s", ""]
    esp = H.mkesp(os.path.join(work, "esp.img"), files, "\n".join(nsh))
    log = os.path.join(H.LOGDIR, "test_config_shell.log")
    result = qemu.run_ovmf(esp, log, timeout=H.BOOT_TIMEOUT)
    return result, cmdline, t1, t2


@pytest.mark.parametrize("case,text,expect", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config(shell_run, case, text, expect):
    result = shell_run[0]
    p = H.Problems(result)
    H.check_error_case(p, result.lines, case, expect)
    p.raise_if_any()


def test_arguments_override_config(shell_run):
    result, cmdline, t1, t2 = shell_run
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    booted_checks(p, result, guest)
    p.check("PVHMARK-RETURNED" not in result.lines, "pvhboot returned instead of booting")
    p.check(guest.get("cmdline") == cmdline, "guest cmdline %r != arguments %r" % (guest.get("cmdline"), cmdline))
    p.check(guest.tokens.get("/token1") == t1, "config initrd missing: %r" % guest.tokens.get("/token1"))
    p.check(guest.tokens.get("/token2") == t2, "argument initrd missing: %r" % guest.tokens.get("/token2"))
    p.raise_if_any()
