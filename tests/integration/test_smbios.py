"""SMBIOS/DMI parity (issue 12 item 1): the guest booted through pvhboot
sees the same /sys/class/dmi/id as the same kernel booted through OVMF's
EFI stub (QEMU -kernel bzImage), on q35 and on pc (i440FX), with QEMU's
-smbios type 1, 2 and 3 fields set.

Linux booted through PVH finds SMBIOS only by scanning 0xF0000-0xFFFFF;
pvhboot copies the firmware's entry points there (efi/glue/smbios.c).
Without that the guest has no /sys/class/dmi/id at all, so the checks that
every value is non-empty and equal to the EFI stub's fail on a pvhboot
without it.  The report comes from tests/integration/report-dmi.sh, an
extra /init report file in the initrd.
"""
import os
import re
import secrets
import uuid

import pytest

import pvhharness as H
import qemu

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT_DMI = os.path.join(HERE, "report-dmi.sh")
APPEND = "console=ttyS0 panic=-1"


def smbios_args(tag, system_uuid):
    """QEMU -smbios options with every field Linux exports set (no commas
    in the values: QEMU would need them doubled)."""
    return [
        "-smbios", "type=1,manufacturer=PvhTest Systems,product=Parity Box %s,version=1.2-rc3,"
                   "serial=SYS-%s,uuid=%s,sku=SKU-77,family=Test Family" % (tag, tag, system_uuid),
        "-smbios", "type=2,manufacturer=PvhTest Boards,product=Board %s,serial=BRD-%s,asset=BAT-%s"
                   % (tag, tag, tag),
        "-smbios", "type=3,manufacturer=PvhTest Chassis,serial=CHS-%s,asset=ASSET-%s" % (tag, tag),
    ]


def expected_fields(tag, system_uuid):
    """/sys/class/dmi/id files and the value each -smbios field gives."""
    return {
        "sys_vendor": "PvhTest Systems", "product_name": "Parity Box %s" % tag,
        "product_version": "1.2-rc3", "product_serial": "SYS-%s" % tag,
        "product_uuid": system_uuid, "product_sku": "SKU-77", "product_family": "Test Family",
        "board_vendor": "PvhTest Boards", "board_name": "Board %s" % tag, "board_serial": "BRD-%s" % tag,
        "board_asset_tag": "BAT-%s" % tag,
        "chassis_vendor": "PvhTest Chassis", "chassis_serial": "CHS-%s" % tag,
        "chassis_asset_tag": "ASSET-%s" % tag,
    }


def dmi_values(guest):
    return {k[len("dmi:"):]: v for k, v in guest.values.items() if k.startswith("dmi:")}


_E820_RE = re.compile(r"BIOS-e820: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] (.+)$")


def e820(text):
    """The map the kernel printed: [(start, end inclusive, type)]."""
    out = []
    for line in text.split("\n"):
        m = _E820_RE.search(line)
        if m:
            out.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3).strip()))
    return out


def boot_efi_stub(work, log_path, vmlinuz, initrd, machine, extra):
    """OVMF's QEMU kernel loader boots the bzImage through its EFI stub
    (the ESP only catches a run that reaches the shell)."""
    esp = H.mkesp(os.path.join(work, "esp-stub.img"), {}, "echo PVHMARK-SHELL-REACHED\nreset -s\n")
    return qemu.run_ovmf(esp, log_path, machine=machine, timeout=H.BOOT_TIMEOUT,
                         extra=list(extra) + ["-kernel", vmlinuz, "-initrd", initrd, "-append", APPEND],
                         vars_dir=work)


def boot_pvhboot(work, log_path, efi, vmlinux, initrd, machine, extra):
    files = {"\\EFI\\pvhboot\\pvhboot.efi": efi, "\\vmlinux": vmlinux, "\\initrd.img": initrd}
    nsh = "\n".join(["echo PVHMARK-NSH-START", "fs0:",
                     "\\EFI\\pvhboot\\pvhboot.efi kernel=\\vmlinux initrd=\\initrd.img " + APPEND,
                     "echo PVHMARK-RETURNED", "reset -s", ""])
    esp = H.mkesp(os.path.join(work, "esp-pvh.img"), files, nsh)
    return qemu.run_ovmf(esp, log_path, machine=machine, timeout=H.BOOT_TIMEOUT, extra=extra,
                         vars_dir=work)


# QEMU 7.2 gives OVMF a 32-bit (SMBIOS 2.8) anchor by default; with
# smbios-entry-point-type=64 it is SMBIOS 3.0 and OVMF publishes both the
# 64-bit and the 32-bit entry point.
MACHINES = {"q35": "q35", "pc": "pc", "q35-smbios3": "q35,smbios-entry-point-type=64"}


