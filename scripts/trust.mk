# Secure Boot signing, pins and PVH one-file images (docs/security.md).
# Included by the top-level Makefile (which defines BUILD, Q and the rule for
# $(BUILD)/pvhboot.efi).
#
#   make sign   [IN=$(BUILD)/pvhboot.efi] [OUT=$(BUILD)/pvhboot.signed.efi]
#               [SB_KEY=key.pem SB_CERT=cert.pem [SB_PASS=...]]
#       sign with sbsign (default: Debian's snakeoil key, which
#       OVMF_VARS_4M.snakeoil.fd trusts -- for tests only), then sbverify --cert
#   make pin    KERNEL=vmlinux [INITRD="a.img b.img"] CMDLINE="..." [IN=...]
#               [OUT=$(BUILD)/pvhboot.pinned.efi]
#       copy of pvhboot.efi with a .pvhpins section: SHA-256 of the kernel, of
#       each initrd (in order) and of the command line (an empty CMDLINE pins
#       the empty command line)
#   make image  KERNEL=vmlinux [INITRD="a.img b.img"] [CMDLINE="..."] [IN=...]
#               [OUT=$(BUILD)/pvhboot.image.efi] [IMAGE_SBAT="comp,1,Vendor,pkg,ver,url ..."]
#       PVH one-file image: the kernel, initrds and command line inside
#       pvhboot.efi (.linux, .initrd, .cmdline sections); IMAGE_SBAT adds
#       SBAT lines (blank-separated) after pvhboot's own
#   make show   [IN=...]      sections, pins, SBAT and one-file payload of an image
#
# pin and image write unsigned images; sign them next, e.g.
#   make pin KERNEL=... CMDLINE=... && make sign IN=build/pvhboot.pinned.efi OUT=build/pvhboot.pinned.signed.efi
# File names may not contain blanks (INITRD is split on blanks).

PVHIMAGE := $(PYTHON) scripts/pvhimage.py
TRUST_IN  = $(or $(IN),$(BUILD)/pvhboot.efi)

# The default input is built; a given IN= must exist.
trust-input: $(if $(IN),,$(BUILD)/pvhboot.efi)
	@test -f "$(TRUST_IN)" || { echo "IN=$(TRUST_IN): no such file"; exit 1; }

trust-deps:
	@scripts/install-deps.sh trust

# The command line and the key settings reach the scripts through the
# environment, unquoted and unexpanded by the shell (make exports variables
# given on its command line; these make sure of the others).
pin image: export PVH_CMDLINE = $(CMDLINE)
sign: export SB_KEY := $(SB_KEY)
sign: export SB_CERT := $(SB_CERT)

.PHONY: sign pin image show trust-input trust-deps
sign: trust-input trust-deps
	$(Q)scripts/sign.sh "$(TRUST_IN)" "$(or $(OUT),$(BUILD)/pvhboot.signed.efi)"

pin: trust-input
	@test -n "$(KERNEL)" || { echo "make pin: KERNEL=path/to/vmlinux is required"; exit 1; }
	$(Q)$(PVHIMAGE) pin "$(TRUST_IN)" "$(or $(OUT),$(BUILD)/pvhboot.pinned.efi)" \
		--kernel "$(KERNEL)" $(foreach i,$(INITRD),--initrd "$(i)") --cmdline "$$PVH_CMDLINE"

image: trust-input
	@test -n "$(KERNEL)" || { echo "make image: KERNEL=path/to/vmlinux is required"; exit 1; }
	$(Q)$(PVHIMAGE) image "$(TRUST_IN)" "$(or $(OUT),$(BUILD)/pvhboot.image.efi)" \
		--kernel "$(KERNEL)" $(foreach i,$(INITRD),--initrd "$(i)") --cmdline "$$PVH_CMDLINE" \
		$(foreach l,$(IMAGE_SBAT),--sbat "$(l)")

show: trust-input
	$(Q)$(PVHIMAGE) list "$(TRUST_IN)"
