# SPDX-License-Identifier: GPL-2.0
# Signed policies (issue 16, item 1): appban keygen, sign and verify against
# Debian's stock minisign, both ways; and load/run with trusted keys
# configured (signature, key role, anti-rollback, --unsigned).
# host-only: signatures and serials are checked in user space before the policy reaches the kernel (one code path for both engines; daemon_signed_policy_and_refusals runs in the VM)

# _sign_setup: MS (minisign, or a skip), POL (a policy in T_DIR)
_sign_setup()
{
	MS=$(type -P minisign) || skip "minisign is not installed (scripts/deps.sh test installs it)"
	POL=$T_DIR/f.policy
	write_policy "$POL" <<EOF2
policy "signed-$T_ID"
serial 2026112401
app banned {
    name $(uniq_name)
    deny exec
}
EOF2
}

# _ms ARGS...: run minisign; MS_RC, MS_OUT (standard output and error)
_ms()
{
	MS_OUT=$("$MS" "$@" 2>&1 </dev/null)
	MS_RC=$?
	echo "# minisign $* -> $MS_RC: $(_short "$MS_OUT")"
}

# _key_id PUB: the key id in the comment of a public key file
_key_id()
{
	sed -n '1s/^untrusted comment: minisign public key //p' "$1"
}

# _flip FILE OFFSET: change one byte of FILE (its lowest bit)
_flip()
{
	"$PYTHON" - "$1" "$2" <<'EOF2'
import sys
path, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(path, "rb").read())
b[off] ^= 1
open(path, "wb").write(b)
EOF2
}

# kernel-free: keygen, sign and verify (appban's and minisign's) on files only
test_sign_minisign_key_appban_verify()
{
	local id
	_sign_setup
	_ms -G -W -p "$T_DIR/x.pub" -s "$T_DIR/x.key"
	assert_eq "$MS_RC" 0 "minisign -G" || return 1
	_ms -S -s "$T_DIR/x.key" -m "$POL"
	assert_eq "$MS_RC" 0 "minisign -S" || return 1
	id=$(_key_id "$T_DIR/x.pub")
	# (minisign prints it without leading zeros: one key in 16 has fewer digits)
	assert_match "$id" '^[0-9A-F]{1,16}$' "key id of x.pub" || return 1
	id=$(printf '%16s' "$id" | tr ' ' 0) # appban prints all 16 digits

	ab verify --key "$T_DIR/x.pub" "$POL"
	assert_eq "$AB_RC" 0 "verify of minisign's signature" || return 1
	assert_contains "$AB_OUT" "$POL: good: policy signed-$T_ID serial 2026112401" "verify output" || return 1
	assert_contains "$AB_OUT" "signed with key $id (role base)" "key id and role" || return 1
	assert_contains "$AB_OUT" "trusted comment: timestamp:" "trusted comment" || return 1
	assert_contains "$AB_OUT" "	file:f.policy	hashed" "minisign's default comment" || return 1
	assert_empty "$AB_ERR" "verify's messages" || return 1

	# the key alone, as minisign -P takes it
	ab verify --key "$(sed -n 2p "$T_DIR/x.pub")" "$POL"
	assert_eq "$AB_RC" 0 "verify with the bare key" || return 1

	# appban signs with minisign's secret key too
	ab sign -k "$T_DIR/x.key" "$POL"
	assert_eq "$AB_RC" 0 "appban sign with minisign's key" || return 1
	_ms -V -p "$T_DIR/x.pub" -m "$POL"
	assert_eq "$MS_RC" 0 "minisign -V" || return 1
}

