"""QEMU's -kernel/-initrd/-append under OVMF, with pvhboot as the ESP's
default boot program (\\EFI\\BOOT\\BOOTX64.EFI, no config, no arguments).

pvhboot finds OVMF's QEMU kernel loader file system (the files kernel,
initrd, cmdline of VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7)) when it has
no kernel from arguments or a config. QEMU 7.2 (Debian 12) does not pass a
PVH ELF's bytes to the firmware: for `-kernel vmlinux` it loads the ELF into
guest memory itself (for SeaBIOS's pvh.bin) and fw_cfg carries the first
8 KiB of the file followed by zeros. pvhboot recognises that layout and says
so in one error line, and OVMF goes on with its boot order.

What OVMF itself does first with a non-PE -kernel, as this log shows: nothing
visible (its own attempt fails silently in Debian's release build), then BDS
boots Boot0001 (the disk: here pvhboot), then "UEFI Non-Block Boot Device"
VenMedia(1428F772-...) fails with Not Found, then the EFI shell.
"""
import os

import pvhharness as H
import qemu


def test_qemu_kernel_pvh_elf_is_explained(kernel, pvhboot_efi, work, log_path):
    initrd = H.mkinitrd(os.path.join(work, "initrd.img"))
    append = "console=ttyS0 panic=-1"
    esp = H.mkesp(os.path.join(work, "esp.img"), {"\\EFI\\BOOT\\BOOTX64.EFI": pvhboot_efi},
                  "echo PVHMARK-SHELL-REACHED\nreset -s\n")
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT,
                           extra=["-kernel", kernel, "-initrd", initrd, "-append", append])
    lines = result.lines
    p = H.Problems(result)
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check(any(l.startswith("pvhboot: no kernel given: booting QEMU's -kernel") for l in lines),
            "pvhboot did not find OVMF's QEMU kernel loader file system")
    errors = [l for l in lines if l.startswith("pvhboot: error: ")]
    p.check(len(errors) == 1 and errors[0].startswith(
        "pvhboot: error: kernel: QEMU passed only the ELF headers of this PVH kernel"),
        "expected one error explaining QEMU's PVH -kernel handling, got %r" % errors)
    p.check(not any("Linux version" in l for l in lines), "a kernel was started")
    order = [l for l in lines if l.startswith("BdsDxe: ")]
    p.check(any('"UEFI Non-Block Boot Device" from VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7): Not Found'
                in l for l in order), "OVMF's boot order differs from the documented one: %r" % order)
    p.check("PVHMARK-SHELL-REACHED" in lines, "OVMF did not go on to the shell after pvhboot returned")
    p.raise_if_any()
