# SPDX-License-Identifier: MIT
"""Host tests of scripts/pvhboot-kernel and scripts/kernel-hooks/ against a
temporary ESP directory. Run: /usr/bin/python3 -m pytest -v tests/host

The compression fixtures wrap build/kernel/vmlinux (fetched by
scripts/fetch-kernel.sh) into fake bzImages, one per format; the extracted
vmlinux must be byte-identical to it. Every failure must be exactly one
"pvhboot-kernel: error: ..." line, a non-zero status and an unchanged ESP."""
import importlib.machinery
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kernelfixtures as K  # noqa: E402

TOP = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(TOP, "scripts", "pvhboot-kernel")
HOOKS = os.path.join(TOP, "scripts", "kernel-hooks")
KERNEL_DIR = os.path.join(TOP, "build", "kernel")
OPTIONS = "console=ttyS0 root=/dev/vda2 ro"
V1, V2, V3 = "6.1.0-9-amd64", "6.1.0-10-amd64", "6.1.0-11-amd64"   # 9 < 10 < 11


def load_tool_module():
        loader = importlib.machinery.SourceFileLoader("pvhboot_kernel", TOOL)
        spec = importlib.util.spec_from_loader("pvhboot_kernel", loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        return module


def run(*args, env=None, check_rc=None):
        full_env = dict(os.environ)
        full_env.pop("PVHBOOT_ESP", None)
        full_env.update(env or {})
        r = subprocess.run([TOOL] + [str(a) for a in args], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=full_env)
        if check_rc is not None:
                assert r.returncode == check_rc, r.stderr
        return r


def assert_one_error(r, *fragments):
        """Non-zero status and exactly one 'pvhboot-kernel: error:' line."""
        assert r.returncode != 0, r.stderr
        lines = r.stderr.splitlines()
        assert len(lines) == 1, r.stderr
        assert lines[0].startswith("pvhboot-kernel: error: "), lines[0]
        for fragment in fragments:
                assert fragment in lines[0], lines[0]
        return lines[0]


def entry_path(esp, version):
        return os.path.join(esp, "EFI", "pvhboot", "entries", "pvhboot-%s.conf" % version)


def version_dir(esp, version):
        return os.path.join(esp, "EFI", "pvhboot", version)


def read(path):
        with open(path, "rb") as f:
                return f.read()


def write(path, data):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
                f.write(data)
        return path


def os_pretty_name():
        for path in ("/etc/os-release", "/usr/lib/os-release"):
                if os.path.exists(path):
                        for line in open(path):
                                if line.startswith("PRETTY_NAME="):
                                        return line.split("=", 1)[1].strip().strip('"\'')
        return "Linux"


def expected_entry(version, initrds=("initrd.img",), options=OPTIONS, title_os=None):
        lines = ["# written by pvhboot-kernel; rewritten when this kernel is installed again",
                 "title   %s, Linux %s" % (title_os or os_pretty_name(), version),
                 "version %s" % version,
                 "linux   /EFI/pvhboot/%s/vmlinux" % version]
        lines += ["initrd  /EFI/pvhboot/%s/%s" % (version, i) for i in initrds]
        if options:
                lines.append("options %s" % options)
        return "\n".join(lines) + "\n"


@pytest.fixture
def esp(tmp_path):
        path = tmp_path / "esp"
        (path / "EFI").mkdir(parents=True)
        return str(path)


@pytest.fixture
def initrd(tmp_path):
        return write(str(tmp_path / "initrd.img"), b"070701 fake initrd\n" * 100)


@pytest.fixture(scope="session")
def vmlinux():
        """Debian's cloud vmlinux (ELF with the PVH note) and its bzImage."""
        path = os.path.join(KERNEL_DIR, "vmlinux")
        if not os.path.exists(path) or not os.path.exists(os.path.join(KERNEL_DIR, "vmlinuz")):
                subprocess.run([os.path.join(TOP, "scripts", "fetch-kernel.sh"), KERNEL_DIR], check=True)
        return path


@pytest.fixture(scope="session")
def vmlinux_data(vmlinux):
        return read(vmlinux)


def tiny_kernel(tmp_path, name, tag, bz="gzip", pvh=True):
        """A few-KiB PVH ELF (distinct per tag) in a gzip bzImage, or bare."""
        elf = K.tiny_pvh_elf(tag.encode(), pvh=pvh)
        data = elf if bz is None else K.fake_bzimage(K.compress(bz, elf))
        return write(str(tmp_path / name), data), elf


# --- extraction ----------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(K.COMPRESSORS))
def test_each_compression_extracts_the_identical_vmlinux(fmt, vmlinux_data, esp, initrd, tmp_path):
        image = write(str(tmp_path / "vmlinuz"), K.fake_bzimage(K.compress(fmt, vmlinux_data)))
        r = run("--esp", esp, "--options", OPTIONS, "add", V1, image, initrd, check_rc=0)
        name = fmt.split("+")[0]
        assert "installed %s (%s, PVH entry 0x" % (V1, {"gzip": "gzip"}.get(name, name)) in r.stderr
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == vmlinux_data
        assert read(os.path.join(version_dir(esp, V1), "initrd.img")) == read(initrd)
        assert read(entry_path(esp, V1)).decode() == expected_entry(V1)


def test_debian_vmlinuz_lz4(vmlinux, esp, initrd):
        r = run("--esp", esp, "--options", OPTIONS, "add", V1,
                os.path.join(KERNEL_DIR, "vmlinuz"), initrd, check_rc=0)
        assert "(lz4, PVH entry 0x1000850)" in r.stderr
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == read(vmlinux)


def test_extract_writes_the_vmlinux(vmlinux, tmp_path):
        """`extract`, as fetch-kernel.sh and mkdebian use it: the same ELF
        from the bzImage or from the ELF itself; nothing written on error."""
        for src, how in ((os.path.join(KERNEL_DIR, "vmlinuz"), "lz4"), (vmlinux, "ELF")):
                out = str(tmp_path / ("out-" + how))
                r = run("extract", src, out, check_rc=0)
                assert "(%d bytes, %s, PVH entry 0x" % (os.path.getsize(vmlinux), how) in r.stderr, r.stderr
                assert read(out) == read(vmlinux)
        bad = write(str(tmp_path / "notes.txt"), b"just some text\n" * 100)
        assert_one_error(run("extract", bad, str(tmp_path / "never")), "not an ELF vmlinux nor a bzImage")
        assert not [n for n in os.listdir(tmp_path) if n.startswith("never")]


def test_elf_is_taken_as_is(vmlinux, esp):
        run("--esp", esp, "--options", OPTIONS, "add", V1, vmlinux, check_rc=0)
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == read(vmlinux)
        # No initrd given and none in /boot of the (empty) root: no initrd line.
        assert sorted(os.listdir(version_dir(esp, V1))) == ["vmlinux"]


def test_setup_sects_zero_means_four(esp, tmp_path):
        elf = K.tiny_pvh_elf(b"four")
        image = write(str(tmp_path / "vmlinuz"), K.fake_bzimage(K.compress("zstd", elf), setup_sects=0))
        run("--esp", esp, "--options", OPTIONS, "--root", str(tmp_path), "add", V1, image, check_rc=0)
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == elf


# --- refused kernels -----------------------------------------------------------

def test_kernel_without_pvh_note_names_config_pvh(vmlinux_data, esp, tmp_path):
        no_pvh = K.without_pvh_note(vmlinux_data)
        # The fixture must be what it claims: the project's own checker refuses it.
        checker = subprocess.run([sys.executable, os.path.join(TOP, "scripts", "elfnote.py"),
                                  write(str(tmp_path / "no-pvh"), no_pvh)], capture_output=True)
        assert checker.returncode == 1
        before = K.tree(esp)
        for image in (str(tmp_path / "no-pvh"),
                      write(str(tmp_path / "no-pvh.bz"), K.fake_bzimage(K.compress("lz4", no_pvh)))):
                r = run("--esp", esp, "--options", OPTIONS, "add", V1, image)
                assert_one_error(r, "built without CONFIG_PVH=y", "XEN_ELFNOTE_PHYS32_ENTRY", image)
        assert K.tree(esp) == before


def test_not_a_bzimage(esp, tmp_path):
        image = write(str(tmp_path / "notes.txt"), b"just some text\n" * 100)
        r = run("--esp", esp, "--options", OPTIONS, "add", V1, image)
        assert_one_error(r, "%s: not an ELF vmlinux nor a bzImage (no \"HdrS\" setup header at 0x202)" % image)
        assert K.tree(esp) == {"EFI": "dir"}


def test_old_boot_protocol_has_no_payload(esp, tmp_path):
        payload = K.compress("gzip", K.tiny_pvh_elf())
        image = write(str(tmp_path / "old"), K.fake_bzimage(payload, protocol=0x0207))
        assert_one_error(run("--esp", esp, "--options", OPTIONS, "add", V1, image),
                         "boot protocol 2.07 has no payload fields (2.08 or later needed)")


def test_payload_past_end_of_file(esp, tmp_path):
        payload = K.compress("gzip", K.tiny_pvh_elf())
        # 4096 bytes of code follow the payload: one more is past the end.
        image = write(str(tmp_path / "long"),
                      K.fake_bzimage(payload, payload_length=len(payload) + 4097))
        assert_one_error(run("--esp", esp, "--options", OPTIONS, "add", V1, image),
                         "runs past the end of the file")
        image = write(str(tmp_path / "far"), K.fake_bzimage(payload, header_offset=0xfffffff0))
        assert_one_error(run("--esp", esp, "--options", OPTIONS, "add", V1, image),
                         "runs past the end of the file")


def test_unknown_compression(esp, tmp_path):
        image = write(str(tmp_path / "odd"), K.fake_bzimage(b"\x01\x02\x03\x04\x05\x06" * 10))
        assert_one_error(run("--esp", esp, "--options", OPTIONS, "add", V1, image),
                         "unknown bzImage payload compression (magic 010203040506)")


def test_corrupt_payload(esp, tmp_path):
        payload = bytearray(K.compress("xz", K.tiny_pvh_elf(b"x" * 5000)))
        payload[40] ^= 0xff
        image = write(str(tmp_path / "corrupt"), K.fake_bzimage(bytes(payload)))
        assert_one_error(run("--esp", esp, "--options", OPTIONS, "add", V1, image),
                         "xz decompression of the bzImage payload failed: ")


def test_recorded_size_mismatch(esp, tmp_path):
        elf = K.tiny_pvh_elf()
        payload = K.compress("zstd", elf)[:-4] + struct.pack("<I", len(elf) + 1)
        image = write(str(tmp_path / "size"), K.fake_bzimage(payload))
        assert_one_error(run("--esp", esp, "--options", OPTIONS, "add", V1, image),
                         "zstd payload decompressed to %d bytes, the bzImage records %d"
                         % (len(elf), len(elf) + 1))


def test_payload_that_is_not_elf(esp, tmp_path):
        image = write(str(tmp_path / "text"), K.fake_bzimage(K.compress("lz4", b"hello " * 100)))
        assert_one_error(run("--esp", esp, "--options", OPTIONS, "add", V1, image),
                         "the lz4 payload is not an ELF vmlinux")


def test_truncated_elf(vmlinux_data, esp, tmp_path):
        image = write(str(tmp_path / "cut"), vmlinux_data[:len(vmlinux_data) // 2])
        assert_one_error(run("--esp", esp, "--options", OPTIONS, "add", V1, image),
                         "truncated ELF (a segment runs past the end of the file)")


@pytest.mark.parametrize("version", ["../evil", "a/b", "entries", "", "-x", "6.1 rt", "6.1\\x"])
def test_bad_version(version, esp, tmp_path):
        image, _ = tiny_kernel(tmp_path, "k", "v")
        r = run("--esp", esp, "--options", OPTIONS, "add", "--", version, image)
        assert_one_error(r, "bad kernel version")
        assert K.tree(esp) == {"EFI": "dir"}


@pytest.mark.parametrize("options,fragment", [
        ("root=/dev/vda1 quiet\u00e9", "printable ASCII"),
        ("x" * 2048, "2048 bytes, Linux takes at most 2047"),
])
def test_bad_options(options, fragment, esp, tmp_path):
        image, _ = tiny_kernel(tmp_path, "k", "v")
        assert_one_error(run("--esp", esp, "--options", options, "add", V1, image), fragment)


def test_usage_errors(esp):
        assert_one_error(run("--esp", esp), "no command")
        assert_one_error(run("--esp", esp, "frobnicate"), "usage: ")
        assert_one_error(run("--esp", esp, "remove"), "usage: ")
        assert_one_error(run("--esp", esp, "--keep", "0", "list"), "--keep=0: give a whole number")
        assert_one_error(run("--bogus", "list"), "unknown option --bogus")
        assert_one_error(run("--esp", os.path.join(esp, "nope"), "list"), "not a directory")
        assert_one_error(run("--esp", esp, "add", V1, os.path.join(esp, "nope")), "no such kernel image")


# --- entries, idempotence, keep, remove, list -------------------------------------

def test_add_twice_is_idempotent(esp, initrd, tmp_path):
        image, elf = tiny_kernel(tmp_path, "vmlinuz", "one")
        run("--esp", esp, "--options", OPTIONS, "add", V1, image, initrd, check_rc=0)
        first = K.tree(esp)
        mtimes = {p: os.stat(os.path.join(esp, p)).st_mtime_ns for p in first}
        r = run("--esp", esp, "--options", OPTIONS, "add", V1, image, initrd, check_rc=0)
        assert "%s is already installed with these files and options" % V1 in r.stderr
        assert K.tree(esp) == first
        assert {p: os.stat(os.path.join(esp, p)).st_mtime_ns for p in first} == mtimes
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == elf


def test_add_again_with_new_files_replaces_them(esp, initrd, tmp_path):
        image, _ = tiny_kernel(tmp_path, "vmlinuz", "one")
        run("--esp", esp, "--options", OPTIONS, "add", V1, image, initrd, check_rc=0)
        image2, elf2 = tiny_kernel(tmp_path, "vmlinuz2", "two")
        run("--esp", esp, "--options", "quiet", "add", V1, image2, check_rc=0)
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == elf2
        # The initrd it no longer has is gone with it.
        assert sorted(os.listdir(version_dir(esp, V1))) == ["vmlinux"]
        assert read(entry_path(esp, V1)).decode() == expected_entry(V1, initrds=(), options="quiet")


def test_several_initrds_in_order(esp, tmp_path):
        image, _ = tiny_kernel(tmp_path, "vmlinuz", "one")
        rds = [write(str(tmp_path / ("rd%d" % n)), b"rd%d" % n) for n in range(3)]
        run("--esp", esp, "--options", OPTIONS, "add", V1, image, *rds, check_rc=0)
        names = ("initrd.img", "initrd2.img", "initrd3.img")
        assert read(entry_path(esp, V1)).decode() == expected_entry(V1, initrds=names)
        for rd, name in zip(rds, names):
                assert read(os.path.join(version_dir(esp, V1), name)) == read(rd)


def test_keep_two_of_three(esp, tmp_path):
        images = {v: tiny_kernel(tmp_path, v, v)[0] for v in (V1, V2, V3)}
        # Installed out of order: 10, 9, 11. Version order, not install order,
        # decides (a string sort would keep 9 over 10 and 11).
        for v in (V2, V1, V3):
                run("--esp", esp, "--options", OPTIONS, "--keep", "2", "add", v, images[v], check_rc=0)
        r = run("--esp", esp, "list", check_rc=0)
        assert [line.split("\t")[0] for line in r.stdout.splitlines()] == [V3, V2]
        assert not os.path.exists(version_dir(esp, V1))
        assert not os.path.exists(entry_path(esp, V1))
        assert sorted(os.listdir(os.path.join(esp, "EFI", "pvhboot"))) == sorted(["entries", V2, V3])


def test_older_kernel_than_the_kept_ones_is_not_added(esp, tmp_path):
        for v in (V2, V3):
                run("--esp", esp, "--options", OPTIONS, "--keep", "2", "add", v,
                    tiny_kernel(tmp_path, v, v)[0], check_rc=0)
        before = K.tree(esp)
        r = run("--esp", esp, "--options", OPTIONS, "--keep", "2", "add", V1,
                tiny_kernel(tmp_path, V1, V1)[0], check_rc=0)
        assert "%s is older than the 2 newest kernels on the ESP (KEEP=2); not added" % V1 in r.stderr
        assert K.tree(esp) == before


def test_keep_from_etc_default(esp, tmp_path):
        root = tmp_path / "root"
        write(str(root / "etc/default/pvhboot"), b"# pvhboot-kernel\nKEEP=\"1\"\n")
        write(str(root / "etc/kernel/cmdline"), b"root=/dev/vda2\n  quiet\n")
        for v in (V1, V2):
                run("--esp", esp, "--root", root, "add", v, tiny_kernel(tmp_path, v, v)[0], check_rc=0)
        assert os.listdir(os.path.join(esp, "EFI", "pvhboot", "entries")) == ["pvhboot-%s.conf" % V2]
        assert read(entry_path(esp, V2)).decode().endswith("options root=/dev/vda2 quiet\n")
        write(str(root / "etc/default/pvhboot"), b"KEEP=none\n")
        assert_one_error(run("--esp", esp, "--root", root, "add", V3, tiny_kernel(tmp_path, V3, V3)[0]),
                         "pvhboot:1: KEEP=none")


def test_running_kernel_is_never_pruned(esp, tmp_path):
        running = os.uname().release
        newer = "999.0-1-amd64"
        for v in (running, newer):
                run("--esp", esp, "--options", OPTIONS, "--keep", "1", "add", v,
                    tiny_kernel(tmp_path, "k-" + v, v)[0], check_rc=0)
        assert os.path.exists(entry_path(esp, running)) and os.path.exists(entry_path(esp, newer))


def test_remove(esp, tmp_path):
        for v in (V1, V2):
                run("--esp", esp, "--options", OPTIONS, "add", v, tiny_kernel(tmp_path, v, v)[0], check_rc=0)
        keep = {p: h for p, h in K.tree(esp).items() if V1 not in p}
        r = run("--esp", esp, "remove", V1, check_rc=0)
        assert "removed %s" % V1 in r.stderr
        assert K.tree(esp) == keep
        r = run("--esp", esp, "remove", V1, check_rc=0)
        assert "%s has no pvhboot entry; nothing to remove" % V1 in r.stderr


def test_remove_finds_an_entry_renamed_for_boot_counting(esp, tmp_path):
        run("--esp", esp, "--options", OPTIONS, "add", V1, tiny_kernel(tmp_path, V1, V1)[0], check_rc=0)
        counted = entry_path(esp, V1).replace(".conf", "+2-1.conf")
        os.rename(entry_path(esp, V1), counted)
        r = run("--esp", esp, "list", check_rc=0)
        assert r.stdout == "%s\t/EFI/pvhboot/entries/pvhboot-%s+2-1.conf\tok\t2 tries left, 1 done\n" % (V1, V1)
        run("--esp", esp, "remove", V1, check_rc=0)
        assert os.listdir(os.path.join(esp, "EFI", "pvhboot", "entries")) == []


def test_list_reports_missing_files(esp, tmp_path, initrd):
        run("--esp", esp, "--options", OPTIONS, "add", V1, tiny_kernel(tmp_path, V1, V1)[0], initrd, check_rc=0)
        run("--esp", esp, "--options", OPTIONS, "add", V2, tiny_kernel(tmp_path, V2, V2)[0], check_rc=0)
        os.unlink(os.path.join(version_dir(esp, V1), "initrd.img"))
        r = run("--esp", esp, "list", check_rc=0)
        assert r.stdout == ("%s\t/EFI/pvhboot/entries/pvhboot-%s.conf\tok\tgood\n"
                            "%s\t/EFI/pvhboot/entries/pvhboot-%s.conf\tmissing /EFI/pvhboot/%s/initrd.img\tgood\n"
                            % (V2, V2, V1, V1, V1))


# --- where things are found -------------------------------------------------------

def test_kernel_and_initrd_found_in_boot_and_usr_lib_modules(tmp_path):
        root = tmp_path / "root"
        esp = root / "boot" / "efi"
        (esp / "EFI").mkdir(parents=True)
        write(str(root / "etc/kernel/cmdline"), OPTIONS.encode())
        # The title names the system under --root, not this machine.
        write(str(root / "usr/lib/os-release"), b'NAME="Test"\nPRETTY_NAME="Test OS 1"\n')
        _, elf1 = tiny_kernel(root / "boot", "vmlinuz-" + V1, V1)
        write(str(root / "boot" / ("initrd.img-" + V1)), b"initrd one")
        _, elf2 = tiny_kernel(root / "usr/lib/modules" / V2, "vmlinuz", V2, bz="xz")
        # No --esp: ROOT/boot/efi is the ESP.
        run("--root", root, "add", V1, check_rc=0)
        run("--root", root, "add", V2, check_rc=0)
        assert read(os.path.join(version_dir(str(esp), V1), "vmlinux")) == elf1
        assert read(os.path.join(version_dir(str(esp), V1), "initrd.img")) == b"initrd one"
        assert read(os.path.join(version_dir(str(esp), V2), "vmlinux")) == elf2
        assert read(entry_path(str(esp), V2)).decode() == expected_entry(V2, initrds=(), title_os="Test OS 1")
        r = run("--root", root, "add", V3)
        assert_one_error(r, "no kernel image for %s: neither " % V3, "/usr/lib/modules/%s/vmlinuz" % V3)


def test_esp_lookup_order(tmp_path):
        root = tmp_path / "root"
        write(str(root / "etc/kernel/cmdline"), b"quiet")
        image, _ = tiny_kernel(tmp_path, "k", "k")
        for d in ("efi/EFI", "env/EFI", "given/EFI"):
                (tmp_path / d).mkdir(parents=True)
        (root / "efi" / "EFI").mkdir(parents=True)
        run("--root", root, "add", V1, image, check_rc=0)
        assert os.path.exists(entry_path(str(root / "efi"), V1))
        (root / "boot" / "efi" / "EFI").mkdir(parents=True)
        run("--root", root, "add", V2, image, check_rc=0)
        assert os.path.exists(entry_path(str(root / "boot" / "efi"), V2))
        run("--root", root, "add", V3, image, env={"PVHBOOT_ESP": str(tmp_path / "env")}, check_rc=0)
        assert os.path.exists(entry_path(str(tmp_path / "env"), V3))
        run("--root", root, "--esp", tmp_path / "given", "add", V3, image,
            env={"PVHBOOT_ESP": str(tmp_path / "env")}, check_rc=0)
        assert os.path.exists(entry_path(str(tmp_path / "given"), V3))
        empty = tmp_path / "empty"
        empty.mkdir()
        assert_one_error(run("--root", empty, "list"), "no EFI system partition")


def test_no_command_line_under_root_is_an_error(esp, tmp_path):
        image, _ = tiny_kernel(tmp_path, "k", "k")
        (tmp_path / "root").mkdir()
        assert_one_error(run("--esp", esp, "--root", tmp_path / "root", "add", V1, image),
                         "no kernel command line for the system under --root")


def test_command_line_from_the_running_system(esp, tmp_path):
        if os.path.exists("/etc/kernel/cmdline"):
                pytest.skip("this machine has /etc/kernel/cmdline, which comes first")
        words = open("/proc/cmdline").read().split()
        expected = " ".join(w for w in words if not w.startswith(("BOOT_IMAGE=", "initrd=", "pvhboot.")))
        image, _ = tiny_kernel(tmp_path, "k", "k")
        run("--esp", esp, "add", V1, image, check_rc=0)
        assert read(entry_path(esp, V1)).decode() == expected_entry(V1, initrds=(), options=expected)


def test_version_order():
        tool = load_tool_module()
        newest_first = ["6.10.0-1-amd64", "6.9.0-2-amd64", "6.9.0-1-amd64", "6.1.0-57-cloud-amd64",
                        "6.1.0-9-cloud-amd64", "6.1.0-rc7", "6.1.0~rc1", "6.0"]
        for compare in (tool.version_compare, tool.uapi_version_compare):
                for i, newer in enumerate(newest_first):
                        for older in newest_first[i + 1:]:
                                assert compare(newer, older) == 1, (compare.__name__, newer, older)
                                assert compare(older, newer) == -1, (compare.__name__, older, newer)
                        assert compare(newer, newer) == 0
        u = tool.uapi_version_compare
        # From the UAPI version format's examples: '~' before the end, '^'
        # after it, numbers above letters, leading zeros ignored.
        assert u("123~rc1", "123") == -1 and u("123^post1", "123") == 1
        assert u("123.a", "123.1") == -1 and u("007", "7") == 0


# --- atomicity ---------------------------------------------------------------

def run_with_file_size_limit(limit, *args):
        import resource

        def limit_file_size():
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        return subprocess.run([TOOL] + [str(a) for a in args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, preexec_fn=limit_file_size)


def test_failed_copy_leaves_everything_untouched(vmlinux, esp, initrd, tmp_path):
        """RLIMIT_FSIZE makes the copy's write() fail with EFBIG half-way
        through the kernel, after the free-space check has passed: the
        failure path the tmpfs test below reaches only at file creation."""
        run("--esp", esp, "--options", OPTIONS, "add", V1, vmlinux, initrd, check_rc=0)
        before = K.tree(esp)
        other = write(str(tmp_path / "other-initrd"), b"another initrd")
        limit = os.path.getsize(vmlinux) // 2
        # A new version, and new files for the installed one (its kernel differs).
        changed = write(str(tmp_path / "changed"), read(vmlinux)[:-1] + b"\x01")
        for args in (("add", V2, vmlinux, initrd), ("add", V1, changed, other)):
                r = run_with_file_size_limit(limit, "--esp", esp, "--options", OPTIONS, *args)
                assert_one_error(r, "a file is too large for the ESP or this process (File too large)",
                                 "nothing was changed")
                assert K.tree(esp) == before


def test_full_esp_on_a_real_file_system(vmlinux, tmp_path):
        """A size-limited tmpfs in a user and mount namespace (no root needed)."""
        probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"],
                               capture_output=True)
        if probe.returncode != 0:
                pytest.skip("no user namespaces here: %s" % probe.stderr.decode().strip())
        mnt = tmp_path / "mnt"
        mnt.mkdir()
        initrd = write(str(tmp_path / "initrd"), b"first initrd")
        other = write(str(tmp_path / "initrd2"), b"second, different initrd")
        r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount",
                            sys.executable, os.path.join(HERE, "esp_full.py"),
                            TOOL, str(mnt), vmlinux, initrd, other],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["add-first"]["rc"] == 0, out["add-first"]
        assert len(out["before"]) == 7      # EFI, pvhboot, entries, version dir, 3 files
        line = assert_one_error(subprocess.CompletedProcess([], out["full-bytes"]["rc"], "", out["full-bytes"]["stderr"]),
                                "not enough space on the ESP for 6.1.0-2-amd64", "nothing was changed")
        assert "bytes needed" in line
        for step in ("full-inodes-new", "full-inodes-same"):
                assert_one_error(subprocess.CompletedProcess([], out[step]["rc"], "", out[step]["stderr"]),
                                 "the ESP is full; nothing was changed")
        assert out["after-bytes"] == out["before"]
        assert out["after-inodes"] == out["before"]


# --- hooks -------------------------------------------------------------------

def hook_env(esp, tool=TOOL):
        return {"PVHBOOT_ESP": esp, "PVHBOOT_KERNEL": tool, "PATH": os.environ["PATH"]}


def run_hook(path, *args, env):
        return subprocess.run([path] + [str(a) for a in args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)


def expected_host_options():
        if os.path.exists("/etc/kernel/cmdline"):
                return " ".join(open("/etc/kernel/cmdline").read().split())
        return " ".join(w for w in open("/proc/cmdline").read().split()
                        if not w.startswith(("BOOT_IMAGE=", "initrd=", "pvhboot.")))


@pytest.fixture
def boot(tmp_path):
        """A /boot as Debian's kernel package and update-initramfs leave it."""
        d = tmp_path / "boot"
        _, elf = tiny_kernel(d, "vmlinuz-" + V1, V1)
        write(str(d / ("initrd.img-" + V1)), b"debian initrd")
        return d, elf


def test_debian_postinst_and_postrm_hooks(esp, boot):
        d, elf = boot
        os.mkdir(os.path.join(esp, "EFI", "pvhboot"))
        env = hook_env(esp)
        postinst = os.path.join(HOOKS, "postinst.d", "zz-pvhboot")
        postrm = os.path.join(HOOKS, "postrm.d", "zz-pvhboot")
        # run-parts --arg=$version --arg=$image_path, DEB_MAINT_PARAMS="configure ..."
        r = run_hook(postinst, V1, d / ("vmlinuz-" + V1), env=dict(env, DEB_MAINT_PARAMS="configure"))
        assert r.returncode == 0, r.stderr
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == elf
        assert read(os.path.join(version_dir(esp, V1), "initrd.img")) == b"debian initrd"
        assert read(entry_path(esp, V1)).decode() == expected_entry(V1, options=expected_host_options())
        installed = K.tree(esp)
        # The postrm of an upgrade to the same version, and of a failed install, keeps it.
        for params in ("upgrade 6.1.76-1", "abort-install", "failed-upgrade 6.1.76-1"):
                r = run_hook(postrm, V1, d / ("vmlinuz-" + V1), env=dict(env, DEB_MAINT_PARAMS=params))
                assert r.returncode == 0, r.stderr
                assert K.tree(esp) == installed
        r = run_hook(postrm, V1, d / ("vmlinuz-" + V1), env=dict(env, DEB_MAINT_PARAMS="remove"))
        assert r.returncode == 0, r.stderr
        assert not os.path.exists(version_dir(esp, V1)) and not os.path.exists(entry_path(esp, V1))
        # Purge after remove: nothing left, still success.
        r = run_hook(postrm, V1, d / ("vmlinuz-" + V1), env=dict(env, DEB_MAINT_PARAMS="purge"))
        assert r.returncode == 0 and "nothing to remove" in r.stderr


def test_debian_hook_failure_fails_the_hook(esp, tmp_path):
        os.mkdir(os.path.join(esp, "EFI", "pvhboot"))
        image, _ = tiny_kernel(tmp_path, "vmlinuz-" + V1, V1, pvh=False)
        r = run_hook(os.path.join(HOOKS, "postinst.d", "zz-pvhboot"), V1, image, env=hook_env(esp))
        assert r.returncode == 1
        assert r.stderr.splitlines()[-1].startswith("pvhboot-kernel: error: ")
        assert "CONFIG_PVH" in r.stderr


def test_hooks_do_nothing_where_pvhboot_is_not_set_up(esp, boot, tmp_path):
        d, _ = boot
        for hook, args in (("postinst.d/zz-pvhboot", (V1, d / ("vmlinuz-" + V1))),
                           ("postrm.d/zz-pvhboot", (V1,)),
                           ("install.d/90-pvhboot.install", ("add", V1, tmp_path, d / ("vmlinuz-" + V1)))):
                # ESP without EFI/pvhboot: a note, success, nothing written.
                r = run_hook(os.path.join(HOOKS, hook), *args, env=hook_env(esp))
                assert r.returncode == 0, r.stderr
                assert "pvhboot is not set up" in r.stderr
                assert K.tree(esp) == {"EFI": "dir"}
                # Tool uninstalled (the hooks in /etc stay): silent success.
                r = run_hook(os.path.join(HOOKS, hook), *args,
                             env=hook_env(esp, tool=str(tmp_path / "no-such-tool")))
                assert r.returncode == 0 and r.stderr == ""


def test_initramfs_post_update_hook_refreshes_the_initrd(esp, boot):
        d, elf = boot
        os.mkdir(os.path.join(esp, "EFI", "pvhboot"))
        env = hook_env(esp)
        run_hook(os.path.join(HOOKS, "postinst.d", "zz-pvhboot"), V1, d / ("vmlinuz-" + V1), env=env)
        write(str(d / ("initrd.img-" + V1)), b"regenerated initrd")
        r = run_hook(os.path.join(HOOKS, "initramfs-post-update.d", "pvhboot"), V1,
                     d / ("initrd.img-" + V1), env=env)
        assert r.returncode == 0, r.stderr
        assert read(os.path.join(version_dir(esp, V1), "initrd.img")) == b"regenerated initrd"
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == elf


def test_kernel_install_plugin(esp, boot, tmp_path):
        d, elf = boot
        os.mkdir(os.path.join(esp, "EFI", "pvhboot"))
        staging = tmp_path / "staging"
        write(str(staging / "microcode-intel.cpio"), b"microcode")
        write(str(staging / "initrd"), b"dracut initrd")
        extra = write(str(tmp_path / "extra.cpio"), b"extra initrd")
        plugin = os.path.join(HOOKS, "install.d", "90-pvhboot.install")
        env = dict(hook_env(esp), KERNEL_INSTALL_STAGING_AREA=str(staging))
        entry_dir = tmp_path / "entry-dir"     # systemd-boot's; pvhboot does not use it
        r = run_hook(plugin, "add", V1, entry_dir, d / ("vmlinuz-" + V1), extra, env=env)
        assert r.returncode == 0, r.stderr
        names = ("initrd.img", "initrd2.img", "initrd3.img")
        assert read(entry_path(esp, V1)).decode() == expected_entry(
                V1, initrds=names, options=expected_host_options())
        got = [read(os.path.join(version_dir(esp, V1), n)) for n in names]
        assert got == [b"microcode", b"extra initrd", b"dracut initrd"]
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == elf
        assert not entry_dir.exists()
        r = run_hook(plugin, "inspect", V1, entry_dir, env=env)
        assert r.returncode == 0
        r = run_hook(plugin, "remove", V1, entry_dir, env=env)
        assert r.returncode == 0, r.stderr
        assert not os.path.exists(version_dir(esp, V1)) and not os.path.exists(entry_path(esp, V1))


def test_kernel_install_runs_the_plugin(esp, boot, tmp_path):
        """systemd's kernel-install itself, limited to this plugin
        (KERNEL_INSTALL_PLUGINS) and a scratch BOOT_ROOT."""
        kernel_install = shutil.which("kernel-install")
        if kernel_install is None:
                pytest.skip("kernel-install is not installed")
        d, elf = boot
        os.mkdir(os.path.join(esp, "EFI", "pvhboot"))
        boot_root = tmp_path / "boot-root"
        boot_root.mkdir()
        env = dict(hook_env(esp), KERNEL_INSTALL_PLUGINS=os.path.join(HOOKS, "install.d", "90-pvhboot.install"),
                   BOOT_ROOT=str(boot_root), KERNEL_INSTALL_MACHINE_ID="0123456789abcdef0123456789abcdef",
                   KERNEL_INSTALL_CONF_ROOT=str(tmp_path / "no-conf"))
        r = run_hook(kernel_install, "add", V1, d / ("vmlinuz-" + V1), d / ("initrd.img-" + V1), env=env)
        assert r.returncode == 0, r.stderr
        assert read(os.path.join(version_dir(esp, V1), "vmlinux")) == elf
        assert read(os.path.join(version_dir(esp, V1), "initrd.img")) == b"debian initrd"
        r = run_hook(kernel_install, "remove", V1, env=env)
        assert r.returncode == 0, r.stderr
        assert not os.path.exists(entry_path(esp, V1))
