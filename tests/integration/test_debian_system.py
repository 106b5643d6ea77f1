# SPDX-License-Identifier: MIT
"""A real Debian system boots through pvhboot (issue 11, section 1).

scripts/mkdebian builds the disk from Debian's packages (cached under
build/debian/SUITE/; the first build downloads a few hundred MB and takes
minutes): a GPT with the ESP (pvhboot.efi, its pvhboot.conf, the vmlinux
extracted from the guest's own /boot/vmlinuz-VERSION and the initrd
Debian's initramfs-tools made) and an ext4 root with systemd as PID 1.
Its OVMF variable store has Boot0000 "pvhboot" for that disk, with no
options, so pvhboot boots what its pvhboot.conf names: no EFI shell.

In the guest, pvhtest-report.service waits for `systemctl
is-system-running --wait`, prints PVHTEST lines on ttyS0, leaves the
serial getty time to print its prompt and powers off.

The system state must be "running" with no failed units.  Not "degraded":
the fixture holds only systemd, udev, dbus, the kernel, initramfs-tools
and a few tools, with no network and no services that depend on anything
outside the VM; every unit that runs is part of getting from the kernel
to a login prompt (root and ESP mounts, fsck, udev, journald, logind,
the getty), so a failed unit is a failure of the boot path.

bookworm runs in `make check`; trixie only with PVHTEST_FULL=1.
"""
import os
import re
import subprocess

import pytest

import pvhharness as H
import qemu

FULL = os.environ.get("PVHTEST_FULL", "") not in ("", "0")
# Under TCG: OVMF ~4 s, the kernel and systemd to the login prompt ~20-60 s
# (more while other tests load the machine); this only bounds a hang.
DEBIAN_BOOT_TIMEOUT = float(os.environ.get("PVHTEST_DEBIAN_TIMEOUT", "240"))
LOADER = "\\EFI\\pvhboot\\pvhboot.efi"
CONF = "/EFI/pvhboot/pvhboot.conf"

SUITES = [
    pytest.param("bookworm", id="bookworm"),
    pytest.param("trixie", id="trixie", marks=() if FULL else pytest.mark.skip(
        reason="Debian 13 image only in the full run (PVHTEST_FULL=1, make check-full)")),
]

_KTIME_RE = re.compile(r"^\[\s*(\d+\.\d+)\] ")


