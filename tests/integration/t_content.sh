# SPDX-License-Identifier: GPL-2.0
# sha256 rules (issue 4, item 1): a banned content is caught whatever the
# file is called and wherever it is: copies, renames, hard links (found by the
# scan at load), and, while `run` runs, a copy written later or a file
# rewritten in place (fanotify). The scan is limited to this test's
# directory (APPBAN_SCAN_ROOTS) with a cache of its own (APPBAN_HASH_CACHE).

# _content_setup: ORIG, a marker made unique to this test (trailing bytes
# after the ELF image do not change what it does), DIGEST its SHA-256, and a
# policy banning that content
_content_setup()
{
	ORIG=$(make_marker "$T_DIR/orig") || return 1
	printf 'appban-content-%s-%s' "$T_ID" "$RANDOM" >>"$ORIG"
	DIGEST=$(sha256sum "$ORIG" | cut -d' ' -f1)
	export APPBAN_SCAN_ROOTS=$T_DIR APPBAN_HASH_CACHE=$T_DIR/hashes
	write_policy "$T_DIR/p.policy" <<EOF2
app banned-content {
    sha256 $DIGEST
    deny exec
}
EOF2
}

test_content_copy_rename_link_blocked()
{
	local copy renamed link other
	_content_setup || return 1
	mkdir -p "$T_DIR/b" "$T_DIR/c" "$T_DIR/d"
	cp "$ORIG" "$T_DIR/b/copy"
	cp "$ORIG" "$T_DIR/c/before-rename" && mv "$T_DIR/c/before-rename" "$T_DIR/c/renamed"
	ln "$ORIG" "$T_DIR/d/hardlink"
	other=$(make_echo "$T_DIR/free")
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$ORIG" || return 1
	assert_blocked "$T_DIR/b/copy" || return 1
	assert_blocked "$T_DIR/c/renamed" || return 1
	assert_blocked "$T_DIR/d/hardlink" || return 1
	assert_runs "$other" hello || return 1
	ab check --json "$T_DIR/b/copy"
	assert_fields "$AB_OUT" matched=true app=banned-content identifier=sha256 || return 1
	assert_file "$T_DIR/hashes" "the digest cache" || return 1
	# a second load uses the cache and still finds them
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$T_DIR/b/copy" || return 1
}

# A swap puts the files of the digest cache with a banned content in force at
# once, each rule bound to the file's change time, and walks afterwards. The
# walk here sees nothing (its roots are an empty directory): what is blocked
# is blocked by the cache's rules, and a file changed since the cache saw it
# is not taken for what it was.
test_content_swap_takes_cache_bound_to_change_time()
{
	local kept changed other
	_content_setup || return 1
	kept=$T_DIR/kept
	changed=$T_DIR/changed
	cp "$ORIG" "$kept"
	cp "$ORIG" "$changed"
	other=$(make_echo "$T_DIR/free")
	# the cache keeps only files changed in a second before the scan's (whole
	# seconds: over 2 s ago is sure)
	sleep 2.1
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$kept" || return 1
	assert_blocked "$changed" || return 1
	# the same inode, another program: not the content that was banned
	cat "$other" >"$changed"
	write_policy "$T_DIR/p2.policy" <<EOF2
app banned-content-2 {
    sha256 $DIGEST
    deny exec
}
EOF2
	mkdir -p "$T_DIR/empty"
	APPBAN_SCAN_ROOTS=$T_DIR/empty load_ok "$T_DIR/p2.policy" || return 1
	assert_blocked "$kept" || return 1
	assert_runs "$changed" hello || return 1
}

# ... and the walk after the swap finds what the cache could not vouch for:
# a banned file whose change time moved (chmod) since the last scan.
test_content_swap_walk_adds_changed_file()
{
	local f
	_content_setup || return 1
	f=$T_DIR/touched
	cp "$ORIG" "$f"
	sleep 2.1 # cached (see above)
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$f" || return 1
	chmod 0700 "$f"
	write_policy "$T_DIR/p2.policy" <<EOF2
app banned-content-2 {
    sha256 $DIGEST
    deny exec
}
EOF2
	load_ok "$T_DIR/p2.policy" || return 1
	assert_contains "$AB_ERR" "(1 hashed, 1 from cache)" "the walk" || return 1
	assert_blocked "$f" || return 1
}

# _never_runs PATH: a start of PATH is stopped. With the lsm engine the
# kernel refuses it (EPERM); but `run`, told of the start by fanotify when
# the file is opened, before the kernel's hashing decides, may kill it first
# (seen in the VM: SIGKILL). Either way its code never runs.
_never_runs()
{
	spawn "$1" >/dev/null
	case $SP_RESULT in
	"$(blocked_result)" | signal:9) return 0 ;;
	esac
	fail "exec of $1 (engine $ENGINE): got '$SP_RESULT', want '$(blocked_result)' or a kill by run"
	return 1
}

# _blocked_within SECONDS PATH: PATH becomes blocked within SECONDS (it may
# run before: that is the window being measured); DELAY_MS is how long it took
_blocked_within()
{
	local t0 end
	t0=$(now_ms)
	end=$((t0 + $1 * 1000 * ${T_SLOW:-1}))
	while [ "$(now_ms)" -lt "$end" ]; do
		spawn "$2" >/dev/null
		if [ "$SP_RESULT" = "$(blocked_result)" ]; then
			DELAY_MS=$(($(now_ms) - t0))
			echo "# blocked after $DELAY_MS ms"
			return 0
		fi
		sleep 0.05
	done
	fail "$2 still runs after $1 s"
	return 1
}

