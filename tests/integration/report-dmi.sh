# Extra /init report for tests/integration/test_smbios.py (scripts/mkinitrd.sh
# sources every /report-*.sh; `say` prints a PVHTEST line):
#   PVHTEST dmi=<yes|no>                     /sys/class/dmi/id present?
#   PVHTEST dmi:<file>=<contents>            every readable file there, newlines as spaces
#   PVHTEST dmi-smbios=<"SMBIOS x.y present" from dmesg, or empty>
#   PVHTEST dmi-table:<name>=<sha256>        /sys/firmware/dmi/tables/{smbios_entry_point,DMI}
#   PVHTEST dmi-ep=<hex of smbios_entry_point>
if [ -d /sys/class/dmi/id ]; then say dmi=yes; else say dmi=no; fi
for f in /sys/class/dmi/id/*; do
    [ -f "$f" ] && [ -r "$f" ] || continue
    v=$(tr '\n' ' ' < "$f" 2>/dev/null | sed 's/ *$//') || continue
    say "dmi:${f##*/}=$v"
done
say "dmi-smbios=$(dmesg | sed -n 's/.*\(SMBIOS [0-9.]* present\).*/\1/p' | head -n1)"
for t in smbios_entry_point DMI; do
    f=/sys/firmware/dmi/tables/$t
    [ -r "$f" ] && say "dmi-table:$t=$(sha256sum < "$f" | cut -d' ' -f1)"
done
say "dmi-ep=$(hexdump -ve '1/1 "%02x"' /sys/firmware/dmi/tables/smbios_entry_point 2>/dev/null)"
