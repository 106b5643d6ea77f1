# SPDX-License-Identifier: MIT
"""Boot counting on the host side: `--tries` and /etc/kernel/tries name new
entries pvhboot-VERSION+N.conf; add, remove, list and the keep rule treat
the counted names as the entry they are; `bless` renames the entry of this
boot (pvhboot.entry= on the kernel command line) as the Boot Loader
Specification's boot counting says. Run: /usr/bin/python3 -m pytest tests/host"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kernelfixtures as K  # noqa: E402
import test_pvhboot_kernel as T  # noqa: E402

OPTIONS = T.OPTIONS
V1, V2, V3 = T.V1, T.V2, T.V3
ID1 = "pvhboot-" + V1


@pytest.fixture
def esp(tmp_path):
        path = tmp_path / "esp"
        (path / "EFI").mkdir(parents=True)
        return str(path)


def entries(esp):
        return sorted(os.listdir(os.path.join(esp, "EFI", "pvhboot", "entries")))


def counted(esp, version, counter):
        return os.path.join(esp, "EFI", "pvhboot", "entries", "pvhboot-%s+%s.conf" % (version, counter))


def add(esp, tmp_path, version, *more, tag=None, check_rc=0):
        image, _ = T.tiny_kernel(tmp_path, "k-%s-%s" % (version, tag or version), tag or version)
        return T.run("--esp", esp, "--options", OPTIONS, *more, "add", version, image, check_rc=check_rc)


# --- naming --------------------------------------------------------------------

def test_tries_option_names_the_new_entry(esp, tmp_path):
        r = add(esp, tmp_path, V1, "--tries", "3")
        assert "; entry pvhboot-%s+3.conf (3 tries left)" % V1 in r.stderr
        assert entries(esp) == ["pvhboot-%s+3.conf" % V1]
        assert T.read(counted(esp, V1, 3)).decode() == T.expected_entry(V1, initrds=())
        r = T.run("--esp", esp, "list", check_rc=0)
        assert r.stdout == "%s\t/EFI/pvhboot/entries/pvhboot-%s+3.conf\tok\t3 tries left\n" % (V1, V1)


def test_tries_from_etc_kernel_tries(esp, tmp_path):
        root = tmp_path / "root"
        T.write(str(root / "etc/kernel/cmdline"), b"quiet")
        T.write(str(root / "etc/kernel/tries"), b"5\n")
        image, _ = T.tiny_kernel(tmp_path, "k", "k")
        T.run("--esp", esp, "--root", root, "add", V1, image, check_rc=0)
        assert entries(esp) == ["pvhboot-%s+5.conf" % V1]
        # --tries wins over the file.
        T.run("--esp", esp, "--root", root, "--tries", "2", "add", V2, image, check_rc=0)
        assert entries(esp) == sorted(["pvhboot-%s+5.conf" % V1, "pvhboot-%s+2.conf" % V2])
        for bad in (b"three\n", b"0\n", b"1234567890\n", b""):
                T.write(str(root / "etc/kernel/tries"), bad)
                T.assert_one_error(T.run("--esp", esp, "--root", root, "add", V3, image),
                                   "/etc/kernel/tries=%s: give a whole number of tries from 1 to 999999999"
                                   % bad.decode().strip())
        assert entries(esp) == sorted(["pvhboot-%s+5.conf" % V1, "pvhboot-%s+2.conf" % V2])


def test_bad_tries_option(esp, tmp_path):
        image, _ = T.tiny_kernel(tmp_path, "k", "k")
        T.assert_one_error(T.run("--esp", esp, "--tries", "-1", "add", V1, image), "--tries=-1: give a whole number")
        T.assert_one_error(T.run("--esp", esp, "--tries", "x", "add", V1, image), "--tries=x: give a whole number")
        assert K.tree(esp) == {"EFI": "dir"}


def test_no_tries_means_no_counter(esp, tmp_path):
        add(esp, tmp_path, V1)
        assert entries(esp) == ["pvhboot-%s.conf" % V1]


def test_version_that_ends_like_a_counter_is_refused(esp, tmp_path):
        for version in ("6.1+5", "6.1+5-2"):
                image, _ = T.tiny_kernel(tmp_path, "k", "k")
                T.assert_one_error(T.run("--esp", esp, "--options", OPTIONS, "add", version, image),
                                   "bad kernel version %r: it ends like a boot counter" % version)
        # A "+" that is not a counter is a version like any other.
        add(esp, tmp_path, "6.1.0+")
        add(esp, tmp_path, "6.1+rc1")
        assert entries(esp) == sorted(["pvhboot-6.1+rc1.conf", "pvhboot-6.1.0+.conf"])


def test_entry_name_parsing_matches_pvhboots():
        """The cases efi/core/boot_entries.c's entry_name_parse() decides."""
        tool = T.load_tool_module()
        p = tool.parse_entry_name
        assert p("pvhboot-6.1.conf") == ("pvhboot-6.1", None, 0)
        assert p("pvhboot-6.1+3.conf") == ("pvhboot-6.1", 3, 0)
        assert p("pvhboot-6.1+2-1.conf") == ("pvhboot-6.1", 2, 1)
        assert p("pvhboot-6.1+0-3.CONF") == ("pvhboot-6.1", 0, 3)
        assert p("a+1+2.conf") == ("a+1", 2, 0)                  # the last "+" only
        assert p("a+1-2+x.conf") == ("a+1-2+x", None, 0)        # not a counter: part of the ID
        assert p("a+1-2-3.conf") == ("a+1-2-3", None, 0)
        assert p("a+1-.conf") == ("a+1-", None, 0)
        assert p("a+1234567890.conf") == ("a+1234567890", None, 0)     # ten digits
        assert p("a+123456789-123456789.conf") == ("a", 123456789, 123456789)
        assert p("a.txt") is None
        assert [tool.counter_state(n) for n in ("a.conf", "a+1.conf", "a+3.conf", "a+2-1.conf",
                                                 "a+0.conf", "a+0-3.conf")] == \
                ["good", "1 try left", "3 tries left", "2 tries left, 1 done", "bad: 0 left, 0 done",
                 "bad: 0 left, 3 done"]