test_content_copy_made_under_run_blocked()
{
	_content_setup || return 1
	run_start "$T_DIR/p.policy" || return 1
	cp "$ORIG" "$T_DIR/late-copy"
	_blocked_within 5 "$T_DIR/late-copy" || return 1
	_never_runs "$T_DIR/late-copy" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked appban.match=sha256 \
		rule.name=banned-content || return 1
	assert_fields "$EVENT" "process.hash.sha256=$DIGEST" || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

test_content_rewritten_in_place_under_run_blocked()
{
	local f
	_content_setup || return 1
	f=$(make_echo "$T_DIR/inplace")
	run_start "$T_DIR/p.policy" || return 1
	assert_runs "$f" hello || return 1
	# same inode, new content
	cat "$ORIG" >"$f"
	_blocked_within 5 "$f" || return 1
}

test_content_memfd_copy_killed_under_run()
{
	local sleeper digest
	_sleeper_setup "$T_DIR" || return 1
	run_start "$T_DIR/p.policy" || return 1
	# a copy that exists in memory only: with kernel hashing (lsm engine
	# with IMA) its exec fails; without, the kernel reports the fileless
	# exec, run hashes it and ends it
	spawn "$(command -v python3)" -c '
import os, sys
fd = os.memfd_create("appban-t-memfd", 0)
with open(sys.argv[1], "rb") as f:
    os.write(fd, f.read())
try:
    os.execve(fd, ["sleep", "20"], dict(os.environ))
except PermissionError:
    sys.exit(77)
' "$sleeper" || return 1
	if [ "$(status_get content_hashing)" = kernel ]; then
		assert_eq "$SP_RESULT" exit:77 "memfd copy of the banned content (kernel hashing)" ||
			return 1
		wait_event "$RUN_OUT" event.action=exec-blocked appban.match=sha256 \
			"process.pid=$SP_PID" appban.method=eperm "process.hash.sha256=$digest" ||
			return 1
		return 0
	fi
	assert_eq "$SP_RESULT" signal:9 "memfd copy of the banned content" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked appban.match=sha256 \
		"process.pid=$SP_PID" appban.method=sigkill "process.hash.sha256=$digest" || return 1
}

# With `load` alone (no run watching): the lsm engine on a kernel with IMA
# hashes at exec, so a copy made after the load, or a file rewritten in
# place after it ran once (its digest is cached until it changes), is
# refused at its first start. The fallback engine, and the lsm engine on a
# kernel without IMA (bullseye's 5.10: no ima_file_hash in /proc/kallsyms),
# say in status that they do not hash in the kernel, and such a copy is then
# not caught: the gap the README documents.
test_content_kernel_hashing_after_load()
{
	local late inplace how
	_content_setup || return 1
	inplace=$(make_echo "$T_DIR/inplace")
	load_ok "$T_DIR/p.policy" || return 1
	how=$(status_get protections.content.how)
	if [ "$ENGINE" != lsm ] || ! grep -qw ima_file_hash /proc/kallsyms; then
		assert_eq "$(status_get content_hashing)" user "content_hashing, $ENGINE engine" ||
			return 1
		assert_contains "$how" "not hashed in the kernel" "status content line" || return 1
		cp "$ORIG" "$T_DIR/late"
		assert_runs "$T_DIR/late" || return 1
		return 0
	fi
	assert_eq "$(status_get content_hashing)" kernel "content_hashing, lsm engine" || return 1
	assert_contains "$how" "hashed in the kernel at every exec" "status content line" ||
		return 1
	cp "$ORIG" "$T_DIR/late"
	assert_blocked "$T_DIR/late" || return 1
	mkdir "$T_DIR/sub" && mv "$T_DIR/late" "$T_DIR/sub/renamed-late"
	assert_blocked "$T_DIR/sub/renamed-late" || return 1
	# the dynamic loader run on a copy maps it without an exec of it
	local interp before
	interp=$(elf_interp "$ORIG")
	if [ -x "$interp" ]; then
		cp "$ORIG" "$T_DIR/late-ldso"
		before=$(marker_runs "$T_DIR/late-ldso")
		spawn "$interp" "$T_DIR/late-ldso" || return 1
		assert_match "$SP_RESULT" '^(exit:[1-9][0-9]*|signal:9)$' "$interp late-ldso" ||
			return 1
		assert_eq "$(marker_runs "$T_DIR/late-ldso")" "$before" "runs through $interp" ||
			return 1
	fi
	# hashed and cached as harmless, then rewritten: the cache must not hide it
	assert_runs "$inplace" hello || return 1
	cat "$ORIG" >"$inplace"
	assert_blocked "$inplace" || return 1
	assert_ge "$(status_get counters.kernel_hashed)" 2 "files hashed in the kernel" ||
		return 1
	assert_ge "$(status_get counters.exec_blocked)" 3 "exec_blocked counter" || return 1
}

# The kernel's fanotify queue is bounded: when run falls behind and events
# are lost, it scans again, so a copy made during the overflow is banned
# without anyone starting it (appban check reads the maps only).
test_content_watch_overflow_rescanned()
{
	local n q=/proc/sys/fs/fanotify/max_queued_events
	_content_setup || return 1
	# a fanotify group's queue is as long as the sysctl said when it was
	# made: a short one for run's group (16,384 files take a minute under TCG)
	defer "echo $(cat "$q") >$q"
	echo 1024 >"$q" || { fail "cannot set $q"; return 1; }
	n=$((1024 + 2000))
	run_start "$T_DIR/p.policy" || return 1
	kill -STOP "$RUN_PID"
	defer "kill -CONT $RUN_PID"
	python3 - "$T_DIR/flood" "$n" <<'PY'
import os, sys
os.mkdir(sys.argv[1])
for i in range(int(sys.argv[2])):
    with open(os.path.join(sys.argv[1], str(i)), "w") as f:
        f.write("x")
PY
	cp "$ORIG" "$T_DIR/copy-during-overflow"
	kill -CONT "$RUN_PID"
	wait_until 30 grep -q 'queue overflow' "$RUN_ERR" ||
		{ fail "run did not report the overflow: $(_short "$(<"$RUN_ERR")")"; return 1; }
	wait_until 30 _checked_banned "$T_DIR/copy-during-overflow" ||
		{ fail "the copy made during the overflow has no rule: $AB_OUT"; return 1; }
	assert_blocked "$T_DIR/copy-during-overflow" || return 1
}

_checked_banned()
{
	ab check --json "$1"
	[ "$(json_get "$AB_OUT" identifier 2>/dev/null)" = sha256 ]
}

# _run_reloaded: wait until run says it reloaded its policy file (SIGHUP)
_run_reloaded()
{
	wait_until 20 grep -q "^appban: reloaded " "$RUN_ERR" ||
		{ fail "run did not reload: $(_short "$(<"$RUN_ERR")")"; return 1; }
	grep "^appban: reloaded " "$RUN_ERR" | sed 's/^/# /'
}

# SIGHUP: run reads its policy file again and swaps it in without walking the
# scan roots: the digests of files written since its start come from the
# watch, which began before run's own walk. The kernel itself blocks the
# file (no start and kill), so the new generation holds its rule.
test_content_run_reload_without_walk()
{
	local x dx later walks
	_content_setup || return 1
	x=$(make_marker "$T_DIR/src")
	printf 'appban-reload-%s-%s' "$T_ID" "$RANDOM" >>"$x"
	dx=$(sha256sum "$x" | cut -d' ' -f1)
	run_start "$T_DIR/p.policy" || return 1
	walks=$(grep -c "scan: .* executables" "$RUN_ERR")
	later=$T_DIR/later/copy
	mkdir -p "$T_DIR/later"
	cp "$x" "$later"
	assert_runs "$later" || return 1
	write_policy "$T_DIR/p.policy" <<EOF2
app banned-content {
    sha256 $DIGEST
    deny exec
}
app banned-later {
    sha256 $dx
    deny exec
}
EOF2
	kill -HUP "$RUN_PID"
	_run_reloaded || return 1
	assert_contains "$(<"$RUN_ERR")" "no walk" || return 1
	assert_eq "$(grep -c "scan: .* executables" "$RUN_ERR")" "$walks" "walks of the scan roots" || return 1
	assert_blocked "$later" || return 1
	assert_blocked "$ORIG" || return 1
	wait_event "$RUN_OUT" event.action=policy-loaded || return 1
	assert_events_valid "$RUN_OUT" || return 1
}

# A start that the kernel's rule refuses (the rule was in force before the
# process began) is not killed by run's watch as well, which sees the exec
# at the open of the file, before the kernel's check (docs/kernels.md): with
# the lsm engine the shell whose exec failed goes on (before: SIGKILL); with
# the fallback engine the kernel kills it, once. Either way one exec-blocked
# record for the start (before: a second one, method sigkill, from run). The
# shell's parent does not reap it, so that a kill from run would find it,
# until the watch has handled its exec: the watch handles events in order, and
# a copy of the file written after the exec gets its rule after.
test_content_run_refused_start_not_killed()
{
	local n0 out pid rc
	_content_setup || return 1
	run_start "$T_DIR/p.policy" || return 1
	wait_until 60 grep -q "scan: .* executables" "$RUN_ERR" ||
		{ fail "run's walk did not end: $(_short "$(<"$RUN_ERR")")"; return 1; }
	n0=$(status_get inode_rules)
	# The walk's rules bound, the watch at work: the last change of the rules
	cp "$ORIG" "$T_DIR/copy1"
	wait_until 20 _inode_rules_are $((n0 + 1)) ||
		{ fail "no rule for a copy written: $(status_get inode_rules), want $((n0 + 1))"; return 1; }
	# /proc gives a process's start to the clock tick (10 ms): the shell
	# begins a few ticks after that change (not a wait for anything)
	sleep 0.1
	out=$T_DIR/shell.out
	mkfifo "$T_DIR/go"
	cat >"$T_DIR/try.sh" <<'EOF2'
shopt -s execfail
exec "$1"
echo "went on: $?"
read -r _ <"$2"
echo done
EOF2
	bg bash -c 'bash "$0" "$1" "$2" >"$3" 2>&1 & echo $! >"$4"; exec sleep 600' \
		"$T_DIR/try.sh" "$ORIG" "$T_DIR/go" "$out" "$T_DIR/shell.pid"
	wait_until 10 test -s "$T_DIR/shell.pid" || { fail "the shell did not start"; return 1; }
	pid=$(<"$T_DIR/shell.pid")
	_refused_start_checks "$pid" "$out" "$n0"
	rc=$?
	# (a zombie of the keeper's, or the shell waiting on the fifo)
	kill -KILL "$pid" 2>/dev/null
	return $rc
}

_refused_start_checks()
{
	local pid=$1 out=$2 n0=$3
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$pid" || return 1
	cp "$ORIG" "$T_DIR/copy2"
	wait_until 20 _inode_rules_are $((n0 + 2)) ||
		{ fail "no rule for the second copy: $(status_get inode_rules), want $((n0 + 2))"; return 1; }
	assert_eq "$(ev_count "$RUN_OUT" event.action=exec-blocked "process.pid=$pid")" 1 \
		"exec-blocked records of the shell's start" || return 1
	case "$ENGINE" in
	lsm)
		assert_field "$EVENT" appban.method eperm || return 1
		wait_until 10 grep -q "^went on: 126" "$out" ||
			{ fail "the shell's exec did not fail with 126: $(_short "$(<"$out")")"; return 1; }
		echo go >"$T_DIR/go"
		wait_until 10 grep -q "^done" "$out" ||
			{ fail "the shell did not go on: $(_short "$(<"$out")")"; return 1; }
		;;
	fallback)
		assert_field "$EVENT" appban.method sigkill || return 1
		assert_empty "$(<"$out")" "output of the shell killed at its exec" || return 1
		;;
	*)
		fail "unknown engine $ENGINE"
		return 1
		;;
	esac
	assert_events_valid "$RUN_OUT" || return 1
}

