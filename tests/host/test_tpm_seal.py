# SPDX-License-Identifier: MIT
"""Sealing to a predicted PCR 11 and unsealing with the guest's static tool,
on the host against swtpm (no QEMU): scripts/tpm-seal seals a secret to the
PCR 11 value systemd-stub would leave after measuring some sections; swtpm
then runs on the same state directory, PCR 11 is extended the same way with
tpm2_pcrextend and build/guest/tpm2-unseal (tests/guest/tpm2-unseal.c,
--socket: swtpm's raw data channel) must give back the exact secret; after a
power cycle with other measurements it must fail with the policy check's
TPM_RC 0x99d.  Skipped when swtpm or tpm2-tools are missing.
Run: /usr/bin/python3 -m pytest -q tests/host/test_tpm_seal.py"""
import glob
import hashlib
import os
import shutil
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(REPO, "build", "guest", "tpm2-unseal")
SEAL = os.path.join(REPO, "scripts", "tpm-seal")
PRIMARY = "0x81000001"
SECRET = b"pvhboot s3cret \x00\x01\xff\nlast line\n"
POLICY_FAILED = b"tpm2-unseal: TPM2_Unseal: TPM error 0x99d\n"

TPM_TOOLS = ("swtpm", "swtpm_ioctl", "tpm2_createprimary", "tpm2_evictcontrol", "tpm2_createpolicy",
             "tpm2_create", "tpm2_flushcontext", "tpm2_getcap", "tpm2_pcrextend", "tpm2_pcrread",
             "tpm2_shutdown")


def missing_tpm_tools():
    missing = [t for t in TPM_TOOLS if shutil.which(t) is None]
    if not glob.glob("/usr/lib/*/libtss2-tcti-swtpm.so*") + glob.glob("/usr/lib/libtss2-tcti-swtpm.so*"):
        missing.append("libtss2-tcti-swtpm")
    return missing


MISSING = missing_tpm_tools()
needs_tpm = pytest.mark.skipif(bool(MISSING), reason="swtpm/tpm2-tools missing: %s "
                               "(apt-get install swtpm swtpm-tools tpm2-tools)" % " ".join(MISSING))


# --- PCR 11 as systemd-stub extends it ---------------------------------------

def sha256(data):
    return hashlib.sha256(data).digest()


def stub_digests(sections):
    """The digests systemd-stub extends PCR 11 with for (name, data)
    sections: the name with its NUL, then the contents, section by section."""
    out = []
    for name, data in sections:
        out += [sha256(name.encode() + b"\0"), sha256(data)]
    return out


def predict(digests):
    """extend(p, d) = SHA256(p || d) from 32 zero bytes."""
    pcr = bytes(32)
    for d in digests:
        pcr = sha256(pcr + d)
    return pcr


SECTIONS = [(".linux", b"\x7fELF a vmlinux " * 100), (".cmdline", b"console=ttyS0 root=/dev/vda1 ro"),
            (".initrd", b"070701 an initrd " * 50)]
OTHER_SECTIONS = [(".linux", b"\x7fELF a vmlinux " * 100), (".cmdline", b"console=ttyS0 init=/bin/sh"),
                  (".initrd", b"070701 an initrd " * 50)]


# --- helpers -------------------------------------------------------------------

@pytest.fixture(scope="module")
def tool():
    subprocess.run(["make", "build/guest/tpm2-unseal"], cwd=REPO, check=True)
    return TOOL


