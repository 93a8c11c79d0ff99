# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by check-deb.sh and check-systemd.sh: the Debian package built
# once the way `dpkg-buildpackage -b -us -uc` builds it, from a copy of the
# tree (tracked and new files, as `git ls-files` lists them), so that the
# checkout gets no debian/build, debian/appban or stamp files.

# deb_build WORK: builds in WORK/appban, its log in WORK/log; sets DEB to
# the package file. The unit tests have a tier of their own (nocheck).
deb_build() {
	local work=$1
	mkdir "$work/appban" || return 1
	{
		git ls-files
		git ls-files --others --exclude-standard
	} | sort -u |
		while read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done |
		tar -cf - -T - | tar -xf - -C "$work/appban" || return 1
	(cd "$work/appban" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -b -us -uc) \
		>"$work/log" 2>&1 || return 1
	DEB=$(find "$work" -maxdepth 1 -name 'appban_*.deb' -print -quit)
	[ -n "$DEB" ]
}

# deb_build_errors WORK: the first error lines of the build's log
deb_build_errors() {
	grep -E 'error|Error' "$1/log" | head -n 5
}
