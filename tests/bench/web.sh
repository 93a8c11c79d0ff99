#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What a web source costs a device and its server when nothing changes
# (issue 16 item 6): the bytes on the wire of one check of `source https://`
# answered 304, both directions, TCP/IP and TLS included. A real nginx
# (TLS, a certificate of the bench's own CA) and the real daemon run in a
# network namespace of their own, so that its loopback counts their
# packets and nobody else's. nginx closes every connection after its
# answer (keepalive_timeout 0): a device checking every 300 s finds the
# connection closed by any server, so each check pays a TCP and TLS
# handshake (the daemon's TLS session may be resumed: what libcurl does).
# CHECKS checks (SIGHUP: every source due now), their mean; the first fetch
# (the policy and its signature, 200s) separately. Needs root, nginx, and
# the machine to itself (machine.sh).
#   tests/bench/web.sh        (CHECKS=20)
# Writes tests/bench/results-web.json; prints a table.
set -euo pipefail

cd "$(dirname "$0")/../.."
CHECKS=${CHECKS:-20}
APPBAN=${APPBAN:-build/appban}
BIN=${BENCH_BIN:-build/tests/bench}
JSON=${WEB_JSON:-tests/bench/results-web.json}

[ -x "$APPBAN" ] && [ -x "$BIN/nop-static" ] || { echo "web: run make bench" >&2; exit 1; }
command -v nginx >/dev/null || { echo "web: no nginx (scripts/deps.sh test)" >&2; exit 1; }
. tests/bench/machine.sh
. tests/lib/servers.sh
machine_begin web
ns=appban-bench-web-$$
ngpid=''
web_end()
{
	[ -z "$ngpid" ] || kill -QUIT "$ngpid" 2>/dev/null || true
	ip netns delete "$ns" 2>/dev/null || true
	_machine_end
}
trap web_end EXIT
ip netns add "$ns"
in_ns() { nsenter --net="/run/netns/$ns" "$@"; }
in_ns ip link set lo up
# bytes sent on the namespace's loopback: every packet of both sides, once
lo_bytes() { in_ns cat /proc/net/dev | awk '$1 == "lo:" { print $10 }'; }

ng=$work/ng www=$work/ng/www
mkdir -p "$www" "$work/policy.d" "$work/state"
tls_server_cert "$ng" 2>"$work/openssl.log" || { cat "$work/openssl.log" >&2; exit 1; }
port=8443
# shellcheck disable=SC2016 # nginx's variables
nginx_conf "$ng" "$port" "$www" '$status $uri $bytes_sent $ssl_session_reused' 'keepalive_timeout 0;' \
	>"$ng/nginx.conf"
in_ns nginx -p "$ng" -c "$ng/nginx.conf" -e "$ng/error.log" 9>&-
for _ in $(seq 100); do [ -s "$ng/nginx.pid" ] && break; sleep 0.05; done
ngpid=$(cat "$ng/nginx.pid")

# the policy a device group would get: one app, a copy of nop-static
cp "$BIN/nop-static" "$work/banned"
"$APPBAN" keygen -o "$work/k" >/dev/null
printf 'policy fleet\nserial 1\napp banned {\n    path %s\n    deny exec\n}\n' "$work/banned" >"$www/fleet.policy"
"$APPBAN" sign -k "$work/k" "$www/fleet.policy" >/dev/null
cat >"$work/appban.conf" <<EOF2
state-dir $work/state
policy-dir $work/policy.d
key $work/k.pub base
source https://127.0.0.1:$port/fleet.policy {
    every 3600
    ca $ng/ca.pem
}
EOF2
export APPBAN_SOCKET=$work/appban.sock
b0=$(lo_bytes)
nsenter --net="/run/netns/$ns" "$APPBAN" daemon --config "$work/appban.conf" >"$work/out" 2>"$work/err" 9>&- &
rpid=$! # (nsenter execs the daemon: its pid)
until grep -q 'serial 1 loaded' "$work/err"; do
	kill -0 "$rpid" 2>/dev/null || { echo "web: the daemon exited: $(cat "$work/err")" >&2; exit 1; }
	sleep 0.05
done
"$work/banned" 2>/dev/null && { echo "web: serial 1 in force but banned runs" >&2; exit 1; }
b1=$(lo_bytes)
first=$((b1 - b0))
n200=$(grep -c '^200 ' "$ng/access.log" || true)

# checks answered 304: one SIGHUP each, the next once nginx logged it
for i in $(seq "$CHECKS"); do
	kill -HUP "$rpid"
	end=$((SECONDS + 30))
	until [ "$(grep -c '^304 ' "$ng/access.log" || true)" -ge "$i" ]; do
		[ "$SECONDS" -lt "$end" ] || { echo "web: check $i: no 304 after 30 s: $(tail -3 "$work/err")" >&2; exit 1; }
		sleep 0.02
	done
done
sleep 0.5 # the last connection's close
b2=$(lo_bytes)
others=$(grep -vc '^304 ' "$ng/access.log" || true)
[ "$others" -eq "$n200" ] || { echo "web: requests other than 304s during the checks: $(cat "$ng/access.log")" >&2; exit 1; }
per=$(((b2 - b1) / CHECKS))
body=$(awk '$1 == 304 { s += $3; n++ } END { printf "%d", s / n }' "$ng/access.log")
# TLS sessions resumed by the daemon (nginx's $ssl_session_reused: r)
reused=$(awk '$1 == 304 && $4 == "r" { n++ } END { print n + 0 }' "$ng/access.log")
day=$(awk -v b="$per" 'BEGIN { printf "%.2f", b * 288 / 1e6 }')
printf '%-62s %s\n' "first fetch (policy and signature, 200s; $n200 requests)" "$first bytes"
printf '%-62s %s\n' "one check answered 304, on the wire (mean of $CHECKS)" "$per bytes"
printf '%-62s %s\n' "  of which nginx's answer (headers, after TLS)" "$body bytes"
printf '%-62s %s\n' "  checks whose TLS session was resumed" "$reused of $CHECKS"
printf '%-62s %s\n' "per device per day at every 300 (288 checks)" "$day MB"
cat >"$JSON" <<EOF2
{
  "checks": $CHECKS, "first_fetch_bytes": $first, "check_304_bytes": $per,
  "check_304_http_bytes": $body, "tls_resumed": $reused, "per_day_300s_mb": $day,
  "loadavg_end": "$(cut -d' ' -f1-3 /proc/loadavg)"
}
EOF2
echo "wrote $JSON" >&2