# A policy file made invalid and signalled: the error names the file, line
# and column, and the policy in force stays as it was.
test_content_run_reload_bad_policy_keeps_old()
{
	_content_setup || return 1
	run_start "$T_DIR/p.policy" || return 1
	printf 'app broken {\n    sha256 nothex\n}\n' >"$T_DIR/p.policy"
	kill -HUP "$RUN_PID"
	wait_until 20 grep -q "not reloaded" "$RUN_ERR" ||
		{ fail "no report of the bad policy: $(_short "$(<"$RUN_ERR")")"; return 1; }
	assert_match "$(<"$RUN_ERR")" "p\.policy:2:[0-9]+: error" || return 1
	_running "$RUN_PID" || { fail "run exited"; return 1; }
	assert_blocked "$ORIG" || return 1
}

# truncate(2) by path changes a file without a write event: its next start
# is hashed again (the size and change time differ from what the watch
# hashed), and the banned content it now has is killed at its start. The
# banned content sleeps (a unique copy of sleep): the kill cannot come after
# its end.
test_content_truncated_by_path_caught_at_exec()
{
	local sleeper digest f size
	mkdir -p "$T_DIR/scan"
	_sleeper_setup "$T_DIR/scan" || return 1
	run_start "$T_DIR/p.policy" || return 1
	f=$T_DIR/scan/trunc
	# one open and close: the file never holds the banned content alone
	{ cat "$sleeper" && printf 'padding-%s' "$RANDOM"; } >"$f"
	chmod 0755 "$f"
	# seen by the watch with the padding: not banned
	spawn "$f" 0 >/dev/null
	assert_eq "$SP_RESULT" exit:0 "exec of $f with the padding" || return 1
	size=$(stat -c %s "$sleeper")
	perl -e 'truncate($ARGV[0], $ARGV[1]) or die "truncate: $!\n"' "$f" "$size" || return 1
	assert_eq "$(sha256sum "$f" | cut -d' ' -f1)" "$digest" "digest after truncate" || return 1
	spawn "$f" 30 >/dev/null
	case $SP_RESULT in
	"$(blocked_result)" | signal:9) ;;
	*) fail "exec of $f after truncate: got '$SP_RESULT', want a kill"; return 1 ;;
	esac
}

