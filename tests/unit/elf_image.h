/* SPDX-License-Identifier: MIT */
/* For unit tests that build kernel images byte by byte: the ELF64 header
 * of an x86-64 executable whose program headers follow it. */
#ifndef PVHBOOT_TESTS_ELF_IMAGE_H
#define PVHBOOT_TESTS_ELF_IMAGE_H

#include <elf.h>
#include <string.h>

static inline void elf64_header_init(Elf64_Ehdr *e, uint64_t entry, unsigned phnum) {
        memcpy(e->e_ident, ELFMAG, SELFMAG);
        e->e_ident[EI_CLASS] = ELFCLASS64;
        e->e_ident[EI_DATA] = ELFDATA2LSB;
        e->e_ident[EI_VERSION] = EV_CURRENT;
        e->e_type = ET_EXEC;
        e->e_machine = EM_X86_64;
        e->e_version = EV_CURRENT;
        e->e_entry = entry;
        e->e_phoff = sizeof(Elf64_Ehdr);
        e->e_ehsize = sizeof(Elf64_Ehdr);
        e->e_phentsize = sizeof(Elf64_Phdr);
        e->e_phnum = (Elf64_Half)phnum;
}

#endif
