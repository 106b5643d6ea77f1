"""Memory map parity with the EFI stub (issue 12, item 4).

The same kernel (Debian's cloud kernel: build/kernel/vmlinuz for the EFI
stub, the vmlinux cut from it for pvhboot), the same initrd and the same
machine, booted twice: by OVMF through the kernel's EFI stub (-kernel
vmlinuz) and by pvhboot from the EFI shell. The E820 map the kernel prints
("BIOS-e820:" lines, as /init reports them from dmesg) must be the same,
line for line, once the differences in EXPLAINED are applied; each
explained difference must actually occur (an explanation that no longer
applies is reported too).

Machines: q35 with 512 MiB, and q35 with 2 GiB in two NUMA nodes plus an
NVDIMM (nvdimm=on). What QEMU 7.2 and Debian's OVMF 2022.11 cannot make
appear in the UEFI memory map, and so is tested only with crafted maps in
tests/unit/test_pvh_memmap.c:
- EFI_MEMORY_SP (soft-reserved) memory: OVMF gives it only for QEMU's
  sp-mem / E820 soft-reserved ranges, which arrived in QEMU 11.1 and edk2
  in 2026;
- EfiPersistentMemory: an NVDIMM is described in the ACPI NFIT only; OVMF
  leaves its range out of the UEFI memory map, so neither boot has it in
  E820 (checked here: both maps are equal with the NVDIMM present).
"""
import os

import pytest

import pvhharness as H
import qemu

LOADER = "\\EFI\\pvhboot\\pvhboot.efi"
APPEND = "console=ttyS0 panic=-1"

# (name, reason, line): a line only the PVH boot has.
EXPLAINED = [
    ("pvh-isa-range",
     "Linux's PVH entry (arch/x86/platform/pvh/enlighten.c, init_pvh_bootparams) appends "
     "0xA0000-0xFFFFF as reserved to every memory map it is given, whoever gives it (QEMU's "
     "own PVH loader too); the EFI stub copies the UEFI memory map, in which OVMF does not "
     "describe that range at all",
     "[mem 0x00000000000a0000-0x00000000000fffff] reserved"),
]

MACHINES = {
    "q35-512M": ("q35", "512M", []),
    "q35-2G-numa-nvdimm": ("q35,nvdimm=on", "2G,slots=2,maxmem=4G", [
        "-object", "memory-backend-ram,id=m0,size=1G", "-object", "memory-backend-ram,id=m1,size=1G",
        "-numa", "node,nodeid=0,memdev=m0", "-numa", "node,nodeid=1,memdev=m1",
        "-object", "memory-backend-ram,id=nv1,size=256M", "-device", "nvdimm,id=nvdimm1,memdev=nv1,node=1"]),
}

REPORT_E820 = r"""dmesg | sed -n 's/^.*\] BIOS-e820: //p' | while read -r l; do say "e820=$l"; done
"""


@pytest.fixture(scope="module")
def initrd(kernel, tmp_path_factory):
    d = str(tmp_path_factory.mktemp("memmap-parity"))
    report = H.write_file(os.path.join(d, "report-e820.sh"), REPORT_E820)
    return H.mkinitrd(os.path.join(d, "initrd.img"), report)


@pytest.fixture(scope="module")
def vmlinuz(kernel):
    path = os.path.join(os.path.dirname(kernel), "vmlinuz")
    if not os.path.isfile(path):
        pytest.skip("%s not found (scripts/fetch-kernel.sh makes it)" % path)
    return path


def e820_lines(result):
    return [l[len("PVHTEST e820="):] for l in result.lines if l.startswith("PVHTEST e820=")]


def boot_pvh(kernel, efi, initrd, work, log_path, machine, mem, extra):
    nsh = "fs0:\n%s kernel=\\vmlinux initrd=\\initrd.img %s\necho PVHMARK-RETURNED\nreset -s\n" % (LOADER, APPEND)
    esp = H.mkesp(os.path.join(work, "esp-pvh.img"),
                  {LOADER: efi, "\\vmlinux": kernel, "\\initrd.img": initrd}, nsh)
    return qemu.run_ovmf(esp, log_path + ".pvhboot", machine=machine, mem=mem, extra=extra,
                         vars_dir=work, timeout=H.BOOT_TIMEOUT)


def boot_stub(vmlinuz, initrd, work, log_path, machine, mem, extra):
    # OVMF starts a bzImage given with -kernel through its EFI stub before
    # any boot option; the ESP only stops the run should it not.
    esp = H.mkesp(os.path.join(work, "esp-stub.img"), {}, "echo PVHMARK-SHELL-REACHED\nreset -s\n")
    return qemu.run_ovmf(esp, log_path + ".efistub", machine=machine, mem=mem, vars_dir=work,
                         extra=["-kernel", vmlinuz, "-initrd", initrd, "-append", APPEND] + extra,
                         timeout=H.BOOT_TIMEOUT)


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_e820_same_as_efi_stub(kernel, vmlinuz, pvhboot_efi, initrd, work, log_path, name):
    machine, mem, extra = MACHINES[name]
    pvh = boot_pvh(kernel, pvhboot_efi, initrd, work, log_path, machine, mem, extra)
    stub = boot_stub(vmlinuz, initrd, work, log_path, machine, mem, extra)
    p = H.Problems(pvh)
    for how, r in (("pvhboot", pvh), ("EFI stub", stub)):
        g = H.GuestReport(r.text)
        p.check(not r.fatal, "%s: fatal error in the log: %r" % (how, r.fatal))
        p.check(g.has("init-done"), "%s: guest /init did not finish (log %s)" % (how, r.log_path))
        p.check(g.get("efi") == ("no" if how == "pvhboot" else "yes"),
                "%s: guest efi=%r" % (how, g.get("efi")))
    a, b = e820_lines(pvh), e820_lines(stub)
    p.check(a and b, "no BIOS-e820 lines (pvhboot %d, EFI stub %d)" % (len(a), len(b)))
    left = list(a)
    for ident, reason, line in EXPLAINED:
        p.check(line in left and line not in b,
                "explained difference %s no longer occurs (%s): pvhboot %r, EFI stub %r"
                % (ident, reason, a, b))
        if line in left:
            left.remove(line)
    p.check(left == b, "E820 maps differ beyond the explained differences (%s):\n pvhboot:  %s\n EFI stub: %s"
            % (", ".join(e[0] for e in EXPLAINED), "\n           ".join(a), "\n           ".join(b)))
    p.raise_if_any()