# A file system mounted while run runs is watched from then on (and walked):
# a copy of a banned file written there is banned like anywhere else.
test_content_run_watches_new_mount()
{
	_content_setup || return 1
	run_start "$T_DIR/p.policy" || return 1
	mkdir -p "$T_DIR/mnt"
	mount -t tmpfs -o size=64m appban-test "$T_DIR/mnt" || { fail "mount tmpfs"; return 1; }
	T_MOUNTS+=("$T_DIR/mnt")
	wait_until 20 grep -q "a file system was mounted" "$RUN_ERR" ||
		{ fail "run did not see the mount: $(_short "$(<"$RUN_ERR")")"; return 1; }
	cp "$ORIG" "$T_DIR/mnt/copy"
	_blocked_within 5 "$T_DIR/mnt/copy" || return 1
	_never_runs "$T_DIR/mnt/copy" || return 1
}

# Another process swaps a policy in while run runs: run's watch does not put
# its own policy's content rules into that one (its app numbers mean another
# app there, or none), so a copy of what only run's policy banned runs.
test_content_run_leaves_foreign_policy_alone()
{
	local other i
	_content_setup || return 1
	other=$(uniq_name appban-foreign)
	run_start "$T_DIR/p.policy" || return 1
	write_policy "$T_DIR/q.policy" <<EOF2
app foreign {
    name $other
    deny exec
}
EOF2
	load_ok "$T_DIR/q.policy" || return 1
	cp "$ORIG" "$T_DIR/copy-under-foreign"
	# what the watch would have added (at the write or at this start)
	spawn "$T_DIR/copy-under-foreign" >/dev/null
	for ((i = 0; i < 5; i++)); do
		ab check --json "$T_DIR/copy-under-foreign"
		[ "$(json_get "$AB_OUT" matched 2>/dev/null)" = false ] ||
			{ fail "run put its rule into the foreign policy: $AB_OUT"; return 1; }
		sleep "$(awk -v s="${T_SLOW:-1}" 'BEGIN { print 0.2 * s }')"
	done
	assert_runs "$T_DIR/copy-under-foreign" || return 1
}

# run swaps by itself when a path of its policy appears; its watch goes on
# adding content rules to the policy it swapped in.
test_content_run_watch_follows_own_reresolve()
{
	local missing
	_content_setup || return 1
	# its directory too: only run's look every second finds it
	missing=$T_DIR/later-dir/appears-later
	write_policy "$T_DIR/p.policy" <<EOF2
app banned-content {
    sha256 $DIGEST
    deny exec
}
app appears {
    path $missing
    deny exec
}
EOF2
	run_start "$T_DIR/p.policy" || return 1
	make_echo "$T_DIR/later-dir" "$(basename "$missing")" >/dev/null
	_blocked_within 10 "$missing" || return 1
	assert_gt "$DELAY_MS" 0 "delay" || return 1
	cp "$ORIG" "$T_DIR/copy-after-swap"
	_blocked_within 5 "$T_DIR/copy-after-swap" || return 1
}

# _reuse_inode DIR INO: make a copy of echo in DIR that gets inode number INO
# (ext4 gives a deleted file's number to the next file made in its
# directory); prints its path, or fails when the file system does not
_reuse_inode()
{
	local i f
	for ((i = 0; i < 20; i++)); do
		f=$(make_echo "$1") || return 1
		[ "$(stat -c %i "$f")" = "$2" ] && { printf '%s' "$f"; return 0; }
	done
	return 1
}

# A banned file deleted: the next file that gets its inode number is another
# file, and runs (rules are bound to the inode's i_generation, new at each
# allocation of the number). Also `appban check` says so.
test_content_inode_number_reused_not_banned()
{
	local banned ino other
	_content_setup || return 1
	reuse_dir || { skip "no ext4 file system to be had (mkfs.ext4, loop)"; return 0; }
	banned=$REUSE_DIR/banned
	cp "$ORIG" "$banned"
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$banned" || return 1
	ino=$(stat -c %i "$banned")
	rm -f "$banned"
	other=$(_reuse_inode "$REUSE_DIR" "$ino") ||
		{ skip "the file system of $T_DIR does not give a deleted file's inode number to the next file"; return 0; }
	echo "# $other has inode $ino, as the deleted banned file had"
	assert_runs "$other" hello || return 1
	ab check --json "$other"
	assert_fields "$AB_OUT" matched=false || return 1
}