# --- re-adding -----------------------------------------------------------------

def test_readding_an_unchanged_kernel_keeps_its_counter(esp, tmp_path):
        add(esp, tmp_path, V1, "--tries", "3")
        # pvhboot booted it once: +3 -> +2-1.
        os.rename(counted(esp, V1, 3), counted(esp, V1, "2-1"))
        before = K.tree(esp)
        r = add(esp, tmp_path, V1, "--tries", "3")
        assert "%s is already installed with these files and options" % V1 in r.stderr
        assert K.tree(esp) == before
        # Blessed good, then re-added unchanged (update-initramfs -u with the same
        # initrd, the second hook of a Debian + kernel-install system): stays good.
        os.rename(counted(esp, V1, "2-1"), T.entry_path(esp, V1))
        add(esp, tmp_path, V1, "--tries", "3")
        assert entries(esp) == ["pvhboot-%s.conf" % V1]


@pytest.mark.parametrize("old", ["+2-1", "+0-3", "", "+3"])
def test_readding_a_changed_kernel_replaces_the_entry_whatever_its_counter(old, esp, tmp_path):
        add(esp, tmp_path, V1, tag="one")
        os.rename(T.entry_path(esp, V1), T.entry_path(esp, V1).replace(".conf", old + ".conf"))
        r = add(esp, tmp_path, V1, "--tries", "3", tag="two")
        assert "; entry pvhboot-%s+3.conf (3 tries left)" % V1 in r.stderr
        assert entries(esp) == ["pvhboot-%s+3.conf" % V1]
        # Without tries the changed kernel's entry is plain again.
        add(esp, tmp_path, V1, tag="three")
        assert entries(esp) == ["pvhboot-%s.conf" % V1]


def test_two_files_for_one_version_become_one(esp, tmp_path):
        """A power cut between writing the new entry and deleting the old."""
        add(esp, tmp_path, V1, tag="one")
        T.write(counted(esp, V1, "1-2"), T.read(T.entry_path(esp, V1)))
        add(esp, tmp_path, V1, "--tries", "4", tag="one")
        assert entries(esp) == ["pvhboot-%s+4.conf" % V1]


