# SPDX-License-Identifier: MIT
"""The Debian package: scripts/mkdeb (what `make deb` runs) on a scratch
BUILD with a stand-in pvhboot.efi; its files, modes, control fields,
maintainer script, the extracted tool, the man pages, the unit
(systemd-analyze verify) and lintian. Run: /usr/bin/python3 -m pytest tests/host"""
import gzip
import os
import re
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_pvhboot_kernel as T  # noqa: E402

TOP = T.TOP
MKDEB = os.path.join(TOP, "scripts", "mkdeb")
EFI = b"MZ" + b"\0" * 1022

# path: mode as dpkg-deb -c shows it (symlinks: "-> target").
FILES = {
        "./etc/initramfs/post-update.d/pvhboot": "-rwxr-xr-x",
        "./etc/kernel/postinst.d/zz-pvhboot": "-rwxr-xr-x",
        "./etc/kernel/postrm.d/zz-pvhboot": "-rwxr-xr-x",
        "./usr/bin/pvhboot-mkesp": "-> ../share/pvhboot/mkesp",
        "./usr/lib/kernel/install.d/90-pvhboot.install": "-rwxr-xr-x",
        "./usr/lib/pvhboot/pvhboot.efi": "-rw-r--r--",
        "./usr/lib/systemd/system/multi-user.target.wants/pvhboot-bless-boot.service": "-> ../pvhboot-bless-boot.service",
        "./usr/lib/systemd/system/pvhboot-bless-boot.service": "-rw-r--r--",
        "./usr/sbin/pvhboot-kernel": "-rwxr-xr-x",
        "./usr/share/doc/pvhboot/changelog.gz": "-rw-r--r--",
        "./usr/share/doc/pvhboot/copyright": "-rw-r--r--",
        "./usr/share/man/man7/pvhboot.7.gz": "-rw-r--r--",
        "./usr/share/man/man8/pvhboot-kernel.8.gz": "-rw-r--r--",
        "./usr/share/pvhboot/lib.sh": "-rw-r--r--",
        "./usr/share/pvhboot/mkconf": "-rwxr-xr-x",
        "./usr/share/pvhboot/mkesp": "-rwxr-xr-x",
        "./usr/share/pvhboot/mkesp.sh": "-rwxr-xr-x",
        "./usr/share/pvhboot/mkvars.py": "-rwxr-xr-x",
}
CONFFILES = ["/etc/initramfs/post-update.d/pvhboot", "/etc/kernel/postinst.d/zz-pvhboot",
             "/etc/kernel/postrm.d/zz-pvhboot"]
# Tags lintian 2.116 (Debian 12) gives this package that are accepted:
# pvhboot-mkesp is a developer helper without a man page of its own.
# Informational and experimental ones (I:, X:) are not checked: a unit
# without an init.d script, the kernel-install plugin in /usr/lib, and
# pvhboot.efi's PE flags (when built with the real binary).
LINTIAN_ACCEPTED = {"W: pvhboot: no-manual-page [usr/bin/pvhboot-mkesp]"}


def git(*args):
        r = subprocess.run(["git", "-C", TOP] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        return r.stdout.strip() if r.returncode == 0 else None


def mkdeb(build, env=None):
        return subprocess.run([MKDEB, build], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ, **(env or {})))


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
        build = tmp_path_factory.mktemp("build")
        T.write(str(build / "pvhboot.efi"), EFI)
        r = mkdeb(str(build))
        assert r.returncode == 0, r.stderr
        path = r.stdout.strip()
        assert os.path.dirname(path) == str(build / "deb")
        assert sorted(os.listdir(str(build / "deb"))) == sorted(["root", os.path.basename(path)])
        return path


def field(deb, name):
        return subprocess.run(["dpkg-deb", "-f", deb, name], stdout=subprocess.PIPE, check=True,
                              text=True).stdout.strip()


