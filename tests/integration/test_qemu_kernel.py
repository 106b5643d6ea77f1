"""QEMU's -kernel/-initrd/-append under OVMF, with pvhboot as the ESP's
default boot program (\\EFI\\BOOT\\BOOTX64.EFI, no config, no arguments).

pvhboot finds OVMF's QEMU kernel loader file system (the files kernel,
initrd, cmdline of VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7)) when it has
no kernel from arguments or a config. QEMU (7.2 here, and its current
sources) does not pass a PVH ELF's bytes to the firmware: for
`-kernel vmlinux` it loads the ELF into guest memory itself (for SeaBIOS's
pvh.bin), where OVMF overwrites it, and fw_cfg carries the first 8 KiB of the
file followed by zeros. So pvhboot boots the same vmlinux from the fw_cfg
file opt/org.pvhboot/kernel when QEMU is given it too, after checking that
its first 8 KiB are the ones -kernel passed; the initrd and the command line
come from -initrd and -append. Only the ELF header and program headers of
QEMU's copy can be compared: the rest of QEMU 7.2's 8 KiB is its own stack
(it keeps a pointer to a local buffer). QEMU 10.0.2 (bookworm-backports,
scripts/fetch-qemu; these tests pass with QEMU=$(scripts/fetch-qemu)) still
passes only 8 KiB, but since QEMU 9.2 ("hw/i386/elfboot: allocate header in
heap") they are exactly the file's first 8 KiB. Without that file pvhboot
says so in one line.

What OVMF itself does first with a non-PE -kernel, as these logs show:
nothing visible (its own attempt fails silently in Debian's release build),
then BDS boots Boot0001 (the disk: here pvhboot).  When pvhboot returns, BDS
goes on: "UEFI Non-Block Boot Device" VenMedia(1428F772-...) fails with Not
Found, then the EFI shell.
"""
import os
import secrets

import pytest

import pvhharness as H
import qemu

FW_CFG_KERNEL = "opt/org.pvhboot/kernel"


def boot_qemu_kernel(work, log_path, kernel, efi, initrd, append, fw_cfg_kernel=None, user_disk=False,
                     qemu_bin=None):
    """user_disk: the disk as README makes it (scripts/mkesp OUT.img EFI=...,
    pvhboot alone); else the same plus a startup.nsh that prints
    PVHMARK-SHELL-REACHED and powers off when OVMF gets to the shell."""
    esp = os.path.join(work, "esp.img")
    if user_disk:
        H.script("mkesp", esp, "EFI=%s" % efi)
    else:
        H.mkesp(esp, {"\\EFI\\BOOT\\BOOTX64.EFI": efi}, "echo PVHMARK-SHELL-REACHED\nreset -s\n")
    extra = ["-kernel", kernel, "-initrd", initrd, "-append", append]
    if fw_cfg_kernel:
        extra += ["-fw_cfg", "name=%s,file=%s" % (FW_CFG_KERNEL, fw_cfg_kernel)]
    return qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT, extra=extra, qemu=qemu_bin)


@pytest.mark.parametrize("pinned", [False, True], ids=["plain", "pinned"])
def test_qemu_kernel_boots_with_fw_cfg_copy(kernel, pvhboot_efi, work, log_path, pinned):
    """qemu -kernel vmlinux -initrd -append + -fw_cfg name=opt/org.pvhboot/kernel:
    Linux runs with -append's command line and -initrd's files.  pinned: a
    pvhboot with .pvhpins for all three boots too, so the whole fw_cfg file
    was hashed right (segments and the gaps between them)."""
    check_boots_with_fw_cfg_copy(kernel, pvhboot_efi, work, log_path, pinned)


@pytest.mark.skipif(os.environ.get("PVHTEST_FULL", "") in ("", "0"),
                    reason="QEMU 10 (bookworm-backports) only in make check-full")
def test_qemu_kernel_on_qemu10(kernel, pvhboot_efi, work, log_path):
    """The same on bookworm-backports' QEMU 10 (scripts/fetch-qemu), which
    still passes OVMF only 8 KiB of a PVH ELF (now exactly the file's)."""
    q10 = H.script("fetch-qemu").strip().splitlines()[-1]
    check_boots_with_fw_cfg_copy(kernel, pvhboot_efi, work, log_path, False, q10)


def check_boots_with_fw_cfg_copy(kernel, pvhboot_efi, work, log_path, pinned, qemu_bin=None):
    token = secrets.token_hex(8)
    initrd = H.mkinitrd_token(work, "qk-%s" % token)
    append = "console=ttyS0 panic=-1 pvhtest.word=%s" % secrets.token_hex(6)
    efi = pvhboot_efi
    if pinned:
        efi = os.path.join(work, "pinned.efi")
        H.script("pvhimage.py", "pin", pvhboot_efi, efi, "--kernel", kernel, "--initrd", initrd, "--cmdline", append)
    result = boot_qemu_kernel(work, log_path, kernel, efi, initrd, append, fw_cfg_kernel=kernel, user_disk=True,
                              qemu_bin=qemu_bin)
    lines = result.lines
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check(not any(l.startswith("pvhboot: error: ") for l in lines),
            "pvhboot reported an error: %r" % [l for l in lines if "error" in l])
    p.check(any(l.startswith("pvhboot: no kernel given: booting QEMU's -kernel") for l in lines),
            "pvhboot did not find OVMF's QEMU kernel loader file system")
    p.check(any(l.startswith("pvhboot: QEMU's -kernel is a PVH ELF that QEMU passes only in part; "
                             "booting the same file from fw_cfg " + FW_CFG_KERNEL) for l in lines),
            "pvhboot did not say it boots the fw_cfg copy")
    ksize = os.path.getsize(kernel)
    p.check(any(l.startswith("pvhboot: kernel fw_cfg %s: %d bytes" % (FW_CFG_KERNEL, ksize)) for l in lines),
            "no line 'pvhboot: kernel fw_cfg %s: %d bytes'" % (FW_CFG_KERNEL, ksize))
    isize = os.path.getsize(initrd)
    p.check(any(l.startswith("pvhboot: initrd initrd: %d bytes" % isize) for l in lines),
            "no line 'pvhboot: initrd initrd: %d bytes'" % isize)
    p.check(guest.has("init-done"), "guest /init did not finish (no 'PVHTEST init-done')")
    p.check(guest.get("cmdline") == append, "guest /proc/cmdline %r != -append %r" % (guest.get("cmdline"), append))
    p.check(guest.tokens.get("/token1") == "qk-%s" % token,
            "initrd token: guest read %r, expected %r" % (guest.tokens.get("/token1"), "qk-%s" % token))
    p.check(not any(l.startswith("BdsDxe: failed to start") for l in lines),
            "a boot option failed before Linux: %r" % [l for l in lines if l.startswith("BdsDxe: ")])
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off (guest poweroff)")
    p.raise_if_any()


