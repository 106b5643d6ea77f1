"""pvhboot under U-Boot's UEFI (Debian 13's u-boot-qemu, qemu-x86_64 build).

U-Boot leaves the MTRRs enabled with default type UC and only its 2 MiB
flash write-back, so Linux's mtrr_trim_uncached_memory() removes all RAM
("losing 511MB of RAM", then a panic) unless pvhboot makes the RAM
write-back. And U-Boot passes its `bootargs` variable as the image's
LoadOptions, which pvhboot reads as its command line (docs/u-boot.md).

Three boots of the Debian cloud kernel, none with disable_mtrr_trim:
- QEMU pc, virtio disk, autoboot interrupted to set bootargs, then `boot`
  (bootstd finds \\EFI\\BOOT\\BOOTX64.EFI): bootargs is the kernel's command
  line, replacing pvhboot.conf's options; the guest has its RAM and sees
  the write-back range pvhboot added;
- QEMU q35, AHCI disk, bootargs deleted: pvhboot.conf's options apply;
- QEMU pc, U-Boot's default environment untouched: its built-in bootargs
  reach pvhboot (and replace pvhboot.conf's options).

The firmware is Debian 13's u-boot-qemu (2025.01), fetched with
scripts/fetch-debs into build/uboot/ (UBOOT_ROM overrides the image).
Debian 12's (2023.01) cannot start pvhboot at all: it leaves CR4.OSFXSR
clear, and pvhboot's first SSE instruction (gnu-efi's and GCC's code use
them) takes #UD.
Serial logs: build/test-logs/test_uboot_*.log.
"""
import gzip
import os
import re
import secrets
import subprocess

import pytest

import pvhharness as H
import qemu

UBOOT_SUITE = "trixie"
ROM_IN_PACKAGE = "usr/lib/u-boot/qemu-x86_64/u-boot.rom"
CONFIG_IN_PACKAGE = "usr/share/doc/u-boot-qemu/configs/config.qemu-x86_64.gz"
MEM = "512M"


