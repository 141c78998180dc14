/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "log.h"
#include "manager.h"
#include "netdev.h"
#include "network.h"
#include "fdstore.h"
#include "tap.h"

const char *network_state_to_string(NetworkState s) {
	switch (s) {
	case NETWORK_LISTENING:
		return "listening";
	case NETWORK_CONNECTED:
		return "connected";
	case NETWORK_FAILED:
		return "failed";
	}
	return "unknown";
}

void network_format_peer(const Network *n, char *buf, size_t size) {
	if (n->state == NETWORK_CONNECTED)
		peer_format(&n->peer, buf, size);
	else
		snprintf(buf, size, "%s", "");
}

static void network_fdname(Network *n, const char *prefix, char buf[static FDSTORE_NAME_MAX]) {
	fdstore_name(buf, prefix, n->config.device);
}

static void network_keep_fd(Network *n, const char *prefix, int fd) {
	char name[FDSTORE_NAME_MAX];

	network_fdname(n, prefix, name);
	(void) fdstore_keep(fd, name);
}

static void network_drop_fd(Network *n, const char *prefix) {
	char name[FDSTORE_NAME_MAX];

	network_fdname(n, prefix, name);
	(void) fdstore_drop(name);
}

static void network_disconnect(Network *n) {
	n->link = link_free(n->link);
	n->conn_fd = safe_close(n->conn_fd);
	(void) tap_set_carrier(n->tap_fd, false);
}

static void on_link_end(Link *link, LinkSide side, int error, void *userdata) {
	Network *n = userdata;

	if (side == LINK_SIDE_DEVICE) {
		/* A TAP fd only fails like this when the device is gone. */
		log_error_errno(error ?: -ENODEV, "%s: device failed, no longer forwarding: %m",
		                n->config.device);
		n->state = NETWORK_FAILED;
		(void) listener_set_enabled(n->listener, false);
	} else {
		if (error == 0)
			log_info("%s: host disconnected.", n->config.device);
		else
			log_warning_errno(error, "%s: host connection ended: %m", n->config.device);
		n->state = NETWORK_LISTENING;
	}

	network_disconnect(n);
	network_drop_fd(n, "conn");
	manager_network_changed(n->manager, n);
}

/* Forwards between the device and a host connection; takes fd. */
static int network_start_link(Network *n, int fd, const Peer *peer) {
	_cleanup_close_ int conn = fd;
	char who[PEER_STRING_MAX];
	LinkConfig config = {
		.stats = &n->stats,
		.max_frame_bytes = framing_max_frame_bytes(n->config.framing),
		.header_bytes = n->config.framing == FRAMING_VNET ? VNET_HDR_BYTES : 0,
		/* length32: the TAP's header stays here, and TCP segments
		 * from the host reach the container joined. */
		.strip_vnet_hdr = n->config.framing != FRAMING_VNET && n->tap_vnet_hdr,
		/* What the container sends: its own address only, with LockMAC. */
		.to_stream = {
			.max_ether_bytes = n->config.mtu + ETHER_MTU_OVERHEAD,
			.lock_source = n->config.lock_mac,
			.source = n->config.mac,
		},
		.to_device = { .max_ether_bytes = n->config.mtu + ETHER_MTU_OVERHEAD },
		.rate_to_stream = n->config.rate_limit,
		.rate_to_device = n->config.rate_limit,
		.capture = &n->capture,
	};
	int r;

	r = link_new(&n->link, n->manager->event, n->tap_fd, conn, &config, on_link_end, n);
	if (r < 0)
		return log_error_errno(r, "%s: failed to start forwarding: %m", n->config.device);

	n->conn_fd = TAKE_FD(conn);
	n->peer = *peer;
	n->connections++;
	n->state = NETWORK_CONNECTED;
	(void) tap_set_carrier(n->tap_fd, true);
	network_keep_fd(n, "conn", n->conn_fd);

	peer_format(peer, who, sizeof(who));
	log_info("%s: host connected from %s.", n->config.device, who);
	manager_network_changed(n->manager, n);
	return 0;
}

static int on_host_connect(Listener *l, int fd, const Peer *peer, void *userdata) {
	Network *n = userdata;
	_cleanup_close_ int conn = fd;
	char who[PEER_STRING_MAX];

	peer_format(peer, who, sizeof(who));
	if (!peer_allowed(peer, &n->config.allowed_peers)) {
		n->refused++;
		log_warning("%s: refusing connection from %s: not in AllowedPeers.", n->config.device, who);
		manager_network_changed(n->manager, n);
		return -EPERM;
	}
	if (n->link && stream_peer_gone(n->conn_fd)) {
		/* Its end is still unread: the host is back before we noticed. */
		log_info("%s: host disconnected.", n->config.device);
		n->state = NETWORK_LISTENING;
		network_disconnect(n);
		network_drop_fd(n, "conn");
	}
	if (n->link) {
		n->refused++;
		log_warning("%s: refusing connection from %s: a host is connected already.",
		            n->config.device, who);
		manager_network_changed(n->manager, n);
		return -EBUSY;
	}
	return network_start_link(n, TAKE_FD(conn), peer);
}

static int device_error(sd_bus_error *error, int r, const char *what, const char *device) {
	log_error_errno(r, "%s: failed to %s: %m", device, what);
	return sd_bus_error_setf(error, BUS_ERROR_DEVICE_FAILED, "Failed to %s on %s: %s.",
	                         what, device, strerror(-r));
}

