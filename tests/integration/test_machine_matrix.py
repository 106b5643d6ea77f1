"""Machine matrix: the Debian cloud kernel and the PVH probe kernel boot
through pvhboot on q35 and i440fx ("pc"), 1/2/4 vCPUs, 128 MiB .. 6 GiB, and
Debian's 4 MiB and 2 MiB OVMF builds; and both of pvhboot's load paths
(segments read in place, or staged and moved after ExitBootServices).

Not the full product: a covering set, every value at least once for Linux
and at least once for the probe.  A CI slice (marked ci=True) runs in
`make check`; the rest only with PVHTEST_FULL=1 (`make check-full`).

Every run is one QEMU boot; startup.nsh starts pvhboot and, should pvhboot
return, prints PVHMARK-RETURNED and shuts down.
"""
import collections
import json
import os
import re
import secrets

import pytest

import pvhharness as H
import qemu
from test_pvh_boot import check_booted, check_memtotal

FULL = os.environ.get("PVHTEST_FULL", "") not in ("", "0")
EFI = "\\pvhboot.efi"
CLAIM = "\\claim-pages.efi"
FOUR_GIB = 4 << 30
PAGE = 4096

# Probe exit statuses through isa-debug-exit ((value << 1) | 1).
PROBE_PASS, PROBE_FAIL = 33, 35

Config = collections.namedtuple("Config", "machine firmware mem smp ci")


def _id(c):
    return "%s-ovmf%s-%s-%dcpu" % (c.machine, c.firmware.lower(), c.mem.lower(), c.smp)


def _params(configs):
    return [pytest.param(c, id=_id(c), marks=() if c.ci or FULL else pytest.mark.skip(
        reason="full machine matrix only (PVHTEST_FULL=1, make check-full)")) for c in configs]


# machine: q35, pc  firmware: 4M, 2M  smp: 1, 2, 4  mem: 128M, 512M, 3G, 6G
# The CI slice covers every value for Linux.
LINUX_CONFIGS = [
    Config("q35", "4M", "512M", 2, ci=True),
    Config("q35", "2M", "6G", 4, ci=True),     # 2 GiB below 4 GiB, 4 GiB above
    Config("pc", "4M", "3G", 1, ci=True),      # 3 GiB, all of it below 4 GiB on pc
    # 128 MiB: OVMF also holds 32 pages of BS_Data at 0x3B75000, inside
    # Linux's last segment. pvhboot once staged whole segments and found no
    # contiguous 14 MiB for this one; it now stages only the pages the
    # firmware holds.
    Config("pc", "2M", "128M", 1, ci=True),
    Config("q35", "4M", "3G", 4, ci=False),    # q35 puts 1 GiB of it above 4 GiB
    Config("pc", "2M", "6G", 2, ci=False),     # 3 GiB below 4 GiB, 3 GiB above
]
# PROBE_CONFIGS[0] is the load-path tests' machine (both runs in the CI
# slice); test_probe boots the others.
PROBE_CONFIGS = [
    Config("q35", "4M", "512M", 1, ci=True),
    Config("pc", "2M", "6G", 4, ci=False),
    Config("q35", "2M", "128M", 2, ci=False),
    Config("pc", "4M", "3G", 2, ci=False),
]


def _covers(configs):
    return ({c.machine for c in configs} >= {"q35", "pc"} and
            {c.firmware for c in configs} >= {"4M", "2M"} and
            {c.smp for c in configs} >= {1, 2, 4} and
            {c.mem for c in configs} >= {"128M", "512M", "3G", "6G"})


def ram_above_4g(machine, mem):
    """Bytes of guest RAM QEMU maps above 4 GiB: q35 keeps 2 GiB below 4 GiB
    once RAM reaches 2.75 GiB (else all of it), i440fx 3 GiB once RAM reaches
    3.5 GiB (hw/i386/pc_q35.c, pc_piix.c)."""
    size = H.parse_size(mem)
    if machine == "q35":
        low = 0x80000000 if size >= 0xB0000000 else size
    else:
        low = 0xC0000000 if size >= 0xE0000000 else size
    return size - low


_KLINE_RE = re.compile(r"pvhboot: kernel (\S+): (\d+) bytes, read (\d+) "
                       r"\((\d+) in place, (\d+) staged\), PVH entry (0x[0-9a-fA-F]+)")
_E820_RE = re.compile(r"BIOS-e820: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] usable")


