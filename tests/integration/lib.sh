# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2034,SC2119,SC2120  # variables are read by the tests; optional arguments
# Shared code of the integration tests: assertions that return a status (so a
# test reads `assert_eq "$got" 137 "exit status" || return 1`), the per-test
# temp dir and cleanup, and helpers to copy binaries, load policies, run
# programs and read JSON. Sourced by run.sh and, through it, by each test.
#
# Set by run.sh for every test (see run.sh):
#   APPBAN      the appban binary          HELPERS   build/tests/helpers
#   INTEG_DIR   tests/integration          T_NAME    the test's name
#   T_DIR       the test's own temp dir (removed at cleanup)
#   T_SLOW      timeout multiplier (10 in the VM)
#   PYTHON      a python3 (the JSON reader)
#   T_REASON_FILE, T_SKIP_FILE  where fail/skip leave their reason

# ---------------------------------------------------------------- reporting

# log MSG...: a line in the test's log (shown on failure and with -v)
log()
{
	echo "# $*"
}

# fail MSG: record why the test fails (the first reason is the one reported)
fail()
{
	echo "FAIL: $*"
	if [ -n "${T_REASON_FILE:-}" ] && [ ! -s "$T_REASON_FILE" ]; then
		printf '%s\n' "$*" >"$T_REASON_FILE"
	fi
	return 1
}

# skip REASON: stop the test now and count it as skipped (never as passed).
# Only for a real reason that the machine imposes; the reason is printed.
skip()
{
	echo "SKIP: $*"
	[ -n "${T_SKIP_FILE:-}" ] && printf '%s\n' "$*" >"$T_SKIP_FILE"
	exit 77
}

# ---------------------------------------------------------------- assertions
# Each returns 0 when it holds, else records the reason and returns 1.

assert_eq()
{
	[ "$1" == "$2" ] && return 0
	fail "${3:-value}: got '$1', want '$2'"
}

assert_ne()
{
	[ "$1" != "$2" ] && return 0
	fail "${3:-value}: got '$1', want anything else"
}

_assert_int()
{
	[[ "$1" =~ ^-?[0-9]+$ ]] && return 0
	fail "${2:-value}: '$1' is not an integer"
}

assert_ge()
{
	_assert_int "$1" "$3" || return 1
	[ "$1" -ge "$2" ] && return 0
	fail "${3:-value}: got $1, want >= $2"
}

assert_gt()
{
	_assert_int "$1" "$3" || return 1
	[ "$1" -gt "$2" ] && return 0
	fail "${3:-value}: got $1, want > $2"
}

assert_le()
{
	_assert_int "$1" "$3" || return 1
	[ "$1" -le "$2" ] && return 0
	fail "${3:-value}: got $1, want <= $2"
}

# assert_match STRING ERE WHAT
assert_match()
{
	[[ "$1" =~ $2 ]] && return 0
	fail "${3:-value}: '$1' does not match /$2/"
}

assert_contains()
{
	[[ "$1" == *"$2"* ]] && return 0
	fail "${3:-output}: '$2' not found in: $(_short "$1")"
}

assert_not_contains()
{
	[[ "$1" != *"$2"* ]] && return 0
	fail "${3:-output}: unexpected '$2' in: $(_short "$1")"
}

assert_empty()
{
	[ -z "$1" ] && return 0
	fail "${2:-output}: want nothing, got: $(_short "$1")"
}

assert_nonempty()
{
	[ -n "$1" ] && return 0
	fail "${2:-output}: want something, got nothing"
}

assert_file()
{
	[ -e "$1" ] && return 0
	fail "${2:-file}: $1 does not exist"
}

assert_no_file()
{
	[ ! -e "$1" ] && return 0
	fail "${2:-file}: $1 exists"
}

# _short TEXT: one line, at most 300 characters, for failure messages
_short()
{
	local s="${1//$'\n'/ | }"
	[ "${#s}" -gt 300 ] && s="${s:0:300}..."
	printf '%s' "$s"
}

# slurp VAR FILE: VAR := FILE's content less its trailing newlines, as $(cat
# FILE) would give, without starting a process (they are slow in the VM)
slurp()
{
	local __s=
	[ -r "$2" ] && IFS= read -r -d '' __s <"$2"
	while [[ "$__s" == *$'\n' ]]; do __s=${__s%$'\n'}; done
	printf -v "$1" '%s' "$__s"
}

