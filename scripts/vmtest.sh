#!/usr/bin/env bash
# VM test tier: runs a command in QEMU booting Debian's stock 5.10, 6.1 or 6.12
# kernel over the host's own userland, because the host kernel refuses lsm/
# BPF programs and work devices run older kernels than the host's; or over
# a cached Debian userland with systemd as PID 1 (--systemd), because the
# host runs no systemd and the package and its unit must be tried under one.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/vmtest.sh [--arch ARCH] [--kernel LINE] [--lsm | --no-lsm]
                         [--systemd] [--disk FILE] [--share DIR] [--shell]
                         [--timeout SECS]
                         [--verbose] [--] COMMAND [ARGS...]
       scripts/vmtest.sh [--arch ARCH] [--kernel LINE] [--lsm | --no-lsm] --check
       scripts/vmtest.sh [--arch ARCH] [--kernel LINE] [--lsm | --no-lsm] --shell

Boots Debian's stock generic kernel of LINE for ARCH in QEMU (TCG) and runs
COMMAND as root inside the host's root filesystem (read-only 9p under a tmpfs
overlay: the guest may write anywhere, the host is never touched), in the
caller's working directory, with APPBAN_VM=1 and APPBAN_VM_LSM=1|0 set.
Exits with COMMAND's exit status; 124 if the guest outlives --timeout,
125 if the guest dies or never reports a status.

  --arch ARCH    x86_64 (the default: qemu-system-x86_64 over the host's own
                 root) or arm64 (qemu-system-aarch64 -M virt over an arm64
                 Debian bookworm userland made once with mmdebstrap and
                 cached; the working directory is the host's, bind-mounted
                 at the same path; the guest gets APPBAN_VM_ARCH=arm64)
  --kernel LINE  5.10 (bullseye's linux-image-5.10.0-NN-amd64), 6.1 (bookworm's
                 linux-image-6.1.0-NN-amd64, the default) or 6.12 (trixie's
                 linux-image-6.12.NN+deb13-amd64); the guest gets
                 APPBAN_VM_KERNEL_LINE=LINE
  --lsm          boot with lsm=lockdown,capability,landlock,bpf (default)
  --no-lsm       boot with the same list minus bpf
  --systemd      x86_64 only: boot a Debian bookworm userland made once with
                 mmdebstrap and cached (systemd, systemd-sysv, apt and
                 appban's runtime libraries) with systemd as PID 1; COMMAND
                 runs as a service once multi-user.target is reached, the
                 working directory the host's, bind-mounted at the same path
                 (the host's / is at /run/appban-host); the guest powers off
                 through systemd when COMMAND ends
  --disk FILE    the overlay's upper layer on FILE, an ext4 image made by the
                 caller (mkfs.ext4), instead of a tmpfs: what the guest writes
                 outlives it, a second run over the same FILE boots with it
  --share DIR    the host's directory DIR, read-write, at the same path in
                 the guest (not with --systemd): what guests started at once
                 with the same DIR write there is shared between them and
                 the host (make test's guests share their tests through it:
                 tests/integration/run.sh -q)
  --shell        interactive shell in the guest (after COMMAND, if given);
                 quit QEMU with Ctrl-A x; no timeout unless --timeout is given
                 (--systemd: the shell runs in COMMAND's service)
  --timeout SECS kill the guest after SECS seconds (default 1200, 0: never)
  --check        print the guest's kernel, LSM list and BTF presence
  --verbose      show the kernel's boot messages

The environment given to COMMAND: PATH, LANG, LC_*, TZ, TERM and every
APPBAN_* variable of the caller; use `env NAME=VALUE COMMAND` for others.

Environment:
  APPBAN_VM_CACHE   kernel/initramfs cache (default /var/cache/appban-vm)
  APPBAN_VM_KERNEL  kernel package, e.g. linux-image-6.1.0-56-amd64
                    (default: the newest generic one of LINE that apt offers:
                    the host's lists for 6.1, a private apt directory under
                    the cache, with only that release's lists, for the others)
  APPBAN_VM_ACCEL   tcg (default) or kvm (nested KVM hangs on some hosts)
  APPBAN_VM_MEM, APPBAN_VM_SMP  guest memory (MiB, 2048) and CPUs (2)
  APPBAN_VM_APPEND  more kernel command line
EOF
}

die() {
	echo "vmtest: $*" >&2
	exit 125
}

log() {
	echo "vmtest: $*" >&2
}

# Modules the initramfs needs for the 9p root and the overlay, in load order.
# Each is a module file or built in; those in INITRD_OPTIONAL may also not
# exist at all on a kernel line (5.10 has no netfs nor split virtio_pci
# helpers, 6.12 no fscache: netfs took it in).
readonly INITRD_MODULES="virtio_ring virtio virtio_pci_legacy_dev
virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"
readonly INITRD_OPTIONAL=" virtio_pci_legacy_dev virtio_pci_modern_dev netfs fscache "
readonly BUSYBOX_APPLETS="sh mount mkdir insmod switch_root poweroff sleep"
# An ext4 image as the overlay's upper layer (--disk), in load order; only
# loaded when a disk is given. Any of them may be built in.
readonly DISK_MODULES="virtio_blk crc16 mbcache jbd2 crc32c_generic ext4"
# shellcheck disable=SC2034 # read through ${!want} in ensure_packages
readonly HOST_PACKAGES_x86_64="qemu-system-x86 busybox-static kmod iproute2 xz-utils"
# shellcheck disable=SC2034
readonly HOST_PACKAGES_systemd="mmdebstrap"
# shellcheck disable=SC2034
readonly HOST_PACKAGES_arm64="qemu-system-arm mmdebstrap arch-test kmod xz-utils"
# What appban links and opens (debian/control's Depends), in every userland
# made for a guest.
readonly RUNTIME_PACKAGES="libbpf1 libelf1 zlib1g libmnl0 libssl3 libsystemd0 libcurl4"
# The arm64 guest's userland: what stage2 and the integration tests run
# (bash, python3, coreutils, util-linux, iproute2..., qemu-user for
# sidedoor_emulator_runs_banned_code as on the host, nginx-light and
# openssl for daemon_https_source, minisign) and what appban links.
# Cached under a name made from this list: a change makes a new one (an old
# one is left: a guest of another checkout may be running over it).
readonly ARM64_ROOT_PACKAGES="bash dash coreutils util-linux mount iproute2 kmod procps
python3 gawk grep sed findutils diffutils tar gzip busybox-static bpftool e2fsprogs perl-base
libcap2-bin iputils-ping base-passwd base-files libc-bin sysvinit-utils curl qemu-user
nginx-light openssl minisign $RUNTIME_PACKAGES"
# The --systemd guest's userland (amd64; maintainer scripts run): an init
# with D-Bus (logind) as on a work device, apt and dpkg for the package, what
# appban's package depends on. Cached under a name made from this list: a
# change makes a new one.
readonly SYSTEMD_ROOT_PACKAGES="systemd systemd-sysv dbus init-system-helpers apt kmod iproute2
procps mount $RUNTIME_PACKAGES"

lsm=1
kline=6.1
arch=x86_64
shell=0
check=0
verbose=0
timeout=
init=stage2
disk=
share=
while (($#)); do
	case $1 in
	--lsm) lsm=1 ;;
	--no-lsm) lsm=0 ;;
	--kernel)
		(($# >= 2)) || die "--kernel needs a value"
		kline=$2
		shift
		;;
	--kernel=*) kline=${1#*=} ;;
	--arch)
		(($# >= 2)) || die "--arch needs a value"
		arch=$2
		shift
		;;
	--arch=*) arch=${1#*=} ;;
	--shell) shell=1 ;;
	--check) check=1 ;;
	--systemd) init=systemd ;;
	--disk)
		(($# >= 2)) || die "--disk needs a file"
		disk=$2
		shift
		;;
	--disk=*) disk=${1#*=} ;;
	--share)
		(($# >= 2)) || die "--share needs a directory"
		share=$2
		shift
		;;
	--share=*) share=${1#*=} ;;
	--verbose | -v) verbose=1 ;;
	--timeout)
		(($# >= 2)) || die "--timeout needs a value"
		timeout=$2
		shift
		;;
	--timeout=*) timeout=${1#*=} ;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		break
		;;
	-*)
		usage >&2
		exit 2
		;;
	*) break ;;
	esac
	shift
done

case $arch in
x86_64 | amd64)
	arch=x86_64 darch=amd64 console=/dev/ttyS0
	;;
arm64 | aarch64)
	arch=arm64 darch=arm64 console=/dev/ttyAMA0
	;;
