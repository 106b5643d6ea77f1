#!/bin/bash
# demo.sh: boot the Debian cloud kernel through pvhboot under OVMF in QEMU.
#
# Builds (if needed) the kernel, a busybox initrd and a GPT ESP, then starts
# QEMU with the serial console on this terminal. OVMF boots the boot entry
# Boot0000 "pvhboot" from the ready-made variable store
# ovmf-vars/pvhboot-demo-4M.fd (no EFI shell): it starts
# \EFI\pvhboot\pvhboot.efi with the options "kernel=\vmlinux
# initrd=\initrd.img console=ttyS0". The ESP is made with the partition GUID
# and size that store names (ovmf-vars/demo.params). The initrd's /init
# prints what the guest sees (PVHTEST lines) and powers off.
#
# Env: ACCEL=tcg|kvm (default tcg), MEM (default 512M), SMP (default 2),
#      CMDLINE (default "console=ttyS0"; another value makes a store with
#      ovmf-vars/mkvars.py instead of using the shipped one),
#      DEMO_TIMEOUT seconds (default 300).
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
VARSDIR=$TOP/ovmf-vars
PARAMS=$VARSDIR/demo.params
STORE=$VARSDIR/pvhboot-demo-4M.fd

need_tools qemu-system-x86_64:qemu-system-x86 "$OVMF_CODE:ovmf" /usr/bin/python3:python3
[ -f "$BUILD/pvhboot.efi" ] || die "$BUILD/pvhboot.efi is missing: run 'make' first"
mkdir -p "$DEMO"

param() {       # param KEY: the value of KEY= in demo.params
    kv_get "$PARAMS" "$1"
}

"$HERE/fetch-kernel.sh" "$BUILD/kernel"
"$HERE/mkinitrd.sh" "$DEMO/initrd.img"
rm -f "$DEMO/startup.nsh"
DISK_GUID=$(param disk_guid) PART_GUID=$(param part_guid) ESP_SIZE_MIB=$(param esp_size_mib) \
"$HERE/mkesp.sh" "$DEMO/esp.img" \
        "$BUILD/pvhboot.efi=/EFI/pvhboot/pvhboot.efi" \
        "$BUILD/kernel/vmlinux=/vmlinux" \
        "$DEMO/initrd.img=/initrd.img"

# The shipped store fits this ESP if mkesp.sh made the partition demo.params
# names (OVMF matches the HD() node by partition number and GUID).
part() { sed -n "s/^$1=//p" "$DEMO/esp.img.part"; }
[ "$(part guid)" = "$(param part_guid)" ] && [ "$(part start)" = "$(param part_start)" ] &&
    [ "$(part size)" = "$(param part_size)" ] ||
    die "$DEMO/esp.img.part does not match $PARAMS"
if [ "$CMDLINE" = console=ttyS0 ]; then
    cp "$STORE" "$DEMO/vars.fd"
    vars_from="$STORE"
else
    /usr/bin/python3 "$VARSDIR/mkvars.py" -q --params "$PARAMS" --part-file "$DEMO/esp.img.part" \
            --options "kernel=\\vmlinux initrd=\\initrd.img $CMDLINE" \
            --in "$OVMF_VARS" --out "$DEMO/vars.fd"
    vars_from="mkvars.py (CMDLINE=$CMDLINE)"
fi

log "booting $(cat "$BUILD/kernel/kernel-version" 2>/dev/null || echo vmlinux) through pvhboot (accel=$ACCEL, -m $MEM, -smp $SMP): OVMF starts Boot0000 \"pvhboot\" from $vars_from"
exec timeout --foreground "${DEMO_TIMEOUT:-300}" qemu-system-x86_64 \
        -machine "q35,accel=$ACCEL" -m "$MEM" -smp "$SMP" \
        -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
        -drive "if=pflash,format=raw,unit=1,file=$DEMO/vars.fd" \
        -drive "file=$DEMO/esp.img,format=raw,if=virtio" \
        -nic none -display none -serial stdio -no-reboot