def esp_file(img, part, path):
    """A file's text from the image's ESP (mtools at the partition's offset)."""
    offset = int(part["start"]) * 512
    p = subprocess.run(["mtype", "-i", "%s@@%d" % (img, offset), "::" + path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    if p.returncode != 0:
        raise RuntimeError("mtype %s from %s: %s" % (path, img, p.stderr.decode(errors="replace")))
    return p.stdout.decode()


def kernel_time(line):
    m = _KTIME_RE.match(line)
    return float(m.group(1)) if m else None


def timings(result, guest):
    """Host and guest timings of the run, as text for the test report.
    The serial log has no host time stamps; the kernel's own time of its
    "reboot: Power down" line against QEMU's run time places the kernel's
    start on the host clock (QEMU exits within milliseconds of it)."""
    down = [kernel_time(l) for l in result.lines if l.endswith("reboot: Power down")]
    parts = ["QEMU ran %.1f s" % result.elapsed]
    if down and down[-1] is not None:
        kernel_start = result.elapsed - down[-1]
        parts.append("kernel started ~%.1f s after QEMU (OVMF + pvhboot)" % kernel_start)
        mu = guest.get("multi-user-ms")
        if mu and mu.isdigit():
            parts.append("multi-user.target (login prompt) ~%.1f s after QEMU"
                         % (kernel_start + int(mu) / 1000.0))
    for key in ("systemd-analyze", "kernel-ms", "userspace-ms", "multi-user-ms"):
        parts.append("%s=%s" % (key, guest.get(key)))
    return "; ".join(parts)


@pytest.fixture
def debian_image(request, work, pvhboot_efi):
    suite = request.param
    img = os.path.join(work, "debian-%s.img" % suite)
    build_log = H.mkdebian(suite, img, efi=pvhboot_efi)
    with open(os.path.join(work, "mkdebian.log"), "w") as f:
        f.write(build_log)
    return suite, img


@pytest.mark.parametrize("debian_image", SUITES, indirect=True)
def test_debian_boots_to_login_through_pvhboot(debian_image, work, log_path, record_property):
    suite, img = debian_image
    part = {}
    with open(img + ".part") as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            part[k] = v
    conf_path = os.path.join(work, "pvhboot.conf")
    with open(conf_path, "w") as f:
        f.write(esp_file(img, part, CONF))
    conf = H.read_pvhboot_conf(conf_path)
    kernel_path, = conf["linux"]
    initrd_path, = conf["initrd"]
    options = " ".join(conf["options"])
    version = kernel_path.rsplit("vmlinux-", 1)[-1]
    root_uuid = re.search(r"\broot=UUID=(\S+)", options).group(1)

    result = qemu.run_ovmf(img, log_path, mem="1G", smp=2, timeout=DEBIAN_BOOT_TIMEOUT,
                           firmware=(qemu.FIRMWARE["4M"][0], img + ".vars.fd"), vars_dir=work)
    guest = H.GuestReport(result.text)
    lines = result.lines
    p = H.Problems(result)

    # OVMF starts pvhboot from the Boot#### entry, nothing before it.
    entry = "HD(1,GPT,%s,0x%X,0x%X)/%s" % (part["guid"].upper(), int(part["start"]),
                                           int(part["size"]), LOADER)
    bds = [l for l in lines if l.startswith("BdsDxe:")]
    p.check(bds[:2] == ['BdsDxe: loading Boot0000 "pvhboot" from %s' % entry,
                        'BdsDxe: starting Boot0000 "pvhboot" from %s' % entry],
            "BDS did not start pvhboot from Boot0000 first: %r" % bds[:3])
    p.check("EFI Internal Shell" not in result.text, "the EFI shell ran")

    # pvhboot's own lines: the entry from pvhboot.conf, the files it names.
    p.check(not [l for l in lines if l.startswith("pvhboot: error")],
            "pvhboot reported errors: %r" % [l for l in lines if l.startswith("pvhboot: error")])
    p.check('pvhboot: booting "Debian %s (%s)" from \\EFI\\pvhboot\\pvhboot.conf' % (suite, version)
            in lines, "pvhboot did not boot the entry of its pvhboot.conf")
    p.check(any(l.startswith("pvhboot: kernel %s: " % kernel_path) for l in lines),
            "pvhboot did not load %s" % kernel_path)
    p.check(any(l.startswith("pvhboot: initrd %s: " % initrd_path) for l in lines),
            "pvhboot did not load %s" % initrd_path)
    p.check("pvhboot: command line: %s" % options in lines,
            "pvhboot's command line is not the config's %r" % options)
    p.check(any(re.fullmatch(r"pvhboot: starting kernel at 0x[0-9A-Fa-f]+", l) for l in lines),
            "no 'pvhboot: starting kernel at ...' line")

    # The kernel mounts the root from the disk (Debian's initramfs, by UUID).
    p.check(any(l.endswith("Kernel command line: %s" % options) for l in lines),
            "the kernel did not get the command line %r" % options)
    p.check(any(re.search(r"EXT4-fs \(vda2\): mounted filesystem", l) for l in lines),
            "the kernel did not mount the ext4 root from vda2")
    p.check(guest.get("root") == "/dev/vda2" and guest.get("root-uuid") == root_uuid,
            "guest root is %r (UUID %r), want /dev/vda2 (UUID %s)"
            % (guest.get("root"), guest.get("root-uuid"), root_uuid))
    p.check(guest.get("cmdline") == options,
            "guest /proc/cmdline %r != %r" % (guest.get("cmdline"), options))
    p.check(guest.get("kernel") == version, "guest runs kernel %r, not %r"
            % (guest.get("kernel"), version))
    p.check(guest.get("efi") == "absent",
            "/sys/firmware/efi is %r: a PVH boot has no EFI" % guest.get("efi"))

    # systemd finished the boot with every unit up.
    p.check(guest.get("system-state") == "running",
            "systemctl is-system-running: %r, failed units: %s"
            % (guest.get("system-state"), guest.get("failed-units")))
    p.check(guest.get("failed-units") == "none", "failed units: %s" % guest.get("failed-units"))

    # The serial getty's prompt, before the power-off.
    prompt = "pvhtest-%s login:" % suite
    p.check(any(l.startswith(prompt) for l in lines), "no %r prompt on ttyS0" % prompt)
    p.check(guest.get("getty") == "active", "serial-getty@ttyS0: %r" % guest.get("getty"))

    # A clean power-off: systemd's shutdown, the kernel powers the VM off and
    # QEMU exits by itself with status 0.
    p.check(guest.has("poweroff"), "the report did not reach its poweroff")
    p.check("Kernel panic" not in result.text, "kernel panic")
    p.check(any(l.endswith("reboot: Power down") for l in lines), "no 'reboot: Power down'")
    p.check_ended("guest power-off", DEBIAN_BOOT_TIMEOUT)
    p.check(result.returncode == 0, "QEMU exit status %s" % result.returncode)

    summary = timings(result, guest)
    record_property("timings", summary)
    with open(log_path + ".summary", "w") as f:
        f.write(summary + "\n")
    p.raise_if_any()
