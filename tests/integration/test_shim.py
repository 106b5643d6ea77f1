"""shim as the first stage: firmware (Microsoft keys) -> shim -> pvhboot.

The firmware is Debian's OVMF with Microsoft's keys (OVMF_CODE_4M.ms.fd,
OVMF_VARS_4M.ms.fd: Secure Boot on, db = Microsoft's 2011 CAs only, SMM,
S3 off -- qemu.run_ovmf does that for ".ms." names).  The first stage is
Debian bookworm's Microsoft-signed shim 16.1 (scripts/fetch-shim; the first
run downloads it).  pvhboot is signed with Debian's snakeoil key
(scripts/sign.sh), which is not in db: the firmware would refuse it, shim
accepts it because the variable store holds a MokList with the snakeoil
certificate, written offline by ovmf-vars/mkvars.py --mok-cert (NV+BS, as
MokManager would after mokutil --import).  docs/security.md, "shim".

Runs (each its own QEMU run and variable store; logs in build/test-logs/):
- boot_entry: a real-world layout.  \\EFI\\pvhboot\\ holds shimx64.efi, a
  pinned and signed pvhboot.efi, vmlinux and initrd.img, and no grubx64.efi;
  Boot0000 (mkvars.py) starts \\EFI\\pvhboot\\shimx64.efi with the optional
  data "\\EFI\\pvhboot\\pvhboot.efi kernel=... initrd=... CMDLINE".  shim
  (load-options.c parse_load_options) takes the first word as its second
  stage and hands it only the rest: pvhboot reads kernel= and initrd= from
  it, and the command line it builds matches its pin.  With a TPM: shim's
  measurements of its MOK state make PCR 14 non-zero in the guest.
- image: removable-media layout: \\EFI\\BOOT\\BOOTX64.EFI = shim,
  \\EFI\\BOOT\\grubx64.efi (shim's default second stage) = a signed PVH
  one-file image; the store also has SbatLevel "sbat,1,2099010100\\n
  pvhboot,G\\n" with G = pvhboot's own SBAT generation: it boots, and shim
  keeps that SbatLevel (the control for sbat_revoked).
- unsigned, other_key: the same layout with an unsigned pvhboot, and with
  one signed by a key that is not in MokList: shim refuses it with
  "Verification failed: (0x1A) Security Violation" (a box that waits for a
  key: the run stops at the message) and pvhboot prints nothing.
- sbat_revoked: a signed image at SbatLevel pvhboot,G+1: refused the same
  way although the signature is good.
- mok_rt (make check-full): the image boot with the MokList written
  NV+BS+RT: shim deletes it ("Deleting bad variable MokList") and refuses
  the image.
- image_file: a signed pvhboot without pins as shim's second stage, two
  boot entries naming one-file image *files*: the newer one unsigned, which
  pvhboot hands to shim's SHIM_LOCK Verify() and refuses, then the signed
  one, which shim verifies and pvhboot boots; with a TPM, Linux's PCR 11 is
  what systemd-measure predicts for that image.
"""
import os
import re
import secrets
import subprocess
import sys

import pytest

import pvhharness as H
import qemu

sys.path.insert(0, os.path.join(H.REPO, "ovmf-vars"))
import mkvars as M  # noqa: E402

FULL = os.environ.get("PVHTEST_FULL", "") not in ("", "0")
MS_CODE = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"
MS_VARS = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
MKVARS = os.path.join(H.REPO, "ovmf-vars", "mkvars.py")
SNAKEOIL_PEM = "/usr/share/ovmf/PkKek-1-snakeoil.pem"
REFUSED = "Verification failed: (0x1A) Security Violation"
SHELL_STARTED = '"EFI Internal Shell" from Fv('     # BDS ran out of boot options
SHIM_FALLBACK = "start_image() returned"             # shim could not start its second stage
MOK_DELETED = "Deleting bad variable MokList"        # mok.c import_one_mok_state
DIR = "\\EFI\\pvhboot\\"
BOOT_TIMEOUT = H.BOOT_TIMEOUT + 120
REFUSAL_TIMEOUT = H.BOOT_TIMEOUT + 60


