"""Boot the Debian cloud vmlinux through pvhboot.efi from the OVMF shell and
check what the guest reports (PVHTEST lines printed by the initrd's /init).

Each test is one QEMU run; startup.nsh on the ESP starts pvhboot.  If
pvhboot returns to the shell, startup.nsh prints PVHMARK-RETURNED and shuts
down, so a failure is reported quickly instead of running into the timeout.
"""
import os
import re
import secrets

import pytest

import pvhharness as H
import qemu


def pvh_entry(path):
    out = H.script("elfnote.py", path)
    return int(re.search(r"pvh-entry=(0x[0-9a-f]+)", out).group(1), 16)


def shell_boot(work, log_path, kernel, efi, *, initrds, cmdline, mem="512M", smp=1,
               efi_dest="\\EFI\\pvhboot\\pvhboot.efi", extra_files=None):
    """Make an ESP (vmlinux, initrds, pvhboot.efi, startup.nsh), boot it.

    initrds: list of (esp_path, local_file[, path as given to pvhboot]).
    Returns (result, command)."""
    files = {efi_dest: efi, "\\vmlinux": kernel}
    files.update({i[0]: i[1] for i in initrds})
    files.update(extra_files or {})
    command = " ".join([efi_dest, "kernel=\\vmlinux"] +
                       ["initrd=%s" % (i[2] if len(i) > 2 else i[0]) for i in initrds] + [cmdline])
    nsh = "\n".join([
        "echo PVHMARK-NSH-START",
        "fs0:",
        command,
        "echo PVHMARK-RETURNED",
        "reset -s",
        ""])
    esp = H.mkesp(os.path.join(work, "esp.img"), files, nsh)
    result = qemu.run_ovmf(esp, log_path, mem=mem, smp=smp, timeout=H.BOOT_TIMEOUT)
    return result, command


def check_booted(p, result, guest):
    """The kernel ran the initrd's /init to the end and QEMU powered off."""
    lines = result.lines
    p.check_ended("the guest's power-off", H.BOOT_TIMEOUT)
    p.check("PVHMARK-NSH-START" in lines,
            "startup.nsh never ran (no PVHMARK-NSH-START from the EFI shell)")
    p.check("PVHMARK-RETURNED" not in lines,
            "pvhboot returned to the EFI shell instead of starting the kernel")
    p.check(guest.has("init-start"), "guest /init never started (no 'PVHTEST init-start')")
    p.check(guest.has("init-done"), "guest /init did not finish (no 'PVHTEST init-done')")
    p.check(not guest.has("poweroff-failed"), "guest 'poweroff -f' did not power off")
    p.check(result.timed_out or result.returncode == 0,
            "QEMU exit status %s (expected 0 from an ACPI power-off)" % result.returncode)


def check_memtotal(p, guest, mem, lo=0.70, hi=1.0):
    kb = guest.get("memtotal-kb")
    if not p.check(kb and str(kb).isdigit(), "no memtotal-kb from the guest (got %r)" % kb):
        return None
    mem_kb = H.parse_size(mem) // 1024
    p.check(lo * mem_kb <= int(kb) <= hi * mem_kb,
            "MemTotal %s kB not within %d%%..%d%% of -m %s (%d kB)"
            % (kb, lo * 100, hi * 100, mem, mem_kb))
    return int(kb)


def test_reference_qemu_direct_pvh_boot(kernel, work, log_path):
    """Harness self-check without pvhboot: QEMU's own PVH loader (-kernel
    vmlinux, SeaBIOS) boots the same kernel and initrd."""
    token = secrets.token_hex(8)
    initrd = H.mkinitrd_token(work, "ref-%s" % token)
    append = "console=ttyS0 panic=-1 pvhtest.word=%s" % token
    result = qemu.run_direct(kernel, initrd, append, log_path, mem="512M", smp=2,
                             timeout=H.BOOT_TIMEOUT)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == append, "cmdline %r != %r" % (guest.get("cmdline"), append))
    p.check(guest.tokens.get("/token1") == "ref-%s" % token,
            "token1 %r" % guest.tokens.get("/token1"))
    p.check(guest.get("cpus-online") == "2", "cpus-online %r" % guest.get("cpus-online"))
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off")
    p.raise_if_any()


