# SPDX-License-Identifier: GPL-2.0
# Unit tests (cmocka), included by the top-level Makefile: `make unit-tests`
# builds one program per unit into build/tests/unit/, `make test-unit` runs them.
#
# A test program tests/unit/NAME.c is added with
#	UNIT_TESTS += NAME
#	UNIT_SRCS_NAME := user/x.c user/diag.c	(the units it links, not NAME.c)
# before or after this file is included (prerequisites are expanded a second
# time, once every makefile has been read).

UNIT_BUILD := $(or $(OUTPUT),build)/tests/unit
UNIT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O2 -D_GNU_SOURCE -Iuser
UNIT_LDLIBS := -lcmocka -lcrypto -lz -lpthread -lbpf

# The parser's units, for every test program that parses a policy.
UNIT_PARSE_SRCS := user/parse.c user/parse_arg.c user/lex.c user/names.c user/diag.c

UNIT_TESTS += test_parse
UNIT_SRCS_test_parse := $(UNIT_PARSE_SRCS)

.SECONDEXPANSION:
.PHONY: unit-tests test-unit

unit-tests: $$(addprefix $(UNIT_BUILD)/,$$(UNIT_TESTS))

$(UNIT_BUILD):
	$(Q)mkdir -p $@

$(UNIT_BUILD)/%: tests/unit/%.c $$(UNIT_SRCS_$$*) $$(wildcard user/*.h tests/unit/*.h) | $(UNIT_BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) $(SANITIZE_CFLAGS) $(filter %.c,$^) -o $@ $(UNIT_LDLIBS)

# Every program runs, even after one failed; the target fails if any did.
test-unit: unit-tests
	$(Q)failed=; for t in $(addprefix $(UNIT_BUILD)/,$(UNIT_TESTS)); do \
		echo "== $$t"; $$t || failed="$$failed $${t##*/}"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit tests failed:$$failed"; exit 1; fi

UNIT_TESTS += test_compile
UNIT_SRCS_test_compile := user/compile.c user/allow.c user/scan.c user/scantext.c user/hashcache.c user/log.c $(filter-out user/compile.c,$(UNIT_SRCS_test_parse))
UNIT_TESTS += test_format
UNIT_SRCS_test_format := user/format.c
UNIT_CFLAGS += -Ibpf
UNIT_TESTS += test_hashcache
UNIT_SRCS_test_hashcache := user/hashcache.c
$(UNIT_BUILD)/test_hashcache: UNIT_LDLIBS += -lz
UNIT_TESTS += test_scan
UNIT_SRCS_test_scan := user/scan.c user/scantext.c user/hashcache.c
$(UNIT_BUILD)/test_scan: UNIT_LDLIBS += -lz -lcrypto -pthread