# make check: pc (i440FX) and q35 with both entry points; plain q35 (the
# 32-bit one alone, which pc covers too) only in the full run.
FULL_ONLY = {"q35"}
VARIANTS = [pytest.param(v, id=v, marks=pytest.mark.skipif(
    v in FULL_ONLY and os.environ.get("PVHTEST_FULL", "") in ("", "0"),
    reason="only in the full run (PVHTEST_FULL=1, make check-full)")) for v in sorted(MACHINES)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_dmi_matches_efi_stub(kernel, pvhboot_efi, work, log_path, variant):
    machine = MACHINES[variant]
    vmlinuz = os.path.join(os.path.dirname(kernel), "vmlinuz")
    if not os.path.isfile(vmlinuz):
        pytest.fail("%s not found (scripts/fetch-kernel.sh writes it next to vmlinux)" % vmlinuz)
    tag = secrets.token_hex(4)
    system_uuid = str(uuid.uuid4())
    extra = smbios_args(tag, system_uuid)
    initrd = H.mkinitrd(os.path.join(work, "initrd.img"), REPORT_DMI)

    stub = boot_efi_stub(work, log_path.replace(".log", "-efistub.log"), vmlinuz, initrd, machine, extra)
    pvh = boot_pvhboot(work, log_path, pvhboot_efi, kernel, initrd, machine, extra)
    g_stub, g_pvh = H.GuestReport(stub.text), H.GuestReport(pvh.text)

    p = H.Problems(pvh)
    # The reference: the EFI stub boot ran /init and saw the -smbios fields.
    p.check(g_stub.has("init-done"), "EFI stub boot: /init did not finish (log %s)" % stub.log_path)
    p.check(g_stub.get("efi") == "yes", "EFI stub boot: efi=%r, not booted through EFI" % g_stub.get("efi"))
    ref = dmi_values(g_stub)
    for name, want in expected_fields(tag, system_uuid).items():
        p.check(ref.get(name) == want, "EFI stub boot: dmi %s=%r, QEMU's -smbios gave %r" % (name, ref.get(name), want))

    # pvhboot's boot: PVH, and the same DMI, file by file.
    p.check(g_pvh.has("init-done"), "pvhboot boot: /init did not finish")
    p.check("PVHMARK-RETURNED" not in pvh.lines, "pvhboot returned to the shell")
    p.check(g_pvh.get("efi") == "no", "pvhboot boot: efi=%r (PVH has no EFI)" % g_pvh.get("efi"))
    placed = [l for l in pvh.lines if l.startswith("pvhboot: SMBIOS entry points for the kernel: ")]
    p.check(len(placed) == 1, "no 'pvhboot: SMBIOS entry points for the kernel: ...' line")
    if variant == "q35-smbios3":
        p.check(placed and "(64-bit) at 0xF0000" in placed[0] and "(32-bit) at 0xF0020" in placed[0],
                "expected both entry points, 64-bit first: %r" % placed)
        p.check((g_pvh.get("dmi-smbios") or "").startswith("SMBIOS 3."),
                "the kernel did not take the 64-bit entry point: %r" % g_pvh.get("dmi-smbios"))
    warnings = [l for l in pvh.lines if l.startswith("pvhboot: warning: SMBIOS")]
    p.check(not warnings, "pvhboot warned: %r" % warnings)
    got = dmi_values(g_pvh)
    p.check(g_pvh.get("dmi") == "yes", "pvhboot boot: no /sys/class/dmi/id (dmi=%r)" % g_pvh.get("dmi"))
    for name in sorted(set(ref) | set(got)):
        p.check(ref.get(name) and got.get(name) == ref.get(name),
                "dmi %s: pvhboot %r, EFI stub %r (both must be set and equal)" % (name, got.get(name), ref.get(name)))
    p.check(len(ref) >= 20, "EFI stub boot exported only %d DMI files: %r" % (len(ref), sorted(ref)))
    # The same entry point and the same structure table bytes.
    for key in ("dmi-smbios", "dmi-ep", "dmi-table:smbios_entry_point", "dmi-table:DMI"):
        p.check(g_stub.get(key) and g_pvh.get(key) == g_stub.get(key),
                "%s: pvhboot %r, EFI stub %r" % (key, g_pvh.get(key), g_stub.get(key)))
    # The F-segment is not RAM for the kernel (the firmware map has a hole there).
    m = e820(pvh.text)
    p.check(m, "no BIOS-e820 lines in the pvhboot boot's log")
    usable = [(a, b, t) for a, b, t in m if t == "usable" and a <= 0xFFFFF and b >= 0xF0000]
    p.check(not usable, "e820 gives 0xF0000-0xFFFFF to the kernel as RAM: %r" % usable)
    p.raise_if_any()