def run_tool(argv, env=None):
    p = subprocess.run([str(a) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=dict(os.environ, **(env or {})))
    if p.returncode:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(str(a) for a in argv), p.returncode,
                                                  p.stdout.decode(errors="replace")[-4000:]))
    return p.stdout.decode(errors="replace")


def sign(src, out, key=None, cert=None):
    env = {"SB_KEY": key, "SB_CERT": cert} if key else None
    run_tool([os.path.join(H.SCRIPTS, "sign.sh"), src, out], env)
    return out


def mkdisk(out, files):
    """scripts/mkesp.sh: a GPT disk with one ESP holding files {dest: src};
    returns (image, its OUT.part record)."""
    run_tool([os.path.join(H.SCRIPTS, "mkesp.sh"), out] + ["%s=%s" % (src, dest) for dest, src in files.items()])
    return out, M.read_keyvals(out + ".part")


def mkvars(out, *args):
    """ovmf-vars/mkvars.py --in the Microsoft store --out out ARGS (the CLI,
    as a user runs it)."""
    run_tool(["/usr/bin/python3", MKVARS, "-q", "--in", MS_VARS, "--out", out] + list(args))
    return out


def sbat_generation(efi):
    """pvhboot's generation in the .sbat section of efi (pvhimage.py list)."""
    m = re.search(r"^\s*pvhboot,(\d+),", run_tool(["/usr/bin/python3", os.path.join(H.SCRIPTS, "pvhimage.py"),
                                                  "list", efi]), re.M)
    assert m, "%s has no pvhboot line in an .sbat section: rebuild it with make" % efi
    return int(m.group(1))


def sbat_level(generation):
    return "sbat,1,2099010100\\npvhboot,%d\\n" % generation


def store_var(path, name):
    with open(path, "rb") as f:
        v = M.Store(f.read(), path).find(name, M.SHIM_LOCK_GUID)
    return v and (v.attributes, v.data)


@pytest.fixture(scope="module")
def chain(kernel, pvhboot_efi, tmp_path_factory):
    for f in (MS_CODE, MS_VARS):
        if not os.path.isfile(f):
            pytest.skip("%s is missing: Debian's ovmf with Microsoft's keys (package ovmf, bookworm or newer)" % f)
    H.script("install-deps.sh", "trust", "tpm")
    w = str(tmp_path_factory.mktemp("shim"))
    c = {"w": w, "kernel": kernel}
    # Debian's Microsoft-signed shim; the first run downloads it.
    c["shim"] = run_tool([os.path.join(H.SCRIPTS, "fetch-shim")]).strip().split("\n")[-1]
    assert os.path.isfile(c["shim"]), c["shim"]
    c["generation"] = sbat_generation(pvhboot_efi)
    tok = secrets.token_hex(6)
    c["token"] = "shim-" + tok
    c["initrd"] = H.mkinitrd_token(w, c["token"])
    # The words shim passes on: kernel= and initrd= paths, then the command line.
    c["cmdline"] = "console=ttyS0 panic=-1 pvhtest.shim=%s" % tok
    c["image_cmdline"] = "console=ttyS0 panic=-1 pvhtest.image=%s" % tok
    c["pinned"] = sign(H.pvhimage("pin", pvhboot_efi, os.path.join(w, "pinned.efi"), "--kernel", kernel,
                                  "--initrd", c["initrd"], "--cmdline", c["cmdline"]),
                       os.path.join(w, "pinned.signed.efi"))
    c["image"] = sign(H.pvhimage("image", pvhboot_efi, os.path.join(w, "image.efi"), "--kernel", kernel,
                                 "--initrd", c["initrd"], "--cmdline", c["image_cmdline"]),
                      os.path.join(w, "image.signed.efi"))
    # A key and certificate shim knows nothing about.
    key, crt = os.path.join(w, "other.key"), os.path.join(w, "other.pem")
    run_tool(["openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
              "-subj", "/CN=pvhboot test key not in MokList", "-keyout", key, "-out", crt])
    # What shim refuses needs no real kernel: small images hash quickly.
    c["unsigned"] = H.small_onefile_image(pvhboot_efi, w)
    c["other_key"] = sign(c["unsigned"], os.path.join(w, "small.other-key.efi"), key, crt)
    c["small_signed"] = sign(c["unsigned"], os.path.join(w, "small.signed.efi"))
    c["signed"] = sign(pvhboot_efi, os.path.join(w, "pvhboot.signed.efi"))
    return c


