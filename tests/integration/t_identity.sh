# SPDX-License-Identifier: GPL-2.0
# How the kernel recognises a banned file whatever way it is reached: symbolic
# and hard links, renames, a new file at the banned path, bind mounts.

_ban_path_policy()
{
	write_policy "$T_DIR/p.policy" <<EOF
policy identity-$T_ID
app banned {
    path $1
    deny exec
}
EOF
}

_ban_dir_policy()
{
	write_policy "$T_DIR/p.policy" <<EOF
policy identity-$T_ID
app banned {
    dir $1
    deny exec
}
EOF
}

test_identity_symlink_to_banned()
{
	local prog
	prog=$(make_marker "$T_DIR/bin")
	mkdir -p "$T_DIR/links"
	ln -s "$prog" "$T_DIR/links/abs-link"
	ln -s "../bin/$(basename "$prog")" "$T_DIR/links/rel-link"
	ln -s "$T_DIR/links/abs-link" "$T_DIR/links/link-to-link"
	_ban_path_policy "$prog"
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$prog" || return 1
	assert_blocked "$T_DIR/links/abs-link" || return 1
	assert_blocked "$T_DIR/links/rel-link" || return 1
	assert_blocked "$T_DIR/links/link-to-link" || return 1
}

test_identity_symlink_in_policy_path()
{
	# symbolic links in a policy's path are followed when it is loaded
	local prog free
	prog=$(make_marker "$T_DIR/real")
	free=$(make_marker "$T_DIR/real")
	ln -s "$prog" "$T_DIR/file-link"
	ln -s "$T_DIR/real" "$T_DIR/dir-link"
	write_policy "$T_DIR/p.policy" <<EOF
app via-link {
    path $T_DIR/file-link
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$prog" || return 1
	assert_runs "$free" || return 1
	# a directory reached through a link in the policy
	write_policy "$T_DIR/p.policy" <<EOF
app via-dir-link {
    dir $T_DIR/dir-link
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$prog" || return 1
	assert_blocked "$free" || return 1
}

test_identity_symlink_into_banned_dir()
{
	local prog
	prog=$(make_marker "$T_DIR/banned/sub")
	mkdir -p "$T_DIR/elsewhere"
	ln -s "$prog" "$T_DIR/elsewhere/link"
	ln -s "$T_DIR/banned" "$T_DIR/elsewhere/dirlink"
	_ban_dir_policy "$T_DIR/banned"
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$T_DIR/elsewhere/link" || return 1
	assert_blocked "$T_DIR/elsewhere/dirlink/sub/$(basename "$prog")" || return 1
}

test_identity_hard_link()
{
	local prog name
	prog=$(make_marker "$T_DIR/bin")
	_ban_path_policy "$prog"
	load_ok "$T_DIR/p.policy" || return 1
	# a hard link made after the load, under another name in another directory
	mkdir -p "$T_DIR/other/dir"
	name=$(uniq_name)
	ln "$prog" "$T_DIR/other/dir/$name" || { fail "ln failed"; return 1; }
	assert_eq "$(stat -c %i "$T_DIR/other/dir/$name")" "$(stat -c %i "$prog")" "inode of the hard link" || return 1
	assert_blocked "$T_DIR/other/dir/$name" || return 1
	assert_blocked "$prog" || return 1
}

test_identity_hard_link_before_load()
{
	local prog link
	prog=$(make_marker "$T_DIR/bin")
	link="$T_DIR/links/$(uniq_name)"
	mkdir -p "$T_DIR/links"
	ln "$prog" "$link"
	_ban_path_policy "$prog"
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$link" || return 1
}

test_identity_rename()
{
	local prog ino moved
	prog=$(make_marker "$T_DIR/bin")
	ino=$(stat -c %i "$prog")
	_ban_path_policy "$prog"
	load_ok "$T_DIR/p.policy" || return 1
	# renamed in its directory
	moved="$T_DIR/bin/$(uniq_name)"
	mv "$prog" "$moved"
	assert_eq "$(stat -c %i "$moved")" "$ino" "inode after rename" || return 1
	assert_blocked "$moved" || return 1
	# moved to another directory of the same file system
	mkdir -p "$T_DIR/far/away"
	mv "$moved" "$T_DIR/far/away/renamed-again"
	assert_blocked "$T_DIR/far/away/renamed-again" || return 1
}

test_identity_rename_banned_dir()
{
	local prog
	prog=$(make_marker "$T_DIR/banned/sub")
	_ban_dir_policy "$T_DIR/banned"
	load_ok "$T_DIR/p.policy" || return 1
	# the directory itself renamed: its files are still below it
	mv "$T_DIR/banned" "$T_DIR/renamed-dir"
	assert_blocked "$T_DIR/renamed-dir/sub/$(basename "$prog")" || return 1
	# a file moved into the renamed banned directory from outside
	local newcomer
	newcomer=$(make_marker "$T_DIR/outside")
	assert_runs "$newcomer" || return 1
	mv "$newcomer" "$T_DIR/renamed-dir/"
	assert_blocked "$T_DIR/renamed-dir/$(basename "$newcomer")" || return 1
}

test_identity_replaced_at_path()
{
	# an update: a new file (new inode) written at the banned path
	local prog old_ino new_ino
	prog=$(make_marker "$T_DIR/bin" "$(uniq_name)")
	old_ino=$(stat -c %i "$prog")
	_ban_path_policy "$prog"
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$prog" || return 1
	# 1. removed, then a new file written at the path
	# (a hard link elsewhere keeps the old inode allocated, so that the file
	# system cannot give its number to the new file)
	ln "$prog" "$T_DIR/old-inode-1"
	rm -f "$prog"
	cp "$HELPERS/marker" "$prog" && chmod 0755 "$prog"
	new_ino=$(stat -c %i "$prog")
	assert_ne "$new_ino" "$old_ino" "inode of the new file" || return 1
	assert_blocked "$prog" || return 1
	# 2. atomic replacement as package managers do: write aside, rename over
	cp "$HELPERS/marker" "$prog.new" && chmod 0755 "$prog.new"
	mv -f "$prog.new" "$prog"
	assert_ne "$(stat -c %i "$prog")" "$new_ino" "inode after rename over" || return 1
	assert_blocked "$prog" || return 1
	# 3. another program entirely put at the path
	ln "$prog" "$T_DIR/old-inode-3"
	rm -f "$prog"
	cp "$ECHO_BIN" "$prog" && chmod 0755 "$prog"
	assert_ne "$(stat -c %i "$prog")" "$(stat -c %i "$T_DIR/old-inode-3")" "inode of the echo copy" || return 1
	assert_blocked "$prog" "this must not be printed" || return 1
}

test_identity_replaced_at_path_through_link()
{
	# the policy names the path through a symlinked directory; the update
	# lands at the real path
	local prog
	prog=$(make_marker "$T_DIR/real" "$(uniq_name)")
	ln -s "$T_DIR/real" "$T_DIR/linked"
	_ban_path_policy "$T_DIR/linked/$(basename "$prog")"
	load_ok "$T_DIR/p.policy" || return 1
	ln "$prog" "$T_DIR/old-inode"	# the new file gets another inode
	rm -f "$prog"
	cp "$HELPERS/marker" "$prog" && chmod 0755 "$prog"
	assert_ne "$(stat -c %i "$prog")" "$(stat -c %i "$T_DIR/old-inode")" "inode of the new file" || return 1
	assert_blocked "$prog" || return 1
}

test_identity_bind_mount_of_banned_dir()
{
	local prog name
	name=$(uniq_name)
	prog=$(make_marker "$T_DIR/banned/sub" "$name")
	_ban_dir_policy "$T_DIR/banned"
	load_ok "$T_DIR/p.policy" || return 1
	# the banned directory mounted elsewhere, after the load
	bind_mount "$T_DIR/banned" "$T_DIR/mnt/view" || return 1
	assert_blocked "$T_DIR/mnt/view/sub/$name" || return 1
	# a subdirectory of it mounted elsewhere
	bind_mount "$T_DIR/banned/sub" "$T_DIR/mnt/subview" || return 1
	assert_blocked "$T_DIR/mnt/subview/$name" || return 1
	# a new file written through the bind mount
	make_marker "$T_DIR/mnt/view" "written-through" >/dev/null
	assert_blocked "$T_DIR/mnt/view/written-through" || return 1
	assert_blocked "$T_DIR/banned/written-through" || return 1
}

test_identity_bind_mount_before_load()
{
	local prog name
	name=$(uniq_name)
	prog=$(make_marker "$T_DIR/banned" "$name")
	bind_mount "$T_DIR/banned" "$T_DIR/mnt" || return 1
	_ban_dir_policy "$T_DIR/banned"
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$T_DIR/mnt/$name" || return 1
	assert_blocked "$prog" || return 1
}

test_identity_bind_mount_of_banned_file()
{
	local prog
	prog=$(make_marker "$T_DIR/bin")
	_ban_path_policy "$prog"
	load_ok "$T_DIR/p.policy" || return 1
	bind_mount "$prog" "$T_DIR/target" || return 1
	assert_blocked "$T_DIR/target" || return 1
}

test_identity_path_appears_under_run()
{
	# policy.md: a path or directory missing at load is a warning, and while
	# `appban run` runs, it is covered within one second of appearing
	local later_file later_dir prog1 prog2 limit
	later_file="$T_DIR/not-yet/$(uniq_name)"
	later_dir="$T_DIR/not-yet-dir"
	write_policy "$T_DIR/p.policy" <<EOF
policy later-$T_ID
app later-path {
    path $later_file
    deny exec
}
app later-dir {
    dir $later_dir
    deny exec
}
EOF
	run_start "$T_DIR/p.policy" || return 1
	assert_match "$(cat "$RUN_ERR")" "p\.policy:[0-9]+:[0-9]+: warning: " "warning for the missing paths" || return 1
	prog1=$(make_marker "$(dirname "$later_file")" "$(basename "$later_file")")
	prog2=$(make_marker "$later_dir/sub")
	# within one second (with a margin for a slow machine)
	limit=1.5
	[ "${APPBAN_VM:-0}" = 1 ] && limit=5
	sleep "$limit"
	assert_blocked "$prog1" || return 1
	assert_blocked "$prog2" || return 1
	run_stop INT
	assert_eq "$RUN_RC" 0 "run exit status on SIGINT" || return 1
}

test_identity_new_file_at_missing_path_parent_exists()
{
	# a plain load: the file is missing but its directory exists; the
	# (directory, name) key catches the file when it appears
	local path
	mkdir -p "$T_DIR/bin"
	path="$T_DIR/bin/$(uniq_name)"
	_ban_path_policy "$path"
	ab load "$T_DIR/p.policy"
	assert_eq "$AB_RC" 0 "load with a missing path (a warning)" || return 1
	engine_refresh || return 1
	assert_match "$AB_ERR" "p\.policy:3:[0-9]+: warning: " "warning for the missing path" || return 1
	make_marker "$T_DIR/bin" "$(basename "$path")" >/dev/null
	assert_blocked "$path" || return 1
}

# A banned path's file deleted: another file that gets its inode number (in
# the same directory, under another name) is not banned; the path itself
# still is. Likewise a banned directory removed and another made that gets
# its number.
test_identity_inode_number_reused_not_banned()
{
	local banned ino other i d1 d2 f
	reuse_dir || { skip "no ext4 file system to be had (mkfs.ext4, loop)"; return 0; }
	banned=$(make_echo "$REUSE_DIR")
	d1=$REUSE_DIR/gone-dir
	mkdir -p "$d1"
	write_policy "$T_DIR/p.policy" <<EOF
policy identity-$T_ID
app banned {
    path $banned
    dir $d1
    deny exec
}
EOF
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$banned" hello || return 1
	ino=$(stat -c %i "$banned")
	rm -f "$banned"
	other=
	for ((i = 0; i < 20; i++)); do
		f=$(make_echo "$REUSE_DIR") || return 1
		[ "$(stat -c %i "$f")" = "$ino" ] && { other=$f; break; }
	done
	[ -n "$other" ] || { skip "the file system of $T_DIR does not reuse inode numbers at once"; return 0; }
	assert_runs "$other" hello || return 1
	cp "$ECHO_BIN" "$banned"
	assert_blocked "$banned" hello || return 1
	ino=$(stat -c %i "$d1")
	rmdir "$d1"
	d2=
	for ((i = 0; i < 20; i++)); do
		mkdir "$REUSE_DIR/new-dir-$i"
		[ "$(stat -c %i "$REUSE_DIR/new-dir-$i")" = "$ino" ] && { d2=$REUSE_DIR/new-dir-$i; break; }
	done
	[ -n "$d2" ] || { skip "directory inode numbers are not reused at once here"; return 0; }
	assert_runs "$(make_echo "$d2")" hello || return 1
}
