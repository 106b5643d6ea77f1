"""Secure Boot, pins, PVH one-file images and measured boot (docs/security.md).

Secure Boot runs use Debian's snakeoil firmware (OVMF_CODE_4M.snakeoil.fd,
SMM, Secure Boot on, the snakeoil key in db; binaries signed with
scripts/sign.sh).  Its EFI shell refuses to start under Secure Boot, so each
case is a disk whose \\EFI\\BOOT\\BOOTX64.EFI (plus pvhboot.conf) the boot
manager tries in disk order: a refused or failing one makes BDS go on to
the next disk, so one QEMU run holds many cases and ends with one that
boots Linux.  The kernel and initrds are on a data disk (pvhboot finds them
on other volumes).  S3 is off in these runs (qemu.run_ovmf: with S3 on, the
SMM firmware reserves 0x810000-0x170FFFF, where the kernel goes; the
sb_s3_on run shows that).

Runs:
- sb_chain (+ TPM): signed tpm-pcrs.efi prints the PCRs; the unsigned
  pvhboot (firmware: Access Denied); signed unpinned pvhboot (refused by
  pvhboot's policy); signed pinned pvhboot with a changed kernel, a changed
  initrd, an extra initrd, a changed command line (each refused, naming what
  differed); a data disk; the signed one-file image, which boots, with
  PCR 11 as systemd-measure predicts it and PCR 9/12 as tpm-pcrs.efi read
  them (the refused boots measured nothing).
- sb_pinned: a signed one-file image changed after signing (Access Denied),
  then signed pvhboot with pins booting the pinned files; no TPM, so pvhboot
  says nothing about measuring.
- sb_s3_on: the same pinned boot with S3 on: the kernel's range is ACPI NVS.
- tpm_a / tpm_b: plain OVMF with the EFI shell and a TPM: tpm-pcrs.efi, then
  pvhboot with two initrds; the second run's command line differs in one
  byte: PCR 12 differs, every other PCR (9 too) is the same.
- tpm_fail: plain OVMF shell and a TPM: tpm-pcrs.efi, fragment-memory.efi
  (a memory map too fragmented for start_info), pvhboot, which fails at the
  memory map after it measured, then tpm-pcrs.efi again: PCR 9 and 12 must
  not look like a good boot (unchanged, or ended by an error separator).
- sb_image_file: signed pvhboot without pins, two boot entries naming
  one-file image files: the newer one unsigned, refused by the firmware's
  image verification (pvhboot hands the file to LoadImage, there being no
  shim), then the signed one, which boots.
- pins_no_sb: plain OVMF shell, no Secure Boot: a pvhboot that pins a kernel
  and a command line but no initrd refuses an extra initrd, as with Secure
  Boot on, and boots the pinned pair.
"""
import hashlib
import os
import re
import secrets
import shutil
import subprocess

import pytest

import pvhharness as H
import qemu

SHELL_STARTED = '"EFI Internal Shell" from Fv('     # BDS has run out of disks
DISK_GUID = "6d0e1c8a-53e4-4b7b-9d55-5a3f2f7c1a01"  # fixed: the GPT is measured (PCR 5)
PART_GUID = "6d0e1c8a-53e4-4b7b-9d55-5a3f2f7c1a02"


def sha(b):
    return hashlib.sha256(b).hexdigest()


def extend(pcr_hex, data_digest):
    return sha(bytes.fromhex(pcr_hex) + data_digest)


def initrd_blob(paths):
    """The initrds as pvhboot loads (and measures) them."""
    out = b""
    for p in paths:
        out += b"\0" * (-len(out) % 4)
        with open(p, "rb") as f:
            out += f.read()
    return out


def mkdisk(out, files, env=None):
    """scripts/mkesp.sh: a GPT disk with one ESP holding files {dest: src}."""
    argv = [os.path.join(H.SCRIPTS, "mkesp.sh"), out] + ["%s=%s" % (src, dest) for dest, src in files.items()]
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=e)
    if p.returncode:
        raise RuntimeError("mkesp.sh failed:\n" + p.stdout.decode(errors="replace"))
    return out


def sign(src, out):
    H.script("sign.sh", src, out)
    return out


_BDS_RE = re.compile(r'BdsDxe: (loading|starting|failed to load|failed to start) Boot[0-9A-F]{4} "[^"]*" '
                     r'from (\S+?)(?:: (.*))?$')


