# SPDX-License-Identifier: GPL-2.0
# A new policy replaces the one in force atomically: the old bans go, the new
# ones come, and at no instant is neither enforced (starts of a copy banned
# by both are all stopped while the two are swapped many times).

# kv KEY LINE: the value of KEY=VALUE in a line of the flood helper
kv()
{
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"
}

test_swap_replaces_policy()
{
	local x y name
	x=$(make_marker "$T_DIR/x")
	name=$(uniq_name)
	y=$(make_marker "$T_DIR/y" "$name")
	write_policy "$T_DIR/a.policy" <<EOF
policy swap-a-$T_ID
serial 1
app ax {
    path $x
    deny exec
}
EOF
	write_policy "$T_DIR/b.policy" <<EOF
policy swap-b-$T_ID
serial 2
app by {
    name $name
    deny exec
}
app bz {
    dir $T_DIR/z
    deny network
}
EOF
	load_ok "$T_DIR/a.policy" || return 1
	assert_blocked "$x" || return 1
	assert_runs "$y" || return 1
	load_ok "$T_DIR/b.policy" || return 1
	assert_runs "$x" || return 1
	assert_blocked "$y" || return 1
	local st
	st=$(status_json)
	assert_fields "$st" \
		"policy.name=swap-b-$T_ID" \
		"policy.serial=2" \
		"apps=2" \
		"identifiers.path=0" \
		"identifiers.name=1" \
		"identifiers.dir=1" || return 1
	# and back
	load_ok "$T_DIR/a.policy" || return 1
	assert_blocked "$x" || return 1
	assert_runs "$y" || return 1
	assert_field "$(status_json)" policy.name "swap-a-$T_ID" || return 1
	# A third policy goes where b was: b's rules were deleted (and that
	# generation marked clean, so this write does not look for leftovers),
	# and a's are deleted once this one is in force.
	# (by name too: a rule of b left over would point at its app)
	write_policy "$T_DIR/c.policy" <<EOF
policy swap-c-$T_ID
serial 3
app cz {
    name $(uniq_name)
    deny exec
}
EOF
	load_ok "$T_DIR/c.policy" || return 1
	assert_runs "$x" || return 1
	assert_runs "$y" || return 1
	assert_field "$(status_json)" policy.name "swap-c-$T_ID" || return 1
}

test_swap_under_load_no_gap()
{
	local prog name loads i p res attempts ran other t0 t1
	name=$(uniq_name)
	prog=$(make_marker "$T_DIR/bin" "$name")
	# three policies that all ban the copy, each by another identifier
	write_policy "$T_DIR/0.policy" <<EOF
policy by-path-$T_ID
serial 1
app banned-by-path {
    path $prog
    deny exec
}
EOF
	write_policy "$T_DIR/1.policy" <<EOF
policy by-name-$T_ID
serial 2
app banned-by-name {
    name $name
    deny exec
}
app unrelated {
    name $name-unrelated
    deny network
}
EOF
	write_policy "$T_DIR/2.policy" <<EOF
policy by-dir-$T_ID
serial 3
app banned-by-dir {
    dir $T_DIR/bin
    deny exec
}
EOF
	loads=30
	[ "${APPBAN_VM:-0}" = 1 ] && loads=9
	load_ok "$T_DIR/0.policy" || return 1
	assert_blocked "$prog" || return 1
	# two starts at a time, without pause, until the stop file appears
	"$HELPERS/flood" -n 100000000 -j 2 -s "$T_DIR/stop" "$prog" >"$T_DIR/flood.out" 2>"$T_DIR/flood.err" &
	local fpid=$!
	T_BG_PIDS+=("$fpid")
	sleep 0.2
	t0=$(date +%s%3N)
	for ((i = 1; i <= loads; i++)); do
		p=$((i % 3))
		ab load "$T_DIR/$p.policy" >/dev/null
		[ "$AB_RC" = 0 ] || { touch "$T_DIR/stop"; fail "load $i ($p.policy) exited $AB_RC: $(_short "$AB_ERR")"; return 1; }
		assert_match "$(status_get policy.name)" "^by-.*-$T_ID\$" "policy in force after load $i" || { touch "$T_DIR/stop"; return 1; }
	done
	t1=$(date +%s%3N)
	sleep 0.2
	touch "$T_DIR/stop"
	wait "$fpid"
	res=$(cat "$T_DIR/flood.out")
	log "$loads loads in $((t1 - t0)) ms; flood: $res"
	attempts=$(kv attempts "$res")
	ran=$(kv ran "$res")
	other=$(kv other "$res")
	assert_nonempty "$attempts" "flood result ($(_short "$(cat "$T_DIR/flood.err")"))" || return 1
	assert_eq "$ran" 0 "starts of the banned copy that ran during $loads swaps" || return 1
	assert_eq "$other" 0 "starts that ended neither blocked nor run" || return 1
	assert_eq "$(marker_runs "$prog")" 0 "marker lines of the banned copy" || return 1
	assert_ge "$attempts" "$loads" "starts during the swaps" || return 1
	engine_refresh || return 1
	case "$ENGINE" in
	fallback) assert_eq "$(kv killed "$res")" "$attempts" "starts stopped by SIGKILL" || return 1 ;;
	lsm) assert_eq "$(kv eperm "$res")" "$attempts" "starts refused with EPERM" || return 1 ;;
	esac
}

test_swap_under_load_network_no_gap()
{
	# the same for a network ban: a banned copy keeps trying while policies swap
	local nb name i loads p fails=0 tries=0
	name=$(uniq_name)
	nb=$(make_nettest "$T_DIR/bin" "$name")
	write_policy "$T_DIR/0.policy" <<EOF
app n {
    path $nb
    deny network
}
EOF
	write_policy "$T_DIR/1.policy" <<EOF
app n {
    name $name
    deny network
}
EOF
	loads=20
	[ "${APPBAN_VM:-0}" = 1 ] && loads=6
	load_ok "$T_DIR/0.policy" || return 1
	(
		while [ ! -e "$T_DIR/stop" ]; do
			"$nb" socket inet udp >/dev/null 2>&1
			echo $?
		done >"$T_DIR/net.rcs"
	) &
	local lpid=$!
	T_BG_PIDS+=("$lpid")
	for ((i = 1; i <= loads; i++)); do
		p=$((i % 2))
		ab load "$T_DIR/$p.policy" >/dev/null
		[ "$AB_RC" = 0 ] || { touch "$T_DIR/stop"; fail "load $i exited $AB_RC"; return 1; }
	done
	touch "$T_DIR/stop"
	wait "$lpid"
	tries=$(wc -l <"$T_DIR/net.rcs")
	fails=$(grep -vc '^1$' "$T_DIR/net.rcs")
	log "$tries socket() tries during $loads loads; $fails not refused with EPERM"
	assert_gt "$tries" 0 "socket() tries during the swaps" || return 1
	assert_eq "$fails" 0 "tries not refused with EPERM (exit statuses: $(sort "$T_DIR/net.rcs" | uniq -c | tr '\n' ' '))" || return 1
}
