#!/bin/sh
# Boots the bonomat package under a real systemd: a Debian 12 virtual
# machine (debootstrap, Debian's own kernel, qemu) with the package
# installed by apt, as an office's IT would. The test machine runs no
# systemd as PID 1, so this is where the unit's hardening, Type=notify,
# the watchdog, the backup timer and ExecReload meet systemd for real.
#
#   scripts/vm-check.sh [WORKDIR]     (default build/vm-check)
#
# Needs root (debootstrap, chroot), qemu-system-x86 and the Debian mirror
# (BONOMAT_DEBIAN_MIRROR, default http://deb.debian.org/debian). The base
# system is kept in WORKDIR/bookworm-vm.tar for a week. QEMU_ACCEL=kvm
# uses KVM where it works (default tcg: nested KVM hangs on some hosts).
# Takes about 4 minutes the first time, 2 when the base is cached.
#
# Inside the machine the checks of vm/check.sh run after boot and write
# "ok ..." or "FAIL ..." lines to the machine's /var/log/vm-check.log,
# copied out to WORKDIR/checks.log; the serial console is kept in
# WORKDIR/console.log. Exit status: 0 when every check passed, 1 otherwise.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$top/build/vm-check}
mirror=${BONOMAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
accel=${QEMU_ACCEL:-tcg}

if [ "$(id -u)" != 0 ]; then
	echo "bonomat: the VM check needs root (debootstrap, chroot)" >&2
	exit 1
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
root=$work/root
cleanup() { rm -rf "$root" "$work/disk.img"; }
trap cleanup EXIT INT TERM
. "$top/scripts/debian-root.sh"
debian_root "$work/bookworm-vm.tar" \
	"--variant=minbase --include=systemd-sysv,udev,dbus,linux-image-amd64,curl,ca-certificates,man-db"

echo "bonomat: building the packages"
sh "$top/scripts/package.sh" "$work/debs" >"$work/package.log" 2>&1 || {
	tail -30 "$work/package.log" >&2
	exit 1
}

echo "bonomat: apt install ./bonomat_*.deb in the machine"
cp "$work"/debs/bonomat_*_amd64.deb "$root/tmp/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" /bin/sh -eu -c '
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
	apt-get install -y -q /tmp/bonomat_*_amd64.deb >/tmp/install.log 2>&1 ||
		{ cat /tmp/install.log; exit 1; }
	rm -f /tmp/bonomat_*.deb'

# The checks run once the machine is up, then power it off.
install -m 0755 "$top/tests/package/vm/check.sh" "$root/usr/local/sbin/vm-check"
install -m 0644 "$top/tests/package/vm/vm-check.service" \
	"$root/etc/systemd/system/vm-check.service"
ln -sf /etc/systemd/system/vm-check.service \
	"$root/etc/systemd/system/multi-user.target.wants/vm-check.service"
# No login prompt on the serial console: its hangup would cut the output.
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
echo "/dev/vda / ext4 defaults 0 1" >"$root/etc/fstab"
echo bonomat-vm >"$root/etc/hostname"

kernel=$(ls "$root"/boot/vmlinuz-* | tail -1)
initrd=$(ls "$root"/boot/initrd.img-* | tail -1)
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd.img"
rm -f "$work/disk.img"
mkfs.ext4 -q -d "$root" -L root "$work/disk.img" 3G
rm -rf "$root"

echo "bonomat: booting the machine ($accel); console in $work/console.log"
cpu=max
[ "$accel" = kvm ] && cpu=host
timeout 900 qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m 1024 -smp 1 \
	-nographic -no-reboot -kernel "$work/vmlinuz" \
	-initrd "$work/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 edd=off" \
	-drive "file=$work/disk.img,format=raw,if=virtio" \
	-nic user,model=virtio-net-pci >"$work/console.log" 2>&1 || true

# What the checks said, read from the machine's disk (debugfs, of
# e2fsprogs: nothing to mount).
debugfs -R "cat /var/log/vm-check.log" "$work/disk.img" \
	>"$work/checks.log" 2>/dev/null || true
cat "$work/checks.log"
if ! grep -q '^VM-CHECK END' "$work/checks.log"; then
	echo "bonomat: the checks did not finish (see $work/console.log)" >&2
	exit 1
fi
if grep -q '^FAIL' "$work/checks.log"; then
	echo "bonomat: $(grep -c '^FAIL' "$work/checks.log") check(s) failed" >&2
	exit 1
fi
echo "bonomat: every check passed under systemd"