# kernel-free: keygen, sign and verify (appban's and minisign's) on files only
test_sign_appban_key_minisign_verify()
{
	local id
	_sign_setup
	ab keygen -o "$T_DIR/k"
	assert_eq "$AB_RC" 0 "keygen" || return 1
	assert_eq "$(stat -c %a "$T_DIR/k")" 600 "mode of the secret key" || return 1
	assert_file "$T_DIR/k.pub" || return 1
	id=$(_key_id "$T_DIR/k.pub")
	assert_match "$id" '^[0-9A-F]{16}$' "key id of k.pub" || return 1
	assert_contains "$AB_OUT" "key id $id" "keygen output" || return 1

	ab sign -k "$T_DIR/k" "$POL"
	assert_eq "$AB_RC" 0 "sign" || return 1
	assert_contains "$AB_OUT" "$POL.minisig written (key id $id)" "sign output" || return 1
	_ms -V -p "$T_DIR/k.pub" -m "$POL"
	assert_eq "$MS_RC" 0 "minisign -V of appban's signature" || return 1
	assert_contains "$MS_OUT" "Trusted comment: timestamp:" "minisign's output" || return 1
	assert_contains "$MS_OUT" "	file:f.policy	hashed" "trusted comment" || return 1
	# -H: minisign wants it prehashed, and it is
	_ms -V -H -p "$T_DIR/k.pub" -m "$POL"
	assert_eq "$MS_RC" 0 "minisign -V -H" || return 1

	# minisign signs with appban's secret key; appban verifies that
	_ms -S -s "$T_DIR/k" -m "$POL" -t "signed by minisign"
	assert_eq "$MS_RC" 0 "minisign -S with appban's key" || return 1
	ab verify --key "$T_DIR/k.pub" "$POL"
	assert_eq "$AB_RC" 0 "verify" || return 1
	assert_contains "$AB_OUT" "trusted comment: signed by minisign" "comment" || return 1
}

# kernel-free: keygen, sign and verify (appban's and minisign's) on files only
test_sign_tampered_policy_refused_both_ways()
{
	_sign_setup
	_ms -G -W -p "$T_DIR/x.pub" -s "$T_DIR/x.key"
	ab keygen -o "$T_DIR/k"

	# appban's signature, a byte of the policy changed: serial ...01 -> ...00
	ab sign -k "$T_DIR/k" "$POL"
	assert_eq "$AB_RC" 0 "sign" || return 1
	cp "$POL" "$T_DIR/orig.policy"
	_flip "$POL" "$(grep -bo '2026112401' "$POL" | cut -d: -f1 | awk '{ print $1 + 9 }')"
	assert_contains "$(cat "$POL")" "serial 2026112400" "the changed byte" || return 1
	_ms -V -p "$T_DIR/k.pub" -m "$POL"
	assert_eq "$MS_RC" 1 "minisign -V of a changed policy" || return 1
	ab verify --key "$T_DIR/k.pub" "$POL"
	assert_eq "$AB_RC" 1 "verify of a changed policy" || return 1
	assert_contains "$AB_ERR" "$POL: the signature does not match the file ($POL.minisig)" "message" || return 1
	assert_not_contains "$AB_OUT" "good" "output" || return 1

	# minisign's signature, the same change
	cp "$T_DIR/orig.policy" "$POL"
	_ms -S -s "$T_DIR/x.key" -m "$POL"
	ab verify --key "$T_DIR/x.pub" "$POL"
	assert_eq "$AB_RC" 0 "verify before the change" || return 1
	printf '# a comment after signing\n' >>"$POL"
	ab verify --key "$T_DIR/x.pub" "$POL"
	assert_eq "$AB_RC" 1 "verify of a policy with a line added" || return 1
	assert_contains "$AB_ERR" "does not match the file" "message" || return 1

	# the trusted comment changed: both refuse
	cp "$T_DIR/orig.policy" "$POL"
	ab sign -k "$T_DIR/k" "$POL"
	sed -i '3s/hashed$/hashed extra/' "$POL.minisig"
	_ms -V -p "$T_DIR/k.pub" -m "$POL"
	assert_eq "$MS_RC" 1 "minisign -V of a changed trusted comment" || return 1
	ab verify --key "$T_DIR/k.pub" "$POL"
	assert_eq "$AB_RC" 1 "verify of a changed trusted comment" || return 1
	assert_contains "$AB_ERR" "$POL.minisig: line 3: the trusted comment does not match its signature" "message" || return 1
}

