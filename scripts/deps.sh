#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs what building and testing appban need on Debian 12 (as root).
# Idempotent: installs only what is missing, runs apt-get update only then.
set -euo pipefail

# clang-format: make check-format (part of make check and make test);
# libcurl4-openssl-dev: the daemon's HTTPS sources (libcurl on OpenSSL, the
# TLS library appban already links)
build_pkgs=(make gcc clang llvm bpftool pkg-config libbpf-dev libelf-dev zlib1g-dev
	libmnl-dev libssl-dev libsystemd-dev libcurl4-openssl-dev clang-format)
# e2fsprogs: an ext4 image for the inode-reuse tests where /tmp is a tmpfs;
# perl: truncate(2) by path; qemu-user: the emulator side door (a limit);
# systemd, man-db: systemd-analyze verify of the unit; debhelper, dpkg-dev:
# the Debian package (tests/install); minisign: signatures made and checked
# by the stock tool (t_sign.sh); nginx-light, openssl: the HTTPS server and
# certificates of make test-fleet; rsyslog, auditd and systemd's journald
# and journalctl: the receiving daemons of the sink tests (t_sinks.sh);
# python3-yaml: the Filebeat example parsed
test_pkgs=(libcmocka-dev python3 iproute2 util-linux kmod procps curl valgrind libclang-rt-14-dev
	e2fsprogs perl-base qemu-user systemd man-db debhelper dpkg-dev minisign nginx-light openssl
	rsyslog auditd python3-yaml)
vm_pkgs=(qemu-system-x86 busybox-static)
# make ARCH=arm64: the cross compiler (the arm64 libraries come as a sysroot
# that scripts/cross.sh unpacks from bookworm's arm64 packages, no multiarch),
# and the 32-bit ARM one for the tests' AArch32 program
arm64_pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf python3)
# make bench: fapolicyd to compare with, capsh, static libc, a JSON reader;
# nginx-light, openssl, iproute2: the web source's bytes (tests/bench/web.sh);
# rsyslog, auditd, systemd: the sinks' receivers (tests/bench/sinks.sh)
bench_pkgs=(fapolicyd libcap2-bin libc6-dev python3 util-linux rsyslog auditd systemd nginx-light
	openssl iproute2)

want=("${build_pkgs[@]}")
case "${1:-all}" in
build) ;;
test) want+=("${test_pkgs[@]}") ;;
bench) want+=("${bench_pkgs[@]}") ;;
arm64) want+=("${arm64_pkgs[@]}") ;;
all) want+=("${test_pkgs[@]}" "${vm_pkgs[@]}") ;;
*) echo "usage: $0 [build|test|bench|arm64|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
arm64_sysroot()
{
	[ "${1:-all}" = arm64 ] || return 0
	"$(dirname "$0")/cross.sh" sysroot arm64 >/dev/null
}
[ ${#missing[@]} -eq 0 ] && { arm64_sysroot "${1:-all}"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then
	echo "appban: missing packages: ${missing[*]}; run this script as root" >&2
	exit 1
fi
# fapolicyd's service, started by its package, would deny every program
# that its (empty, on Debian) trust database does not list: masked before
# it is installed; the bench runs a daemon of its own, for a moment.
if [[ " ${missing[*]} " == *" fapolicyd "* ]] && [ -d /run/systemd/system ]; then
	systemctl mask fapolicyd.service >/dev/null 2>&1 || true
fi
echo "appban: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
arm64_sysroot "${1:-all}"