def removable_disk(c, name, second_stage):
    """\\EFI\\BOOT\\BOOTX64.EFI = shim, \\EFI\\BOOT\\grubx64.efi = second_stage."""
    return mkdisk(os.path.join(c["w"], name + ".img"),
                  {"/EFI/BOOT/BOOTX64.EFI": c["shim"], "/EFI/BOOT/grubx64.efi": second_stage})[0]


def boot(esp, vars_file, log_path, timeout, stop_on=(), tpm=None):
    return qemu.run_ovmf(esp, log_path, firmware=(MS_CODE, vars_file), vars_file=vars_file, tpm=tpm,
                         timeout=timeout, stop_on=(SHELL_STARTED,) + tuple(stop_on))


def check_refused(result, mok_deleted=False):
    """shim's refusal box, and nothing from pvhboot or Linux; shim deleted
    the MokList if (and only if) mok_deleted."""
    p = H.Problems(result)
    p.check((MOK_DELETED in result.text) == mok_deleted, "shim %s %r" % (
        "did not say" if mok_deleted else "said", MOK_DELETED))
    p.check(result.stopped == "Verification failed", "the run did not stop at shim's refusal (stopped: %r)"
            % result.stopped)
    p.check(REFUSED in result.text, "no %r in the log" % REFUSED)
    p.check(not any(l.lstrip().startswith("pvhboot") for l in result.lines), "pvhboot printed something: %r"
            % [l for l in result.lines if "pvhboot" in l])
    p.check(not H.GuestReport(result.text).has("init-start"), "Linux booted")
    p.check(any(l.startswith('BdsDxe: starting Boot') and "UEFI Misc Device" in l for l in result.lines),
            "BDS did not start the disk's \\EFI\\BOOT\\BOOTX64.EFI (shim)")
    p.raise_if_any()