# kernel-free: keygen, sign and verify (appban's and minisign's) on files only
test_sign_legacy_signature_verifies()
{
	_sign_setup
	_ms -G -W -p "$T_DIR/x.pub" -s "$T_DIR/x.key"
	_ms -S -l -s "$T_DIR/x.key" -m "$POL"
	assert_eq "$MS_RC" 0 "minisign -S -l" || return 1
	# the legacy form: "Ed" in base64 is RW (prehashed "ED": RU)
	assert_match "$(sed -n 2p "$POL.minisig")" '^RW' "signature algorithm" || return 1
	ab verify --key "$T_DIR/x.pub" "$POL"
	assert_eq "$AB_RC" 0 "verify of a legacy signature" || return 1
	assert_contains "$AB_OUT" "good: policy signed-$T_ID" "output" || return 1
	printf ' ' >>"$POL"
	ab verify --key "$T_DIR/x.pub" "$POL"
	assert_eq "$AB_RC" 1 "verify of a changed policy, legacy signature" || return 1
	assert_contains "$AB_ERR" "does not match the file" "message" || return 1
}

# kernel-free: keygen, sign and verify (appban's and minisign's) on files only
test_sign_wrong_key_names_the_file()
{
	local signer other
	_sign_setup
	ab keygen -o "$T_DIR/a"
	ab keygen -o "$T_DIR/b"
	signer=$(_key_id "$T_DIR/a.pub")
	other=$(_key_id "$T_DIR/b.pub")
	ab sign -k "$T_DIR/a" "$POL"
	ab verify --key "$T_DIR/b.pub" "$POL"
	assert_eq "$AB_RC" 1 "verify with another key" || return 1
	assert_contains "$AB_ERR" "signature made with key $signer, not with key $other ($POL.minisig)" "message" || return 1
	_ms -V -p "$T_DIR/b.pub" -m "$POL"
	assert_eq "$MS_RC" 1 "minisign -V with another key" || return 1

	# a file that is no key at all
	ab verify --key "$POL" "$POL"
	assert_eq "$AB_RC" 1 "verify with a policy as the key" || return 1
	assert_contains "$AB_ERR" "$POL: line 1: not a minisign public key" "message" || return 1
	# the secret key given as the public one
	ab verify --key "$T_DIR/a" "$POL"
	assert_eq "$AB_RC" 1 "verify with a secret key as --key" || return 1
	assert_contains "$AB_ERR" "$T_DIR/a: line 2: not a minisign public key (158 bytes, not 42)" "message" || return 1
}