def expected_version():
        if git("rev-parse", "--verify", "-q", "HEAD") is None:
                return "0.0~unknown"
        # Not --always: an untagged tree's bare hash (e.g. 67f0bb9) is no version.
        desc = git("describe", "--tags") or ""
        date = git("log", "-1", "--format=%cd", "--date=format:%Y%m%d")
        m = re.fullmatch(r"v?([0-9][A-Za-z0-9.+~]*)", desc)
        if m:
                return m.group(1)
        m = re.fullmatch(r"v?([0-9][A-Za-z0-9.+~]*)-([0-9]+)-g([0-9a-f]+)", desc)
        if m:
                return "%s+git%s.%s.%s" % (m.group(1), date, m.group(2), m.group(3))
        return "0.0~git%s.%s" % (date, git("rev-parse", "--short", "HEAD"))


def test_name_and_control_fields(deb):
        version = expected_version()
        assert os.path.basename(deb) == "pvhboot_%s_amd64.deb" % version
        assert re.fullmatch(r"0\.0~git[0-9]{8}\.[0-9a-f]{7,}|0\.0~unknown|[0-9].*", version)
        assert field(deb, "Package") == "pvhboot"
        assert field(deb, "Version") == version
        assert field(deb, "Architecture") == "amd64"
        assert field(deb, "Depends") == "python3, lz4, zstd"
        assert field(deb, "Recommends") == "efibootmgr, xz-utils, bzip2, lzop"
        assert re.fullmatch(r".+ <[^ ]+@[^ ]+>", field(deb, "Maintainer"))
        assert field(deb, "Description").startswith("boot Linux through the x86 PVH entry from UEFI\n")
        assert int(field(deb, "Installed-Size")) > 100


def test_files_and_modes(deb):
        listing = subprocess.run(["dpkg-deb", "-c", deb], stdout=subprocess.PIPE, check=True, text=True).stdout
        files, dirs = {}, set()
        for line in listing.splitlines():
                mode, owner, _size, _date, _time, path = line.split(None, 5)
                assert owner == "root/root", line
                if mode.startswith("d"):
                        assert mode == "drwxr-xr-x", line
                        dirs.add(path)
                elif mode.startswith("l"):
                        name, _, target = path.partition(" -> ")
                        files[name] = "-> " + target
                else:
                        files[path] = mode
        assert files == FILES
        assert "./usr/lib/systemd/system/multi-user.target.wants/" in dirs


def test_control_archive(deb, tmp_path):
        control = tmp_path / "control"
        subprocess.run(["dpkg-deb", "-e", deb, str(control)], check=True)
        assert sorted(os.listdir(str(control))) == ["conffiles", "control", "md5sums", "postinst"]
        assert open(str(control / "conffiles")).read().split() == CONFFILES
        assert os.stat(str(control / "postinst")).st_mode & 0o777 == 0o755
        postinst = open(str(control / "postinst")).read()
        # It tells the user to run setup and runs nothing itself.
        assert "echo \"pvhboot: run 'pvhboot-kernel setup' to boot this system through pvhboot" in postinst
        code = [line.strip() for line in postinst.splitlines() if line.strip() and not line.strip().startswith("#")]
        assert code == ["set -e", "if [ \"$1\" = configure ]; then", code[2], "fi", "exit 0"]
        assert code[2].startswith("echo ")
        md5 = {line.split()[1] for line in open(str(control / "md5sums"))}
        assert md5 == {p[2:] for p, m in FILES.items() if not m.startswith("->")} - {c[1:] for c in CONFFILES}


