#!/bin/sh
# build/versions: one version everywhere.
#   check_versions.sh VERSION SOURCE_DIR BONOMATD BONOMATCTL
set -u
want=$1
top=$2
status=0
check() { # WHAT GOT
	if [ "$2" = "$want" ]; then
		echo "ok $1: $2"
	else
		echo "FAIL $1: '$2', CMake's project() says '$want'"
		status=1
	fi
}
check "bonomatd --version" "$("$3" --version | sed -n 's/^bonomatd //p')"
check "bonomatctl --version" "$("$4" --version | sed -n 's/^bonomatctl //p')"
check "debian/changelog" "$(sed -n '1s/^bonomat (\([^)]*\)).*/\1/p' "$top/debian/changelog")"
for page in "$top"/docs/man/*.[0-9]; do
	check "$(basename "$page") .Os" "$(sed -n 's/^\.Os Bonomat //p' "$page")"
done
exit $status