def kernel_line(result):
    """(bytes read, bytes read in place, bytes staged) from pvhboot's
    'kernel ...' line, or None."""
    for line in result.lines:
        m = _KLINE_RE.search(line)
        if m:
            return int(m.group(3)), int(m.group(4)), int(m.group(5))
    return None


# OVMF keeps its DXE firmware volume at 0x900000-0x14FFFFF while pvhboot
# runs: the part of a kernel below 0x1500000 is the firmware's until
# ExitBootServices and has to be staged.
OVMF_DXE_END = 0x1500000


def usable_above_4g(text):
    """Bytes of 'usable' RAM above 4 GiB in Linux's BIOS-e820 table (which
    Linux builds from pvhboot's PVH memory map)."""
    total = 0
    for m in _E820_RE.finditer(text):
        start, end = int(m.group(1), 16), int(m.group(2), 16) + 1
        if end > FOUR_GIB:
            total += end - max(start, FOUR_GIB)
    return total


def load_segments(elf):
    """[(paddr, memsz)] of an ELF's PT_LOAD segments (scripts/elfnote.py -v)."""
    out = H.script("elfnote.py", "-v", elf)
    return [(int(m.group(1), 16), int(m.group(2), 16))
            for m in re.finditer(r"^load .*paddr=(0x[0-9a-f]+) .*memsz=(0x[0-9a-f]+)", out, re.M)]