# The same under run: the rule its watch adds for a copy is bound to that
# copy, and the file after it with the same inode number runs.
test_content_inode_number_reused_under_run_not_banned()
{
	local copy ino other
	_content_setup || return 1
	reuse_dir || { skip "no ext4 file system to be had (mkfs.ext4, loop)"; return 0; }
	run_start "$T_DIR/p.policy" || return 1
	copy=$REUSE_DIR/copy
	cp "$ORIG" "$copy"
	_blocked_within 5 "$copy" || return 1
	ino=$(stat -c %i "$copy")
	rm -f "$copy"
	other=$(_reuse_inode "$REUSE_DIR" "$ino") ||
		{ skip "the file system of $T_DIR does not give a deleted file's inode number to the next file"; return 0; }
	assert_runs "$other" hello || return 1
}

# Bound to the file, not to its change time: touch, chmod and a new hard link
# change the change time, and the banned file stays banned with load alone.
test_content_ban_survives_touch_chmod_link()
{
	local f
	_content_setup || return 1
	f=$T_DIR/kept
	cp "$ORIG" "$f"
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$f" || return 1
	touch "$f"
	chmod 0700 "$f"
	ln "$f" "$T_DIR/kept-link"
	assert_blocked "$f" || return 1
	assert_blocked "$T_DIR/kept-link" || return 1
}

# _runs PATH: PATH starts and its code runs (exit 0)
_runs()
{
	spawn "$1" hello >/dev/null
	[ "$SP_RESULT" = exit:0 ]
}

# A banned copy rewritten in place with another program (same inode, same
# generation) is no longer banned: run's watch drops the rule it holds.
test_content_rewritten_to_harmless_runs_again()
{
	local f
	_content_setup || return 1
	run_start "$T_DIR/p.policy" || return 1
	f=$T_DIR/becomes-harmless
	cp "$ORIG" "$f"
	_blocked_within 5 "$f" || return 1
	cat "$ECHO_BIN" >"$f"
	wait_until 5 _runs "$f" || { fail "$f, now echo, still does not run: $SP_RESULT"; return 1; }
	assert_runs "$f" hello || return 1
}

# A first load (empty digest cache) puts every rule that needs no scan in
# force at once: the path ban holds while the scan still hashes a large
# file (a sparse executable any user can make), and the walk's finds follow,
# with a last line when it has ended.
test_content_first_load_path_ban_before_scan_ends()
{
	local prog big pid out size=4G
	_content_setup || return 1
	# under TCG hashing is some 50x slower
	[ "${APPBAN_VM:-0}" = 1 ] && size=1G
	prog=$(make_marker "$T_DIR/bin")
	big="$T_DIR/roots/planted"
	mkdir -p "$T_DIR/roots"
	truncate -s "$size" "$big" && chmod +x "$big"
	cp "$ORIG" "$T_DIR/roots/copy"
	export APPBAN_SCAN_ROOTS=$T_DIR/roots
	write_policy "$T_DIR/p.policy" <<EOF2
app banned-path {
    path $prog
    deny exec
}
app banned-content {
    sha256 $DIGEST
    deny exec
}
EOF2
	out="$T_DIR/load.out"
	bg "$APPBAN" load "$T_DIR/p.policy" >"$out" 2>"$T_DIR/load.err"
	pid=$BG_PID
	wait_until 30 grep -q 'loaded: enforce mode' "$out" || { fail "no summary line: $(_short "$(cat "$out" "$T_DIR/load.err")")"; return 1; }
	# in force while the walk goes on
	_running "$pid" || { fail "load had ended (scan of $size done) before the check: make the planted file larger"; return 1; }
	assert_not_contains "$(<"$out")" "content scan done" "scan still running" || return 1
	assert_blocked "$prog" || return 1
	wait "$pid"
	assert_eq "$?" 0 "load exit status" || return 1
	assert_match "$(sed -n 2p "$out")" '^appban: content scan done in [0-9.]+ s: 1 file' "the last line: the scan ended, the copy found" || return 1
	assert_blocked "$T_DIR/roots/copy" || return 1
}

