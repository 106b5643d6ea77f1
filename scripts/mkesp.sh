#!/bin/bash
# mkesp.sh OUT.img SRC=DEST ...
#
# Build a GPT disk image with one EFI System Partition (FAT, made with
# mtools: no root, no loop devices) holding the given files.  DEST is the
# path inside the ESP ("/startup.nsh", "EFI/pvhboot/pvhboot.efi" or
# "\EFI\pvhboot\pvhboot.efi"); parent directories are created.
# The GPT is written by a small python snippet (no gdisk needed).
#
# Size: files + 20% + 4 MiB, rounded up to a MiB (ESP_SIZE_MIB overrides
# the partition size).  The partition starts at 1 MiB.
#
# GUIDs are random unless DISK_GUID / PART_GUID (the GPT disk GUID and the
# ESP's unique partition GUID) fix them, e.g. for a boot entry made ahead of
# time (ovmf-vars/mkvars.py).  OUT.part records the ESP as key=value lines
# (LBAs are 512-byte sectors), also shown in the final log line:
#   guid=<partition GUID>  start=<first LBA>  size=<LBAs>  number=1
#   disk_guid=<disk GUID>
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 OUT.img SRC=DEST ..." >&2; exit 2; }
OUT=$1
shift
PY=/usr/bin/python3
need_tools "$PY:python3" mformat:mtools mcopy:mtools mmd:mtools
export MTOOLS_SKIP_CHECK=1

total=0
for pair in "$@"; do
    case $pair in *=*) ;; *) die "argument '$pair' is not SRC=DEST" ;; esac
    src=${pair%%=*}
    [ -f "$src" ] || die "$src: no such file"
    total=$((total + $(stat -L -c %s "$src")))
done

MiB=$((1024 * 1024))
if [ -n "${ESP_SIZE_MIB:-}" ]; then
    part_mib=$ESP_SIZE_MIB
else
    part_mib=$(( (total + total / 5 + MiB - 1) / MiB + 4 ))
fi
# 4 KiB clusters where the size allows: the firmware's FAT driver walks
# cluster chains, and under TCG 1 KiB clusters made reads up to twice as slow
# (bench/results). FAT32 needs >= 65525 clusters (>= 256 MiB of 4 KiB ones);
# FAT16 with 4 KiB clusters covers 16..256 MiB; below that mformat chooses.
fat_opt=()
if [ "$part_mib" -ge 260 ]; then
    fat_opt=(-F -c 8)
elif [ "$part_mib" -ge 17 ]; then
    fat_opt=(-c 8)
fi

part_start=$MiB
part_sectors=$((part_mib * 2048))
disk_bytes=$((part_start + part_mib * MiB + MiB))

rm -f "$OUT.tmp" "$OUT.part" "$OUT.part.tmp"
trap 'rm -f "$OUT.tmp" "$OUT.part.tmp"' EXIT
"$PY" - "$OUT.tmp" "$disk_bytes" 2048 $((2048 + part_sectors - 1)) \
        "${DISK_GUID:-}" "${PART_GUID:-}" > "$OUT.part.tmp" <<'EOF'
# Write a protective MBR plus primary and backup GPT with one ESP; print the
# ESP's key=value record (OUT.part) on stdout.
import os, struct, sys, uuid, zlib
path, size, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
SECTOR = 512
nsect = size // SECTOR
ESP_TYPE = uuid.UUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")

def guid_arg(text, what):
    if not text:
        return uuid.uuid4()
    try:
        return uuid.UUID(text.strip().strip("{}"))
    except ValueError:
        sys.exit("mkesp.sh: error: %s=%r is not a GUID" % (what, text))

disk_guid = guid_arg(sys.argv[5], "DISK_GUID")
part_guid = guid_arg(sys.argv[6], "PART_GUID")
NENT, ENTSZ = 128, 128
ent_sectors = NENT * ENTSZ // SECTOR                      # 32
entries = bytearray(NENT * ENTSZ)
name = "EFI System Partition".encode("utf-16-le")
struct.pack_into("<16s16sQQQ72s", entries, 0, ESP_TYPE.bytes_le, part_guid.bytes_le,
                 first, last, 0, name)
ent_crc = zlib.crc32(entries) & 0xffffffff
first_usable, last_usable = 2 + ent_sectors, nsect - 2 - ent_sectors
assert first_usable <= first <= last <= last_usable

def header(my_lba, alt_lba, ent_lba):
    h = bytearray(struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x00010000, 92, 0, 0,
                              my_lba, alt_lba, first_usable, last_usable,
                              disk_guid.bytes_le, ent_lba, NENT, ENTSZ, ent_crc))
    struct.pack_into("<I", h, 16, zlib.crc32(h) & 0xffffffff)
    return bytes(h).ljust(SECTOR, b"\0")

mbr = bytearray(SECTOR)
# One partition of type 0xEE covering the disk (protective MBR).
struct.pack_into("<B3sB3sII", mbr, 446, 0, b"\x00\x02\x00", 0xEE, b"\xff\xff\xff",
                 1, min(nsect - 1, 0xffffffff))
mbr[510:512] = b"\x55\xaa"
with open(path, "wb") as f:
    f.truncate(size)
    f.write(mbr)
    f.write(header(1, nsect - 1, 2))
    f.write(entries)
    f.seek((nsect - 1 - ent_sectors) * SECTOR)
    f.write(entries)
    f.write(header(nsect - 1, 1, nsect - 1 - ent_sectors))
print("guid=%s\nstart=%d\nsize=%d\nnumber=1\ndisk_guid=%s"
      % (part_guid, first, last - first + 1, disk_guid))
EOF

IMG="$OUT.tmp@@$part_start"
mformat -i "$IMG" -T "$part_sectors" -h 64 -s 32 "${fat_opt[@]}" -v PVHESP ::

declare -A made=()
for pair in "$@"; do
    src=${pair%%=*}
    dest=${pair#*=}
    dest=${dest//\\//}
    dest=/${dest#/}
    dir=${dest%/*}
    # Create each missing parent directory.
    path=
    IFS=/ read -r -a parts <<< "${dir#/}"
    for p in "${parts[@]}"; do
        [ -n "$p" ] || continue
        path=$path/$p
        if [ -z "${made[$path]:-}" ]; then
            mmd -i "$IMG" "::$path" 2>/dev/null || true
            made[$path]=1
        fi
    done
    mcopy -o -i "$IMG" "$src" "::$dest"
done

mv "$OUT.tmp" "$OUT"
mv "$OUT.part.tmp" "$OUT.part"
log "wrote $OUT (${part_mib} MiB ESP, $# files; $(paste -sd' ' "$OUT.part"))"