def bds_segments(lines):
    """{device path: {"status": BDS failure status or None, "lines": [...]}}
    for the first pass of the boot manager over its boot options (until it
    gets to the EFI shell)."""
    segs, cur = {}, None
    for line in lines:
        m = _BDS_RE.search(line)
        if m:
            if "EFI Internal Shell" in line:
                break
            cur = segs.setdefault(m.group(2), {"status": None, "lines": []})
            if m.group(1).startswith("failed"):
                cur["status"] = m.group(3)
            continue
        if cur is not None:
            cur["lines"].append(line)
    return segs


def disk_path(index):
    """Device path of the index-th virtio disk (slot 1 up: -nodefaults, q35)."""
    return "PciRoot(0x0)/Pci(0x%X,0x0)" % (index + 1)


def pcrs(lines, prefix):
    """{n: hex} from 'prefix pcr-sha256-n=hex' lines."""
    out = {}
    for line in lines:
        m = re.search(re.escape(prefix) + r"pcr-sha256-(\d+)=([0-9a-f]{64})\s*$", line)
        if m:
            out.setdefault(int(m.group(1)), m.group(2))
    return out


def errors(seg):
    return [l for l in seg["lines"] if l.startswith("pvhboot: error: ")]


# --- the files every run uses ---------------------------------------------
@pytest.fixture(scope="module")
def tpm_pcrs_efi(test_deps):
    path = os.path.join(H.BUILD, "tests", "tpm-pcrs.efi")
    p = subprocess.run(["make", "-s", "-C", H.REPO, "build/tests/tpm-pcrs.efi"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode or not os.path.isfile(path):
        pytest.fail("make %s failed:\n%s" % (path, p.stdout.decode(errors="replace")[-3000:]))
    return path


@pytest.fixture(scope="module")
def trust(kernel, pvhboot_efi, tpm_pcrs_efi, tmp_path_factory):
    H.script("install-deps.sh", "trust", "tpm")
    w = str(tmp_path_factory.mktemp("trust"))
    t = {"w": w, "kernel": kernel, "pvhboot": pvhboot_efi}
    tok = secrets.token_hex(6)
    t["token1"], t["token2"], t["token3"] = "t1-" + tok, "t2-" + tok, "t3-" + tok
    t["initrd"] = H.mkinitrd_token(w, t["token1"])
    t["initrd_b"] = H.mkcpio_file(os.path.join(w, "initrd-b.img"), "token1", "changed-" + tok)
    t["extra"] = H.mkcpio_file(os.path.join(w, "extra.cpio"), "token2", t["token2"])
    # The same kernel with one byte appended: a different SHA-256.
    t["kernel_changed"] = os.path.join(w, "vmlinux-changed")
    shutil.copyfile(kernel, t["kernel_changed"])
    with open(t["kernel_changed"], "ab") as f:
        f.write(b"\0")
    t["cmdline"] = "console=ttyS0 panic=-1 pvhtest.trust=%s" % tok
    t["cmdline_changed"] = t["cmdline"][:-1] + ("x" if t["cmdline"][-1] != "x" else "y")
    # Linux cannot see Secure Boot under PVH: the image locks it down itself.
    t["image_cmdline"] = "console=ttyS0 panic=-1 lockdown=integrity pvhtest.image=%s" % tok
    # Signed binaries.
    t["signed"] = sign(pvhboot_efi, os.path.join(w, "pvhboot.signed.efi"))
    t["pinned"] = sign(H.pvhimage("pin", pvhboot_efi, os.path.join(w, "pinned.efi"), "--kernel", kernel,
                                  "--initrd", t["initrd"], "--cmdline", t["cmdline"]),
                       os.path.join(w, "pinned.signed.efi"))
    t["image"] = sign(H.pvhimage("image", pvhboot_efi, os.path.join(w, "image.efi"), "--kernel", kernel,
                                 "--initrd", t["initrd"], "--initrd", t["extra"], "--cmdline", t["image_cmdline"]),
                      os.path.join(w, "image.signed.efi"))
    t["tpm_pcrs"] = sign(tpm_pcrs_efi, os.path.join(w, "tpm-pcrs.signed.efi"))
    t["data"] = mkdisk(os.path.join(w, "data.img"), {
        "/vmlinux": kernel, "/vmlinux-changed": t["kernel_changed"],
        "/initrd.img": t["initrd"], "/initrd-b.img": t["initrd_b"], "/extra.cpio": t["extra"]})

    def conf(name, linux="/vmlinux", initrds=("/initrd.img",), options=None):
        text = "title %s\nlinux %s\n" % (name, linux)
        text += "".join("initrd %s\n" % i for i in initrds)
        text += "options %s\n" % (options if options is not None else t["cmdline"])
        return H.write_file(os.path.join(w, name + ".conf"), text)
    t["conf"] = conf
    return t


def boot_disk(t, name, efi, conf=None):
    files = {"/EFI/BOOT/BOOTX64.EFI": efi}
    if conf:
        files["/EFI/BOOT/pvhboot.conf"] = conf
    return mkdisk(os.path.join(t["w"], name + ".img"), files)


# --- run sb_chain ----------------------------------------------------------
SB_CHAIN = ["pcrs", "unsigned", "unpinned", "kernel-changed", "initrd-changed", "initrd-extra",
            "cmdline-changed", "data", "image"]


@pytest.fixture(scope="module")
def sb_chain(trust):
    t, c = trust, trust["conf"]
    disks = {
        "pcrs": boot_disk(t, "pcrs", t["tpm_pcrs"]),
        "unsigned": boot_disk(t, "unsigned", t["pvhboot"], c("good")),
        "unpinned": boot_disk(t, "unpinned", t["signed"], c("good")),
        "kernel-changed": boot_disk(t, "kernel-changed", t["pinned"], c("kc", linux="/vmlinux-changed")),
        "initrd-changed": boot_disk(t, "initrd-changed", t["pinned"], c("ic", initrds=["/initrd-b.img"])),
        "initrd-extra": boot_disk(t, "initrd-extra", t["pinned"],
                                  c("ie", initrds=["/initrd.img", "/initrd-b.img"])),
        "cmdline-changed": boot_disk(t, "cmdline-changed", t["pinned"], c("cc", options=t["cmdline_changed"])),
        "data": t["data"],
        # The image ignores the config's kernel and (Secure Boot) its options.
        "image": boot_disk(t, "image", t["image"], c("img", linux="/vmlinux-changed", options="from=config")),
    }
    order = [disks[k] for k in SB_CHAIN]
    log = os.path.join(H.LOGDIR, "test_trust_sb_chain.log")
    result = qemu.run_ovmf(order[0], log, firmware="4M-snakeoil", more_disks=order[1:], tpm=True,
                           timeout=H.BOOT_TIMEOUT + 120, vars_dir=t["w"], stop_on=[SHELL_STARTED])
    segs = bds_segments(result.lines)
    return result, {k: segs.get(disk_path(i)) for i, k in enumerate(SB_CHAIN)}


def seg_of(run, case):
    result, segs = run
    seg = segs[case]
    assert seg is not None, "BDS never tried the %s disk (%s)\n%s" % (
        case, disk_path(SB_CHAIN.index(case)), result.describe())
    return result, seg


def test_sb_unsigned_refused_by_firmware(sb_chain):
    result, seg = seg_of(sb_chain, "unsigned")
    assert seg["status"] == "Access Denied", result.describe()
    assert not any(l.startswith("pvhboot") for l in seg["lines"]), "the unsigned pvhboot ran"


def test_sb_signed_runs_and_refuses_unpinned_kernel(sb_chain):
    result, seg = seg_of(sb_chain, "unpinned")
    assert seg["status"] == "Security Violation", result.describe()
    assert errors(seg) == ["pvhboot: error: Secure Boot is on and the kernel \\EFI\\BOOT\\pvhboot.conf:2: "
                           "\\vmlinux is not verified; build a one-file image (make image) or pin it "
                           "(make pin), then sign pvhboot"], result.describe()


def check_pin_refusal(sb_chain, case, what, got, want):
    result, seg = seg_of(sb_chain, case)
    errs = errors(seg)
    assert seg["status"] == "Security Violation", result.describe()
    assert len(errs) == 1, errs
    assert "%s: SHA-256 %s does not match the pinned %s" % (what, got, want) in errs[0], errs[0]
    assert not any("starting kernel" in l for l in seg["lines"])


def test_sb_pinned_refuses_changed_kernel(sb_chain, trust):
    check_pin_refusal(sb_chain, "kernel-changed", "\\vmlinux-changed", H.sha_file(trust["kernel_changed"]),
                      H.sha_file(trust["kernel"]))


def test_sb_pinned_refuses_changed_initrd(sb_chain, trust):
    check_pin_refusal(sb_chain, "initrd-changed", "\\initrd-b.img", H.sha_file(trust["initrd_b"]),
                      H.sha_file(trust["initrd"]))


def test_sb_pinned_refuses_cmdline_change(sb_chain, trust):
    check_pin_refusal(sb_chain, "cmdline-changed", "options: the command line",
                      sha(trust["cmdline_changed"].encode()), sha(trust["cmdline"].encode()))


def test_sb_pinned_refuses_extra_initrd(sb_chain):
    result, seg = seg_of(sb_chain, "initrd-extra")
    errs = errors(seg)
    assert seg["status"] == "Security Violation", result.describe()
    assert len(errs) == 1 and "2 initrd(s)" in errs[0] and "1 pinned" in errs[0], errs


def test_sb_one_file_image_boots(sb_chain, trust):
    result, seg = seg_of(sb_chain, "image")
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(seg["status"] is None, "the image's boot option failed: %s" % seg["status"])
    p.check(any("booting the kernel in pvhboot's own image; ignoring" in l for l in seg["lines"]),
            "pvhboot did not say it ignores the config's kernel")
    p.check(any(l.startswith("pvhboot: kernel (pvhboot's .linux section): %d bytes"
                             % os.path.getsize(trust["kernel"])) for l in seg["lines"]), "kernel not from .linux")
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == trust["image_cmdline"],
            "guest cmdline %r != the image's %r" % (guest.get("cmdline"), trust["image_cmdline"]))
    p.check(guest.tokens.get("/token1") == trust["token1"], "first initrd: %r" % guest.tokens.get("/token1"))
    p.check(guest.tokens.get("/token2") == trust["token2"], "second initrd: %r" % guest.tokens.get("/token2"))
    p.check(guest.get("lockdown") == "none [integrity] confidentiality",
            "lockdown=integrity from the signed command line: %r" % guest.get("lockdown"))
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off by itself")
    p.raise_if_any()


def replay_checks(p, control, guest_pcrs, kernel, initrd_paths, cmdline, label):
    want9 = extend(extend(control[9], hashlib.sha256(bytes.fromhex(H.sha_file(kernel))).digest()),
                   hashlib.sha256(initrd_blob(initrd_paths)).digest())
    want12 = H.pcr_extend(control[12], H.cmdline_pcr12_bytes(cmdline))
    p.check(guest_pcrs.get(9) == want9, "[%s] PCR 9 %s != replayed %s (control %s)"
            % (label, guest_pcrs.get(9), want9, control.get(9)))
    p.check(guest_pcrs.get(12) == want12, "[%s] PCR 12 %s != replayed %s (control %s)"
            % (label, guest_pcrs.get(12), want12, control.get(12)))


def test_sb_image_measured(sb_chain, trust):
    """A one-file image is measured as systemd-stub measures a unified image:
    PCR 11 in Linux is what `systemd-measure calculate` (Debian's systemd)
    predicts from the image's kernel, initrd and command line, and what a
    replay of the sections gives; PCR 9 and 12 are as before the chain
    (tpm-pcrs.efi, first disk): the .cmdline is in PCR 11, nothing came from
    files, and the refused boots in between measured nothing."""
    result, seg = seg_of(sb_chain, "pcrs")
    control = pcrs(seg["lines"], "tpm-pcrs: ")
    guest = pcrs(result.lines, "PVHTEST ")
    p = H.Problems(result)
    p.check(seg["status"] == "Aborted", "tpm-pcrs.efi status %r" % seg["status"])
    blob = initrd_blob([trust["initrd"], trust["extra"]])
    blob_path = os.path.join(trust["w"], "image-initrd.blob")
    with open(blob_path, "wb") as f:
        f.write(blob)
    cmdline = trust["image_cmdline"].encode()
    with open(trust["kernel"], "rb") as f:
        replayed = H.stub_pcr11({".linux": f.read(), ".initrd": blob, ".cmdline": cmdline})
    predicted = H.systemd_measure_pcr11(trust["w"], trust["kernel"], blob_path, cmdline)
    p.check(predicted is not None, "%s is missing (Debian's systemd package)" % H.SYSTEMD_MEASURE)
    p.check(predicted == replayed, "systemd-measure predicts %s, the replay of the sections gives %s"
            % (predicted, replayed))
    if p.check(len(control) == 24 and len(guest) == 24, "PCRs: %d before, %d in Linux" % (len(control), len(guest))):
        p.check(control[11] == H.ZERO_PCR, "PCR 11 was %s before pvhboot" % control[11])
        p.check(guest[11] == predicted, "PCR 11 in Linux %s != systemd-measure's %s" % (guest[11], predicted))
        for n in (9, 12):
            p.check(guest[n] == control[n], "PCR %d changed from %s to %s" % (n, control[n], guest[n]))
    p.check(any("measured the one-file image's sections into PCR 11 (the command line is one of them)" in l
                for l in seg_of(sb_chain, "image")[1]["lines"]), "pvhboot did not say it measured")
    p.raise_if_any()


# --- run sb_pinned ---------------------------------------------------------
@pytest.fixture(scope="module")
def sb_pinned(trust):
    t = trust
    tampered = os.path.join(t["w"], "image.tampered.efi")
    data = bytearray(open(t["image"], "rb").read())
    off = data.find(t["image_cmdline"].encode())
    data[off + len(t["image_cmdline"]) - 1] ^= 1
    with open(tampered, "wb") as f:
        f.write(data)
    order = [boot_disk(t, "tampered", tampered), boot_disk(t, "pinned", t["pinned"], t["conf"]("good")), t["data"]]
    log = os.path.join(H.LOGDIR, "test_trust_sb_pinned.log")
    result = qemu.run_ovmf(order[0], log, firmware="4M-snakeoil", more_disks=order[1:],
                           timeout=H.BOOT_TIMEOUT, vars_dir=t["w"], stop_on=[SHELL_STARTED])
    segs = bds_segments(result.lines)
    return result, {"tampered": segs.get(disk_path(0)), "pinned": segs.get(disk_path(1))}


def test_sb_tampered_image_refused(sb_pinned):
    result, segs = sb_pinned
    assert segs["tampered"] and segs["tampered"]["status"] == "Access Denied", result.describe()


def test_sb_pinned_boots(sb_pinned, trust):
    result, segs = sb_pinned
    seg = segs["pinned"]
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    if p.check(seg is not None, "BDS never tried the pinned disk"):
        p.check(seg["status"] is None, "boot option failed: %s" % seg["status"])
        p.check(not any("measure" in l.lower() or "tpm" in l.lower() for l in seg["lines"]
                        if l.startswith("pvhboot")), "pvhboot talked about a TPM that is not there")
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == trust["cmdline"], "guest cmdline %r" % guest.get("cmdline"))
    p.check(guest.tokens.get("/token1") == trust["token1"], "pinned initrd: %r" % guest.tokens.get("/token1"))
    p.check(guest.get("tpm") == "no", "guest tpm=%r" % guest.get("tpm"))
    # docs/security.md: the kernel gets no EFI, so it cannot see Secure Boot
    # and does not lock itself down (CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT).
    p.check(guest.get("efi") == "no", "guest efi=%r" % guest.get("efi"))
    p.check(guest.get("lockdown") == "[none] integrity confidentiality",
            "lockdown under Secure Boot with no lockdown= on the command line: %r" % guest.get("lockdown"))
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off by itself")
    p.raise_if_any()


