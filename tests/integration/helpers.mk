# SPDX-License-Identifier: GPL-2.0
# Helper programs of the integration tests (tests/integration/helpers/*.c),
# built into $(OUTPUT)/tests/helpers/ (build/ unless OUTPUT says: a cross
# build's helpers go with its binary). Included by the top-level Makefile:
#   make integration-helpers
# Overridable: CC, SANITIZE_CFLAGS, INTEG_HELPERS_OUT.

INTEG_HELPERS_DIR := $(dir $(lastword $(MAKEFILE_LIST)))helpers
INTEG_HELPERS_OUT ?= $(OUTPUT)/tests/helpers
INTEG_HELPERS_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -O2 $(SANITIZE_CFLAGS) $(SYSROOT_FLAGS)
INTEG_HELPERS := $(patsubst $(INTEG_HELPERS_DIR)/%.c,$(INTEG_HELPERS_OUT)/%,\
	$(wildcard $(INTEG_HELPERS_DIR)/*.c))

# An arm64 build's tests also start AArch32 programs (helpers/*-a32.S,
# t_sidedoors.sh), made with the 32-bit ARM cross compiler (scripts/deps.sh
# arm64).
ifeq ($(ARCH),arm64)
A32_CC ?= arm-linux-gnueabihf-gcc
INTEG_HELPERS += $(patsubst $(INTEG_HELPERS_DIR)/%.S,$(INTEG_HELPERS_OUT)/%,\
	$(wildcard $(INTEG_HELPERS_DIR)/*-a32.S))
endif

# Static copies for a chroot that holds nothing else (t_namespaces.sh); no
# sanitizer there: its runtime does not link statically.
INTEG_HELPERS_STATIC := $(INTEG_HELPERS_OUT)/marker-static $(INTEG_HELPERS_OUT)/spawn-static \
	$(INTEG_HELPERS_OUT)/nop-static

.PHONY: integration-helpers
integration-helpers: $(INTEG_HELPERS) $(INTEG_HELPERS_STATIC)

$(INTEG_HELPERS_OUT)/%-static: $(INTEG_HELPERS_DIR)/%.c | $(INTEG_HELPERS_OUT)
	$(if $(V),,@echo "  CC      $@";)$(CC) $(filter-out $(SANITIZE_CFLAGS),$(INTEG_HELPERS_CFLAGS)) -static -o $@ $<

$(INTEG_HELPERS_OUT)/%-a32: $(INTEG_HELPERS_DIR)/%-a32.S | $(INTEG_HELPERS_OUT)
	$(if $(V),,@echo "  AS32    $@";)$(A32_CC) -nostdlib -static -marm -o $@ $<

$(INTEG_HELPERS_OUT)/%: $(INTEG_HELPERS_DIR)/%.c | $(INTEG_HELPERS_OUT)
	$(if $(V),,@echo "  CC      $@";)$(CC) $(INTEG_HELPERS_CFLAGS) -o $@ $<

$(INTEG_HELPERS_OUT):
	@mkdir -p $@
