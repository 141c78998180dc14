#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Boots a Debian system under QEMU (software emulation) with systemd as
# PID 1 and runs guest-test.sh in it, which installs the project's Debian
# packages: the packages, the units, the bus policy and AF_VSOCK for real,
# through vsock_loopback. Fails if any step inside failed, and then prints
# the guest's journal.
#
# The root file system is built once with debootstrap and cached under
# ARCA_BUILD/vm-cache; each run builds this tree's packages with
# scripts/package (the unit tests left to the other suites) and puts them
# into a copy, with the same packages made one version newer, which the
# guest upgrades to during a transfer.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${ARCA_BUILD:?ARCA_BUILD is the build directory}
cache=$build/vm-cache
# The whole boot-test-poweroff under emulation, bounded.
QEMU_TIMEOUT_SECONDS=${ARCA_VM_TIMEOUT:-900}
IMAGE_SIZE=3G

for tool in qemu-system-x86_64 debootstrap mkfs.ext4 debugfs dpkg-buildpackage lintian; do
	if ! command -v "$tool" >/dev/null; then
		echo "test-vm: $tool is missing (scripts/install-deps installs it); skipping"
		exit 77
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	echo "test-vm: needs root (debootstrap); skipping"
	exit 77
fi

start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - start ))s"; }

# next_version DEB DIR: the same package, its version one step on (VERSION
# becomes VERSION+1), into DIR: what an upgrade brings, as dpkg sees it.
next_version() {
	local unpacked version
	unpacked=$(mktemp -d)
	dpkg-deb -R "$1" "$unpacked"
	version=$(sed -n 's/^Version: //p' "$unpacked/DEBIAN/control")
	sed -i "s/^Version: .*/Version: $version+1/" "$unpacked/DEBIAN/control"
	dpkg-deb -b "$unpacked" "$2/" >/dev/null
	rm -rf "$unpacked"
}

tarball=$("$here/rootfs.sh" "$cache")
echo "test-vm: root file system $tarball ($(elapsed))"

# The project as a distribution installs it: its packages.
DEB_BUILD_OPTIONS=nocheck "$src/scripts/package" >"$cache/package.log" 2>&1 \
	|| { cat "$cache/package.log"; echo "test-vm: scripts/package failed"; exit 1; }
echo "test-vm: packages built ($(elapsed))"

work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir "$root"
tar -C "$root" -xf "$tarball"
debs=$root/var/cache/arca-debs
mkdir -p "$debs/newer"
for deb in "$src"/build/deb/*.deb; do
	case $deb in *-dbgsym_*) continue ;; esac
	cp "$deb" "$debs/"
	next_version "$deb" "$debs/newer"
done
install -m 0755 "$here/guest-test.sh" "$root/usr/local/sbin/arca-vm-test"
install -m 0644 "$here/arca-vm-test.service" "$root/etc/systemd/system/"
ln -sf /etc/systemd/system/arca-vm-test.service \
	"$root/etc/systemd/system/multi-user.target.wants/arca-vm-test.service"

kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n1)
cp "$kernel" "$work/vmlinuz"
cp "$initrd" "$work/initrd"
mkfs.ext4 -q -F -L arca-vm -d "$root" "$work/disk.img" "$IMAGE_SIZE"
rm -rf "$root"
echo "test-vm: image ready ($(elapsed)); booting, at most ${QEMU_TIMEOUT_SECONDS}s"

r=0
timeout --foreground "$QEMU_TIMEOUT_SECONDS" qemu-system-x86_64 \
	-machine q35 -accel tcg -cpu max -smp 2 -m 2048 \
	-kernel "$work/vmlinuz" -initrd "$work/initrd" \
	-append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=1 quiet" \
	-drive "file=$work/disk.img,format=raw,if=virtio" \
	-nic none -display none -monitor none -serial "file:$work/console.log" \
	-no-reboot || r=$?
echo "test-vm: qemu exited with $r ($(elapsed))"

for f in results steps.log journal.txt relayd.journal; do
	debugfs -R "dump /var/lib/arca-vm/$f $work/$f" "$work/disk.img" >/dev/null 2>&1 || true
done

echo "== results"
cat "$work/results" 2>/dev/null || echo "(none)"
ok=1
[ "$r" -eq 0 ] || ok=0
grep -q '^done$' "$work/results" 2>/dev/null || ok=0
grep -q '^FAIL' "$work/results" 2>/dev/null && ok=0
if [ "$ok" -eq 1 ]; then
	echo "== journalctl -u arca-relayd"
	cat "$work/relayd.journal" 2>/dev/null || true
	echo "test-vm: passed in $(elapsed)"
	exit 0
fi
echo "== steps"
cat "$work/steps.log" 2>/dev/null || true
echo "== guest journal"
cat "$work/journal.txt" 2>/dev/null || { echo "== console"; cat "$work/console.log"; }
echo "test-vm: FAILED after $(elapsed)"
exit 1