*) die "--arch is x86_64 or arm64, not '$arch'" ;;
esac
# (an arm64 userland with systemd would need its maintainer scripts run
# under emulation on the host: not done)
[[ $init == stage2 || $arch == x86_64 ]] || die "--systemd: x86_64 only"
if [[ -n $disk ]]; then
	[[ -f $disk ]] || die "--disk $disk: no such file (make it with truncate and mkfs.ext4)"
	disk=$(realpath "$disk")
fi
if [[ -n $share ]]; then
	[[ -d $share ]] || die "--share $share: no such directory"
	[[ $init == stage2 ]] || die "--share: not with --systemd"
	share=$(realpath "$share")
fi

# The Debian release that ships each kernel line, and its package names.
case $kline in
5.10)
	suite=bullseye
	kpattern="^linux-image-5\\.10\\.0-[0-9]+-$darch\$"
	;;
6.1)
	suite=bookworm
	kpattern="^linux-image-6\\.1\\.0-[0-9]+-$darch\$"
	;;
6.12)
	suite=trixie
	kpattern="^linux-image-6\\.12\\.[0-9]+\\+deb13-$darch\$"
	;;
*) die "--kernel is 5.10, 6.1 or 6.12, not '$kline'" ;;
esac

if ((check)); then
	(($# == 0)) || die "--check takes no COMMAND"
	# shellcheck disable=SC2016 # expanded in the guest
	set -- bash -c 'echo "kernel: $(uname -r)"
echo "lsm:    $(cat /sys/kernel/security/lsm)"
if [[ -e /sys/kernel/btf/vmlinux ]]; then echo "btf:    yes"; else echo "btf:    no"; fi'
fi
if (($# == 0)) && ((!shell)); then
	usage >&2
	exit 2
fi
if [[ -z $timeout ]]; then
	if ((shell)); then timeout=0; else timeout=1200; fi
fi
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, not '$timeout'"

cache=${APPBAN_VM_CACHE:-/var/cache/appban-vm}
accel=${APPBAN_VM_ACCEL:-tcg}
mem=${APPBAN_VM_MEM:-2048}
smp=${APPBAN_VM_SMP:-2}

# ---------------------------------------------------------------- host setup

as_root_apt() {
	((EUID == 0)) || die "need root to run: apt-get $*"
	DEBIAN_FRONTEND=noninteractive apt-get -q "$@"
}

# Installs what is missing; `apt-get update` only when the lists let us down.
ensure_packages() {
	local p missing=()
	local want=HOST_PACKAGES_$arch more=
	[[ $init != systemd ]] || more=HOST_PACKAGES_systemd
	for p in ${!want} ${more:+${!more}}; do
		if [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) != installed ]]; then
			missing+=("$p")
		fi
	done
	((${#missing[@]})) || return 0
	log "installing ${missing[*]}"
	if ! as_root_apt install -y --no-install-recommends "${missing[@]}" >&2; then
		as_root_apt update >&2
		as_root_apt install -y --no-install-recommends "${missing[@]}" >&2 ||
			die "cannot install ${missing[*]}"
	fi
}

# apt with its own sources, lists and archives for $suite under the cache
# (6.1: the host's own apt, as the host is bookworm). The host's sources and
# state are never read nor written.
apt_opts=()
private_apt() {
	local d=$cache/apt/$suite-$darch k=/usr/share/keyrings/debian-archive-keyring.gpg
	mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/etc/preferences.d"
	[[ -f $d/status ]] || : >"$d/status"
	printf 'deb [signed-by=%s] http://deb.debian.org/debian %s main\n' "$k" "$suite" \
		>"$d/etc/sources.list"
	printf 'deb [signed-by=%s] http://deb.debian.org/debian-security %s-security main\n' \
		"$k" "$suite" >>"$d/etc/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$d/etc/sources.list"
		-o "Dir::Etc::SourceParts=$d/etc/sources.list.d"
		-o "Dir::Etc::Preferences=$d/etc/preferences"
		-o "Dir::Etc::PreferencesParts=$d/etc/preferences.d"
		-o "Dir::State::Lists=$d/lists" -o "Dir::State::status=$d/status"
		-o "Dir::Cache=$d" -o "Dir::Cache::archives=$d/archives"
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
		-o "APT::Architecture=$darch" -o "APT::Architectures::=$darch"
		-o Acquire::Languages=none -o APT::Sandbox::User=root)
}

apt_update() {
	if [[ $suite == bookworm && $darch == amd64 ]]; then
		as_root_apt update >&2
	else
		apt-get -q "${apt_opts[@]}" update >&2
	fi
}

newest_kernel() {
	apt-cache "${apt_opts[@]}" pkgnames linux-image- 2>/dev/null |
		grep -E "$kpattern" | sort -V | tail -n 1
}

# The generic flavour: the cloud one has no 9p. Empty if apt knows none.
pick_kernel() {
	local pkg
	if [[ -n ${APPBAN_VM_KERNEL:-} ]]; then
		echo "$APPBAN_VM_KERNEL"
		return
	fi
	pkg=$(newest_kernel)
	if [[ -z $pkg ]] && ((EUID == 0)); then
		apt_update || true
		pkg=$(newest_kernel)
	fi
	echo "$pkg"
}

kver_of() {
	local v=${1#linux-image-}
	echo "${v%-unsigned}"
}

newest_cached() {
	find "$cache" -mindepth 2 -maxdepth 2 -name .complete 2>/dev/null |
		sed 's|.*/\([^/]*\)/.complete$|\1|' |
		while read -r v; do
			[[ ! linux-image-$v =~ $kpattern ]] || echo "$v"
		done | sort -V | tail -n 1
}

# Downloads and unpacks the kernel package into $cache/$kver once; depmod
# there so that modprobe works in the guest over a bind mount. Fails only
# when the download does.
fetch_kernel() {
	local pkg=$1 kver dir tmp deb
	kver=$(kver_of "$pkg")
	dir=$cache/$kver
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	chmod 755 "$tmp"
	log "fetching $pkg into $dir (once)"
	if ! (cd "$tmp" && apt-get -q "${apt_opts[@]}" download -o APT::Sandbox::User=root "$pkg") >&2; then
		rm -rf "$tmp"
		return 1
	fi
	deb=$(find "$tmp" -maxdepth 1 -name '*.deb' -print -quit)
	mkdir "$tmp/root"
	dpkg-deb -x "$deb" "$tmp/root"
	# trixie's packages have merged /usr: the modules are in /usr/lib.
	if [[ ! -d $tmp/root/lib/modules/$kver && -d $tmp/root/usr/lib/modules/$kver ]]; then
		mkdir -p "$tmp/root/lib/modules"
		mv "$tmp/root/usr/lib/modules/$kver" "$tmp/root/lib/modules/"
	fi
	if [[ ! -f $tmp/root/boot/vmlinuz-$kver || ! -d $tmp/root/lib/modules/$kver ]]; then
		rm -rf "$tmp"
		die "$pkg holds no boot/vmlinuz-$kver and lib/modules/$kver"
	fi
	depmod -b "$tmp/root" "$kver"
	dpkg-deb -f "$deb" Package Version >"$tmp/root/package"
	rm -rf "$tmp/root/usr" "$deb"
	rm -rf "$dir"
	mv "$tmp/root" "$dir"
	rmdir "$tmp"
	touch "$dir/.complete"
}

# PID 1 of the initramfs: the host's / (9p, read-only) as the lower layer of
# an overlay with a tmpfs upper, then on to stage 2, which the host writes per
# run. switch_root rather than chroot: user namespaces refuse chrooted callers.
# On the kernel command line, appban.hostfs=1: the lower layer is a userland
# of the cache, the host's / a share of its own; appban.disk=vda: the upper
# layer is the ext4 file system of the first virtio disk (--disk).
stage1() {
	cat <<'EOF'
#!/bin/sh
die() {
	echo "vmtest stage1: $*" >&2
	poweroff -f
	sleep 10
}
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
while read -r m; do
	insmod "/modules/$m.ko" || die "insmod $m failed"
done </modules/order
read -r cmdline </proc/cmdline
o=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$o,ro,cache=loose" hostroot /lower || die "cannot mount hostroot"
case " $cmdline " in
*" appban.disk=vda "*)
	while read -r m; do
		insmod "/modules/$m.ko" || die "insmod $m failed"
	done </modules/disk-order
	i=0
	while [ ! -b /dev/vda ] && [ "$i" -lt 20 ]; do
		sleep 1
		i=$((i + 1))
	done
	mount -t ext4 /dev/vda /rw || die "cannot mount /dev/vda (--disk) as ext4"
	;;
*) mount -t tmpfs -o mode=0755 tmpfs /rw ;;
esac
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work \
	overlay /newroot || die "cannot mount the overlay"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run
mkdir /newroot/run/appban-vm /newroot/run/appban-host
mount -t 9p -o "$o" xchg /newroot/run/appban-vm || die "cannot mount xchg"
# arm64 and --systemd: the lower layer is a userland of the cache; the
# host's / is a share of its own (the kernel's modules, the working
# directory).
case " $cmdline " in
*" appban.hostfs=1 "*)
	mount -t 9p -o "$o,ro,cache=loose" hostfs /newroot/run/appban-host ||
		die "cannot mount hostfs"
	;;
*) mount --bind /lower /newroot/run/appban-host ;;
esac
for d in proc sys dev; do
	mount --move "/$d" "/newroot/$d"
done
exec switch_root /newroot /bin/bash /run/appban-vm/stage2
EOF
}

build_initramfs() {
	local kdir=$1 kver=$2 out=$3 tmp m f a
	tmp=$(mktemp -d "$cache/.initrd.XXXXXX")
	mkdir -p "$tmp"/{bin,dev,proc,sys,modules,lower,rw,newroot}
	cp "$busybox" "$tmp/bin/busybox"
	for a in $BUSYBOX_APPLETS; do
		ln -s busybox "$tmp/bin/$a"
	done
	for m in $INITRD_MODULES $DISK_MODULES; do
		f=$(find "$kdir/lib/modules/$kver/kernel" -regex ".*/$m\.ko\(\.xz\|\.zst\|\.gz\)?" \
			-print -quit)
		if [[ -n $f ]]; then
			# busybox insmod takes no compressed module (trixie's are .ko.xz).
			case $f in
			*.xz) xz -dc "$f" >"$tmp/modules/$m.ko" ;;
			*.zst) zstd -qdc "$f" >"$tmp/modules/$m.ko" ;;
			*.gz) gzip -dc "$f" >"$tmp/modules/$m.ko" ;;
			*) cp "$f" "$tmp/modules/" ;;
			esac
			if [[ " $DISK_MODULES " == *" $m "* ]]; then
				echo "$m" >>"$tmp/modules/disk-order"
			else
				echo "$m" >>"$tmp/modules/order"
			fi
		elif [[ $INITRD_OPTIONAL == *" $m "* || " $DISK_MODULES " == *" $m "* ]]; then
			# (a disk module neither there nor built in: the mount says so)
			continue
		elif ! grep -q "/$m\.ko\(\.xz\|\.zst\|\.gz\)\?\$" "$kdir/lib/modules/$kver/modules.builtin"; then
			rm -rf "$tmp"
			die "module $m is neither in $kver nor built in"
		fi
	done
	touch "$tmp/modules/order" "$tmp/modules/disk-order"
	stage1 >"$tmp/init"
	chmod 755 "$tmp/init"
	(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc -R 0:0 2>/dev/null) |
		gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$tmp"
}

