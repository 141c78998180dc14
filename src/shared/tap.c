/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>

#include "macro.h"
#include "tap.h"

#define TUN_DEVICE_PATH "/dev/net/tun"

int tap_open(const char *name) {
	_cleanup_close_ int fd = -1;
	struct ifreq ifr = {};

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;

	fd = open(TUN_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	/* IFF_TUN_EXCL: fail instead of attaching to an existing device. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return errno == EBUSY ? -EEXIST : -errno;

	return TAKE_FD(fd);
}

int tap_set_carrier(int fd, bool on) {
	int carrier = on;

	return ioctl(fd, TUNSETCARRIER, &carrier) < 0 ? -errno : 0;
}