# --- remove, keep, list -------------------------------------------------------------

def test_keep_prunes_counted_entries(esp, tmp_path):
        add(esp, tmp_path, V1, "--tries", "3", "--keep", "2")
        os.rename(counted(esp, V1, 3), counted(esp, V1, "0-3"))
        add(esp, tmp_path, V2, "--tries", "3", "--keep", "2")
        os.rename(counted(esp, V2, 3), counted(esp, V2, "2-1"))
        r = add(esp, tmp_path, V3, "--tries", "3", "--keep", "2")
        assert "removed %s (keeping the 2 newest kernels)" % V1 in r.stderr
        assert entries(esp) == sorted(["pvhboot-%s+3.conf" % V3, "pvhboot-%s+2-1.conf" % V2])
        assert sorted(os.listdir(os.path.join(esp, "EFI", "pvhboot"))) == sorted(["entries", V2, V3])
        r = T.run("--esp", esp, "list", check_rc=0)
        assert r.stdout == ("%s\t/EFI/pvhboot/entries/pvhboot-%s+3.conf\tok\t3 tries left\n"
                            "%s\t/EFI/pvhboot/entries/pvhboot-%s+2-1.conf\tok\t2 tries left, 1 done\n"
                            % (V3, V3, V2, V2))


@pytest.mark.parametrize("counter", ["+3", "+0-3", "+1-2"])
def test_remove_counted_entry(counter, esp, tmp_path):
        add(esp, tmp_path, V1, "--tries", "3")
        add(esp, tmp_path, V2)
        os.rename(counted(esp, V1, 3), T.entry_path(esp, V1).replace(".conf", counter + ".conf"))
        r = T.run("--esp", esp, "remove", V1, check_rc=0)
        assert "removed %s" % V1 in r.stderr
        assert entries(esp) == ["pvhboot-%s.conf" % V2]
        assert not os.path.exists(T.version_dir(esp, V1))


def test_list_shows_bad_and_good(esp, tmp_path):
        add(esp, tmp_path, V1, "--tries", "3")
        os.rename(counted(esp, V1, 3), counted(esp, V1, "0-3"))
        add(esp, tmp_path, V2)
        r = T.run("--esp", esp, "list", check_rc=0)
        assert r.stdout == ("%s\t/EFI/pvhboot/entries/pvhboot-%s.conf\tok\tgood\n"
                            "%s\t/EFI/pvhboot/entries/pvhboot-%s+0-3.conf\tok\tbad: 0 left, 3 done\n"
                            % (V2, V2, V1, V1))


# --- bless -----------------------------------------------------------------------

def cmdline(tmp_path, text):
        return T.write(str(tmp_path / "cmdline"), text.encode())


def bless(esp, tmp_path, text, *more):
        return T.run("--esp", esp, "bless", "--cmdline-file", cmdline(tmp_path, text), *more)


@pytest.fixture
def booted(esp, tmp_path):
        """V1 counted with 3 tries, after pvhboot booted it once (+2-1)."""
        add(esp, tmp_path, V1, "--tries", "3")
        os.rename(counted(esp, V1, 3), counted(esp, V1, "2-1"))
        return "root=/dev/vda2 ro pvhboot.entry=%s quiet\n" % ID1


def test_bless_good(esp, tmp_path, booted):
        content = T.read(counted(esp, V1, "2-1"))
        r = bless(esp, tmp_path, booted)
        assert r.returncode == 0, r.stderr
        assert r.stderr == "pvhboot-kernel: marked %s good: renamed %s+2-1.conf to %s.conf\n" % (ID1, ID1, ID1)
        assert entries(esp) == ["%s.conf" % ID1]
        assert T.read(T.entry_path(esp, V1)) == content
        # Again: already good, nothing changes.
        before = K.tree(esp)
        r = bless(esp, tmp_path, booted)
        assert r.returncode == 0, r.stderr
        assert r.stderr == "pvhboot-kernel: %s is already good (%s.conf has no boot counter)\n" % (ID1, ID1)
        assert K.tree(esp) == before


