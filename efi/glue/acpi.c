/* SPDX-License-Identifier: MIT */
#include "glue.h"

/* UEFI 2.10, 4.6 "EFI Configuration Table": ACPI 2.0+ tables are published
 * under EFI_ACPI_20_TABLE_GUID, ACPI 1.0 under ACPI_TABLE_GUID. Prefer 2.0. */
UINT64 acpi_find_rsdp(void) {
        EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
        UINT64 v1 = 0;

        for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
                EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
                if (!CompareGuid(&t->VendorGuid, &acpi20))
                        return (UINT64)(UINTN)t->VendorTable;
                if (!CompareGuid(&t->VendorGuid, &acpi10))
                        v1 = (UINT64)(UINTN)t->VendorTable;
        }
        return v1;
}
