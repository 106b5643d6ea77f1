"""Session fixtures: kernel (fetched once into build/kernel), pvhboot.efi,
per-test work dirs and serial log paths (build/test-logs/<test>.log)."""
import os
import re
import shutil
import subprocess

import pytest

import pvhharness as H


def pytest_configure(config):
    os.makedirs(H.LOGDIR, exist_ok=True)
    os.makedirs(H.WORKDIR, exist_ok=True)


@pytest.fixture(scope="session")
def test_deps():
    """Install missing packages (qemu, ovmf, mtools, ...) on fresh machines."""
    H.script("install-deps.sh", "test")


@pytest.fixture(scope="session")
def kernel(test_deps):
    """build/kernel/vmlinux (Debian cloud kernel, PVH ELF)."""
    outdir = os.path.join(H.BUILD, "kernel")
    H.script("fetch-kernel.sh", outdir)
    return os.path.join(outdir, "vmlinux")


@pytest.fixture(scope="session")
def pvhboot_efi(test_deps):
    path = os.environ.get("PVHBOOT_EFI", os.path.join(H.BUILD, "pvhboot.efi"))
    if not os.path.isfile(path):
        pytest.fail("%s not found: build it with `make` first" % path)
    return path


@pytest.fixture(scope="session")
def claim_pages_efi(test_deps):
    """build/tests/claim-pages.efi (make test-efi): takes pages at an address
    from the EFI shell and leaves them allocated."""
    path = os.environ.get("CLAIM_PAGES_EFI", os.path.join(H.BUILD, "tests", "claim-pages.efi"))
    if not os.path.isfile(path):
        pytest.fail("%s not found: build it with `make test-efi` first" % path)
    return path


@pytest.fixture(scope="session")
def probe_elf(test_deps):
    """build/probe/probe.elf, the PVH conformance probe kernel (`make probe`,
    from tests/probe/).  Skips the test where the probe does not exist in
    this tree; fails if it exists but does not build."""
    path = os.environ.get("PROBE_ELF")
    if path:
        if not os.path.isfile(path):
            pytest.fail("PROBE_ELF=%s: no such file" % path)
        return path
    path = os.path.join(H.BUILD, "probe", "probe.elf")
    if os.path.isfile(os.path.join(H.REPO, "tests", "probe", "probe.mk")):
        p = subprocess.run(["make", "-s", "-C", H.REPO, "probe"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode != 0 or not os.path.isfile(path):
            pytest.fail("`make probe` failed (%d):\n%s"
                        % (p.returncode, p.stdout.decode(errors="replace")[-3000:]))
        return path
    if os.path.isfile(path):
        return path
    pytest.skip("no probe kernel: tests/probe/probe.mk and %s do not exist" % path)


def _safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


@pytest.fixture
def work(request):
    """Fresh build/test-work/<test>/ directory."""
    d = os.path.join(H.WORKDIR, _safe(request.node.name))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


@pytest.fixture
def log_path(request):
    """build/test-logs/<test>.log: the full serial log of the test's QEMU run
    (kept for every run; failure messages print its path and tail)."""
    return os.path.join(H.LOGDIR, _safe(request.node.name) + ".log")
