"""Sealing to a one-file image's measurements, end to end (issue 14, item 4;
docs/security.md, "Sealing a secret to a one-file image").

On the host: a one-file image (pvhboot + kernel + initrd + command line,
unsigned; Secure Boot off), its PCR 11 predicted by Debian's
`systemd-measure calculate` from the same kernel, initrd and command line,
and a secret sealed with tpm2-tools (scripts/tpm-seal) to that PCR 11 and
to PCR 12 = zero (no command line beside the image's own) on a swtpm state
directory.  The sealed object is made persistent in the TPM: the initrd is
measured into PCR 11, so it cannot carry the sealed blob.  Then QEMU boots
with a swtpm on that state; the initrd's /init unseals through /dev/tpmrm0
with a static raw-TPM2 tool (tests/guest/tpm2-unseal.c) and reports it.

Boots (plain OVMF, EFI shell, TPM):
- good: the image as built -> the guest unseals the secret; PCR 11 is the
  prediction, PCR 12 zero.
- other_image: the same kernel and initrd, one word of .cmdline different,
  given to pvhboot as a file (kernel=\\other.efi: a one-file image file,
  not verified with Secure Boot off, measured like pvhboot's own sections)
  -> PCR 11 differs, the TPM refuses (policy check failed, TPM_RC 0x99d).
- override (make check-full): the good image with a command line given as arguments (without
  Secure Boot pvhboot lets them replace .cmdline, as systemd-stub does) ->
  PCR 11 is still the prediction, but PCR 12 now holds the command line
  (UTF-16, the log shows it) and the TPM refuses.
"""
import os
import secrets
import subprocess

import pytest

import pvhharness as H
import qemu

FULL = os.environ.get("PVHTEST_FULL", "") not in ("", "0")
PERSISTENT = "0x81000002"
POLICY_FAILED = "failed tpm2-unseal: TPM2_Unseal: TPM error 0x99d"


