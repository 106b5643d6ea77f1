# SPDX-License-Identifier: MIT
"""`pvhboot-kernel setup` against a system under --root, a scratch ESP, a
fake sysfs (PVHBOOT_SYSFS), a fake findmnt on PATH and a fake efibootmgr
that keeps its boot entries in a JSON file, records its argv and prints
what the real one prints. Run: /usr/bin/python3 -m pytest tests/host"""
import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kernelfixtures as K  # noqa: E402
import test_pvhboot_kernel as T  # noqa: E402

V1, V2, V3 = T.V1, T.V2, T.V3
V4 = "6.1.0-12-amd64"          # the newest, and built without CONFIG_PVH
LOADER = "\\EFI\\pvhboot\\pvhboot.efi"
EFI = b"MZ" + b"\0" * 62 + b"a fake pvhboot.efi"
PREFIX = "pvhboot-kernel: "

FAKE_EFIBOOTMGR = r'''#!/usr/bin/python3
# efibootmgr as far as pvhboot-kernel setup uses it (-v, --create, -o).
import json, os, sys
state_path = os.environ["FAKE_EFI_STATE"]
state = json.load(open(state_path))
with open(state_path + ".argv", "a") as log:
        log.write(json.dumps(sys.argv[1:]) + "\n")
if state.get("fail"):
        print(state["fail"], file=sys.stderr)
        sys.exit(2)
args = sys.argv[1:]
if args[:1] == ["--create"]:
        opts = dict(zip(args[1::2], args[2::2]))
        number = "%04X" % (max([int(n, 16) for n in state["entries"]] + [-1]) + 1)
        state["entries"][number] = [opts["--label"], "HD(%s,GPT,0fc63daf-8483-4772-8e79-3d69d8477de4,0x800,0x100000)/File(%s)"
                                    % (opts["--part"], opts["--loader"])]
        state["order"].insert(0, number)
elif args[:1] == ["-o"]:
        state["order"] = args[1].split(",")
elif args != ["-v"]:
        sys.exit("fake efibootmgr: unexpected arguments %r" % args)
json.dump(state, open(state_path, "w"))
print("BootCurrent: 0001")
print("Timeout: 0 seconds")
print("BootOrder: " + ",".join(state["order"]))
for number in sorted(state["entries"]):
        label, path = state["entries"][number]
        print("Boot%s* %s\t%s" % (number, label, path))
'''

FAKE_FINDMNT = '''#!/bin/sh
# findmnt -n -r -o SOURCE,TARGET --target PATH
cat "$FAKE_FINDMNT_OUT"
'''


def write_exec(path, text):
        T.write(str(path), text.encode())
        os.chmod(str(path), 0o755)
        return str(path)