# Issue 15 item 4: a user's private mount (a tmpfs in a mount namespace of
# its own, made without root) is no file system appban watches: the kernel
# reports the start of a file whose digest it does not know, run hashes it
# through /proc/PID/exe and ends it (or, with kernel hashing, the exec is
# refused); the digest is remembered, and the next start is stopped in the
# kernel.
test_content_private_mount_of_a_user_blocked()
{
	local sleeper digest out rc
	_sleeper_setup "$T_DIR/none" || return 1
	mkdir -p "$T_DIR/none" "$T_DIR/ns"
	chmod 0755 "$T_DIR" "$T_DIR/orig"
	chmod 0644 "$sleeper"
	chmod 0777 "$T_DIR/ns"
	run_start "$T_DIR/p.policy" || return 1
	out=$(setpriv --reuid 42001 --regid 42001 --clear-groups -- unshare -Urm sh -c '
mount -t tmpfs private "$1" || exit 90
cp "$2" "$1/copy" && chmod 0755 "$1/copy" || exit 91
"$1/copy" 30
echo "first start: $?"
"$1/copy" 30
echo "second start: $?"
' sh "$T_DIR/ns" "$sleeper" 2>&1)
	rc=$?
	echo "# private mount: rc=$rc"
	sed 's/^/#   /' <<<"$out"
	assert_eq "$rc" 0 "the user's shell in its namespace" || return 1
	if [ "$(status_get content_hashing)" = kernel ]; then
		assert_contains "$out" "first start: 126" "first start (kernel hashing: refused)" || return 1
	else
		assert_contains "$out" "first start: 137" "first start (killed by run)" || return 1
		wait_event "$RUN_OUT" event.action=exec-blocked appban.match=sha256 \
			appban.method=sigkill "process.hash.sha256=$digest" || return 1
	fi
	# the digest is remembered: the next start is stopped in the kernel
	assert_match "$out" "second start: (126|137)" "second start" || return 1
}

# Issue 15 item 5: a huge executable any user can plant (a sparse file of
# 64 GB) is started while run streams: it is hashed apart, so a banned
# start right after is stopped at once and events keep coming; the hash is
# given up when the huge program ends.
test_content_huge_start_holds_back_nothing()
{
	local sleeper digest huge size=64G copy
	# under TCG hashing is some 50x slower: 256 MiB is still 4 times what
	# run hashes inline (64 MiB)
	[ "${APPBAN_VM:-0}" = 1 ] && size=256M
	_sleeper_setup "$T_DIR/none" || return 1
	mkdir -p "$T_DIR/none" "$T_DIR/other"
	huge=$(copy_bin "$(command -v sleep)" "$T_DIR/other")
	truncate -s "$size" "$huge" || { fail "truncate $huge"; return 1; }
	copy="$T_DIR/other/copy"
	cp "$sleeper" "$copy"
	run_start "$T_DIR/p.policy" || return 1
	# (with kernel hashing, the huge start waits for its own hash alone)
	bg "$huge" 60
	sleep 1
	spawn "$copy" 30 || return 1
	if [ "$(status_get content_hashing)" = kernel ]; then
		assert_eq "$SP_RESULT" "$(blocked_result)" "banned start beside a huge one" || return 1
	else
		assert_eq "$SP_RESULT" signal:9 "banned start beside a huge one" || return 1
		wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" \
			"process.hash.sha256=$digest" || return 1
	fi
	stop_pid "$BG_PID" KILL
}

# Issue 15 item 5: a huge executable any user can plant in a scan root (a
# sparse file of 64 GB) made run's walk last for minutes, and a new policy
# (SIGHUP) waited for the walk. The walk now stops for a new policy, which
# is in force at once and walks again from the digest cache.
test_content_planted_file_holds_back_no_reload()
{
	local sleeper digest huge other
	_sleeper_setup "$T_DIR/root" || return 1
	mkdir -p "$T_DIR/root"
	huge=$(copy_bin "$(command -v sleep)" "$T_DIR/root" planted)
	truncate -s 64G "$huge" || { fail "truncate $huge"; return 1; }
	other=$(make_echo "$T_DIR/bin" "$(uniq_name)")
	run_start "$T_DIR/p.policy" || return 1
	# the walk is hashing the planted file (tens of seconds on the host,
	# hours under TCG): its summary line has not come
	sleep 1
	_running "$RUN_PID" || { fail "run exited"; return 1; }
	assert_not_contains "$(<"$RUN_ERR")" "content scan done" "the walk's end" || return 1
	assert_runs "$other" hello || return 1
	write_policy "$T_DIR/p.policy" <<EOF2
app banned-content {
    sha256 $digest
    deny exec
}
app banned-other {
    path $other
    deny exec
}
EOF2
	kill -HUP "$RUN_PID"
	# in force within seconds, not after the planted file's hash
	wait_until 10 _blocked_now_other ||
		{ fail "the new policy was not in force 10 s after SIGHUP: $(_short "$(<"$RUN_ERR")")"; return 1; }
	assert_blocked "$other" || return 1
	assert_contains "$(<"$RUN_ERR")" "content scan stopped after" "the walk stopped for the new policy" || return 1
}

_blocked_now_other()
{
	spawn "$other" hello >/dev/null
	[ "$SP_RESULT" != exit:0 ]
}

# _in_digest_cache FILE: the kernel's digest cache holds FILE's inode. The
# pin is opened read-only through bpf(2) (not bpftool, whose map commands
# open it read-write: the lsm engine's tamper guard refuses that, and this
# runs on the lsm engine where the kernel cannot hash, as on 5.10)
_in_digest_cache()
{
	python3 - "$1" <<'PY'
import ctypes, os, platform, struct, sys
st = os.stat(sys.argv[1])
dev = (os.major(st.st_dev) << 20) | os.minor(st.st_dev)
key = ctypes.create_string_buffer(struct.pack("<IIQ", dev, 0, st.st_ino))
val = ctypes.create_string_buffer(256)
libc = ctypes.CDLL(None, use_errno=True)
nr = {"x86_64": 321, "aarch64": 280}[platform.machine()]
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr + bytes(144 - len(attr)))
    return libc.syscall(nr, cmd, buf, 144)
path = ctypes.create_string_buffer(b"/sys/fs/bpf/appban/appban_digest_cache")
# BPF_OBJ_GET (7) with BPF_F_RDONLY (1 << 3)
fd = bpf(7, struct.pack("<QII", ctypes.addressof(path), 0, 1 << 3))
if fd < 0:
    sys.exit(1)
# BPF_MAP_LOOKUP_ELEM (1)
r = bpf(1, struct.pack("<IIQQQ", fd, 0, ctypes.addressof(key), ctypes.addressof(val), 0))
sys.exit(0 if r == 0 else 1)
PY
}

# _small_rule_map_run: $script, a banned script (its content banned by
# sha256), and run with a policy banning it whose rule map has room for 64
# rules added while in force (APPBAN_TEST_INODE_HEADROOM, tests only; the
# room is 4,096 otherwise); no scan root
_small_rule_map_run()
{
	local digest
	script="$T_DIR/orig.sh"
	printf '#!/bin/sh\necho "banned script ran %s"\n' "$T_ID" >"$script"
	chmod 0755 "$script"
	digest=$(sha256sum "$script" | cut -d' ' -f1)
	export APPBAN_SCAN_ROOTS=$T_DIR/none APPBAN_HASH_CACHE=$T_DIR/hashes
	write_policy "$T_DIR/p.policy" <<EOF2
app banned-content {
    sha256 $digest
    deny exec
}
EOF2
	export APPBAN_TEST_INODE_HEADROOM=64
	run_start "$T_DIR/p.policy"
}

