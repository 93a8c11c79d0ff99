# SPDX-License-Identifier: GPL-2.0
# Unit tests (cmocka), included by the top-level Makefile: `make unit-tests`
# builds one program per unit into build/tests/unit/, `make test-unit` runs them.
#
# A test program tests/unit/NAME.c is added with
#	UNIT_TESTS += NAME
#	UNIT_SRCS_NAME := user/x.c user/policy/diag.c	(the units it links, not NAME.c)
# before or after this file is included (prerequisites are expanded a second
# time, once every makefile has been read).

UNIT_BUILD := $(or $(OUTPUT),build)/tests/unit
UNIT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O2 -D_GNU_SOURCE -Iuser
UNIT_LDLIBS := -lcmocka -lz -lpthread -lbpf -ldl

# libcrypto, opened by the units that hash or sign (user/util/crypto_api.h):
# not linked, as in appban itself (a test that calls OpenSSL for its
# expected values links it on its own).
UNIT_CRYPTO_SRCS := user/util/crypto_api.c user/util/dl.c

# The parser's units, for every test program that parses a policy.
UNIT_PARSE_SRCS := user/policy/parse.c user/policy/parse_arg.c user/policy/lex.c user/policy/names.c user/policy/diag.c user/util/names.c

UNIT_TESTS += test_parse
UNIT_SRCS_test_parse := $(UNIT_PARSE_SRCS)

.SECONDEXPANSION:
.PHONY: unit-tests test-unit

unit-tests: $$(addprefix $(UNIT_BUILD)/,$$(UNIT_TESTS))

$(UNIT_BUILD):
	$(Q)mkdir -p $@

$(UNIT_BUILD)/%: tests/unit/%.c $$(UNIT_SRCS_$$*) $$(wildcard user/*.h user/*/*.h tests/unit/*.h) | $(UNIT_BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) $(SANITIZE_CFLAGS) $(filter %.c,$^) -o $@ $(UNIT_LDLIBS)

# Every program runs, even after one failed; the target fails if any did.
test-unit: unit-tests
	$(Q)failed=; for t in $(addprefix $(UNIT_BUILD)/,$(UNIT_TESTS)); do \
		echo "== $$t"; $$t || failed="$$failed $${t##*/}"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit tests failed:$$failed"; exit 1; fi

UNIT_TESTS += test_compile
UNIT_SRCS_test_compile := user/policy/compile.c user/util/hex.c user/policy/allow.c user/content/scan.c user/content/scantext.c user/content/hashcache.c user/util/file.c user/util/log.c $(UNIT_CRYPTO_SRCS) $(filter-out user/policy/compile.c,$(UNIT_SRCS_test_parse))
UNIT_TESTS += test_compose
UNIT_SRCS_test_compose := user/policy/compose.c $(UNIT_SRCS_test_compile)
UNIT_TESTS += test_format
UNIT_SRCS_test_format := user/events/format.c user/util/names.c user/util/hex.c
UNIT_CFLAGS += -Ibpf
UNIT_TESTS += test_hashcache
UNIT_SRCS_test_hashcache := user/content/hashcache.c user/util/file.c
$(UNIT_BUILD)/test_hashcache: UNIT_LDLIBS += -lz
UNIT_TESTS += test_scan
UNIT_SRCS_test_scan := user/content/scan.c user/util/hex.c user/content/scantext.c user/content/hashcache.c user/util/file.c $(UNIT_CRYPTO_SRCS)
$(UNIT_BUILD)/test_scan: UNIT_LDLIBS += -lz -pthread
UNIT_TESTS += test_state
UNIT_SRCS_test_state := user/fleet/state.c user/util/file.c user/util/hex.c
UNIT_TESTS += test_dropdir
UNIT_SRCS_test_dropdir := user/fleet/dropdir.c user/util/file.c
UNIT_TESTS += test_blake2b
UNIT_SRCS_test_blake2b := user/fleet/blake2b.c
# (OpenSSL's BLAKE2b: the expected values)
$(UNIT_BUILD)/test_blake2b: UNIT_LDLIBS += -lcrypto
UNIT_TESTS += test_minisign
UNIT_SRCS_test_minisign := user/fleet/minisign.c user/fleet/seckey.c user/fleet/blake2b.c user/util/base64.c user/util/file.c user/util/log.c $(UNIT_CRYPTO_SRCS)
UNIT_TESTS += test_config
UNIT_SRCS_test_config := user/fleet/config.c user/fleet/config_stmt.c user/fleet/config_arg.c user/fleet/url.c user/policy/lex.c user/policy/diag.c user/policy/parse_arg.c user/util/names.c user/util/base64.c
UNIT_TESTS += test_schedule
UNIT_SRCS_test_schedule := user/fleet/schedule.c
UNIT_TESTS += test_control
UNIT_SRCS_test_control := user/fleet/control_proto.c user/util/obuf.c
UNIT_TESTS += test_control_server
UNIT_SRCS_test_control_server := user/fleet/control.c user/fleet/control_proto.c user/util/obuf.c user/events/format.c user/util/names.c user/util/hex.c user/util/log.c
UNIT_TESTS += test_layers
UNIT_SRCS_test_layers := user/fleet/layers.c user/fleet/trust.c user/fleet/dropdir.c user/util/file.c user/fleet/state.c user/fleet/minisign.c user/fleet/seckey.c user/fleet/blake2b.c user/fleet/config.c user/fleet/config_stmt.c user/fleet/config_arg.c user/fleet/url.c user/util/base64.c user/util/hex.c user/util/log.c $(filter-out user/util/file.c user/util/log.c user/util/hex.c,$(UNIT_SRCS_test_compile))
UNIT_TESTS += test_ratelimit
UNIT_SRCS_test_ratelimit := user/events/ratelimit.c
UNIT_TESTS += test_sinkfmt
UNIT_SRCS_test_sinkfmt := user/events/sinkfmt.c
# The sinks for real, without a daemon: the file sink's rotation and gzip
UNIT_TESTS += test_sink_file
UNIT_SRCS_test_sink_file := user/events/sink.c user/events/sink_file.c user/events/sink_syslog.c user/events/sink_journald.c user/events/sink_audit.c user/events/sinkfmt.c user/events/format.c user/fleet/config.c user/fleet/config_stmt.c user/fleet/config_arg.c user/fleet/url.c user/policy/lex.c user/policy/diag.c user/policy/parse_arg.c user/util/names.c user/util/base64.c user/util/log.c user/util/dl.c
$(UNIT_BUILD)/test_sink_file: UNIT_LDLIBS += -lz -lmnl -ldl -pthread
# (as the main build: the sinks' callbacks share one signature)
$(UNIT_BUILD)/test_sink_file: UNIT_CFLAGS += -Wno-unused-parameter -Ibpf
# The event reader's memo of the kernel's digest cache
UNIT_TESTS += test_digest_memo
UNIT_SRCS_test_digest_memo := user/events/digest_memo.c
