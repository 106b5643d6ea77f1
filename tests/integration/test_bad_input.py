"""pvhboot must refuse bad input with an error naming the file and return to
the shell.  All cases run in ONE QEMU boot: startup.nsh runs each pvhboot
invocation followed by `echo PVHMARK-<case>`, then `echo PVHMARK-END` and
`reset -s` (shuts the VM down)."""
import os
import re

import pvhharness as H
import qemu
from elfgen import make_elf_without_pvh_note

# (case id, pvhboot arguments, text that the error line must have (the path
# it names, at least) or None)
CASES = [
    ("usage", "", None),
    ("missing-kernel", "kernel=\\no-such-vmlinux initrd=\\initrd.img console=ttyS0 panic=-1",
     "\\no-such-vmlinux"),
    ("not-elf", "kernel=\\notelf.txt initrd=\\initrd.img console=ttyS0 panic=-1",
     "\\notelf.txt"),
    # A bzImage is a PE file too (the EFI stub): named as what it is.
    ("bzimage", "kernel=\\vmlinuz console=ttyS0", "\\vmlinuz is a bzImage (vmlinuz); PVH boots the uncompressed "
     "vmlinux: extract it (pvhboot-kernel extract) or build a one-file image (make image)"),
    # Any other PE file without a .linux section is not a one-file image.
    ("pe-not-image", "kernel=\\pvhboot.efi", "\\pvhboot.efi: a PE file without a .linux section, not a PVH "
     "one-file image"),
    ("no-pvh-note", "kernel=\\nonote.elf initrd=\\initrd.img console=ttyS0 panic=-1",
     "\\nonote.elf"),
    ("truncated", "kernel=\\trunc-vmlinux initrd=\\initrd.img console=ttyS0 panic=-1",
     "\\trunc-vmlinux"),
    ("missing-initrd", "kernel=\\vmlinux initrd=\\no-such-initrd.img console=ttyS0 panic=-1",
     "\\no-such-initrd.img"),
    # Linux's COMMAND_LINE_SIZE is 2048 with the NUL: 2048 bytes is one too many.
    ("cmdline-too-long", "kernel=\\vmlinux console=ttyS0 " + "x" * (2048 - len("console=ttyS0 ")),
     "2048 bytes"),
]
EFI = "\\pvhboot.efi"


def test_bad_input(kernel, pvhboot_efi, work, log_path):
    notelf = os.path.join(work, "notelf.txt")
    with open(notelf, "w") as f:
        f.write("this is a text file, not an ELF kernel\n" * 20)
    nonote = make_elf_without_pvh_note(os.path.join(work, "nonote.elf"))
    trunc = os.path.join(work, "trunc-vmlinux")
    with open(kernel, "rb") as src, open(trunc, "wb") as dst:
        dst.write(src.read(1 << 20))
    initrd = H.mkinitrd(os.path.join(work, "initrd.img"))
    # The start of a bzImage: "MZ" (its EFI stub's PE header), the boot
    # protocol's "HdrS" at 0x202.
    vmlinuz = os.path.join(work, "vmlinuz")
    head = bytearray(64 * 1024)
    head[0:2], head[0x202:0x206] = b"MZ", b"HdrS"
    with open(vmlinuz, "wb") as f:
        f.write(head)

    nsh = ["echo PVHMARK-NSH-START", "fs0:"]
    for case, args, _ in CASES:
        nsh += [(EFI + " " + args).rstrip(), "echo PVHMARK-%s" % case]
    nsh += ["echo PVHMARK-END", "reset -s", ""]
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {EFI: pvhboot_efi, "\\vmlinux": kernel, "\\initrd.img": initrd,
                   "\\notelf.txt": notelf, "\\nonote.elf": nonote,
                   "\\trunc-vmlinux": trunc, "\\vmlinuz": vmlinuz},
                  "\n".join(nsh))
    result = qemu.run_ovmf(esp, log_path, mem="512M", timeout=H.SHELL_TIMEOUT)
    lines = result.lines
    p = H.Problems(result)

    p.check_ended("reset -s", H.SHELL_TIMEOUT)
    p.check("PVHMARK-NSH-START" in lines, "startup.nsh never ran")
    p.check(not any("Linux version" in l for l in lines),
            "a Linux kernel was started by one of the bad-input cases")

    # Output lines equal to "PVHMARK-<case>" (the shell's echo of the command
    # itself reads "FS0:\> echo PVHMARK-..." and does not match).
    marker_at = {}
    for i, line in enumerate(lines):
        m = re.fullmatch(r"PVHMARK-(\S+)", line.strip())
        if m:
            marker_at.setdefault(m.group(1), i)

    prev = marker_at.get("NSH-START", 0)
    for case, args, path in CASES:
        if not p.check(case in marker_at,
                       "[%s] no PVHMARK-%s after `%s %s`: the shell did not go on"
                       % (case, case, EFI, args)):
            break
        end = marker_at[case]
        segment = lines[prev + 1:end]
        prev = end
        seg_text = "\n      | ".join(segment[-8:])
        if path is None:
            p.check(any("usage:" in l for l in segment),
                    "[%s] no 'usage:' line for pvhboot without arguments; output:\n      | %s"
                    % (case, seg_text))
            continue
        errors = [l for l in segment if "pvhboot:" in l and "error" in l.lower()]
        if not p.check(errors, "[%s] no 'pvhboot: ... error' line; output:\n      | %s"
                       % (case, seg_text)):
            continue
        p.check(any(path in l for l in errors),
                "[%s] error line(s) do not name %r: %r" % (case, path, errors))
    p.check("END" in marker_at, "no PVHMARK-END: the script did not finish")
    p.raise_if_any()