def test_sb_image_file_verified_by_firmware(trust):
    t = trust
    files = H.image_file_entries(t["w"], [("unsigned", 2, H.small_onefile_image(t["pvhboot"], t["w"])),
                                           ("signed", 1, t["image"])])
    files["/EFI/BOOT/BOOTX64.EFI"] = t["signed"]
    log = os.path.join(H.LOGDIR, "test_trust_sb_image_file.log")
    result = qemu.run_ovmf(mkdisk(os.path.join(t["w"], "image-file.img"), files), log, firmware="4M-snakeoil",
                           timeout=H.BOOT_TIMEOUT, vars_dir=t["w"], stop_on=[SHELL_STARTED])
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    H.check_image_file_entries(p, result.lines, "the firmware refused this one-file image (",
                               "verified by the firmware (db, dbx)")
    p.check(guest.has("init-done"), "guest /init did not finish")
    p.check(guest.get("cmdline") == t["image_cmdline"], "guest cmdline %r != the image's %r"
            % (guest.get("cmdline"), t["image_cmdline"]))
    p.check(guest.tokens.get("/token2") == t["token2"], "second initrd: %r" % guest.tokens.get("/token2"))
    p.check(not result.timed_out and result.returncode == 0, "QEMU did not power off by itself")
    p.raise_if_any()


