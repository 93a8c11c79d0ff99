#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The guest half of check-systemd.sh, run as root under systemd (PID 1) by
# `scripts/vmtest.sh --systemd --disk FILE`: the Debian package installed with
# apt, its unit enabled and started, a signed base policy dropped into the
# policy directory in force, stop, start, restart, the watchdog, a
# reinstall and an upgrade (phase install); after a reboot over the same
# disk, the daemon started at boot before sysinit.target and the policy in
# force again, then the purge (phase reboot). Prints "ok NAME" / "FAIL NAME:
# why" and "N passed, N failed"; exits 1 if any failed.
#
# usage: systemd-guest.sh install DEB UPGRADE_DEB | systemd-guest.sh reboot
set -uo pipefail

# under /var/tmp: systemd-tmpfiles empties /tmp at boot, and the reboot
# phase bans the same file
T=/var/tmp/appban-systemd
BIN=$T/bin/banned-true
BIN2=$T/bin/banned-by-serial-2
KEY=$T/base.key
CONF=/etc/appban/appban.conf
PDIR=/etc/appban/policy.d
NAME=systemd-test

pass=0 fail=0
ok() { echo "ok $1${2:+ ($2)}"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
finish() {
	echo "$pass passed, $fail failed"
	exit $((fail > 0))
}

prop() { systemctl show -p "$1" --value appban.service; }
# the unit's journal, the daemon's own lines only (-o cat: no prefix)
journal() { journalctl -q -b -u appban.service -o cat --no-pager; }
jcount() { journal | grep -c -e "$1"; }
short() { tr '\n' ' ' | cut -c1-400; }

# wait_for SECS CMD...: CMD true within SECS (a bound for a hung guest,
# never a measure: nothing here asserts a duration)
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

# The engine the daemon must pick: lsm where BPF LSM is active (the
# guest's lsm= has bpf), else fallback (check-systemd.sh --no-lsm).
if grep -qw bpf /sys/kernel/security/lsm 2>/dev/null; then
	ENGINE=lsm REFUSAL=EPERM
else
	ENGINE=fallback REFUSAL=SIGKILL
fi

# refused BIN: its start is refused: EPERM from exec on the lsm engine (the
# shell says "Operation not permitted" and exits 126), killed before its
# first instruction on the fallback engine (137)
refused() {
	local out rc
	out=$("$1" 2>&1)
	rc=$?
	if [ "$ENGINE" = lsm ]; then
		[[ $rc == 126 && $out == *"Operation not permitted"* ]]
	else
		[[ $rc == 137 ]]
	fi
}
runs() { "$1" >/dev/null 2>&1; }

active() { [ "$(systemctl is-active appban.service)" = active ]; }

# check_active NAME: the unit active, its daemon's READY=1 received
# (Type=notify: a unit is active only then) and its STATUS= shown
check_active() {
	local st
	st=$(prop StatusText)
	if active && [ "$(prop Type)" = notify ] && [ -n "$st" ]; then
		ok "$1" "pid $(prop MainPID), status \"$st\""
	else
		bad "$1" "is-active $(systemctl is-active appban.service), status \"$st\": $(journal | tail -n 5 | short)"
	fi
}

# check_in_force NAME [BINARY]: $BIN (or BINARY) refused
check_in_force() {
	local b=${2:-$BIN} out rc
	if refused "$b"; then
		ok "$1"
	else
		out=$("$b" 2>&1)
		rc=$?
		bad "$1" "$b not refused ($REFUSAL): exit $rc $(short <<<"$out")"
	fi
}

# policy_text SERIAL [PATH...]: a base banning $BIN and each PATH by path
policy_text() {
	local p
	printf 'policy %s\nserial %s\napp banned-true {\n    path %s\n' "$NAME" "$1" "$BIN"
	shift
	for p in "$@"; do printf '    path %s\n' "$p"; done
	printf '    deny exec\n}\n'
}

# exec_blocked: the pinned counter of refused starts (`appban status`)
exec_blocked() {
	appban status --json 2>/dev/null | sed -n 's/.*"exec_blocked":\([0-9]*\).*/\1/p'
}

# drop FILE: into the policy directory the documented way (written
# elsewhere, then mv; its signature first when there is one)
drop() {
	local f=$1 b
	b=$(basename "$f")
	if [ -f "$f.minisig" ]; then
		cp "$f.minisig" "$PDIR/.$b.minisig.tmp" && mv "$PDIR/.$b.minisig.tmp" "$PDIR/$b.minisig"
	fi
	cp "$f" "$PDIR/.$b.tmp" && mv "$PDIR/.$b.tmp" "$PDIR/$b"
}

# dpkg_restarts NAME CMD...: CMD (a dpkg run) leaves the unit active with a
# new main process, the policy in force
dpkg_restarts() {
	local name=$1 pid out
	shift
	pid=$(prop MainPID)
	if ! out=$("$@" 2>&1); then
		bad "$name" "$* failed: $(tail -n 5 <<<"$out" | short)"
		return
	fi
	if active && [ "$(prop MainPID)" != "$pid" ] && [ "$(prop MainPID)" != 0 ]; then
		ok "$name" "pid $pid -> $(prop MainPID)"
	else
		bad "$name" "is-active $(systemctl is-active appban.service), pid $pid -> $(prop MainPID)"
	fi
}

phase_install() {
	local deb=$1 upgrade=$2 out n pid t0 t1 wts v

	rm -rf "$T"
	mkdir -p "$T/bin"
	cp /bin/true "$BIN"
	cp /bin/true "$BIN2"
	runs "$BIN" || bad precondition "$BIN does not run before any policy"

	# apt, as an administrator would: the dependencies are in the image
	# (there is no network), the maintainer scripts run under systemd
	if out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb" 2>&1); then
		ok install_with_apt "$(dpkg-query -W -f '${Version}' appban)"
	else
		bad install_with_apt "$(tail -n 8 <<<"$out" | short)"
		finish
	fi
	v=$(systemctl is-enabled appban.service)
	if [ "$v" = enabled ] && [ -L /etc/systemd/system/sysinit.target.wants/appban.service ]; then
		ok unit_enabled
	else
		bad unit_enabled "is-enabled: $v"
	fi
	check_active unit_started_and_ready
	if [ "$(prop NRestarts)" = 0 ] && [ "$(prop Result)" = success ]; then
		ok unit_no_restart
	else
		bad unit_no_restart "NRestarts $(prop NRestarts), Result $(prop Result)"
	fi
	# (man pages are checked on the host: no man here)
	if out=$(systemd-analyze verify --man=no /lib/systemd/system/appban.service 2>&1) &&
		[ -z "$out" ]; then
		ok unit_verifies_under_systemd
	else
		bad unit_verifies_under_systemd "$(short <<<"$out")"
	fi
	out=$(systemd-analyze security --no-pager appban.service 2>&1)
	v=$(grep -o 'Overall exposure level for appban.service: .*' <<<"$out")
	if [ -n "$v" ]; then
		ok systemd_analyze_security "${v#Overall exposure level for appban.service: }"
		grep -E '^ *✗' <<<"$out" | sed 's/^/# /'
	else
		bad systemd_analyze_security "$(tail -n 3 <<<"$out" | short)"
	fi

	# a trusted key in the configuration; reload (SIGHUP) reads it
	if ! out=$(appban keygen -o "$KEY" 2>&1); then
		bad keygen "$(short <<<"$out")"
		finish
	fi
	install -m 0644 "$KEY.pub" /etc/appban/keys/$NAME.pub
	echo "key /etc/appban/keys/$NAME.pub base" >>"$CONF"
	n=$(jcount "SIGHUP: reading")
	systemctl reload appban.service
	# shellcheck disable=SC2016 # expanded by that bash
	if wait_for 30 bash -c '[ "$(journalctl -q -b -u appban.service -o cat | grep -c "SIGHUP: reading")" -gt "$0" ]' "$n" &&
		active; then
		ok reload_reads_the_configuration
	else
		bad reload_reads_the_configuration "no SIGHUP line: $(journal | tail -n 5 | short)"
	fi

	# keys configured: an unsigned base is refused (after its 3 s wait
	# for a signature), with an event in the journal
	policy_text 1 | sed "s/^policy $NAME/policy unsigned-test/" >"$T/unsigned-test.policy"
	drop "$T/unsigned-test.policy"
	# shellcheck disable=SC2016
	if wait_for 60 bash -c 'journalctl -q -b -u appban.service -o cat |
		grep "\"event.action\":\"policy-refused\"" | grep -q "\"appban.reason\":\"signature\""' &&
		runs "$BIN"; then
		ok unsigned_policy_refused
	else
		bad unsigned_policy_refused "$(journal | tail -n 5 | short)"
	fi
	rm -f "$PDIR/unsigned-test.policy"

	# the signed base, dropped: in force
	policy_text 1 >"$T/$NAME.policy"
	if ! out=$(appban sign -k "$KEY" "$T/$NAME.policy" 2>&1); then
		bad sign "$(short <<<"$out")"
		finish
	fi
	t0=$(date +%s%N)
	drop "$T/$NAME.policy"
	if wait_for 60 refused "$BIN"; then
		t1=$(date +%s%N)
		ok signed_policy_in_force "start refused ($REFUSAL) $(((t1 - t0) / 1000000)) ms after the mv: the programs loaded and attached, TCG"
	else
		bad signed_policy_in_force "$BIN still starts: $(journal | tail -n 5 | short)"
	fi
	# a new serial: swapped in over the programs in force (once the
	# daemon has ended the first load: its last steps, after the ban is in
	# force, take seconds under TCG)
	# shellcheck disable=SC2016
	wait_for 60 bash -c 'journalctl -q -b -u appban.service -o cat | grep "\"event.action\":\"policy-loaded\"" |
		grep -q "\"appban.policy.serial\":1,"' ||
		bad precondition "no policy-loaded record for serial 1: $(journal | tail -n 3 | short)"
	policy_text 2 "$BIN2" >"$T/$NAME.policy"
	appban sign -k "$KEY" "$T/$NAME.policy" >/dev/null 2>&1
	runs "$BIN2" || bad precondition "$BIN2 does not run before serial 2"
	t0=$(date +%s%N)
	drop "$T/$NAME.policy"
	if wait_for 60 refused "$BIN2"; then
		t1=$(date +%s%N)
		ok new_serial_in_force "start refused ($REFUSAL) $(((t1 - t0) / 1000000)) ms after the mv: a swap, TCG"
	else
		bad new_serial_in_force "$BIN2 still starts: $(journal | tail -n 5 | short)"
	fi
	check_in_force new_serial_keeps_the_first_ban
	out=$(appban status 2>&1)
	if grep -q "^engine: *$ENGINE " <<<"$out" && grep -q "^policy: *$NAME, serial 2," <<<"$out" &&
		grep -q "^source: *$PDIR (policy directory" <<<"$out"; then
		ok status_shows_the_daemons_policy
	else
		bad status_shows_the_daemons_policy "$(short <<<"$out")"
	fi
	# the daemon's messages in the journal: its records and systemd's
	out=$(journal)
	if grep -q '"event.action":"daemon-started"' <<<"$out" &&
		grep '"event.action":"policy-loaded"' <<<"$out" | grep -q "\"appban.policy.name\":\"$NAME\"" &&
		grep -q '"event.action":"exec-blocked"' <<<"$out" &&
		journalctl -q -b -u appban.service --no-pager | grep -q 'systemd\[1\]: Started appban.service'; then
		ok journal_has_the_daemons_messages
	else
		bad journal_has_the_daemons_messages "$(tail -n 5 <<<"$out" | short)"
	fi

	# stop: the daemon ends (SIGTERM), the ban stays pinned
	n=$(jcount '"event.action":"daemon-stopped"')
	systemctl stop appban.service
	if [ "$(systemctl is-active appban.service)" = inactive ] && [ "$(prop Result)" = success ] &&
		[ "$(jcount '"event.action":"daemon-stopped"')" -gt "$n" ] && [ -d /sys/fs/bpf/appban ]; then
		ok stop_ends_the_daemon
	else
		bad stop_ends_the_daemon "is-active $(systemctl is-active appban.service), Result $(prop Result): $(journal | tail -n 3 | short)"
	fi
	check_in_force stop_leaves_the_ban_pinned
	# a start adopts the pinned programs and maps (a new load would begin
	# its counters at 0)
	n=$(exec_blocked)
	systemctl start appban.service
	check_active start_again
	v=$(exec_blocked)
	if [ -n "$n" ] && [ "$n" -gt 0 ] && [ -n "$v" ] && [ "$v" -ge "$n" ]; then
		ok start_adopts_the_pins "exec-blocked counter $n -> $v"
	else
		bad start_adopts_the_pins "exec-blocked counter ${n:-?} -> ${v:-?}"
	fi

	# restart, with a short watchdog (a drop-in under /run: gone at reboot)
	mkdir -p /run/systemd/system/appban.service.d
	printf '[Service]\nWatchdogSec=4s\n' >/run/systemd/system/appban.service.d/watchdog.conf
	systemctl daemon-reload
	pid=$(prop MainPID)
	if systemctl restart appban.service && active && [ "$(prop MainPID)" != "$pid" ]; then
		ok restart
	else
		bad restart "is-active $(systemctl is-active appban.service), pid $pid -> $(prop MainPID)"
	fi
	check_in_force restart_keeps_the_ban
	# WATCHDOG=1 arrives (systemd moves the timestamp) and systemd never
	# killed the daemon for a missed one (same process, no restart)
	pid=$(prop MainPID) n=$(prop NRestarts)
	wts=$(prop WatchdogTimestampMonotonic)
	# shellcheck disable=SC2016
	if wait_for 60 bash -c '[ "$(systemctl show -p WatchdogTimestampMonotonic --value appban.service)" != "$0" ]' "$wts" &&
		sleep 9 && [ "$(prop MainPID)" = "$pid" ] && [ "$(prop NRestarts)" = "$n" ] && active; then
		ok watchdog_pinged
	else
		bad watchdog_pinged "pid $pid -> $(prop MainPID), NRestarts $n -> $(prop NRestarts): $(journal | tail -n 3 | short)"
	fi
	rm -rf /run/systemd/system/appban.service.d
	systemctl daemon-reload
	systemctl restart appban.service

	# a crash (SIGKILL): Restart=on-failure starts it again, the ban stays
	pid=$(prop MainPID) n=$(prop NRestarts)
	systemctl kill --kill-whom=main --signal=SIGKILL appban.service
	check_in_force crash_leaves_the_ban_pinned
	# shellcheck disable=SC2016
	if wait_for 60 bash -c '[ "$(systemctl show -p NRestarts --value appban.service)" -gt "$0" ] &&
		[ "$(systemctl is-active appban.service)" = active ]' "$n" &&
		[ "$(prop MainPID)" != "$pid" ]; then
		ok crash_restarts_the_daemon "pid $pid -> $(prop MainPID), NRestarts $n -> $(prop NRestarts)"
	else
		bad crash_restarts_the_daemon "is-active $(systemctl is-active appban.service), NRestarts $n -> $(prop NRestarts): $(journal | tail -n 3 | short)"
	fi

	# the same package again, then a newer version: each restarts it
	dpkg_restarts reinstall_restarts env DEBIAN_FRONTEND=noninteractive dpkg -i "$deb"
	check_in_force reinstall_keeps_the_ban
	v=$(dpkg-deb -f "$upgrade" Version)
	dpkg_restarts upgrade_restarts env DEBIAN_FRONTEND=noninteractive dpkg -i "$upgrade"
	if [ "$(dpkg-query -W -f '${Version}' appban)" = "$v" ] && grep -qx "key /etc/appban/keys/$NAME.pub base" "$CONF"; then
		ok upgrade_keeps_the_configuration "$v"
	else
		bad upgrade_keeps_the_configuration "version $(dpkg-query -W -f '${Version}' appban), $CONF: $(short <"$CONF")"
	fi
	check_in_force upgrade_keeps_the_ban
	# (the guest powers off through systemd: the daemon stopped by SIGTERM)
	finish
}

# after a reboot: the pins went with the old kernel; the daemon started
# at boot put the last good policy in force before sysinit.target
phase_reboot() {
	local out a s u
	if [ ! -x "$BIN" ] || ! dpkg-query -W appban >/dev/null 2>&1; then
		bad reboot_kept_the_disk "no $BIN or no package: was the install phase run on this disk?"
		finish
	fi
	check_active started_at_boot
	if [ "$(prop NRestarts)" = 0 ]; then ok started_once_at_boot; else bad started_once_at_boot "NRestarts $(prop NRestarts)"; fi
	# Before=sysinit.target, systemd-user-sessions.service: the ban in force
	# before anyone logs in (ready before those units started)
	a=$(prop ActiveEnterTimestampMonotonic)
	s=$(systemctl show -p ActiveEnterTimestampMonotonic --value sysinit.target)
	u=$(systemctl show -p InactiveExitTimestampMonotonic --value systemd-user-sessions.service)
	if ((a > 0 && a <= s && a <= u)); then
		ok ready_before_sysinit_and_logins
	else
		bad ready_before_sysinit_and_logins "appban active at $a, sysinit.target at $s, user sessions at $u (monotonic us)"
	fi
	# (systemd's own messages: PID 1's)
	out=$(journalctl -q -b _PID=1 -o cat --no-pager |
		grep -i -e 'ordering cycle' -e 'appban.service: Failed' -e 'Failed to start appban.service')
	if [ -z "$out" ]; then
		ok boot_without_cycle_or_failure
	else
		bad boot_without_cycle_or_failure "$(short <<<"$out")"
	fi
	check_in_force ban_in_force_after_reboot
	check_in_force new_serial_in_force_after_reboot "$BIN2"
	out=$(appban status 2>&1)
	if grep -q "^policy: *$NAME, serial 2," <<<"$out"; then
		ok status_after_reboot
	else
		bad status_after_reboot "$(short <<<"$out")"
	fi

	# purge: the unit stopped and gone, the ban lifted (debian/appban.prerm),
	# the state, logs and configuration gone (debian/appban.postrm); the
	# administrator's own files under /etc/appban stay
	if out=$(DEBIAN_FRONTEND=noninteractive dpkg --purge appban 2>&1); then
		ok purge_runs
	else
		bad purge_runs "$(tail -n 5 <<<"$out" | short)"
	fi
	grep -i warning <<<"$out" | sed 's/^/# dpkg: /'
	if [ "$(prop LoadState)" = not-found ] && ! pgrep -x appban >/dev/null &&
		[ ! -e /usr/sbin/appban ] && [ ! -e /lib/systemd/system/appban.service ] &&
		[ ! -e /etc/systemd/system/sysinit.target.wants/appban.service ]; then
		ok purge_removes_the_unit
	else
		bad purge_removes_the_unit "LoadState $(prop LoadState), pids $(pgrep -x appban | short)"
	fi
	if [ ! -e /sys/fs/bpf/appban ] && runs "$BIN"; then
		ok purge_lifts_the_ban
	else
		bad purge_lifts_the_ban "pins: $(find /sys/fs/bpf/appban -maxdepth 1 2>&1 | short), $BIN: $("$BIN" 2>&1 | short)"
	fi
	out=$(ls -d /var/lib/appban /var/log/appban /run/appban "$CONF" 2>/dev/null)
	if [ -z "$out" ] && ! dpkg-query -W appban >/dev/null 2>&1; then
		ok purge_removes_state_logs_and_configuration
	else
		bad purge_removes_state_logs_and_configuration "left: $(short <<<"$out")"
	fi
	echo "# left under /etc/appban (the administrator's): $(find /etc/appban 2>/dev/null | short)"
	finish
}

case ${1:-} in
install)
	(($# == 3)) || { echo "usage: $0 install DEB UPGRADE_DEB" >&2; exit 2; }
	phase_install "$2" "$3"
	;;
reboot) phase_reboot ;;
*)
	echo "usage: $0 install DEB UPGRADE_DEB | $0 reboot" >&2
	exit 2
	;;
esac
