"""A PVH one-file image (pvhboot.efi with .linux/.initrd/.cmdline sections)
started from the EFI shell, Secure Boot off:

- with kernel= and initrd= arguments it boots its own sections and ignores
  them (it says so); the arguments' command line replaces .cmdline, which
  only Secure Boot forbids (tested in test_trust.py);
- with pvhboot.external it boots the given files instead.
"""
import os
import secrets
import subprocess

import pytest

import pvhharness as H
import qemu


@pytest.mark.parametrize("external", [False, True], ids=["own-sections", "external"])
def test_one_file_image(kernel, pvhboot_efi, work, log_path, external):
    own, ext = "own-" + secrets.token_hex(6), "ext-" + secrets.token_hex(6)
    paths = {}
    for name, token in (("own", own), ("ext", ext)):
        paths[name] = H.mkinitrd_token(work, token, name="token-" + name, out=name + ".img")
    image = os.path.join(work, "linux.efi")
    subprocess.run(["/usr/bin/python3", os.path.join(H.SCRIPTS, "pvhimage.py"), "image", "--kernel", kernel,
                    "--initrd", paths["own"], "--cmdline", "console=ttyS0 panic=-1 from=image",
                    pvhboot_efi, image], check=True)
    cmdline = "console=ttyS0 panic=-1 from=args"
    words = "kernel=\\vmlinux initrd=\\ext.img %s" % cmdline
    if external:
        words = "pvhboot.external " + words
    nsh = "echo PVHMARK-NSH-START\nfs0:\n\\linux.efi %s\necho PVHMARK-RETURNED\nreset -s\n" % words
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {"\\linux.efi": image, "\\vmlinux": kernel, "\\ext.img": paths["ext"]}, nsh)
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check("PVHMARK-RETURNED" not in result.lines, "pvhboot returned instead of booting")
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == cmdline, "guest cmdline %r != %r" % (guest.get("cmdline"), cmdline))
    tokens = sorted(guest.tokens.values())
    want = [ext] if external else [own]
    p.check(tokens == want, "initrd tokens %r, expected %r" % (tokens, want))
    says = [l for l in result.lines if l.startswith("pvhboot: pvhboot.external") or
            l.startswith("pvhboot: booting the kernel in pvhboot's own image")]
    p.check(len(says) == 1 and ("external" in says[0]) == external, "pvhboot's lines about its choice: %r" % says)
    p.raise_if_any()
