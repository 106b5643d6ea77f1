#!/bin/bash
# sign.sh IN.efi OUT.efi
#
# Sign an EFI image for UEFI Secure Boot with sbsign (Debian sbsigntool) and
# check the result with sbverify against the certificate.
#
# Env:
#   SB_KEY   private key (PEM), default Debian's snakeoil key
#            /usr/share/ovmf/PkKek-1-snakeoil.key (package ovmf), which
#            OVMF_VARS_4M.snakeoil.fd enrols in PK, KEK and db: for tests only
#   SB_CERT  its certificate (PEM), default /usr/share/ovmf/PkKek-1-snakeoil.pem
#   SB_PASS  the key's passphrase if it is encrypted (default "snakeoil" for
#            the snakeoil key, none otherwise).  The key is decrypted with
#            openssl into a private temporary file that is removed afterwards;
#            nothing ever prompts (a wrong or missing passphrase is an error).
#
# A signed IN is re-signed from scratch (its old signatures are removed
# first), so OUT carries exactly one signature.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 IN.efi OUT.efi (env SB_KEY, SB_CERT, SB_PASS)" >&2; exit 2; }
IN=$1
OUT=$2
SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SNAKEOIL_CERT=/usr/share/ovmf/PkKek-1-snakeoil.pem
KEY=${SB_KEY:-$SNAKEOIL_KEY}
CERT=${SB_CERT:-$SNAKEOIL_CERT}
if [ -z "${SB_PASS+set}" ] && [ "$KEY" = "$SNAKEOIL_KEY" ]; then
    SB_PASS=snakeoil
fi

need_tools sbsign:sbsigntool sbverify:sbsigntool openssl:openssl
if [ "$KEY" = "$SNAKEOIL_KEY" ] || [ "$CERT" = "$SNAKEOIL_CERT" ]; then
    need_tools "$SNAKEOIL_KEY:ovmf"
fi
[ -f "$IN" ] || die "$IN: no such file"
[ -r "$KEY" ] || die "SB_KEY=$KEY: cannot read the key"
[ -r "$CERT" ] || die "SB_CERT=$CERT: cannot read the certificate"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pvhboot-sign.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
chmod 700 "$TMP"

# Decrypt (or just copy) the key; -passin never prompts, stdin is closed.
(umask 077
 openssl pkey -in "$KEY" -passin "pass:${SB_PASS:-}" -out "$TMP/key.pem" </dev/null 2>"$TMP/openssl.err") ||
    die "cannot read the key $KEY (wrong or missing SB_PASS?): $(head -n1 "$TMP/openssl.err")"
# The certificate must belong to the key.
[ "$(openssl pkey -in "$TMP/key.pem" -pubout 2>/dev/null)" = \
  "$(openssl x509 -in "$CERT" -noout -pubkey 2>/dev/null)" ] ||
    die "SB_CERT=$CERT is not the certificate of SB_KEY=$KEY (or not a PEM certificate)"

cp "$IN" "$TMP/in.efi"
# Drop existing signatures: sbsign would add a second one.
while sbverify --list "$TMP/in.efi" 2>/dev/null | grep -q '^signature [0-9]'; do
    sbattach --remove "$TMP/in.efi" >/dev/null 2>&1 || die "$IN: cannot remove its signature"
done
sbsign --key "$TMP/key.pem" --cert "$CERT" --output "$TMP/out.efi" "$TMP/in.efi" >"$TMP/sbsign.log" 2>&1 ||
    die "sbsign failed: $(cat "$TMP/sbsign.log")"
sbverify --cert "$CERT" "$TMP/out.efi" >"$TMP/sbverify.log" 2>&1 ||
    die "sbverify --cert $CERT does not accept the result: $(cat "$TMP/sbverify.log")"
mkdir -p "$(dirname "$OUT")"
mv "$TMP/out.efi" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "signed $OUT with $(openssl x509 -in "$CERT" -noout -subject 2>/dev/null | sed 's/^subject=//'); sbverify: OK"
