# SPDX-License-Identifier: GPL-2.0
# Tests of the daemon's HTTPS sources against a real nginx on 127.0.0.1
# (tests/fleet/source_test.c), included by the top-level Makefile:
#	make fleet-tests	builds build/tests/fleet/source_test
#	make test-fleet		builds and runs it (needs nginx-light and openssl:
#				scripts/deps.sh test; no BPF, no root)

FLEET_BUILD := $(or $(OUTPUT),build)/tests/fleet
FLEET_SRCS := user/fleet/source.c user/fleet/source_fetch.c user/fleet/curl_api.c user/util/crypto_api.c user/util/dl.c user/fleet/schedule.c user/fleet/url.c user/util/log.c
# (libcurl and libcrypto opened as in appban: user/util/dl.h)
FLEET_LDLIBS := -lcmocka -lbpf -lpthread -ldl

.PHONY: fleet-tests test-fleet
fleet-tests: $(FLEET_BUILD)/source_test

$(FLEET_BUILD):
	$(Q)mkdir -p $@

$(FLEET_BUILD)/source_test: tests/fleet/source_test.c $(FLEET_SRCS) $(wildcard user/*.h user/*/*.h) | $(FLEET_BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) -Wno-unused-parameter $(SANITIZE_CFLAGS) $(filter %.c,$^) -o $@ $(FLEET_LDLIBS)

test-fleet: fleet-tests
	$(FLEET_BUILD)/source_test
