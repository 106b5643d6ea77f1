# pvhboot — boot a vmlinux through the x86 PVH entry from UEFI.
#
#   make          build/pvhboot.efi
#   make demo     build, fetch the Debian cloud kernel, boot it in QEMU
#   make check    host unit tests (ASan/UBSan), a short fuzz pass, QEMU integration tests
#   make check-full   the same with the full machine and compatibility matrices and a longer fuzz pass
#   make matrix-table README's compatibility table from the last matrix run
#   make unit     host unit tests only
#   make fuzz     libFuzzer targets, FUZZ_SECONDS each (default 60)

BUILD   ?= build
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)
ACCEL   ?= tcg
PYTHON  ?= /usr/bin/python3

EFI_INC  := /usr/include/efi
EFI_LIB  := /usr/lib
EFI_CRT0 := $(EFI_LIB)/crt0-efi-x86_64.o
EFI_LDS  := $(EFI_LIB)/elf_x86_64_efi.lds

WARN := -Wall -Wextra -Werror
CORE_SRCS := $(sort $(wildcard efi/core/*.c))
GLUE_SRCS := $(sort $(wildcard efi/glue/*.c))
HANDOFF_SRCS := efi/handoff/handoff.S
SBAT_SRC := efi/glue/sbat.S

# --- the EFI application -------------------------------------------------
EFI_CFLAGS := -std=gnu11 -O2 $(WARN) -Iinclude -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	-ffreestanding -fno-stack-protector -fshort-wchar -mno-red-zone -fpic \
	-fno-strict-aliasing -fno-builtin -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -DEFI_FUNCTION_WRAPPER=0
# The core (efi/core/) is pure C: in the EFI build it sees no system headers
# at all, only GCC's own freestanding ones (stddef.h, stdint.h, stdbool.h),
# so nothing from the host's C library can creep in. Glue objects keep the
# gnu-efi include paths as they are.
CORE_EFI_CFLAGS := -nostdinc -isystem $(shell $(CC) -print-file-name=include)
$(BUILD)/efi-obj/efi/core/%.o: EFI_CFLAGS += $(CORE_EFI_CFLAGS)

EFI_LDFLAGS := -nostdlib -znocombreloc -T $(EFI_LDS) -shared -Bsymbolic --no-undefined \
	-L$(EFI_LIB)

EFI_OBJS := $(patsubst %.c,$(BUILD)/efi-obj/%.o,$(CORE_SRCS) $(GLUE_SRCS)) \
            $(patsubst %.S,$(BUILD)/efi-obj/%.o,$(HANDOFF_SRCS) $(SBAT_SRC))

all: $(BUILD)/pvhboot.efi

# --- SBAT (docs/security.md, "SBAT") ---------------------------------------
# pvhboot's line in its .sbat section: component "pvhboot", generation
# SBAT_GENERATION. Raise the generation by one (never lower it, never reuse
# it) when a signed pvhboot has a security bug that a newer build fixes: a
# SbatLevel entry "pvhboot,N" then makes shim refuse every build whose
# generation is below N. SBAT_VERSION and SBAT_URL only describe the build.
# SBAT_EXTRA adds lines, e.g. a distributor's
#   SBAT_EXTRA="pvhboot.debian,1,Debian,pvhboot,1.0-1,https://tracker.debian.org/pkg/pvhboot"
SBAT_GENERATION := 1
SBAT_VERSION ?= $(shell scripts/version)
SBAT_URL ?= docs/security.md
SBAT_EXTRA ?=
SBAT_CSV := $(BUILD)/gen/sbat.csv

# Rewritten only when its text changes, so that pvhboot is relinked only then.
.PHONY: FORCE
$(SBAT_CSV): FORCE
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) scripts/pvhimage.py sbat --generation "$(SBAT_GENERATION)" --version "$(SBAT_VERSION)" \
		--url "$(SBAT_URL)" $(foreach l,$(SBAT_EXTRA),--line "$(l)") > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/efi-obj/$(SBAT_SRC:.S=.o): $(SBAT_SRC) $(SBAT_CSV) | efi-deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(EFI_CFLAGS) -DSBAT_CSV='"$(SBAT_CSV)"' -c $< -o $@

# Link an EFI application from objects: pvhboot, and test-only programs.
define efi_link
	@echo "  LD      $(2)"
	$(Q)$(LD) $(EFI_LDFLAGS) $(EFI_CRT0) $(1) -o $(2:.efi=.so) -lefi -lgnuefi
	$(Q)objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc -j .sbat \
		--target efi-app-x86_64 --subsystem=10 $(2:.efi=.so) $(2)
endef

$(BUILD)/efi-obj/%.o: %.c $(wildcard include/*.h efi/glue/*.h tests/efi/*.h) | efi-deps
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi-obj/%.o: %.S include/handoff.h | efi-deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/pvhboot.efi: $(EFI_OBJS)
	$(call efi_link,$^,$@)
	@echo "built $@ ($$(stat -c %s $@) bytes)"

# Test-only EFI programs (tests/efi/*.c), one object each.
TEST_EFI := $(patsubst tests/efi/%.c,$(BUILD)/tests/%.efi,$(wildcard tests/efi/*.c))
$(BUILD)/tests/%.efi: $(BUILD)/efi-obj/tests/efi/%.o
	@mkdir -p $(dir $@)
	$(call efi_link,$^,$@)

.PHONY: test-efi
test-efi: $(TEST_EFI)

.PHONY: efi-deps
efi-deps:
	@scripts/install-deps.sh build

# Fragments owned by test suites and tools: the PVH conformance probe kernel,
# the benchmark (make bench), signing, pins and one-file images.
-include tests/probe/probe.mk
-include bench/bench.mk
-include scripts/trust.mk
-include tests/guest/guest.mk

# --- host build of the core: unit tests ------------------------------------
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(filter-out tests/unit/testlib.c,$(wildcard tests/unit/test_*.c)))

$(BUILD)/host/%: tests/unit/%.c tests/unit/testlib.c $(wildcard tests/unit/*.h) $(CORE_SRCS) $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) -Itests/unit $< tests/unit/testlib.c $(CORE_SRCS) -o $@

.PHONY: unit
unit: $(addprefix $(BUILD)/host/,$(UNIT_TESTS))
	@set -e; pass=0; fail=0; \
	for t in $^; do \
		if $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; \
	echo "unit: $$pass passed, $$fail failed"; test $$fail -eq 0

# --- QEMU integration tests -----------------------------------------------
.PHONY: integration
integration: $(BUILD)/pvhboot.efi test-efi
	scripts/install-deps.sh test
	@mkdir -p $(BUILD)/pytest
	ACCEL=$(ACCEL) PVHTEST_FULL=$(PVHTEST_FULL) $(PYTHON) -m pytest -v --durations=30 --basetemp=$(BUILD)/pytest/integration \
		tests/integration

# Host-side tools (pvhboot-kernel and the kernel hooks) against a scratch ESP.
# Each suite has its own pytest base directory under $(BUILD): pytest's
# shared one in /tmp keeps only the newest three runs of any checkout.
.PHONY: host-test
host-test:
	scripts/install-deps.sh test
	@mkdir -p $(BUILD)/pytest
	$(PYTHON) -m pytest -q --basetemp=$(BUILD)/pytest/host tests/host

.PHONY: check
check:
	scripts/install-deps.sh build test fuzz
	$(MAKE) all test-efi
	$(MAKE) unit
	$(MAKE) fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)
	$(MAKE) host-test
	$(MAKE) integration

CHECK_FUZZ_SECONDS ?= 10

.PHONY: check-full
check-full:
	$(MAKE) check CHECK_FUZZ_SECONDS=120 PVHTEST_FULL=1

# The compatibility matrix's table in README.md, from the results the last
# run of tests/integration/test_compat_matrix.py left in build/matrix/results
# (make check-full runs every cell).
.PHONY: matrix-table
matrix-table:
	$(PYTHON) scripts/matrix-table --readme README.md

.PHONY: demo
demo:
	scripts/install-deps.sh build test
	$(MAKE) all
	ACCEL=$(ACCEL) scripts/demo.sh

.PHONY: clean
clean:
	rm -rf $(BUILD)

# --- libFuzzer targets for the core parsers --------------------------------
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 $(WARN) -Iinclude -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRCS) $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)clang $(FUZZ_CFLAGS) $< $(CORE_SRCS) -o $@

.PHONY: fuzz
fuzz: fuzz-deps $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
	scripts/run-fuzz.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

.PHONY: fuzz-deps
fuzz-deps:
	scripts/install-deps.sh fuzz

# Keep intermediate objects (test EFI programs are linked from them).
.SECONDARY:

# --- installing ------------------------------------------------------------
# make install ESP=/boot/efi KERNEL=/vmlinux INITRD=/initrd.img OPTIONS="console=ttyS0 root=..."
#   copies pvhboot.efi to ESP\EFI\pvhboot\ and writes pvhboot.conf next to it
#   (KERNEL and INITRD are paths as pvhboot sees them: on the ESP, or
#   LABEL=/GUID= volumes; INITRD may list several, separated by blanks).
# make install DESTDIR=... PREFIX=/usr/local
#   installs pvhboot.efi and the ESP/firmware helpers in the usual places.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_SCRIPTS := scripts/mkesp scripts/mkesp.sh scripts/lib.sh ovmf-vars/mkvars.py

.PHONY: install
install: $(BUILD)/pvhboot.efi
ifneq ($(ESP),)
	@test -d "$(ESP)" || { echo "ESP=$(ESP) is not a directory (mount the EFI system partition)"; exit 1; }
	install -d "$(ESP)/EFI/pvhboot"
	install -m 0644 $(BUILD)/pvhboot.efi "$(ESP)/EFI/pvhboot/pvhboot.efi"
	scripts/mkconf "$(ESP)/EFI/pvhboot/pvhboot.conf" "$(KERNEL)" "$(INITRD)" "$(OPTIONS)"
	@echo "installed $(ESP)/EFI/pvhboot/pvhboot.efi and pvhboot.conf"
else
	install -d "$(DESTDIR)$(PREFIX)/lib/pvhboot" "$(DESTDIR)$(PREFIX)/share/pvhboot" "$(DESTDIR)$(PREFIX)/bin"
	install -m 0644 $(BUILD)/pvhboot.efi "$(DESTDIR)$(PREFIX)/lib/pvhboot/pvhboot.efi"
	for f in $(wildcard $(INSTALL_SCRIPTS)) scripts/mkconf; do \
		case $$f in */lib.sh) m=0644 ;; *) m=0755 ;; esac; \
		install -m $$m $$f "$(DESTDIR)$(PREFIX)/share/pvhboot/$$(basename $$f)" || exit 1; done
	ln -sf ../share/pvhboot/mkesp "$(DESTDIR)$(PREFIX)/bin/pvhboot-mkesp"
	# pvhboot-kernel and the hooks that call it (docs/kernel-hooks.md);
	# kernel-install reads only /usr/lib/kernel/install.d: use PREFIX=/usr.
	install -d "$(DESTDIR)$(PREFIX)/sbin" "$(DESTDIR)/etc/kernel/postinst.d" "$(DESTDIR)/etc/kernel/postrm.d" \
		"$(DESTDIR)/etc/initramfs/post-update.d" "$(DESTDIR)$(PREFIX)/lib/kernel/install.d"
	install -m 0755 scripts/pvhboot-kernel "$(DESTDIR)$(PREFIX)/sbin/pvhboot-kernel"
	install -m 0755 scripts/kernel-hooks/postinst.d/zz-pvhboot "$(DESTDIR)/etc/kernel/postinst.d/zz-pvhboot"
	install -m 0755 scripts/kernel-hooks/postrm.d/zz-pvhboot "$(DESTDIR)/etc/kernel/postrm.d/zz-pvhboot"
	install -m 0755 scripts/kernel-hooks/initramfs-post-update.d/pvhboot "$(DESTDIR)/etc/initramfs/post-update.d/pvhboot"
	install -m 0755 scripts/kernel-hooks/install.d/90-pvhboot.install \
		"$(DESTDIR)$(PREFIX)/lib/kernel/install.d/90-pvhboot.install"
	# The unit that blesses a counted boot, pulled in by multi-user.target
	# (a static symlink: nothing to enable), and the man pages.
	install -d "$(DESTDIR)$(PREFIX)/lib/systemd/system/multi-user.target.wants" \
		"$(DESTDIR)$(PREFIX)/share/man/man7" "$(DESTDIR)$(PREFIX)/share/man/man8"
	sed 's|/usr/sbin/pvhboot-kernel|$(PREFIX)/sbin/pvhboot-kernel|' scripts/systemd/pvhboot-bless-boot.service \
		> "$(DESTDIR)$(PREFIX)/lib/systemd/system/pvhboot-bless-boot.service"
	chmod 0644 "$(DESTDIR)$(PREFIX)/lib/systemd/system/pvhboot-bless-boot.service"
	ln -sf ../pvhboot-bless-boot.service \
		"$(DESTDIR)$(PREFIX)/lib/systemd/system/multi-user.target.wants/pvhboot-bless-boot.service"
	for m in scripts/man/pvhboot.7 scripts/man/pvhboot-kernel.8; do \
		f="$(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/$$(basename $$m).gz"; \
		gzip -9n -c $$m > "$$f" && chmod 0644 "$$f" || exit 1; done
endif

# build/deb/pvhboot_VERSION_amd64.deb from `make install DESTDIR=... PREFIX=/usr`
# (scripts/mkdeb; docs/kernel-hooks.md).
.PHONY: deb
deb: $(BUILD)/pvhboot.efi
	scripts/mkdeb $(BUILD)
