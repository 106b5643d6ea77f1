#!/usr/bin/env bash
# Install the Debian packages pvhboot needs, only those that are missing.
#   install-deps.sh build   compiler, gnu-efi
#   install-deps.sh test    QEMU, OVMF, mtools, busybox, lz4, pytest ...
set -euo pipefail

want=()
need() { # need PACKAGE PATH-THAT-IT-PROVIDES
        [ -e "$2" ] || want+=("$1")
}
for what in "$@"; do
        case "$what" in
        build)
                need gcc /usr/bin/gcc
                need make /usr/bin/make
                need binutils /usr/bin/objcopy
                need libc6-dev /usr/include/elf.h
                need gnu-efi /usr/lib/crt0-efi-x86_64.o
                ;;
        test)
                need qemu-system-x86 /usr/bin/qemu-system-x86_64
                need ovmf /usr/share/OVMF/OVMF_CODE_4M.fd
                need mtools /usr/bin/mcopy
                need gdisk /usr/bin/sgdisk
                need busybox-static /bin/busybox
                need lz4 /usr/bin/lz4
                need cpio /usr/bin/cpio
                need python3-pytest /usr/lib/python3/dist-packages/pytest
                need python3 /usr/bin/python3
                ;;
        *) echo "install-deps.sh: unknown group '$what' (build, test)" >&2; exit 2 ;;
        esac
done
if [ "${#want[@]}" -gt 0 ]; then
        echo "installing: ${want[*]}"
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update -q
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${want[@]}"
fi
