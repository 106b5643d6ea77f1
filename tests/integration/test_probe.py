"""The PVH conformance probe (tests/probe/) under three PVH loaders.

The probe is a tiny 32-bit PVH kernel: it records the machine state at its
PVH entry, checks it and start_info against the PVH spec (the rules in
tests/probe/rules.def), prints one `PROBE-JSON {...}` line and
`PROBE-RESULT pass|fail`, and leaves QEMU through isa-debug-exit
(0x10 -> exit status 33 = pass, 0x11 -> 35 = fail).

Each loader boots the probe once (module-scoped fixtures cache the run):

  pvhboot  OVMF q35, the EFI shell runs pvhboot.efi kernel=\\probe.elf ...
           every rule must hold: one pytest test per rule;
  pvhbin   QEMU's own PVH loader (-kernel, SeaBIOS + the pvh.bin option ROM);
  qboot    -bios qboot.rom -kernel (qboot's own PVH loader).

The last two are negative controls: the probe must fail exactly the rules
listed in EXPECTED_FAILURES (so the probe does see a loader's mistakes, and
sees nothing else). For all three the probe must report the command line
that was passed, the module's size and FNV-1a 64 checksum of the file, and a
RAM total that fits -m. Serial logs: build/test-logs/probe_<loader>.log.
"""
import json
import os
import re
import secrets
import shutil
import subprocess

import pytest

import pvhharness as H
import qemu

PROBE_DIR = os.path.join(H.REPO, "tests", "probe")
MEM = "512M"
DEBUG_EXIT = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
EXIT_PASS, EXIT_FAIL = 33, 35       # (0x10 << 1) | 1, (0x11 << 1) | 1
QBOOT_ROM = os.environ.get("QBOOT_ROM", "/usr/share/qemu/qboot.rom")
DIRECT_TIMEOUT = 60                 # the probe runs in well under a second
MODULE_SIZE = 300001                # neither 4-byte nor page multiple

LOADERS = ("pvhboot", "pvhbin", "qboot")

# Rules each loader breaks (QEMU 7.2 / SeaBIOS 1.16.2 / qboot as in Debian 12).
#   pvh.bin: never loads TR (TR selector 0, no TSS in its GDT).
#   qboot:   never loads TR either; its memmap lists RAM above 1 MiB last,
#            after the reserved entries up to 0xfd00000000 (unsorted).
EXPECTED_FAILURES = {
    "pvhboot": set(),
    "pvhbin": {"tr_tss32_busy"},
    "qboot": {"tr_tss32_busy", "memmap_sorted"},
}


def _rules():
    """Rule names and descriptions, in order, from tests/probe/rules.def."""
    rules = []
    with open(os.path.join(PROBE_DIR, "rules.def")) as f:
        for line in f:
            m = re.match(r'PROBE_RULE\((\w+), "(.*)"\)\s*$', line)
            if m:
                rules.append((m.group(1), m.group(2).replace('\\"', '"')))
    return rules


RULES = _rules()
RULE_NAMES = [r[0] for r in RULES]
RULE_WHAT = dict(RULES)


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


class ProbeRun:
    """One boot of the probe: the QEMU result and what the probe printed."""

    def __init__(self, loader, result, cmdline, module):
        self.loader = loader
        self.result = result
        self.cmdline = cmdline
        self.module = module
        self.json_lines = [l for l in result.lines if l.startswith("PROBE-JSON ")]
        self.result_lines = [l.strip() for l in result.lines if l.startswith("PROBE-RESULT ")]
        self.data = None
        self.json_error = None
        if len(self.json_lines) == 1:
            try:
                self.data = json.loads(self.json_lines[0][len("PROBE-JSON "):])
            except ValueError as e:
                self.json_error = str(e)

    def describe(self):
        return "%s run: %s" % (self.loader, self.result.describe())

    def report(self):
        """The parsed PROBE-JSON object; fails the test if there is none."""
        if self.data is None:
            why = ("%d PROBE-JSON lines" % len(self.json_lines) if len(self.json_lines) != 1
                   else "PROBE-JSON is not valid JSON: %s" % self.json_error)
            pytest.fail("no probe report (%s)\n%s" % (why, self.describe()))
        return self.data

    def failing(self):
        return {k for k, v in self.report()["checks"].items() if v is not True}


def _module_file(work):
    path = os.path.join(work, "probe-module.bin")
    with open(path, "wb") as f:
        f.write(secrets.token_bytes(MODULE_SIZE))
    return path


def _workdir(loader):
    work = os.path.join(H.WORKDIR, "probe_" + loader)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    return work


