# SPDX-License-Identifier: MIT
"""An existing Debian system switches to pvhboot with the one setup
command (issue 11): the systemd-boot fixture of scripts/mkdebian
(--loader systemd-boot: Debian's systemd-boot, the kernel through its EFI
stub, EFI variables, efibootmgr), two boots on one disk copy and one
OVMF variable store.

1. systemd-boot boots the system (EFI present).  The job installs
   pvhboot's .deb (`make deb`, built here from this tree into the test's
   directory with the same pvhboot.efi the other tests use) with dpkg -i,
   runs `pvhboot-kernel setup` (pvhboot.efi to the ESP, an entry for the
   installed kernel, a Boot#### "pvhboot" first in BootOrder through
   efibootmgr) and reports efibootmgr -v.
2. The same machine boots again: OVMF starts pvhboot from its new boot
   entry, pvhboot boots the kernel through PVH (no EFI in the guest), with
   pvhboot.entry= on the command line.

Only with PVHTEST_FULL=1 (make check-full).
"""
import os
import re
import shutil
import subprocess

import pytest

import debian_guest as D
import pvhharness as H

pytestmark = pytest.mark.skipif(not D.FULL, reason=D.SKIP_UNLESS_FULL)

SUITE = "bookworm"


def build_deb(work, efi):
    """pvhboot_*.deb of this tree, as `make deb` makes it (scripts/mkdeb
    BUILD), in work/debbuild with a copy of efi: build/ is left alone."""
    mkdeb = os.path.join(H.SCRIPTS, "mkdeb")
    if not os.path.isfile(mkdeb):
        pytest.skip("no scripts/mkdeb (make deb) in this tree: pvhboot has no Debian package yet")
    b = os.path.join(work, "debbuild")
    os.makedirs(b, exist_ok=True)
    shutil.copyfile(efi, os.path.join(b, "pvhboot.efi"))
    p = subprocess.run([mkdeb, b], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError("scripts/mkdeb %s failed (%d):\n%s" % (b, p.returncode, out[-3000:]))
    debs = [f for f in os.listdir(os.path.join(b, "deb")) if f.startswith("pvhboot_") and f.endswith(".deb")]
    assert len(debs) == 1, "mkdeb made %r" % debs
    return os.path.join(b, "deb", debs[0])


SETUP_JOB = r'''#!/bin/sh
echo "PVHTEST step=adopt"
dpkg -i %(deb)s
echo "PVHTEST dpkg-exit=$?"
echo "PVHTEST installed=$(dpkg-query -W -f '${Status} ${Version}' pvhboot 2>&1)"
pvhboot-kernel setup
echo "PVHTEST setup-exit=$?"
efibootmgr -v | while IFS= read -r l; do echo "PVHTEST efibootmgr=$l"; done
for f in /boot/efi/EFI/pvhboot/entries/*.conf; do [ -e "$f" ] && echo "PVHTEST entry=${f##*/}"; done
'''


def test_systemd_boot_system_adopts_pvhboot(tmp_path, log_path, pvhboot_efi, record_property):
    work = str(tmp_path)
    deb = build_deb(work, pvhboot_efi)
    fx = D.fixture(SUITE, work, loader="systemd-boot")
    base = log_path[:-len(".log")]
    p = D.MultiProblems()

    # --- boot 1: systemd-boot, EFI stub; install pvhboot and set it up -----------
    job = D.job_disk(os.path.join(work, "job1.tar"), SETUP_JOB % {"deb": os.path.basename(deb)},
                     files=[(os.path.basename(deb), deb)], name="adopt pvhboot")
    b1 = p.add(D.boot(fx, base + "-boot1-systemd-boot.log", job=job))
    r1 = b1.report
    D.check_running(p, b1, "boot 1 (systemd-boot)")
    p.check(r1.get("efi") == "present", "boot 1: efi=%r: not booted through the EFI stub" % r1.get("efi"))
    p.check((r1.get("efi-loader") or "").startswith("systemd-boot"),
            "boot 1: LoaderInfo %r is not systemd-boot's" % r1.get("efi-loader"))
    p.check(any(l.startswith('BdsDxe: starting Boot0000 "Linux Boot Manager"') for l in b1.bds_lines()),
            "boot 1: OVMF did not start systemd-boot: %r" % b1.bds_lines()[:3])
    p.check(r1.get("dpkg-exit") == "0" and (r1.get("installed") or "").startswith("install ok installed"),
            "boot 1: dpkg -i %s: exit %r, %r; job log tail: %r"
            % (os.path.basename(deb), r1.get("dpkg-exit"), r1.get("installed"), r1.job_log[-15:]))
    p.check(r1.get("setup-exit") == "0", "boot 1: pvhboot-kernel setup exit %r; job log tail: %r"
            % (r1.get("setup-exit"), r1.job_log[-15:]))
    ebm = r1.all("efibootmgr")
    order = next((l.split(":", 1)[1].strip() for l in ebm if l.startswith("BootOrder:")), "")
    pv = [l for l in ebm if re.match(r"Boot[0-9A-F]{4}\*? pvhboot\b", l)]
    p.check(len(pv) == 1 and "\\EFI\\PVHBOOT\\PVHBOOT.EFI" in pv[0].upper().replace("/", "\\"),
            "boot 1: efibootmgr shows no (or several) pvhboot entries for \\EFI\\pvhboot\\pvhboot.efi: %r" % ebm)
    pv_num = pv[0][4:8] if pv else None
    p.check(pv_num is not None and order.split(",")[0] == pv_num,
            "boot 1: BootOrder %r does not start with pvhboot's Boot%s" % (order, pv_num))
    p.check(any(e.startswith("pvhboot-%s" % fx.version) for e in r1.all("entry")),
            "boot 1: no pvhboot entry for %s on the ESP: %r" % (fx.version, r1.all("entry")))

    # --- boot 2: the same machine, now through pvhboot -----------------------
    b2 = p.add(D.boot(fx, base + "-boot2-pvhboot.log"))
    r2 = b2.report
    D.check_running(p, b2, "boot 2 (pvhboot)")
    bds = b2.bds_lines()
    p.check(any(re.match(r'BdsDxe: starting Boot%s "pvhboot" from .*\\EFI\\pvhboot\\pvhboot\.efi' % pv_num, l, re.I)
                for l in bds) if pv_num else False,
            "boot 2: OVMF did not start Boot%s \"pvhboot\": %r" % (pv_num, bds[:3]))
    said = b2.pvhboot_lines()
    p.check(not [l for l in said if l.startswith("pvhboot: error")],
            "boot 2: pvhboot errors: %r" % [l for l in said if l.startswith("pvhboot: error")])
    p.check(any(l.startswith("pvhboot: starting kernel at ") for l in said),
            "boot 2: the kernel was not started by pvhboot (no 'pvhboot: starting kernel at'): %r" % said[:8])
    p.check(r2.get("efi") == "absent", "boot 2: efi=%r: not a PVH boot" % r2.get("efi"))
    p.check(r2.get("kernel") == fx.version, "boot 2 ran %r, not %s" % (r2.get("kernel"), fx.version))
    p.check(D.cmdline_ok(r2.get("cmdline"), fx.options, "pvhboot-" + fx.version),
            "boot 2: /proc/cmdline %r is not %r + pvhboot.entry=pvhboot-%s"
            % (r2.get("cmdline"), fx.options, fx.version))
    p.check("pvhboot.entry=" in (r2.get("cmdline") or ""),
            "boot 2: no pvhboot.entry= on the command line: %r" % r2.get("cmdline"))

    with open(log_path + ".summary", "w") as f:
        f.write("\n".join(b.summary() for b in p.boots) + "\n")
    record_property("boots", "; ".join(b.summary() for b in p.boots))
    p.raise_if_any()
