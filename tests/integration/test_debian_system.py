# SPDX-License-Identifier: MIT
r"""A real Debian system boots through pvhboot (issue 11, section 1).

scripts/mkdebian builds the disk from Debian's packages (cached under
build/debian/SUITE/; the first build downloads a few hundred MB and takes
minutes): a GPT with the ESP and an ext4 root with systemd as PID 1.
pvhboot is set up as a user would: its host side (pvhboot-kernel, the
kernel hooks) is installed into the root, and the root's pvhboot-kernel
wrote the ESP: pvhboot.efi, the vmlinux extracted from the guest's own
/boot/vmlinuz-VERSION, the initrd Debian's initramfs-tools made and the
entry \EFI\pvhboot\entries\pvhboot-VERSION.conf.  The OVMF variable
store has Boot0000 "pvhboot" for that disk, with no options, so pvhboot
boots its newest entry: no EFI shell.

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

import pytest

import debian_guest as D
import pvhharness as H

FULL = D.FULL
DEBIAN_BOOT_TIMEOUT = D.DEBIAN_BOOT_TIMEOUT
LOADER = D.PVHBOOT_LOADER

SUITES = [
    pytest.param("bookworm", id="bookworm"),
    pytest.param("trixie", id="trixie", marks=() if FULL else pytest.mark.skip(
        reason="Debian 13 image only in the full run (PVHTEST_FULL=1, make check-full)")),
]

_KTIME_RE = re.compile(r"^\[\s*(\d+\.\d+)\] ")


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
def debian_image(request, tmp_path, pvhboot_efi):
    suite = request.param
    return D.fixture(suite, str(tmp_path), efi=pvhboot_efi)


@pytest.mark.parametrize("debian_image", SUITES, indirect=True)
def test_debian_boots_to_login_through_pvhboot(debian_image, log_path, record_property):
    fx = debian_image
    suite, img, part = fx.suite, fx.img, fx.part
    version, options = fx.version, fx.options
    # The entry pvhboot-kernel wrote (boot counting may have renamed it).
    names = D.entry_files(fx, version)
    assert len(names) == 1, "want one entry for %s in %s, found %r" % (
        version, D.ENTRIES_DIR, fx.esp_ls(D.ENTRIES_DIR))
    entry_path = "%s/%s" % (D.ENTRIES_DIR, names[0])
    with open(os.path.join(os.path.dirname(img), "entry.conf"), "w") as f:
        f.write(fx.esp_file(entry_path))
    conf = H.read_pvhboot_conf(os.path.join(os.path.dirname(img), "entry.conf"))
    kernel_path, = conf["linux"]
    initrd_path, = conf["initrd"]
    title, = conf["title"]
    entry_id = "pvhboot-%s" % version
    p_options = " ".join(conf["options"])
    assert p_options == options, "entry options %r != %r" % (p_options, options)
    root_uuid = re.search(r"\broot=UUID=(\S+)", options).group(1)

    b = D.boot(fx, log_path, timeout=DEBIAN_BOOT_TIMEOUT)
    result = b.result
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

    # pvhboot's own lines: the entry pvhboot-kernel wrote, the files it names.
    p.check(not [l for l in lines if l.startswith("pvhboot: error")],
            "pvhboot reported errors: %r" % [l for l in lines if l.startswith("pvhboot: error")])
    booting = [l for l in lines if l.startswith('pvhboot: booting "%s" from ' % title)]
    p.check(booting and re.search(r"\\EFI\\pvhboot\\entries\\pvhboot-%s(\+[0-9-]+)?\.conf$"
                                  % re.escape(version), D.normpath(booting[0].split(" from ", 1)[1]),
                                  re.I),
            "pvhboot did not boot the entry %s: %r" % (entry_path, booting
                                                       or [l for l in lines if "booting" in l]))
    p.check(any(D.normpath(l[len("pvhboot: kernel "):].split(": ", 1)[0]).lower()
                == D.normpath(kernel_path).lower()
                for l in lines if l.startswith("pvhboot: kernel ")),
            "pvhboot did not load %s" % kernel_path)
    p.check(any(D.normpath(l[len("pvhboot: initrd "):].split(": ", 1)[0]).lower()
                == D.normpath(initrd_path).lower()
                for l in lines if l.startswith("pvhboot: initrd ")),
            "pvhboot did not load %s" % initrd_path)
    # The entry's options; pvhboot appends pvhboot.entry=ID for entries
    # from the entries directory (accepted with and without it).
    pv_cmd = [l[len("pvhboot: command line: "):] for l in lines if l.startswith("pvhboot: command line: ")]
    p.check(pv_cmd and D.cmdline_ok(pv_cmd[0], options, entry_id),
            "pvhboot's command line %r is not the entry's %r (+ pvhboot.entry=%s)"
            % (pv_cmd, options, entry_id))
    cmdline = pv_cmd[0] if pv_cmd else options
    p.check(any(re.fullmatch(r"pvhboot: starting kernel at 0x[0-9A-Fa-f]+", l) for l in lines),
            "no 'pvhboot: starting kernel at ...' line")

    # The kernel mounts the root from the disk (Debian's initramfs, by UUID).
    p.check(any(l.endswith("Kernel command line: %s" % cmdline) for l in lines),
            "the kernel did not get the command line %r" % cmdline)
    p.check(any(re.search(r"EXT4-fs \(vda2\): mounted filesystem", l) for l in lines),
            "the kernel did not mount the ext4 root from vda2")
    p.check(guest.get("root") == "/dev/vda2" and guest.get("root-uuid") == root_uuid,
            "guest root is %r (UUID %r), want /dev/vda2 (UUID %s)"
            % (guest.get("root"), guest.get("root-uuid"), root_uuid))
    p.check(D.cmdline_ok(guest.get("cmdline"), options, entry_id),
            "guest /proc/cmdline %r is not %r (+ pvhboot.entry=%s)"
            % (guest.get("cmdline"), options, entry_id))
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


TIMING_KEYS = ("firmware-ms", "loader-ms", "kernel-ms", "initrd-ms", "userspace-ms", "multi-user-ms")


def timing_row(name, b):
    """One row of the comparison: the guest's systemd times (ms) and the
    host's view (s since QEMU started)."""
    r = b.report
    row = {"loader": name}
    for k in TIMING_KEYS:
        v = r.get(k)
        row[k] = int(v) if v and v.lstrip("-").isdigit() else None
    row["systemd-analyze"] = r.get("systemd-analyze")
    ks = b.kernel_start_host()
    row["kernel-start-s"] = ks
    row["multi-user-host-s"] = (ks + row["multi-user-ms"] / 1000.0
                                if ks is not None and row["multi-user-ms"] is not None else None)
    row["qemu-s"] = b.result.elapsed
    row["bds"] = next((l for l in b.bds_lines() if l.startswith("BdsDxe: starting")), "")
    return row


