"""Several boot entries (issue 11): the Boot Loader Specification type #1
files pvhboot-kernel writes to \\EFI\\pvhboot\\entries\\, tried newest first
by version, the next one when an entry's files are missing, and a broken
entry file skipped with a warning, and pvhboot.conf's `timing` applied
whichever entry boots. pvhboot is started from the shell with no
arguments, as a boot entry starts it.
"""
import os
import secrets

import pvhharness as H
import qemu

ENTRIES = "\\EFI\\pvhboot\\entries\\"


def entry(work, name, text):
    return H.write_file(os.path.join(work, name), text)


def test_newest_entry_with_fallback(kernel, pvhboot_efi, work, log_path):
    tokens = {v: "entry%s-%s" % (v, secrets.token_hex(4)) for v in ("1", "2")}
    initrds = {v: H.mkinitrd_token(work, tokens[v], out="initrd-%s.img" % v) for v in tokens}
    options = {v: "console=ttyS0 panic=-1 pvhtest.entry=%s" % v for v in ("1", "2", "3")}
    files = {"\\pvhboot.efi": pvhboot_efi, "\\vmlinux": kernel,
             "\\initrd-1.img": initrds["1"], "\\initrd-2.img": initrds["2"]}
    # 6.10 is newer than 6.9, which a string sort gets wrong: 6.10's files
    # are missing, so 6.9 (the next newest) boots, not 6.1.
    for version, name, linux, initrd, opts in (
            ("6.10.0-1-cloud-amd64", "pvhboot-6.10.conf", "/EFI/pvhboot/6.10/vmlinux", "/initrd-2.img", options["3"]),
            ("6.9.0-1-cloud-amd64", "pvhboot-6.9.conf", "/vmlinux", "/initrd-2.img", options["2"]),
            ("6.1.0-28-cloud-amd64", "pvhboot-6.1.conf", "/vmlinux", "/initrd-1.img", options["1"])):
        files[ENTRIES + name] = entry(work, name, "title Linux %s\nversion %s\nlinux %s\ninitrd %s\noptions %s\n"
                                      % (version, version, linux, initrd, opts))
    files[ENTRIES + "broken.conf"] = entry(work, "broken.conf", "title broken\ndevicetree x.dtb\nlinux /vmlinux\n")
    # A pvhboot.conf without a linux line is no entry, but its timing holds
    # for whichever entry boots.
    files["\\pvhboot.conf"] = entry(work, "pvhboot.conf", "timing yes\n")
    nsh = "echo PVHMARK-NSH-START\nfs0:\n\\pvhboot.efi\necho PVHMARK-RETURNED\nreset -s\n"
    esp = H.mkesp(os.path.join(work, "esp.img"), files, nsh)
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    said = [l for l in result.lines if l.startswith("pvhboot: ")]
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check(any(l.startswith("pvhboot: warning: %sbroken.conf:2: unknown key" % ENTRIES) for l in said),
            "no warning about the broken entry: %r" % said)
    p.check(any(l.startswith("pvhboot: booting \"Linux 6.10.0-1-cloud-amd64\"") for l in said),
            "the newest entry (6.10) was not tried first: %r" % said)
    p.check(any("EFI\\pvhboot\\6.10\\vmlinux: file not found" in l for l in said if l.startswith("pvhboot: error:")),
            "no error for the missing 6.10 kernel: %r" % said)
    p.check("pvhboot: trying the next entry, %spvhboot-6.9.conf" % ENTRIES in said,
            "no fallback to the 6.9 entry: %r" % said)
    p.check(any(l.startswith("pvhboot: tsc-hz ") for l in said), "pvhboot.conf's timing yes was not applied")
    p.check("PVHMARK-RETURNED" not in result.lines, "pvhboot returned instead of booting")
    p.check(guest.has("init-done"), "guest /init did not finish")
    # pvhboot tells the kernel which entry it booted.
    want = options["2"] + " pvhboot.entry=pvhboot-6.9"
    p.check(guest.get("cmdline") == want, "guest cmdline %r != the 6.9 entry's %r" % (guest.get("cmdline"), want))
    p.check(sorted(guest.tokens.values()) == [tokens["2"]], "initrd tokens %r" % sorted(guest.tokens.values()))
    p.raise_if_any()
