# Sourced by scripts/package-clean.sh and scripts/vm-check.sh: a fresh
# Debian 12 root in $root, made from a debootstrap kept as a tar file for
# a week so that later runs skip debootstrap.
#
#   debian_root TARFILE "DEBOOTSTRAP ARGS..."
#
# Uses $root, $work (for debootstrap.log) and $mirror
# (BONOMAT_DEBIAN_MIRROR). Needs root.
debian_root() {
	_base=$1
	_args=$2
	_debootstrap=$(command -v debootstrap || echo /usr/sbin/debootstrap)
	rm -rf "$root"
	if [ -z "$(find "$_base" -mtime -7 2>/dev/null)" ]; then
		echo "bonomat: debootstrap $_args bookworm from $mirror"
		rm -f "$_base"
		# shellcheck disable=SC2086 # the arguments are words
		"$_debootstrap" $_args bookworm "$root" "$mirror" \
			>"$work/debootstrap.log" 2>&1 || {
			tail -20 "$work/debootstrap.log" >&2
			return 1
		}
		tar -C "$root" -cf "$_base.new" . && mv "$_base.new" "$_base"
	else
		mkdir -p "$root"
		tar -C "$root" -xf "$_base"
	fi
}
