#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`, the daemon's sinks (docs/sinks.md): records per second from
# the ring buffer through `appban daemon` to a file sink, syslog sinks over
# a unix socket, UDP and TCP (a real rsyslogd writing to a file), the
# journald sink (a real systemd-journald, started here when none runs) and
# the audit sink (a real `auditd -n` of the bench's own), each alone (the daemon's
# standard output to /dev/null, as with StandardOutput=null), and the
# daemon's standard output alone (to a file: the baseline). evburst
# offers RATE exec-blocked records per second for EV_SECONDS; what reached
# the receiver is counted once it stopped growing, and the CPU time of the
# daemon and of the receiver says which side limits. Prints one line per
# sink and rate:
#   sink KIND rate R offered O kernel-lost K received N lost L per-s P daemon-cpu C receiver-cpu D limit W
# where W, what limited, is "none" (every record offered arrived), "reader"
# (records were lost in the ring buffer: the daemon did not read them in
# time), "receiver" (the sink's queue filled while the receiving daemon was
# busy for 80 % of the burst or more) or "sink" (the sink's queue filled,
# the receiver not that busy: the sink's thread, or the disk); CPU in
# ticks of 10 ms, from the burst's start until its records stopped coming.
# Then per sink: the highest rate carried without any loss, or else the
# most that arrived and what limited it:
#   sink-best KIND no-loss-rate R best-per-s P limit W
# Then the sink layer alone (sinkpush.c: records pushed as fast as the
# pusher formats them, no ring buffer, no daemon), PUSH_N records per sink:
#   sinkpush KIND pushed N written W lost L seconds S per-s P receiver-cpu D
# SINKS_JSON=FILE also writes the lines as JSON (make bench:
# results-sinks.json); PERF_DIR=DIR records the daemon with `perf record -g`
# during each burst (DIR/KIND-RATE.data).
# Needs root and a built tree (make bench-helpers); holds the integration
# lock unless APPBAN_BENCH_LOCKED=1; unloads in every case.
#   tests/bench/sinks.sh	(SINKS="stdout file syslog syslog-udp syslog-tcp journald audit"
#				 EV_RATES="100000 300000 500000" EV_SECONDS=2)
set -euo pipefail

cd "$(dirname "$0")/../.."
OUT=${OUTPUT:-build}
APPBAN=$(realpath "${APPBAN:-$OUT/appban}")
BIN=$(realpath "${BENCH_BIN:-$OUT/tests/bench}")
SINKS=${SINKS-stdout file syslog syslog-udp syslog-tcp journald audit}
PUSH=${PUSH-file syslog journald}
PUSH_N=${PUSH_N:-300000}
EV_RATES=${EV_RATES:-100000 300000 500000}
EV_SECONDS=${EV_SECONDS:-2}
LOCK=/run/lock/appban-integration.lock
. tests/lib/servers.sh

if [ "${APPBAN_BENCH_LOCKED:-0}" != 1 ]; then
	exec 9>"$LOCK"
	flock 9
