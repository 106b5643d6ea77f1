"""Boot counting (issue 11): entries named NAME+LEFT[-DONE].conf are
renamed on every try (one try fewer left, one more done, as the Boot
Loader Specification says), an entry with no tries left is skipped, and
the kernel is told which entry it runs (pvhboot.entry=NAME) so that the
system can mark it good. A kernel that panics (its init exits) is tried
until its tries are used up; then the older entry boots. Each boot is one
QEMU run on the same disk (QEMU runs with -no-reboot: the panic's reboot
ends it), as a machine that resets after a panic.
"""
import os
import subprocess

import pvhharness as H
import qemu

ENTRIES = "\\EFI\\pvhboot\\entries\\"
GOOD = "console=ttyS0 panic=-1 pvhtest.entry=good"
# The kernel runs busybox as init, which prints its usage and exits: "Kernel
# panic - not syncing: Attempted to kill init!", then panic=-1 reboots.
PANICS = "console=ttyS0 panic=-1 rdinit=/bin/busybox pvhtest.entry=panics"


def entry_files(esp):
    """The entries directory's file names, read back from the disk image."""
    with open(esp + ".part") as f:
        part = dict(l.strip().split("=", 1) for l in f if "=" in l)
    start = int(part["start"]) * 512
    out = subprocess.run(["mdir", "-b", "-i", "%s@@%d" % (esp, start), "::/EFI/pvhboot/entries"],
                         capture_output=True, text=True, check=True).stdout
    return sorted(os.path.basename(l.strip()) for l in out.splitlines() if l.strip())


def test_panicking_entry_falls_back(kernel, pvhboot_efi, work, log_path):
    initrd = H.mkinitrd(os.path.join(work, "initrd.img"))
    files = {"\\pvhboot.efi": pvhboot_efi, "\\vmlinux": kernel, "\\initrd.img": initrd}
    for name, version, opts in (("pvhboot-7.0+2.conf", "7.0", PANICS), ("pvhboot-6.1+3-1.conf", "6.1", GOOD)):
        files[ENTRIES + name] = H.write_file(os.path.join(work, name),
                                             "title Linux %s\nversion %s\nlinux /vmlinux\ninitrd /initrd.img\n"
                                             "options %s\n" % (version, version, opts))
    nsh = "fs0:\n\\pvhboot.efi\necho PVHMARK-RETURNED\nreset -s\n"
    esp = H.mkesp(os.path.join(work, "esp.img"), files, nsh)
    p = H.Problems(None)
    want_files = [["pvhboot-6.1+3-1.conf", "pvhboot-7.0+1-1.conf"],
                  ["pvhboot-6.1+3-1.conf", "pvhboot-7.0+0-2.conf"],
                  ["pvhboot-6.1+2-2.conf", "pvhboot-7.0+0-2.conf"]]
    for run, want in enumerate(want_files, 1):
        result = qemu.run_ovmf(esp, "%s.run%d" % (log_path, run), timeout=H.BOOT_TIMEOUT, vars_dir=work)
        p.result = result
        guest = H.GuestReport(result.text)
        said = [l for l in result.lines if l.startswith("pvhboot: ")]
        if run < 3:
            p.check("Kernel panic - not syncing: Attempted to kill init!" in result.text,
                    "run %d: the 7.0 entry did not panic" % run)
            p.check(any(l.startswith("pvhboot: booting \"Linux 7.0\"") for l in said),
                    "run %d: the 7.0 entry was not tried: %r" % (run, said))
            p.check("pvhboot: %spvhboot-7.0+%s.conf: %s left after this one; renamed to %s"
                    % (ENTRIES, "2" if run == 1 else "1-1", "1 try" if run == 1 else "0 tries", want[1]) in said,
                    "run %d: no rename message: %r" % (run, said))
        else:
            p.check("pvhboot: skipping %spvhboot-7.0+0-2.conf: no tries left" % ENTRIES in said
                    or any(l.startswith("pvhboot: booting \"Linux 6.1\"") for l in said[:3]),
                    "run 3: the entry out of tries was not passed over: %r" % said)
            p.check(not any("Linux 7.0" in l for l in said), "run 3: the 7.0 entry was tried: %r" % said)
            p.check(guest.has("init-done"), "run 3: the 6.1 entry's /init did not finish")
            p.check(guest.get("cmdline") == GOOD + " pvhboot.entry=pvhboot-6.1",
                    "run 3: guest cmdline %r" % guest.get("cmdline"))
        got = entry_files(esp)
        p.check(got == want, "after run %d the entries are %r, want %r" % (run, got, want))
        if p.items:
            break
    p.raise_if_any()
