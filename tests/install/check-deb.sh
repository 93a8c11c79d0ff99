#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian package: `dpkg-buildpackage -b -us -uc` in a copy of the tree
# (tests/install/deb.sh) builds it; it holds the binary, the unit, the man
# pages and the example configuration (a conffile), and its maintainer
# scripts enable and start the unit, stop it and lift the ban at removal,
# and remove the daemon's state at purge. Prints "ok NAME"/"FAIL NAME" and
# "N passed, N failed". Loads nothing.
#
# usage: check-deb.sh [--out DIR]   (--out: the package is left in DIR, for
#                                    check-systemd.sh --deb DIR)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/install/deb.sh
. tests/install/deb.sh

out_dir=
case ${1:-} in
--out)
	out_dir=${2:?--out needs a directory}
	;;
"") ;;
*)
	echo "usage: $0 [--out DIR]" >&2
	exit 2
	;;
esac

pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

for tool in dpkg-buildpackage dh; do
	command -v "$tool" >/dev/null || { bad deb_build "$tool not found (scripts/deps.sh test)"; echo "$pass passed, $fail failed"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/appban-deb.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
if deb_build "$work"; then
	ok deb_build
else
	bad deb_build "$(deb_build_errors "$work")"
	echo "$pass passed, $fail failed"
	exit 1
fi
deb=$DEB
if [ -n "$out_dir" ]; then
	mkdir -p "$out_dir" && rm -f "$out_dir"/appban_*.deb && cp "$deb" "$out_dir/"
fi
dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/ctl"
missing=
for f in usr/sbin/appban lib/systemd/system/appban.service etc/appban/appban.conf \
	usr/share/man/man8/appban.8.gz usr/share/man/man5/appban.policy.5.gz usr/share/man/man5/appban.conf.5.gz \
	usr/share/bash-completion/completions/appban; do
	[ -f "$work/root/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then ok deb_contents; else bad deb_contents "missing:$missing"; fi
if grep -qx /etc/appban/appban.conf "$work/ctl/conffiles"; then
	ok deb_configuration_is_a_conffile
else
	bad deb_configuration_is_a_conffile "$(cat "$work/ctl/conffiles" 2>&1)"
fi
if grep -q "deb-systemd-helper enable 'appban.service'" "$work/ctl/postinst" &&
	grep -q "deb-systemd-invoke \$_dh_action 'appban.service'" "$work/ctl/postinst"; then
	ok deb_enables_and_starts_the_unit
else
	bad deb_enables_and_starts_the_unit "postinst: $(head -c 300 "$work/ctl/postinst")"
fi
if grep -qx 'ExecStart=/usr/sbin/appban daemon --config /etc/appban/appban.conf' \
	"$work/root/lib/systemd/system/appban.service"; then
	ok deb_unit_starts_the_packaged_binary
else
	bad deb_unit_starts_the_packaged_binary "$(grep ExecStart "$work/root/lib/systemd/system/appban.service")"
fi
if grep -q "appban unload" "$work/ctl/prerm" && grep -q "rm -rf /var/lib/appban" "$work/ctl/postrm"; then
	ok deb_remove_lifts_the_ban_purge_drops_the_state
else
	bad deb_remove_lifts_the_ban_purge_drops_the_state "prerm or postrm lacks them (debian/appban.prerm, debian/appban.postrm)"
fi
if "$work/root/usr/sbin/appban" --version | grep -q '^appban '; then
	ok deb_binary_runs
else
	bad deb_binary_runs "$("$work/root/usr/sbin/appban" --version 2>&1)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
