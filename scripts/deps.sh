#!/bin/sh
# Installs the Debian 12 packages a task needs, and nothing when they are
# all present: each package is checked with dpkg-query first, and apt-get
# (update, then install) runs only for the missing ones.
#
#   scripts/deps.sh build|test|bench|fuzz|format|rigs|package|package-clean|vm-check ...
#
# Sets add up: "test" is "build" plus the test-only packages, and so on.
set -eu

# Compile and link the daemon and its drivers.
BUILD_PKGS="build-essential cmake pkg-config libmicrohttpd-dev libsqlite3-dev
libjansson-dev libinih-dev libsystemd-dev libcurl4-openssl-dev
libusb-1.0-0-dev libcups2-dev libqrencode-dev"

# Unit tests (cmocka), integration tests (Python's standard library), and
# the sqlite3 shell some tests use to look inside a database;
# libjs-chart.js: the charts of the reports page, which the browser test
# draws (the bonomat package depends on it too); gammu-smsd and gammu: the
# SMS tests run a real gammu-smsd with Gammu's dummy phone
# (tests/integration/test_sms_gammu.py).
TEST_PKGS="libcmocka-dev python3 sqlite3 cups-daemon cups-client cups
umockdev libumockdev-dev libglib2.0-dev chromium libjs-chart.js gammu-smsd
gammu"

# The test rigs of TESTING.md are in TEST_PKGS above: the private cupsd
# (installing cups may try to start the system's cupsd; the tests start
# their own), the emulated USB printer, the browser. "rigs" is kept as an
# empty set for scripts that name it. nodejs/npm are added below only when
# the machine has no node at all (TESTING.md).
TEST_RIG_PKGS=""

# -fsanitize=fuzzer and the sanitizer runtimes of clang 14 are in
# libclang-rt-14-dev, which clang-14 only recommends (so
# --no-install-recommends leaves it out).
FUZZ_PKGS="clang libclang-rt-14-dev"

FORMAT_PKGS="clang-format"

# make bench (tests/bench/run.sh): wrk loads GET /api/v1/services and the
# minimal libmicrohttpd server it is compared with (bench_limits); perf
# (linux-perf) is how the README's profiles were taken.
BENCH_PKGS="wrk linux-perf"

# make package (scripts/package.sh): dpkg-buildpackage, debhelper, lintian;
# fakeroot for a build as a normal user.
PACKAGE_PKGS="dpkg-dev debhelper lintian fakeroot"

# The package tests (tests/package): the packages are built and installed
# (the above), the manual pages linted (mandoc), the installed units
# verified (systemd-analyze, in systemd), the daemon run as its user
# (setpriv, in util-linux), the completion loaded (bash-completion), the
# clean build of scripts/package-clean.sh (debootstrap).
PACKAGE_TEST_PKGS="$PACKAGE_PKGS mandoc systemd util-linux bash-completion
debootstrap"

# make vm-check (scripts/vm-check.sh): a Debian 12 machine made with
# debootstrap and booted by qemu; mkfs.ext4 -d (e2fsprogs) makes its disk.
VM_CHECK_PKGS="debootstrap qemu-system-x86 e2fsprogs"

usage() {
	echo "usage: $0 build|test|bench|fuzz|format|rigs|package|package-clean|vm-check ..." >&2
	exit 2
}

[ $# -gt 0 ] || usage
wanted=""
for set in "$@"; do
	case $set in
	build)	wanted="$wanted $BUILD_PKGS" ;;
	test)	wanted="$wanted $BUILD_PKGS $TEST_PKGS $PACKAGE_TEST_PKGS" ;;
	bench)	wanted="$wanted $BENCH_PKGS" ;;
	fuzz)	wanted="$wanted $BUILD_PKGS $TEST_PKGS $FUZZ_PKGS" ;;
	package) wanted="$wanted $BUILD_PKGS $PACKAGE_PKGS" ;;
	package-clean) wanted="$wanted debootstrap" ;;
	vm-check) wanted="$wanted $VM_CHECK_PKGS" ;;
	format)	wanted="$wanted $FORMAT_PKGS" ;;
	rigs)	wanted="$wanted $TEST_RIG_PKGS" ;;
	*)	usage ;;
	esac
done

missing=""
for pkg in $wanted; do
	case " $missing " in *" $pkg "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $pkg"
	fi
done
# Node.js runs the encoder cross-check and the browser tests. Machines
# that already have a Node.js (not from Debian) keep it: Debian's nodejs
# and npm would conflict with it (TESTING.md).
case " $* " in
*" test "* | *" fuzz "*)
	if ! command -v node >/dev/null 2>&1; then
		missing="$missing nodejs npm"
	fi ;;
esac
[ -n "$missing" ] || exit 0

echo "bonomat: installing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "bonomat: these packages are missing and installing them needs" \
	    "root, but sudo is not installed. Run as root:" >&2
	echo "  apt-get update && apt-get install -y" \
	    "--no-install-recommends$missing" >&2
	exit 1
fi
# A fresh machine's package lists may be empty or old: update first.
$sudo apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is wanted
$sudo env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends $missing