# kernel-free: keygen, sign and verify (appban's and minisign's) on files only
test_sign_unsigned_and_without_key()
{
	local bad=$T_DIR/bad.policy
	_sign_setup
	ab keygen -o "$T_DIR/k"
	ab verify --key "$T_DIR/k.pub" "$POL"
	assert_eq "$AB_RC" 1 "verify --key of an unsigned policy" || return 1
	assert_contains "$AB_ERR" "$POL: not signed: $POL.minisig does not exist" "message" || return 1

	# no key: the compile decides; the signature is said not checked
	ab verify "$POL"
	assert_eq "$AB_RC" 0 "verify without a key" || return 1
	assert_contains "$AB_OUT" "not signed; no trusted key configured" "output" || return 1
	ab sign -k "$T_DIR/k" "$POL"
	ab verify "$POL"
	assert_eq "$AB_RC" 0 "verify without a key, signed" || return 1
	assert_contains "$AB_OUT" "signed with key $(_key_id "$T_DIR/k.pub"), NOT CHECKED: no trusted key configured" "output" || return 1
	printf 'junk\n' >"$POL.minisig"
	ab verify "$POL"
	assert_eq "$AB_RC" 1 "verify without a key, a broken signature file" || return 1
	assert_contains "$AB_ERR" "$POL.minisig: ends early" "message" || return 1

	# a policy with an error, well signed: its errors as load prints them
	printf 'policy "x"\nserial nine\n' >"$bad"
	ab sign -k "$T_DIR/k" "$bad"
	ab verify --key "$T_DIR/k.pub" "$bad" "$POL"
	assert_eq "$AB_RC" 1 "verify of a bad policy and a good one" || return 1
	assert_contains "$AB_ERR" "$bad:2:8: error: serial must be" "compile error" || return 1
	assert_contains "$AB_ERR" "appban: $bad: 2 error(s)" "error count" || return 1
	assert_not_contains "$AB_OUT" "$bad: good" "output for the bad policy" || return 1
	ab sign -k "$T_DIR/k" "$POL"
	ab verify --key "$T_DIR/k.pub" "$bad" "$POL"
	assert_contains "$AB_OUT" "$POL: good" "the good policy among them" || return 1
}

# kernel-free: keygen, sign and verify (appban's and minisign's) on files only
test_sign_keygen_never_overwrites()
{
	local before
	_sign_setup
	ab keygen -o "$T_DIR/k"
	before=$(cat "$T_DIR/k" "$T_DIR/k.pub")
	ab keygen -o "$T_DIR/k"
	assert_eq "$AB_RC" 1 "second keygen" || return 1
	assert_contains "$AB_ERR" "$T_DIR/k exists: not replaced" "message" || return 1
	assert_eq "$(cat "$T_DIR/k" "$T_DIR/k.pub")" "$before" "key pair after a refused keygen" || return 1
	ab keygen --force -o "$T_DIR/k"
	assert_eq "$AB_RC" 0 "keygen --force" || return 1
	assert_ne "$(cat "$T_DIR/k" "$T_DIR/k.pub")" "$before" "key pair after keygen --force" || return 1
	assert_eq "$(stat -c %a "$T_DIR/k")" 600 "mode of the replaced secret key" || return 1
	# usage
	ab keygen
	assert_eq "$AB_RC" 2 "keygen without -o" || return 1
	ab sign "$POL"
	assert_eq "$AB_RC" 2 "sign without -k" || return 1
	ab verify
	assert_eq "$AB_RC" 2 "verify without a policy" || return 1
}

# An encrypted key of minisign (scrypt at 1 GiB): the password comes from
# standard input, as minisign reads it.
# kernel-free: keygen, sign and verify (appban's and minisign's) on files only
test_sign_encrypted_minisign_key()
{
	_sign_setup
	# TCG runs 1 GiB of scrypt for minutes, in a guest of 2 GiB
	[ "${APPBAN_VM:-0}" = 1 ] && skip "scrypt at 1 GiB is too slow in the emulated VM"
	printf 'pass word\npass word\n' | "$MS" -G -p "$T_DIR/e.pub" -s "$T_DIR/e.key" >/dev/null 2>&1 ||
		{ fail "minisign -G with a password failed"; return 1; }
	assert_match "$(sed -n 2p "$T_DIR/e.key")" '^RWRTY0Iy' "an encrypted (Sc) key" || return 1
	"$APPBAN" sign -k "$T_DIR/e.key" "$POL" <<<"pass word" >"$T_DIR/out" 2>&1
	assert_eq "$?" 0 "sign with the password" || return 1
	_ms -V -p "$T_DIR/e.pub" -m "$POL"
	assert_eq "$MS_RC" 0 "minisign -V" || return 1
	"$APPBAN" sign -k "$T_DIR/e.key" "$POL" <<<"wrong" >"$T_DIR/out" 2>&1
	assert_eq "$?" 1 "sign with a wrong password" || return 1
	assert_contains "$(cat "$T_DIR/out")" "$T_DIR/e.key: wrong password" "message" || return 1
	"$APPBAN" sign -k "$T_DIR/e.key" "$POL" </dev/null >"$T_DIR/out" 2>&1
	assert_eq "$?" 1 "sign without a password" || return 1
	assert_contains "$(cat "$T_DIR/out")" "no password came" "message" || return 1
}