fi
work=$(mktemp -d /tmp/appban-bench-sinks.XXXXXX)
dpid= rpid= jpid=
apid= audit_was=
cleanup()
{
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	[ -n "$jpid" ] && kill "$jpid" 2>/dev/null && wait "$jpid" 2>/dev/null
	[ -n "$apid" ] && kill "$apid" 2>/dev/null && wait "$apid" 2>/dev/null
	[ -z "$audit_was" ] || auditctl -e "$audit_was" >/dev/null 2>&1 || true
	"$APPBAN" unload >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# CPU ticks (user + system) of a process
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

mkdir -p "$work/policy.d" "$work/bin" "$work/state"
cp "$BIN/nop-static" "$work/bin/banned"
name=bench-sinks-$$
printf 'policy %s\nserial 1\napp burst {\n    path %s\n    deny exec\n}\n' "$name" "$work/bin/banned" \
	>"$work/policy.d/p.policy"
export APPBAN_SCAN_ROOTS=$work/bin APPBAN_HASH_CACHE=$work/hashes

# the receiving rsyslogd: a socket of its own, raw messages to a file
cat >"$work/rsyslog.conf" <<EOF2
global(workDirectory="$work" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
template(name="raw" type="string" string="%rawmsg%\n")
input(type="imuxsock" Socket="$work/log.sock" UseSpecialParser="off" RateLimit.Interval="0" ruleset="r")
ruleset(name="r") { action(type="omfile" file="$work/rsyslog.out" template="raw" asyncWriting="on" ioBufferSize="256k" flushOnTXEnd="off") }
EOF2

# the same rsyslogd over UDP and TCP on loopback (ports of the bench's own)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
udp_port=$(free_port) tcp_port=$(free_port)
sed -e "s|^module(load=\"imuxsock\".*|module(load=\"imudp\")\nmodule(load=\"imtcp\")|" \
	-e "s|^input(type=\"imuxsock\".*|input(type=\"imudp\" address=\"127.0.0.1\" port=\"$udp_port\" ruleset=\"r\" rcvbufSize=\"8m\")\ninput(type=\"imtcp\" address=\"127.0.0.1\" port=\"$tcp_port\" ruleset=\"r\")|" \
	"$work/rsyslog.conf" >"$work/rsyslog-net.conf"

# rsyslog_start CONF: the receiving rsyslogd, until it takes input
rsyslog_start()
{
	rm -f "$work/rsyslogd.pid"
	rsyslogd -n -f "$1" -i "$work/rsyslogd.pid" &
	rpid=$!
	receiver=$rpid
	for ((i = 0; i < 100; i++)); do
		if [ "$1" = "$work/rsyslog.conf" ]; then
			[ -S "$work/log.sock" ] && break
		else
			python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
				"$tcp_port" 2>/dev/null && break
		fi
		sleep 0.1
	done
}

# audit_start: an auditd of the bench's own, its log in $work/audit
audit_start()
{
	local ad=$work/audit
	audit_was=$(auditctl -s | awk '$1 == "enabled" { print $2 }')
	auditd_conf "$ad" 1000 4096
	auditd -n -s enable -c "$ad" &
	apid=$!
	receiver=$apid
	for ((i = 0; i < 100; i++)); do
		[ "$(auditctl -s | awk '$1 == "pid" { print $2 }')" = "$apid" ] && break
		sleep 0.1
	done
}

# jd_listens: a journald takes datagrams on its socket (a socket file may
# be left with no one on it)
jd_listens()
{
	python3 -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("/run/systemd/journal/socket")' 2>/dev/null
}

# jd_start: a journald to write to (started here when none listens)
jd_start()
{
	if ! jd_listens; then
		/lib/systemd/systemd-journald &
		jpid=$!
		for ((i = 0; i < 100; i++)); do jd_listens && break; sleep 0.1; done
	fi
}

# count KIND: records of this bench that reached the receiver
count()
{
	case "$1" in
	stdout) cat "$work/stdout.json" 2>/dev/null | wc -l ;;
	file) cat "$work/events.json" 2>/dev/null | wc -l ;;
	syslog | syslog-udp | syslog-tcp) cat "$work/rsyslog.out" 2>/dev/null | wc -l ;;
	audit) grep -c "policy=\"$name\"" "$work/audit/audit.log" 2>/dev/null || true ;;
	journald) journalctl -q --no-pager -o cat "APPBAN_POLICY=$name" 2>/dev/null | wc -l ;;
	esac
}

# settle KIND: wait until the count stopped growing for a second
settle()
{
	local a b
	a=$(count "$1")
	while :; do
		sleep 1
		b=$(count "$1")
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$b"
}

