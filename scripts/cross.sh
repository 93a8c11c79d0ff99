#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What a cross build for another architecture needs that the host does not
# have, made once and cached; nothing of the host's apt or dpkg state is read
# or written (a private apt directory with only that architecture's lists).
#
# usage: scripts/cross.sh sysroot ARCH   print the sysroot, made if missing:
#                                        Debian bookworm's -dev packages that
#                                        appban links, for ARCH, unpacked
#        scripts/cross.sh btf ARCH OUT   write the BTF of Debian bookworm's
#                                        generic 6.1 kernel for ARCH to OUT
# ARCH: arm64. Cache: APPBAN_CROSS_CACHE (default /var/cache/appban-cross).
# The sysroot, not multiarch (dpkg --add-architecture): the arm64 -dev
# packages must have the very versions of the host's amd64 libraries, so
# installing them would upgrade libraries of a shared build host.
set -euo pipefail

die() {
	echo "cross.sh: $*" >&2
	exit 1
}

(($# >= 2)) || die "usage: $0 sysroot ARCH | btf ARCH OUT"
what=$1 arch=$2
case $arch in
arm64) kflavour=arm64 ;;
*) die "ARCH is arm64, not '$arch'" ;;
esac
cache=${APPBAN_CROSS_CACHE:-/var/cache/appban-cross}/$arch
readonly DEV_PKGS="libbpf-dev libelf-dev zlib1g-dev libmnl-dev libssl-dev libsystemd-dev
libcurl4-openssl-dev"

apt_opts=()
private_apt() {
	local d=$cache/apt k=/usr/share/keyrings/debian-archive-keyring.gpg
	mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/etc/sources.list.d" \
		"$d/etc/preferences.d"
	[[ -f $d/status ]] || : >"$d/status"
	printf 'deb [signed-by=%s] http://deb.debian.org/debian bookworm main\n' "$k" \
		>"$d/etc/sources.list"
	printf 'deb [signed-by=%s] http://deb.debian.org/debian-security bookworm-security main\n' \
		"$k" >>"$d/etc/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$d/etc/sources.list"
		-o "Dir::Etc::SourceParts=$d/etc/sources.list.d"
		-o "Dir::Etc::Preferences=$d/etc/preferences"
		-o "Dir::Etc::PreferencesParts=$d/etc/preferences.d"
		-o "Dir::State::Lists=$d/lists" -o "Dir::State::status=$d/status"
		-o "Dir::Cache=$d" -o "Dir::Cache::archives=$d/archives"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
		-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
		-o APT::Install-Recommends=0 -o Debug::NoLocking=1
		-o Acquire::Languages=none -o APT::Sandbox::User=root)
	# Lists older than a day: the archive may have dropped what they name.
	if [[ -z $(find "$d/lists" -maxdepth 1 -name '*Packages*' -mtime -1 -print -quit) ]]; then
		apt-get -q "${apt_opts[@]}" update >&2 || die "apt-get update for $arch failed"
	fi
}

# An absolute symbolic link in a sysroot points into the host: make it
# relative, inside the sysroot.
relink_absolute() {
	local root=$1 l t rel
	while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		[[ $t == /* ]] || continue
		rel=$(realpath -m --relative-to="$(dirname "$l")" "$root$t")
		ln -sfn "$rel" "$l"
	done < <(find "$root" -type l -print0)
}

sysroot() {
	local root=$cache/sysroot tmp f
	if [[ -f $root/.complete ]]; then
		echo "$root"
		return
	fi
	mkdir -p "$cache"
	private_apt
	rm -rf "$cache/apt/archives"/*.deb
	# The -dev packages and everything they depend on, libc6-dev included.
	apt-get -q "${apt_opts[@]}" install --download-only -y $DEV_PKGS >&2 ||
		die "cannot download the $arch -dev packages"
	tmp=$(mktemp -d "$cache/.sysroot.XXXXXX")
	for f in "$cache/apt/archives"/*.deb; do
		dpkg-deb -x "$f" "$tmp" || die "cannot unpack $f"
	done
	relink_absolute "$tmp"
	rm -rf "$root" "$cache/apt/archives"/*.deb
	mv "$tmp" "$root"
	touch "$root/.complete"
	echo "$root"
}

# The BTF blob inside the kernel image: Debian's arm64 vmlinuz is an
# uncompressed EFI Image (gzip on some releases), and BTF sits in it whole
# between __start_BTF and __stop_BTF: found by its header (magic 0xeB9F,
# version 1, header length 24), its length read from that header.
extract_btf() {
	python3 - "$1" "$2" <<'EOF'
import gzip, struct, sys
img = open(sys.argv[1], "rb").read()
if img[:2] == b"\x1f\x8b":
    img = gzip.decompress(img)
magic = b"\x9f\xeb\x01\x00\x18\x00\x00\x00"
i = img.find(magic)
while i >= 0:
    hdr, toff, tlen, soff, slen = struct.unpack("<IIIII", img[i + 4:i + 24])
    # vmlinux's BTF: megabytes of types (other hits are stray bytes)
    if tlen > 1 << 20:
        end = i + hdr + max(toff + tlen, soff + slen)
        open(sys.argv[2], "wb").write(img[i:end])
        sys.exit(0)
    i = img.find(magic, i + 1)
sys.exit("no BTF in " + sys.argv[1])
EOF
}

btf() {
	local out=$1 pkg tmp f
	mkdir -p "$cache"
	if [[ ! -f $cache/vmlinux.btf ]]; then
		private_apt
		pkg=$(apt-cache "${apt_opts[@]}" pkgnames linux-image-6.1.0- |
			grep -E "^linux-image-6\\.1\\.0-[0-9]+-$kflavour\$" | sort -V | tail -n 1)
		[[ -n $pkg ]] || die "no linux-image-6.1.0-NN-$kflavour in bookworm's $arch lists"
		tmp=$(mktemp -d "$cache/.btf.XXXXXX")
		(cd "$tmp" && apt-get -q "${apt_opts[@]}" download "$pkg") >&2 ||
			die "cannot download $pkg"
		dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
		f=$(find "$tmp/boot" -name 'vmlinuz-*' -print -quit)
		extract_btf "$f" "$tmp/vmlinux.btf" || die "no BTF in $pkg"
		bpftool btf dump file "$tmp/vmlinux.btf" format c >/dev/null ||
			die "bpftool cannot read the BTF of $pkg"
		echo "$pkg" >"$cache/vmlinux.btf.package"
		mv "$tmp/vmlinux.btf" "$cache/vmlinux.btf"
		rm -rf "$tmp"
	fi
	cp "$cache/vmlinux.btf" "$out"
}

case $what in
sysroot) sysroot ;;
btf)
	(($# == 3)) || die "usage: $0 btf ARCH OUT"
	btf "$3"
	;;
*) die "usage: $0 sysroot ARCH | btf ARCH OUT" ;;
esac
