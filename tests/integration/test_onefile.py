"""A PVH one-file image (pvhboot.efi with .linux/.initrd/.cmdline sections)
started from the EFI shell, Secure Boot off:

- with kernel= and initrd= arguments it boots its own sections and ignores
  them (it says so); the arguments' command line replaces .cmdline, which
  only Secure Boot forbids (tested in test_trust.py);
- with pvhboot.external it boots the given files instead;
- loaded from memory with no device path (LoadImage from a buffer, as HTTP
  boot or a chainloader does; tests/efi/load-buffer.c), so that it has no
  file system to open, it still boots its own sections.
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


def test_one_file_image_from_memory_without_device_path(kernel, pvhboot_efi, work, log_path):
    """A one-file image needs no file system: started by LoadImage from a
    memory buffer with a NULL device path (no DeviceHandle to open a volume
    on), it boots its .linux, .initrd and .cmdline."""
    own = "mem-" + secrets.token_hex(6)
    initrd = H.mkinitrd_token(work, own, name="token-own", out="own.img")
    cmdline = "console=ttyS0 panic=-1 from=image-in-memory"
    image = os.path.join(work, "linux.efi")
    subprocess.run(["/usr/bin/python3", os.path.join(H.SCRIPTS, "pvhimage.py"), "image", "--kernel", kernel,
                    "--initrd", initrd, "--cmdline", cmdline, pvhboot_efi, image], check=True)
    nsh = "echo PVHMARK-NSH-START\nfs0:\n\\load-buffer.efi \\linux.efi\necho PVHMARK-RETURNED\nreset -s\n"
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {"\\linux.efi": image, "\\load-buffer.efi": H.build_test_efi("load-buffer")}, nsh)
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(any(l.startswith("load-buffer: starting \\linux.efi (%d bytes) from memory, no device path"
                             % os.path.getsize(image)) for l in result.lines),
            "load-buffer.efi did not start the image from memory")
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check("PVHMARK-RETURNED" not in result.lines, "pvhboot returned instead of booting: %r"
            % [l for l in result.lines if l.startswith(("pvhboot: ", "load-buffer: "))])
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == cmdline, "guest cmdline %r != the image's %r" % (guest.get("cmdline"), cmdline))
    p.check(sorted(guest.tokens.values()) == [own], "initrd tokens %r, expected the image's %r"
            % (sorted(guest.tokens.values()), [own]))
    p.raise_if_any()