for kind in $SINKS; do
	conf=$work/appban.conf
	printf 'state-dir %s\npolicy-dir %s\nheartbeat 3600\n' "$work/state" "$work/policy.d" >"$conf"
	receiver=
	case "$kind" in
	stdout) ;;
	file)
		printf 'sink file %s {\n    max-size 1024G\n}\n' "$work/events.json" >>"$conf"
		;;
	syslog)
		rsyslog_start "$work/rsyslog.conf"
		printf 'sink syslog unix:%s\n' "$work/log.sock" >>"$conf"
		;;
	syslog-udp)
		rsyslog_start "$work/rsyslog-net.conf"
		printf 'sink syslog udp:127.0.0.1:%s\n' "$udp_port" >>"$conf"
		;;
	syslog-tcp)
		rsyslog_start "$work/rsyslog-net.conf"
		printf 'sink syslog tcp:127.0.0.1:%s\n' "$tcp_port" >>"$conf"
		;;
	audit)
		if pgrep -x auditd >/dev/null; then
			# (the kernel has one audit daemon: the bench's own is needed)
			echo "sink-not-measured audit: an auditd runs on this machine" | tee -a "$work/lines"
			continue
		fi
		audit_start
		printf 'sink audit\n' >>"$conf"
		;;
	journald)
		jd_start
		receiver=$(pgrep -o -x systemd-journal || true)
		printf 'sink journald\n' >>"$conf"
		;;
	esac
	out=/dev/null
	[ "$kind" = stdout ] && out=$work/stdout.json
	"$APPBAN" daemon --config "$conf" >"$out" 2>"$work/daemon.err" &
	dpid=$!
	for ((i = 0; i < 150; i++)); do
		"$APPBAN" status --json 2>/dev/null | grep -q "\"name\":\"$name\"" && break
		sleep 0.1
	done
	for rate in $EV_RATES; do
		before=$(settle "$kind")
		d0=$(cpu "$dpid") r0=0
		[ -n "$receiver" ] && r0=$(cpu "$receiver")
		ppid_=
		if [ -n "${PERF_DIR:-}" ]; then
			mkdir -p "$PERF_DIR"
			perf record -q -F 2000 -g -p "$dpid" -o "$PERF_DIR/$kind-$rate.data" 2>/dev/null &
			ppid_=$!
			sleep 0.3
		fi
		"$BIN/evburst" "$rate" "$EV_SECONDS" "$work/bin/banned" >"$work/ev.out"
		if [ -n "$ppid_" ]; then
			kill -INT "$ppid_"
			wait "$ppid_" || true
		fi
		after=$(settle "$kind")
		d1=$(cpu "$dpid") r1=0
		[ -n "$receiver" ] && r1=$(cpu "$receiver")
		read -r _ written _ klost _ secs <"$work/ev.out"
		got=$((after - before))
		# (records of the sink's own events-lost are not the burst's)
		slost=$((written > got ? written - got : 0))
		limit=none
		if [ "$slost" -gt 0 ]; then
			# the receiver busy for most of the burst: it limits
			limit=sink
			[ -n "$receiver" ] && [ $((r1 - r0)) -ge $(awk -v s="$secs" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%d", s * hz * 0.8 }') ] &&
				limit=receiver
		elif [ "$klost" -gt 0 ]; then
			limit=reader
		fi
		echo "sink $kind rate $rate offered $written kernel-lost $klost received $got" \
			"lost $slost per-s $(awk -v n="$got" -v s="$secs" 'BEGIN { printf "%d", n / s }')" \
			"daemon-cpu $((d1 - d0)) receiver-cpu $((r1 - r0)) limit $limit" | tee -a "$work/lines"
	done
	awk -v k="$kind" '$1 == "sink" && $2 == k {
		if ($20 == "none" && $4 > best_rate) best_rate = $4
		if ($14 > best) { best = $14; lim = $20 }
	} END { printf "sink-best %s no-loss-rate %d best-per-s %d limit %s\n", k, best_rate, best, lim }' \
		"$work/lines" | tee -a "$work/lines"
	kill "$dpid"
	wait "$dpid" || true
	dpid=
	grep 'sink ' "$work/daemon.err" | sed 's/^/#   /' >&2 || true
	if [ -n "$rpid" ]; then
		kill "$rpid"
		wait "$rpid" || true
		rpid=
	fi
	if [ -n "$apid" ]; then
		kill "$apid"
		wait "$apid" || true
		apid=
		auditctl -e "$audit_was" >/dev/null 2>&1 || true
		audit_was=
	fi
	"$APPBAN" unload >/dev/null 2>&1 || true
	rm -f "$work/events.json" "$work/rsyslog.out" "$work/stdout.json"
done

# The sink layer alone, each sink with its real receiver
for kind in $PUSH; do
	receiver= target=
	case "$kind" in
	file) target=$work/push.json ;;
	syslog)
		rm -f "$work/rsyslog.out"
		rsyslogd -n -f "$work/rsyslog.conf" -i "$work/rsyslogd.pid" &
		rpid=$!
		receiver=$rpid
		for ((i = 0; i < 100; i++)); do [ -S "$work/log.sock" ] && break; sleep 0.1; done
		target=unix:$work/log.sock
		;;
	journald)
		jd_start
		receiver=$(pgrep -o -x systemd-journal || true)
		;;
	esac
	r0=0
	[ -n "$receiver" ] && r0=$(cpu "$receiver")
	line=$("$BIN/sinkpush" "$kind" "$PUSH_N" 0 $target || true)
	r1=0
	[ -n "$receiver" ] && r1=$(cpu "$receiver")
	echo "$line receiver-cpu $((r1 - r0))" | tee -a "$work/lines"
	if [ -n "$rpid" ]; then
		kill "$rpid"
		wait "$rpid" || true
		rpid=
	fi
	rm -f "$work/push.json"
done

if [ -n "${SINKS_JSON:-}" ]; then
	python3 - "$work/lines" "$SINKS_JSON" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'EOF2'
import json, sys

runs, best, push = [], {}, []
for line in open(sys.argv[1]):
    w = line.split()
    if not w:
        continue
    kv = dict(zip(w[2::2], w[3::2]))
    num = lambda k: int(kv[k]) if kv.get(k, "").isdigit() else kv.get(k)
    if w[0] == "sink":
        runs.append({"sink": w[1], **{k.replace("-", "_"): num(k) for k in kv}})
    elif w[0] == "sink-best":
        best[w[1]] = {k.replace("-", "_"): num(k) for k in kv}
    elif w[0] == "sinkpush":
        push.append({"sink": w[1], **{k.replace("-", "_"): (float(v) if k == "seconds" else num(k))
                                      for k, v in kv.items()}})
json.dump({"load_after": sys.argv[3], "runs": runs, "best": best, "sink_layer_alone": push},
          open(sys.argv[2], "w"))
EOF2
fi