# Issue 15 item 7: the inode rules run adds for copies of a banned content
# can fill the rule map (the policy's rules plus 4,096): the copies after
# that are still refused, through the kernel's digest cache, and run says
# once that a rule could not be added.
test_content_rule_map_full_fails_closed()
{
	local script d="$T_DIR/copies" n
	mkdir -p "$T_DIR/none" "$d"
	_small_rule_map_run || return 1
	# past the map's room; the kernel hashes at exec on the lsm engine with
	# IMA, and no rule is needed: a few copies
	n=100
	[ "$(status_get content_hashing)" != kernel ] || n=20
	python3 - "$script" "$d" "$n" <<'PY' || { fail "copies not made"; return 1; }
import os, sys
src, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
# mode first, then the bytes: the change time run binds its digest to is
# the last one (shutil.copy's chmod after the close would make the digest
# cache's entry stale, and the start would be killed after the fact)
for i in range(n):
    fd = os.open(os.path.join(d, "c%d" % i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o755)
    os.fchmod(fd, 0o755)
    os.write(fd, data)
    os.close(fd)
PY
	if [ "$(status_get content_hashing)" != kernel ]; then
		wait_until 60 grep -q "cannot add a rule for a file with a banned content" "$RUN_ERR" ||
			{ fail "run did not say that the rule map is full: $(_short "$(<"$RUN_ERR")")"; return 1; }
		# the last copy, which has no rule, once run has hashed it (a
		# start before that is the window of a file just written)
		wait_until 120 _in_digest_cache "$d/c$((n - 1))" ||
			{ fail "$d/c$((n - 1)) never reached the kernel's digest cache"; return 1; }
	fi
	assert_blocked "$d/c$((n - 1))" || return 1
	assert_blocked "$d/c0" || return 1
}

# _copies SRC DIR FIRST N: N copies of SRC in DIR, named cFIRST..., their mode
# set before their bytes (run binds a digest to the last change time)
_copies()
{
	python3 - "$@" <<'PY'
import os, sys
src, d, first, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = open(src, "rb").read()
for i in range(first, first + n):
    fd = os.open(os.path.join(d, "c%d" % i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o755)
    os.fchmod(fd, 0o755)
    os.write(fd, data)
    os.close(fd)
PY
}

_inode_rules_are()
{
	[ "$(status_get inode_rules)" = "$1" ]
}

# Issue 15 item 7: the rules that run adds for files with a banned content
# go once the files are gone: copies made and deleted one after another
# never fill the rule map (before: the map stayed full for as long as run
# ran, and only the kernel's digest cache, 32,768 entries, was left).
test_content_rules_of_deleted_files_removed()
{
	local script before
	mkdir -p "$T_DIR/none" "$T_DIR/a" "$T_DIR/b"
	# two file systems with handles of their own, watched from the start;
	# (tmpfs never gives a new file the number of one just deleted, so
	# the copies in b are new keys: the map is full of a's rules)
	mount -t tmpfs -o size=16m appban-test "$T_DIR/a" || { fail "cannot mount a tmpfs"; return 1; }
	mount -t tmpfs -o size=16m appban-test "$T_DIR/b" || { fail "cannot mount a tmpfs"; return 1; }
	defer "umount -l '$T_DIR/a' '$T_DIR/b' 2>/dev/null"
	_small_rule_map_run || return 1
	before=$(status_get inode_rules)
	if [ "$(status_get content_hashing)" = kernel ]; then
		# the kernel hashes at every exec (lsm engine with IMA): a copy
		# is refused by its content whatever the rule map holds (run's
		# rules for written files are not needed; the sweep is the same
		# user-space code, tested on the fallback engine)
		_copies "$script" "$T_DIR/a" 0 100 || { fail "copies not made"; return 1; }
		assert_blocked "$T_DIR/a/c99" || return 1
		return 0
	fi
	_copies "$script" "$T_DIR/a" 0 100 || { fail "copies not made"; return 1; }
	wait_until 60 grep -q "cannot add a rule for a file with a banned content" "$RUN_ERR" ||
		{ fail "the rule map never filled: $(_short "$(<"$RUN_ERR")")"; return 1; }
	# run has taken the last copy's write (it hashes them in order): none
	# of a's copies is still held open by an event run has yet to read
	# (a file deleted but open is not gone, and would get its rule then)
	wait_until 60 _in_digest_cache "$T_DIR/a/c99" ||
		{ fail "run never hashed the last copy in a"; return 1; }
	rm -f "$T_DIR"/a/c*
	# new copies: the map is full of the rules of files that are gone;
	# those go, and each new file gets its rule
	_copies "$script" "$T_DIR/b" 0 10 || { fail "copies not made"; return 1; }
	wait_until 60 _inode_rules_are $((before + 10)) ||
		{ fail "inode rules after the copies in a were deleted and 10 made in b: $(status_get inode_rules), want $((before + 10))"; return 1; }
	assert_blocked "$T_DIR/b/c9" || return 1
}

# _unhashable_src PROGRAM NAME: a copy of PROGRAM in $T_DIR/src made unique
# to this test, then 64 KiB of trailing zeros (the program is the same);
# UNH_PATH its path, UNH_DIGEST its SHA-256, UNH_FAIL_FROM where the
# fusefile helper stops serving it: a page past the last page of the
# program's own bytes, which is all an exec reads.
_unhashable_src()
{
	local size
	UNH_PATH=$(copy_bin "$1" "$T_DIR/src" "$2") || return 1
	printf 'appban-content-%s-%s' "$T_ID" "$RANDOM" >>"$UNH_PATH"
	size=$(stat -c %s "$UNH_PATH")
	UNH_FAIL_FROM=$(((size + 4095) / 4096 * 4096 + 4096))
	head -c 65536 /dev/zero >>"$UNH_PATH"
	UNH_DIGEST=$(sha256sum "$UNH_PATH" | cut -d' ' -f1)
}

# _fusefile MOUNTPOINT [SERVE_PID]: serve $UNH_PATH there as file `f`
# through the fusefile helper, whose reads past $UNH_FAIL_FROM fail (the
# kernel's IMA, hashing the whole file, gets EIO); reads by process
# SERVE_PID are all served. Unmounted at cleanup.
_fusefile()
{
	local mnt=$1 pid
	mkdir -p "$mnt"
	bg "$HELPERS/fusefile" "$mnt" "$UNH_PATH" "$UNH_FAIL_FROM" ${2:+"$2"}
	pid=$BG_PID
	T_MOUNTS+=("$mnt")
	wait_until 10 test -e "$mnt/f" ||
		{ fail "fusefile helper did not serve $mnt/f (running: $(_running "$pid" && echo yes || echo no))"; return 1; }
}

# Issue 15 item 8: a file the kernel fails to hash (IMA gets EIO from a
# FUSE server) must never run while sha256 rules could ban its content. With
# `appban load` alone (no event reader to hash it through /proc/PID/exe),
# the lsm engine refuses its exec and its executable mapping (ld.so FILE)
# with an exec-blocked record saying why (appban.reason content-unhashable);
# with a reader, the start is reported and the reader hashes and ends it as
# before; in monitor mode it runs, reported as audited. The fallback engine
# (and lsm without IMA) does not hash in the kernel: a start of a file on a
# file system nobody watches runs with `load` alone, the documented gap.
test_content_unhashable_refused_without_reader()
{
	local marker_src marker_ff sleep_src sleep_ff marker_digest interp before
	_unhashable_src "$HELPERS/marker" marker || return 1
	marker_src=$UNH_PATH marker_ff=$UNH_FAIL_FROM marker_digest=$UNH_DIGEST
	_unhashable_src "$(command -v sleep)" sleeper || return 1
	sleep_src=$UNH_PATH sleep_ff=$UNH_FAIL_FROM
	mkdir -p "$T_DIR/none"
	export APPBAN_SCAN_ROOTS=$T_DIR/none APPBAN_HASH_CACHE=$T_DIR/hashes
	write_policy "$T_DIR/p.policy" <<EOF2
app banned-content {
    sha256 $marker_digest
    sha256 $UNH_DIGEST
    deny exec
}
EOF2
	modprobe -q fuse 2>/dev/null
	[ -c /dev/fuse ] || { skip "no /dev/fuse (FUSE not in this kernel)"; return 0; }
	UNH_PATH=$marker_src UNH_FAIL_FROM=$marker_ff
	_fusefile "$T_DIR/fuse" || return 1
	load_ok "$T_DIR/p.policy" || return 1
	if [ "$(status_get content_hashing)" != kernel ]; then
		# no kernel hashing: nothing at exec knows the content
		assert_runs "$T_DIR/fuse/f" || return 1
		return 0
	fi
	# refused, the program's code never ran; through the dynamic loader too
	assert_blocked "$T_DIR/fuse/f" || return 1
	interp=$(elf_interp "$marker_src")
	if [ -x "$interp" ]; then
		before=$(marker_runs "$T_DIR/fuse/f")
		spawn "$interp" "$T_DIR/fuse/f" || return 1
		assert_match "$SP_RESULT" '^exit:[1-9][0-9]*$' "$interp fuse/f" || return 1
		assert_eq "$(marker_runs "$T_DIR/fuse/f")" "$before" "runs through $interp" ||
			return 1
	fi
	assert_ge "$(status_get counters.exec_blocked)" 1 "exec_blocked counter" || return 1
	# the records wait in the ring for the next reader
	run_start || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked appban.reason=content-unhashable \
		rule.name=content-unhashable appban.match=sha256 appban.hook=exec \
		appban.method=eperm "process.executable=$T_DIR/fuse/f" || return 1
	if [ -x "$interp" ]; then
		wait_event "$RUN_OUT" event.action=exec-blocked appban.reason=content-unhashable \
			appban.hook=mmap || return 1
	fi
	assert_events_valid "$RUN_OUT" || return 1
	# a reader that adopted the policy knows none of its digests: still
	# refused in the kernel
	assert_blocked "$T_DIR/fuse/f" || return 1
	run_stop
	# a reader that put the policy in force: reported to it, which hashes
	# the file (the helper serves its reads) and ends the process, as before
	run_start "$T_DIR/p.policy" || return 1
	UNH_PATH=$sleep_src UNH_FAIL_FROM=$sleep_ff
	_fusefile "$T_DIR/fuse2" "$RUN_PID" || return 1
	spawn "$T_DIR/fuse2/f" 30 || return 1
	assert_match "$SP_RESULT" '^(signal:9|errno:EPERM)$' "start of fuse2/f under run" ||
		return 1
	assert_eq "$(ev_count "$RUN_OUT" appban.reason=content-unhashable \
		"process.executable=$T_DIR/fuse2/f")" 0 "content-unhashable records of fuse2/f" ||
		return 1
	# that reader killed (its policy stays in force): nobody will hash a
	# file the kernel cannot (fuse/f, never hashed by a reader), and the
	# kernel refuses it again instead of leaving it to the dead reader
	stop_pid "$RUN_PID" KILL
	assert_blocked "$T_DIR/fuse/f" || return 1
	# monitor mode: it runs, reported as audited
	load_ok --monitor "$T_DIR/p.policy" || return 1
	before=$(marker_runs "$T_DIR/fuse/f")
	assert_runs "$T_DIR/fuse/f" || return 1
	assert_eq "$(marker_runs "$T_DIR/fuse/f")" $((before + 1)) "runs of fuse/f, monitor mode" ||
		return 1
	run_start || return 1
	wait_event "$RUN_OUT" event.action=exec-audited appban.reason=content-unhashable \
		"process.executable=$T_DIR/fuse/f" || return 1
	run_stop
}
