/* SPDX-License-Identifier: MIT */
/* For unit tests that build kernel images byte by byte: the ELF header of an
 * x86 executable whose program headers follow it. A macro, because Elf32_Ehdr
 * and Elf64_Ehdr have the same field names at different offsets. */
#ifndef PVHBOOT_TESTS_ELF_IMAGE_H
#define PVHBOOT_TESTS_ELF_IMAGE_H

#include <elf.h>
#include <string.h>

#define elf_header_init(e, class, machine, entry, phnum)          \
        do {                                                      \
                memcpy((e)->e_ident, ELFMAG, SELFMAG);            \
                (e)->e_ident[EI_CLASS] = (class);                 \
                (e)->e_ident[EI_DATA] = ELFDATA2LSB;              \
                (e)->e_ident[EI_VERSION] = EV_CURRENT;            \
                (e)->e_type = ET_EXEC;                            \
                (e)->e_machine = (machine);                       \
                (e)->e_version = EV_CURRENT;                      \
                (e)->e_entry = (entry);                           \
                (e)->e_phoff = sizeof(*(e));                      \
                (e)->e_ehsize = sizeof(*(e));                     \
                (e)->e_phentsize = (class) == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr); \
                (e)->e_phnum = (phnum);                           \
        } while (0)

#define elf64_header_init(e, entry, phnum) elf_header_init((e), ELFCLASS64, EM_X86_64, (entry), (phnum))
#define elf32_header_init(e, entry, phnum) elf_header_init((e), ELFCLASS32, EM_386, (entry), (phnum))

#endif