def test_sb_s3_on_overlaps_kernel(trust):
    """With S3 on, the SMM firmware keeps 0x810000-0x170FFFF as ACPI NVS
    (for S3 resume): Linux's 16 MiB load address is not RAM pvhboot may use."""
    t = trust
    log = os.path.join(H.LOGDIR, "test_trust_sb_s3_on.log")
    result = qemu.run_ovmf(boot_disk(t, "pinned-s3", t["pinned"], t["conf"]("good")), log,
                           firmware="4M-snakeoil", more_disks=[t["data"]], s3=True,
                           timeout=H.BOOT_TIMEOUT, vars_dir=t["w"], stop_on=[SHELL_STARTED])
    seg = bds_segments(result.lines).get(disk_path(0))
    assert seg is not None, result.describe()
    errs = errors(seg)
    assert len(errs) == 1 and "kernel needs 0x1000000-" in errs[0] and "not free RAM" in errs[0], \
        "%r\n%s" % (errs, result.describe())


# --- runs tpm_a / tpm_b ----------------------------------------------------
def tpm_run(t, name, cmdline, state):
    nsh = "\r\n".join(["fs0:", "\\tpm-pcrs.efi",
                       "\\pvhboot.efi kernel=\\vmlinux initrd=\\initrd.img initrd=\\extra.cpio " + cmdline,
                       "reset -s", ""])
    esp = mkdisk(os.path.join(t["w"], name + ".img"), {
        "/startup.nsh": H.write_file(os.path.join(t["w"], name + ".nsh"), nsh),
        "/tpm-pcrs.efi": os.path.join(H.BUILD, "tests", "tpm-pcrs.efi"), "/pvhboot.efi": t["pvhboot"],
        "/vmlinux": t["kernel"], "/initrd.img": t["initrd"], "/extra.cpio": t["extra"]},
        env={"DISK_GUID": DISK_GUID, "PART_GUID": PART_GUID})
    log = os.path.join(H.LOGDIR, "test_trust_%s.log" % name)
    return qemu.run_ovmf(esp, log, tpm=qemu.Swtpm(state_dir=state), timeout=H.BOOT_TIMEOUT, vars_dir=t["w"])


