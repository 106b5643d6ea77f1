"""OVMF boots pvhboot from a Boot0000 entry that ovmf-vars/mkvars.py wrote
into the variable store: no EFI shell, no other boot option tried first.

Each test is one QEMU run (q35) on a GPT disk made by mkesp.sh with a fixed
partition GUID.  The ESP also has a startup.nsh that prints
PVHMARK-SHELL-REACHED and powers off, so falling through to the shell ends
the run at once and shows in the log.  After the run the firmware's own
copy of the store (which OVMF wrote to) is read back with mkvars.py.

What OVMF 2022.11's BDS does with the entry (OvmfPkg PlatformBootManagerLib,
QemuBootOrderLib; MdeModulePkg UefiBootManagerLib):
- EfiBootManagerRefreshAllBootOption only deletes options whose
  OptionalData is edk2's auto-created marker GUID; Boot0000 is kept and the
  options BDS creates (UiApp, "UEFI Misc Device", "EFI Internal Shell") are
  appended after it in BootOrder.
- SetBootOrderFromQemu does nothing while QEMU's "bootorder" fw_cfg file is
  empty (no device has a bootindex).  Once any device has one, it rewrites
  BootOrder to the bootindex order and DELETES every active Boot#### whose
  path starts with HD() (or PciRoot()) that matches no bootindex device.
  An HD() entry on a disk that has a bootindex is matched (its short-form
  path is expanded first) and kept first.
"""
import os
import secrets
import struct
import subprocess
import sys
import uuid

import pytest

import pvhharness as H
import qemu

VARSDIR = os.path.join(H.REPO, "ovmf-vars")
MKVARS = os.path.join(VARSDIR, "mkvars.py")
sys.path.insert(0, VARSDIR)
import mkvars as M  # noqa: E402

LOADER = "\\EFI\\pvhboot\\pvhboot.efi"
SHELL_NSH = "echo PVHMARK-SHELL-REACHED\nreset -s\n"