def timing_table(rows):
    def f(v, scale=1.0, fmt="%.2f"):
        return "—" if v is None else fmt % (v / scale)
    out = ["| boot path | firmware | loader | kernel (+initrd) | userspace | multi-user.target "
           "| kernel start after QEMU start (host) | multi-user.target after QEMU start (host) |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["loader"], f(r["firmware-ms"], 1000), f(r["loader-ms"], 1000),
            f((r["kernel-ms"] or 0) + (r["initrd-ms"] or 0) if r["kernel-ms"] is not None else None, 1000),
            f(r["userspace-ms"], 1000), f(r["multi-user-ms"], 1000),
            f(r["kernel-start-s"]), f(r["multi-user-host-s"])))
    out.append("")
    out.append("Seconds. firmware, loader, kernel, userspace, multi-user.target: systemd's own "
               "time stamps in the guest (systemd-analyze time; firmware and loader only from "
               "systemd-boot's LoaderTime*USec EFI variables, 0 when it sets none). Host columns: "
               "QEMU's run time minus the kernel's time stamp of its 'reboot: Power down' line.")
    for r in rows:
        out.append("- %s: %s; %s; QEMU ran %.1f s" % (r["loader"], r["systemd-analyze"], r["bds"], r["qemu-s"]))
    return "\n".join(out) + "\n"


@pytest.mark.skipif(not FULL, reason="boot-time comparison only in the full run (PVHTEST_FULL=1, make check-full)")
def test_debian_boot_time_pvhboot_vs_systemd_boot(tmp_path, log_path, pvhboot_efi, record_property):
    """The bookworm fixture through pvhboot (PVH) and through systemd-boot
    (EFI stub), one after the other in the same run: systemd-analyze's
    times to multi-user.target, and the host's view.  Writes the table to
    build/test-logs/<test>.md.  Asserts only that both reached running."""
    base = log_path[:-len(".log")]
    rows = []
    p = D.MultiProblems()
    for loader in ("pvhboot", "systemd-boot"):
        fx = D.fixture("bookworm", str(tmp_path), loader=loader, efi=pvhboot_efi)
        b = p.add(D.boot(fx, "%s-%s.log" % (base, loader)))
        D.check_running(p, b, loader)
        want_efi = "absent" if loader == "pvhboot" else "present"
        p.check(b.report.get("efi") == want_efi, "%s: efi=%r, want %s" % (loader, b.report.get("efi"), want_efi))
        rows.append(timing_row("%s (%s)" % (loader, "PVH" if loader == "pvhboot" else "EFI stub"), b))
    table = timing_table(rows)
    with open(base + ".md", "w") as f:
        f.write(table)
    print("\n" + table)
    record_property("timings", table)
    p.raise_if_any()