def test_shell_launch(kernel, pvhboot_efi, work, log_path):
    """startup.nsh: fs0: then \\EFI\\pvhboot\\pvhboot.efi kernel=... initrd=... args."""
    mem, smp = "512M", 2
    token = secrets.token_hex(8)
    word = secrets.token_hex(6)
    initrd = H.mkinitrd_token(work, "tok1-%s" % token)
    cmdline = "console=ttyS0 panic=-1 pvhtest.word=%s foo=bar,baz" % word
    result, command = shell_boot(work, log_path, kernel, pvhboot_efi,
                                 initrds=[("\\initrd.img", initrd)], cmdline=cmdline,
                                 mem=mem, smp=smp)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    check_booted(p, result, guest)

    ksize = os.path.getsize(kernel)
    isize = os.path.getsize(initrd)
    kline = [l for l in result.lines
             if l.startswith("pvhboot: kernel \\vmlinux: %d bytes" % ksize)]
    p.check(kline, "no line starting 'pvhboot: kernel \\vmlinux: %d bytes'" % ksize)
    p.check(any(l.startswith("pvhboot: initrd \\initrd.img: %d bytes" % isize)
                for l in result.lines),
            "no line starting 'pvhboot: initrd \\initrd.img: %d bytes'" % isize)
    m = re.search(r"PVH entry (0x[0-9a-fA-F]+)", kline[0]) if kline else None
    if m:
        p.check(int(m.group(1), 16) == pvh_entry(kernel),
                "pvhboot's PVH entry %s != 0x%x from scripts/elfnote.py"
                % (m.group(1), pvh_entry(kernel)))

    got = guest.get("cmdline")
    p.check(got == cmdline, "guest /proc/cmdline %r != expected %r (shell command: %r)"
            % (got, cmdline, command))
    p.check(guest.tokens.get("/token1") == "tok1-%s" % token,
            "initrd token: guest read %r, expected %r"
            % (guest.tokens.get("/token1"), "tok1-%s" % token))

    tables = (guest.get("acpi-tables") or "").split()
    for t in ("DSDT", "FACP", "APIC"):
        p.check(t in tables, "ACPI table %s missing from guest's list %r" % (t, tables))

    fw_rsdp = H.pvhboot_rsdp(result.text)
    p.check(fw_rsdp is not None, "pvhboot printed no 'pvhboot: ACPI RSDP at 0x...' line")
    g = guest.get("rsdp")
    try:
        guest_rsdp = int(g, 16)
    except (TypeError, ValueError):
        guest_rsdp = None
    p.check(guest_rsdp is not None, "guest reported no RSDP (dmesg 'ACPI: RSDP'): %r" % g)
    if fw_rsdp is not None and guest_rsdp is not None:
        p.check(fw_rsdp == guest_rsdp, "guest RSDP 0x%x != pvhboot's 0x%x"
                % (guest_rsdp, fw_rsdp))

    check_memtotal(p, guest, mem)
    p.check(guest.get("cpus-online") == str(smp),
            "cpus-online %r, expected %d (-smp %d)" % (guest.get("cpus-online"), smp, smp))
    p.raise_if_any()


def _initrd_with_unaligned_size(work, token):
    """Build initrd.img (with /token1 = token) whose gzip size is not a
    multiple of 4, so that the second initrd only unpacks if pvhboot
    4-byte aligns concatenated initrds (Linux looks for the next cpio
    header at 4-byte aligned offsets, as GRUB and the EFI stub provide)."""
    tokfile = H.write_file(os.path.join(work, "token1"), token + "\n")
    for pad in range(16):
        padfile = H.write_file(os.path.join(work, "padding"), secrets.token_hex(8) * pad + "\n")
        initrd = H.mkinitrd(os.path.join(work, "initrd.img"), tokfile, padfile)
        if os.path.getsize(initrd) % 4:
            return initrd
    raise RuntimeError("could not make an initrd with size %% 4 != 0")


