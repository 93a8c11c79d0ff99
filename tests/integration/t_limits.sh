# SPDX-License-Identifier: GPL-2.0
# Limits a real blocklist needs (docs/policy.md, "Limits"): a policy of
# 65,536 apps (one per banned binary, as a list imported from another tool
# has) loads, and swaps with a small one both ways; the kernel maps of each
# generation are made at the size of its policy.

# _big_policy FILE N MARKER_NAME: N apps, each banning one base name; the
# last bans MARKER_NAME
_big_policy()
{
	python3 - "$1" "$2" "$3" "$T_ID" <<'PY'
import sys
f, n, last, tid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(f, "w") as out:
    out.write("policy big-%s\n" % tid)
    for i in range(n - 1):
        out.write("app a%d {\n    name absent-%s-%d\n    deny exec\n}\n" % (i, tid, i))
    out.write("app last {\n    name %s\n    deny exec\n}\n" % last)
PY
}

test_limits_65536_apps_load_and_swap()
{
	local prog n=65536 small
	prog=$(make_marker "$T_DIR/bin")
	_big_policy "$T_DIR/big.policy" "$n" "$(basename "$prog")"
	small=$(make_marker "$T_DIR/small")
	write_policy "$T_DIR/small.policy" <<EOF2
app small {
    path $small
    deny exec
}
EOF2
	load_ok "$T_DIR/big.policy" || return 1
	assert_contains "$AB_OUT" "$n apps" "summary" || return 1
	assert_blocked "$prog" || return 1
	ab check --json "$prog"
	assert_fields "$AB_OUT" matched=true app=last identifier=name || return 1
	# down to one app, and up again: each generation at its own size
	load_ok "$T_DIR/small.policy" || return 1
	assert_runs "$prog" || return 1
	assert_blocked "$small" || return 1
	load_ok "$T_DIR/big.policy" || return 1
	assert_blocked "$prog" || return 1
	assert_runs "$small" || return 1
}

# Past a limit: an error naming it, and nothing changed.
test_limits_past_the_limit_is_an_error()
{
	local prog
	prog=$(make_marker "$T_DIR/bin")
	write_policy "$T_DIR/p.policy" <<EOF2
app banned {
    path $prog
    deny exec
}
EOF2
	load_ok "$T_DIR/p.policy" || return 1
	python3 - "$T_DIR/huge.policy" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    for i in range((1 << 20) + 1):
        out.write("app a%d {\n    name n%d\n    audit\n}\n" % (i, i))
PY
	ab load "$T_DIR/huge.policy"
	assert_eq "$AB_RC" 1 "load of a policy past the app limit" || return 1
	assert_match "$AB_ERR" "huge\.policy:[0-9]+:[0-9]+: error: more than 1048576 apps" "the limit named" || return 1
	assert_blocked "$prog" || return 1
}