def seal(state, out, secret_path, pcr11, pcr12=None, persist=None):
    argv = [SEAL, "--state", str(state), "--pcr11", pcr11.hex(), "--secret", str(secret_path),
            "--out", str(out)]
    if pcr12 is not None:
        argv += ["--pcr12", pcr12.hex()]
    if persist is not None:
        argv += ["--persist", persist]
    r = subprocess.run(argv, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r


class Swtpm:
    """swtpm on STATE with its raw data socket (--server) and its control
    socket, powered on with TPM2_Startup(CLEAR): PCRs at their reset
    values.  stop(): TPM2_Shutdown(CLEAR), then swtpm's own shutdown."""

    def __init__(self, state, log_path):
        self.state, self.log_path = str(state), str(log_path)
        self.proc = None

    def __enter__(self):
        # Unix socket paths are limited to 108 bytes: a short directory.
        self.tmp = tempfile.mkdtemp(prefix="pvhseal.", dir="/tmp")
        self.socket = os.path.join(self.tmp, "s")
        self.env = dict(os.environ, TPM2TOOLS_TCTI="swtpm:path=%s" % self.socket)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=%s" % self.state,
                         "--server", "type=unixio,path=%s" % self.socket,
                         "--ctrl", "type=unixio,path=%s.ctrl" % self.socket,
                         "--flags", "not-need-init,startup-clear"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 10
        while not (os.path.exists(self.socket) and os.path.exists(self.socket + ".ctrl")):
            assert self.proc.poll() is None, "swtpm exited: %s" % open(self.log_path).read()
            assert time.monotonic() < deadline, "swtpm did not create its sockets"
            time.sleep(0.02)
        return self

    def __exit__(self, exc_type, *exc):
        try:
            if exc_type is None:
                self.tpm2("tpm2_shutdown", "-c")
                subprocess.run(["swtpm_ioctl", "--unix", self.socket + ".ctrl", "-s"],
                                               check=True, capture_output=True, timeout=10)
                assert self.proc.wait(10) == 0
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.log.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def tpm2(self, *argv):
        r = subprocess.run(argv, env=self.env, capture_output=True, timeout=30)
        assert r.returncode == 0, "%s: %s" % (" ".join(argv), r.stderr.decode(errors="replace"))
        return r.stdout.decode()

    def extend(self, pcr, digests):
        for d in digests:
            self.tpm2("tpm2_pcrextend", "%d:sha256=%s" % (pcr, d.hex()))

    def pcr(self, n):
        path = os.path.join(self.tmp, "pcr.bin")
        self.tpm2("tpm2_pcrread", "sha256:%d" % n, "-o", path)
        with open(path, "rb") as f:
            return f.read()

    def leftovers(self):
        """Transient objects and sessions still loaded (no resource
        manager on the raw socket: the tool must flush its own)."""
        return (self.tpm2("tpm2_getcap", "handles-transient").split()
            + self.tpm2("tpm2_getcap", "handles-loaded-session").split())

    def unseal(self, tool, out, pcrs="11"):
        return subprocess.run([tool, "--socket", self.socket, "--parent", PRIMARY, "--pcrs", pcrs,
                                       os.path.join(str(out), "seal.pub"), os.path.join(str(out), "seal.priv")],
                                      capture_output=True, timeout=30)


def assert_unsealed(r, secret=SECRET):
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert r.stderr == b""
    assert r.stdout == secret


def assert_policy_failed(r):
    assert (r.returncode, r.stdout, r.stderr) == (1, b"", POLICY_FAILED)


# --- tests ---------------------------------------------------------------------

@needs_tpm
def test_unseal_with_predicted_pcr11(tool, tmp_path):
    state, out, log = tmp_path / "state", tmp_path / "out", tmp_path / "swtpm.log"
    (tmp_path / "secret").write_bytes(SECRET)
    digests = stub_digests(SECTIONS)
    expected = predict(digests)
    r = seal(state, out, tmp_path / "secret", expected)
    assert "created primary %s" % PRIMARY in r.stderr.decode()
    pub = (out / "seal.pub").read_bytes()
    assert int.from_bytes(pub[:2], "big") == len(pub) - 2

    # Power on: PCR 11 is zero, the policy fails; after the stub's
    # measurements it holds the prediction and the secret comes back.
    with Swtpm(state, log) as t:
        assert t.pcr(11) == bytes(32)
        assert_policy_failed(t.unseal(tool, out))
        assert t.leftovers() == []
        t.extend(11, digests)
        assert t.pcr(11) == expected
        assert_unsealed(t.unseal(tool, out))
        assert_unsealed(t.unseal(tool, out))  # nothing left behind to fill the TPM
        assert t.leftovers() == []

    # Next power cycle, another command line: another PCR 11.
    with Swtpm(state, log) as t:
        assert t.pcr(11) == bytes(32)
        t.extend(11, stub_digests(OTHER_SECTIONS))
        assert t.pcr(11) != expected
        assert_policy_failed(t.unseal(tool, out))
        assert t.leftovers() == []


@needs_tpm
def test_reseal_on_same_state_and_pcr12(tool, tmp_path):
    """A second seal keeps the state's primary; a policy on PCRs 11 and 12."""
    state, log = tmp_path / "state", tmp_path / "swtpm.log"
    (tmp_path / "secret1").write_bytes(b"first")
    (tmp_path / "secret2").write_bytes(b"second")
    d11 = stub_digests(SECTIONS)
    d12 = [sha256(b"console=ttyS0 quiet")]
    seal(state, tmp_path / "out1", tmp_path / "secret1", predict(d11))
    r = seal(state, tmp_path / "out2", tmp_path / "secret2", predict(d11), predict(d12))
    assert "primary %s already present" % PRIMARY in r.stderr.decode()

    with Swtpm(state, log) as t:
        assert t.tpm2("tpm2_getcap", "handles-persistent").split() == ["-", PRIMARY]
        t.extend(11, d11)
        # PCR 12 still zero: the first object unseals, the second not.
        assert_unsealed(t.unseal(tool, tmp_path / "out1"), b"first")
        assert_policy_failed(t.unseal(tool, tmp_path / "out2", "11,12"))
        t.extend(12, d12)
        assert_unsealed(t.unseal(tool, tmp_path / "out1"), b"first")
        assert_unsealed(t.unseal(tool, tmp_path / "out2", "11,12"), b"second")
        # The wrong selection gives another policy digest.
        assert_policy_failed(t.unseal(tool, tmp_path / "out2", "11"))
        assert_policy_failed(t.unseal(tool, tmp_path / "out1", "11,12"))
        assert t.leftovers() == []


@needs_tpm
def test_persistent_sealed_object(tool, tmp_path):
    """--persist keeps the sealed object in the TPM (for a guest whose
    measured initrd cannot carry the blob); --object unseals it in place and
    leaves it there; sealing again replaces it."""
    state, log = tmp_path / "state", tmp_path / "swtpm.log"
    (tmp_path / "s1").write_bytes(b"one")
    (tmp_path / "s2").write_bytes(b"two")
    d11 = stub_digests(SECTIONS)
    seal(state, tmp_path / "o1", tmp_path / "s1", predict(d11), persist="0x81000002")
    r = seal(state, tmp_path / "o2", tmp_path / "s2", predict(d11), bytes(32), persist="0x81000002")
    assert "sealed object persistent at 0x81000002" in r.stderr.decode()

    def unseal(t):
        return subprocess.run([tool, "--socket", t.socket, "--object", "0x81000002", "--pcrs", "11,12"],
                              capture_output=True, timeout=30)

    with Swtpm(state, log) as t:
        assert t.tpm2("tpm2_getcap", "handles-persistent").split() == ["-", PRIMARY, "-", "0x81000002"]
        assert_policy_failed(unseal(t))
        t.extend(11, d11)
        assert_unsealed(unseal(t), b"two")      # the second seal, PCR 12 still zero
        assert_unsealed(unseal(t), b"two")
        t.extend(12, [sha256(b"x")])
        assert_policy_failed(unseal(t))
        assert t.leftovers() == []


def test_truncated_pub(tool, tmp_path):
    """Input errors exit 2 before the TPM is opened (--device does not exist)."""
    pub, priv = tmp_path / "seal.pub", tmp_path / "seal.priv"
    pub.write_bytes(b"\x00\x4e" + bytes(38))
    priv.write_bytes(b"\x00\x04abcd")
    r = subprocess.run([tool, "--device", str(tmp_path / "no-tpm"), "--parent", PRIMARY, "--pcrs", "11",
                            str(pub), str(priv)], capture_output=True, timeout=30)
    assert (r.returncode, r.stdout) == (2, b"")
    assert r.stderr.decode() == ("tpm2-unseal: PUB %s: truncated: 40 bytes, its TPM2B size says 78 + 2\n"
                                     % pub)


@pytest.mark.parametrize("args, message", [
        (["--parent", PRIMARY, "--pcrs", "11", "PUB"], "give the PUB and PRIV files"),
        (["--pcrs", "11", "PUB", "PRIV"], "--parent (or --object) is required"),
        (["--object", "0x81000002", "--parent", PRIMARY, "--pcrs", "11"], "--object takes no --parent"),
        (["--object", "0x81000002", "--pcrs", "11", "PUB"], "--object takes no --parent and no files"),
        (["--object", "zz", "--pcrs", "11"], "--object zz: not a handle"),
        (["--parent", PRIMARY, "--pcrs", "24", "PUB", "PRIV"], "--pcrs 24: give PCR numbers 0..23"),
        (["--parent", PRIMARY, "--pcrs", "11,", "PUB", "PRIV"], "--pcrs 11,: give PCR numbers 0..23"),
        (["--parent", "0x1x", "--pcrs", "11", "PUB", "PRIV"], "--parent 0x1x: not a handle"),
        (["--device", "/dev/null", "--socket", "s", "--parent", PRIMARY, "--pcrs", "11", "PUB", "PRIV"],
         "give one of --device and --socket"),
        (["--parent", PRIMARY, "--pcrs", "11", "--frob", "PUB", "PRIV"], "unknown option --frob"),
        (["--parent", PRIMARY, "--pcrs", "11", "PUB", "EMPTY"], "PRIV EMPTY: truncated: 0 bytes"),
        (["--parent", PRIMARY, "--pcrs", "11", "PUB", "LONG"], "PRIV LONG: trailing bytes: 7 bytes"),
])
def test_usage_errors(tool, tmp_path, args, message):
    (tmp_path / "PUB").write_bytes(b"\x00\x02ab")
    (tmp_path / "PRIV").write_bytes(b"\x00\x02ab")
    (tmp_path / "EMPTY").write_bytes(b"")
    (tmp_path / "LONG").write_bytes(b"\x00\x02abcde")
    r = subprocess.run([tool] + args, capture_output=True, timeout=30, cwd=tmp_path)
    assert (r.returncode, r.stdout) == (2, b"")
    assert r.stderr.decode().startswith("tpm2-unseal: " + message), r.stderr.decode()
