# Shared helpers for the pvhboot scripts.  Source it; do not execute it.
# shellcheck shell=bash

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Run a command as root (CI machines run as root; fall back to sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

_APT_UPDATED=
apt_update_once() {
    if [ -z "$_APT_UPDATED" ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        _APT_UPDATED=1
    fi
}

# need_tools CMD:PACKAGE ...  -- install PACKAGE (apt-get) when CMD is missing.
# CMD may be an absolute path (checked to exist) or a name looked up in PATH.
need_tools() {
    local spec cmd pkg missing=()
    for spec in "$@"; do
        cmd=${spec%%:*}
        pkg=${spec#*:}
        if [[ $cmd == /* ]]; then
            [ -e "$cmd" ] && continue
        else
            command -v "$cmd" >/dev/null 2>&1 && continue
        fi
        missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    install_packages "${missing[@]}"
}

# install_packages PACKAGE ...  -- apt-get install, for a need found otherwise.
install_packages() {
    log "installing missing packages: $*"
    apt_update_once
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "$@" >&2
}

# kv_get FILE KEY  -- the value of KEY= in a file of key=value lines.
kv_get() {
    local k v
    while IFS='=' read -r k v; do
        [ "$k" = "$2" ] && { printf '%s\n' "$v"; return 0; }
    done < "$1"
    die "$1: no $2="
}
