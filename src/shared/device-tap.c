/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "device-tap.h"
#include "ether.h"
#include "log.h"
#include "tap.h"
#include "tso.h"

typedef struct TapDevice {
	Device device;
	char *name;
} TapDevice;

static void tap_device_open(Device *d) {
	(void) tap_set_carrier(d->fd, true);
	device_done(d, 0);
}

static void tap_device_close(Device *d, bool broken) {
	TapDevice *t = (TapDevice *) d;

	(void) tap_set_carrier(d->fd, false);
	/* A TAP fd only fails when its device is gone. */
	if (broken)
		device_fail(d, -ENODEV, "The device %s is gone; detach the network and attach it again.", t->name);
	else
		device_done(d, 0);
}

static void tap_device_free(Device *d) {
	TapDevice *t = (TapDevice *) d;

	free(t->name);
	free(t);
}

static const DeviceOps tap_device_ops = {
	.persistent = true,
	.open = tap_device_open,
	.close = tap_device_close,
	.free = tap_device_free,
};

static int tap_describe(Device *d, const TapDeviceConfig *c) {
	char addresses[TAP_ADDRESSES_MAX * IN_ADDR_PREFIX_STRING_MAX] = "", mac[ETHER_ADDR_STRING_MAX];
	char what[IFNAMSIZ + 16];

	for (size_t i = 0; i < c->n_addresses; i++) {
		char a[IN_ADDR_PREFIX_STRING_MAX];

		in_addr_prefix_format(&c->addresses[i], a);
		if (i > 0)
			strcat(addresses, " ");
		strcat(addresses, a);
	}
	ether_addr_format(&c->mac, mac);
	snprintf(what, sizeof(what), "device %s", c->name);
	return device_describe(d, what, "%s, MAC %s, MTU %u", addresses, mac, c->mtu);
}

static int device_error(sd_bus_error *error, int r, const char *what, const char *name) {
	log_error_errno(r, "%s: failed to %s: %m", name, what);
	return sd_bus_error_setf(error, BUS_ERROR_DEVICE_FAILED, "Failed to %s on %s: %s.", what, name,
	                         strerror(-r));
}

/* A device kept in the fd store across a restart is configured already. */
static int tap_adopt(Device *d, struct nl_sock *nl, const TapDeviceConfig *c, int fd, sd_bus_error *error) {
	d->fd = fd;
	/* An earlier daemon may have made a length32 device without one;
	 * with one, it hands out what the earlier daemon asked for. */
	d->vnet_hdr = d->gso = tap_has_vnet_hdr(fd) > 0;
	(void) tap_set_carrier(fd, false);
	d->ifindex = netdev_get_ifindex(nl, c->name);
	if (d->ifindex < 0)
		return device_error(error, d->ifindex, "find the adopted device", c->name);
	return 0;
}

static int tap_add_default_route(struct nl_sock *nl, int ifindex, const TapDeviceConfig *c,
                                 const InAddrPrefix *gateway, sd_bus_error *error) {
	char text[INET6_ADDRSTRLEN];
	int r;

	r = netdev_add_default_route(nl, ifindex, gateway->family, &gateway->address, c->metric);
	in_addr_format(gateway, text);
	if (r == -ENETUNREACH || r == -EINVAL)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Cannot route via gateway %s: it is on no network of %s; give a gateway "
		                         "inside the network of an address of its family, or none.", text, c->name);
	if (r == -EEXIST)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "An %s default route with metric %u exists already; "
		                         "attach with DefaultRoute=false.", in_addr_family_name(gateway->family),
		                         c->metric);
	if (r < 0)
		return device_error(error, r, "add the default route", c->name);
	return 0;
}

static int tap_make(Device *d, struct nl_sock *nl, const TapDeviceConfig *c, sd_bus_error *error) {
	int r;

	/* TSO frames, whole to a vnet host, cut by the link for a length32
	 * one: the container's stack hands over one frame for forty. */
	d->fd = tap_open(c->name, TAP_VNET_OFFLOAD);
	d->vnet_hdr = d->gso = true;
	if (d->fd == -EEXIST)
		return sd_bus_error_setf(error, BUS_ERROR_ALREADY_ATTACHED,
		                         "A network device named '%s' exists already; "
		                         "pick another name or remove that device.", c->name);
	if (d->fd < 0)
		return device_error(error, d->fd, "create the TAP device", c->name);

	/* No host yet: the container sees link down until one connects. */
	r = tap_set_carrier(d->fd, false);
	if (r < 0)
		return device_error(error, r, "set the carrier", c->name);

	d->ifindex = netdev_get_ifindex(nl, c->name);
	if (d->ifindex < 0)
		return device_error(error, d->ifindex, "find the new device", c->name);
	r = netdev_set_gso_max_segs(nl, d->ifindex, TSO_SEGMENTS_MAX);
	if (r < 0)
		return device_error(error, r, "bound the segments of its GSO frames", c->name);

	/* Before the device goes up, when the kernel would make it. */
	if (!c->ipv6_link_local) {
		r = netdev_set_ipv6_link_local(nl, d->ifindex, false);
		if (r < 0)
			return device_error(error, r, "turn off the IPv6 link-local address", c->name);
	}

	r = netdev_configure(nl, d->ifindex, &c->mac, c->mtu, true);
	if (r < 0)
		return device_error(error, r, "set MAC, MTU and bring up", c->name);

	for (size_t i = 0; i < c->n_addresses; i++) {
		const InAddrPrefix *a = &c->addresses[i];

		r = netdev_add_address(nl, d->ifindex, a->family, &a->address, a->prefix_len);
		if (r < 0) {
			char text[IN_ADDR_PREFIX_STRING_MAX], what[IN_ADDR_PREFIX_STRING_MAX + 16];

			in_addr_prefix_format(a, text);
			snprintf(what, sizeof(what), "add the address %s", text);
			return device_error(error, r, what, c->name);
		}
	}

	for (size_t i = 0; i < c->n_gateways; i++) {
		r = tap_add_default_route(nl, d->ifindex, c, &c->gateways[i], error);
		if (r < 0)
			return r;
	}
	return 0;
}

int device_tap_new(Device **ret, struct nl_sock *nl, const TapDeviceConfig *config, int adopt_fd,
                   sd_bus_error *error) {
	_cleanup_close_ int fd = adopt_fd;
	_cleanup_(device_freep) Device *d = NULL;
	TapDevice *t;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	device_init(&t->device, &tap_device_ops);
	d = &t->device;
	t->name = strdup(config->name);
	if (!t->name)
		return -ENOMEM;
	r = tap_describe(d, config);
	if (r < 0)
		return r;
	d->mtu = config->mtu;

	if (fd >= 0)
		r = tap_adopt(d, nl, config, TAKE_FD(fd), error);
	else
		r = tap_make(d, nl, config, error);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(d);
	return 0;
}