def test_boot_entry_starts_pinned_pvhboot_through_shim(chain, work, log_path):
    c = chain
    esp, part = mkdisk(os.path.join(work, "esp.img"), {
        DIR + "shimx64.efi": c["shim"], DIR + "pvhboot.efi": c["pinned"],
        DIR + "vmlinux": c["kernel"], DIR + "initrd.img": c["initrd"]})
    kernel_path, initrd_path = DIR + "vmlinux", DIR + "initrd.img"
    options = "%spvhboot.efi kernel=%s initrd=%s %s" % (DIR, kernel_path, initrd_path, c["cmdline"])
    vars_file = mkvars(os.path.join(work, "vars.fd"), "--part-file", esp + ".part",
                       "--loader", DIR + "shimx64.efi", "--options", options, "--description", "pvhboot (shim)",
                       "--mok-cert", SNAKEOIL_PEM)
    result = boot(esp, vars_file, log_path, BOOT_TIMEOUT, tpm=True)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    where = "HD(1,GPT,%s,0x%X,0x%X)/%sshimx64.efi" % (part["guid"].upper(), int(part["start"]),
                                                       int(part["size"]), DIR)
    bds = [l for l in result.lines if l.startswith("BdsDxe:")]
    p.check(bds == ['BdsDxe: loading Boot0000 "pvhboot (shim)" from ' + where,
                    'BdsDxe: starting Boot0000 "pvhboot (shim)" from ' + where],
            "BDS did not start shim from Boot0000 alone: %r" % bds)
    p.check(SHIM_FALLBACK not in result.text, "shim did not start %spvhboot.efi (fell back)" % DIR)
    p.check(REFUSED not in result.text, "shim refused pvhboot")
    p.check(MOK_DELETED not in result.text, "shim deleted the MokList")
    # The words after the path reached pvhboot, and only they.
    p.check(any(l.startswith("pvhboot: kernel %s: %d bytes" % (kernel_path, os.path.getsize(c["kernel"])))
                for l in result.lines), "pvhboot did not load kernel=%s" % kernel_path)
    p.check("pvhboot: command line: " + c["cmdline"] in result.lines,
            "pvhboot's command line is not %r: %r" % (c["cmdline"], [l for l in result.lines
                                                                     if l.startswith("pvhboot: command line")]))
    p.check(not any(l.startswith("pvhboot: error") for l in result.lines), "pvhboot reported an error")
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == c["cmdline"], "guest cmdline %r != the pinned %r"
            % (guest.get("cmdline"), c["cmdline"]))
    p.check(guest.tokens.get("/token1") == c["token"], "initrd token %r" % guest.tokens.get("/token1"))
    # shim measured its MOK state (MokList, MokListX, ...) into PCR 14.
    pcr14 = guest.get("pcr-sha256-14")
    p.check(pcr14 is not None and pcr14 != "0" * 64, "guest PCR 14 is %r, not shim's measurements" % pcr14)
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off by itself")
    # shim left the MokList written offline as it was (a bad one it deletes).
    mok = store_var(vars_file, "MokList")
    p.check(mok == (0x3, M.x509_signature_list(M.read_certificates(SNAKEOIL_PEM)[0])),
            "MokList after the boot: %s" % ("none" if mok is None
                                             else "attr 0x%x, %d bytes" % (mok[0], len(mok[1]))))
    p.raise_if_any()


def test_removable_path_boots_signed_image_at_sbat_level(chain, work, log_path):
    """The one-file image as shim's default second stage, with SbatLevel
    naming pvhboot at its own generation: it boots (the control for
    test_sbat_level_above_generation_refused)."""
    c = chain
    level = sbat_level(c["generation"])
    vars_file = mkvars(os.path.join(work, "vars.fd"), "--mok-cert", SNAKEOIL_PEM, "--sbat-level", level)
    result = boot(removable_disk(c, "image", c["image"]), vars_file, log_path, BOOT_TIMEOUT)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(REFUSED not in result.text and SHIM_FALLBACK not in result.text, "shim did not start the image")
    p.check(MOK_DELETED not in result.text, "shim deleted the MokList")
    p.check(any(l.startswith("pvhboot: kernel (pvhboot's .linux section): %d bytes" % os.path.getsize(c["kernel"]))
                for l in result.lines), "pvhboot did not boot its .linux section")
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == c["image_cmdline"], "guest cmdline %r != the image's %r"
            % (guest.get("cmdline"), c["image_cmdline"]))
    p.check(guest.tokens.get("/token1") == c["token"], "initrd token %r" % guest.tokens.get("/token1"))
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off by itself")
    # shim kept the SbatLevel written offline (and so checked pvhboot against it).
    after = store_var(vars_file, "SbatLevel")
    p.check(after == (0x3, level.replace("\\n", "\n").encode()), "SbatLevel after the boot: %r" % (after,))
    p.raise_if_any()


def test_unsigned_pvhboot_refused_by_shim(chain, work, log_path):
    vars_file = mkvars(os.path.join(work, "vars.fd"), "--mok-cert", SNAKEOIL_PEM)
    result = boot(removable_disk(chain, "unsigned", chain["unsigned"]), vars_file, log_path, REFUSAL_TIMEOUT,
                  stop_on=("Verification failed",))
    check_refused(result)