def claim_range(start, end):
    """claim-pages arguments for [start, end) rounded out to pages."""
    start &= ~(PAGE - 1)
    end = (end + PAGE - 1) & ~(PAGE - 1)
    return "%s 0x%x %d loader" % (CLAIM, start, (end - start) // PAGE)


def boot(work, log_path, config, files, command, pre=(), extra=(), timeout=None):
    """ESP with files ({esp path: local file}) + pvhboot; startup.nsh runs
    the pre lines (each followed by `echo PVHRC-pre<i> %lasterror%`), then
    command; PVHMARK-RETURNED if it returns."""
    nsh = ["echo PVHMARK-NSH-START", "fs0:"]
    for i, line in enumerate(pre):
        nsh += [line, "echo PVHRC-pre%d %%lasterror%%" % i]
    nsh += [command, "echo PVHMARK-RETURNED", "reset -s", ""]
    esp = H.mkesp(os.path.join(work, "esp.img"), files, "\n".join(nsh))
    return qemu.run_ovmf(esp, log_path, mem=config.mem, smp=config.smp,
                         machine=config.machine, firmware=config.firmware, extra=extra,
                         timeout=timeout or H.BOOT_TIMEOUT)


def check_pre(p, result, pre):
    for i, line in enumerate(pre):
        rc = [l.strip().split()[1] for l in result.lines
              if re.fullmatch(r"PVHRC-pre%d \S+" % i, l.strip())]
        p.check(rc == ["0x0"], "`%s` returned %r, expected 0x0" % (line, rc))


# ---------------------------------------------------------------- Linux

@pytest.fixture(scope="module")
def matrix_initrd():
    d = os.path.join(H.WORKDIR, "machine_matrix")
    os.makedirs(d, exist_ok=True)
    return H.mkinitrd(os.path.join(d, "initrd.img"))


def linux_boot(kernel, pvhboot_efi, work, log_path, config, initrd, pre=(), claim_efi=None):
    word = secrets.token_hex(6)
    cmdline = "console=ttyS0 panic=-1 pvhtest.word=%s" % word
    files = {EFI: pvhboot_efi, "\\vmlinux": kernel, "\\initrd.img": initrd}
    if claim_efi:
        files[CLAIM] = claim_efi
    result = boot(work, log_path, config, files,
                  "%s kernel=\\vmlinux initrd=\\initrd.img %s" % (EFI, cmdline), pre=pre)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    check_booted(p, result, guest)
    check_pre(p, result, pre)
    p.check(guest.get("cmdline") == cmdline, "guest cmdline %r != %r"
            % (guest.get("cmdline"), cmdline))
    return result, guest, p


def test_matrix_covers_every_value():
    assert _covers(LINUX_CONFIGS), LINUX_CONFIGS
    assert _covers(PROBE_CONFIGS), PROBE_CONFIGS


@pytest.mark.parametrize("config", _params(LINUX_CONFIGS))
def test_linux(kernel, pvhboot_efi, work, log_path, matrix_initrd, config):
    result, guest, p = linux_boot(kernel, pvhboot_efi, work, log_path, config, matrix_initrd)
    p.check(guest.get("cpus-online") == str(config.smp), "cpus-online %r, expected %d"
            % (guest.get("cpus-online"), config.smp))
    # 128 MiB: the 62 MiB kernel image and its page tables are not in
    # MemTotal, so only a lower bound of 40% holds there.
    kb = check_memtotal(p, guest, config.mem, lo=0.40 if config.mem == "128M" else 0.70)
    high = ram_above_4g(config.machine, config.mem)
    got_high = usable_above_4g(result.text)
    if high:
        p.check(high * 0.95 <= got_high <= high,
                "usable RAM above 4 GiB in Linux's e820 table: %d MiB, QEMU maps %d MiB there"
                % (got_high >> 20, high >> 20))
    else:
        p.check(got_high == 0, "Linux sees %d MiB above 4 GiB, QEMU maps none there"
                % (got_high >> 20))
    if H.parse_size(config.mem) > FOUR_GIB and kb is not None:
        p.check(kb * 1024 > FOUR_GIB, "MemTotal %d kB is not above 4 GiB with -m %s"
                % (kb, config.mem))
    # Linux's first segment starts at 0x1000000, inside what OVMF keeps at
    # 0x900000-0x14FFFFF (its DXE firmware volume) while pvhboot runs:
    # pvhboot stages those 5 MiB (and any other page the firmware holds, as
    # with 128 MiB) and reads everything else straight into place.
    kl = kernel_line(result)
    p.check(kl and kl[1] + kl[2] == kl[0] and kl[2] >= OVMF_DXE_END - 0x1000000 and kl[1] > kl[2],
            "pvhboot's kernel line says (read, in place, staged) = %r; expected at least "
            "0x%x staged (below 0x%x) and most of it in place" % (kl, OVMF_DXE_END - 0x1000000, OVMF_DXE_END))
    p.raise_if_any()


def test_linux_all_segments_staged(kernel, pvhboot_efi, claim_pages_efi, work, log_path,
                                   matrix_initrd):
    """claim-pages.efi takes (as loader data) every page of the kernel's
    range that OVMF left free, so pvhboot can read nothing in place: "0 in
    place, N staged", and Linux still boots (the handoff moves everything
    after ExitBootServices)."""
    config = LINUX_CONFIGS[0]      # q35, 512 MiB
    segs = load_segments(kernel)
    # Below OVMF_DXE_END the firmware holds the pages (see test_linux): claim
    # the rest, from there to the kernel's end, all of which OVMF leaves free.
    start = OVMF_DXE_END
    end = max(a + n for a, n in segs)
    pre = (claim_range(start, end),)
    result, guest, p = linux_boot(kernel, pvhboot_efi, work, log_path, config, matrix_initrd,
                                  pre=pre, claim_efi=claim_pages_efi)
    kl = kernel_line(result)
    p.check(kl and kl[1] == 0 and kl[2] == kl[0], "pvhboot's kernel line says (read, in place, "
            "staged) = %r, expected nothing in place" % (kl,))
    p.raise_if_any()


# ---------------------------------------------------------------- probe

PROBE_MODULE_SIZE = 12345       # the initrd, given to the probe as module 0


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def probe_boot(probe_elf, pvhboot_efi, work, log_path, config, pre=(), claim_efi=None):
    """Boot the probe through pvhboot with a module and a command line; check
    its verdict, exit status, command line, module and RAM as QEMU maps it.
    Returns (result, report, problems)."""
    module = os.path.join(work, "module.bin")
    with open(module, "wb") as f:
        f.write(secrets.token_bytes(PROBE_MODULE_SIZE))
    cmdline = "console=ttyS0 probe.word=%s" % secrets.token_hex(6)
    files = {EFI: pvhboot_efi, "\\probe.elf": probe_elf, "\\module.bin": module}
    if claim_efi:
        files[CLAIM] = claim_efi
    result = boot(work, log_path, config, files,
                  "%s kernel=\\probe.elf initrd=\\module.bin %s" % (EFI, cmdline),
                  pre=pre, extra=qemu.DEBUG_EXIT)
    p = H.Problems(result)
    jsons = [l[len("PROBE-JSON "):] for l in result.lines if l.startswith("PROBE-JSON ")]
    verdicts = [l.strip() for l in result.lines if l.startswith("PROBE-RESULT ")]
    report = None
    if p.check(len(jsons) == 1, "%d PROBE-JSON lines, expected 1" % len(jsons)):
        try:
            report = json.loads(jsons[0])
        except ValueError as e:
            p.check(False, "PROBE-JSON is not JSON (%s): %r" % (e, jsons[0][:300]))
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)
    p.check("PVHMARK-NSH-START" in result.lines, "startup.nsh never ran")
    p.check("PVHMARK-RETURNED" not in result.lines, "pvhboot returned to the shell")
    failed = sorted(k for k, v in (report or {}).get("checks", {}).items() if v is not True)
    p.check(verdicts == ["PROBE-RESULT pass"] and not failed,
            "probe verdict %r, failed rules %s (see test_probe.py for what they mean)"
            % (verdicts, failed))
    p.check(not result.timed_out and result.returncode == PROBE_PASS,
            "QEMU exit status %s, expected %d (probe pass through isa-debug-exit)"
            % (result.returncode, PROBE_PASS))
    check_pre(p, result, pre)
    if report:
        cl = report.get("cmdline", {})
        p.check(cl.get("text") == cmdline, "probe read cmdline %r, passed %r" % (cl, cmdline))
        mods = report.get("modules", [])
        with open(module, "rb") as f:
            content = f.read()
        p.check(len(mods) == 1 and int(mods[0]["size"], 16) == len(content) and
                int(mods[0].get("fnv1a64", "0x0"), 16) == fnv1a64(content),
                "modules %r, expected one of %d bytes, FNV-1a 0x%x"
                % (mods, len(content), fnv1a64(content)))
        mem = H.parse_size(config.mem)
        total = int(report.get("ram_total", "0x0"), 16)
        p.check(0.95 * mem <= total <= mem, "RAM total in the PVH memmap %.1f MiB, not within "
                "95%%..100%% of -m %s" % (total / 2 ** 20, config.mem))
        high = sum(max(0, int(e["addr"], 16) + int(e["size"], 16) -
                       max(int(e["addr"], 16), FOUR_GIB))
                   for e in report.get("memmap", []) if e.get("type") == 1)
        want = ram_above_4g(config.machine, config.mem)
        p.check(want * 0.95 <= high <= want, "RAM above 4 GiB in the PVH memmap: %d MiB, "
                "QEMU maps %d MiB there" % (high >> 20, want >> 20))
    return result, report, p