@pytest.fixture(scope="module")
def tpm_runs(trust):
    state = os.path.join(trust["w"], "tpm-state")       # one TPM for both boots
    a = tpm_run(trust, "tpm_a", trust["cmdline"], state)
    b = tpm_run(trust, "tpm_b", trust["cmdline_changed"], state)
    return a, b


def test_tpm_pcr_replay(tpm_runs, trust):
    p = H.Problems(tpm_runs[0])
    for result, cmdline, label in ((tpm_runs[0], trust["cmdline"], "tpm_a"),
                                   (tpm_runs[1], trust["cmdline_changed"], "tpm_b")):
        guest = H.GuestReport(result.text)
        control = pcrs(result.lines, "tpm-pcrs: ")
        linux = pcrs(result.lines, "PVHTEST ")
        p.check(guest.has("init-done") and guest.get("cmdline") == cmdline,
                "[%s] Linux did not boot with %r: %r" % (label, cmdline, guest.get("cmdline")))
        p.check(any("measured kernel and initrd into PCR 9, command line into PCR 12" in l
                    for l in result.lines), "[%s] pvhboot did not say it measured" % label)
        # The firmware's event log reaches Linux through the ACPI TPM2 table
        # (pvhboot's copy; tests/integration/test_tpm_log.py replays it).
        p.check(guest.get("tpm-event-log") == "yes", "[%s] tpm-event-log=%r" % (label, guest.get("tpm-event-log")))
        if p.check(len(control) == 24 and len(linux) == 24,
                   "[%s] PCRs: %d from tpm-pcrs.efi, %d from Linux (tpm=%r)"
                   % (label, len(control), len(linux), guest.get("tpm"))):
            replay_checks(p, control, linux, trust["kernel"], [trust["initrd"], trust["extra"]], cmdline, label)
    p.raise_if_any()


