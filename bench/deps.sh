#!/usr/bin/env bash
# bench/deps.sh: install the Debian packages `make bench` needs, only those
# that are missing: make check's (build, test) plus the other boot loaders
# and the chart library.
#   systemd-boot-efi     /usr/lib/systemd/boot/efi/systemd-bootx64.efi
#   grub-efi-amd64-bin   grub-mkstandalone's x86_64-efi modules
#   qemu-system-data     qboot.rom; seabios: QEMU's default BIOS
#   python3-matplotlib   bench/results/latest.png
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../scripts/lib.sh"

"$HERE/../scripts/install-deps.sh" build test
need_tools /usr/lib/systemd/boot/efi/systemd-bootx64.efi:systemd-boot-efi \
        /usr/lib/grub/x86_64-efi/linux.mod:grub-efi-amd64-bin \
        grub-mkstandalone:grub-efi-amd64-bin \
        /usr/share/qemu/qboot.rom:qemu-system-data \
        /usr/share/seabios/bios-256k.bin:seabios \
        git:git
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || install_packages python3-matplotlib
