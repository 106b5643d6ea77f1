/* SPDX-License-Identifier: MIT */
/*
 * The ELF structures and constants the core's kernel parser needs, written
 * from the System V Application Binary Interface (gABI), "Chapter 4: Object
 * Files" (ELF Header, ELF Identification) and "Chapter 5: Program Loading
 * and Dynamic Linking" (Program Header, Note Section):
 *   https://www.sco.com/developers/gabi/latest/ch4.eheader.html
 *   https://www.sco.com/developers/gabi/latest/ch5.pheader.html
 * and, for the x86 machine numbers, the gABI's e_machine list.
 *
 * Why not <elf.h>: the core builds with -nostdinc for EFI (it must not
 * depend on the host's C library headers), and host tests include glibc's
 * <elf.h> next to this file. So every name here is lower-case struct elfNN_*
 * or carries an ELF_ prefix that <elf.h> does not use (it has ELFCLASS64,
 * PT_LOAD, Elf64_Ehdr; here ELF_CLASS64, ELF_PT_LOAD, struct elf64_ehdr).
 *
 * Only what is used is here: no section headers, no symbols, no dynamic
 * section. The gABI's data types map to fixed-size integers: Elf32_Addr,
 * Elf32_Off, Elf32_Word = 4 bytes; Elf64_Addr, Elf64_Off, Elf64_Xword = 8;
 * ElfNN_Half = 2; Elf64_Word = 4. The gABI gives every structure "natural
 * size and alignment", so plain C structs have its layout, which the
 * _Static_asserts below pin down.
 */
#ifndef PVHBOOT_ELF_ABI_H
#define PVHBOOT_ELF_ABI_H

#include <stddef.h>
#include <stdint.h>

/* e_ident[] indexes (gABI "ELF Identification"). */
#define ELF_EI_MAG0     0u
#define ELF_EI_MAG1     1u
#define ELF_EI_MAG2     2u
#define ELF_EI_MAG3     3u
#define ELF_EI_CLASS    4u
#define ELF_EI_DATA     5u
#define ELF_EI_VERSION  6u
#define ELF_EI_NIDENT   16u

/* "A file's first 4 bytes hold a magic number identifying the file as an
 * ELF object file": 0x7f 'E' 'L' 'F'. */
#define ELF_MAG0        0x7fu
#define ELF_MAG1        'E'
#define ELF_MAG2        'L'
#define ELF_MAG3        'F'

/* e_ident[EI_CLASS]: ELFCLASS32 = 1, ELFCLASS64 = 2. */
#define ELF_CLASS32     1u
#define ELF_CLASS64     2u

/* e_ident[EI_DATA]: ELFDATA2LSB = 1, two's complement, little-endian. */
#define ELF_DATA2LSB    1u

/* e_ident[EI_VERSION] and e_version: EV_CURRENT = 1. */
#define ELF_EV_CURRENT  1u

/* e_type: ET_EXEC = 2, an executable file. */
#define ELF_ET_EXEC     2u

/* e_machine: EM_386 = 3 (Intel 80386), EM_X86_64 = 62 (AMD x86-64). */
#define ELF_EM_386      3u
#define ELF_EM_X86_64   62u

/* p_type: PT_LOAD = 1 "a loadable segment", PT_NOTE = 4 "the location and
 * size of auxiliary information". */
#define ELF_PT_LOAD     1u
#define ELF_PT_NOTE     4u

/* gABI "ELF Header", 32-bit class. */
struct elf32_ehdr {
        unsigned char e_ident[ELF_EI_NIDENT];
        uint16_t e_type;
        uint16_t e_machine;
        uint32_t e_version;
        uint32_t e_entry;
        uint32_t e_phoff;
        uint32_t e_shoff;
        uint32_t e_flags;
        uint16_t e_ehsize;
        uint16_t e_phentsize;
        uint16_t e_phnum;
        uint16_t e_shentsize;
        uint16_t e_shnum;
        uint16_t e_shstrndx;
};

