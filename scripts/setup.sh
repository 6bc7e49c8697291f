#!/bin/sh
# setup.sh: install what dbgkit needs on a Debian or Ubuntu x86_64 machine.
#
#   mingw-w64 for i686 and x86_64   (cross compilers, getopt included)
#   tmux                             (tests/tty.t: the tools at a terminal)
#   Wine with wine64 and wine32     (runs the tools and targets)
#   Capstone for both Windows arches (cross-built from Debian's source
#                                     package into build/deps/)
#
# Safe to run again: each step checks first and skips what is there.
# Usage: scripts/setup.sh [DEPS_DIR]    (default build/deps)

set -eu

deps=${1:-build/deps}
say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# --- Can we handle this system at all? -------------------------------------
[ "$(uname -s)" = Linux ] ||
	die "this script is for Debian/Ubuntu; on Windows use MSYS2 (see README.md)"
command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
	die "no apt-get/dpkg: only Debian and Ubuntu are supported; install mingw-w64, Wine and Capstone by hand"
[ "$(dpkg --print-architecture)" = amd64 ] ||
	die "host architecture is $(dpkg --print-architecture); an amd64 host is needed for wine64 and wine32"

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "not root and no sudo: run as root to install packages"
	SUDO=sudo
fi
. /etc/os-release
suite=${VERSION_CODENAME:-}
[ -n "$suite" ] || die "/etc/os-release has no VERSION_CODENAME"

installed() {	# installed PKG...: true when every package is installed
	for p; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || return 1
	done
}

updated=
apt_update() {
	[ -n "$updated" ] && return 0
	say "apt-get update"
	# One index (an i386 security list) is known to fail now and then;
	# the others still load, which is all we need.
	$SUDO apt-get update -q || say "apt-get update reported errors; carrying on"
	updated=yes
}

apt_install() {
	say "installing: $*"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

# --- mingw-w64 --------------------------------------------------------------
pkgs="gcc-mingw-w64-i686 gcc-mingw-w64-x86-64 make dpkg-dev perl tmux"
if installed $pkgs; then
	say "mingw-w64, make, perl, tmux: present"
else
	apt_update
	apt_install $pkgs
fi

# --- Wine, 64- and 32-bit ---------------------------------------------------
# wine32 is an i386 package. Its libraries must have the same versions as
# their amd64 twins, and the security suite's i386 list sometimes fails to
# load, so pin everything to the release suite (-t) and install wine, wine64
# and wine32 in one transaction; installing wine32 alone removes wine64.
if ! dpkg --print-foreign-architectures | grep -qx i386; then
	say "enabling the i386 architecture"
	$SUDO dpkg --add-architecture i386
	updated=
fi
wine="wine wine64 wine32:i386 libgstreamer-plugins-base1.0-0 libgstreamer-plugins-base1.0-0:i386"
if installed $wine; then
	say "wine: present"
else
	apt_update
	apt_install -t "$suite" --no-install-recommends $wine
	installed wine wine64 wine32:i386 ||
		die "wine, wine64 and wine32:i386 are not all installed; see 'dpkg -l wine wine64 wine32:i386'"
fi

# --- Capstone, cross-built for both arches ------------------------------
have_capstone() {
	[ -f "$deps/x86/lib/libcapstone.a" ] && [ -f "$deps/x64/lib/libcapstone.a" ] &&
	[ -f "$deps/x64/include/capstone/capstone.h" ]
}

# deb-src entries, derived from the machine's own deb entries, so no
# mirror is named here.
add_deb_src() {
	if grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	say "adding deb-src entries next to the existing deb entries"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed 's/^Types:.*/Types: deb-src/' "$f" |
		    $SUDO tee "/etc/apt/sources.list.d/dbgkit-src-$(basename "$f")" >/dev/null
	done
	if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list |
		    $SUDO tee /etc/apt/sources.list.d/dbgkit-src.list >/dev/null
	fi
	updated=
}

if have_capstone; then
	say "capstone: present in $deps"
else
	add_deb_src
	apt_update
	src="$deps/src"
	rm -rf "$src"
	mkdir -p "$src"
	say "fetching Debian's capstone source package"
	(cd "$src" && apt-get source -q capstone) ||
		die "apt-get source capstone failed"
	dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'capstone-*' | head -n 1)
	[ -n "$dir" ] || die "no capstone-* directory in $src"
	for arch in x86 x64; do
		case $arch in
		x86) cross=i686-w64-mingw32- ;;
		x64) cross=x86_64-w64-mingw32- ;;
		esac
		say "building capstone for $arch"
		make -C "$dir" clean >/dev/null 2>&1 || true
		# Only capstone.lib: the default target also builds tests and a
		# fuzzer that do not link with mingw.
		make -s -C "$dir" CROSS=$cross CAPSTONE_ARCHS=x86 \
		    CAPSTONE_SHARED=no CAPSTONE_STATIC=yes capstone.lib ||
			die "building capstone for $arch failed"
		mkdir -p "$deps/$arch/lib" "$deps/$arch/include/capstone"
		lib=$(find "$dir" -name 'libcapstone.a' -o -name 'capstone.lib' | head -n 1)
		cp "$lib" "$deps/$arch/lib/libcapstone.a"
		cp "$dir"/include/capstone/*.h "$deps/$arch/include/capstone/"
	done
	have_capstone || die "capstone build finished but $deps is incomplete"
fi

say "ready: $(i686-w64-mingw32-gcc -dumpversion) (mingw-w64), $(wine --version 2>/dev/null || echo 'wine ?'), capstone in $deps"
