"""The boot menu (issue 11): shown by pvhboot.conf's timeout or a key
pressed at start, driven over the serial console as a user at a serial
terminal would (arrow keys as VT100 escape sequences, which OVMF's terminal
driver turns into scan codes), the command-line editor, the countdown,
`default`, `editor no` and `q`. Every test asserts what the guest's /init
reports: which entry's command line it was started with.
"""
import os

import pvhharness as H
import qemu
from qemu import KEY_BACKSPACE, KEY_DOWN, KEY_END, KEY_ENTER, KEY_HOME, KEY_UP

ENTRIES = "\\EFI\\pvhboot\\entries\\"
VERSIONS = ("6.12.1", "6.10.2", "6.1.0")    # the menu's order: newest first
HELP = "q leaves pvhboot"                   # the menu's last line, drawn on every redraw


def options(v):
    return "console=ttyS0 panic=-1 pvhtest.entry=%s" % v


def make_esp(work, kernel, pvhboot_efi, conf, nsh=None):
    initrd = H.mkinitrd(os.path.join(work, "initrd.img"))
    files = {"\\pvhboot.efi": pvhboot_efi, "\\vmlinux": kernel, "\\initrd.img": initrd,
             "\\pvhboot.conf": H.write_file(os.path.join(work, "pvhboot.conf"), conf)}
    for v in VERSIONS:
        name = "pvhboot-%s.conf" % v
        files[ENTRIES + name] = H.write_file(os.path.join(work, name),
                                             "title Linux %s\nversion %s\nlinux /vmlinux\ninitrd /initrd.img\n"
                                             "options %s\n" % (v, v, options(v)))
    nsh = nsh or "echo PVHMARK-NSH-START\nfs0:\n\\pvhboot.efi\necho PVHMARK-RETURNED\nreset -s\n"
    return H.mkesp(os.path.join(work, "esp.img"), files, nsh)


def booted(p, result, version, cmdline):
    guest = H.GuestReport(result.text)
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == cmdline, "guest cmdline %r, want %r (entry %s)"
            % (guest.get("cmdline"), cmdline, version))


def test_keys_and_editor(kernel, pvhboot_efi, work, log_path):
    """Down, Down, Up: the second entry; e, then Home and End edits: the
    kernel gets the edited line and pvhboot's entry word."""
    esp = make_esp(work, kernel, pvhboot_efi, "timeout 30\n")
    keys = [(HELP, KEY_DOWN), (HELP, KEY_DOWN), (HELP, KEY_UP), (HELP, b"e"),
            ("Enter boots, Esc goes back",
             KEY_HOME + b"pvhtest.first=1 " + KEY_END + b" pvhtest.last=1" + KEY_BACKSPACE + b"2" + KEY_ENTER)]
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT, keys=keys)
    p = H.Problems(result)
    p.check(result.keys_sent == len(keys), "only %d of %d key groups were sent (the menu did not show?)"
            % (result.keys_sent, len(keys)))
    p.check("Booting 1. in 30 s; any key stops the countdown" in result.text, "no countdown for the newest entry")
    p.check("> 2. Linux 6.10.2" in result.lines, "the second entry was never shown selected")
    p.check("pvhboot: booting %spvhboot-6.10.2.conf with the command line edited in the menu" % ENTRIES
            in result.lines, "pvhboot did not say it boots the edited entry")
    booted(p, result, "6.10.2", "pvhtest.first=1 %s pvhtest.last=2 pvhboot.entry=pvhboot-6.10.2"
           % options("6.10.2"))
    p.raise_if_any()


def test_countdown_boots_default_pattern(kernel, pvhboot_efi, work, log_path):
    """No key: after the timeout the entry `default` names boots, though
    it is the oldest."""
    esp = make_esp(work, kernel, pvhboot_efi, "timeout 2\ndefault pvhboot-6.1.*\n")
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT)
    p = H.Problems(result)
    p.check("Booting 3. in 2 s; any key stops the countdown" in result.text, "no countdown for the default entry")
    p.check("Booting 3. in 1 s; any key stops the countdown" in result.text, "the countdown did not count")
    booted(p, result, "6.1.0", options("6.1.0") + " pvhboot.entry=pvhboot-6.1.0")
    p.raise_if_any()


def test_key_at_start_editor_off_and_quit(kernel, pvhboot_efi, work, log_path):
    """No timeout, but a key waiting when pvhboot starts shows the menu
    (with no countdown); `editor no` refuses e; q returns to the shell
    with an error status; started again with no key, pvhboot boots the
    default (the newest) at once, without a menu."""
    nsh = ("echo PVHMARK-NSH-START\nfs0:\nstall 2000000\n\\pvhboot.efi\necho PVHMARK-RETURNED %lasterror%\n"
           "\\pvhboot.efi\necho PVHMARK-RETURNED-AGAIN\nreset -s\n")
    esp = make_esp(work, kernel, pvhboot_efi, "editor no\n", nsh)
    keys = [("PVHMARK-NSH-START", b"x"), (HELP, b"e"), ("cannot be edited: editor no in pvhboot.conf", b"q")]
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT, keys=keys)
    p = H.Problems(result)
    p.check(result.keys_sent == len(keys), "only %d of %d keys were sent" % (result.keys_sent, len(keys)))
    p.check("Booting 1. in" not in result.text, "a countdown without a timeout")
    p.check("pvhboot: leaving pvhboot (q in the menu)" in result.lines, "q did not leave pvhboot")
    # The shell shows EFI_ABORTED (0x8000000000000015) without its error bit.
    p.check("PVHMARK-RETURNED 0x15" in result.lines, "the shell did not get EFI_ABORTED back")
    after = result.text.split("PVHMARK-RETURNED 0x15", 1)[-1]
    p.check(HELP not in after, "the menu showed again without a key or timeout")
    booted(p, result, "6.12.1", options("6.12.1") + " pvhboot.entry=pvhboot-6.12.1")
    p.raise_if_any()
