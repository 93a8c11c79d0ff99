#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configuration C of `make bench`: runs CMD under Debian's fapolicyd with a
# rule set that denies executing one file (DENIED) and allows everything
# else. Run inside a private mount namespace (`unshare -m`, done here): the
# daemon's configuration, database and run directories are bind mounts of
# directories under WORK, and its fanotify marks are on this namespace's
# mounts, so nothing outside the namespace is watched or changed. Fails
# unless DENIED is refused while the daemon runs (it is enforcing) and runs
# again once it is stopped.
#   tests/bench/fapolicyd-ns.sh WORK DENIED CMD...
set -euo pipefail

if [ -z "${APPBAN_FAPOLICYD_NS:-}" ]; then
	APPBAN_FAPOLICYD_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
work=$1 denied=$2
shift 2
conf=$work/fapolicyd
rm -rf "$conf"
mkdir -p "$conf/etc/rules.d" "$conf/etc/trust.d" "$conf/lib" "$conf/run"
# Debian's settings, with no trust database to read: every file is
# untrusted and the rules alone decide. It keeps its own user unless the
# capabilities it keeps are not all in the bounding set (a container
# without CAP_SYS_RESOURCE): then it stays root.
user=fapolicyd
capsh --has-b=cap_sys_resource 2>/dev/null || user=root
sed -e 's/^trust = .*/trust = file/' -e "s/^uid = .*/uid = $user/" -e "s/^gid = .*/gid = $user/" \
	/etc/fapolicyd/fapolicyd.conf >"$conf/etc/fapolicyd.conf"
: >"$conf/etc/fapolicyd.trust"
cat >"$conf/etc/compiled.rules" <<RULES
deny perm=execute all : path=$denied
allow perm=any all : all
RULES
chown root:fapolicyd "$conf/lib" "$conf/run"
chmod 0770 "$conf/lib" "$conf/run"
mount --bind "$conf/etc" /etc/fapolicyd
mount --bind "$conf/lib" /var/lib/fapolicyd
mount --bind "$conf/run" /run/fapolicyd

fapolicyd --debug-deny 2>"$work/fapolicyd.log" &
fpid=$!
stop() {
	kill "$fpid" 2>/dev/null || return 0
	wait "$fpid" 2>/dev/null || true
}
trap stop EXIT

# Enforcing once DENIED no longer runs (a start is refused with EPERM).
for ((i = 0; i < 300; i++)); do
	kill -0 "$fpid" 2>/dev/null || { echo "fapolicyd exited:" >&2; tail -5 "$work/fapolicyd.log" >&2; exit 1; }
	"$denied" 2>/dev/null || break
	sleep 0.1
done
if "$denied" 2>/dev/null; then
	echo "fapolicyd does not refuse $denied after 30 s" >&2
	exit 1
fi
"$@"
# Still enforcing at the end (it did not crash or fall back to permissive).
if "$denied" 2>/dev/null; then
	echo "fapolicyd stopped refusing $denied during the run" >&2
	exit 1
fi
stop
trap - EXIT
"$denied" || { echo "$denied still refused after fapolicyd stopped" >&2; exit 1; }