def test_bless_bad(esp, tmp_path, booted):
        r = bless(esp, tmp_path, booted, "--bad")
        assert r.returncode == 0, r.stderr
        assert r.stderr == "pvhboot-kernel: marked %s bad: renamed %s+2-1.conf to %s+0-1.conf\n" % (ID1, ID1, ID1)
        assert entries(esp) == ["%s+0-1.conf" % ID1]
        r = bless(esp, tmp_path, booted, "--bad")
        assert r.returncode == 0 and r.stderr == "pvhboot-kernel: %s is already marked bad (%s+0-1.conf)\n" % (ID1, ID1)
        # A bad entry that booted after all (the fallback) can still be blessed.
        r = bless(esp, tmp_path, booted)
        assert r.returncode == 0 and entries(esp) == ["%s.conf" % ID1]
        # An uncounted entry marked bad by hand: no DONE to keep.
        r = bless(esp, tmp_path, booted, "--bad")
        assert r.stderr == "pvhboot-kernel: marked %s bad: renamed %s.conf to %s+0.conf\n" % (ID1, ID1, ID1)
        assert entries(esp) == ["%s+0.conf" % ID1]


def test_bless_without_pvhboot_entry_word(esp, tmp_path, booted):
        before = K.tree(esp)
        for bad in ("", "--bad"):
                r = bless(esp, tmp_path, "BOOT_IMAGE=/vmlinuz root=/dev/vda2 pvhboot.timing\n", *([bad] if bad else []))
                assert r.returncode == 0, r.stderr
                assert r.stderr == ("pvhboot-kernel: no pvhboot.entry= on the kernel command line (%s): pvhboot "
                                    "did not boot this system from an entry; nothing to do\n" % (tmp_path / "cmdline"))
        assert K.tree(esp) == before


def test_bless_entry_gone(esp, tmp_path, booted):
        os.unlink(counted(esp, V1, "2-1"))
        before = K.tree(esp)
        T.assert_one_error(bless(esp, tmp_path, booted),
                           "%s: no entry %s.conf or %s+LEFT[-DONE].conf (removed since this boot?); "
                           "nothing was marked" % (os.path.join(esp, "EFI", "pvhboot", "entries"), ID1, ID1))
        assert K.tree(esp) == before


def test_bless_takes_the_last_word_and_checks_it(esp, tmp_path, booted):
        add(esp, tmp_path, V2, "--tries", "3")
        r = bless(esp, tmp_path, "pvhboot.entry=pvhboot-%s %s" % (V2, booted))
        assert r.returncode == 0, r.stderr
        assert entries(esp) == sorted(["%s.conf" % ID1, "pvhboot-%s+3.conf" % V2])
        before = K.tree(esp)
        for word in ("../x", "pvhboot-%s+2-1" % V2, "a/b", ""):
                T.assert_one_error(bless(esp, tmp_path, "pvhboot.entry=%s\n" % word),
                                   ": pvhboot.entry=%s is not an entry name" % word)
        assert K.tree(esp) == before


def test_bless_refuses_two_files_for_one_entry(esp, tmp_path, booted):
        T.write(counted(esp, V1, "1-2"), b"title x\n")
        before = K.tree(esp)
        T.assert_one_error(bless(esp, tmp_path, booted),
                           "several entries for %s (%s+1-2.conf, %s+2-1.conf); remove all but one"
                           % (ID1, ID1, ID1))
        assert K.tree(esp) == before


def test_bless_needs_an_esp(tmp_path, booted):
        empty = tmp_path / "empty"
        empty.mkdir()
        T.assert_one_error(T.run("--root", empty, "bless", "--cmdline-file", cmdline(tmp_path, booted)),
                           "no EFI system partition")


def test_command_options_belong_to_their_command(esp):
        T.assert_one_error(T.run("--esp", esp, "--bad", "list"), "--bad is an option of bless only")
        T.assert_one_error(T.run("--esp", esp, "--no-bootentry", "list"), "--no-bootentry is an option of setup only")
        T.assert_one_error(T.run("--esp", esp, "--cmdline-file", "x", "setup"),
                           "--cmdline-file is an option of bless only")
