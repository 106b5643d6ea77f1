# Sourced by the initrd's /init (scripts/mkinitrd.sh) after securityfs is
# mounted; say is /init's. The TPM event log Linux exposes, for
# tests/integration/test_tpm_log.py:
#   PVHTEST tpm-log-bytes=<size>
#   PVHTEST tpm-log-sha256=<hex>
#   PVHTEST tpm-log-hex-<n>=<64 bytes as hex>     n = 0, 1, ... in order
# (nothing when there is no binary_bios_measurements).
f=/sys/kernel/security/tpm0/binary_bios_measurements
if [ -r "$f" ]; then
    cat "$f" > /tmp/tpm-log
    say "tpm-log-bytes=$(wc -c < /tmp/tpm-log)"
    say "tpm-log-sha256=$(sha256sum < /tmp/tpm-log | cut -d' ' -f1)"
    n=0
    hexdump -v -e '64/1 "%02x" "\n"' /tmp/tpm-log | while read -r line; do
        say "tpm-log-hex-$n=$line"
        n=$((n + 1))
    done
    rm -f /tmp/tpm-log
fi
