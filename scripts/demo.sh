#!/bin/bash
# demo.sh: boot the Debian cloud kernel through pvhboot under OVMF in QEMU.
#
# Builds (if needed) the kernel, a busybox initrd and a GPT ESP, then starts
# QEMU with the serial console on this terminal. The EFI shell runs
# startup.nsh, which starts pvhboot with the kernel and initrd; the initrd's
# /init prints what the guest sees (PVHTEST lines) and powers off.
#
# Env: ACCEL=tcg|kvm (default tcg), MEM (default 512M), SMP (default 2),
#      CMDLINE (default "console=ttyS0"), DEMO_TIMEOUT seconds (default 300).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"

BUILD=${BUILD:-$TOP/build}
DEMO=$BUILD/demo
ACCEL=${ACCEL:-tcg}
MEM=${MEM:-512M}
SMP=${SMP:-2}
CMDLINE=${CMDLINE:-console=ttyS0}
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

need_tools qemu-system-x86_64:qemu-system-x86 "$OVMF_CODE:ovmf"
[ -f "$BUILD/pvhboot.efi" ] || die "$BUILD/pvhboot.efi is missing: run 'make' first"
mkdir -p "$DEMO"

"$HERE/fetch-kernel.sh" "$BUILD/kernel"
"$HERE/mkinitrd.sh" "$DEMO/initrd.img"
printf 'fs0:\r\n\\EFI\\pvhboot\\pvhboot.efi kernel=\\vmlinux initrd=\\initrd.img %s\r\n' "$CMDLINE" \
        > "$DEMO/startup.nsh"
"$HERE/mkesp.sh" "$DEMO/esp.img" \
        "$BUILD/pvhboot.efi=/EFI/pvhboot/pvhboot.efi" \
        "$BUILD/kernel/vmlinux=/vmlinux" \
        "$DEMO/initrd.img=/initrd.img" \
        "$DEMO/startup.nsh=/startup.nsh"
cp "$OVMF_VARS" "$DEMO/vars.fd"

log "booting $(cat "$BUILD/kernel/kernel-version" 2>/dev/null || echo vmlinux) through pvhboot (accel=$ACCEL, -m $MEM, -smp $SMP); the EFI shell waits 5 s before startup.nsh"
exec timeout --foreground "${DEMO_TIMEOUT:-300}" qemu-system-x86_64 \
        -machine "q35,accel=$ACCEL" -m "$MEM" -smp "$SMP" \
        -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
        -drive "if=pflash,format=raw,unit=1,file=$DEMO/vars.fd" \
        -drive "file=$DEMO/esp.img,format=raw,if=virtio" \
        -nic none -display none -serial stdio -no-reboot
