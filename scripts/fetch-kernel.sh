#!/bin/bash
# fetch-kernel.sh OUTDIR
#
# Produce OUTDIR/vmlinux (uncompressed ELF kernel with a PVH entry note) and
# OUTDIR/vmlinuz (the original bzImage) from Debian's linux-image-cloud-amd64.
# The versioned package the meta-package depends on is downloaded with
# `apt-get download`, its /boot/vmlinuz-* is unpacked, and `pvhboot-kernel
# extract` cuts the payload out of the bzImage (setup header
# payload_offset/payload_length), decompresses it and checks its PVH note.
# OUTDIR/kernel-version records the package/version.
#
# Cached: if OUTDIR/vmlinux already exists and passes scripts/elfnote.py,
# nothing is done.  Env: KERNEL_PKG overrides the versioned package name.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUTDIR=$1
PY=/usr/bin/python3

need_tools "$PY:python3"
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

if [ -f "$OUTDIR/vmlinux" ] && "$PY" "$HERE/elfnote.py" "$OUTDIR/vmlinux" >/dev/null 2>&1; then
    log "$OUTDIR/vmlinux is present and valid ($("$PY" "$HERE/elfnote.py" "$OUTDIR/vmlinux")); nothing to do"
    exit 0
fi

need_tools lz4:lz4 dpkg-deb:dpkg apt-cache:apt

META=linux-image-cloud-amd64
if [ -z "${KERNEL_PKG:-}" ]; then
    # Fresh machines may have no package lists yet.
    apt-cache show "$META" >/dev/null 2>&1 || apt_update_once
    KERNEL_PKG=$(apt-cache depends "$META" |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
    [ -n "$KERNEL_PKG" ] || die "cannot resolve the kernel package $META depends on"
fi
log "kernel package: $KERNEL_PKG"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fetch-kernel.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Sandbox user root: avoids the _apt permission warning when run as root in
# a private temp dir.
(cd "$TMP" && apt-get download -q -o APT::Sandbox::User=root "$KERNEL_PKG" >&2) ||
    { apt_update_once; (cd "$TMP" && apt-get download -q -o APT::Sandbox::User=root "$KERNEL_PKG" >&2); }
DEB=$(ls "$TMP"/*.deb)
dpkg-deb -x "$DEB" "$TMP/root"
VMLINUZ=$(ls "$TMP"/root/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -n "$VMLINUZ" ] || die "no /boot/vmlinuz-* in $DEB"
log "bzImage: ${VMLINUZ#"$TMP/root"} ($(stat -c %s "$VMLINUZ") bytes)"

# The ELF inside the bzImage, with its size and PVH note checked: the same
# code pvhboot-kernel runs on every kernel install.
"$HERE/pvhboot-kernel" extract "$VMLINUZ" "$TMP/vmlinux"
ACTUAL_SIZE=$(stat -c %s "$TMP/vmlinux")

cp "$VMLINUZ" "$OUTDIR/vmlinuz.tmp"
mv "$OUTDIR/vmlinuz.tmp" "$OUTDIR/vmlinuz"
echo "$KERNEL_PKG $(dpkg-deb -f "$DEB" Version) ${VMLINUZ##*/vmlinuz-}" > "$OUTDIR/kernel-version"
# Write vmlinux last (atomically): its presence marks a complete fetch.
mv "$TMP/vmlinux" "$OUTDIR/vmlinux.tmp"
mv "$OUTDIR/vmlinux.tmp" "$OUTDIR/vmlinux"
log "wrote $OUTDIR/vmlinux ($ACTUAL_SIZE bytes, $("$PY" "$HERE/elfnote.py" "$OUTDIR/vmlinux")) and $OUTDIR/vmlinuz"
