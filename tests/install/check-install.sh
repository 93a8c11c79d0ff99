#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make install` into a temporary DESTDIR puts every file in place, the
# systemd unit passes `systemd-analyze verify` (its ExecStart, man pages and
# options checked), an existing configuration is never replaced, and the
# installed binary runs. Prints "ok NAME"/"FAIL NAME" lines and "N passed,
# N failed"; exits 1 if any failed. Needs no root and loads nothing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

pass=0 fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

dest=$(mktemp -d "${TMPDIR:-/tmp}/appban-install.XXXXXX") || exit 1
trap 'rm -rf "$dest"' EXIT
log=$dest/make.log
unitdir=/lib/systemd/system

if make -s install DESTDIR="$dest" PREFIX=/usr UNITDIR="$unitdir" >"$log" 2>&1; then
	ok install_runs
else
	bad install_runs "$(tail -n 5 "$log")"
fi

missing=
for f in /usr/sbin/appban /usr/share/man/man8/appban.8 /usr/share/man/man5/appban.policy.5 /usr/share/man/man5/appban.conf.5 \
	"$unitdir/appban.service" /etc/appban/appban.conf; do
	[ -f "$dest$f" ] || missing="$missing $f"
done
for d in /etc/appban/policy.d /etc/appban/keys; do
	[ -d "$dest$d" ] || missing="$missing $d/"
done
if [ -z "$missing" ]; then ok install_files; else bad install_files "missing:$missing"; fi

unit=$dest$unitdir/appban.service
if grep -qx 'ExecStart=/usr/sbin/appban daemon --config /etc/appban/appban.conf' "$unit" &&
	! grep -q '@SBINDIR@' "$unit"; then
	ok install_unit_execstart_follows_prefix
else
	bad install_unit_execstart_follows_prefix "$(grep ExecStart "$unit")"
fi

# systemd-analyze verify checks the executable at its path: a copy of the
# unit pointing at the installed binary, the man pages of the DESTDIR
if command -v systemd-analyze >/dev/null; then
	sed "s|=/usr/sbin/appban|=$dest/usr/sbin/appban|" "$unit" >"$dest/appban.service"
	out=$(MANPATH=$dest/usr/share/man systemd-analyze verify "$dest/appban.service" 2>&1)
	if [ $? -eq 0 ] && [ -z "$out" ]; then
		ok install_unit_verifies
	else
		bad install_unit_verifies "$out"
	fi
else
	bad install_unit_verifies "systemd-analyze not found (apt-get install systemd)"
fi

# an existing configuration stays
echo "# mine" >"$dest/etc/appban/appban.conf"
make -s install DESTDIR="$dest" PREFIX=/usr UNITDIR="$unitdir" >"$log" 2>&1
if [ "$(cat "$dest/etc/appban/appban.conf")" = "# mine" ]; then
	ok install_keeps_configuration
else
	bad install_keeps_configuration "the configuration was replaced"
fi

if "$dest/usr/sbin/appban" --version | grep -q '^appban '; then
	ok install_binary_runs
else
	bad install_binary_runs "$("$dest/usr/sbin/appban" --version 2>&1)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
