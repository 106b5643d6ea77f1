/* SPDX-License-Identifier: MIT */
#include "glue.h"

bool config_table_find(const EFI_GUID *guid, void **table) {
        for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
                if (!CompareGuid(&ST->ConfigurationTable[i].VendorGuid, (EFI_GUID *)guid)) {
                        *table = ST->ConfigurationTable[i].VendorTable;
                        return true;
                }
        return false;
}

/* UEFI 2.10, 4.6 "EFI Configuration Table": ACPI 2.0+ tables are published
 * under EFI_ACPI_20_TABLE_GUID, ACPI 1.0 under ACPI_TABLE_GUID. Prefer 2.0. */
UINT64 acpi_find_rsdp(void) {
        static const EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
        void *t;

        if (config_table_find(&acpi20, &t) || config_table_find(&acpi10, &t))
                return (UINT64)(UINTN)t;
        return 0;
}
