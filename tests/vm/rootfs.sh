#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds the guest's Debian root file system with debootstrap, once: the
# tarball is cached as CACHE_DIR/rootfs-KEY.tar, KEY a hash of the package
# list and of this script, so a changed list builds a new one.
# Prints the tarball's path. Usage: rootfs.sh CACHE_DIR
set -euo pipefail

cache=$1
suite=bookworm
packages=(
	systemd systemd-sysv dbus udev kmod
	linux-image-amd64 initramfs-tools
	openvswitch-switch iproute2 iputils-ping socat procps ethtool
	libsystemd0 libnl-3-200 libnl-route-3-200
)

# The mirror the host's apt uses, so the guest comes from the same place.
mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' \
	/etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
	| head -n1 | awk '{print $2}' || true)
mirror=${mirror:-http://deb.debian.org/debian}

key=$( { printf '%s\n' "$suite" "${packages[@]}"; cat "$0"; } | sha256sum | cut -c1-16)
tarball=$cache/rootfs-$key.tar
if [ -f "$tarball" ]; then
	echo "$tarball"
	exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "rootfs: debootstrap $suite from $mirror (a few minutes, once)" >&2
include=$(IFS=,; echo "${packages[*]}")
debootstrap --variant=minbase --include="$include" "$suite" "$work/root" "$mirror" \
	>"$work/debootstrap.log" 2>&1 || { tail -n 50 "$work/debootstrap.log" >&2; exit 1; }
# Nothing from the network at boot, and no services the test did not ask for.
echo arca-vm >"$work/root/etc/hostname"
printf '/dev/vda / ext4 rw 0 1\n' >"$work/root/etc/fstab"
chroot "$work/root" passwd -d root >/dev/null
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
tar -C "$work/root" -cf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
# Root file systems of earlier package lists are of no more use.
find "$cache" -maxdepth 1 -name 'rootfs-*.tar' ! -path "$tarball" -delete
echo "$tarball"