/* A device kept in the fd store across a restart is configured already. */
static int network_adopt_device(Network *n, int tap_fd, sd_bus_error *error) {
	n->tap_fd = tap_fd;
	/* An earlier daemon may have made a length32 device without one. */
	n->tap_vnet_hdr = tap_has_vnet_hdr(tap_fd) > 0;
	(void) tap_set_carrier(n->tap_fd, false);
	n->ifindex = netdev_get_ifindex(n->manager->nl, n->config.device);
	if (n->ifindex < 0)
		return device_error(error, n->ifindex, "find the adopted device", n->config.device);
	return 0;
}

static int network_make_device(Network *n, sd_bus_error *error) {
	NetworkConfig *c = &n->config;
	struct nl_sock *nl = n->manager->nl;
	int r;

	n->tap_fd = tap_open(c->device, c->framing == FRAMING_VNET ? TAP_VNET_OFFLOAD : TAP_VNET_HDR);
	n->tap_vnet_hdr = true;
	if (n->tap_fd == -EEXIST)
		return sd_bus_error_setf(error, BUS_ERROR_ALREADY_ATTACHED,
		                         "A network device named '%s' exists already; "
		                         "pick another name or remove that device.", c->device);
	if (n->tap_fd < 0)
		return device_error(error, n->tap_fd, "create the TAP device", c->device);

	/* No host yet: the container sees link down until one connects. */
	r = tap_set_carrier(n->tap_fd, false);
	if (r < 0)
		return device_error(error, r, "set the carrier", c->device);

	n->ifindex = netdev_get_ifindex(nl, c->device);
	if (n->ifindex < 0)
		return device_error(error, n->ifindex, "find the new device", c->device);

	r = netdev_configure(nl, n->ifindex, &c->mac, c->mtu, true);
	if (r < 0)
		return device_error(error, r, "set MAC, MTU and bring up", c->device);

	r = netdev_add_address(nl, n->ifindex, c->family, &c->address, c->prefix_len);
	if (r < 0)
		return device_error(error, r, "add the address", c->device);

	if (c->default_route) {
		r = netdev_add_default_route(nl, n->ifindex, c->family, &c->gateway, n->metric);
		if (r == -ENETUNREACH || r == -EINVAL)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "Cannot route via gateway %s: it is not on the network "
			                         "%s/%u.", c->gateway_string, c->address_string, c->prefix_len);
		if (r == -EEXIST)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "A default route with metric %u exists already; "
			                         "attach with DefaultRoute=false.", n->metric);
		if (r < 0)
			return device_error(error, r, "add the default route", c->device);
	}
	return 0;
}

static int network_listen(Network *n, sd_bus_error *error) {
	char text[SOCKET_ADDRESS_STRING_MAX];
	int r;

	if (n->config.listen_fd >= 0) {
		r = listener_new_from_fd(&n->listener, n->manager->event, TAKE_FD(n->config.listen_fd),
		                         on_host_connect, n);
		if (r < 0)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "ListenFD is not a listening stream socket: %s.", strerror(-r));
	} else {
		socket_address_format(&n->config.listen, text, sizeof(text));
		r = listener_new(&n->listener, n->manager->event, &n->config.listen, on_host_connect, n);
		if (r == -EADDRINUSE)
			return sd_bus_error_setf(error, BUS_ERROR_PORT_IN_USE,
			                         "%s is in use by another program; pick another port.", text);
		if (r < 0)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "Cannot listen on %s: %s.", text, strerror(-r));
	}

	socket_address_format(listener_get_address(n->listener), text, sizeof(text));
	n->listen_string = strdup(text);
	return n->listen_string ? 0 : -ENOMEM;
}

int network_new(Network **ret, Manager *m, NetworkConfig *config, uint32_t metric,
                NetworkAdopt *adopt, sd_bus_error *error) {
	_cleanup_(network_freep) Network *n = NULL;
	_cleanup_close_ int tap_fd = TAKE_FD(adopt->tap_fd), conn_fd = TAKE_FD(adopt->conn_fd);
	int r;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->manager = m;
	n->tap_fd = -1;
	n->conn_fd = -1;
	n->metric = metric;
	n->config = *config;
	*config = (NetworkConfig) { .listen_fd = -1 };

	r = sd_bus_path_encode(FORWARDER_NETWORK_PREFIX, n->config.device, &n->path);
	if (r < 0)
		return r;

	if (tap_fd >= 0)
		r = network_adopt_device(n, TAKE_FD(tap_fd), error);
	else
		r = network_make_device(n, error);
	if (r < 0)
		return r;

	r = network_listen(n, error);
	if (r < 0)
		return r;

	network_keep_fd(n, "tap", n->tap_fd);
	network_keep_fd(n, "listen", listener_get_fd(n->listener));

	if (conn_fd >= 0) {
		Peer peer;

		if (stream_get_peer(conn_fd, &peer) >= 0 && stream_prepare(conn_fd) >= 0)
			(void) network_start_link(n, TAKE_FD(conn_fd), &peer);
		else
			network_drop_fd(n, "conn");
	}

	log_info("%s: attached, %s/%u, MAC %s, MTU %u, listening on %s.", n->config.device,
	         n->config.address_string, n->config.prefix_len, n->config.mac_string,
	         n->config.mtu, n->listen_string);
	*ret = TAKE_PTR(n);
	return 0;
}

void network_forget(Network *n) {
	network_drop_fd(n, "conn");
	network_drop_fd(n, "listen");
	network_drop_fd(n, "tap");
}

Network *network_free(Network *n) {
	if (!n)
		return NULL;

	network_disconnect(n);
	capture_free(n->capture);
	listener_free(n->listener);
	/* The device is not persistent: closing its last fd deletes it,
	 * and its addresses and routes with it. */
	safe_close(n->tap_fd);
	network_config_done(&n->config);
	free(n->listen_string);
	free(n->path);
	free(n);
	return NULL;
}
