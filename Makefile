# SPDX-License-Identifier: GPL-2.0
# appban: BPF objects -> skeletons -> one self-contained build/appban.
# `make V=1` shows the commands; CC, CLANG, ARCH, CROSS_COMPILE, VMLINUX_BTF,
# VMLINUX_H can be overridden (a cross build for arm64 handsets passes
# ARCH=arm64 and that kernel's BTF or vmlinux.h).

OUTPUT ?= build
HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ARCH ?= $(HOST_ARCH)
# A cross build for arm64 (handsets) on an x86 host: Debian's
# gcc-aarch64-linux-gnu, a sysroot of bookworm's arm64 -dev packages and the
# BTF of bookworm's arm64 kernel, both made once by scripts/cross.sh (run
# scripts/deps.sh arm64 first). SYSROOT and VMLINUX_BTF can be given.
ifneq ($(ARCH),$(HOST_ARCH))
ifneq ($(ARCH),arm64)
$(error ARCH=$(ARCH): the cross build knows arm64 only)
endif
CROSS_COMPILE ?= aarch64-linux-gnu-
ifeq ($(filter clean format check-format deps,$(MAKECMDGOALS)),)
SYSROOT ?= $(shell scripts/cross.sh sysroot arm64)
ifeq ($(SYSROOT),)
$(error no arm64 sysroot: see the output of scripts/cross.sh sysroot arm64)
endif
endif
CROSS_VMLINUX_BTF := $(OUTPUT)/vmlinux-$(ARCH).btf
VMLINUX_BTF ?= $(CROSS_VMLINUX_BTF)
PKG_CONFIG ?= PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
	PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/aarch64-linux-gnu/pkgconfig:$(SYSROOT)/usr/share/pkgconfig \
	pkg-config
SYSROOT_FLAGS := --sysroot=$(SYSROOT)
endif
CROSS_COMPILE ?=
CC ?= gcc
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_H ?=
PREFIX ?= /usr/local
SANITIZE ?=

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Libraries, found with pkg-config; a missing one names its Debian package.
define need_pkg
$(if $(shell $(PKG_CONFIG) --exists $(1) && echo y),,$(error $(1) not found: apt-get install $(2) (or run scripts/deps.sh)))
endef
# `make test`, `make check`, `make run`, `make bench` and `make deps` install
# the packages first, then recurse.
ifeq ($(filter clean format check-format test check run deps bench bench-vm,$(MAKECMDGOALS)),)
$(call need_pkg,libbpf,libbpf-dev)
$(call need_pkg,libelf,libelf-dev)
$(call need_pkg,zlib,zlib1g-dev)
$(call need_pkg,libmnl,libmnl-dev)
$(call need_pkg,libcrypto,libssl-dev)
$(call need_pkg,libsystemd,libsystemd-dev)
$(call need_pkg,libcurl,libcurl4-openssl-dev)
endif
# libcurl is opened when a source needs it, libcrypto when a hash or a
# signature does (user/util/dl.h): only their headers are needed to build;
# linked, libcurl costs every appban command ~35 ms, and libcrypto (4.6 MB)
# is read and relocated before main() of a load whose path ban needs none.
LIBS := $(shell $(PKG_CONFIG) --libs libbpf libelf zlib libmnl 2>/dev/null)