# build_root NAME ARCH VARIANT PACKAGES: a Debian bookworm userland made
# once with mmdebstrap from deb.debian.org into $cache/NAME (kept whole
# only once complete). VARIANT extract (arm64): the packages unpacked, no
# maintainer script runs, so no arm64 code runs on the host; what their
# scripts would have made and stage2 needs is made here. VARIANT apt
# (--systemd, amd64): essential, apt and PACKAGES installed for real, their
# maintainer scripts run in a chroot on the host.
build_root() {
	local name=$1 rarch=$2 variant=$3 packages=$4 root tmp
	root=$cache/$name
	[[ ! -f $root/.complete ]] || return 0
	log "making the $rarch userland in $root (once)"
	tmp=$cache/.$name.tmp
	rm -rf "$tmp"
	# shellcheck disable=SC2086 # one package a word
	mmdebstrap --quiet --arch="$rarch" --variant="$variant" \
		--include="$(echo $packages | tr ' ' ,)" \
		--aptopt='Acquire::Languages "none"' bookworm "$tmp" \
		"deb http://deb.debian.org/debian bookworm main" \
		"deb http://deb.debian.org/debian-security bookworm-security main" >&2 ||
		die "mmdebstrap of the $rarch userland ($name) failed"
	if [[ $variant == extract ]]; then
		cp "$tmp/usr/share/base-passwd/passwd.master" "$tmp/etc/passwd"
		cp "$tmp/usr/share/base-passwd/group.master" "$tmp/etc/group"
		# update-alternatives' links
		[[ -e $tmp/usr/bin/awk ]] || ln -s gawk "$tmp/usr/bin/awk"
		mkdir -p "$tmp/work"
	fi
	mkdir -p "$tmp/lib/modules" "$tmp/run" "$tmp/tmp"
	chmod 1777 "$tmp/tmp"
	rm -rf "$root"
	mv "$tmp" "$root"
	touch "$root/.complete"
}

