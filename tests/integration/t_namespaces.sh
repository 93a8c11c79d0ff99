# SPDX-License-Identifier: GPL-2.0
# The same banned file reached from elsewhere than where the policy names it:
# another mount namespace, a chroot, an overlay (containers) over its layer.

_ban_policy()
{
	# _ban_policy KIND PATH [KIND PATH...]: one app per identifier
	local n=0
	{
		echo "policy namespaces-$T_ID"
		while [ $# -ge 2 ]; do
			n=$((n + 1))
			printf 'app banned%d {\n    %s %s\n    deny exec\n}\n' "$n" "$1" "$2"
			shift 2
		done
	} | write_policy "$T_DIR/p.policy"
}

# _spawn_via OUT CMD...: lib.sh's spawn for a spawn helper started by CMD (in
# a new mount namespace, in a chroot), which writes the program's output to
# OUT (a path on this side): SP_RESULT, SP_OUTPUT
_spawn_via()
{
	local out=$1 line
	shift
	: >"$out"
	line=$("$@")
	SP_RESULT=
	[[ "$line" =~ pid=([0-9]+)\ parent=([0-9]+)\ result=(.*)$ ]] && SP_RESULT=${BASH_REMATCH[3]}
	slurp SP_OUTPUT "$out"
	echo "# ${*:1:3}... -> ${SP_RESULT:-?} ($(_short "$line"))"
	[ -n "$SP_RESULT" ] || { fail "spawn helper failed under $1: $(_short "$line")"; return 1; }
}

# _in_mntns SETUP PATH: exec PATH with the spawn helper in a new private mount
# namespace, after SETUP (shell code) ran there; the namespace and its mounts
# go with the process, nothing to clean up
_in_mntns()
{
	_spawn_via "$T_DIR/.ns.out" unshare --mount --propagation private -- \
		sh -c "$1"' || exit 3; exec "$0" -o "$1" "$2"' \
		"$HELPERS/spawn" "$T_DIR/.ns.out" "$2"
}

# _in_chroot ROOT PATH: exec PATH (as seen in ROOT) with the static spawn
# helper at ROOT/spawn; the marker log is ROOT/marker.log
_in_chroot()
{
	_spawn_via "$1/out" env APPBAN_MARKER=/marker.log chroot "$1" /spawn -o /out "$2"
}

# _overlay LOWER UPPER WORK MERGED: mount an overlay, unmounted at cleanup
_overlay()
{
	grep -qw overlay /proc/filesystems || modprobe -q overlay 2>/dev/null
	grep -qw overlay /proc/filesystems || skip "no overlayfs in this kernel"
	mkdir -p "$1" "$2" "$3" "$4"
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" ||
		{ fail "mount -t overlay on $4 failed"; return 1; }
	T_MOUNTS+=("$4")
	assert_eq "$(stat -f -c %T "$4")" overlayfs "file system type of $4" || return 1
}

# _overlay_layers: after a load, OVL_LAYERS := 1 where status says the files
# behind an overlay are matched, 0 where it says an overlay is matched only
# by its own path and inode (no BTF for overlayfs: before 5.11, docs/kernels.md)
_overlay_layers()
{
	local how
	how=$(status_get protections.other-mounts.how) || { fail "status lists no other-mounts"; return 1; }
	OVL_LAYERS=1
	if [[ $how == *"only by the overlay's own path and inode"* ]]; then
		OVL_LAYERS=0
		log "status: other-mounts: $how"
	fi
}

# assert_blocked_through_overlay PATH: PATH (in the merged directory) names a
# file that a rule names in a layer: blocked, or run where status says the
# layers are not seen
assert_blocked_through_overlay()
{
	if [ "$OVL_LAYERS" = 1 ]; then
		assert_blocked "$1" || return 1
	else
		assert_runs "$1" || return 1
	fi
}

# _overlay_own_path_blocked PATH: a rule naming PATH (in the merged
# directory) blocks it, also where status says an overlay is matched only by
# its own path and inode
_overlay_own_path_blocked()
{
	_ban_policy path "$1"
	load_ok "$T_DIR/p.policy" || return 1
	assert_blocked "$1" || return 1
}

test_namespaces_mount_namespace()
{
	# another mount namespace, where the banned file and directory are seen
	# only through bind mounts elsewhere: their own paths are hidden by a tmpfs
	local prog inner free
	prog=$(make_marker "$T_DIR/bin")
	inner=$(make_marker "$T_DIR/banned/sub")
	free=$(make_marker "$T_DIR/bin")
	mkdir -p "$T_DIR/view/bin" "$T_DIR/view/banned"
	_ban_policy path "$prog" dir "$T_DIR/banned"
	load_ok "$T_DIR/p.policy" || return 1
	local setup="mount --bind '$T_DIR/bin' '$T_DIR/view/bin' &&
		mount --bind '$T_DIR/banned' '$T_DIR/view/banned' &&
		mount -t tmpfs none '$T_DIR/bin' && mount -t tmpfs none '$T_DIR/banned'"
	local p
	for p in "view/bin/$(basename "$prog")" "view/banned/sub/$(basename "$inner")"; do
		_in_mntns "$setup && test ! -e '$prog' && test ! -e '$inner'" "$T_DIR/$p" || return 1
		assert_eq "$SP_RESULT" "$(blocked_result)" "exec of $p in another mount namespace (engine $ENGINE)" || return 1
		assert_empty "$SP_OUTPUT" "output of blocked $p" || return 1
		assert_eq "$(marker_runs "$T_DIR/$p")" 0 "runs of blocked $p (marker)" || return 1
	done
	# the same way, an unbanned copy runs: the namespace and its mounts worked
	_in_mntns "$setup" "$T_DIR/view/bin/$(basename "$free")" || return 1
	assert_eq "$SP_RESULT" exit:0 "exec of an unbanned copy in the namespace" || return 1
	assert_eq "$(marker_runs "$T_DIR/view/bin/$(basename "$free")")" 1 "runs of the unbanned copy" || return 1
	# nothing of the namespace leaked out
	assert_eq "$(find "$T_DIR/view" -type f | wc -l)" 0 "files under view/ outside the namespace" || return 1
}

test_namespaces_chroot()
{
	# a chroot holding static programs only: the banned file's path there is
	# /bin/NAME, not the path the policy names
	local root="$T_DIR/root" name inner free h
	for h in spawn marker; do
		[ -x "$HELPERS/$h-static" ] ||
			{ fail "$HELPERS/$h-static missing: run \`make integration-helpers\`"; return 1; }
	done
	name=$(uniq_name)
	copy_bin "$HELPERS/spawn-static" "$root" spawn >/dev/null || return 1
	copy_bin "$HELPERS/marker-static" "$root/bin" "$name" >/dev/null || return 1
	inner=$(basename "$(copy_bin "$HELPERS/marker-static" "$root/opt/app/sub")")
	free=$(basename "$(copy_bin "$HELPERS/marker-static" "$root/bin")")
	_ban_policy path "$root/bin/$name" dir "$root/opt/app"
	load_ok "$T_DIR/p.policy" || return 1
	_in_chroot "$root" "/bin/$name" || return 1
	assert_eq "$SP_RESULT" "$(blocked_result)" "exec of /bin/$name in the chroot (engine $ENGINE)" || return 1
	assert_empty "$SP_OUTPUT" "output of blocked /bin/$name" || return 1
	_in_chroot "$root" "/opt/app/sub/$inner" || return 1
	assert_eq "$SP_RESULT" "$(blocked_result)" "exec of /opt/app/sub/$inner in the chroot (engine $ENGINE)" || return 1
	assert_empty "$SP_OUTPUT" "output of blocked /opt/app/sub/$inner" || return 1
	assert_no_file "$root/marker.log" "marker log of the chroot after the blocked execs" || return 1
	# an unbanned copy in the same chroot runs, and its marker says where
	_in_chroot "$root" "/bin/$free" || return 1
	assert_eq "$SP_RESULT" exit:0 "exec of unbanned /bin/$free in the chroot" || return 1
	assert_match "$(<"$root/marker.log")" "^[0-9]+ /bin/$free\$" "marker log of the chroot" || return 1
}

test_namespaces_overlay_lower_path()
{
	# a container's view: the policy names the file in the lower layer, the
	# exec goes through the merged directory (another inode, other dentries)
	local o="$T_DIR/ovl" name free
	name=$(uniq_name)
	make_marker "$o/lower/bin" "$name" >/dev/null
	free=$(basename "$(make_marker "$o/lower/bin")")
	_overlay "$o/lower" "$o/upper" "$o/work" "$o/merged" || return 1
	_ban_policy path "$o/lower/bin/$name"
	load_ok "$T_DIR/p.policy" || return 1
	_overlay_layers || return 1
	assert_blocked_through_overlay "$o/merged/bin/$name" || return 1
	assert_blocked "$o/lower/bin/$name" || return 1
	# the unbanned file of the same layer runs through the overlay
	assert_runs "$o/merged/bin/$free" || return 1
	# a file of the same name made in the overlay is another file: no path
	# rule names it (the lower one stays hidden under it)
	rm -f "$o/merged/bin/$name"
	make_marker "$o/merged/bin" "$name" >/dev/null
	assert_file "$o/upper/bin/$name" "the new file in the upper layer" || return 1
	assert_runs "$o/merged/bin/$name" || return 1
	assert_blocked "$o/lower/bin/$name" || return 1
	# a rule naming the file in the merged directory holds (where only the
	# overlay's own identity is matched, too)
	_overlay_own_path_blocked "$o/merged/bin/$name" || return 1
}

test_namespaces_overlay_lower_dir()
{
	local o="$T_DIR/ovl" name free
	name=$(uniq_name)
	make_marker "$o/lower/opt/app/sub" "$name" >/dev/null
	free=$(basename "$(make_marker "$o/lower/opt/other")")
	_overlay "$o/lower" "$o/upper" "$o/work" "$o/merged" || return 1
	_ban_policy dir "$o/lower/opt/app"
	load_ok "$T_DIR/p.policy" || return 1
	_overlay_layers || return 1
	assert_blocked_through_overlay "$o/merged/opt/app/sub/$name" || return 1
	assert_blocked "$o/lower/opt/app/sub/$name" || return 1
	assert_runs "$o/merged/opt/other/$free" || return 1
}

test_namespaces_overlay_copy_up()
{
	# after a copy-up (chmod, or a write, through the merged directory) the
	# file lives in the upper layer; the overlay inode keeps its lower origin
	local o="$T_DIR/ovl" name name2
	name=$(uniq_name)
	name2=$(uniq_name)
	make_marker "$o/lower/bin" "$name" >/dev/null
	make_marker "$o/lower/bin" "$name2" >/dev/null
	_overlay "$o/lower" "$o/upper" "$o/work" "$o/merged" || return 1
	_ban_policy path "$o/lower/bin/$name" path "$o/lower/bin/$name2"
	load_ok "$T_DIR/p.policy" || return 1
	assert_no_file "$o/upper/bin/$name" "upper copy before the copy-up" || return 1
	chmod 0700 "$o/merged/bin/$name" || { fail "chmod through the overlay failed"; return 1; }
	printf '\n' >>"$o/merged/bin/$name2" || { fail "append through the overlay failed"; return 1; }
	assert_file "$o/upper/bin/$name" "upper copy after chmod" || return 1
	assert_file "$o/upper/bin/$name2" "upper copy after append" || return 1
	_overlay_layers || return 1
	assert_blocked_through_overlay "$o/merged/bin/$name" || return 1
	assert_blocked_through_overlay "$o/merged/bin/$name2" || return 1
	# mounted again: fresh overlay inodes, the origin read back from the upper
	# file's overlay.origin attribute
	umount "$o/merged" || { fail "umount $o/merged failed"; return 1; }
	mount -t overlay overlay -o "lowerdir=$o/lower,upperdir=$o/upper,workdir=$o/work" "$o/merged" ||
		{ fail "mount -t overlay again failed"; return 1; }
	assert_blocked_through_overlay "$o/merged/bin/$name" || return 1
	assert_blocked_through_overlay "$o/merged/bin/$name2" || return 1
	assert_blocked "$o/lower/bin/$name" || return 1
}

test_namespaces_overlay_upper_dir()
{
	# the policy names a directory of the upper layer: files written through
	# the overlay are there
	local o="$T_DIR/ovl"
	mkdir -p "$o/upper/app"
	_overlay "$o/lower" "$o/upper" "$o/work" "$o/merged" || return 1
	_ban_policy dir "$o/upper/app"
	load_ok "$T_DIR/p.policy" || return 1
	make_marker "$o/merged/app" written >/dev/null
	make_marker "$o/merged" beside >/dev/null
	assert_file "$o/upper/app/written" "the file in the upper layer" || return 1
	_overlay_layers || return 1
	assert_blocked_through_overlay "$o/merged/app/written" || return 1
	assert_blocked "$o/upper/app/written" || return 1
	assert_runs "$o/merged/beside" || return 1
}