def test_tpm_cmdline_byte_changes_only_pcr12(tpm_runs):
    a, b = (pcrs(r.lines, "PVHTEST ") for r in tpm_runs)
    assert len(a) == 24 and len(b) == 24, "PCRs missing: %d, %d\n%s" % (len(a), len(b), tpm_runs[1].describe())
    differ = sorted(n for n in a if a[n] != b[n])
    assert differ == [12], "PCRs that differ between the two boots: %s" % differ


# --- run tpm_fail ------------------------------------------------------------
# fragment-memory.efi N adds about 2N entries to the PVH memory map (N
# reserved pages, each followed by a free one): 200 more than start_info's 126.
FRAGMENT_PAGES = 100
ERROR_SEPARATOR_HEX = "01000000"        # EV_SEPARATOR data 0x00000001, little-endian
EV_SEPARATOR = 0x4

_EVENT_RE = re.compile(r"tpm-pcrs: event pcr=(\d+) type=0x([0-9a-f]+) size=(\d+) hex=([0-9a-f]*) data=(.*)$")


def tpm_events(lines):
    """[(pcr, type, hex, data)] from tpm-pcrs.efi's event lines, in log order."""
    out = []
    for line in lines:
        m = _EVENT_RE.search(line)
        if m:
            out.append((int(m.group(1)), int(m.group(2), 16), m.group(4), m.group(5)))
    return out


