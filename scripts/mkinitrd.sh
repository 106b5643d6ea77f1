#!/bin/bash
# mkinitrd.sh OUT [extra-file ...]
#
# Build a gzip'd newc cpio initrd from busybox-static with an /init script
# that reports what the guest sees, one line each, prefixed "PVHTEST ", on
# /dev/console, then powers off (poweroff -f).  Extra files are added to the
# archive root under their base name (e.g. a /token1 file).  No root needed.
#
# Lines printed by /init (in this order):
#   PVHTEST init-start
#   PVHTEST kernel=<uname -r>
#   PVHTEST cmdline=<contents of /proc/cmdline>
#   PVHTEST uptime=<first field of /proc/uptime>
#   PVHTEST token:/<name>=<contents>      one per /token* file
#   PVHTEST acpi-tables=<entries of /sys/firmware/acpi/tables>
#   PVHTEST rsdp=<address from the dmesg line "ACPI: RSDP 0x...">
#   PVHTEST efi=<yes|no>                   (/sys/firmware/efi present?)
#   PVHTEST memtotal-kb=<MemTotal kB>
#   PVHTEST cpus-online=<number of online CPUs>
#   PVHTEST tpm=<yes|no>                   (/sys/class/tpm/tpm0 present?)
#   PVHTEST pcr-sha256-<n>=<hex>           n = 0..23, lowercase, one per
#                                          /sys/class/tpm/tpm0/pcr-sha256/<n>
#   PVHTEST tpm-event-log=<yes|no>         (securityfs tpm0/binary_bios_measurements?)
#   PVHTEST lockdown=<securityfs lockdown> e.g. "[none] integrity confidentiality"
#   ... whatever extra files named report-*.sh print (sourced in name order)
#   PVHTEST init-done
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 OUT [extra-file ...]" >&2; exit 2; }
OUT=$1
shift

BUSYBOX=${BUSYBOX:-/bin/busybox}
need_tools "$BUSYBOX:busybox-static" cpio:cpio gzip:gzip
# A dynamically linked busybox (package "busybox") would not run in the
# initrd: insist on a static one (no PT_INTERP program header).
need_tools /usr/bin/python3:python3
if ! /usr/bin/python3 - "$BUSYBOX" <<'PYEOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
phoff, = struct.unpack_from("<Q", d, 32)
phentsize, phnum = struct.unpack_from("<HH", d, 54)
sys.exit(any(struct.unpack_from("<I", d, phoff + i * phentsize)[0] == 3
             for i in range(phnum)))
PYEOF
then
    if [ "$BUSYBOX" = /bin/busybox ]; then
        log "$BUSYBOX is dynamically linked; installing busybox-static"
        apt_update_once
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >&2
    else
        die "$BUSYBOX is dynamically linked"
    fi
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mkinitrd.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
ROOT=$TMP/root
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
cp "$BUSYBOX" "$ROOT/bin/busybox"
chmod 755 "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] && continue
    ln -s busybox "$ROOT/bin/$applet"
done

cat > "$ROOT/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The archive has no /dev/console node (built without root), so the kernel
# could not give init a console: attach it now that devtmpfs is mounted.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys

say() { echo "PVHTEST $*"; }

say init-start
say "kernel=$(uname -r)"
say "cmdline=$(cat /proc/cmdline)"
read -r up _ </proc/uptime
say "uptime=$up"
for f in /token*; do
    [ -f "$f" ] || continue
    say "token:$f=$(cat "$f")"
done
say "acpi-tables=$(ls /sys/firmware/acpi/tables 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')"
say "rsdp=$(dmesg | sed -n 's/.*ACPI: RSDP \(0x[0-9A-Fa-f]*\).*/\1/p' | head -n1)"
if [ -d /sys/firmware/efi ]; then say efi=yes; else say efi=no; fi
say "memtotal-kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
# /sys/devices/system/cpu/online looks like "0", "0-1" or "0,2-3".
online=$(cat /sys/devices/system/cpu/online 2>/dev/null)
n=0
for r in $(echo "$online" | tr ',' ' '); do
    case $r in
        *-*) n=$((n + ${r#*-} - ${r%-*} + 1)) ;;
        *)   n=$((n + 1)) ;;
    esac
done
say "cpus-online=$n"
# TPM 2.0 PCRs (Linux finds the TPM through ACPI; tpm_tis and tpm_crb are
# built into Debian's cloud kernel).
if [ -d /sys/class/tpm/tpm0 ]; then say tpm=yes; else say tpm=no; fi
for i in $(seq 0 23); do
    f=/sys/class/tpm/tpm0/pcr-sha256/$i
    [ -r "$f" ] && say "pcr-sha256-$i=$(tr A-F a-f < "$f")"
done
# The firmware's event log reaches Linux through EFI, or through the ACPI
# TPM2 table's log area (pvhboot's copy); lockdown follows Secure Boot only
# when Linux sees EFI (or lockdown= on the command line).
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
if [ -e /sys/kernel/security/tpm0/binary_bios_measurements ]; then
    say tpm-event-log=yes
else
    say tpm-event-log=no
fi
say "lockdown=$(cat /sys/kernel/security/lockdown 2>/dev/null)"
# More reports from extra files named report-*.sh (sourced in name order;
# they may use say): tests add what only they need.
for f in /report-*.sh; do
    [ -f "$f" ] && . "$f"
done
say init-done
sync
poweroff -f
sleep 10
say poweroff-failed
EOF
chmod 755 "$ROOT/init"

for f in "$@"; do
    [ -f "$f" ] || die "extra file $f not found"
    cp "$f" "$ROOT/$(basename "$f")"
done

OUT_ABS=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc --owner 0:0 --quiet) | gzip -9n > "$OUT_ABS.tmp"
mv "$OUT_ABS.tmp" "$OUT_ABS"
log "wrote $OUT ($(stat -c %s "$OUT_ABS") bytes)"