# now_ms: milliseconds since the epoch, without a process
now_ms()
{
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# ---------------------------------------------------------------- timing

# wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds; SECONDS is
# multiplied by T_SLOW. Returns 1 on timeout.
wait_until()
{
	local end t
	# SECONDS may have a fraction: milliseconds from "1.5" -> 1500
	local sec=${1%%.*} frac=${1#*.}
	[ "$frac" = "$1" ] && frac=0
	frac=${frac}000
	end=$(((10#${sec:-0} * 1000 + 10#${frac:0:3}) * ${T_SLOW:-1}))
	shift
	t=${EPOCHREALTIME/[.,]/}
	end=$((t / 1000 + end))
	while ! "$@"; do
		t=${EPOCHREALTIME/[.,]/}
		[ $((t / 1000)) -ge "$end" ] && return 1
		sleep 0.05
	done
	return 0
}

# ---------------------------------------------------------------- cleanup

T_DEFERRED=()
T_BG_PIDS=()
T_MOUNTS=()

# defer SHELL-CODE: run at cleanup, last registered first
defer()
{
	T_DEFERRED+=("$1")
}

# bind_mount SRC DST: mount --bind, unmounted at cleanup
bind_mount()
{
	if [ -d "$1" ]; then
		mkdir -p "$2"
	else
		mkdir -p "$(dirname "$2")" && { [ -e "$2" ] || : >"$2"; }
	fi
	mount --bind "$1" "$2" || { fail "mount --bind $1 $2 failed"; return 1; }
	T_MOUNTS+=("$2")
}

# bg CMD...: start CMD in the background with SIGINT and SIGQUIT at their
# default (bash makes background jobs ignore them); BG_PID is its pid (the
# command itself: the wrapper execs it). Killed at cleanup if still running.
bg()
{
	"$HELPERS/spawn" -x "$@" </dev/null &
	BG_PID=$!
	T_BG_PIDS+=("$BG_PID")
}

# stop_pid PID [SIGNAL]: signal a process this test started and wait for it;
# STOP_RC is its exit status (128+N when killed by signal N).
stop_pid()
{
	local pid=$1 sig=${2:-TERM} i
	STOP_RC=
	kill -s "$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 200 * ${T_SLOW:-1}; i++)); do
		_running "$pid" || break
		sleep 0.05
	done
	if _running "$pid"; then
		echo "# pid $pid did not stop on SIG$sig: SIGKILL"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	STOP_RC=$?
	return 0
}

# _running PID: alive and not a zombie (a zombie child of ours answers kill -0)
_running()
{
	local stat=
	kill -0 "$1" 2>/dev/null || return 1
	IFS= read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}

_t_cleanup()
{
	local rc=$? i pid m
	trap - EXIT INT TERM
	set +e
	for ((i = ${#T_DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${T_DEFERRED[$i]}" >/dev/null 2>&1
	done
	for pid in "${T_BG_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && stop_pid "$pid" TERM >/dev/null 2>&1
	done
	for ((i = ${#T_MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${T_MOUNTS[$i]}
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	# Always leave the kernel as we found it: nothing loaded (the
	# kernel-free lane never loads, and the other lane's policy is not ours)
	[ "${T_LANE:-}" = free ] || "$APPBAN" unload >/dev/null 2>&1
	if [ -n "${T_DIR:-}" ] && [ -d "$T_DIR" ]; then
		_unmount_below "$T_DIR"
		rm -rf --one-file-system "$T_DIR"
	fi
	exit "$rc"
}

# _unmount_below DIR: unmount whatever is still mounted at or below DIR
_unmount_below()
{
	local m found=0
	# mostly nothing is (the test unmounted its own): see so without a process
	while read -r _ _ _ _ m _; do
		[[ "$m" == "$1" || "$m" == "$1"/* ]] && found=1 && break
	done </proc/self/mountinfo
	[ "$found" = 1 ] || return 0
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
}

# t_begin: called by run.sh in the test's own process before the test
t_begin()
{
	trap _t_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	T_ID=$(printf '%04x%04x' $((RANDOM ^ (BASHPID & 0x7fff))) "$RANDOM")
	export APPBAN_MARKER="$T_DIR/marker.log"
	# no trusted keys unless the test configures some (a device's own
	# /etc/appban/appban.conf must not change what the tests expect)
	: >"$T_DIR/.appban.conf"
	export APPBAN_CONFIG="$T_DIR/.appban.conf"
	ECHO_BIN=$(type -P echo)
	PYTHON=${PYTHON:-python3}
	cd "$T_DIR" || exit 1
}

# ---------------------------------------------------------------- binaries

# uniq_name [PREFIX]: a name no system binary has: appban-t-<random>-<n>
# (the counter lives in a file: callers are usually in a $(...) subshell)
uniq_name()
{
	local seq=0
	[ -f "$T_DIR/.seq" ] && read -r seq <"$T_DIR/.seq"
	seq=$((seq + 1))
	echo "$seq" >"$T_DIR/.seq"
	printf '%s-%s-%s' "${1:-appban-t}" "$T_ID" "$seq"
}

# copy_bin SRC DIR [NAME]: copy a program into DIR (made if needed) under
# NAME (default: a unique name); prints the new path
copy_bin()
{
	local src=$1 dir=$2 name=${3:-$(uniq_name)}
	mkdir -p "$dir" || return 1
	cp "$src" "$dir/$name" && chmod 0755 "$dir/$name" || return 1
	printf '%s' "$dir/$name"
}

# reuse_dir: REUSE_DIR, a directory on a file system that gives a deleted
# file's inode number to the next file made in its directory (ext4): under
# T_DIR if that is ext4, else an ext4 image mounted on a loop device (the VM's
# /tmp is a tmpfs, which never reuses numbers); unmounted at cleanup.
# Fails when neither can be had.
reuse_dir()
{
	REUSE_DIR=$T_DIR/reuse
	mkdir -p "$REUSE_DIR" || return 1
	[ "$(stat -f -c %T "$REUSE_DIR")" = ext2/ext3 ] && return 0
	modprobe -q loop 2>/dev/null
	modprobe -q ext4 2>/dev/null
	truncate -s 64M "$T_DIR/reuse.img" && mkfs.ext4 -q -F "$T_DIR/reuse.img" >/dev/null 2>&1 &&
		mount -o loop "$T_DIR/reuse.img" "$REUSE_DIR" 2>/dev/null || return 1
	T_MOUNTS+=("$REUSE_DIR")
}

# elf_interp FILE: the program interpreter an ELF file names (PT_INTERP),
# read with python3, which every guest has (the arm64 guest has no readelf);
# nothing when it names none
elf_interp()
{
	python3 - "$1" <<'PY' 2>/dev/null
import struct, sys
with open(sys.argv[1], "rb") as f:
    d = f.read()
if d[:4] != b"\x7fELF" or d[4] != 2:
    sys.exit(0)
e = "<" if d[5] == 1 else ">"
phoff, = struct.unpack_from(e + "Q", d, 0x20)
phentsize, phnum = struct.unpack_from(e + "HH", d, 0x36)
for i in range(phnum):
    o = phoff + i * phentsize
    typ, = struct.unpack_from(e + "I", d, o)
    if typ == 3:
        off, = struct.unpack_from(e + "Q", d, o + 8)
        size, = struct.unpack_from(e + "Q", d, o + 32)
        print(d[off:off + size].rstrip(b"\0").decode())
PY
}

# make_marker DIR [NAME]: a copy of the marker helper (prints and writes a
# line to $APPBAN_MARKER when its code runs); prints its path
make_marker()
{
	copy_bin "$HELPERS/marker" "$@"
}

# _sleeper_setup SCAN_ROOT: sleeper, a long-running banned content (a copy of
# sleep made unique to this test: the system's sleep keeps another digest),
# digest its SHA-256, and a policy banning it; SCAN_ROOT the only scan root
_sleeper_setup()
{
	sleeper=$(copy_bin "$(command -v sleep)" "$T_DIR/orig") || return 1
	printf 'appban-content-%s-%s' "$T_ID" "$RANDOM" >>"$sleeper"
	digest=$(sha256sum "$sleeper" | cut -d' ' -f1)
	export APPBAN_SCAN_ROOTS=$1 APPBAN_HASH_CACHE=$T_DIR/hashes
	write_policy "$T_DIR/p.policy" <<EOF2
app banned-content {
    sha256 $digest
    deny exec
}
EOF2
}

# make_nettest DIR [NAME]: a copy of the nettest helper; prints its path
make_nettest()
{
	copy_bin "$HELPERS/nettest" "$@"
}

# make_echo DIR [NAME]: a copy of /bin/echo; prints its path
make_echo()
{
	copy_bin "$ECHO_BIN" "$@"
}

# marker_runs PATH: how many times a marker at PATH ran its code
marker_runs()
{
	local line n=0
	if [ -f "$APPBAN_MARKER" ]; then
		# lines are "PID ARGV0"; ARGV0 may hold spaces
		while IFS= read -r line; do
			[ "${line#* }" = "$1" ] && n=$((n + 1))
		done <"$APPBAN_MARKER"
	fi
	echo "$n"
}

# ---------------------------------------------------------------- appban

# ab ARGS...: run appban; AB_RC, AB_OUT, AB_ERR hold the result
ab()
{
	"$APPBAN" "$@" >"$T_DIR/.ab.out" 2>"$T_DIR/.ab.err"
	AB_RC=$?
	slurp AB_OUT "$T_DIR/.ab.out"
	slurp AB_ERR "$T_DIR/.ab.err"

	echo "# appban $* -> $AB_RC"
	[ -n "$AB_OUT" ] && printf '#   out: %s\n' "$(_short "$AB_OUT")"
	[ -n "$AB_ERR" ] && printf '#   err: %s\n' "$(_short "$AB_ERR")"
	return 0
}

# load_ok [OPTIONS] POLICY: load, which must succeed; sets ENGINE
load_ok()
{
	ab load "$@"
	[ "$AB_RC" = 0 ] || { fail "appban load $* exited $AB_RC: $(_short "$AB_ERR")"; return 1; }
	engine_refresh
}

# engine_refresh: ENGINE := the engine in use, from status --json
engine_refresh()
{
	status_read
	ENGINE=
	# the common compact form without a python start, else parse it
	if [[ "$STATUS" =~ ^\{.*\"engine\":\"([a-z]+)\" ]]; then
		ENGINE=${BASH_REMATCH[1]}
	else
		ENGINE=$(json_get "$STATUS" engine) ||
			{ fail "status --json has no engine after a load: $(_short "$STATUS")"; return 1; }
	fi
	case "$ENGINE" in
	lsm | fallback) return 0 ;;
	esac
	fail "status: unknown engine '$ENGINE'"
}

# status_json: print `appban status --json` (for $(...)); returns its status
status_json()
{
	"$APPBAN" status --json 2>"$T_DIR/.status.err"
}

# status_read: STATUS := `appban status --json`, STATUS_RC := its exit status
status_read()
{
	STATUS=$("$APPBAN" status --json 2>"$T_DIR/.status.err")
	STATUS_RC=$?
}

# status_loaded_while_banned BANNED DONE_CMD...: until DONE_CMD succeeds (at
# most 60 s x T_SLOW), start BANNED again and again, and after each start
# refused read status --json, which must say loaded: never "nothing
# loaded" while a ban holds (docs/cli.md, status). SLB_CHECKS := the
# statuses read after a refusal. Run it during a fresh load with
# APPBAN_TEST_ATTACH_PAUSE_MS set: the load then pauses after each attach
# of a program that bans starts, as the kernel may itself before the
# attach returns (in a 6.1 guest a start was refused, then a status started
# after it found no link pinned).
status_loaded_while_banned()
{
	local banned=$1 end r s
	shift
	SLB_CHECKS=0
	end=$(($(now_ms) + 60000 * ${T_SLOW:-1}))
	while ! "$@"; do
		[ "$(now_ms)" -lt "$end" ] || { fail "status_loaded_while_banned: $* not done in $((60 * ${T_SLOW:-1})) s"; return 1; }
		r=$("$HELPERS/spawn" -o /dev/null "$banned")
		[[ $r == *result=exit:0 ]] && continue
		s=$("$APPBAN" status --json 2>&1)
		SLB_CHECKS=$((SLB_CHECKS + 1))
		[[ $s == '{"loaded":true,'* ]] ||
			{ fail "a start of $banned was refused ($r), then status said: $(_short "$s")"; return 1; }
	done
	log "status read $SLB_CHECKS time(s) after a refused start, each time loaded"
}

# status_get KEY: one field of status --json (dotted path), empty + 1 if absent
status_get()
{
	local s
	s=$("$APPBAN" status --json 2>"$T_DIR/.status.err")
	json_get "$s" "$1"
}

# write_policy FILE: write stdin to FILE (a heredoc in the test)
write_policy()
{
	local line
	: >"$1"
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s\n' "$line" >>"$1"
		printf '#   | %s\n' "$line"
	done
}

# ---------------------------------------------------------------- exec outcome

# spawn PATH [ARG...]: start a program with the spawn helper. Sets SP_PID,
# SP_PARENT, SP_RESULT (exit:N, signal:N or errno:NAME) and SP_OUTPUT (what
# the program wrote).
spawn()
{
	local line
	: >"$T_DIR/.spawn.out"
	line=$("$HELPERS/spawn" -o "$T_DIR/.spawn.out" "$@")
	SP_PID='' SP_PARENT='' SP_RESULT=''
	if [[ "$line" =~ pid=([0-9]+)\ parent=([0-9]+)\ result=(.*)$ ]]; then
		SP_PID=${BASH_REMATCH[1]}
		SP_PARENT=${BASH_REMATCH[2]}
		SP_RESULT=${BASH_REMATCH[3]}
	fi
	slurp SP_OUTPUT "$T_DIR/.spawn.out"
	echo "# spawn $* -> ${SP_RESULT:-?} (pid ${SP_PID:-?})"
	[ -n "$SP_RESULT" ] || { fail "spawn helper failed on $1"; return 1; }
}

# blocked_result: what spawn reports for a blocked exec with the engine in use
blocked_result()
{
	case "$ENGINE" in
	lsm) echo errno:EPERM ;;
	fallback) echo signal:9 ;;
	*) echo "unknown-engine:$ENGINE" ;;
	esac
}

# assert_blocked PATH [ARG...]: the exec of PATH is stopped exactly as the
# engine in use stops it, and the program's code never ran (no output, no
# marker line).
assert_blocked()
{
	local before
	[ -n "${ENGINE:-}" ] || engine_refresh || return 1
	before=$(marker_runs "$1")
	spawn "$@" || return 1
	assert_eq "$SP_RESULT" "$(blocked_result)" "exec of $1 (engine $ENGINE)" || return 1
	assert_empty "$SP_OUTPUT" "output of blocked $1" || return 1
	assert_eq "$(marker_runs "$1")" "$before" "runs of blocked $1 (marker)" || return 1
}

# assert_runs PATH [ARG...]: PATH starts and its code runs
assert_runs()
{
	spawn "$@" || return 1
	assert_eq "$SP_RESULT" exit:0 "exec of $1" || return 1
	assert_nonempty "$SP_OUTPUT" "output of $1" || return 1
}

# assert_blocked_sh PATH: as seen by a shell: exit 137 and no output with the
# fallback engine, 126 and "Operation not permitted" with lsm
assert_blocked_sh()
{
	local out rc
	[ -n "${ENGINE:-}" ] || engine_refresh || return 1
	out=$(bash -c '"$@"; exit $?' sh "$@" 2>"$T_DIR/.sh.err")
	rc=$?
	echo "# bash -c $1 -> $rc"
	assert_empty "$out" "stdout of blocked $1 run by a shell" || return 1
	case "$ENGINE" in
	fallback)
		assert_eq "$rc" 137 "shell's exit status for blocked $1" || return 1
		;;
	lsm)
		assert_eq "$rc" 126 "shell's exit status for blocked $1" || return 1
		assert_contains "$(<"$T_DIR/.sh.err")" "Operation not permitted" \
			"shell's error for blocked $1" || return 1
		;;
	*) fail "unknown engine '$ENGINE'"; return 1 ;;
	esac
}

# ---------------------------------------------------------------- JSON
# python3 and its json module only (no jq). Keys are dotted paths that match
# nested objects ({"event":{"kind":..}}) and dotted keys ({"event.kind":..})
# alike, as ECS allows both.

_PYJSON='
import json, sys

def get(o, path):
    if isinstance(o, dict):
        if path in o:
            return True, o[path]
        parts = path.split(".")
        for i in range(len(parts) - 1, 0, -1):
            k = ".".join(parts[:i])
            if k in o:
                ok, v = get(o[k], ".".join(parts[i:]))
                if ok:
                    return True, v
    return False, None

def sval(v):
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    return json.dumps(v, sort_keys=True, separators=(",", ":"))

def match(o, filters):
    for f in filters:
        if f.endswith("?"):
            if not get(o, f[:-1])[0]:
                return False
            continue
        k, _, want = f.partition("=")
        neg = k.endswith("!")
        if neg:
            k = k[:-1]
        ok, v = get(o, k)
        if isinstance(v, list):
            hit = ok and (want in [sval(x) for x in v] or sval(v) == want)
        else:
            hit = ok and sval(v) == want
        if hit == neg:
            return False
    return True

def objects(fname):
    out = []
    with open(fname, errors="replace") as fh:
        for line in fh:
            if not line.endswith("\n"):
                break  # still being written
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if isinstance(o, dict):
                out.append(o)
    return out

COMMON = ["@timestamp", "event.kind", "event.category", "event.type", "event.action",
          "event.outcome", "appban.engine", "appban.policy.name",
          "appban.policy.serial", "host.name", "agent.type", "agent.version"]

# event.type per action (events.md 1.1, docs/events.md); an action not
# listed is ["info"]
TYPES = {
    "exec-blocked": ["start", "denied"], "exec-audited": ["start", "allowed"],
    "network-blocked": ["connection", "denied"],
    "network-audited": ["connection", "allowed"],
    "process-killed": ["end"], "connection-closed": ["connection", "end"],
    "policy-loaded": ["change"], "policy-unloaded": ["change"],
    "policy-refused": ["change", "denied"], "tamper-blocked": ["change", "denied"],
    "tamper-detected": ["change"], "source-failed": ["error"],
    "daemon-started": ["start"], "daemon-stopped": ["end"],
}

def host_id():
    try:
        with open("/etc/machine-id") as fh:
            v = fh.read().strip()
    except OSError:
        return None
    return v if len(v) == 32 else None

def host_name():
    import socket
    return socket.gethostname()

def problems(o):
    import calendar, re, time
    TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
    p = []
    for k in COMMON:
        if not get(o, k)[0]:
            p.append("no " + k)
    ok, ts = get(o, "@timestamp")
    if ok and not (isinstance(ts, str) and TS.match(ts)):
        p.append("@timestamp %r is not RFC 3339 UTC with microseconds" % (ts,))
    elif ok:
        t = calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))
        if abs(t - time.time()) > 300:
            p.append("@timestamp %s is far from now" % ts)
    ok, v = get(o, "event.kind")
    if ok and v not in ("alert", "event"):
        p.append("event.kind %r" % (v,))
    ok, v = get(o, "event.category")
    if ok and not (isinstance(v, list) and v and all(isinstance(x, str) for x in v)):
        p.append("event.category %r is not a list of ECS categories" % (v,))
    ok, v = get(o, "event.outcome")
    if ok and v not in ("failure", "success", "unknown"):
        p.append("event.outcome %r" % (v,))
    act = get(o, "event.action")[1]
    ok, v = get(o, "event.type")
    if ok and v != TYPES.get(act, ["info"]):
        p.append("event.type %r, want %r" % (v, TYPES.get(act, ["info"])))
    ok, v = get(o, "host.name")
    if ok and v != host_name():
        p.append("host.name %r, want %r" % (v, host_name()))
    ok, v = get(o, "host.id")
    if v != host_id():
        p.append("host.id %r, want %r (/etc/machine-id)" % (v, host_id()))
    if get(o, "agent.type")[1] != "appban":
        p.append("agent.type %r" % (get(o, "agent.type")[1],))
    ok, v = get(o, "agent.version")
    if ok and not (isinstance(v, str) and v):
        p.append("agent.version %r" % (v,))
    DAEMON = ("daemon-started", "daemon-stopped", "policy-refused", "policy-stale",
              "source-failed", "source-recovered", "heartbeat")
    ok, v = get(o, "appban.engine")
    # (a daemon that has no policy in force yet has no engine either)
    if ok and v not in ("lsm", "fallback") and not (act in DAEMON and v == "none"):
        p.append("appban.engine %r" % (v,))
    if act in DAEMON and get(o, "event.category")[1] != ["configuration"]:
        p.append("%s with event.category %r" % (act, get(o, "event.category")[1]))
    if act == "policy-refused":
        if get(o, "event.outcome")[1] != "failure":
            p.append("policy-refused with event.outcome %r" % (get(o, "event.outcome")[1],))
        if get(o, "appban.reason")[1] not in ("signature", "key-role", "rollback", "parse",
                                              "compile", "size", "second-base", "state"):
            p.append("policy-refused with appban.reason %r" % (get(o, "appban.reason")[1],))
        if not (get(o, "file.path")[0] or get(o, "url.full")[0]):
            p.append("policy-refused without file.path or url.full")
        if not get(o, "error.message")[0]:
            p.append("policy-refused without error.message")
    kind = get(o, "event.kind")[1]
    outcome = get(o, "event.outcome")[1]
    cat = get(o, "event.category")[1]
    if act in ("exec-blocked", "network-blocked"):
        if kind != "alert":
            p.append("%s with event.kind %r, want alert" % (act, kind))
        if outcome != "failure":
            p.append("%s with event.outcome %r, want failure" % (act, outcome))
    if act in ("exec-audited", "network-audited"):
        if kind != "event":
            p.append("%s with event.kind %r, want event" % (act, kind))
        if outcome != "success":
            p.append("%s with event.outcome %r, want success" % (act, outcome))
    if act in ("exec-blocked", "exec-audited", "process-killed") and cat != ["process"]:
        p.append("%s with event.category %r, want [\"process\"]" % (act, cat))
    if act in ("network-blocked", "network-audited", "connection-closed") and cat != ["network"]:
        p.append("%s with event.category %r, want [\"network\"]" % (act, cat))
    if act in ("exec-blocked", "exec-audited", "network-blocked", "network-audited"):
        for k in ("rule.name", "appban.match", "process.pid", "process.name",
                  "process.executable", "user.id", "group.id"):
            if not get(o, k)[0]:
                p.append("%s without %s" % (act, k))
        for k in ("user.id", "group.id"):
            ok, v = get(o, k)
            if ok and not isinstance(v, str):
                p.append("%s is %r, want a string" % (k, v))
        ok, v = get(o, "appban.match")
        if ok and v not in ("path", "dir", "sha256", "name", "flatpak", "snap", "fileless"):
            p.append("appban.match %r" % (v,))
    if act == "exec-blocked":
        ok, v = get(o, "appban.method")
        if v not in ("eperm", "sigkill"):
            p.append("exec-blocked with appban.method %r" % (v,))
    if act in ("tamper-blocked", "tamper-detected", "policy-unloaded") and cat != ["configuration"]:
        p.append("%s with event.category %r, want [\"configuration\"]" % (act, cat))
    if act in ("tamper-blocked", "tamper-detected"):
        want = ("alert", "failure" if act == "tamper-blocked" else "success")
        if (kind, outcome) != want:
            p.append("%s with event.kind/outcome %r/%r, want %r" % (act, kind, outcome, want))
        ok, v = get(o, "appban.hook")
        if v not in ("bpf-map", "bpf-link", "pin", "umount", "signal"):
            p.append("%s with appban.hook %r" % (act, v))
        for k in ("appban.target.name", "process.pid", "process.name", "user.id"):
            if not get(o, k)[0]:
                p.append("%s without %s" % (act, k))
    if act == "tamper-blocked" and get(o, "appban.method")[1] != "eperm":
        p.append("tamper-blocked with appban.method %r" % (get(o, "appban.method")[1],))
    if act == "events-lost":
        ok, v = get(o, "appban.lost")
        try:
            if int(v) <= 0:
                raise ValueError
        except (TypeError, ValueError):
            p.append("events-lost with appban.lost %r" % (v,))
    return p

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "get":        # get JSON KEY: print the value; exit 1 if absent
    ok, v = get(json.loads(args[0]), args[1])
    if not ok:
        sys.exit(1)
    print(sval(v))
elif cmd == "fields":   # fields JSON KEY=WANT...: print each mismatch, exit 1 if any
    o = json.loads(args[0])
    bad = 0
    for f in args[1:]:
        k, _, want = f.partition("=")
        ok, v = get(o, k)
        if not ok:
            print("field %s absent, want %r" % (k, want))
            bad += 1
        elif sval(v) != want:
            print("field %s: got %r, want %r" % (k, sval(v), want))
            bad += 1
    sys.exit(1 if bad else 0)
elif cmd == "type":     # type JSON KEY: str, int, float, bool, list, dict, NoneType
    ok, v = get(json.loads(args[0]), args[1])
    print(type(v).__name__ if ok else "absent")
elif cmd == "canon":    # canon JSON: sorted keys, compact
    print(json.dumps(json.loads(args[0]), sort_keys=True, separators=(",", ":")))
elif cmd == "valid":    # valid TEXT: exit 0 if it is one JSON object
    try:
        sys.exit(0 if isinstance(json.loads(args[0]), dict) else 1)
    except ValueError:
        sys.exit(1)
elif cmd == "count":    # count FILE FILTER...
    print(sum(1 for o in objects(args[0]) if match(o, args[1:])))
elif cmd == "first":    # first FILE FILTER...: the first match, exit 1 if none
    for o in objects(args[0]):
        if match(o, args[1:]):
            print(json.dumps(o, sort_keys=True, separators=(",", ":")))
            sys.exit(0)
    sys.exit(1)
elif cmd == "sum":      # sum FILE KEY FILTER...: sum of int(KEY) over matches
    total = 0
    for o in objects(args[0]):
        if match(o, args[2:]):
            ok, v = get(o, args[1])
            total += int(v) if ok else 0
    print(total)
elif cmd == "check":    # check FILE: every complete line an event of events.md
    bad = 0
    with open(args[0], errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.endswith("\n"):
                break
            try:
                o = json.loads(line)
            except ValueError:
                print("line %d: not JSON: %s" % (n, line.strip()[:200]))
                bad += 1
                continue
            if not isinstance(o, dict):
                print("line %d: not an object" % n)
                bad += 1
                continue
            for p in problems(o):
                print("line %d (%s): %s" % (n, get(o, "event.action")[1], p))
                bad += 1
    sys.exit(1 if bad else 0)
else:
    sys.exit("lib.sh json: unknown command " + cmd)
'

# _py ARGS...: the JSON tool, python started with no site (fast in the VM)
_py()
{
	"$PYTHON" -I -S -c "$_PYJSON" "$@"
}

# json_get JSON KEY: print a field (strings raw, others as JSON); 1 if absent
json_get()
{
	if _json_fast "$1" "$2"; then
		printf '%s\n' "$_JF"
		return 0
	fi
	_py get "$1" "$2"
}

# _json_fast JSON KEY: _JF := the field when bash alone can tell for sure:
# compact JSON, KEY a top-level key ("loaded", "event.kind" as a dotted key)
# or one level down ("policy.name" in {"policy":{"name":..}}), found once, a
# plain scalar. Else 1, and the caller asks python (a slow start in the VM).
_json_fast()
{
	local j=$1 key=$2 seg head
	_JF=
	if [[ "$j" == *"\"$key\":"* ]]; then
		_json_depth1 "$j" "\"$key\":" || return 1
		_json_scalar "$j" "$key"
		return
	fi
	[[ "$key" == *.* && "$key" != *.*.* ]] || return 1
	head=${key%%.*}
	[[ "$j" == *"\"$head\":{"* ]] || return 1
	_json_depth1 "$j" "\"$head\":{" || return 1
	seg=${j#*"\"$head\":{"}
	[[ "$seg" == *"\"$head\":{"* ]] && return 1
	seg=${seg%%\}*}
	_json_scalar "{$seg}" "${key#*.}"
}

# _json_depth1 JSON NEEDLE: NEEDLE occurs once, at the top level of JSON
_json_depth1()
{
	local pre=${1%%"$2"*} o c
	[[ "${1#*"$2"}" == *"$2"* ]] && return 1
	o=${pre//[^\{]/}
	c=${pre//[^\}]/}
	[ $((${#o} - ${#c})) = 1 ]
}

# _json_scalar JSON KEY: _JF := the value of "KEY": found once, if a plain
# string (no escapes), number, true, false or null
_json_scalar()
{
	local rest=${1#*"\"$2\":"}
	[ "$rest" != "$1" ] || return 1
	[[ "$rest" == *"\"$2\":"* ]] && return 1
	if [[ "$rest" =~ ^\"([^\"\\]*)\" ]]; then
		_JF=${BASH_REMATCH[1]}
	elif [[ "$rest" =~ ^(-?[0-9]+|true|false|null)([,}]|$) ]]; then
		_JF=${BASH_REMATCH[1]}
	else
		return 1
	fi
}

# json_type JSON KEY: str, int, float, bool, list, dict, NoneType or absent
json_type()
{
	_py type "$1" "$2"
}

json_canon()
{
	_py canon "$1"
}

json_valid()
{
	_py valid "$1"
}

# ev_count FILE FILTER...: events in FILE matching every FILTER:
#   KEY=VALUE (a list matches if it holds VALUE), KEY!=VALUE, KEY? (present)
ev_count()
{
	_py count "$@"
}

# ev_first FILE FILTER...: the first matching event as JSON; 1 if none
ev_first()
{
	_py first "$@"
}

# ev_sum FILE KEY FILTER...: sum of KEY over the matching events
ev_sum()
{
	_py sum "$@"
}

# assert_events_valid FILE: every line is an event as events.md says
assert_events_valid()
{
	local out
	out=$(_py check "$1") && return 0
	printf '%s\n' "$out" | head -20
	fail "invalid events in $(basename "$1"): $(_short "$(head -3 <<<"$out")")"
}

# _ev_at_least N FILE FILTER...: for wait_until
_ev_at_least()
{
	local n=$1
	shift
	[ "$(ev_count "$@")" -ge "$n" ]
}

# wait_event FILE FILTER...: wait (WAIT_EVENT_S, 5 unless set, s x T_SLOW)
# for a matching event; EVENT holds it
wait_event()
{
	EVENT=
	if ! wait_until "${WAIT_EVENT_S:-5}" _ev_at_least 1 "$@"; then
		fail "no event matching '${*:2}' in $(basename "$1") ($(wc -l <"$1") lines)"
		return 1
	fi
	EVENT=$(ev_first "$@")
}

# assert_fields JSON KEY=WANT...: several fields at once (one python start);
# lists compare as compact JSON: event.category='["process"]'
assert_fields()
{
	local json=$1 out f k slow=0
	shift
	for f in "$@"; do
		k=${f%%=*}
		if _json_fast "$json" "$k"; then
			[ "$_JF" == "${f#*=}" ] && continue
			fail "field $k: got '$_JF', want '${f#*=}' in $(_short "$json")"
			return 1
		fi
		slow=1
	done
	[ "$slow" = 0 ] && return 0
	out=$(_py fields "$json" "$@") && return 0
	printf '%s\n' "$out"
	fail "$(head -n1 <<<"$out")$([ "$(wc -l <<<"$out")" -gt 1 ] && echo " (and $(($(wc -l <<<"$out") - 1)) more)") in $(_short "$json")"
}

# assert_field JSON KEY WANT: a field of an event or status
assert_field()
{
	local v
	v=$(json_get "$1" "$2") || { fail "field $2 absent in $(_short "$1")"; return 1; }
	assert_eq "$v" "$3" "field $2"
}

# ---------------------------------------------------------------- appban run

# run_start [ARGS...]: start `appban run --json ARGS` in the background and
# wait for its first line, which must be the policy-loaded event. RUN_PID,
# RUN_OUT (its stdout, one event per line), RUN_ERR.
RUN_N=0
run_start()
{
	local first
	RUN_N=$((RUN_N + 1))
	RUN_OUT="$T_DIR/run$RUN_N.jsonl"
	RUN_ERR="$T_DIR/run$RUN_N.err"
	: >"$RUN_OUT"
	echo "# appban run --json $* (output run$RUN_N.jsonl)"
	bg "$APPBAN" run --json "$@" >"$RUN_OUT" 2>"$RUN_ERR"
	RUN_PID=$BG_PID
	if ! wait_until 15 _run_has_first_line; then
		if ! kill -0 "$RUN_PID" 2>/dev/null; then
			wait "$RUN_PID"
			fail "appban run $* exited $? before its first line: $(_short "$(<"$RUN_ERR")")"
		else
			fail "appban run $*: no first line within $((15 * ${T_SLOW:-1})) s: $(_short "$(<"$RUN_ERR")")"
		fi
		return 1
	fi
	first=
	IFS= read -r first <"$RUN_OUT"
	json_valid "$first" || { fail "first line of run is not a JSON object: '$(_short "$first")', stderr: $(_short "$(<"$RUN_ERR")")"; return 1; }
	RUN_FIRST=$first
	assert_field "$first" event.action policy-loaded || return 1
	engine_refresh
}

_run_has_first_line()
{
	local l
	# read succeeds only on a whole line (ended by a newline)
	IFS= read -r l <"$RUN_OUT" && return 0
	_running "$RUN_PID" || return 0
	return 1
}

# run_stop [SIGNAL]: stop the last run (SIGINT by default); RUN_RC is its
# exit status
run_stop()
{
	stop_pid "$RUN_PID" "${1:-INT}"
	RUN_RC=$STOP_RC
	echo "# appban run stopped with SIG${1:-INT} -> $RUN_RC"
	[ -s "$RUN_ERR" ] && printf '#   err: %s\n' "$(_short "$(<"$RUN_ERR")")"
	return 0
}

# ---------------------------------------------------------------- network

# listen_start FAMILY TYPE: an unbanned server on loopback (the test's own
# port); PORT holds its port
listen_start()
{
	local ready="$T_DIR/.ready.$RANDOM"
	bg "$HELPERS/nettest" listen "$1" "$2" 0 "$ready"
	wait_until 5 test -s "$ready" || { fail "nettest listen $1 $2 did not start"; return 1; }
	read -r PORT <"$ready"
}

# listen_unix PATH: an unbanned AF_UNIX stream server at PATH
listen_unix()
{
	local ready="$T_DIR/.ready.$RANDOM"
	bg "$HELPERS/nettest" listen unix stream "$1" "$ready"
	wait_until 5 test -s "$ready" || { fail "nettest listen unix did not start"; return 1; }
}

# net PROG ARGS...: run a nettest copy; NET_RC, NET_OUT; NET_PID is the pid
# of the process that did the operation (the last one that printed)
net()
{
	local line
	NET_OUT=$("$@" 2>&1)
	NET_RC=$?
	NET_PID=
	echo "# ${1##*/} ${*:2} -> $NET_RC"
	while IFS= read -r line; do
		[[ "$line" =~ ^nettest\[([0-9]+)\] ]] && NET_PID=${BASH_REMATCH[1]}
		[ -n "$line" ] && echo "#   $line"
	done <<<"$NET_OUT"
	return 0
}

# assert_net_eperm WHAT PROG ARGS...: the operation fails with EPERM
assert_net_eperm()
{
	local what=$1
	shift
	net "$@"
	assert_eq "$NET_RC" 1 "$what: nettest exit (1 = EPERM)" || return 1
	assert_contains "$NET_OUT" "EPERM" "$what" || return 1
}

# assert_net_ok WHAT PROG ARGS...: the operation succeeds
assert_net_ok()
{
	local what=$1
	shift
	net "$@"
	assert_eq "$NET_RC" 0 "$what: nettest exit (0 = ok): $(_short "$NET_OUT")" || return 1
}

have_ipv6()
{
	[ "$(</proc/sys/net/ipv6/conf/lo/disable_ipv6)" = 0 ] 2>/dev/null &&
		ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'
}

# ---------------------------------------------------------------- the daemon
# (appban daemon, docs/fleet.md: t_daemon.sh, t_events.sh)

# _daemon_setup [KEYS...]: a configuration in T_DIR (policy directory
# $PDIR, state directory $SDIR), with the keys given as "PATH ROLE"; a banned
# copy of the marker, $BANNED
_daemon_setup()
{
	local k
	PDIR=$T_DIR/policy.d SDIR=$T_DIR/state CONF=$T_DIR/appban.conf
	mkdir -p "$PDIR"
	{
		echo "state-dir $SDIR"
		echo "policy-dir $PDIR"
		echo "heartbeat 3600"
		for k in "$@"; do echo "key $k"; done
	} >"$CONF"
	BANNED=$(make_marker "$T_DIR/bin") || return 1
	export APPBAN_SCAN_ROOTS=$T_DIR/none APPBAN_HASH_CACHE=$T_DIR/hashes
	# the control socket of this test's daemon, for its followers and status
	export APPBAN_SOCKET=$T_DIR/appban.sock
	mkdir -p "$T_DIR/none"
}

# _base NAME SERIAL [EXTRA]: a base policy text banning $BANNED by path
_base()
{
	printf 'policy %s\nserial %s\n%s\napp banned-by-daemon {\n    path %s\n    deny exec\n}\n' \
		"$1" "$2" "${3:-}" "$BANNED"
}

# _drop NAME TEXT [SIGKEY]: write NAME.policy into the directory the way the
# docs say (elsewhere, then mv), its signature first when a key is given
_drop()
{
	local name=$1 text=$2 key=${3:-}
	printf '%s' "$text" >"$T_DIR/$name.policy"
	if [ -n "$key" ]; then
		"$APPBAN" sign -k "$key" "$T_DIR/$name.policy" >/dev/null ||
			{ fail "appban sign $name"; return 1; }
		mv "$T_DIR/$name.policy.minisig" "$PDIR/$name.policy.minisig"
	fi
	mv "$T_DIR/$name.policy" "$PDIR/$name.policy"
}

# daemon_start: appban daemon --config $CONF in the background; DAEMON_OUT
# (events, JSON lines), DAEMON_ERR; waits for daemon-started
DAEMON_N=0
daemon_start()
{
	DAEMON_N=$((DAEMON_N + 1))
	DAEMON_OUT=$T_DIR/daemon$DAEMON_N.jsonl
	DAEMON_ERR=$T_DIR/daemon$DAEMON_N.err
	: >"$DAEMON_OUT"
	bg "$APPBAN" daemon --config "$CONF" >"$DAEMON_OUT" 2>"$DAEMON_ERR"
	DAEMON_PID=$BG_PID
	defer "kill -TERM $DAEMON_PID 2>/dev/null"
	wait_until 15 _daemon_started || {
		fail "the daemon did not start: $(_short "$(<"$DAEMON_ERR")")"
		return 1
	}
}

# dwait FILTER...: wait_event on the daemon's events; on failure what the
# daemon said and its last events go to the test's log
dwait()
{
	wait_event "$DAEMON_OUT" "$@" && return 0
	sed 's/^/# daemon: /' "$DAEMON_ERR" | tail -n 30
	cut -c1-300 "$DAEMON_OUT" | sed 's/^/# event: /' | tail -n 15
	return 1
}

# dwait_loaded FILTER...: dwait for the policy-loaded record of a load whose
# ban already holds (wait_blocked), bounded as run_start bounds a whole load
# (15 s x T_SLOW), not 5: the programs that ban starts attach first, the
# rest of the engine and the live pass's programs load after them
# (load_engine, apply_policy), and on a slow kernel (5.10 under TCG: the
# verifier, one CPU) that took over 50 s after the ban held
dwait_loaded()
{
	local WAIT_EVENT_S=15
	dwait event.action=policy-loaded "$@"
}

_daemon_started()
{
	grep -q '"daemon-started"' "$DAEMON_OUT" && return 0
	_running "$DAEMON_PID" || return 0
	return 1
}

_blocked_now()
{
	spawn "$BANNED" >/dev/null
	[ "$SP_RESULT" != exit:0 ]
}

# wait_blocked: the daemon put a policy banning $BANNED in force
wait_blocked()
{
	wait_until 10 _blocked_now ||
		{ fail "$BANNED still runs: $(_short "$(<"$DAEMON_ERR")")"; return 1; }
	engine_refresh && assert_blocked "$BANNED"
}
