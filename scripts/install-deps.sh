#!/usr/bin/env bash
# install-deps.sh GROUP...: install the Debian packages pvhboot needs, only
# those that are missing (a no-op on a machine that has them all).
#   build   compiler, binutils, gnu-efi
#   test    QEMU, OVMF, mtools, busybox-static, cpio, python3-pytest, and the
#           decompressors pvhboot-kernel uses (gzip, xz, bzip2, lzop, lz4, zstd),
#           and what scripts/mkdebian builds Debian disk images with
#   fuzz    clang with the libFuzzer runtime
#   trust   sbsigntool, openssl and OVMF's snakeoil key (make sign, Secure Boot tests)
#   tpm     swtpm and swtpm-tools (a software TPM 2.0 for the measured-boot tests)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

for group in "$@"; do
        case "$group" in
        build)
                need_tools gcc:gcc make:make objcopy:binutils ld:binutils \
                        /usr/lib/crt0-efi-x86_64.o:gnu-efi
                [ -f /usr/include/elf.h ] || install_packages libc6-dev
                ;;
        test)
                need_tools /usr/bin/python3:python3 \
                        qemu-system-x86_64:qemu-system-x86 \
                        /usr/share/OVMF/OVMF_CODE_4M.fd:ovmf \
                        mformat:mtools mcopy:mtools mmd:mtools \
                        /bin/busybox:busybox-static \
                        cpio:cpio gzip:gzip lz4:lz4 dpkg-deb:dpkg \
                        xz:xz-utils bzip2:bzip2 lzop:lzop zstd:zstd unshare:util-linux \
                        mmdebstrap:mmdebstrap sfdisk:fdisk mke2fs:e2fsprogs \
                        lintian:lintian
                /usr/bin/python3 -c 'import pytest' 2>/dev/null || install_packages python3-pytest
                ;;
        fuzz)
                need_tools clang:clang
                ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
                        install_packages libclang-rt-14-dev
                ;;
        trust)
                need_tools sbsign:sbsigntool sbverify:sbsigntool sbattach:sbsigntool \
                        openssl:openssl /usr/share/ovmf/PkKek-1-snakeoil.key:ovmf
                ;;
        tpm)
                need_tools swtpm:swtpm swtpm_setup:swtpm-tools tpm2_eventlog:tpm2-tools \
                        /lib/systemd/systemd-measure:systemd
                ;;
        *) die "unknown group '$group' (build, test, fuzz, trust, tpm)" ;;
        esac
done