def error_separator_after_pvhboot(events, pcr):
    """Whether the log has an EV_SEPARATOR 0x00000001 in pcr after pvhboot's
    last event there (anywhere in pcr, if pvhboot logged nothing in it)."""
    mine = [e for e in events if e[0] == pcr]
    last = max([i for i, e in enumerate(mine) if e[3].startswith("pvhboot: ")], default=-1)
    return any(e[1] == EV_SEPARATOR and e[2] == ERROR_SEPARATOR_HEX for e in mine[last + 1:])


def test_tpm_failed_boot_leaves_no_good_boot_pcrs(trust):
    """A boot that fails after pvhboot measured (here: converting the final
    memory map, which has more than 126 PVH entries) must not leave PCR 9
    and 12 as a good boot of the same files would: either it measured
    nothing yet, or it ended both with the PC Client PFP's error separator."""
    t = trust
    nsh = "\r\n".join(["fs0:", "\\tpm-pcrs.efi", "echo PVHMARK-pcrs-before",
                       "\\fragment-memory.efi %d" % FRAGMENT_PAGES, "echo PVHMARK-fragment",
                       "\\pvhboot.efi kernel=\\vmlinux initrd=\\initrd.img " + t["cmdline"],
                       "echo PVHRC-pvhboot %lasterror%", "echo PVHMARK-pvhboot",
                       "\\tpm-pcrs.efi", "echo PVHMARK-pcrs-after", "reset -s", ""])
    esp = mkdisk(os.path.join(t["w"], "tpm_fail.img"), {
        "/startup.nsh": H.write_file(os.path.join(t["w"], "tpm_fail.nsh"), nsh),
        "/tpm-pcrs.efi": os.path.join(H.BUILD, "tests", "tpm-pcrs.efi"),
        "/fragment-memory.efi": H.build_test_efi("fragment-memory"), "/pvhboot.efi": t["pvhboot"],
        "/vmlinux": t["kernel"], "/initrd.img": t["initrd"]})
    log = os.path.join(H.LOGDIR, "test_trust_tpm_fail.log")
    result = qemu.run_ovmf(esp, log, tpm=True, timeout=H.BOOT_TIMEOUT, vars_dir=t["w"])
    lines = result.lines
    p = H.Problems(result)
    fragment = H.output_before_marker(lines, "fragment") or []
    p.check(any(l.startswith("fragment-memory: %d reserved pages" % FRAGMENT_PAGES) for l in fragment),
            "fragment-memory.efi did not fragment the memory map: %r" % fragment)
    H.check_error_case(p, lines, "pvhboot", "memory map: ")
    boot = H.output_before_marker(lines, "pvhboot") or []
    p.check(not any("starting kernel" in l for l in boot),
            "pvhboot said it was starting the kernel and then failed: %r"
            % [l for l in boot if l.startswith("pvhboot: ")])
    p.check(not H.GuestReport(result.text).has("init-start"), "Linux booted")
    before = pcrs(H.output_before_marker(lines, "pcrs-before") or [], "tpm-pcrs: ")
    after_lines = H.output_before_marker(lines, "pcrs-after")
    if p.check(after_lines is not None, "no PVHMARK-pcrs-after: the shell did not go on after pvhboot"):
        after = pcrs(after_lines, "tpm-pcrs: ")
        events = tpm_events(after_lines)
        if p.check(len(before) == 24 and len(after) == 24,
                   "PCRs: %d before pvhboot, %d after" % (len(before), len(after))):
            for n in (9, 12):
                if after[n] == before[n]:
                    continue
                p.check(any(l.startswith("tpm-pcrs: event-log events=") for l in after_lines),
                        "PCR %d changed and tpm-pcrs.efi could not read the event log: %r"
                        % (n, [l for l in after_lines if "event log" in l]))
                p.check(error_separator_after_pvhboot(events, n),
                        "PCR %d changed (%s -> %s) although the boot failed, and the log has no EV_SEPARATOR "
                        "0x00000001 after pvhboot's last event in it; its events: %r"
                        % (n, before[n][:16], after[n][:16], [e for e in events if e[0] == n]))
    p.check_ended("reset -s at the end of startup.nsh", H.BOOT_TIMEOUT)
    p.raise_if_any()