def test_extracted_tree_works(deb, tmp_path):
        root = tmp_path / "x"
        subprocess.run(["dpkg-deb", "-x", deb, str(root)], check=True)
        r = subprocess.run([str(root / "usr/sbin/pvhboot-kernel"), "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        assert r.returncode == 0 and r.stderr == ""
        assert r.stdout.startswith("pvhboot-kernel: install distribution kernels as pvhboot boot entries.\n")
        assert "  pvhboot-kernel [OPTIONS] setup [--no-bootentry]\n" in r.stdout
        assert T.read(str(root / "usr/lib/pvhboot/pvhboot.efi")) == EFI
        assert T.read(str(root / "usr/sbin/pvhboot-kernel")) == T.read(T.TOOL)
        unit = open(str(root / "usr/lib/systemd/system/pvhboot-bless-boot.service")).read()
        assert "\nExecStart=/usr/sbin/pvhboot-kernel bless\n" in unit
        assert "\nConditionKernelCommandLine=pvhboot.entry\n" in unit
        assert "\nRequires=boot-complete.target\n" in unit
        for page in ("usr/share/man/man7/pvhboot.7.gz", "usr/share/man/man8/pvhboot-kernel.8.gz"):
                source = os.path.join(TOP, "scripts", "man", os.path.basename(page)[:-3])
                assert gzip.open(str(root / page)).read() == T.read(source)
        copyright_text = open(str(root / "usr/share/doc/pvhboot/copyright")).read()
        assert "License: MIT\n Permission is hereby granted" in copyright_text


def test_unit_verifies(deb, tmp_path):
        """systemd-analyze verify on the package's tree with the host's units
        (boot-complete.target, local-fs.target, ...) next to it."""
        if shutil.which("systemd-analyze") is None or not os.path.exists("/usr/lib/systemd/system/boot-complete.target"):
                pytest.skip("no systemd-analyze or no boot-complete.target here")
        root = tmp_path / "root"
        shutil.copytree("/usr/lib/systemd/system", str(root / "usr/lib/systemd/system"), symlinks=True)
        subprocess.run(["dpkg-deb", "-x", deb, str(root)], check=True)
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", "--root=%s" % root,
                            "pvhboot-bless-boot.service"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
        # The check can fail: without the tool the unit's ExecStart is refused.
        os.unlink(str(root / "usr/sbin/pvhboot-kernel"))
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", "--root=%s" % root,
                            "pvhboot-bless-boot.service"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert r.returncode != 0 and "/usr/sbin/pvhboot-kernel is not executable" in r.stderr


def test_man_pages_render_without_warnings():
        if shutil.which("groff") is None:
                pytest.skip("groff is not installed")
        for page in ("pvhboot.7", "pvhboot-kernel.8"):
                r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", os.path.join(TOP, "scripts", "man", page)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                assert (r.returncode, r.stderr) == (0, ""), page


def test_lintian(deb):
        if shutil.which("lintian") is None:
                pytest.skip("lintian is not installed (apt-get install lintian)")
        r = subprocess.run(["lintian", "-I", "-E", "--pedantic", deb], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        tags = {line for line in r.stdout.splitlines() if line[:2] in ("E:", "W:")}
        assert tags == LINTIAN_ACCEPTED, r.stdout


def test_version_override_and_errors(tmp_path):
        build = tmp_path / "b"
        T.write(str(build / "pvhboot.efi"), EFI)
        r = mkdeb(str(build), env={"DEB_VERSION": "1.2~rc1"})
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == str(build / "deb" / "pvhboot_1.2~rc1_amd64.deb")
        assert field(r.stdout.strip(), "Version") == "1.2~rc1"
        r = mkdeb(str(build), env={"DEB_VERSION": "not a version"})
        assert r.returncode == 1
        assert r.stderr == "mkdeb: 'not a version' is not a valid Debian version (set DEB_VERSION)\n"
        r = mkdeb(str(tmp_path / "empty"))
        assert r.returncode == 1
        assert r.stderr == "mkdeb: %s/pvhboot.efi does not exist (make BUILD=%s first)\n" % (
                tmp_path / "empty", tmp_path / "empty")


def test_dpkg_installs_and_purges_it(deb, tmp_path):
        """dpkg itself, on an empty root with its own database: the postinst
        prints its one line; purge leaves nothing (the conffiles included)."""
        root = tmp_path / "root"
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates"):
                (root / d).mkdir(parents=True)
        for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
                (root / f).touch()
        dpkg = ["dpkg", "--root=%s" % root, "--force-script-chrootless", "--log=/dev/null"]
        r = subprocess.run(dpkg + ["--force-depends", "-i", deb], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        assert r.returncode == 0, r.stderr
        assert ("pvhboot: run 'pvhboot-kernel setup' to boot this system through pvhboot (again after an "
                "upgrade, to update the ESP's pvhboot.efi); see pvhboot-kernel(8)\n") in r.stdout
        installed = {os.path.relpath(os.path.join(d, f), str(root)) for d, _, fs in os.walk(str(root)) for f in fs}
        assert {p[2:] for p in FILES} <= installed
        r = subprocess.run(dpkg + ["--purge", "pvhboot"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert r.returncode == 0, r.stderr
        left = [os.path.join(d, f) for d, _, fs in os.walk(str(root)) for f in fs if "/var/lib/dpkg/" not in d + "/"]
        assert left == []