/* gABI "ELF Header", 64-bit class: same fields, addresses and offsets
 * widened to 8 bytes. */
struct elf64_ehdr {
        unsigned char e_ident[ELF_EI_NIDENT];
        uint16_t e_type;
        uint16_t e_machine;
        uint32_t e_version;
        uint64_t e_entry;
        uint64_t e_phoff;
        uint64_t e_shoff;
        uint32_t e_flags;
        uint16_t e_ehsize;
        uint16_t e_phentsize;
        uint16_t e_phnum;
        uint16_t e_shentsize;
        uint16_t e_shnum;
        uint16_t e_shstrndx;
};

/* gABI "Program Header", 32-bit class: p_flags comes after p_memsz. */
struct elf32_phdr {
        uint32_t p_type;
        uint32_t p_offset;
        uint32_t p_vaddr;
        uint32_t p_paddr;
        uint32_t p_filesz;
        uint32_t p_memsz;
        uint32_t p_flags;
        uint32_t p_align;
};

/* gABI "Program Header", 64-bit class: p_flags moves up to keep the 8-byte
 * fields aligned. */
struct elf64_phdr {
        uint32_t p_type;
        uint32_t p_flags;
        uint64_t p_offset;
        uint64_t p_vaddr;
        uint64_t p_paddr;
        uint64_t p_filesz;
        uint64_t p_memsz;
        uint64_t p_align;
};

/*
 * gABI "Note Section": each entry is namesz, descsz and type, then the
 * name and the descriptor, each padded. The header is three 4-byte words in
 * both classes as x86 toolchains and Linux write them (glibc's Elf32_Nhdr
 * and Elf64_Nhdr are the same), so one struct serves both.
 */
struct elf_nhdr {
        uint32_t n_namesz;
        uint32_t n_descsz;
        uint32_t n_type;
};

_Static_assert(sizeof(struct elf32_ehdr) == 52, "Elf32_Ehdr is 52 bytes");
_Static_assert(offsetof(struct elf32_ehdr, e_entry) == 24, "Elf32_Ehdr e_entry");
_Static_assert(offsetof(struct elf32_ehdr, e_phoff) == 28, "Elf32_Ehdr e_phoff");
_Static_assert(offsetof(struct elf32_ehdr, e_phentsize) == 42, "Elf32_Ehdr e_phentsize");
_Static_assert(offsetof(struct elf32_ehdr, e_phnum) == 44, "Elf32_Ehdr e_phnum");

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(offsetof(struct elf64_ehdr, e_entry) == 24, "Elf64_Ehdr e_entry");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 32, "Elf64_Ehdr e_phoff");
_Static_assert(offsetof(struct elf64_ehdr, e_phentsize) == 54, "Elf64_Ehdr e_phentsize");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 56, "Elf64_Ehdr e_phnum");

_Static_assert(sizeof(struct elf32_phdr) == 32, "Elf32_Phdr is 32 bytes");
_Static_assert(offsetof(struct elf32_phdr, p_paddr) == 12, "Elf32_Phdr p_paddr");
_Static_assert(offsetof(struct elf32_phdr, p_memsz) == 20, "Elf32_Phdr p_memsz");
_Static_assert(offsetof(struct elf32_phdr, p_align) == 28, "Elf32_Phdr p_align");

_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");
_Static_assert(offsetof(struct elf64_phdr, p_offset) == 8, "Elf64_Phdr p_offset");
_Static_assert(offsetof(struct elf64_phdr, p_paddr) == 24, "Elf64_Phdr p_paddr");
_Static_assert(offsetof(struct elf64_phdr, p_memsz) == 40, "Elf64_Phdr p_memsz");
_Static_assert(offsetof(struct elf64_phdr, p_align) == 48, "Elf64_Phdr p_align");

_Static_assert(sizeof(struct elf_nhdr) == 12, "note header is three 4-byte words");

#endif
