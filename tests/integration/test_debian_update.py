# SPDX-License-Identifier: MIT
"""A kernel update on the real Debian system goes through pvhboot's hooks
(issue 11): three boots of one copy of the bookworm fixture, each a QEMU
run on the same disk and variable store.

1. The job installs Debian's backports cloud kernel with `dpkg -i` (its
   postinst runs /etc/kernel/postinst.d: initramfs-tools makes the initrd,
   zz-pvhboot runs `pvhboot-kernel add`) and reports the ESP's entries.
2. pvhboot boots the newest entry, the backports kernel (`uname -r`, no
   EFI: a PVH boot).  The job purges the package (its postrm runs
   /etc/kernel/postrm.d: zz-pvhboot runs `pvhboot-kernel remove`).
3. The previous kernel, Debian 12's 6.1, runs again.

The kernel package comes from bookworm-backports on the machine's own
Debian mirror, through scripts/fetch-debs (a private apt configuration
under build/apt/; the .debs are kept under build/debs/): the package that
linux-image-cloud-amd64 in backports depends on, plus whatever the guest
lacks for it (resolved against the fixture root's dpkg status).

Only with PVHTEST_FULL=1 (make check-full): three boots, one of them
installing a kernel under TCG, take several minutes.
"""
import os
import re
import subprocess

import pytest

import debian_guest as D
import pvhharness as H

pytestmark = pytest.mark.skipif(not D.FULL, reason=D.SKIP_UNLESS_FULL)

SUITE = "bookworm"
BACKPORTS = SUITE + "-backports"
DEBS = os.path.join(H.BUILD, "debs", BACKPORTS)
ESP_PVHBOOT = "/boot/efi/EFI/pvhboot"

# What every job reports about the ESP: one PVHTEST line per entry file,
# per file in a kernel's directory, and pvhboot-kernel's list.
REPORT_ESP = r'''
report_esp() {
        for f in %(esp)s/entries/*.conf; do
                [ -e "$f" ] && echo "PVHTEST entry=${f##*/}"
        done
        for d in %(esp)s/*/; do
                d=${d%%/}; d=${d##*/}
                [ "$d" = entries ] && continue
                echo "PVHTEST kernel-dir=$d $(ls %(esp)s/$d | paste -sd, -)"
        done
        pvhboot-kernel list 2>&1 | while IFS= read -r l; do echo "PVHTEST list=$l"; done
}
''' % {"esp": ESP_PVHBOOT}


def backports_kernel(root_status):
    """(version, [debs]) of the kernel linux-image-cloud-amd64 in backports
    depends on, with the packages the guest lacks for it."""
    meta = D.fetch_debs(os.path.join(DEBS, "meta"), "linux-image-cloud-amd64/" + BACKPORTS,
                        suite=SUITE, backports=True)
    _, _, meta_deb = meta[0]
    depends = subprocess.run(["dpkg-deb", "-f", meta_deb, "Depends"], stdout=subprocess.PIPE,
                             check=True).stdout.decode()
    m = re.search(r"\blinux-image-(\S+-cloud-amd64)\b", depends)
    assert m, "%s: no linux-image-*-cloud-amd64 in Depends: %r" % (meta_deb, depends)
    package = "linux-image-" + m.group(1)
    debs = D.fetch_debs(os.path.join(DEBS, "kernel"), "%s/%s" % (package, BACKPORTS),
                        suite=SUITE, backports=True, status=root_status)
    assert package in [n for n, _, _ in debs], "fetch-debs did not fetch %s: %r" % (package, debs)
    return m.group(1), package, debs


# The boot that runs the new kernel gets a CPU without CMPXCHG16B: Debian's
# 6.12 kernel (bookworm-backports) crashes at random under QEMU 7.2's TCG
# whenever it runs at its link address (a double fault or #DB right after
# the CMPXCHG16B in SLUB's allocation fast path, the saved EFLAGS with
# reserved bits set), through pvhboot, QEMU's own PVH loader and the EFI
# stub with nokaslr alike, with one vCPU too; without CX16 it never did
# (docs/debian-system.md has the counts).
NEW_KERNEL_CPU = ("-cpu", "qemu64,-cx16")