# Sets kernel, initrd and moddir, fetching and building what the cache lacks.
prepare_cache() {
	local pkg kver dir key lockfd name
	mkdir -p "$cache"
	[[ $suite == bookworm && $darch == amd64 ]] || private_apt
	pkg=$(pick_kernel)
	kver=$(kver_of "$pkg")
	# Parallel runs (--lsm and --no-lsm at once) share the cache.
	exec {lockfd}>"$cache/.lock"
	flock "$lockfd"
	if [[ -z $pkg || ! -f $cache/$kver/.complete ]] &&
		! { [[ -n $pkg ]] && fetch_kernel "$pkg"; }; then
		# Stale lists name a package the archive dropped: refresh, pick again.
		if ((EUID == 0)); then
			apt_update || true
			[[ -n ${APPBAN_VM_KERNEL:-} ]] || pkg=$(newest_kernel)
			kver=$(kver_of "$pkg")
		fi
		if [[ -z $pkg ]] || { [[ ! -f $cache/$kver/.complete ]] && ! fetch_kernel "$pkg"; }; then
			kver=$(newest_cached)
			[[ -z ${APPBAN_VM_KERNEL:-} && -n $kver ]] ||
				die "cannot download ${pkg:-any generic $kline kernel of $suite}"
			log "cannot download ${pkg:-a kernel}: using the cached $kver"
		fi
	fi
	dir=$cache/$kver
	if [[ $arch == arm64 ]]; then
		name=arm64-root-$(sha256sum <<<"$ARM64_ROOT_PACKAGES" | cut -c1-8)
		build_root "$name" arm64 extract "$ARM64_ROOT_PACKAGES"
		lowerdir=$cache/$name
		busybox=$lowerdir/bin/busybox
	elif [[ $init == systemd ]]; then
		name=bookworm-amd64-systemd-$(sha256sum <<<"$SYSTEMD_ROOT_PACKAGES" | cut -c1-8)
		if [[ ! -f $cache/$name/.complete ]]; then
			find "$cache" -maxdepth 1 -name 'bookworm-amd64-systemd*' ! -name "$name" \
				-exec rm -rf {} +
		fi
		build_root "$name" amd64 apt "$SYSTEMD_ROOT_PACKAGES"
		lowerdir=$cache/$name
	fi
	key=$({
		stage1
		echo "$INITRD_MODULES $DISK_MODULES $BUSYBOX_APPLETS $arch"
		sha256sum "$busybox"
	} | sha256sum | cut -c1-12)
	initrd=$dir/initramfs-$key.cpio.gz
	if [[ ! -f $initrd ]]; then
		find "$dir" -maxdepth 1 -name 'initramfs-*.cpio.gz' -delete
		build_initramfs "$dir" "$kver" "$initrd"
	fi
	exec {lockfd}>&-
	kernel=$dir/boot/vmlinuz-$kver
	moddir=$dir/lib/modules
}
lowerdir=/ busybox=/bin/busybox

