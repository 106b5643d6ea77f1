# Guest-side test tools, built static for the busybox initrd
# (scripts/mkinitrd.sh). Included from the top Makefile (BUILD, Q, CC).
#
#   make guest-tools   $(BUILD)/guest/tpm2-unseal: unseals a PCR-policy
#                      sealed object through /dev/tpmrm0 with raw TPM 2.0
#                      commands (glibc's libc.a, no TSS library)

.PHONY: guest-tools
guest-tools: $(BUILD)/guest/tpm2-unseal

$(BUILD)/guest/tpm2-unseal: tests/guest/tpm2-unseal.c
	@mkdir -p $(@D)
	@echo "  CCSTATIC $@"
	$(Q)$(CC) -static -O2 -Wall -Wextra -Werror -o $@ $<
