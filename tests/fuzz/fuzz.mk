# SPDX-License-Identifier: GPL-2.0
# libFuzzer harnesses (clang, ASan + UBSan) of every parser of outside input,
# included by the top-level Makefile.
#   make fuzzers           build them into build/tests/fuzz/
#   make fuzz [FUZZ_TIME=S] run each for S seconds (default 600) from its seeds
#   make fuzz-regress      run each once over its seeds and every regression
#                          input (tests/fuzz/regressions/NAME/): part of `make test`
# A harness tests/fuzz/NAME.c is added with
#	FUZZERS += NAME
#	FUZZ_SRCS_NAME := user/x.c ...	(the units it links)
#	FUZZ_SEEDS_NAME := files or directories of seed inputs
# A crash found by `make fuzz` is left in build/tests/fuzz/NAME-crashes/:
# copy it into tests/fuzz/regressions/NAME/ with the fix.

FUZZ_BUILD := $(or $(OUTPUT),build)/tests/fuzz
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -Iuser -Ibpf -Wall -Werror \
	       -Wno-unused-parameter \
	       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TIME ?= 600

FUZZERS += fuzz_policy
FUZZ_SRCS_fuzz_policy := $(UNIT_PARSE_SRCS) user/policy/compose.c user/policy/allow.c
FUZZ_SEEDS_fuzz_policy := policy tests/fuzz/corpus/policy

FUZZERS += fuzz_hashcache
FUZZ_SRCS_fuzz_hashcache := user/content/hashcache.c user/util/file.c user/util/log.c
FUZZ_SEEDS_fuzz_hashcache := tests/fuzz/corpus/hashcache
FUZZ_LIBS_fuzz_hashcache := -lz -lbpf

FUZZERS += fuzz_sockdiag
FUZZ_SRCS_fuzz_sockdiag := user/kernel/sockdiag.c
FUZZ_SEEDS_fuzz_sockdiag := tests/fuzz/corpus/sockdiag
FUZZ_LIBS_fuzz_sockdiag := -lmnl

FUZZERS += fuzz_minisign
FUZZ_SRCS_fuzz_minisign := user/fleet/minisign.c user/fleet/seckey.c user/fleet/blake2b.c user/util/base64.c user/util/file.c user/util/crypto_api.c user/util/dl.c user/util/log.c
FUZZ_SEEDS_fuzz_minisign := tests/fuzz/corpus/minisign
FUZZ_LIBS_fuzz_minisign := -ldl -lbpf
FUZZERS += fuzz_config
FUZZ_SRCS_fuzz_config := user/fleet/config.c user/fleet/config_stmt.c user/fleet/config_arg.c user/fleet/url.c user/policy/lex.c user/policy/diag.c user/policy/parse_arg.c user/util/names.c user/util/base64.c
FUZZ_SEEDS_fuzz_config := tests/fuzz/corpus/config
FUZZERS += fuzz_control
FUZZ_SRCS_fuzz_control := user/fleet/control_proto.c
FUZZ_SEEDS_fuzz_control := tests/fuzz/corpus/control

.PHONY: fuzzers fuzz fuzz-regress
fuzzers: $$(addprefix $(FUZZ_BUILD)/,$$(FUZZERS))

$(FUZZ_BUILD):
	$(Q)mkdir -p $@

$(FUZZ_BUILD)/%: tests/fuzz/%.c $$(FUZZ_SRCS_$$*) $$(wildcard user/*.h user/*/*.h) | $(FUZZ_BUILD)
	$(call msg,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@ $(FUZZ_LIBS_$*)

# Seeds are copied into a work corpus that the fuzzer grows; the seeds stay
# as they are. One shell command per fuzzer (make expands its seed list).
define fuzz_one
@c=$(FUZZ_BUILD)/$(1)-corpus; mkdir -p $$c $(FUZZ_BUILD)/$(1)-crashes; \
	for s in $(FUZZ_SEEDS_$(1)); do \
		if [ -d $$s ]; then cp -n $$s/* $$c/ 2>/dev/null; else cp -n $$s $$c/; fi; \
	done; \
	echo "== $(1) for $(FUZZ_TIME) s"; \
	$(FUZZ_BUILD)/$(1) -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_BUILD)/$(1)-crashes/ $$c
endef

# Each input once: libFuzzer runs the files it is given and exits.
define fuzz_regress_one
@files=$$(find $(FUZZ_SEEDS_$(1)) tests/fuzz/regressions/$(1) -type f 2>/dev/null); \
	[ -n "$$files" ] || { echo "$(1): no inputs"; exit 1; }; \
	echo "== $(1) over $$(echo $$files | wc -w) inputs"; \
	$(FUZZ_BUILD)/$(1) $$files >$(FUZZ_BUILD)/$(1)-regress.log 2>&1 || \
		{ tail -30 $(FUZZ_BUILD)/$(1)-regress.log; exit 1; }
endef

define fuzz_nl


endef

fuzz: fuzzers
	$(foreach f,$(FUZZERS),$(call fuzz_one,$(f))$(fuzz_nl))

fuzz-regress: fuzzers
	$(foreach f,$(FUZZERS),$(call fuzz_regress_one,$(f))$(fuzz_nl))