def test_kernel_update_and_removal_through_the_hooks(tmp_path, log_path, pvhboot_efi, record_property):
    work = str(tmp_path)
    fx = D.fixture(SUITE, work, efi=pvhboot_efi)
    old = fx.version
    new, package, debs = backports_kernel(os.path.join(fx.info["root_dir"], "var/lib/dpkg/status"))
    assert new != old
    base = log_path[:-len(".log")]
    p = D.MultiProblems()

    # --- boot 1: install the backports kernel --------------------------------
    files = [("debs/%02d-%s" % (i, os.path.basename(path)), path) for i, (_, _, path) in enumerate(debs)]
    job1 = D.job_disk(os.path.join(work, "job1.tar"), "#!/bin/sh\n" + REPORT_ESP + r'''
report_esp
echo "PVHTEST step=install"
dpkg -i debs/*.deb
echo "PVHTEST dpkg-exit=$?"
echo "PVHTEST installed=$(dpkg-query -W -f '${Status} ${Version}' %(pkg)s 2>&1)"
ls /boot | while read -r f; do echo "PVHTEST boot-file=$f"; done
report_esp
''' % {"pkg": package}, files=files, name="install " + package)
    b1 = p.add(D.boot(fx, base + "-boot1-install.log", job=job1))
    r1 = b1.report
    D.check_running(p, b1, "boot 1 (install)")
    p.check(r1.get("kernel") == old, "boot 1 ran %r, not the fixture's %s" % (r1.get("kernel"), old))
    p.check(r1.get("job-exit") == "0" and r1.get("dpkg-exit") == "0",
            "boot 1: dpkg -i failed (dpkg exit %r, job exit %r); job log tail: %r"
            % (r1.get("dpkg-exit"), r1.get("job-exit"), r1.job_log[-15:]))
    p.check((r1.get("installed") or "").startswith("install ok installed"),
            "boot 1: %s is %r" % (package, r1.get("installed")))
    entries1 = r1.all("entry")
    # Before: the fixture's own entry; after: the new kernel's too.
    p.check(any(re.fullmatch(r"pvhboot-%s(\+\S+)?\.conf" % re.escape(new), e) for e in entries1),
            "boot 1: no entry for %s on the ESP after dpkg -i: %r" % (new, entries1))
    # pvhboot-kernel list: VERSION, entry path, ok (then more columns).
    p.check(any(l.split("\t")[0] == new and l.split("\t")[2:3] == ["ok"] for l in r1.all("list")),
            "boot 1: pvhboot-kernel list does not show %s ok: %r" % (new, r1.all("list")))
    p.check(any(k.startswith(new + " ") and "vmlinux" in k and "initrd.img" in k
                for k in r1.all("kernel-dir")),
            "boot 1: no vmlinux + initrd.img in %s/%s: %r" % (ESP_PVHBOOT, new, r1.all("kernel-dir")))
    p.check(any("zz-pvhboot" in l or "pvhboot-kernel" in l for l in r1.job_log),
            "boot 1: dpkg's output does not show pvhboot's hook running")

    # --- boot 2: the new kernel, through pvhboot; purge it ---------------------
    job2 = D.job_disk(os.path.join(work, "job2.tar"), "#!/bin/sh\n" + REPORT_ESP + r'''
echo "PVHTEST step=purge"
# Removing the running kernel: linux-base asks whether to abort; answer no,
# as an administrator who means it would.
echo "linux-base linux-base/removing-running-kernel boolean false" | debconf-set-selections
dpkg --purge %(pkg)s
echo "PVHTEST dpkg-exit=$?"
echo "PVHTEST installed=$(dpkg-query -W -f '${Status}' %(pkg)s 2>&1)"
report_esp
''' % {"pkg": package}, name="purge " + package)
    b2 = p.add(D.boot(fx, base + "-boot2-new-kernel.log", job=job2, extra=NEW_KERNEL_CPU))
    r2 = b2.report
    D.check_running(p, b2, "boot 2 (new kernel)")
    p.check(r2.get("kernel") == new, "boot 2 ran %r, not the backports kernel %s" % (r2.get("kernel"), new))
    p.check(r2.get("efi") == "absent", "boot 2: /sys/firmware/efi is %r: not a PVH boot" % r2.get("efi"))
    said = b2.pvhboot_lines()
    p.check(any(l.startswith("pvhboot: booting ") and ("pvhboot-%s" % new) in l for l in said),
            "boot 2: pvhboot did not boot the entry for %s: %r" % (new, said[:6]))
    p.check(any(l.startswith("pvhboot: starting kernel at ") for l in said),
            "boot 2: no 'pvhboot: starting kernel at'")
    p.check(D.cmdline_ok(r2.get("cmdline"), fx.options, "pvhboot-" + new),
            "boot 2: /proc/cmdline %r" % r2.get("cmdline"))
    p.check(r2.get("job-exit") == "0" and r2.get("dpkg-exit") == "0",
            "boot 2: dpkg --purge failed (dpkg exit %r); job log tail: %r"
            % (r2.get("dpkg-exit"), r2.job_log[-15:]))
    entries2 = r2.all("entry")
    p.check(not any(new in e for e in entries2),
            "boot 2: the entry for %s is still on the ESP after the purge: %r" % (new, entries2))
    p.check(not any(k.startswith(new + " ") for k in r2.all("kernel-dir")),
            "boot 2: %s/%s is still there after the purge" % (ESP_PVHBOOT, new))
    p.check(any(re.fullmatch(r"pvhboot-%s(\+\S+)?\.conf" % re.escape(old), e) for e in entries2),
            "boot 2: the entry for %s is gone: %r" % (old, entries2))

    # --- boot 3: back to the previous kernel ----------------------------------
    job3 = D.job_disk(os.path.join(work, "job3.tar"), "#!/bin/sh\n" + REPORT_ESP + "report_esp\n",
                      name="report")
    b3 = p.add(D.boot(fx, base + "-boot3-old-kernel.log", job=job3))
    r3 = b3.report
    D.check_running(p, b3, "boot 3 (previous kernel)")
    p.check(r3.get("kernel") == old, "boot 3 ran %r, not %s" % (r3.get("kernel"), old))
    p.check(r3.get("efi") == "absent", "boot 3: /sys/firmware/efi is %r" % r3.get("efi"))
    p.check(any(l.startswith("pvhboot: booting ") and ("pvhboot-%s" % old) in l for l in b3.pvhboot_lines()),
            "boot 3: pvhboot did not boot the entry for %s" % old)

    summary = "; ".join(b.summary() for b in p.boots)
    record_property("boots", summary)
    with open(log_path + ".summary", "w") as f:
        f.write("old %s, new %s (%s)\n%s\n" % (old, new, package, "\n".join(b.summary() for b in p.boots)))
    p.raise_if_any()