# --- run pins_no_sb ----------------------------------------------------------
def test_pins_without_secure_boot_refuse_unpinned_initrd(trust):
    """Pins name one set of files with Secure Boot on or off: a pvhboot that
    pins a kernel and a command line and no initrd refuses kernel=, the
    command line and one initrd= (one error naming the counts, no kernel
    started), refuses a one-file image file, and boots the kernel and
    command line alone. With no initrd
    the kernel stops at mounting a root file system; that it got there
    with the pinned command line is the sign it booted."""
    t = trust
    pinned = H.pvhimage("pin", t["pvhboot"], os.path.join(t["w"], "pinned-no-initrd.efi"),
                        "--kernel", t["kernel"], "--cmdline", t["cmdline"])
    nsh = "\r\n".join(["fs0:",
                       "\\pinned.efi kernel=\\vmlinux initrd=\\initrd.img " + t["cmdline"],
                       "echo PVHRC-extra-initrd %lasterror%", "echo PVHMARK-extra-initrd",
                       "\\pinned.efi kernel=\\image.efi",
                       "echo PVHRC-image-file %lasterror%", "echo PVHMARK-image-file",
                       "\\pinned.efi kernel=\\vmlinux " + t["cmdline"],
                       "echo PVHMARK-RETURNED", "reset -s", ""])
    esp = mkdisk(os.path.join(t["w"], "pins_no_sb.img"), {
        "/startup.nsh": H.write_file(os.path.join(t["w"], "pins_no_sb.nsh"), nsh),
        "/pinned.efi": pinned, "/vmlinux": t["kernel"], "/initrd.img": t["initrd"],
        "/image.efi": os.path.join(t["w"], "image.efi")})
    log = os.path.join(H.LOGDIR, "test_trust_pins_no_sb.log")
    result = qemu.run_ovmf(esp, log, timeout=H.BOOT_TIMEOUT, vars_dir=t["w"])
    lines = result.lines
    p = H.Problems(result)
    p.check(not H.GuestReport(result.text).has("init-start"),
            "the unpinned initrd's /init ran: pvhboot booted an initrd its pins do not name")
    H.check_error_case(p, lines, "extra-initrd", "1 initrd(s) given, 0 pinned")
    refused = H.output_before_marker(lines, "extra-initrd") or []
    p.check(not any("starting kernel" in l for l in refused), "pvhboot started a kernel with the unpinned initrd")
    # A one-file image file is none of the pinned files.
    H.check_error_case(p, lines, "image-file", "\\image.efi is a one-file image, but pvhboot has pins: it boots "
                       "only the pinned files; use a pvhboot without pins")
    rest = lines[lines.index("PVHMARK-image-file") + 1:] if "PVHMARK-image-file" in lines else []
    p.check(any(l.startswith("pvhboot: starting kernel at ") for l in rest),
            "the pinned kernel and command line without an initrd did not boot: %r"
            % [l for l in rest if l.startswith("pvhboot: ")])
    p.check(any(l.endswith("Kernel command line: " + t["cmdline"]) for l in rest),
            "Linux did not report the pinned command line %r" % t["cmdline"])
    p.check(any("Unable to mount root fs" in l for l in rest),
            "Linux did not get as far as mounting a root file system (it has no initrd)")
    p.check("PVHMARK-RETURNED" not in lines, "pvhboot returned instead of booting the pinned pair")
    p.check(not result.timed_out, "QEMU did not exit (panic=-1 with no root file system) before the timeout")
    p.raise_if_any()