@pytest.fixture(scope="module")
def uboot(test_deps):
    """(u-boot.rom, its build config as text or None)."""
    rom = os.environ.get("UBOOT_ROM")
    if rom:
        if not os.path.isfile(rom):
            pytest.fail("UBOOT_ROM=%s: no such file" % rom)
        return rom, None
    base = os.path.join(H.BUILD, "uboot")
    root = os.path.join(base, UBOOT_SUITE)
    rom = os.path.join(root, ROM_IN_PACKAGE)
    if not os.path.isfile(rom):
        debs = os.path.join(base, "debs-" + UBOOT_SUITE)
        H.script("fetch-debs", "--suite", UBOOT_SUITE, "--out", debs, "u-boot-qemu")
        deb = [f for f in os.listdir(debs) if f.startswith("u-boot-qemu_") and f.endswith(".deb")]
        if len(deb) != 1:
            pytest.fail("fetch-debs left %r in %s" % (deb, debs))
        os.makedirs(root, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", os.path.join(debs, deb[0]), root], check=True)
    config = None
    cfg = os.path.join(root, CONFIG_IN_PACKAGE)
    if os.path.isfile(cfg):
        with gzip.open(cfg, "rt") as f:
            config = f.read()
    return rom, config


def make_esp(work, kernel, pvhboot_efi, conf_options):
    """\\EFI\\BOOT\\BOOTX64.EFI = pvhboot with a pvhboot.conf, the kernel and
    an initrd that also reports /proc/mtrr."""
    report = H.write_file(os.path.join(work, "report-mtrr.sh"),
                          'say "mtrr=$(tr \'\\n\' \';\' < /proc/mtrr)"\n')
    initrd = H.mkinitrd(os.path.join(work, "initrd.img"), report)
    conf = H.write_file(os.path.join(work, "pvhboot.conf"),
                        "linux /vmlinux\ninitrd /initrd.img\noptions %s\n" % conf_options)
    esp = os.path.join(work, "esp.img")
    H.script("mkesp.sh", esp, "%s=/EFI/BOOT/BOOTX64.EFI" % pvhboot_efi, "%s=/EFI/BOOT/pvhboot.conf" % conf,
             "%s=/vmlinux" % kernel, "%s=/initrd.img" % initrd)
    return esp


def run_uboot(rom, esp, log_path, machine, disk_if, commands=None, stop_on=()):
    return qemu.run_uboot(rom, esp, log_path, mem=MEM, smp=1, machine=machine, disk_if=disk_if,
                          commands=commands, stop_on=stop_on, timeout=H.BOOT_TIMEOUT)


def pvhboot_cmdline(result):
    for line in result.lines:
        if line.startswith("pvhboot: command line: "):
            return line[len("pvhboot: command line: "):]
    return None


def check_ram_kept(p, result, guest):
    """pvhboot said it adds the write-back range, the kernel trimmed nothing
    and has (nearly) all of -m, and /proc/mtrr shows the range."""
    mtrr_lines = [l for l in result.lines if l.startswith("pvhboot: MTRRs: ")]
    p.check(len(mtrr_lines) == 1 and "makes it write-back with 1 variable range" in mtrr_lines[0],
            "no 'pvhboot: MTRRs: ... makes it write-back with 1 variable range' line: %r" % mtrr_lines)
    p.check(not any(l.startswith("pvhboot: error") for l in result.lines), "pvhboot reported an error")
    for bad in ("update e820 for mtrr", "CPU MTRRs don't cover all of memory"):
        p.check(bad not in result.text, "the kernel trimmed RAM: %r in the log" % bad)
    p.check(guest.has("init-done"), "guest /init did not finish (no 'PVHTEST init-done')")
    kb = guest.get("memtotal-kb")
    mem_kb = H.parse_size(MEM) // 1024
    p.check(kb and str(kb).isdigit() and 0.85 * mem_kb <= int(kb) <= mem_kb,
            "MemTotal %r kB is not 85..100%% of -m %s" % (kb, MEM))
    p.check(re.search(r"base=0x0+ \( *0MB\), size= *512MB, count=1: write-back", guest.get("mtrr") or ""),
            "/proc/mtrr has no write-back range 0..512MB: %r" % guest.get("mtrr"))


def test_uboot_bootargs_reach_the_kernel_with_its_ram(uboot, kernel, pvhboot_efi, work, log_path):
    rom, _ = uboot
    token = secrets.token_hex(6)
    # earlyprintk: a kernel that trims its RAM panics before its console is up.
    bootargs = "console=ttyS0 earlyprintk=ttyS0 panic=-1 pvhtest.from=bootargs-%s" % token
    esp = make_esp(work, kernel, pvhboot_efi, "console=ttyS0 panic=-1 pvhtest.from=conf")
    result = run_uboot(rom, esp, log_path, "pc", "virtio", ["setenv bootargs %s" % bootargs, "boot"])
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check_ended("the guest's power-off", H.BOOT_TIMEOUT)
    p.check(result.keys_sent == 3, "U-Boot's prompt did not take the commands (%d of 3 sent)" % result.keys_sent)
    p.check(pvhboot_cmdline(result) == bootargs,
            "pvhboot's command line %r is not U-Boot's bootargs %r" % (pvhboot_cmdline(result), bootargs))
    p.check(guest.get("cmdline") == bootargs, "guest cmdline %r != bootargs %r" % (guest.get("cmdline"), bootargs))
    check_ram_kept(p, result, guest)
    p.raise_if_any()


def test_uboot_without_bootargs_uses_pvhboot_conf(uboot, kernel, pvhboot_efi, work, log_path):
    """q35 (U-Boot finds the disk on its AHCI controller; its kernel cannot
    power off there, so the run ends at init-done)."""
    rom, _ = uboot
    options = "console=ttyS0 earlyprintk=ttyS0 panic=-1 pvhtest.from=conf-%s" % secrets.token_hex(6)
    esp = make_esp(work, kernel, pvhboot_efi, options)
    result = run_uboot(rom, esp, log_path, "q35", "ide", ["setenv bootargs", "boot"],
                       stop_on=("PVHTEST init-done",))
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(not result.fatal and not result.timed_out, "no init-done before the timeout (%s)"
            % result.describe(0).split("\n")[0])
    p.check(pvhboot_cmdline(result) == options,
            "with bootargs deleted, pvhboot's command line %r is not pvhboot.conf's %r"
            % (pvhboot_cmdline(result), options))
    p.check(guest.get("cmdline") == options, "guest cmdline %r != %r" % (guest.get("cmdline"), options))
    check_ram_kept(p, result, guest)
    p.raise_if_any()


def test_uboot_default_bootargs_replace_pvhboot_conf(uboot, kernel, pvhboot_efi, work, log_path):
    """No interaction: U-Boot's built-in bootargs (CONFIG_BOOTARGS) become
    the kernel's command line. It has no console=ttyS0, so the guest is not
    heard from; pvhboot's own line says what the kernel got."""
    rom, config = uboot
    m = re.search(r'^CONFIG_BOOTARGS="(.*)"$', config or "", re.M)
    if not m:
        pytest.skip("no U-Boot build config to read CONFIG_BOOTARGS from")
    esp = make_esp(work, kernel, pvhboot_efi, "console=ttyS0 panic=-1 pvhtest.from=conf")
    result = run_uboot(rom, esp, log_path, "pc", "virtio", stop_on=("pvhboot: starting kernel",))
    p = H.Problems(result)
    p.check(not result.timed_out, "pvhboot did not start the kernel before the timeout")
    p.check(pvhboot_cmdline(result) == m.group(1),
            "pvhboot's command line %r is not U-Boot's default bootargs %r" % (pvhboot_cmdline(result), m.group(1)))
    p.raise_if_any()
