/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "bus.h"
#include "device-bridge.h"
#include "netdev.h"

typedef struct BridgeDevice {
	Device device;
	struct nl_sock *nl;
	const char *bridge;
	const char *port;
	uint32_t mtu;
	TapVnet vnet;
} BridgeDevice;

static void bridge_device_open(Device *d) {
	BridgeDevice *b = (BridgeDevice *) d;
	int fd;

	if (d->fd >= 0)
		return device_done(d, 0);
	fd = bridge_port_open(b->nl, b->bridge, b->port, b->mtu, b->vnet, &d->ifindex);
	if (fd == -ENODEV || fd == -ENOTDIR)
		return device_fail(d, fd, "Bridge %s is gone or no longer a Linux bridge: %s", b->bridge, strerror(-fd));
	if (fd < 0)
		return device_fail(d, fd, "Failed to add port %s to %s: %s", b->port, b->bridge, strerror(-fd));
	d->fd = fd;
	d->vnet_hdr = true;
	d->gso = b->vnet == TAP_VNET_OFFLOAD;
	device_set_mtu(d, b->nl, b->mtu);
	device_done(d, 0);
}

static void bridge_device_close(Device *d, bool broken) {
	/* The port is the TAP: closing its fd deleted it. */
	d->fd = safe_close(d->fd);
	device_done(d, 0);
}

static void bridge_device_free(Device *d) {
	free(d);
}

static const DeviceOps bridge_device_ops = {
	.open = bridge_device_open,
	.close = bridge_device_close,
	.free = bridge_device_free,
};

int device_bridge_new(Device **ret, struct nl_sock *nl, const char *bridge, const char *port,
                      uint32_t mtu, TapVnet vnet, int adopt_fd) {
	_cleanup_close_ int fd = adopt_fd;
	_cleanup_free_ char *what = NULL;
	BridgeDevice *b;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	device_init(&b->device, &bridge_device_ops);
	*b = (BridgeDevice) { .device = b->device, .nl = nl, .bridge = bridge, .port = port, .mtu = mtu, .vnet = vnet };
	if (asprintf(&what, "port %s on %s", port, bridge) < 0 ||
	    device_describe(&b->device, what, "Linux bridge") < 0) {
		device_free(&b->device);
		return -ENOMEM;
	}

	if (fd >= 0) {
		b->device.ifindex = netdev_get_ifindex(nl, port);
		/* A port that went while nobody watched is not taken. */
		if (b->device.ifindex >= 0) {
			/* An earlier daemon may have made it without the header. */
			b->device.vnet_hdr = b->device.gso = tap_has_vnet_hdr(fd) > 0;
			b->device.fd = TAKE_FD(fd);
			device_set_mtu(&b->device, nl, mtu);
		}
	}
	*ret = &b->device;
	return 0;
}

int device_bridge_check(struct nl_sock *nl, const char *bridge, sd_bus_error *error) {
	int r = netdev_is_bridge(nl, bridge);

	if (r == -ENOTDIR)
		return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_BRIDGE,
		                         "'%s' is not a Linux bridge; Backend=bridge needs one.", bridge);
	if (r < 0)
		return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_BRIDGE,
		                         "Bridge '%s' does not exist; it must exist before relays use it "
		                         "(ip link add NAME type bridge).", bridge);
	return 0;
}