def test_two_initrds(kernel, pvhboot_efi, work, log_path):
    """initrd=/initrd.img initrd=extra.cpio: both archives are unpacked. The
    paths also cover the path rules: '/' as separator, and a relative path
    resolved in pvhboot's own directory (\\EFI\\pvhboot\\extra.cpio)."""
    t1, t2 = "tok1-" + secrets.token_hex(8), "tok2-" + secrets.token_hex(8)
    initrd = _initrd_with_unaligned_size(work, t1)
    extra = H.mkcpio_file(os.path.join(work, "extra.cpio"), "token2", t2)
    result, _ = shell_boot(work, log_path, kernel, pvhboot_efi,
                           initrds=[("\\initrd.img", initrd, "/initrd.img"),
                                    ("\\EFI\\pvhboot\\extra.cpio", extra, "extra.cpio")],
                           cmdline="console=ttyS0 panic=-1")
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    check_booted(p, result, guest)
    got1 = guest.tokens.get("/token1")
    p.check(got1 == t1, "first initrd (%d bytes, gzip newc): token1 %r, expected %r"
            % (os.path.getsize(initrd), got1, t1))
    p.check(guest.tokens.get("/token2") == t2,
            "second initrd (uncompressed newc appended after a %d-byte gzip archive, "
            "size %% 4 = %d): token2 %r, expected %r%s"
            % (os.path.getsize(initrd), os.path.getsize(initrd) % 4,
               guest.tokens.get("/token2"), t2,
               " -- kernel said: " + "; ".join(l for l in result.lines if "nitramfs" in l)
               if any("nitramfs" in l for l in result.lines) else ""))
    p.raise_if_any()


@pytest.mark.parametrize("mem", ["256M", "5G"])
def test_memory_size(kernel, pvhboot_efi, work, log_path, mem):
    """-m 256M and -m 5G both boot to init-done; 5G shows > 4 GiB. These
    runs also ask for pvhboot.timing: its phase lines, before and after
    ExitBootServices, come in order, and the word is not passed on."""
    initrd = H.mkinitrd_token(work, "mem-%s" % mem)
    result, _ = shell_boot(work, log_path, kernel, pvhboot_efi,
                           initrds=[("\\initrd.img", initrd)],
                           cmdline="pvhboot.timing console=ttyS0 panic=-1", mem=mem, efi_dest="\\pvhboot.efi")
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    check_booted(p, result, guest)
    p.check(guest.get("cmdline") == "console=ttyS0 panic=-1",
            "pvhboot.timing reached the kernel: %r" % guest.get("cmdline"))
    phases = [(m.group(1), int(m.group(2), 16)) for m in
              (re.match(r"pvhboot: tsc (\S+) 0x([0-9a-fA-F]+)", l) for l in result.lines) if m]
    # Under TCG pvhboot zeroes the firmware's code pages after
    # ExitBootServices (docs/guest-parity.md, "Speed after entry").
    want = ["start", "options", "kernel-open", "kernel-read", "initrd-read", "prepared",
            "exit-boot-services", "ebs-done"] + (["code-zeroed"] if qemu.accel() == "tcg" else []) + [
            "moved", "entry"]
    p.check([n for n, _ in phases] == want, "pvhboot.timing phases %r, expected %r"
            % ([n for n, _ in phases], want))
    p.check(all(a[1] < b[1] for a, b in zip(phases, phases[1:])), "TSC not increasing: %r" % phases)
    p.check(any(re.fullmatch(r"pvhboot: tsc-hz \d+", l) for l in result.lines), "no tsc-hz line")
    kb = check_memtotal(p, guest, mem)
    if H.parse_size(mem) > 4 << 30 and kb is not None:
        p.check(kb * 1024 > 4 << 30, "MemTotal %d kB is not above 4 GiB with -m %s"
                % (kb, mem))
    p.raise_if_any()
