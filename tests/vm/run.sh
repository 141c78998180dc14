#!/usr/bin/env bash
# Boots a small Debian system under QEMU (software emulation) with systemd
# as PID 1 and the project installed, and runs tests/vm/guest-test.sh in
# it: real systemd units and real AF_VSOCK (the loopback transport). The
# root file system comes from debootstrap and is cached in the build
# directory, keyed on its package list; the project is installed into a
# fresh copy each run. The guest writes its results into its root image,
# read back here after it powered off.
source "$(dirname "$0")/../integration/lib/common.sh"
require_root
require_tools qemu-system-x86_64 debootstrap mkfs.ext4 debugfs meson
[ -r /dev/net/tun ] || true

VMDIR=$BUILD/vm
PACKAGES=systemd,systemd-sysv,dbus,udev,kmod,iproute2,iputils-ping,socat,openvswitch-switch,linux-image-amd64,libsystemd0,libnl-3-200,libnl-route-3-200,procps
MIRROR=${ARCA_VM_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$VMDIR"
CACHE=$VMDIR/rootfs-$(echo "$PACKAGES" | sha256sum | cut -c1-12).tar

if [ ! -f "$CACHE" ]; then
	say "debootstrap bookworm into the cache (once)"
	rm -rf "$VMDIR/rootfs.tmp"
	debootstrap --variant=minbase --include="$PACKAGES" bookworm "$VMDIR/rootfs.tmp" "$MIRROR" \
		>"$VMDIR/debootstrap.log" 2>&1 || { tail -20 "$VMDIR/debootstrap.log"; fail "debootstrap failed"; }
	tar -C "$VMDIR/rootfs.tmp" -cf "$CACHE.tmp" .
	mv "$CACHE.tmp" "$CACHE"
	rm -rf "$VMDIR/rootfs.tmp"
fi

say "the project, built for /usr and installed into a copy of the root"
if [ ! -f "$VMDIR/build/build.ninja" ]; then
	meson setup "$VMDIR/build" "$TOP" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
		-Dtests=disabled -Dman=disabled >/dev/null
fi
ninja -C "$VMDIR/build" >/dev/null
ROOT=$VMDIR/root
rm -rf "$ROOT"
mkdir -p "$ROOT"
on_exit "rm -rf '$ROOT' '$VMDIR/root.img'"
tar -C "$ROOT" -xf "$CACHE"
DESTDIR=$ROOT meson install -C "$VMDIR/build" --no-rebuild --quiet >/dev/null
install -m 755 "$TOP/tests/vm/guest-test.sh" "$ROOT/usr/local/sbin/arca-vm-test"
install -m 644 "$TOP/tests/vm/arca-vm-test.service" "$ROOT/etc/systemd/system/"
ln -sf /etc/systemd/system/arca-vm-test.service "$ROOT/etc/systemd/system/multi-user.target.wants/"
echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$ROOT/etc/fstab"
echo arca-vm >"$ROOT/etc/hostname"
# Nothing to wait for on a machine with no network.
ln -sf /dev/null "$ROOT/etc/systemd/system/systemd-networkd-wait-online.service"
mkfs.ext4 -q -F -d "$ROOT" -L arca-vm "$VMDIR/root.img" 3G

say "boot (QEMU, software emulation; the guest powers off when done)"
kernel=$(ls "$ROOT"/boot/vmlinuz-* | tail -1)
initrd=$(ls "$ROOT"/boot/initrd.img-* | tail -1)
start=$SECONDS
timeout "${ARCA_VM_TIMEOUT:-1200}" qemu-system-x86_64 -m 1536 -smp 2 -display none -no-reboot \
	-kernel "$kernel" -initrd "$initrd" \
	-append "root=/dev/vda rw console=ttyS0 panic=-1 quiet systemd.show_status=0" \
	-drive "file=$VMDIR/root.img,format=raw,if=virtio" -nic none \
	-serial "file:$VMDIR/console.log" -monitor none \
	|| fail "QEMU failed or timed out after $((SECONDS - start)) s (console: $VMDIR/console.log)"
echo "   the guest ran for $((SECONDS - start)) s"

debugfs -R "cat /arca-vm-results" "$VMDIR/root.img" 2>/dev/null >"$VMDIR/results" || true
debugfs -R "cat /arca-vm-journal" "$VMDIR/root.img" 2>/dev/null >"$VMDIR/journal" || true
sed 's/^/   /' "$VMDIR/results"
if grep -q '^FAIL' "$VMDIR/results" || ! grep -qx done "$VMDIR/results"; then
	echo "--- the guest's journal (the end; all of it in $VMDIR/journal)"
	tail -150 "$VMDIR/journal"
	fail "a step failed in the VM"
fi
echo PASS
