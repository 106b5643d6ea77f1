# Sourced by the initrd's /init (scripts/mkinitrd.sh); say is /init's.
# Unseal a secret that scripts/tpm-seal sealed on the host, against the
# swtpm state this guest's TPM uses, with a PolicyPCR session on the sha256
# PCRs listed in /unseal-pcrs (e.g. "11" or "11,12"), through /dev/tpmrm0
# with /tpm2-unseal (tests/guest/tpm2-unseal.c, static):
#   /unseal-object holds a handle: the sealed object made persistent there
#     (tpm-seal --persist); the initrd cannot hold the blob when the
#     initrd itself is measured into the PCRs it is sealed to;
#   otherwise /seal.pub + /seal.priv, loaded under the primary 0x81000001.
#   PVHTEST unseal=ok secret=<secret>
#   PVHTEST unseal=failed <first stderr line>   e.g.
#     PVHTEST unseal=failed tpm2-unseal: TPM2_Unseal: TPM error 0x99d
# (nothing when there is no /tpm2-unseal).
if [ -f /tpm2-unseal ]; then
    # Word splitting on purpose: handles and file names have no blanks.
    if [ -f /unseal-object ]; then
        what="--object $(cat /unseal-object)"
    else
        what="--parent 0x81000001 /seal.pub /seal.priv"
    fi
    if /tpm2-unseal --pcrs "$(cat /unseal-pcrs 2>/dev/null)" $what >/tmp/unseal.out 2>/tmp/unseal.err; then
        say "unseal=ok secret=$(cat /tmp/unseal.out)"
    else
        rc=$?
        err=$(head -n1 /tmp/unseal.err)
        say "unseal=failed ${err:-exit status $rc, no message}"
    fi
    rm -f /tmp/unseal.out /tmp/unseal.err
fi