def make_esp(work, files, name="esp.img", part_guid=None, disk_guid=None, size_mib=None):
    """mkesp.sh with fixed GUIDs -> (image path, OUT.part record)."""
    nsh = os.path.join(work, name + ".startup.nsh")
    with open(nsh, "w", newline="") as f:
        f.write(SHELL_NSH.replace("\n", "\r\n"))
    env = dict(os.environ)
    for key, val in (("PART_GUID", part_guid), ("DISK_GUID", disk_guid), ("ESP_SIZE_MIB", size_mib)):
        env.pop(key, None)
        if val is not None:
            env[key] = str(val)
    img = os.path.join(work, name)
    pairs = ["%s=/startup.nsh" % nsh] + ["%s=%s" % (src, dest) for dest, src in files.items()]
    p = subprocess.run([os.path.join(H.SCRIPTS, "mkesp.sh"), img] + pairs, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError("mkesp.sh failed:\n" + p.stdout.decode(errors="replace"))
    return img, M.read_keyvals(img + ".part")


def make_vars(src, out, part, options):
    """mkvars.py (the command line, as a user runs it) from a mkesp.sh record."""
    p = subprocess.run(["/usr/bin/python3", MKVARS, "-q", "--in", src, "--out", out,
                        "--part-file", part, "--options", options],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError("mkvars.py failed:\n" + p.stdout.decode(errors="replace"))
    return out


def read_store(path):
    with open(path, "rb") as f:
        return M.Store(f.read(), path)


def boot_order(store):
    v = store.find("BootOrder")
    return list(struct.unpack("<%dH" % (len(v.data) // 2), v.data)) if v else None


def entry_path_text(part):
    return "HD(1,GPT,%s,0x%X,0x%X)/%s" % (part["guid"].upper(), int(part["start"]),
                                          int(part["size"]), LOADER)


@pytest.fixture(scope="module")
def payload(kernel, pvhboot_efi, tmp_path_factory):
    """ESP contents: pvhboot.efi, vmlinux and an initrd with a token file."""
    d = str(tmp_path_factory.mktemp("boot-entry"))
    token = "entry-" + secrets.token_hex(8)
    initrd = H.mkinitrd_token(d, token)
    files = {LOADER: pvhboot_efi, "\\vmlinux": kernel, "\\initrd.img": initrd}
    return files, token


class Run:
    """One QEMU run from a VARS file; .result, .vars_after (the firmware's copy)."""

    def __init__(self, work, log_path, esp, vars_file, firmware, extra=()):
        code = qemu.FIRMWARE[firmware][0]
        self.result = qemu.run_ovmf(esp, log_path, firmware=(code, vars_file), vars_dir=work,
                                    timeout=H.BOOT_TIMEOUT, extra=extra)
        self.vars_after = os.path.join(work, "OVMF_VARS.fd")
        self.bds = [l for l in self.result.lines if l.startswith("BdsDxe:")]


def check_entry_booted(p, run, part, cmdline, token, vars_file):
    result = run.result
    guest = H.GuestReport(result.text)
    path = entry_path_text(part)
    want = ['BdsDxe: loading Boot0000 "pvhboot" from %s' % path,
            'BdsDxe: starting Boot0000 "pvhboot" from %s' % path]
    p.check(run.bds[:1] == want[:1], "first BdsDxe line is %r, want %r"
            % (run.bds[:1] or None, want[0]))
    p.check(run.bds == want, "BDS did more than load and start Boot0000: %r" % run.bds)
    p.check("EFI Internal Shell" not in result.text, "'EFI Internal Shell' in the log")
    p.check("PVHMARK-SHELL-REACHED" not in result.lines, "OVMF fell through to the EFI shell")
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check(guest.has("init-done"), "guest /init did not finish (no 'PVHTEST init-done')")
    p.check(not result.timed_out and result.returncode == 0,
            "QEMU did not power off by itself (%s)" % result.describe(0).split("\n")[0])
    p.check(guest.get("cmdline") == cmdline, "guest /proc/cmdline %r != %r"
            % (guest.get("cmdline"), cmdline))
    p.check(guest.tokens.get("/token1") == token, "initrd token not seen: %r"
            % guest.tokens.get("/token1"))
    # The firmware's copy after the boot: Boot0000 untouched, still first.
    try:
        after = read_store(run.vars_after)
    except M.StoreError as e:
        p.check(False, "store after the run does not parse: %s" % e)
        return
    before = read_store(vars_file).find("Boot0000")
    b0 = after.find("Boot0000")
    p.check(b0 is not None and b0.data == before.data and b0.attributes == 7,
            "Boot0000 changed or vanished after the boot")
    order = boot_order(after) or []
    p.check(order[:1] == [0], "BootOrder after the boot is %r, not starting with 0000" % order)


@pytest.mark.parametrize("firmware", ["4M", "2M"])
def test_boot_entry_starts_pvhboot(payload, work, log_path, firmware):
    """Generated store (from Debian's OVMF_VARS_4M.fd / OVMF_VARS.fd) with
    the matching OVMF_CODE: BDS loads Boot0000 first and pvhboot boots
    Linux with the entry's options."""
    files, token = payload
    part_guid = uuid.uuid4()
    esp, part = make_esp(work, files, part_guid=part_guid)
    assert part["guid"] == str(part_guid)
    cmdline = "console=ttyS0 panic=-1 pvhtest.entry=%s" % token
    options = "kernel=\\vmlinux initrd=\\initrd.img " + cmdline
    vars_file = make_vars(qemu.FIRMWARE[firmware][1], os.path.join(work, "pvhboot-vars.fd"),
                          esp + ".part", options)
    run = Run(work, log_path, esp, vars_file, firmware)
    p = H.Problems(run.result)
    check_entry_booted(p, run, part, cmdline, token, vars_file)
    p.raise_if_any()


@pytest.mark.parametrize("firmware", ["4M", "2M"])
def test_shipped_demo_store(payload, work, log_path, firmware):
    """ovmf-vars/pvhboot-demo-{4M,2M}.fd on an ESP built as demo.sh builds
    it (GUIDs and size from demo.params)."""
    files, token = payload
    params = M.read_keyvals(os.path.join(VARSDIR, "demo.params"))
    esp, part = make_esp(work, files, part_guid=params["part_guid"],
                         disk_guid=params["disk_guid"], size_mib=params["esp_size_mib"])
    assert (part["guid"], part["start"], part["size"]) == \
        (params["part_guid"], params["part_start"], params["part_size"])
    vars_file = os.path.join(VARSDIR, "pvhboot-demo-%s.fd" % firmware)
    run = Run(work, log_path, esp, vars_file, firmware)
    p = H.Problems(run.result)
    check_entry_booted(p, run, part, "console=ttyS0", token, vars_file)
    p.raise_if_any()


def test_new_entry_in_a_used_store(payload, work, log_path):
    """mkvars.py on the store a VM has booted with (OVMF added its own
    options and variables): the new Boot0000 replaces the old one, the
    other BootOrder entries stay after it, and the next boot uses it."""
    files, token = payload
    esp, part = make_esp(work, files, part_guid=uuid.uuid4())
    first = make_vars(qemu.FIRMWARE["4M"][1], os.path.join(work, "first.fd"), esp + ".part",
                      "kernel=\\vmlinux initrd=\\initrd.img console=ttyS0 pvhtest.boot=1")
    run1 = Run(work, log_path + ".1", esp, first, "4M")
    p = H.Problems(run1.result)
    check_entry_booted(p, run1, part, "console=ttyS0 pvhtest.boot=1", token, first)
    p.raise_if_any()
    used = os.path.join(work, "used.fd")
    os.replace(run1.vars_after, used)
    old_order = boot_order(read_store(used))
    assert len(old_order) > 1 and old_order[0] == 0, old_order
    cmdline = "console=ttyS0 panic=-1 pvhtest.boot=2"
    second = make_vars(used, os.path.join(work, "second.fd"), esp + ".part",
                       "kernel=\\vmlinux initrd=\\initrd.img " + cmdline)
    assert boot_order(read_store(second)) == old_order
    run2 = Run(work, log_path, esp, second, "4M")
    p = H.Problems(run2.result)
    check_entry_booted(p, run2, part, cmdline, token, second)
    p.raise_if_any()


def test_bootindex_on_the_esp_disk_keeps_entry_first(payload, work, log_path):
    """With a bootindex on the ESP's disk QEMU's bootorder is not empty and
    OVMF rewrites BootOrder from it; the HD() entry matches that disk and
    stays first."""
    files, token = payload
    esp, part = make_esp(work, files, part_guid=uuid.uuid4())
    cmdline = "console=ttyS0 panic=-1 pvhtest.entry=%s" % token
    vars_file = make_vars(qemu.FIRMWARE["4M"][1], os.path.join(work, "pvhboot-vars.fd"),
                          esp + ".part", "kernel=\\vmlinux initrd=\\initrd.img " + cmdline)
    run = Run(work, log_path, esp, vars_file, "4M",
              extra=["-global", "virtio-blk-pci.bootindex=0"])
    p = H.Problems(run.result)
    check_entry_booted(p, run, part, cmdline, token, vars_file)
    # Evidence that SetBootOrderFromQemu ran: it moves the hidden UiApp
    # entry (Boot0001) behind the disk's auto-created one.
    after = read_store(run.vars_after)
    order = boot_order(after) or []
    names = [(n, M.parse_load_option(after.find("Boot%04X" % n).data)["description"])
             for n in order if after.find("Boot%04X" % n)]
    p.check(len(names) >= 2 and names[1][1] == "UEFI Misc Device",
            "BootOrder %r was not rewritten from QEMU's bootorder" % names)
    p.raise_if_any()


def test_bootindex_on_another_disk_deletes_entry(payload, work, log_path):
    """A bootindex on another disk only: OVMF drops the HD() entry from
    BootOrder and deletes Boot0000 from the store (so it is gone for later
    boots too).  The other disk's shell script ends the run."""
    files, _ = payload
    esp, part = make_esp(work, files, part_guid=uuid.uuid4())
    vars_file = make_vars(qemu.FIRMWARE["4M"][1], os.path.join(work, "pvhboot-vars.fd"),
                          esp + ".part", "kernel=\\vmlinux initrd=\\initrd.img console=ttyS0")
    other, _ = make_esp(work, {}, name="other.img")
    run = Run(work, log_path, esp, vars_file, "4M",
              extra=["-drive", "file=%s,format=raw,if=none,id=other" % other,
                     "-device", "virtio-blk-pci,drive=other,bootindex=0"])
    p = H.Problems(run.result)
    p.check(not any("Boot0000" in l for l in run.bds), "BDS still tried Boot0000: %r" % run.bds)
    p.check("PVHMARK-SHELL-REACHED" in run.result.lines,
            "the shell on the bootindex disk did not run: %r" % run.bds)
    after = read_store(run.vars_after)
    p.check(after.find("Boot0000") is None, "Boot0000 survived (OVMF behaviour changed?)")
    p.check(0 not in (boot_order(after) or []), "BootOrder still has 0000")
    p.raise_if_any()
