#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian package on a real systemd machine, which the host is not: the
# package built (or given), then Debian bookworm booted twice in QEMU with
# systemd as PID 1 and BPF LSM (`scripts/vmtest.sh --systemd --lsm`) over
# one disk: the first boot installs it with apt and tries the unit and the
# policy directory (tests/install/systemd-guest.sh install), the second
# checks that the daemon started at boot and purges the package
# (systemd-guest.sh reboot). Prints the guests' "ok NAME"/"FAIL NAME" lines,
# each boot's wall time and one line "N passed, N failed"; exits 1 if any
# check failed or a guest did not end well.
#
# usage: check-systemd.sh [--deb FILE|DIR] [--no-lsm]
#   --deb DIR: the appban_*.deb in DIR, as check-deb.sh --out leaves it
#   --no-lsm: the guests boot without bpf in lsm=: the fallback engine
# Environment: APPBAN_VM_SMP (default 1 here), APPBAN_VM_CACHE and the other
# variables of scripts/vmtest.sh; APPBAN_KEEP_TMP=1 keeps the work directory
# (the package, the disk image, each boot's log).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/install/deb.sh
. tests/install/deb.sh

usage() {
	echo "usage: $0 [--deb FILE|DIR] [--no-lsm]" >&2
	exit 2
}
deb='' lsm=--lsm
while (($#)); do
	case $1 in
	--no-lsm) lsm=--no-lsm ;;
	--deb)
		(($# >= 2)) || usage
		deb=$2
		shift
		;;
	--deb=*) deb=${1#*=} ;;
	*) usage ;;
	esac
	shift
done

pass=0 fail=0
ok() { echo "ok $1${2:+ ($2)}"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
summary() {
	echo "$pass passed, $fail failed"
	exit $((fail > 0))
}

work=$(mktemp -d "${TMPDIR:-/tmp}/appban-systemd.XXXXXX") || exit 1
if [ "${APPBAN_KEEP_TMP:-0}" = 1 ]; then
	echo "# work directory kept: $work"
else
	trap 'rm -rf "$work"' EXIT
fi

start=$SECONDS
if [ -z "$deb" ]; then
	if deb_build "$work"; then
		ok deb_build "$((SECONDS - start)) s"
	else
		bad deb_build "$(deb_build_errors "$work")"
		summary
	fi
	deb=$DEB
elif [ -d "$deb" ]; then
	deb=$(find "$deb" -maxdepth 1 -name 'appban_*.deb' -print -quit)
fi
if [ ! -f "$deb" ]; then
	bad deb_given "no appban_*.deb at ${deb:-the path given} (tests/install/check-deb.sh --out DIR makes one)"
	summary
fi
deb=$(realpath "$deb")

# A newer version of the same package, for dpkg's upgrade path (prerm
# upgrade, postinst configure OLD: the unit restarted, the conffile kept).
version=$(dpkg-deb -f "$deb" Version)
up=$work/appban_${version}+vmtest1.deb
if dpkg-deb -R "$deb" "$work/up" &&
	sed -i "s/^Version: .*/Version: ${version}+vmtest1/" "$work/up/DEBIAN/control" &&
	dpkg-deb -b "$work/up" "$up" >/dev/null; then
	rm -rf "$work/up"
else
	bad upgrade_package "dpkg-deb could not repack $deb as ${version}+vmtest1"
	summary
fi

# The overlay's upper layer, on a disk both boots share.
if ! { truncate -s 2G "$work/upper.img" && mkfs.ext4 -q -F "$work/upper.img"; }; then
	bad disk "cannot make an ext4 image in $work (mkfs.ext4: e2fsprogs)"
	summary
fi

export APPBAN_VM_SMP=${APPBAN_VM_SMP:-1}
# boot NAME LOG COMMAND...: one guest (one at a time on the machine, whoever
# starts it: the time spent waiting for another is told apart), its lines
# shown and counted
boot() {
	local name=$1 log=$2 t0=$SECONDS t1 rc p f line lock
	shift 2
	echo "# boot: $name ($lsm)"
	exec {lock}>/run/lock/appban-vm.lock
	flock "$lock"
	t1=$SECONDS
	scripts/vmtest.sh --systemd "$lsm" --disk "$work/upper.img" --timeout 1800 -- "$@" \
		{lock}>&- 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	exec {lock}>&-
	echo "# boot: $name: exit $rc after $((SECONDS - t1)) s (and $((t1 - t0)) s waiting for another guest to end)"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		bad "$name" "the guest gave no summary (vmtest.sh exit $rc): $(tail -n 3 "$log" | tr '\n' ' ')"
		return 1
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		bad "$name" "vmtest.sh exit $rc with no check failed"
	fi
	return 0
}

h=/run/appban-host
boot "install (first boot)" "$work/boot1.log" \
	tests/install/systemd-guest.sh install "$h$deb" "$h$up"
if grep -q '^ok install_with_apt' "$work/boot1.log"; then
	boot "reboot and purge (second boot)" "$work/boot2.log" tests/install/systemd-guest.sh reboot
fi
echo "# wall time: $((SECONDS - start)) s"
summary
