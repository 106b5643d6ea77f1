# SPDX-License-Identifier: MIT
"""Run pvhboot-kernel against a really full ESP, without root: started by
the tests under `unshare --user --map-root-user --mount`, this mounts a small
tmpfs (private to that namespace) as the ESP and prints one JSON object with
each step's exit status, stderr and the tree before and after.

Usage: esp_full.py TOOL MOUNTPOINT KERNEL INITRD OTHER_INITRD

  full-bytes   a tmpfs with room for one kernel: the second version is
               refused before anything is written (the free-space check)
  full-inodes  the same tmpfs with no inode left (nr_inodes = used): the
               space check passes and the first file the tool creates
               fails with ENOSPC, for a new version and for new files of
               the installed one
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernelfixtures import tree  # noqa: E402


def run(tool, esp, *args):
        r = subprocess.run([tool, "--esp", esp, "--options", "console=ttyS0", "--keep", "5"] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return {"rc": r.returncode, "stderr": r.stderr}


def main():
        tool, mnt, kernel, initrd, other_initrd = sys.argv[1:6]
        size = os.path.getsize(kernel)
        # Room for one copy of the kernel and the initrds, not two.
        limit = size + size // 2
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % limit, "tmpfs", mnt], check=True)
        result = {}
        os.mkdir(os.path.join(mnt, "EFI"))
        result["add-first"] = run(tool, mnt, "add", "6.1.0-1-amd64", kernel, initrd)
        result["before"] = tree(mnt)
        result["full-bytes"] = run(tool, mnt, "add", "6.1.0-2-amd64", kernel, initrd)
        result["after-bytes"] = tree(mnt)

        st = os.statvfs(mnt)
        used = st.f_files - st.f_ffree
        subprocess.run(["mount", "-o", "remount,size=%d,nr_inodes=%d" % (4 * limit, used), mnt],
                       check=True)
        result["full-inodes-new"] = run(tool, mnt, "add", "6.1.0-2-amd64", kernel, initrd)
        result["full-inodes-same"] = run(tool, mnt, "add", "6.1.0-1-amd64", kernel, other_initrd)
        result["after-inodes"] = tree(mnt)
        print(json.dumps(result))


if __name__ == "__main__":
        main()