# _trust_setup: keys B (base) and X (exceptions) in T_DIR, a configuration
# naming them ($TCONF, state directory in T_DIR), and $BIN, a banned copy
_trust_setup()
{
	ab keygen -o "$T_DIR/B" || return 1
	ab keygen -o "$T_DIR/X" || return 1
	TCONF=$T_DIR/appban.conf
	cat >"$TCONF" <<EOF2
state-dir $T_DIR/state
key $T_DIR/B.pub base
key $T_DIR/X.pub exceptions
EOF2
	BIN=$(copy_bin "$ECHO_BIN" "$T_DIR/bin" "$(uniq_name)")
}

# _trust_policy FILE SERIAL: a policy banning $BIN, serial SERIAL
_trust_policy()
{
	write_policy "$1" <<EOF2
policy "trust-$T_ID"
serial $2
app banned {
    path $BIN
    deny exec
}
EOF2
}

# With trusted keys configured, load puts in force only a policy signed by
# a base key: unsigned, badly signed or signed by an exceptions key, it is
# refused with the reason and nothing changes; --unsigned overrides, and
# that shows in status and in the policy-loaded record.
test_sign_load_checks_configured_keys()
{
	local p=$T_DIR/p.policy
	_trust_setup || return 1
	_trust_policy "$p" 5
	ab load --config "$TCONF" "$p"
	assert_eq "$AB_RC" 1 "load of an unsigned policy with keys configured" || return 1
	assert_contains "$AB_ERR" "$p: no signature ($p.minisig) and trusted keys are configured (keys of $TCONF); nothing changed" "message" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "nothing loaded" || return 1
	assert_runs "$BIN" hello || return 1

	# signed by the exceptions key: the wrong role
	ab sign -k "$T_DIR/X" "$p" || return 1
	ab load --config "$TCONF" "$p"
	assert_eq "$AB_RC" 1 "load of a policy signed by an exceptions key" || return 1
	assert_contains "$AB_ERR" "role exceptions, which may sign exceptions files only" "message" || return 1
	# APPBAN_CONFIG names the configuration as --config does
	APPBAN_CONFIG=$TCONF ab load "$p"
	assert_eq "$AB_RC" 1 "the same through APPBAN_CONFIG" || return 1

	# signed by the base key, then one byte changed
	ab sign -k "$T_DIR/B" "$p" || return 1
	printf '# x\n' >>"$p"
	ab load --config "$TCONF" "$p"
	assert_eq "$AB_RC" 1 "load of a policy changed after signing" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "still nothing loaded" || return 1

	# --unsigned: in force, logged, shown
	ab load --config "$TCONF" --unsigned "$p"
	assert_eq "$AB_RC" 0 "load --unsigned" || return 1
	assert_contains "$AB_ERR" "put in force anyway (--unsigned, logged)" "warning" || return 1
	engine_refresh && assert_blocked "$BIN" || return 1
	assert_eq "$(status_get policy.unsigned)" true "status policy.unsigned" || return 1
	ab status
	assert_contains "$AB_OUT" "UNSIGNED: put in force with --unsigned" "status text" || return 1
	# run adopting it: its policy-loaded record says so too
	run_start || return 1
	assert_field "$RUN_FIRST" appban.policy.unsigned true || return 1
	stop_pid "$RUN_PID" TERM
	status_read
	assert_eq "$STATUS_RC" 0 "run that adopted the policy leaves it in force" || return 1

	# a good signature: in force, and no longer marked unsigned
	_trust_policy "$p" 6
	ab sign -k "$T_DIR/B" "$p" || return 1
	ab load --config "$TCONF" "$p"
	assert_eq "$AB_RC" 0 "load of a policy signed by the base key" || return 1
	assert_eq "$(status_get policy.unsigned)" false "status policy.unsigned" || return 1
	assert_eq "$(status_get policy.serial)" 6 "serial in force" || return 1
	ab unload
}