def test_qemu_kernel_pvh_elf_is_explained(kernel, pvhboot_efi, work, log_path):
    """Without the fw_cfg copy: one error line that says what to add, and
    OVMF goes on with its boot order."""
    initrd = H.mkinitrd(os.path.join(work, "initrd.img"))
    result = boot_qemu_kernel(work, log_path, kernel, pvhboot_efi, initrd, "console=ttyS0 panic=-1")
    lines = result.lines
    p = H.Problems(result)
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check(any(l.startswith("pvhboot: no kernel given: booting QEMU's -kernel") for l in lines),
            "pvhboot did not find OVMF's QEMU kernel loader file system")
    errors = [l for l in lines if l.startswith("pvhboot: error: ")]
    p.check(len(errors) == 1 and errors[0].startswith(
        "pvhboot: error: kernel: QEMU passed only the ELF headers of this PVH kernel")
        and ("-fw_cfg name=%s,file=vmlinux" % FW_CFG_KERNEL) in errors[0],
        "expected one error explaining QEMU's PVH -kernel handling and the fix, got %r" % errors)
    p.check(not any("Linux version" in l for l in lines), "a kernel was started")
    order = [l for l in lines if l.startswith("BdsDxe: ")]
    p.check(any('"UEFI Non-Block Boot Device" from VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7): Not Found'
                in l for l in order), "OVMF's boot order differs from the documented one: %r" % order)
    p.check("PVHMARK-SHELL-REACHED" in lines, "OVMF did not go on to the shell after pvhboot returned")
    p.raise_if_any()


def test_qemu_kernel_fw_cfg_copy_must_match(kernel, pvhboot_efi, work, log_path):
    """A different file as opt/org.pvhboot/kernel (one program header byte
    changed: the first segment's p_flags): refused with one error line,
    nothing started."""
    other = os.path.join(work, "other-vmlinux")
    with open(kernel, "rb") as src, open(other, "wb") as dst:
        head = bytearray(src.read(8192))
        phoff = int.from_bytes(head[0x20:0x28], "little")
        head[phoff + 4] ^= 0x08
        dst.write(head)
        dst.write(src.read())
    initrd = H.mkinitrd(os.path.join(work, "initrd.img"))
    result = boot_qemu_kernel(work, log_path, kernel, pvhboot_efi, initrd, "console=ttyS0 panic=-1",
                              fw_cfg_kernel=other)
    lines = result.lines
    p = H.Problems(result)
    errors = [l for l in lines if l.startswith("pvhboot: error: ")]
    p.check(errors == ["pvhboot: error: fw_cfg %s: not the vmlinux given with -kernel (their ELF headers "
                       "differ); give QEMU the same file for both" % FW_CFG_KERNEL],
            "expected the mismatch error, got %r" % errors)
    p.check(not any("Linux version" in l for l in lines), "a kernel was started")
    p.check("PVHMARK-SHELL-REACHED" in lines, "OVMF did not go on to the shell after pvhboot returned")
    p.raise_if_any()


def test_qemu_kernel_fw_cfg_copy_is_hashed(kernel, pvhboot_efi, work, log_path):
    """pvhboot pinned to another kernel: the fw_cfg copy is refused, and the
    SHA-256 pvhboot computed while reading it is the file's."""
    other = os.path.join(work, "other-vmlinux")
    with open(kernel, "rb") as src, open(other, "wb") as dst:
        dst.write(src.read())
        dst.write(b"\0")
    efi = os.path.join(work, "pinned-other.efi")
    initrd = H.mkinitrd(os.path.join(work, "initrd.img"))
    # The initrd is pinned too: pins mean the whole set, -initrd included.
    H.script("pvhimage.py", "pin", pvhboot_efi, efi, "--kernel", other, "--initrd", initrd,
             "--cmdline", "console=ttyS0 panic=-1")
    result = boot_qemu_kernel(work, log_path, kernel, efi, initrd, "console=ttyS0 panic=-1", fw_cfg_kernel=kernel)
    lines = result.lines
    p = H.Problems(result)
    errors = [l for l in lines if l.startswith("pvhboot: error: ")]
    want = "pvhboot: error: fw_cfg %s: SHA-256 %s does not match the pinned %s" % (FW_CFG_KERNEL, H.sha_file(kernel),
                                                                                 H.sha_file(other))
    p.check(errors == [want], "expected %r, got %r" % (want, errors))
    p.check(not any("Linux version" in l for l in lines), "a kernel was started")
    p.raise_if_any()
