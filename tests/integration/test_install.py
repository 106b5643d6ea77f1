"""make install (to an ESP and to DESTDIR/PREFIX) and scripts/mkesp, whose
disk image must boot with no boot entry and no arguments."""
import os
import secrets
import subprocess

import pvhharness as H
import qemu


def make(*args):
    return subprocess.run(["make", "-s", "-C", H.REPO] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)


def test_install_to_esp(pvhboot_efi, tmp_path):
    esp = tmp_path / "esp"
    esp.mkdir()
    r = make("install", "ESP=%s" % esp, "KERNEL=\\vmlinux", "INITRD=\\initrd.img LABEL=DATA:/x.cpio",
             "OPTIONS=console=ttyS0 root=/dev/vda1")
    assert r.returncode == 0, r.stdout
    installed = esp / "EFI" / "pvhboot" / "pvhboot.efi"
    assert installed.read_bytes() == open(pvhboot_efi, "rb").read()
    conf = (esp / "EFI" / "pvhboot" / "pvhboot.conf").read_text().splitlines()
    assert [l.split(None, 1) for l in conf if not l.startswith("#")] == [
        ["title", "pvhboot"], ["linux", "\\vmlinux"], ["initrd", "\\initrd.img"],
        ["initrd", "LABEL=DATA:/x.cpio"], ["options", "console=ttyS0 root=/dev/vda1"]]
    # Non-ASCII options are refused, as pvhboot itself would refuse them.
    r = make("install", "ESP=%s" % esp, "KERNEL=\\vmlinux", "OPTIONS=name=caf\u00e9")
    assert r.returncode != 0 and "printable ASCII" in r.stdout, r.stdout
    r = make("install", "ESP=%s" % (tmp_path / "missing"), "KERNEL=\\vmlinux")
    assert r.returncode != 0 and "is not a directory" in r.stdout, r.stdout


def test_install_destdir(pvhboot_efi, tmp_path):
    r = make("install", "DESTDIR=%s" % tmp_path, "PREFIX=/usr")
    assert r.returncode == 0, r.stdout
    assert (tmp_path / "usr/lib/pvhboot/pvhboot.efi").read_bytes() == open(pvhboot_efi, "rb").read()
    for f in ("mkesp", "mkesp.sh", "mkconf"):
        assert os.access(tmp_path / "usr/share/pvhboot" / f, os.X_OK), f
    # Sourced, not run.
    lib = tmp_path / "usr/share/pvhboot/lib.sh"
    assert lib.is_file() and not os.access(lib, os.X_OK)
    # The unit that blesses a counted boot, pulled in by multi-user.target, and the man pages.
    unit = tmp_path / "usr/lib/systemd/system/pvhboot-bless-boot.service"
    assert "ExecStart=/usr/sbin/pvhboot-kernel bless" in unit.read_text().splitlines()
    assert os.readlink(tmp_path / "usr/lib/systemd/system/multi-user.target.wants/pvhboot-bless-boot.service") \
        == "../pvhboot-bless-boot.service"
    for f in ("usr/share/man/man7/pvhboot.7.gz", "usr/share/man/man8/pvhboot-kernel.8.gz"):
        assert (tmp_path / f).stat().st_size > 1000, f
    assert os.readlink(tmp_path / "usr/bin/pvhboot-mkesp") == "../share/pvhboot/mkesp"
    for f in ("usr/sbin/pvhboot-kernel", "etc/kernel/postinst.d/zz-pvhboot", "etc/kernel/postrm.d/zz-pvhboot",
              "etc/initramfs/post-update.d/pvhboot", "usr/lib/kernel/install.d/90-pvhboot.install"):
        assert os.access(tmp_path / f, os.X_OK), f


def test_mkesp_image_boots(kernel, pvhboot_efi, work, log_path):
    token = secrets.token_hex(8)
    initrd = H.mkinitrd_token(work, "mkesp-%s" % token)
    extra = H.mkcpio_file(os.path.join(work, "extra.cpio"), "token2", token)
    options = "console=ttyS0 panic=-1 pvhtest.mkesp=%s" % token
    img = os.path.join(work, "disk.img")
    subprocess.run([os.path.join(H.SCRIPTS, "mkesp"), img, "KERNEL=%s" % kernel,
                    "INITRD=%s %s" % (initrd, extra), "OPTIONS=%s" % options, "EFI=%s" % pvhboot_efi],
                   check=True)
    result = qemu.run_ovmf(img, log_path, timeout=H.BOOT_TIMEOUT)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check(not any("EFI Internal Shell" in l for l in result.lines), "OVMF fell through to the shell")
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == options, "guest cmdline %r != %r" % (guest.get("cmdline"), options))
    p.check(guest.tokens.get("/token1") == "mkesp-%s" % token, "first initrd: %r" % guest.tokens.get("/token1"))
    p.check(guest.tokens.get("/token2") == token, "second initrd: %r" % guest.tokens.get("/token2"))
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off by itself")
    p.raise_if_any()
