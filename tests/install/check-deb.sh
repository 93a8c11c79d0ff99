#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian package: `dpkg-buildpackage -b -us -uc` in a copy of the tree
# (tracked and new files, as `git ls-files` lists them) builds it; it holds
# the binary, the unit, the man pages and the example configuration (a
# conffile), and its maintainer scripts enable and start the unit. Prints
# "ok NAME"/"FAIL NAME" and "N passed, N failed". Loads nothing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

for tool in dpkg-buildpackage dh; do
	command -v "$tool" >/dev/null || { bad deb_build "$tool not found (scripts/deps.sh test)"; echo "$pass passed, $fail failed"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/appban-deb.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/appban"
{ git ls-files; git ls-files --others --exclude-standard; } | sort -u |
	while read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done |
	tar -cf - -T - | tar -xf - -C "$work/appban"
# (the unit tests have a tier of their own: nocheck)
if (cd "$work/appban" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -b -us -uc) >"$work/log" 2>&1; then
	ok deb_build
else
	bad deb_build "$(grep -E 'error|Error' "$work/log" | head -n 5)"
	echo "$pass passed, $fail failed"
	exit 1
fi
deb=$(ls "$work"/appban_*.deb)
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
if "$work/root/usr/sbin/appban" --version | grep -q '^appban '; then
	ok deb_binary_runs
else
	bad deb_binary_runs "$("$work/root/usr/sbin/appban" --version 2>&1)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
