"""Tiny ELF generator for negative tests."""
import struct


def make_elf_without_pvh_note(path, load_addr=0x1000000):
    """ELF64 x86-64 ET_EXEC with one PT_LOAD (a hlt loop) and no notes.

    A well-formed kernel-like image that simply lacks the Xen
    PHYS32_ENTRY note, so a PVH loader must refuse it.
    """
    code = b"\xf4\xeb\xfd"                      # 1: hlt; jmp 1b
    code_off = 0x1000
    ehdr = struct.pack(
        "<16sHHIQQQIHHHHHH",
        b"\x7fELF\x02\x01\x01" + b"\0" * 9,      # ELFCLASS64, LSB, EV_CURRENT
        2, 62, 1,                                # ET_EXEC, EM_X86_64, version
        load_addr, 64, 0,                        # e_entry, e_phoff, e_shoff
        0, 64, 56, 1, 0, 0, 0)                   # flags, ehsize, phentsize, phnum, sh*
    phdr = struct.pack(
        "<IIQQQQQQ",
        1, 5,                                    # PT_LOAD, PF_R|PF_X
        code_off, load_addr, load_addr,          # p_offset, p_vaddr, p_paddr
        len(code), 0x1000, 0x1000)               # p_filesz, p_memsz, p_align
    data = (ehdr + phdr).ljust(code_off, b"\0") + code
    with open(path, "wb") as f:
        f.write(data)
    return path
