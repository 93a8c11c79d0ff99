# SPDX-License-Identifier: GPL-2.0
# `flatpak APPID` and `snap NAME` (issue 4, item 2) on fake but structurally
# faithful layouts built under $T_DIR/root (APPBAN_SYSROOT): the real tools
# need the network. Flatpak: every installation (system, configured, per
# user), run directly or through a bind mount at /app as `flatpak run` does;
# Snap: the app below a revision mounted on /snap/NAME/REV.

FP_ID=org.example.AppbanFake
SNAP=appban-fake-snap

# _flatpak_install INSTALLATION [APPID]: deploy a marker as APPID's binary in
# the installation dir (…/app/APPID/x86_64/stable/COMMIT/files/bin/APP);
# FP_FILES is the files dir, FP_BIN the binary
_flatpak_install()
{
	local inst=$1 id=${2:-$FP_ID} commit=0123456789abcdef
	local app=$inst/app/$id/x86_64/stable
	mkdir -p "$app/$commit/files/bin" "$app/$commit/export" || return 1
	ln -sfn "$commit" "$app/active"
	ln -sfn stable "$inst/app/$id/current" 2>/dev/null
	printf '[Application]\nname=%s\n' "$id" >"$app/$commit/metadata"
	FP_FILES=$app/$commit/files
	FP_BIN=$(make_marker "$FP_FILES/bin" "fake-app") || return 1
	mkdir -p "$inst/exports/bin"
	printf '#!/bin/sh\nexec flatpak run %s "$@"\n' "$id" >"$inst/exports/bin/$id"
}

_fp_policy()
{
	write_policy "$T_DIR/p.policy" <<EOF2
app fake {
    flatpak $FP_ID
    deny exec
}
EOF2
}

test_flatpak_system_install_blocked()
{
	local root=$T_DIR/root
	_flatpak_install "$root/var/lib/flatpak" || return 1
	_fp_policy
	APPBAN_SYSROOT=$root run_start "$T_DIR/p.policy" || return 1
	assert_blocked "$FP_BIN" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	assert_fields "$EVENT" appban.match=flatpak rule.name=fake || return 1
	# `flatpak run` bind-mounts the files dir at /app
	bind_mount "$FP_FILES" "$T_DIR/app" || return 1
	assert_blocked "$T_DIR/app/bin/fake-app" || return 1
}

test_flatpak_user_and_configured_installs_blocked()
{
	local root=$T_DIR/root alice bob
	_flatpak_install "$root/home/alice/.local/share/flatpak" || return 1
	alice=$FP_BIN
	_flatpak_install "$root/srv/flatpak-extra" || return 1
	bob=$FP_BIN
	mkdir -p "$root/etc/flatpak/installations.d"
	printf '[Installation "extra"]\nPath=/srv/flatpak-extra\n' \
		>"$root/etc/flatpak/installations.d/extra.conf"
	_fp_policy
	APPBAN_SYSROOT=$root load_ok "$T_DIR/p.policy" || return 1
	assert_eq "$(status_get identifiers.flatpak)" 1 "status identifiers.flatpak" || return 1
	assert_blocked "$alice" || return 1
	assert_blocked "$bob" || return 1
	ab check --json "$alice"
	assert_eq "$AB_RC" 5 "check of the per-user install" || return 1
	assert_fields "$AB_OUT" matched=true app=fake identifier=flatpak || return 1
}

test_flatpak_other_app_still_runs()
{
	local root=$T_DIR/root
	_flatpak_install "$root/var/lib/flatpak" org.example.AppbanOther || return 1
	_fp_policy
	APPBAN_SYSROOT=$root load_ok "$T_DIR/p.policy" || return 1
	assert_runs "$FP_BIN" || return 1
}

test_flatpak_installed_later_under_run()
{
	local root=$T_DIR/root
	mkdir -p "$root/var/lib/flatpak/app"
	_fp_policy
	APPBAN_SYSROOT=$root run_start "$T_DIR/p.policy" || return 1
	assert_contains "$(<"$RUN_ERR")" "not installed" "warning at load" || return 1
	_flatpak_install "$root/var/lib/flatpak" || return 1
	# run looks again every second (a margin for a slow machine)
	if [ "${APPBAN_VM:-0}" = 1 ]; then sleep 5; else sleep 1.5; fi
	assert_blocked "$FP_BIN" || return 1
}

test_snap_blocked_through_its_mount()
{
	local root=$T_DIR/root rev bin other
	rev=$root/snap/$SNAP/42
	mkdir -p "$rev" "$root/snap/bin"
	# each revision is a file system of its own (squashfs); a tmpfs here
	mount -t tmpfs -o size=16m appban-t-snap "$rev" || { fail "mount tmpfs on $rev"; return 1; }
	T_MOUNTS+=("$rev")
	ln -s 42 "$root/snap/$SNAP/current"
	bin=$(make_marker "$rev/bin" "$SNAP") || return 1
	other=$(make_marker "$root/snap/appban-other-snap/7/bin") || return 1
	write_policy "$T_DIR/p.policy" <<EOF2
app fake {
    snap $SNAP
    deny exec
}
EOF2
	APPBAN_SYSROOT=$root run_start "$T_DIR/p.policy" || return 1
	assert_blocked "$bin" || return 1
	wait_event "$RUN_OUT" event.action=exec-blocked "process.pid=$SP_PID" || return 1
	assert_fields "$EVENT" appban.match=snap rule.name=fake || return 1
	assert_blocked "$root/snap/$SNAP/current/bin/$SNAP" || return 1
	assert_runs "$other" || return 1
}