# ------------------------------------------------------------------- guest

# PID 1 after switch_root (bash from the host's userland): mounts what a test
# needs, runs the command, reports its status through the xchg share and
# powers off. It must never exit: init exiting is a panic.
# --systemd: PID 1 only until it has bound the modules and the working
# directory and installed a unit that runs it again with --run once
# multi-user.target is reached; then systemd is PID 1, mounts the rest, and
# powers off when the command has ended.
stage2() {
	cat <<'EOF'
#!/bin/bash
X=/run/appban-vm
H=/run/appban-host
warn() { echo "vmtest stage2: $*" >&2; }
# shellcheck source=/dev/null
. "$X/params"
con=$GUEST_CONSOLE
[[ -c $con ]] || con=/dev/console
m() { mount "$@" || warn "mount $* failed"; }
if [[ $GUEST_INIT == systemd && ${1:-} != --run ]]; then
	mkdir -p /lib/modules
	m --bind "$H$GUEST_MODDIR" /lib/modules
	if [[ $GUEST_CWD != / ]]; then
		mkdir -p "$GUEST_CWD" && m --bind "$H$GUEST_CWD" "$GUEST_CWD"
	fi
	u=/etc/systemd/system
	mkdir -p "$u/multi-user.target.wants"
	cat >"$u/appban-vmtest.service" <<UNIT
[Unit]
Description=scripts/vmtest.sh's command
After=multi-user.target
[Service]
Type=exec
ExecStart=/bin/bash $X/stage2 --run
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=$con
TTYReset=no
TTYVHangup=no
UNIT
	ln -sfn ../appban-vmtest.service "$u/multi-user.target.wants/appban-vmtest.service"
	# the console is the command's; no timer of the image takes dpkg's lock
	# or the CPU in the middle of a test
	for t in "serial-getty@${con#/dev/}.service" apt-daily.timer apt-daily-upgrade.timer \
		dpkg-db-backup.timer man-db.timer fstrim.timer e2scrub_all.timer; do
		ln -sfn /dev/null "$u/$t"
	done
	echo appban-vm >/etc/hostname
	exec /lib/systemd/systemd
fi
# The host side adds the CRs: QEMU leaves OPOST on a terminal, and a log file
# wants none.
if ((GUEST_RAW)); then
	stty -onlcr echo rows "$GUEST_ROWS" cols "$GUEST_COLS" <"$con" 2>/dev/null
else
	stty -onlcr -echo <"$con" 2>/dev/null
fi
if [[ $GUEST_INIT != systemd ]]; then
	m -t securityfs securityfs /sys/kernel/security
	m -t bpf -o mode=0700 bpffs /sys/fs/bpf
	m -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
	m -t tracefs tracefs /sys/kernel/tracing
	m -t debugfs debugfs /sys/kernel/debug
	mkdir -p /dev/pts /dev/shm /dev/mqueue /run/lock /lib/modules
	m -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
	m -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
	m -t mqueue mqueue /dev/mqueue
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr
	m --bind "$H$GUEST_MODDIR" /lib/modules
	# arm64: the working directory is the host's, at the same path.
	if [[ $GUEST_SEPARATE_HOST == 1 && $GUEST_CWD != /tmp/* ]]; then
		mkdir -p "$GUEST_CWD" && m --bind "$H$GUEST_CWD" "$GUEST_CWD"
	fi
	# The tmpfs on /tmp would hide a working directory under /tmp: keep it.
	if [[ $GUEST_CWD == /tmp/* ]]; then
		mkdir -p /run/appban-cwd
		mount --bind "$GUEST_CWD" /run/appban-cwd
	fi
	m -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
	if [[ $GUEST_CWD == /tmp/* ]]; then
		mkdir -p "$GUEST_CWD"
		mount --move /run/appban-cwd "$GUEST_CWD"
	fi
	# --share: after the tmpfs on /tmp, which would hide it; no cache, so
	# that every guest sees at once what another made there
	# (not mounted: no directory there either, for the command to see)
	if [[ -n $GUEST_SHARE ]]; then
		mkdir -p "$GUEST_SHARE" &&
			m -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share "$GUEST_SHARE" ||
			rmdir "$GUEST_SHARE"
	fi
	ip link set lo up || warn "cannot bring lo up"
	echo appban-vm >/proc/sys/kernel/hostname
fi
mapfile -d '' -t env <"$X/env"
mapfile -d '' -t argv <"$X/argv"
cd "$GUEST_CWD" || warn "no $GUEST_CWD in the guest"

run() {
	if ((GUEST_RAW)); then
		# A session on the serial line, so that Ctrl-C reaches the command.
		setsid -c -w env -i "${env[@]}" "$@" <"$con" >"$con" 2>&1
	elif ((GUEST_STDIN)); then
		env -i "${env[@]}" "$@" <"$con"
	else
		env -i "${env[@]}" "$@" </dev/null
	fi
}

rc=0
if ((${#argv[@]})); then
	echo "started 125" >"$X/status"
	run "${argv[@]}"
	rc=$?
	echo "exit $rc" >"$X/status"
fi
if ((GUEST_SHELL)); then
	run bash -i
	shell_rc=$?
	((${#argv[@]})) || echo "exit $shell_rc" >"$X/status"
fi
# Let the serial line drain (stty sets with TCSADRAIN), keep "Power down"
# off the console, then power off.
stty "$(stty -g <"$con")" <"$con" 2>/dev/null
echo 0 >/proc/sys/kernel/printk
if [[ $GUEST_INIT == systemd ]]; then
	# a clean shutdown: the services stopped, the disk (--disk) synced (what
	# `systemctl poweroff` does when it does not go through logind)
	systemctl --no-block --job-mode=replace-irreversibly start poweroff.target && exit 0
	warn "systemctl start poweroff.target failed"
fi
/bin/busybox poweroff -f
echo o >/proc/sysrq-trigger
sleep 60
EOF
}

# ---------------------------------------------------------------------- run

ensure_packages
initrd='' kernel='' moddir=''
prepare_cache
# the lower layer is not the host's own /: the host's comes as a share
separate_host=0
[[ $lowerdir == / ]] || separate_host=1

xchg=$(mktemp -d "${TMPDIR:-/tmp}/appban-vm.XXXXXX")
saved_tty=
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
	local rc=$?
	[[ -z $saved_tty ]] || stty "$saved_tty" 2>/dev/null || true
	rm -rf "$xchg"
	exit "$rc"
}
trap cleanup EXIT

# The status file starts as a failure: only a guest that ran to the end
# overwrites it with "exit N".
echo "boot 125" >"$xchg/status"
stage2 >"$xchg/stage2"

# stdin goes to the guest only when it is our terminal and we are in its
# foreground: otherwise QEMU would stop on SIGTTIN/SIGTTOU or eat CI's stdin.
raw=0 guest_stdin=0
if [[ -t 0 ]]; then
	stat=$(</proc/$$/stat)
	read -r -a f <<<"${stat##*) }"
	# f[2] is the process group, f[5] the terminal's foreground group.
	if [[ ${f[2]} == "${f[5]}" ]]; then
		raw=1
		saved_tty=$(stty -g)
	fi
elif ((shell)); then
	guest_stdin=1
fi
rows=24 cols=80
if ((raw)); then
	read -r rows cols < <(stty size) || true
fi

{
	printf 'GUEST_%s=%q\n' \
		CWD "$PWD" MODDIR "$moddir" RAW "$raw" STDIN "$guest_stdin" \
		CONSOLE "$console" SEPARATE_HOST "$separate_host" INIT "$init" \
		SHELL "$shell" ROWS "${rows:-24}" COLS "${cols:-80}" SHARE "$share"
} >"$xchg/params"

env_out=("PATH=$PATH" HOME=/root USER=root LOGNAME=root SHELL=/bin/bash
	APPBAN_VM=1 "APPBAN_VM_LSM=$lsm" "APPBAN_VM_KERNEL_LINE=$kline" "APPBAN_VM_ARCH=$arch")
if ((raw)); then env_out+=("TERM=${TERM:-vt100}"); else env_out+=(TERM=dumb); fi
while IFS= read -r -d '' kv; do
	case ${kv%%=*} in
	APPBAN_VM | APPBAN_VM_LSM | APPBAN_VM_KERNEL_LINE | APPBAN_VM_ARCH | APPBAN_VM_CACHE | APPBAN_VM_KERNEL | APPBAN_VM_ACCEL | \
		APPBAN_VM_MEM | APPBAN_VM_SMP | APPBAN_VM_APPEND) ;;
	APPBAN_* | LANG | LANGUAGE | LC_* | TZ) env_out+=("$kv") ;;
	esac
done < <(env -0)
printf '%s\0' "${env_out[@]}" >"$xchg/env"
if (($#)); then printf '%s\0' "$@"; fi >"$xchg/argv"

lsms=lockdown,capability,landlock
((lsm)) && lsms+=,bpf
append="console=${console#/dev/} panic=-1 lsm=$lsms"
if ((verbose)); then
	append+=" loglevel=7"
else
	append+=" quiet loglevel=1"
	# (systemd's own failures are in the journal, and in --verbose)
	[[ $init != systemd ]] || append+=" systemd.show_status=false"
fi
((!separate_host)) || append+=" appban.hostfs=1"
[[ -z $disk ]] || append+=" appban.disk=vda"
append+=${APPBAN_VM_APPEND:+ $APPBAN_VM_APPEND}

case $accel in
tcg) accel_args=(-accel tcg -cpu max) ;;
kvm) accel_args=(-accel kvm -cpu host) ;;
*) die "APPBAN_VM_ACCEL is tcg or kvm, not '$accel'" ;;
esac

if ((raw)); then
	# Ctrl-C goes to the guest; Ctrl-A x quits, Ctrl-A c is the monitor.
	console_args=(-chardev 'stdio,id=con,mux=on,signal=off' -serial chardev:con
		-mon 'chardev=con,mode=readline')
else
	console_args=(-chardev 'stdio,id=con,signal=off' -serial chardev:con)
fi

if [[ $arch == x86_64 ]]; then
	qemu=(qemu-system-x86_64)
else
	# virt: virtio over PCIe (9p as on x86), a PL011 serial line (ttyAMA0).
	qemu=(qemu-system-aarch64 -M virt)
	[[ $accel == tcg ]] || die "APPBAN_VM_ACCEL=kvm: an arm64 guest runs under TCG only here"
fi
qemu+=(-nodefaults -no-user-config -display none
	"${accel_args[@]}" -m "$mem" -smp "$smp" -no-reboot
	"${console_args[@]}"
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-virtfs "local,path=$lowerdir,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$xchg,mount_tag=xchg,security_model=none")
((!separate_host)) ||
	qemu+=(-virtfs "local,path=/,mount_tag=hostfs,security_model=none,readonly=on,multidevs=remap")
[[ -z $share ]] || qemu+=(-virtfs "local,path=$share,mount_tag=share,security_model=none")
[[ -z $disk ]] || qemu+=(-drive "file=$disk,format=raw,if=virtio,cache=unsafe")

qrc=0
if ((raw || guest_stdin)); then
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" || qrc=$?
else
	timeout --foreground -k 10 "$timeout" "${qemu[@]}" </dev/null || qrc=$?
fi

read -r phase code <"$xchg/status" || phase=
[[ $phase != exit ]] || exit "$code"
if [[ $phase == boot ]]; then
	when="before the command started"
else
	when="while the command ran"
fi
if ((qrc == 124)); then
	log "timed out after ${timeout}s $when"
	exit 124
fi
((qrc == 0)) || log "qemu exited with status $qrc"
die "the guest died $when (kernel panic? rerun with --verbose)"