@pytest.fixture
def system(tmp_path):
        """A Debian root with four kernels (V4 without the PVH note), its ESP,
        and the fakes. Returns a dict of what the tests need."""
        root = tmp_path / "root"
        esp = tmp_path / "esp"
        (esp / "EFI" / "debian").mkdir(parents=True)
        T.write(str(esp / "EFI" / "debian" / "grubx64.efi"), b"MZ grub")
        T.write(str(root / "etc/kernel/cmdline"), b"root=UUID=1234 ro quiet\n")
        T.write(str(root / "usr/lib/os-release"), b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
        T.write(str(root / "usr/lib/pvhboot/pvhboot.efi"), EFI)
        elfs = {}
        _, elfs[V1] = T.tiny_kernel(root / "boot", "vmlinuz-" + V1, V1)
        T.write(str(root / "boot" / ("initrd.img-" + V1)), b"initrd one")
        _, elfs[V2] = T.tiny_kernel(root / "boot", "vmlinuz-" + V2, V2)
        T.write(str(root / "boot" / ("initrd.img-" + V2)), b"initrd two")
        _, elfs[V3] = T.tiny_kernel(root / "usr/lib/modules" / V3, "vmlinuz", V3, bz="xz")
        (root / "usr/lib/modules" / V1).mkdir(parents=True)         # modules only: /boot has the image
        T.tiny_kernel(root / "boot", "vmlinuz-" + V4, V4, pvh=False)
        # sysfs: an NVMe disk whose second partition is the ESP.
        sysfs = tmp_path / "sys"
        (sysfs / "firmware" / "efi").mkdir(parents=True)
        part = sysfs / "devices" / "pci0000:00" / "nvme" / "block" / "nvme9n1" / "nvme9n1p2"
        T.write(str(part / "partition"), b"2\n")
        (sysfs / "class" / "block").mkdir(parents=True)
        os.symlink(os.path.relpath(str(part), str(sysfs / "class" / "block")), str(sysfs / "class" / "block" / "nvme9n1p2"))
        bindir = tmp_path / "bin"
        write_exec(bindir / "findmnt", FAKE_FINDMNT)
        findmnt_out = T.write(str(tmp_path / "findmnt.out"), ("/dev/nvme9n1p2 %s\n" % esp).encode())
        efibootmgr = write_exec(tmp_path / "efibootmgr", FAKE_EFIBOOTMGR)
        state = tmp_path / "efivars.json"
        # What a system that GRUB boots has: the firmware's UiApp and "debian".
        state.write_text(json.dumps({"order": ["0001", "0000"], "entries": {
                "0000": ["UiApp", "FvVol(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)/FvFile(462caa21-7614-4503-836e-8ab6f4662331)"],
                "0001": ["debian", "HD(2,GPT,0fc63daf-8483-4772-8e79-3d69d8477de4,0x800,0x100000)/File(\\EFI\\debian\\shimx64.efi)"]}}))
        env = {"PATH": "%s:%s" % (bindir, os.environ["PATH"]), "PVHBOOT_SYSFS": str(sysfs),
               "FAKE_FINDMNT_OUT": findmnt_out, "FAKE_EFI_STATE": str(state)}
        return dict(root=str(root), esp=str(esp), sysfs=str(sysfs), env=env, efibootmgr=efibootmgr,
                    state=state, elfs=elfs, tmp=tmp_path)


def run_setup(s, *more, env=None):
        return T.run("--root", s["root"], "--esp", s["esp"], "setup", *more, env=dict(s["env"], **(env or {})))


def argv_log(s):
        path = str(s["state"]) + ".argv"
        if not os.path.exists(path):
                return []
        return [json.loads(line) for line in open(path)]


def efivars(s):
        return json.loads(s["state"].read_text())


def entry_lines(s, *versions):
        """The add notes setup prints for freshly installed versions."""
        return ["installed %s (gzip, PVH entry 0x1000000) in %s; entry pvhboot-%s.conf (good)"
                % (v, os.path.join(s["esp"], "EFI", "pvhboot", v), v) for v in versions]


CREATE = ["--create", "--disk", "/dev/nvme9n1", "--part", "2", "--label", "pvhboot", "--loader", LOADER]


def test_setup_without_boot_entry(system):
        s = system
        r = run_setup(s, "--no-bootentry")
        assert r.returncode == 0, r.stderr
        pvh = os.path.join(s["esp"], "EFI", "pvhboot")
        no_pvh = os.path.join(s["root"], "boot", "vmlinuz-" + V4)
        assert r.stderr.splitlines() == [PREFIX + line for line in [
                "warning: skipped %s: %s: the kernel has no PVH entry note (Xen ELF note 18, "
                "XEN_ELFNOTE_PHYS32_ENTRY): it was built without CONFIG_PVH=y and cannot boot through pvhboot"
                % (V4, no_pvh),
                "installed %s (xz, PVH entry 0x1000000) in %s; entry pvhboot-%s.conf (good)"
                % (V3, os.path.join(pvh, V3), V3)] + entry_lines(s, V2) + [
                "not adding %s: older than the 2 newest kernels (KEEP=2)" % V1,
                "installed %s as %s" % (os.path.join(s["root"], "usr/lib/pvhboot/pvhboot.efi"),
                                        os.path.join(pvh, "pvhboot.efi")),
                "no UEFI boot entry made (--no-bootentry): boot %s from the firmware" % LOADER]]
        assert T.read(os.path.join(pvh, "pvhboot.efi")) == EFI
        assert sorted(os.listdir(pvh)) == sorted(["pvhboot.efi", "entries", V2, V3])
        assert sorted(os.listdir(os.path.join(pvh, "entries"))) == sorted(["pvhboot-%s.conf" % v for v in (V2, V3)])
        title = "Debian GNU/Linux 12 (bookworm)"
        assert T.read(T.entry_path(s["esp"], V2)).decode() == T.expected_entry(
                V2, options="root=UUID=1234 ro quiet", title_os=title)
        assert T.read(T.entry_path(s["esp"], V3)).decode() == T.expected_entry(
                V3, initrds=(), options="root=UUID=1234 ro quiet", title_os=title)
        assert T.read(os.path.join(pvh, V2, "vmlinux")) == s["elfs"][V2]
        assert T.read(os.path.join(pvh, V2, "initrd.img")) == b"initrd two"
        assert argv_log(s) == []
        # GRUB's files are not touched.
        assert T.read(os.path.join(s["esp"], "EFI", "debian", "grubx64.efi")) == b"MZ grub"
        # Again: nothing changes.
        before = K.tree(s["esp"])
        r = run_setup(s, "--no-bootentry", "--keep", "2")
        assert r.returncode == 0, r.stderr
        assert "pvhboot-kernel: %s is up to date" % os.path.join(pvh, "pvhboot.efi") in r.stderr.splitlines()
        assert K.tree(s["esp"]) == before


def test_setup_keep_and_tries(system):
        s = system
        T.write(os.path.join(s["root"], "etc/kernel/tries"), b"3\n")
        r = run_setup(s, "--no-bootentry", "--keep", "3")
        assert r.returncode == 0, r.stderr
        assert sorted(os.listdir(os.path.join(s["esp"], "EFI", "pvhboot", "entries"))) == \
                sorted(["pvhboot-%s+3.conf" % v for v in (V1, V2, V3)])


def test_setup_creates_the_boot_entry_once(system):
        s = system
        r = run_setup(s, "--efibootmgr", s["efibootmgr"])
        assert r.returncode == 0, r.stderr
        assert argv_log(s) == [["-v"], CREATE]
        assert r.stderr.splitlines()[-1] == (
                PREFIX + "created UEFI boot entry Boot0002 \"pvhboot\" for %s on /dev/nvme9n1 partition 2, "
                "first in BootOrder" % LOADER)
        assert efivars(s)["order"] == ["0002", "0001", "0000"]
        # A second run finds the entry (label and loader) and makes no other.
        r = run_setup(s, env={"PVHBOOT_EFIBOOTMGR": s["efibootmgr"]})
        assert r.returncode == 0, r.stderr
        assert argv_log(s) == [["-v"], CREATE, ["-v"]]
        assert r.stderr.splitlines()[-1] == (
                PREFIX + "UEFI boot entry Boot0002 \"pvhboot\" (%s) exists and is first in BootOrder" % LOADER)
        assert len(efivars(s)["entries"]) == 3
        # The user put GRUB first again: setup moves pvhboot back to the front.
        state = efivars(s)
        state["order"] = ["0001", "0000", "0002"]
        s["state"].write_text(json.dumps(state))
        r = run_setup(s, "--efibootmgr", s["efibootmgr"])
        assert r.returncode == 0, r.stderr
        assert argv_log(s)[3:] == [["-v"], ["-o", "0002,0001,0000"]]
        assert r.stderr.splitlines()[-1] == (
                PREFIX + "moved UEFI boot entry Boot0002 \"pvhboot\" first in BootOrder: 0002,0001,0000")
        assert efivars(s)["order"] == ["0002", "0001", "0000"]
        assert len(efivars(s)["entries"]) == 3


def test_setup_recognises_an_existing_entry_in_efibootmgrs_output(system):
        """The entry as real efibootmgr lists it; another label or loader is not ours."""
        s = system
        s["state"].write_text(json.dumps({"order": ["0000", "0003", "0001", "0002"], "entries": {
                "0000": ["UiApp", "FvVol(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)/FvFile(462caa21-7614-4503-836e-8ab6f4662331)"],
                "0001": ["pvhboot", "HD(1,GPT,b735c267-0000-0000-0000-000000000000,0x800,0x100000)/File(\\EFI\\BOOT\\BOOTX64.EFI)"],
                "0002": ["other", "HD(1,GPT,b735c267-0000-0000-0000-000000000000,0x800,0x100000)/File(\\EFI\\pvhboot\\pvhboot.efi)"],
                "0003": ["pvhboot", "HD(1,GPT,b735c267-0000-0000-0000-000000000000,0x800,0x100000)/File(\\EFI\\PVHBOOT\\PVHBOOT.EFI)"]}}))
        r = run_setup(s, "--efibootmgr", s["efibootmgr"])
        assert r.returncode == 0, r.stderr
        assert argv_log(s) == [["-v"], ["-o", "0003,0000,0001,0002"]]


@pytest.mark.parametrize("case", ["no-uefi", "no-efibootmgr", "not-mounted", "not-a-partition", "efivars-fail",
                                  "no-kernel-boots", "no-kernels", "no-esp", "no-efi-file", "no-cmdline"])
def test_setup_failures_change_nothing(case, system):
        s = system
        args, env = ["--efibootmgr", s["efibootmgr"]], {}
        pvh_efi = os.path.join(s["root"], "usr/lib/pvhboot/pvhboot.efi")
        if case == "no-uefi":
                os.rmdir(os.path.join(s["sysfs"], "firmware", "efi"))
                want = ("%s/firmware/efi does not exist: this system was not booted through UEFI; use "
                        "--no-bootentry and add a boot entry in the firmware" % s["sysfs"])
        elif case == "no-efibootmgr":
                args = ["--efibootmgr", str(s["tmp"] / "nowhere" / "efibootmgr")]
                want = "efibootmgr is not installed (apt-get install efibootmgr); or use --no-bootentry"
        elif case == "not-mounted":
                T.write(s["env"]["FAKE_FINDMNT_OUT"], b"/dev/sda1 /\n")
                want = "%s is not a mount point (it is on /dev/sda1, mounted at /): mount the ESP there" % s["esp"]
        elif case == "not-a-partition":
                T.write(s["env"]["FAKE_FINDMNT_OUT"], ("/dev/md0 %s\n" % s["esp"]).encode())
                want = "the ESP %s is on /dev/md0, which is not a disk partition; use --no-bootentry" % s["esp"]
        elif case == "efivars-fail":
                s["state"].write_text(json.dumps({"fail": "EFI variables are not supported on this system."}))
                want = "%s -v failed: EFI variables are not supported on this system." % s["efibootmgr"]
        elif case == "no-kernel-boots":
                for v in (V1, V2):
                        os.unlink(os.path.join(s["root"], "boot", "vmlinuz-" + v))
                os.unlink(os.path.join(s["root"], "usr/lib/modules", V3, "vmlinuz"))
                want = "none of the 1 installed kernels can boot through pvhboot (see the warnings above); nothing was set up"
        elif case == "no-kernels":
                for v in (V1, V2, V4):
                        os.unlink(os.path.join(s["root"], "boot", "vmlinuz-" + v))
                os.unlink(os.path.join(s["root"], "usr/lib/modules", V3, "vmlinuz"))
                want = "no installed kernel: nothing matches %s/boot/vmlinuz-* or %s/usr/lib/modules/*/vmlinuz" % (
                        s["root"], s["root"])
        elif case == "no-esp":
                r = T.run("--root", s["root"], "setup", "--no-bootentry", env=s["env"])
                T.assert_one_error(r, "no EFI system partition mounted: %s/boot/efi and %s/efi have no EFI directory"
                                   % (s["root"], s["root"]))
                return
        elif case == "no-efi-file":
                os.unlink(pvh_efi)
                want = "%s: No such file or directory (give pvhboot.efi with --efi PATH)" % pvh_efi
        elif case == "no-cmdline":
                os.unlink(os.path.join(s["root"], "etc/kernel/cmdline"))
                want = "no kernel command line for the system under --root"
        before, vars_before = K.tree(s["esp"]), s["state"].read_text()
        r = run_setup(s, *args, env=env)
        assert r.returncode == 1
        last = r.stderr.splitlines()[-1]
        assert last.startswith("pvhboot-kernel: error: ") and want in last, r.stderr
        if case != "no-kernel-boots":
                assert len(r.stderr.splitlines()) == 1, r.stderr
        assert K.tree(s["esp"]) == before
        assert s["state"].read_text() == vars_before
        assert [a for a in argv_log(s) if a != ["-v"]] == []


def test_setup_with_efi_option(system, tmp_path):
        s = system
        other = T.write(str(tmp_path / "built.efi"), b"MZ built here")
        r = run_setup(s, "--no-bootentry", "--efi", other)
        assert r.returncode == 0, r.stderr
        assert T.read(os.path.join(s["esp"], "EFI", "pvhboot", "pvhboot.efi")) == b"MZ built here"
        bad = T.write(str(tmp_path / "bad.efi"), b"\x7fELF")
        T.assert_one_error(run_setup(s, "--no-bootentry", "--efi", bad), "%s: not a UEFI application (no MZ header)" % bad)
