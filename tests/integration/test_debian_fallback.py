"""Boot counting on a real Debian system (issue 11, section 3; check-full
only): a new entry whose kernel panics is tried as often as its counter
allows, then pvhboot boots the previous kernel, and the system marks that
entry good (pvhboot-bless-boot.service after boot-complete.target).

Boot 1 (job): as `pvhboot-kernel add` with /etc/kernel/tries=3 would have
  left the system, the working entry becomes pvhboot-VERSION+3.conf, and a
  newer entry pvhboot-99.0-panics+2.conf boots the same kernel with
  init=/bin/false (the kernel panics when init exits; panic=1 reboots,
  which ends QEMU, as -no-reboot makes it).
Boots 2, 3: pvhboot tries the panicking entry (renamed +1-1, then +0-2).
Boot 4: it has no tries left: pvhboot boots VERSION+3 (renamed +2-1), the
  system comes up, the unit renames it to pvhboot-VERSION.conf.
Every step is read from the guest's serial output and the ESP's files.
"""
import os

import pytest

import debian_guest as D
import pvhharness as H

PANICS = "pvhboot-99.0-panics"

JOB = r"""#!/bin/sh
set -e
d=/boot/efi/EFI/pvhboot/entries
good=$(ls $d | grep -v '+' | head -n1)
id=${good%.conf}
sed -e 's/^title .*/title panics (init=\/bin\/false)/' -e 's/^version .*/version 99.0/' \
    -e 's/^options .*/& init=\/bin\/false panic=1/' $d/$good > $d/PANICS+2.conf
mv $d/$good $d/$id+3.conf
sync
for f in $d/*; do echo "PVHTEST entry=${f##*/}"; done
""".replace("PANICS", PANICS)


@pytest.mark.skipif(not D.FULL, reason=D.SKIP_UNLESS_FULL)
def test_panicking_kernel_falls_back_and_is_marked_good(pvhboot_efi, work, log_path):
    fx = D.fixture("bookworm", work, efi=pvhboot_efi)
    good = "pvhboot-%s" % fx.version
    base = log_path[:-len(".log")]
    p = D.MultiProblems()

    b = p.add(D.boot(fx, base + "-boot1.log", job=D.job_disk(os.path.join(work, "job.tar"), JOB)))
    D.check_running(p, b, "boot 1")
    p.check(sorted(b.report.all("entry")) == sorted([good + "+3.conf", PANICS + "+2.conf"]),
            "boot 1: entries after the job: %r" % b.report.all("entry"))
    p.raise_if_any()

    for n, left_done in ((2, "1-1"), (3, "0-2")):
        b = p.add(D.boot(fx, "%s-boot%d.log" % (base, n)))
        said = b.pvhboot_lines()
        p.check(any(l.startswith('pvhboot: booting "panics (init=/bin/false)"') for l in said),
                "boot %d: pvhboot did not try the panicking entry: %r" % (n, said))
        p.check(any(("renamed to %s+%s.conf" % (PANICS, left_done)) in l for l in said),
                "boot %d: the entry was not counted down to +%s: %r" % (n, left_done, said))
        p.check("Kernel panic - not syncing: Attempted to kill init!" in b.result.text,
                "boot %d: the kernel did not panic" % n)
        p.check(not b.report.has("system-state"), "boot %d: the system came up" % n)
    p.raise_if_any()

    b = p.add(D.boot(fx, base + "-boot4.log"))
    said = b.pvhboot_lines()
    D.check_running(p, b, "boot 4")
    p.check(not any("panics" in l and "booting" in l for l in said),
            "boot 4: the entry with no tries left was tried: %r" % said)
    p.check(any(("renamed to %s+2-1.conf" % good) in l for l in said),
            "boot 4: the working entry was not counted: %r" % said)
    p.check(b.report.get("kernel") == fx.version, "boot 4: kernel %r" % b.report.get("kernel"))
    p.check((b.report.get("cmdline") or "").endswith(" pvhboot.entry=" + good),
            "boot 4: cmdline %r has no pvhboot.entry=%s" % (b.report.get("cmdline"), good))
    files = D.entry_files(fx)
    p.check(sorted(files) == sorted([good + ".conf", PANICS + "+0-2.conf"]),
            "after boot 4 the entries are %r: the booted entry was not marked good" % files)
    p.raise_if_any()