ifneq ($(SANITIZE),)
SANITIZE_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CFLAGS ?= -g -O2
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	  -I$(OUTPUT) -Ibpf -Iuser $(SANITIZE_CFLAGS) $(SYSROOT_FLAGS)
LDFLAGS += $(SANITIZE_CFLAGS) $(SYSROOT_FLAGS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -I$(OUTPUT) -Ibpf $(if $(DEBUG),-DDEBUG=1)

include Kbuild
BPF_OBJS := $(addprefix $(OUTPUT)/,$(bpf-y))
BPF_COMPAT_OBJS := $(patsubst %.bpf.o,$(OUTPUT)/%_compat.bpf.o,$(bpf-compat-y))
SKELS := $(BPF_OBJS:.bpf.o=.skel.h) $(BPF_COMPAT_OBJS:.bpf.o=.skel.h)

USER_SRCS := $(wildcard user/*.c user/*/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean install run test check test-package test-unit test-integration test-vm test-matrix bench bench-vm fuzz \
	check-format format lint deps

all: $(OUTPUT)/appban

$(OUTPUT):
	$(Q)mkdir -p $@

# vmlinux.h from the running kernel's BTF (or VMLINUX_BTF), replaced only
# when it changed so that nothing rebuilds for nothing.
ifneq ($(CROSS_VMLINUX_BTF),)
$(CROSS_VMLINUX_BTF): | $(OUTPUT)
	$(call msg,BTF,$@)
	$(Q)scripts/cross.sh btf $(ARCH) $@
endif
ifeq ($(VMLINUX_H),)
$(OUTPUT)/vmlinux.h: $(VMLINUX_BTF) | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
else
$(OUTPUT)/vmlinux.h: $(VMLINUX_H) | $(OUTPUT)
	$(Q)cp $< $@
endif

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp
	$(Q)mv $@.tmp $@

# The compat objects: the same source, for kernels without the features of
# 5.17 (bpf/compat.h). This rule's stem is the shorter: make prefers it.
$(OUTPUT)/%_compat.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DAPPBAN_COMPAT -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp
	$(Q)mv $@.tmp $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

USER_HDRS := $(wildcard user/*.h user/*/*.h)
$(OUTPUT)/user/%.o: user/%.c $(USER_HDRS) bpf/abi.h $(SKELS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/appban: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

# The binary, its man pages and its bash completion.
BASHCOMPDIR ?= $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)
# The systemd unit (its ExecStart follows PREFIX) and an example
# configuration, which an existing one is never replaced by.
UNITDIR ?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
SYSCONFDIR ?= /etc
install: $(OUTPUT)/appban
	install -D -m 0755 $< $(DESTDIR)$(PREFIX)/sbin/appban
	install -D -m 0644 man/appban.8 $(DESTDIR)$(PREFIX)/share/man/man8/appban.8
	install -D -m 0644 man/appban.policy.5 $(DESTDIR)$(PREFIX)/share/man/man5/appban.policy.5
	install -D -m 0644 man/appban.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/appban.conf.5
	install -D -m 0644 scripts/completion/appban.bash $(DESTDIR)$(BASHCOMPDIR)/appban
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' scripts/systemd/appban.service.in >$(DESTDIR)$(UNITDIR)/appban.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/appban.service
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/appban/policy.d $(DESTDIR)$(SYSCONFDIR)/appban/keys
	[ -e $(DESTDIR)$(SYSCONFDIR)/appban/appban.conf ] || \
		install -m 0644 scripts/systemd/appban.conf $(DESTDIR)$(SYSCONFDIR)/appban/appban.conf

clean:
	rm -rf $(OUTPUT) build-asan

deps:
	scripts/deps.sh

-include tests/unit/unit.mk
-include tests/fleet/fleet.mk
-include tests/integration/helpers.mk
-include tests/fuzz/fuzz.mk
-include tests/bench/bench.mk

# The whole suite, VM tiers included (~35 minutes on 2 cores): before a push.
test:
	scripts/test.sh

# make install and the systemd unit, then the Debian package built and
# inspected (a few minutes: dpkg-buildpackage builds everything again), then
# that package installed, run, rebooted and purged under a real systemd in
# QEMU (tests/install/check-systemd.sh: two boots, docs/testing.md).
test-package:
	scripts/deps.sh test
	tests/install/check-install.sh
	tests/install/check-deb.sh --out $(OUTPUT)/deb
	tests/install/check-systemd.sh --deb $(OUTPUT)/deb

# The quick edit-build-test loop (under 4 minutes): the format check, the unit
# tests and the host integration tests.
check:
	scripts/test.sh --check

# The main job: install what is needed, build, and enforce the default
# policy with events on screen until Ctrl-C (then it unloads).
run:
	scripts/deps.sh build
	$(MAKE) all
	$(OUTPUT)/appban run

# The cost of enforcement against none and fapolicyd, policy load and swap
# times, map memory, events/s, scan throughput: tests/bench/README.md.
bench:
	scripts/deps.sh bench
	$(MAKE) all bench-helpers
	tests/bench/bench.sh

# The exec/connect part in QEMU with the lsm engine (TCG: only the ratios
# mean something; the scan roots are the guest's /tmp).
bench-vm:
	scripts/deps.sh bench
	$(MAKE) all bench-helpers
	flock /run/lock/appban-vm.lock scripts/vmtest.sh --lsm --timeout 2400 -- \
		env ROUNDS=3 N_EXEC=100 N_TCP=2000 N_UDP=20000 FAPOLICYD=0 EVENTS=0 SCAN=0 \
		APPBAN_SCAN_ROOTS=/tmp JSON=/tmp/results-vm.json tests/bench/bench.sh

test-integration: all integration-helpers
	tests/integration/run.sh

test-vm: all integration-helpers
	scripts/vmtest.sh --lsm --timeout 2700 -- tests/integration/run.sh
	scripts/vmtest.sh --no-lsm --timeout 2700 -- tests/integration/run.sh

# The kernel matrix (docs/kernels.md): the whole integration suite on 5.10,
# 6.1 and 6.12, with and without bpf in lsm=, and the arm64 build on arm64
# 6.1 and 6.12, the same, one guest after the other (hours on 2 cores: not
# part of make test).
test-matrix: all integration-helpers
	scripts/deps.sh arm64
	$(MAKE) ARCH=arm64 OUTPUT=build-arm64 all integration-helpers
	scripts/test-matrix.sh

FORMAT_SRCS := $(wildcard user/*.c user/*.h user/*/*.c user/*/*.h bpf/*.c bpf/*.h tests/*/*.c)
check-format:
	clang-format --dry-run --Werror $(FORMAT_SRCS)
	tests/lint/include-cycles.py
	tests/lint/syscall-nr.py

format:
	clang-format -i $(FORMAT_SRCS)

lint: $(SKELS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem -I$(OUTPUT) -Ibpf -Iuser user/
	tests/lint/syscall-nr.py

# The built-in default policy of `appban run`, embedded as a C string.
DEFAULT_POLICY := policy/fr-recreational-2023.policy
$(OUTPUT)/default_policy.h: $(DEFAULT_POLICY) | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q){ printf '#define DEFAULT_POLICY_NAME "%s"\n' "<built-in>/$(notdir $<)"; \
	  printf 'static const char default_policy_text[] =\n'; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/' $<; \
	  printf ';\n'; } > $@
$(OUTPUT)/user/cmd/run.o: $(OUTPUT)/default_policy.h

# `appban --version`: the release and, in a git checkout, the commit.
VERSION := 0.9$(shell git describe --always --dirty 2>/dev/null | sed 's/^/+g/')
$(OUTPUT)/user/main.o $(OUTPUT)/user/events/format.o: CFLAGS += -DAPPBAN_VERSION='"$(VERSION)"'