# Anti-rollback for load: the high-water mark of the policy's name in the
# state directory (shared with the daemon) refuses an older serial and the
# same serial with other bytes, also with --unsigned (which overrides the
# signature only); the mark outlives an unload.
test_sign_load_refuses_rollback()
{
	local p=$T_DIR/p.policy old=$T_DIR/old.policy
	_trust_setup || return 1
	_trust_policy "$old" 3
	ab sign -k "$T_DIR/B" "$old" || return 1
	_trust_policy "$p" 4
	ab sign -k "$T_DIR/B" "$p" || return 1
	ab load --config "$TCONF" "$p"
	assert_eq "$AB_RC" 0 "load of serial 4" || return 1
	ab unload
	ab load --config "$TCONF" "$old"
	assert_eq "$AB_RC" 1 "load of serial 3 after 4, with an unload between" || return 1
	assert_contains "$AB_ERR" "rollback: policy trust-$T_ID serial 3 is older than the last one in force" "message" || return 1
	assert_contains "$AB_ERR" "high-water mark in $T_DIR/state is 4" "message" || return 1
	ab load --config "$TCONF" --unsigned "$old"
	assert_eq "$AB_RC" 1 "load --unsigned of serial 3" || return 1
	# serial 4 again with other bytes
	_trust_policy "$p" 4
	printf '# other bytes\n' >>"$p"
	ab sign -k "$T_DIR/B" "$p" || return 1
	ab load --config "$TCONF" "$p"
	assert_eq "$AB_RC" 1 "load of serial 4 with other bytes" || return 1
	assert_contains "$AB_ERR" "has other bytes than the file of that serial in force" "message" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "nothing loaded" || return 1
	assert_runs "$BIN" hello || return 1
}

# verify checks against the configured keys when no --key is given, and
# says the key's role.
# kernel-free: keygen, sign and verify (appban's and minisign's) on files only
test_sign_verify_with_configured_keys()
{
	local p=$T_DIR/p.policy
	_trust_setup || return 1
	_trust_policy "$p" 1
	ab sign -k "$T_DIR/X" "$p" || return 1
	ab verify --config "$TCONF" "$p"
	assert_eq "$AB_RC" 0 "verify of a policy signed by a configured key" || return 1
	assert_contains "$AB_OUT" "(role exceptions, $TCONF)" "output" || return 1
	ab keygen -o "$T_DIR/other" || return 1
	ab sign -k "$T_DIR/other" "$p" || return 1
	ab verify --config "$TCONF" "$p"
	assert_eq "$AB_RC" 1 "verify of a policy signed by an unknown key" || return 1
	assert_contains "$AB_ERR" "which is not a trusted key (keys of $TCONF)" "message" || return 1
	printf 'nonsense here\n' >"$TCONF"
	ab verify --config "$TCONF" "$p"
	assert_eq "$AB_RC" 1 "verify with a broken configuration" || return 1
	assert_match "$AB_ERR" "$TCONF:1:1: error: " "the configuration's error" || return 1
}

