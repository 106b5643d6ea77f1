#!/bin/bash
# regenerate.sh: rebuild pvhboot-demo-4M.fd and pvhboot-demo-2M.fd from
# demo.params and Debian's OVMF_VARS files (package ovmf), then record the
# sources' sha256 in demo.params.  No make, no root (unless ovmf or python3
# must be installed).  The output depends only on the inputs: running it
# twice gives the same bytes (tests/integration/test_mkvars.py checks that
# the shipped stores equal a fresh run).
#
#   ovmf-vars/regenerate.sh [--check]
#
# --check: write nothing; exit 1 if a shipped store differs from what the
# generator makes now.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../scripts/lib.sh"

PY=/usr/bin/python3
PARAMS=$HERE/demo.params
check=false
case ${1:-} in
    --check) check=true ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

param() {       # param KEY: the value of KEY= in demo.params
    kv_get "$PARAMS" "$1"
}

need_tools "$PY:python3" "$(param source_4M):ovmf" "$(param source_2M):ovmf"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ovmf-vars.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
status=0
for v in 4M 2M; do
    src=$(param "source_$v")
    out=$HERE/pvhboot-demo-$v.fd
    "$PY" "$HERE/mkvars.py" -q --params "$PARAMS" --in "$src" --out "$TMP/new.fd"
    sum=$(sha256sum "$src" | cut -d' ' -f1)
    if $check; then
        want=$(param "source_${v}_sha256")
        [ "$sum" = "$want" ] || log "note: $src sha256 $sum differs from demo.params ($want)"
        if cmp -s "$TMP/new.fd" "$out"; then
            log "$out: up to date"
        else
            log "$out: differs from what mkvars.py makes from $src now"
            status=1
        fi
    else
        mv "$TMP/new.fd" "$out"
        sed -i "s|^source_${v}_sha256=.*|source_${v}_sha256=$sum|" "$PARAMS"
        log "wrote $out ($(sha256sum "$out" | cut -d' ' -f1)) from $src ($sum)"
    fi
done
exit $status
