#!/bin/bash
# mkcpio-file.sh OUT NAME CONTENT
#
# Write an uncompressed newc cpio archive holding the single file /NAME with
# CONTENT (plus a newline).  Used as a second initrd: Linux unpacks
# concatenated cpio archives, so the file shows up in the guest's rootfs.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

[ $# -eq 3 ] || { echo "usage: $0 OUT NAME CONTENT" >&2; exit 2; }
OUT=$1 NAME=$2 CONTENT=$3
case $NAME in */*|''|.|..) die "NAME must be a plain file name" ;; esac
need_tools cpio:cpio

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mkcpio.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
printf '%s\n' "$CONTENT" > "$TMP/$NAME"
OUT_ABS=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
(cd "$TMP" && printf '%s\n' "$NAME" | cpio -o -H newc --owner 0:0 --quiet) > "$OUT_ABS.tmp"
mv "$OUT_ABS.tmp" "$OUT_ABS"