# libcrypto is opened when a hash or a signature needs it, not linked
# (user/util/crypto_api.h). Hidden (/dev/null over it in a private mount
# namespace: dlopen fails as when libssl3 is not installed), keygen, verify
# and a load with trusted keys fail with an error that names the library
# and its package, and nothing changes, as for run of a policy of sha256
# rules (load puts that one in force and fails at its walk); an unsigned
# policy of path rules, which needs none of it, is in force without it.
test_sign_without_libcrypto_named_not_skipped()
{
	local p=$T_DIR/p.policy nc=$T_DIR/nocrypto lib
	lib=$(ldconfig -p | awk '$1 == "libcrypto.so.3" { print $NF; exit }')
	[ -n "$lib" ] || { fail "libcrypto.so.3 is not in ld.so.cache"; return 1; }
	lib=$(readlink -f "$lib")
	_trust_setup || return 1
	_trust_policy "$p" 7
	ab sign -k "$T_DIR/B" "$p" || return 1
	cat >"$nc" <<EOF2
#!/bin/sh
exec unshare -m --propagation private -- sh -c 'mount --bind /dev/null "\$0" && exec "\$@"' "$lib" "$APPBAN" "\$@"
EOF2
	chmod +x "$nc"

	APPBAN=$nc ab keygen -o "$T_DIR/K"
	assert_eq "$AB_RC" 1 "keygen without libcrypto" || return 1
	assert_contains "$AB_ERR" "cannot open libcrypto.so.3 (" "keygen's error" || return 1
	assert_contains "$AB_ERR" "install the Debian package libssl3" "keygen's error" || return 1
	assert_eq "$(ls "$T_DIR/K" "$T_DIR/K.pub" 2>/dev/null)" "" "no key written" || return 1

	APPBAN=$nc ab verify --key "$T_DIR/B.pub" "$p"
	assert_eq "$AB_RC" 1 "verify without libcrypto" || return 1
	assert_contains "$AB_ERR" "install the Debian package libssl3" "verify's error" || return 1

	APPBAN=$nc ab load --config "$TCONF" "$p"
	assert_eq "$AB_RC" 1 "load with trusted keys without libcrypto" || return 1
	assert_contains "$AB_ERR" "install the Debian package libssl3" "load's error" || return 1
	assert_contains "$AB_ERR" "without libcrypto; nothing changed" "load's error" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "nothing loaded" || return 1
	assert_runs "$BIN" hello || return 1

	# run hashes the files its watch sees: a policy of sha256 rules is not
	# put in force without libcrypto (no file would be checked)
	write_policy "$T_DIR/c.policy" <<EOF2
policy "content-$T_ID"
app banned {
    sha256 $(sha256sum "$BIN" | cut -d' ' -f1)
    deny exec
}
EOF2
	export APPBAN_SCAN_ROOTS=$T_DIR APPBAN_HASH_CACHE=$T_DIR/hashes
	APPBAN=$nc ab run "$T_DIR/c.policy"
	assert_eq "$AB_RC" 3 "run of a sha256 policy without libcrypto" || return 1
	assert_contains "$AB_ERR" "install the Debian package libssl3" "run's error" || return 1
	assert_contains "$AB_ERR" "its sha256 rules need libcrypto; nothing changed" "run's error" || return 1
	status_read
	assert_eq "$STATUS_RC" 4 "nothing loaded after run" || return 1
	# load: in force at once (its rules from the digest cache, here none),
	# then the walk that would hash fails, and so does the load
	APPBAN=$nc ab load "$T_DIR/c.policy"
	assert_eq "$AB_RC" 3 "load of a sha256 policy without libcrypto" || return 1
	assert_contains "$AB_ERR" "install the Debian package libssl3" "load's error" || return 1
	assert_contains "$AB_ERR" "the content scan failed: " "load's error" || return 1
	status_read
	assert_eq "$STATUS_RC" 0 "the sha256 policy in force" || return 1
	ab unload

	# no trusted keys: the path ban needs no libcrypto
	APPBAN=$nc ab load "$p"
	assert_eq "$AB_RC" 0 "load of an unsigned path policy without libcrypto" || return 1
	assert_eq "$(printf '%s' "$AB_ERR" | grep -c libcrypto)" 0 "no word of libcrypto" || return 1
	engine_refresh && assert_blocked "$BIN" || return 1
	ab unload
}