def test_pvhboot_signed_with_other_key_refused_by_shim(chain, work, log_path):
    vars_file = mkvars(os.path.join(work, "vars.fd"), "--mok-cert", SNAKEOIL_PEM)
    result = boot(removable_disk(chain, "other-key", chain["other_key"]), vars_file, log_path, REFUSAL_TIMEOUT,
                  stop_on=("Verification failed",))
    check_refused(result)


def test_sbat_level_above_generation_refused(chain, work, log_path):
    """SbatLevel pvhboot,G+1 revokes every pvhboot of generation G, signed
    or not: a one-file image with pvhboot's .sbat, signed with the MokList
    key like the image that boots in test_removable_path_boots_signed_image_
    at_sbat_level, is refused."""
    level = sbat_level(chain["generation"] + 1)
    vars_file = mkvars(os.path.join(work, "vars.fd"), "--mok-cert", SNAKEOIL_PEM, "--sbat-level", level)
    result = boot(removable_disk(chain, "revoked", chain["small_signed"]), vars_file, log_path, REFUSAL_TIMEOUT,
                  stop_on=("Verification failed",))
    check_refused(result)
    assert store_var(vars_file, "SbatLevel") == (0x3, level.replace("\\n", "\n").encode())


@pytest.mark.skipif(not FULL, reason="the MokList attribute check only in the full run (PVHTEST_FULL=1, "
                    "make check-full)")
def test_mok_list_with_runtime_access_deleted(chain, work, log_path):
    """Why mkvars.py writes MokList NV+BS: the same MokList with RT (NV+BS+RT,
    0x7) is deleted by shim (mok.c import_one_mok_state: "has incorrect
    attribute"), so a snakeoil-signed image, which the NV+BS one lets
    through, is refused."""
    with open(MS_VARS, "rb") as f:
        blob = f.read()
    vars_file = os.path.join(work, "vars.fd")
    new = [("MokList", M.SHIM_LOCK_GUID, M.NV_BS_RT,
            M.x509_signature_list(M.read_certificates(SNAKEOIL_PEM)[0]))]
    out = M.set_variables(M.Store(blob, MS_VARS), new)
    M.verify(out, blob, new, vars_file)
    with open(vars_file, "wb") as f:
        f.write(out)
    result = boot(removable_disk(chain, "mok-rt", chain["small_signed"]), vars_file, log_path, REFUSAL_TIMEOUT,
                  stop_on=("Verification failed",))
    p = H.Problems(result)
    p.check("Variable MokList has incorrect attribute:\n  0x00000007 should not have 0x00000004 set.\n"
            in result.text, "shim did not name the MokList's RT attribute")
    p.check(store_var(vars_file, "MokList") is None, "the MokList is still in the store")
    p.raise_if_any()
    check_refused(result, mok_deleted=True)


def test_image_file_verified_by_shims_protocol(chain, work, log_path):
    c = chain
    entries = H.image_file_entries(work, [("unsigned", 2, c["unsigned"]), ("signed", 1, c["image"])])
    esp = mkdisk(os.path.join(work, "esp.img"), dict(entries, **{
        "/EFI/BOOT/BOOTX64.EFI": c["shim"], "/EFI/BOOT/grubx64.efi": c["signed"]}))[0]
    vars_file = mkvars(os.path.join(work, "vars.fd"), "--mok-cert", SNAKEOIL_PEM)
    result = boot(esp, vars_file, log_path, BOOT_TIMEOUT, tpm=True)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(REFUSED not in result.text, "shim refused pvhboot itself")
    H.check_image_file_entries(p, result.lines, "shim refused this one-file image (",
                               "verified by shim (db, MokList, SBAT)")
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == c["image_cmdline"], "guest cmdline %r != the image's %r"
            % (guest.get("cmdline"), c["image_cmdline"]))
    predicted = H.systemd_measure_pcr11(work, c["kernel"], c["initrd"], c["image_cmdline"])
    p.check(guest.get("pcr-sha256-11") == predicted, "guest PCR 11 %s, systemd-measure predicted %s"
            % (guest.get("pcr-sha256-11"), predicted))
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off by itself")
    p.raise_if_any()
