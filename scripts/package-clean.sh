#!/bin/sh
# Builds the Debian packages in a clean Debian 12 (a debootstrap of
# bookworm's buildd set: build-essential and nothing else) that gets only
# the build dependencies debian/control declares (apt-get build-dep), so
# that a dependency the build uses but control does not name fails here.
#
#   scripts/package-clean.sh [WORKDIR]     (default build/package-clean)
#
# Needs root (debootstrap, chroot) and the Debian mirror
# (BONOMAT_DEBIAN_MIRROR, default http://deb.debian.org/debian). The bare
# system is kept in WORKDIR/bookworm-buildd.tar for a week, so that later
# runs skip debootstrap; the chroot itself is made anew every run.
#
# Exit status: 0 when the packages were built; 1 otherwise; 77 when not
# root and BONOMAT_ALLOW_SKIP=1 (a skip fails otherwise).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$top/build/package-clean}
mirror=${BONOMAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" != 0 ]; then
	echo "bonomat: a clean build needs root (debootstrap, chroot)" >&2
	[ "${BONOMAT_ALLOW_SKIP:-}" = 1 ] && exit 77
	exit 1
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
root=$work/root
cleanup() { rm -rf "$root"; }
trap cleanup EXIT INT TERM
. "$top/scripts/debian-root.sh"
debian_root "$work/bookworm-buildd.tar" "--variant=buildd"

# The source as package.sh takes it: the tree without what is built.
mkdir -p "$root/src/bonomat"
(cd "$top" && tar -cf - --exclude=./build --exclude=./.git \
	--exclude=node_modules --exclude=./var .) |
	(cd "$root/src/bonomat" && tar -xf -)
cp /etc/resolv.conf "$root/etc/resolv.conf"

echo "bonomat: apt-get build-dep (debian/control) and dpkg-buildpackage"
chroot "$root" /bin/sh -eu -c '
	export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
	apt-get update -q >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
	apt-get build-dep -y -q --no-install-recommends /src/bonomat \
		>/tmp/build-dep.log 2>&1 || { cat /tmp/build-dep.log; exit 1; }
	cd /src/bonomat
	dpkg-buildpackage -us -uc -b >/tmp/build.log 2>&1 ||
		{ tail -60 /tmp/build.log; exit 1; }
	ls -l /src/*.deb'
echo "bonomat: the packages build with only the declared build dependencies"
