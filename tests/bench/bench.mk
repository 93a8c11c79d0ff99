# SPDX-License-Identifier: GPL-2.0
# Programs of `make bench` (tests/bench/bench.sh), built into
# build/tests/bench/: the load generators, the binaries they start (static
# and dynamic), and the event burster with its BPF object. Included by the
# top-level Makefile:   make bench-helpers
BENCH_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
BENCH_OUT ?= $(OUTPUT)/tests/bench
BENCH_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -O2 -g -D_GNU_SOURCE
BENCH_HELPERS := $(BENCH_OUT)/loadgen $(BENCH_OUT)/nop-static $(BENCH_OUT)/nop-dynamic \
	$(BENCH_OUT)/evburst $(BENCH_OUT)/jsonlines $(BENCH_OUT)/copyban $(BENCH_OUT)/sinkpush \
	$(BENCH_OUT)/followers

.PHONY: bench-helpers
bench-helpers: $(BENCH_HELPERS)

$(BENCH_OUT):
	$(Q)mkdir -p $@

$(BENCH_OUT)/loadgen: $(BENCH_DIR)loadgen.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_OUT)/nop-static: $(BENCH_DIR)nop.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -static -o $@ $<

$(BENCH_OUT)/nop-dynamic: $(BENCH_DIR)nop.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_OUT)/evburst.bpf.o: $(BENCH_DIR)evburst.bpf.c $(BENCH_DIR)evburst.h bpf/abi.h \
		$(OUTPUT)/vmlinux.h | $(BENCH_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(BENCH_DIR) -c $< -o $@

$(BENCH_OUT)/evburst.skel.h: $(BENCH_OUT)/evburst.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name evburst_bpf > $@

$(BENCH_OUT)/evburst: $(BENCH_DIR)evburst.c $(BENCH_DIR)evburst.h $(BENCH_OUT)/evburst.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -Ibpf -I$(BENCH_DIR) -I$(BENCH_OUT) -o $@ $< $(LIBS)

$(BENCH_OUT)/jsonlines: $(BENCH_DIR)jsonlines.c | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_OUT)/copyban: $(BENCH_DIR)copyban.c bpf/abi.h | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -Ibpf -o $@ $< $(LIBS)

# the daemon's control socket, its real code, without BPF
FOLLOWERS_SRCS := user/fleet/control.c user/fleet/control_proto.c user/util/obuf.c \
	user/events/format.c user/util/names.c user/util/hex.c user/util/log.c
$(BENCH_OUT)/followers: $(BENCH_DIR)followers.c $(FOLLOWERS_SRCS) $(wildcard user/*/*.h) | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -Iuser -Ibpf -o $@ $< $(FOLLOWERS_SRCS) -lbpf

# The sink layer alone (tests/bench/sinks.sh)
SINKPUSH_SRCS := user/events/sink.c user/events/sink_file.c user/events/sink_syslog.c \
	user/events/sink_journald.c user/events/sink_audit.c user/events/sinkfmt.c \
	user/events/format.c user/fleet/config.c user/fleet/config_stmt.c user/fleet/config_arg.c \
	user/fleet/url.c user/policy/lex.c user/policy/diag.c user/policy/parse_arg.c \
	user/util/names.c user/util/base64.c user/util/log.c user/util/dl.c
$(BENCH_OUT)/sinkpush: $(BENCH_DIR)sinkpush.c $(SINKPUSH_SRCS) | $(BENCH_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -Ibpf -Iuser -o $@ $< $(SINKPUSH_SRCS) -lz -lmnl -lbpf -ldl -pthread