def _cmdline():
    return "console=ttyS0 probe.word=%s" % secrets.token_hex(6)


@pytest.fixture(scope="module")
def probe_elf():
    """build/probe/probe.elf, (re)built with `make probe` (PROBE_ELF overrides)."""
    path = os.environ.get("PROBE_ELF")
    if path:
        return path
    p = subprocess.run(["make", "-s", "-C", H.REPO, "BUILD=%s" % H.BUILD, "probe"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        pytest.fail("make probe failed:\n" + p.stdout.decode(errors="replace"))
    return os.path.join(H.BUILD, "probe", "probe.elf")


@pytest.fixture(scope="module")
def pvhboot_run(pvhboot_efi, probe_elf):
    work = _workdir("pvhboot")
    module = _module_file(work)
    cmdline = _cmdline()
    efi = "\\EFI\\pvhboot\\pvhboot.efi"
    command = "%s kernel=\\probe.elf initrd=\\probe-module.bin %s" % (efi, cmdline)
    nsh = "\n".join(["echo PVHMARK-NSH-START", "fs0:", command,
                     "echo PVHMARK-RETURNED", "reset -s", ""])
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {efi: pvhboot_efi, "\\probe.elf": probe_elf,
                   "\\probe-module.bin": module}, nsh)
    result = qemu.run_ovmf(esp, os.path.join(H.LOGDIR, "probe_pvhboot.log"), mem=MEM,
                           timeout=H.BOOT_TIMEOUT, extra=DEBUG_EXIT)
    return ProbeRun("pvhboot", result, cmdline, module)


def _direct_run(loader, probe_elf, extra):
    work = _workdir(loader)
    module = _module_file(work)
    cmdline = _cmdline()
    result = qemu.run_direct(probe_elf, module, cmdline,
                             os.path.join(H.LOGDIR, "probe_%s.log" % loader), mem=MEM,
                             timeout=DIRECT_TIMEOUT, extra=DEBUG_EXIT + list(extra))
    return ProbeRun(loader, result, cmdline, module)


@pytest.fixture(scope="module")
def pvhbin_run(test_deps, probe_elf):
    return _direct_run("pvhbin", probe_elf, [])


@pytest.fixture(scope="module")
def qboot_run(test_deps, probe_elf):
    if not os.path.isfile(QBOOT_ROM):
        pytest.fail("%s not found (Debian ships it in qemu-system-data)" % QBOOT_ROM)
    return _direct_run("qboot", probe_elf, ["-bios", QBOOT_ROM])


@pytest.fixture(params=LOADERS)
def run(request):
    return request.getfixturevalue(request.param + "_run")


def _context(rule, data):
    """The part of the report a rule is about, for failure messages."""
    regs = data.get("regs", {})
    segs = data.get("segments", {})
    prefix = rule.split("_")[0]
    if prefix in ("cr0", "cr4", "efer", "eflags"):
        return {prefix: regs.get(prefix)}
    if prefix == "ebx":
        return {"ebx": regs.get("ebx"), "start_info": data.get("start_info")}
    if prefix in segs:
        return {prefix: segs[prefix], "gdtr": data.get("gdtr")}
    if prefix == "elf":
        return data.get("image")
    if prefix == "si":
        return data.get("start_info")
    if prefix == "memmap":
        return {"image": data.get("image"), "memmap": data.get("memmap")}
    if prefix in ("rsdp", "cmdline"):
        return data.get(prefix)
    if prefix == "modules":
        return {"modules": data.get("modules"), "memmap": data.get("memmap")}
    if prefix == "structs":
        si = data.get("start_info", {})
        return {"overlap": data.get("overlap"), "above_1g": data.get("above_1g"),
                "start_info": si.get("paddr"),
                "memmap": (si.get("memmap_paddr"), si.get("memmap_entries")),
                "modlist": (si.get("modlist_paddr"), si.get("nr_modules")),
                "cmdline": data.get("cmdline", {}).get("paddr"),
                "modules": [(m["paddr"], m["size"]) for m in data.get("modules", [])],
                "image": data.get("image")}
    return data


# --- pvhboot: every rule, one test each -------------------------------------

@pytest.mark.parametrize("rule", RULE_NAMES)
def test_pvhboot_rule(pvhboot_run, rule):
    data = pvhboot_run.report()
    checks = data["checks"]
    assert rule in checks, "the probe did not report rule %s (rules: %s)" % (rule, list(checks))
    assert checks[rule] is True, (
        "pvhboot breaks PVH rule %s: %s\nprobe saw: %s\n%s"
        % (rule, RULE_WHAT[rule], json.dumps(_context(rule, data)), pvhboot_run.describe()))


def test_pvhboot_started_the_probe(pvhboot_run):
    lines = pvhboot_run.result.lines
    p = H.Problems(pvhboot_run.result)
    p.check("PVHMARK-NSH-START" in lines, "startup.nsh never ran")
    p.check("PVHMARK-RETURNED" not in lines, "pvhboot returned to the shell")
    p.check(any(l.startswith("pvhboot: starting kernel at ") for l in lines),
            "no 'pvhboot: starting kernel at' line")
    p.raise_if_any()


def test_pvhboot_rsdp_is_the_firmware_s(pvhboot_run):
    """rsdp_paddr is the RSDP pvhboot found in the EFI configuration table."""
    fw = H.pvhboot_rsdp(pvhboot_run.result.text)
    got = int(pvhboot_run.report()["rsdp"]["paddr"], 16)
    assert fw is not None and got == fw, (
        "probe's rsdp_paddr 0x%x, pvhboot printed %r\n%s" % (got, fw, pvhboot_run.describe()))
    assert pvhboot_run.report()["rsdp"].get("revision") == 2, "OVMF has an ACPI 2.0+ RSDP"


# --- every loader -------------------------------------------------------------

def test_probe_reports_every_rule(run):
    """The JSON's checks are exactly rules.def's rules, in order."""
    assert list(run.report()["checks"]) == RULE_NAMES, run.describe()


def test_broken_rules(run):
    """The probe fails exactly the rules this loader is known to break."""
    failing = run.failing()
    want = EXPECTED_FAILURES[run.loader]
    data = run.report()
    assert failing == want, (
        "%s: probe fails %s, expected exactly %s\n  unexpected: %s\n  no longer broken: %s\n%s"
        % (run.loader, sorted(failing), sorted(want),
           "; ".join("%s (%s): %s" % (r, RULE_WHAT.get(r), json.dumps(_context(r, data)))
                     for r in sorted(failing - want)) or "-",
           sorted(want - failing) or "-", run.describe()))
    assert data["pass"] is (not want)


def test_exit_status(run):
    """One PROBE-RESULT line that agrees with the JSON, and the matching
    isa-debug-exit status (33 pass, 35 fail)."""
    want_pass = not EXPECTED_FAILURES[run.loader]
    word = "pass" if want_pass else "fail"
    p = H.Problems(run.result)
    p.check(len(run.json_lines) == 1, "%d PROBE-JSON lines, expected 1" % len(run.json_lines))
    p.check(run.result_lines == ["PROBE-RESULT " + word],
            "PROBE-RESULT lines %r, expected ['PROBE-RESULT %s']" % (run.result_lines, word))
    p.check(not run.result.timed_out, "QEMU did not exit (no isa-debug-exit write?)")
    p.check(run.result.returncode == (EXIT_PASS if want_pass else EXIT_FAIL),
            "QEMU exit status %s, expected %d" % (run.result.returncode,
                                                  EXIT_PASS if want_pass else EXIT_FAIL))
    p.raise_if_any()


def test_cmdline(run):
    cl = run.report()["cmdline"]
    assert cl["terminated"] and cl["text"] == run.cmdline, (
        "probe read cmdline %r, passed %r\n%s" % (cl, run.cmdline, run.describe()))


def test_module_checksum(run):
    """One module: the initrd file, byte for byte (size and FNV-1a 64)."""
    mods = run.report()["modules"]
    with open(run.module, "rb") as f:
        content = f.read()
    assert len(mods) == 1, "modules: %r\n%s" % (mods, run.describe())
    m = mods[0]
    assert int(m["size"], 16) == len(content), (
        "module size %s, file has %d bytes\n%s" % (m["size"], len(content), run.describe()))
    assert m.get("fnv1a64") is not None and int(m["fnv1a64"], 16) == fnv1a64(content), (
        "module FNV-1a 64 %s, file's is 0x%x\n%s"
        % (m.get("fnv1a64"), fnv1a64(content), run.describe()))


def test_ram_total(run):
    """RAM (type 1) in the memmap: at most -m and at least 95% of it."""
    mem = H.parse_size(MEM)
    total = int(run.report()["ram_total"], 16)
    assert 0.95 * mem <= total <= mem, (
        "RAM total %d bytes (%.1f MiB) not within 95%%..100%% of -m %s\nmemmap: %s\n%s"
        % (total, total / 2 ** 20, MEM, json.dumps(run.report()["memmap"]), run.describe()))
