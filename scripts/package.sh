#!/bin/sh
# Builds the Debian packages (debian/) from a copy of the working tree, so
# that dpkg-buildpackage writes its .debs into OUTDIR and not beside the
# source tree, then runs lintian on them.
#
#   scripts/package.sh [OUTDIR]     (default build/package)
#
# Exit status: that of dpkg-buildpackage, else 1 when lintian reports an
# error or a warning.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/package}
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/bonomat
rm -rf "$src"
mkdir -p "$src"
# Everything but what is built or fetched (and git's own files).
(cd "$top" && tar -cf - --exclude=./build --exclude=./.git \
	--exclude=node_modules --exclude=./var .) | (cd "$src" && tar -xf -)
rm -f "$out"/bonomat*.deb "$out"/bonomat*.buildinfo "$out"/bonomat*.changes
echo "bonomat: building the packages in $src"
(cd "$src" && dpkg-buildpackage -us -uc -b)
rm -rf "$src"
ls -l "$out"/*.deb
echo "bonomat: lintian"
# --fail-on error,warning: the exit status says whether any E: or W: line
# was printed; overrides (debian/*.lintian-overrides) say why in a comment.
lintian --fail-on error,warning --display-info "$out"/bonomat_*.changes