@pytest.fixture(scope="module")
def sealed(kernel, pvhboot_efi, tmp_path_factory):
    H.script("install-deps.sh", "tpm")
    if not os.access(H.SYSTEMD_MEASURE, os.X_OK):
        pytest.fail("%s is missing (Debian's systemd package)" % H.SYSTEMD_MEASURE)
    w = str(tmp_path_factory.mktemp("seal"))
    p = subprocess.run(["make", "-s", "-C", H.REPO, "build/guest/tpm2-unseal"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    assert p.returncode == 0, p.stdout
    tok = secrets.token_hex(6)
    s = {"w": w, "secret": "s3cret-" + tok, "state": os.path.join(w, "tpm-state"), "pvhboot": pvhboot_efi}
    initrd = H.mkinitrd(os.path.join(w, "initrd.img"),
                        os.path.join(H.BUILD, "guest", "tpm2-unseal"),
                        os.path.join(H.REPO, "tests", "integration", "report-unseal.sh"),
                        H.write_file(os.path.join(w, "unseal-pcrs"), "11,12\n"),
                        H.write_file(os.path.join(w, "unseal-object"), PERSISTENT + "\n"))
    s["cmdline"] = "console=ttyS0 panic=-1 pvhtest.seal=%s" % tok
    s["other_cmdline"] = s["cmdline"] + " quiet"
    s["override_cmdline"] = "console=ttyS0 panic=-1 pvhtest.override=%s" % tok
    s["image"] = H.pvhimage("image", pvhboot_efi, os.path.join(w, "image.efi"), "--kernel", kernel,
                            "--initrd", initrd, "--cmdline", s["cmdline"])
    s["other"] = H.pvhimage("image", pvhboot_efi, os.path.join(w, "other.efi"), "--kernel", kernel,
                            "--initrd", initrd, "--cmdline", s["other_cmdline"])
    s["pcr11"] = H.systemd_measure_pcr11(w, kernel, initrd, s["cmdline"])
    s["other_pcr11"] = H.systemd_measure_pcr11(w, kernel, initrd, s["other_cmdline"])
    secret = H.write_file(os.path.join(w, "secret"), s["secret"])
    H.script("tpm-seal", "--state", s["state"], "--pcr11", s["pcr11"], "--pcr12", H.ZERO_PCR,
             "--secret", secret, "--out", os.path.join(w, "sealed"), "--persist", PERSISTENT)
    return s


def boot(s, name, image, args="", files=None):
    """One boot of image from the EFI shell with a swtpm on the sealed state."""
    esp = H.mkesp(os.path.join(s["w"], name + ".img"), dict(files or {}, **{"/linux.efi": image}),
                  "fs0:\n\\linux.efi %s\necho PVHMARK-RETURNED\nreset -s\n" % args)
    log = os.path.join(H.LOGDIR, "test_seal_%s.log" % name)
    tpm = qemu.Swtpm(state_dir=s["state"], log_path=log + ".swtpm")
    # A one-file image of ~60 MB: the shell reads it, the firmware hashes it
    # for PCR 4 and pvhboot's .linux for PCR 11, all under TCG.
    result = qemu.run_ovmf(esp, log, tpm=tpm, timeout=3 * H.BOOT_TIMEOUT, vars_dir=s["w"])
    return result, H.GuestReport(result.text)


def check_pcr(p, guest, n, want, what):
    p.check(guest.get("pcr-sha256-%d" % n) == want, "guest PCR %d %s, want %s (%s)"
            % (n, guest.get("pcr-sha256-%d" % n), want, what))


def check_not_unsealed(p, s, result, guest):
    p.check(guest.get("unseal") == POLICY_FAILED, "unseal=%r, want %r" % (guest.get("unseal"), POLICY_FAILED))
    p.check(s["secret"] not in result.text, "the secret appeared in the output")


def check_booted(p, result, guest, cmdline):
    p.check(guest.has("init-done"), "the guest's /init did not finish")
    p.check(guest.get("cmdline") == cmdline, "guest cmdline %r, want %r" % (guest.get("cmdline"), cmdline))
    p.check(guest.get("tpm") == "yes", "the guest has no TPM: tpm=%r" % guest.get("tpm"))
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off by itself")


def test_unseal_with_the_predicted_pcr11(sealed):
    s = sealed
    result, guest = boot(s, "good", s["image"])
    p = H.Problems(result)
    check_booted(p, result, guest, s["cmdline"])
    p.check(any("measured the one-file image's sections into PCR 11 (the command line is one of them)" in l
                for l in result.lines), "pvhboot did not say it measured the image into PCR 11")
    check_pcr(p, guest, 11, s["pcr11"], "systemd-measure's prediction")
    check_pcr(p, guest, 12, H.ZERO_PCR, "nothing measured")
    p.check(guest.get("unseal") == "ok secret=" + s["secret"],
            "the guest did not unseal the secret: unseal=%r" % guest.get("unseal"))
    p.raise_if_any()


def test_other_cmdline_in_image_does_not_unseal(sealed):
    s = sealed
    result, guest = boot(s, "other_image", s["pvhboot"], "kernel=\\other.efi", files={"/other.efi": s["other"]})
    p = H.Problems(result)
    check_booted(p, result, guest, s["other_cmdline"])
    p.check("pvhboot: \\other.efi: a one-file image; not verified (Secure Boot is off)" in result.lines,
            "pvhboot did not take \\other.efi as a one-file image file")
    p.check(any(l.startswith("pvhboot: kernel (\\other.efi .linux section): ") for l in result.lines),
            "the kernel did not come from \\other.efi's .linux section")
    p.check(s["other_pcr11"] != s["pcr11"], "two command lines, one PCR 11")
    check_pcr(p, guest, 11, s["other_pcr11"], "systemd-measure's prediction for the other image")
    check_not_unsealed(p, s, result, guest)
    p.raise_if_any()


@pytest.mark.skipif(not FULL, reason="the override boot only in the full run (PVHTEST_FULL=1, make check-full)")
def test_cmdline_override_does_not_unseal(sealed):
    s = sealed
    result, guest = boot(s, "override", s["image"], s["override_cmdline"])
    p = H.Problems(result)
    check_booted(p, result, guest, s["override_cmdline"])
    p.check(any("measured the one-file image's sections into PCR 11, the command line into PCR 12" in l
                for l in result.lines), "pvhboot did not say it measured the command line into PCR 12")
    check_pcr(p, guest, 11, s["pcr11"], "the image's, as sealed")
    check_pcr(p, guest, 12, H.pcr_extend(H.ZERO_PCR, H.cmdline_pcr12_bytes(s["override_cmdline"])),
              "the UTF-16 of %r" % s["override_cmdline"])
    check_not_unsealed(p, s, result, guest)
    p.raise_if_any()
