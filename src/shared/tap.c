/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>

#include "frame.h"
#include "macro.h"
#include "tap.h"

#define TUN_DEVICE_PATH "/dev/net/tun"

/* What a peer with a virtio_net_hdr can take from us: frames whose
 * checksum is left to it, and TCP segments of up to 64 KiB. */
#define TAP_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

static int tap_enable_vnet_hdr(int fd, TapVnet vnet) {
	int size = VNET_HDR_BYTES, le = 1;

	if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0)
		return -errno;
	/* The wire's header is little-endian on any host. */
	if (ioctl(fd, TUNSETVNETLE, &le) < 0 && errno != EINVAL)
		return -errno;
	/* Set either way: a device's offloads outlive a daemon's restart. */
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long) (vnet == TAP_VNET_OFFLOAD ? TAP_OFFLOADS : 0)) < 0)
		return -errno;
	return 0;
}

int tap_open(const char *name, TapVnet vnet) {
	_cleanup_close_ int fd = -1;
	struct ifreq ifr = {};
	int r;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;

	fd = open(TUN_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	/* IFF_TUN_EXCL: fail instead of attaching to an existing device. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL | (vnet != TAP_VNET_NONE ? IFF_VNET_HDR : 0);
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return errno == EBUSY ? -EEXIST : -errno;

	if (vnet != TAP_VNET_NONE) {
		r = tap_enable_vnet_hdr(fd, vnet);
		if (r < 0)
			return r;
	}

	return TAKE_FD(fd);
}

int tap_has_vnet_hdr(int fd) {
	struct ifreq ifr = {};

	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return -errno;
	return !!(ifr.ifr_flags & IFF_VNET_HDR);
}

int tap_set_carrier(int fd, bool on) {
	int carrier = on;

	return ioctl(fd, TUNSETCARRIER, &carrier) < 0 ? -errno : 0;
}
