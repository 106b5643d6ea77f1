# The PVH conformance probe (tests/probe/): a tiny 32-bit PVH kernel that
# records the entry state, checks it against the PVH spec and prints one
# PROBE-JSON line. Included from the top Makefile (BUILD, WARN come from it).
#
#   make probe    $(BUILD)/probe/probe.elf, and the variants for
#                 tests/integration/test_relocation.py:
#     probe-reloc.elf    linked at 0x30000000 (768 MiB), with
#                        XEN_ELFNOTE_PHYS32_RELOC (align 2 MiB, min 16 MiB,
#                        max 1 GiB - 1, as Linux 6.12+): position independent
#     probe-reloc16.elf  the same linked at 16 MiB, where Linux links itself
#     probe-high.elf     the plain probe linked at 0x30000000: no note 19
#
# Built with the host gcc (-m32, freestanding, no libc, no libgcc: nothing
# here needs gcc-multilib); the link fails on any undefined symbol.

PROBE_DIR := tests/probe
PROBE_OUT := $(BUILD)/probe
PROBE_ELF := $(PROBE_OUT)/probe.elf
PROBE_HDRS := $(wildcard $(PROBE_DIR)/*.h) $(PROBE_DIR)/rules.def include/pvh_start_info.h
PROBE_OBJS := $(addprefix $(PROBE_OUT)/,entry.o main.o checks.o json.o libc.o)

PROBE_CFLAGS := -m32 -march=i686 -std=gnu11 -O2 $(WARN) -Iinclude -I$(PROBE_DIR) \
	-ffreestanding -fno-pic -fno-pie -fno-stack-protector -fcf-protection=none \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-delete-null-pointer-checks -fno-tree-loop-distribute-patterns
PROBE_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--no-undefined -Wl,--fatal-warnings \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-T,$(PROBE_DIR)/probe.ld

PROBE_RELOC_ELFS := $(PROBE_OUT)/probe-reloc.elf $(PROBE_OUT)/probe-reloc16.elf
PROBE_HIGH_ELF := $(PROBE_OUT)/probe-high.elf
PROBE_RELOC_OBJS := $(PROBE_OUT)/entry-reloc.o $(filter-out $(PROBE_OUT)/entry.o,$(PROBE_OBJS))
# Linux's values (arch/x86/platform/pvh/head.S): CONFIG_PHYSICAL_ALIGN,
# LOAD_PHYSICAL_ADDR, KERNEL_IMAGE_SIZE - 1. The table's size bounds the
# absolute addresses the probe may hold (relocs.py says when it is short).
PROBE_RELOC_DEFS := -DPROBE_RELOC -DPROBE_RELOC_ALIGN=0x200000 -DPROBE_RELOC_MIN=0x1000000 \
	-DPROBE_RELOC_MAX=0x3fffffff -DPROBE_RELOCS_SIZE=4096

.PHONY: probe
probe: $(PROBE_ELF) $(PROBE_RELOC_ELFS) $(PROBE_HIGH_ELF)

$(PROBE_OUT)/%.o: $(PROBE_DIR)/%.c $(PROBE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(PROBE_CFLAGS) -c $< -o $@

$(PROBE_OUT)/%.o: $(PROBE_DIR)/%.S $(PROBE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(PROBE_CFLAGS) -c $< -o $@

$(PROBE_ELF): $(PROBE_OBJS) $(PROBE_DIR)/probe.ld
	$(CC) $(PROBE_LDFLAGS) -Wl,--defsym,probe_link_address=0x2000000 $(PROBE_OBJS) -o $@
	@scripts/elfnote.py $@ >/dev/null || { echo "$@: no PVH entry note" >&2; rm -f $@; exit 1; }
	@echo "built $@ ($$(stat -c %s $@) bytes)"

$(PROBE_OUT)/entry-reloc.o: $(PROBE_DIR)/entry.S $(PROBE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(PROBE_CFLAGS) $(PROBE_RELOC_DEFS) -c $< -o $@

# --emit-relocs keeps the link's relocations in the output, from which
# relocs.py writes the table of absolute addresses into .probe_relocs.
$(PROBE_OUT)/probe-reloc.elf: PROBE_LINK_ADDRESS := 0x30000000
$(PROBE_OUT)/probe-reloc16.elf: PROBE_LINK_ADDRESS := 0x1000000
$(PROBE_RELOC_ELFS): $(PROBE_RELOC_OBJS) $(PROBE_DIR)/probe.ld $(PROBE_DIR)/relocs.py
	$(CC) $(PROBE_LDFLAGS) -Wl,--defsym,probe_link_address=$(PROBE_LINK_ADDRESS) -Wl,--emit-relocs \
		$(PROBE_RELOC_OBJS) -o $@.tmp
	$(PROBE_DIR)/relocs.py $@.tmp
	@scripts/elfnote.py $@.tmp | grep -q " reloc-align=" || { echo "$@: no PVH relocation note" >&2; exit 1; }
	@mv $@.tmp $@
	@echo "built $@ ($$(stat -c %s $@) bytes)"

$(PROBE_HIGH_ELF): $(PROBE_OBJS) $(PROBE_DIR)/probe.ld
	$(CC) $(PROBE_LDFLAGS) -Wl,--defsym,probe_link_address=0x30000000 $(PROBE_OBJS) -o $@
	@scripts/elfnote.py $@ >/dev/null || { echo "$@: no PVH entry note" >&2; rm -f $@; exit 1; }
	@echo "built $@ ($$(stat -c %s $@) bytes)"

# tests/unit/test_probe_checks.c #includes checks.c and json.c (so that the
# top Makefile's unit rule builds it unchanged): rebuild it when they change.
$(BUILD)/host/test_probe_checks: $(PROBE_DIR)/checks.c $(PROBE_DIR)/json.c $(PROBE_HDRS)
