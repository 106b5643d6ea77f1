# The PVH conformance probe (tests/probe/): a tiny 32-bit PVH kernel that
# records the entry state, checks it against the PVH spec and prints one
# PROBE-JSON line. Included from the top Makefile (BUILD, WARN come from it).
#
#   make probe    $(BUILD)/probe/probe.elf
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

.PHONY: probe
probe: $(PROBE_ELF)

$(PROBE_OUT)/%.o: $(PROBE_DIR)/%.c $(PROBE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(PROBE_CFLAGS) -c $< -o $@

$(PROBE_OUT)/%.o: $(PROBE_DIR)/%.S $(PROBE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(PROBE_CFLAGS) -c $< -o $@

$(PROBE_ELF): $(PROBE_OBJS) $(PROBE_DIR)/probe.ld
	$(CC) $(PROBE_LDFLAGS) $(PROBE_OBJS) -o $@
	@scripts/elfnote.py $@ >/dev/null || { echo "$@: no PVH entry note" >&2; rm -f $@; exit 1; }
	@echo "built $@ ($$(stat -c %s $@) bytes)"

# tests/unit/test_probe_checks.c #includes checks.c and json.c (so that the
# top Makefile's unit rule builds it unchanged): rebuild it when they change.
$(BUILD)/host/test_probe_checks: $(PROBE_DIR)/checks.c $(PROBE_DIR)/json.c $(PROBE_HDRS)
