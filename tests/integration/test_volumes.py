"""Kernel and initrds on a second disk (a virtio GPT disk with a FAT
partition labelled PVHKERNEL), pvhboot on the ESP of the first.

One QEMU run from the EFI shell: a label no volume has, a GUID no
partition has, and a missing file on a named volume each give one error line
and a non-zero status; then a boot that names the kernel's volume by LABEL=
(in lower case), one initrd's by GUID=, and gives the other initrd as a plain
path that is not on pvhboot's volume, so pvhboot finds it on the other one
and says so.
"""
import os
import re
import secrets
import subprocess
import uuid

import pytest

import pvhharness as H
import qemu

LABEL = "PVHKERNEL"


def partition_guid(img):
    """Unique GUID of the first GPT partition entry (LBA 2, offset 16)."""
    with open(img, "rb") as f:
        f.seek(2 * 512 + 16)
        return str(uuid.UUID(bytes_le=f.read(16)))


@pytest.fixture(scope="module")
def run(kernel, pvhboot_efi, tmp_path_factory):
    work = str(tmp_path_factory.mktemp("volumes"))
    t1, t2 = "vol1-" + secrets.token_hex(6), "vol2-" + secrets.token_hex(6)
    initrd = H.mkinitrd_token(work, t1)
    extra = H.mkcpio_file(os.path.join(work, "extra.cpio"), "token2", t2)

    data = os.path.join(work, "data.img")
    H.script("mkesp.sh", data, "%s=/boot/vmlinux" % kernel, "%s=/boot/initrd.img" % initrd,
             "%s=/boot/extra.cpio" % extra)
    subprocess.run(["mlabel", "-i", data + "@@1M", "::" + LABEL], check=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    guid = partition_guid(data)

    cmdline = "console=ttyS0 panic=-1 pvhtest.vol=%s" % t1
    efi = "\\EFI\\pvhboot\\pvhboot.efi"
    cases = [
        ("no-label", "kernel=LABEL=NOPE:\\boot\\vmlinux"),
        ("no-guid", "kernel=GUID=%s:\\boot\\vmlinux" % uuid.uuid4()),
        ("missing-file", "kernel=LABEL=%s:\\boot\\missing" % LABEL),
    ]
    nsh = ["echo PVHMARK-NSH-START", "fs0:"]
    for case, args in cases:
        nsh += ["%s %s" % (efi, args), "echo PVHRC-%s %%lasterror%%" % case, "echo PVHMARK-%s" % case]
    nsh += ["%s kernel=LABEL=%s:\\boot\\vmlinux initrd=GUID=%s:/boot/initrd.img initrd=\\boot\\extra.cpio %s"
            % (efi, LABEL.lower(), guid.upper(), cmdline), "echo PVHMARK-RETURNED", "reset -s", ""]
    esp = H.mkesp(os.path.join(work, "esp.img"), {efi: pvhboot_efi}, "\n".join(nsh))
    result = qemu.run_ovmf(esp, os.path.join(H.LOGDIR, "test_volumes.log"), timeout=H.BOOT_TIMEOUT,
                           extra=["-drive", "file=%s,format=raw,if=virtio" % data])
    return result, cmdline, t1, t2


@pytest.mark.parametrize("case,expect", [
    ("no-label", "pvhboot: error: LABEL=NOPE:\\boot\\vmlinux: no volume has that label"),
    ("no-guid", ": no GPT partition has that GUID"),
    ("missing-file", "pvhboot: error: LABEL=%s:\\boot\\missing: file not found" % LABEL),
])
def test_volume_errors(run, case, expect):
    result = run[0]
    p = H.Problems(result)
    H.check_error_case(p, result.lines, case, expect)
    p.raise_if_any()


def test_boot_from_second_disk(run):
    result, cmdline, t1, t2 = run
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check("PVHMARK-RETURNED" not in result.lines, "pvhboot returned instead of booting")
    p.check(any(re.match(r"pvhboot: \\boot\\extra\.cpio: not on pvhboot's volume; using the one on .*HD\(", l)
                for l in result.lines), "pvhboot did not say where it found \\boot\\extra.cpio")
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == cmdline, "guest cmdline %r != %r" % (guest.get("cmdline"), cmdline))
    p.check(guest.tokens.get("/token1") == t1, "GUID= initrd missing: %r" % guest.tokens.get("/token1"))
    p.check(guest.tokens.get("/token2") == t2, "searched initrd missing: %r" % guest.tokens.get("/token2"))
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off by itself")
    p.raise_if_any()