@pytest.mark.parametrize("config", _params(PROBE_CONFIGS[1:]))
def test_probe(probe_elf, pvhboot_efi, work, log_path, config):
    result, report, p = probe_boot(probe_elf, pvhboot_efi, work, log_path, config)
    kl = kernel_line(result)
    p.check(kl and kl[1] == kl[0] and kl[2] == 0, "pvhboot's kernel line says (read, in place, "
            "staged) = %r, expected all in place" % (kl,))
    p.raise_if_any()


@pytest.mark.parametrize("path", ["in-place", "staged"])
def test_probe_load_paths(probe_elf, pvhboot_efi, claim_pages_efi, work, log_path, path):
    """Both of pvhboot's load paths with the probe (PROBE_CONFIGS[0]):
    in-place: its pages at 32 MiB are free under OVMF, so pvhboot reads it
        straight into place: "N in place, 0 staged";
    staged: claim-pages.efi first takes the probe's whole range as loader
        data (RAM again after ExitBootServices), so pvhboot must stage all
        of it ("0 in place, N staged") and the handoff moves it
        (and clears .bss) after ExitBootServices: the probe still passes
        (its elf_* rules check the image and .bss it runs from)."""
    config = PROBE_CONFIGS[0]
    segs = load_segments(probe_elf)
    pre = ()
    if path == "staged":
        pre = (claim_range(min(a for a, _ in segs), max(a + n for a, n in segs)),)
    result, report, p = probe_boot(probe_elf, pvhboot_efi, work, log_path, config, pre=pre,
                                   claim_efi=claim_pages_efi)
    kl = kernel_line(result)
    want = (kl[0], kl[0], 0) if path == "in-place" else (kl[0], 0, kl[0]) if kl else None
    p.check(kl and kl[0] > 0 and kl == want, "pvhboot's kernel line says (read, in place, staged) "
            "= %r, expected %r" % (kl, want))
    p.raise_if_any()
