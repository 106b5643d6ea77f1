"""ExitBootServices retries (UEFI 2.10, 7.4): when the map key is stale the
firmware returns EFI_INVALID_PARAMETER and the loader reads the map again
and retries. OVMF rarely does this by itself, so tests/efi/ebs-hook.c
starts pvhboot with GetMemoryMap/ExitBootServices wrapped:

- reserve: the first ExitBootServices fails, and from then on the map
  shows Linux's 16 MiB as reserved. pvhboot must check the map it would
  hand over, not only the first one: it refuses and returns to the shell.
- retry: the first ExitBootServices fails, nothing else changes: pvhboot
  retries and the kernel boots.

Both in one OVMF run, the refusal first.
"""
import os
import secrets

import pvhharness as H
import qemu


def test_exit_boot_services_retry(kernel, pvhboot_efi, work, log_path):
    token = "retry-" + secrets.token_hex(6)
    initrd = H.mkinitrd_token(work, token)
    cmdline = "console=ttyS0 panic=-1 ebs=retried"
    words = "kernel=\\vmlinux initrd=\\initrd.img " + cmdline
    nsh = ("echo PVHMARK-NSH-START\nfs0:\n"
           "\\ebs-hook.efi reserve \\pvhboot.efi %s\necho PVHMARK-RESERVE-RETURNED\n"
           "\\ebs-hook.efi retry \\pvhboot.efi %s\necho PVHMARK-RETRY-RETURNED\nreset -s\n" % (words, words))
    esp = H.mkesp(os.path.join(work, "esp.img"),
                  {"\\pvhboot.efi": pvhboot_efi, "\\vmlinux": kernel, "\\initrd.img": initrd,
                   "\\ebs-hook.efi": H.build_test_efi("ebs-hook")}, nsh)
    result = qemu.run_ovmf(esp, log_path, timeout=H.BOOT_TIMEOUT)
    guest = H.GuestReport(result.text)
    p = H.Problems(result)
    p.check(not result.fatal, "fatal error in the log: %r" % result.fatal)

    p.check("ebs-hook: reserve: starting \\pvhboot.efi" in result.lines, "ebs-hook did not start pvhboot (reserve)")
    reserve = H.output_before_marker(result.lines, "RESERVE-RETURNED")
    if not p.check(reserve is not None, "pvhboot did not return to the shell in the reserve case: %r"
                   % [l for l in result.lines if l.startswith(("pvhboot: ", "ebs-hook: ", "Linux version"))][:8]):
        reserve = []
    refused = [l for l in reserve if l.startswith("pvhboot: error: ")]
    p.check(len(refused) == 1 and refused[0].startswith("pvhboot: error: \\vmlinux: kernel needs 0x1000000-")
            and "which is not free RAM" in refused[0],
            "pvhboot did not refuse the map it would have handed over: %r" % refused)
    p.check(any(l.startswith("ebs-hook: returned ") and l.endswith("after 1 ExitBootServices call(s)")
                for l in reserve),
            "pvhboot did not return after the one failed ExitBootServices: %r"
            % [l for l in reserve if l.startswith("ebs-hook: ")])

    p.check(any(l == "ebs-hook: retry: starting \\pvhboot.efi" for l in result.lines),
            "ebs-hook did not start pvhboot (retry)")
    p.check("PVHMARK-RETRY-RETURNED" not in result.lines, "pvhboot returned instead of retrying: %r"
            % [l for l in result.lines if l.startswith(("pvhboot: error", "ebs-hook: "))])
    p.check(guest.has("init-done"), "guest /init did not finish after the retried ExitBootServices")
    p.check(guest.get("cmdline") == cmdline, "guest cmdline %r != %r" % (guest.get("cmdline"), cmdline))
    p.check(sorted(guest.tokens.values()) == [token], "initrd tokens %r" % sorted(guest.tokens.values()))
    p.raise_if_any()
