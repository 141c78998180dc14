/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "ether.h"
#include "fdstore.h"
#include "log.h"
#include "manager.h"
#include "packet.h"
#include "relay.h"

/* How long an OVS internal port may take to show up as a device. */
#define RELAY_PORT_APPEAR_USEC (10 * USEC_PER_SEC)

const char *relay_state_to_string(RelayState s) {
	switch (s) {
	case RELAY_LISTENING:
		return "listening";
	case RELAY_CONNECTING:
		return "connecting";
	case RELAY_CONNECTED:
		return "connected";
	case RELAY_DISCONNECTING:
		return "disconnecting";
	case RELAY_STOPPING:
		return "stopping";
	}
	return "unknown";
}

static void relay_set_state(Relay *r, RelayState state) {
	r->state = state;
	manager_relay_changed(r->manager, r);
}

_printf_(2, 3) static void relay_set_error(Relay *r, const char *format, ...) {
	va_list ap;
	char *s;

	va_start(ap, format);
	if (vasprintf(&s, format, ap) >= 0) {
		free(r->last_error);
		r->last_error = s;
		log_error("relay %u: %s", r->config.vsock_port, s);
	}
	va_end(ap);
}

static void relay_make_port(Relay *r);
static void relay_delete_port(Relay *r);

static void relay_fd_name(const Relay *r, const char *prefix, char buf[static FDSTORE_NAME_MAX]) {
	char port[16];

	snprintf(port, sizeof(port), "%u", r->config.vsock_port);
	fdstore_name(buf, prefix, port);
}

static void relay_keep_fd(const Relay *r, const char *prefix, int fd) {
	char name[FDSTORE_NAME_MAX];

	relay_fd_name(r, prefix, name);
	(void) fdstore_keep(fd, name);
}

static void relay_drop_fd(const Relay *r, const char *prefix) {
	char name[FDSTORE_NAME_MAX];

	relay_fd_name(r, prefix, name);
	(void) fdstore_drop(name);
}

/* Forwarding stopped (or never started): close the device side. */
static void relay_close_device(Relay *r) {
	r->link = link_free(r->link);
	r->watch = netdev_watch_free(r->watch);
	if (r->dev_fd >= 0)
		relay_drop_fd(r, "dev");
	r->dev_fd = safe_close(r->dev_fd);
}

static void relay_drop_host(Relay *r) {
	if (r->conn_fd >= 0)
		relay_drop_fd(r, "conn");
	r->conn_fd = safe_close(r->conn_fd);
}

/* The port is gone (or was never made): back to listening, or on to the
 * host that waited, or, when stopping, done. */
static void relay_port_gone(Relay *r) {
	r->port_made = false;
	if (r->state == RELAY_STOPPING) {
		manager_relay_stopped(r->manager, r);
		return;
	}
	if (r->conn_fd >= 0) {
		relay_set_state(r, RELAY_CONNECTING);
		relay_make_port(r);
		return;
	}
	relay_set_state(r, RELAY_LISTENING);
}

static void on_del_port(OvsCommand *c, int status, const char *out, const char *err, void *userdata) {
	Relay *r = userdata;
	/* Freed on return: out and err live in it. */
	_cleanup_(ovs_command_freep) _unused_ OvsCommand *done = TAKE_PTR(r->ovs);

	if (status != 0)
		/* Left behind; the next start-up's sweep deletes it. */
		relay_set_error(r, "Failed to delete port %s from %s (%s): %s", r->config.port_name,
		                r->config.bridge, status < 0 ? strerror(-status) : "ovs-vsctl failed",
		                err[0] ? err : "no output");
	else
		log_info("relay %u: port %s deleted.", r->config.vsock_port, r->config.port_name);
	relay_port_gone(r);
}

static void relay_delete_port(Relay *r) {
	const OvsContext *ovs = &r->manager->ovs;
	int k;

	relay_close_device(r);
	if (r->config.backend == RELAY_BACKEND_BRIDGE || !r->port_made) {
		/* A bridge port is our TAP: closing it deleted it. */
		relay_port_gone(r);
		return;
	}

	k = ovs_command_run(&r->ovs, r->manager->event,
	                    ovs_argv_del_port(ovs, r->config.bridge, r->config.port_name),
	                    ovs->timeout_sec ?: OVS_TIMEOUT_SEC_DEFAULT, on_del_port, r);
	if (k < 0) {
		relay_set_error(r, "Failed to run ovs-vsctl to delete port %s: %s",
		                r->config.port_name, strerror(-k));
		relay_port_gone(r);
	}
}

static void on_link_end(Link *link, LinkSide side, int error, void *userdata) {
	Relay *r = userdata;

	if (side == LINK_SIDE_STREAM && error == 0)
		log_info("relay %u: host disconnected.", r->config.vsock_port);
	else
		log_warning_errno(error ?: -EIO, "relay %u: %s side ended: %m", r->config.vsock_port,
		                  link_side_to_string(side));

	relay_drop_host(r);
	relay_set_state(r, RELAY_DISCONNECTING);
	relay_delete_port(r);
}

/* A failure while making the port: the host is told by losing its
 * connection, the relay listens again. */
static void relay_fail_connect(Relay *r) {
	relay_drop_host(r);
	relay_set_state(r, RELAY_DISCONNECTING);
	relay_delete_port(r);
}

static void relay_start_link(Relay *r) {
	int mtu = r->config.mtu > 0 ? (int) r->config.mtu : netdev_get_mtu(r->manager->nl, r->ifindex);
	uint32_t max_ether = mtu > 0 ? (uint32_t) mtu + ETHER_MTU_OVERHEAD : 0;
	LinkConfig config = {
		.stats = &r->stats,
		.max_frame_bytes = framing_max_frame_bytes(r->config.framing),
		.header_bytes = r->config.framing == FRAMING_VNET ? VNET_HDR_BYTES : 0,
		/* length32: the device's header stays here, and TCP segments
		 * from the host reach the bridge joined. */
		.strip_vnet_hdr = r->config.framing != FRAMING_VNET && r->dev_vnet_hdr,
		.to_stream = { .max_ether_bytes = max_ether },
		/* What the container sends: its own address only, with LockMAC. */
		.to_device = {
			.max_ether_bytes = max_ether,
			.lock_source = r->config.lock_mac,
			.source = r->config.mac_addr,
		},
		.rate_to_stream = r->config.rate_limit,
		.rate_to_device = r->config.rate_limit,
		.capture = &r->capture,
	};
	int k;

	k = link_new(&r->link, r->manager->event, r->dev_fd, r->conn_fd, &config, on_link_end, r);
	if (k < 0) {
		relay_set_error(r, "Failed to start forwarding: %s", strerror(-k));
		relay_fail_connect(r);
		return;
	}
	log_info("relay %u: forwarding between the host and %s on %s.", r->config.vsock_port,
	         r->config.port_name, r->config.bridge);
	relay_set_state(r, RELAY_CONNECTED);
}

static void on_port_device(NetdevWatch *w, int ifindex, void *userdata) {
	Relay *r = userdata;
	int k;

	r->watch = netdev_watch_free(r->watch);
	if (ifindex < 0) {
		relay_set_error(r, "Port %s was added but no such device appeared within %u s.",
		                r->config.port_name, (unsigned) (RELAY_PORT_APPEAR_USEC / USEC_PER_SEC));
		relay_fail_connect(r);
		return;
	}
	r->ifindex = ifindex;

	/* The port carries the container's frames, not ours. */
	k = netdev_set_ipv6_link_local(r->manager->nl, ifindex, false);
	if (k >= 0)
		k = netdev_configure(r->manager->nl, ifindex, NULL, 0, true);
	if (k >= 0) {
		/* Always with the header: with length32 on the wire, the Link
		 * completes the checksums local senders leave undone. */
		r->dev_fd = packet_open(ifindex, true);
		r->dev_vnet_hdr = true;
		k = r->dev_fd;
	}
	if (k < 0) {
		relay_set_error(r, "Failed to open port %s: %s", r->config.port_name, strerror(-k));
		relay_fail_connect(r);
		return;
	}
	relay_keep_fd(r, "dev", r->dev_fd);
	relay_start_link(r);
}

static void on_add_port(OvsCommand *c, int status, const char *out, const char *err, void *userdata) {
	Relay *r = userdata;
	_cleanup_(ovs_command_freep) _unused_ OvsCommand *done = TAKE_PTR(r->ovs);
	int k;

	if (status != 0) {
		if (status == -ENOENT)
			relay_set_error(r, "Cannot run ovs-vsctl (%s): is Open vSwitch installed?",
			                r->manager->ovs.vsctl ?: OVS_VSCTL_DEFAULT);
		else if (status == -ETIMEDOUT)
			relay_set_error(r, "ovs-vsctl timed out adding port %s to %s: is ovs-vswitchd running?",
			                r->config.port_name, r->config.bridge);
		else
			relay_set_error(r, "ovs-vsctl failed to add port %s to %s: %s", r->config.port_name,
			                r->config.bridge, err[0] ? err : "no output");
		relay_drop_host(r);
		relay_set_state(r, RELAY_LISTENING);
		return;
	}
	r->port_made = true;

	k = netdev_watch_new(&r->watch, r->manager->event, r->config.port_name, RELAY_PORT_APPEAR_USEC,
	                     on_port_device, r);
	if (k < 0) {
		relay_set_error(r, "Failed to watch for port %s: %s", r->config.port_name, strerror(-k));
		relay_fail_connect(r);
	}
}

static int relay_make_bridge_port(Relay *r) {
	int fd;

	fd = bridge_port_open(r->manager->nl, r->config.bridge, r->config.port_name, r->config.mtu,
	                      r->config.framing == FRAMING_VNET ? TAP_VNET_OFFLOAD : TAP_VNET_HDR,
	                      &r->ifindex);
	if (fd == -ENODEV || fd == -ENOTDIR)
		relay_set_error(r, "Bridge %s is gone or no longer a Linux bridge: %s", r->config.bridge,
		                strerror(-fd));
	else if (fd < 0)
		relay_set_error(r, "Failed to add port %s to %s: %s", r->config.port_name,
		                r->config.bridge, strerror(-fd));
	else {
		r->dev_fd = fd;
		r->dev_vnet_hdr = true;
		relay_keep_fd(r, "dev", fd);
	}
	return fd < 0 ? fd : 0;
}

static void relay_make_port(Relay *r) {
	const OvsContext *ovs = &r->manager->ovs;
	int k;

	if (r->config.backend == RELAY_BACKEND_BRIDGE) {
		if (relay_make_bridge_port(r) < 0) {
			relay_close_device(r);
			relay_drop_host(r);
			relay_set_state(r, RELAY_LISTENING);
			return;
		}
		relay_start_link(r);
		return;
	}

	OvsPort port = {
		.bridge = r->config.bridge,
		.name = r->config.port_name,
		.vlan = r->config.vlan,
		.mac = r->config.mac[0] ? r->config.mac : NULL,
		.mtu = r->config.mtu,
		.iface_id = r->config.iface_id,
		.network_id = r->config.network_id[0] ? r->config.network_id : NULL,
		.container_id = r->config.container_id[0] ? r->config.container_id : NULL,
	};
	k = ovs_command_run(&r->ovs, r->manager->event, ovs_argv_add_port(ovs, &port),
	                    ovs->timeout_sec ?: OVS_TIMEOUT_SEC_DEFAULT, on_add_port, r);
	if (k < 0) {
		relay_set_error(r, "Failed to run ovs-vsctl: %s", strerror(-k));
		relay_drop_host(r);
		relay_set_state(r, RELAY_LISTENING);
	}
}

static int on_host_connect(Listener *l, int fd, const Peer *peer, void *userdata) {
	Relay *r = userdata;
	_cleanup_close_ int conn = fd;
	char who[PEER_STRING_MAX];

	peer_format(peer, who, sizeof(who));
	if (!peer_allowed(peer, &r->config.allowed_peers)) {
		r->refused++;
		log_warning("relay %u: refusing connection from %s: not in AllowedPeers.",
		            r->config.vsock_port, who);
		manager_relay_changed(r->manager, r);
		return -EPERM;
	}
	if (r->state == RELAY_CONNECTED && stream_peer_gone(r->conn_fd)) {
		/* Its end is still unread: the host is back before we noticed. */
		log_info("relay %u: host disconnected.", r->config.vsock_port);
		relay_drop_host(r);
		relay_set_state(r, RELAY_DISCONNECTING);
		relay_delete_port(r);
	}
	if (r->conn_fd >= 0 || (r->state != RELAY_LISTENING && r->state != RELAY_DISCONNECTING)) {
		r->refused++;
		log_warning("relay %u: refusing connection from %s: a host is connected already.",
		            r->config.vsock_port, who);
		return -EBUSY;
	}

	r->conn_fd = TAKE_FD(conn);
	r->peer = *peer;
	r->connections++;
	relay_keep_fd(r, "conn", r->conn_fd);
	log_info("relay %u: host connected from %s.", r->config.vsock_port, who);

	/* Still deleting the last port: this host waits for that. */
	if (r->state == RELAY_DISCONNECTING)
		return 0;

	relay_set_state(r, RELAY_CONNECTING);
	relay_make_port(r);
	return 0;
}

/* A restarted daemon's relay: what the fd store kept comes back in the
 * state it was in. A connection with its port forwards again at once; a
 * connection without one gets a port as a new host would; a port without
 * a connection is deleted. */
static void relay_adopt(Relay *r, int conn_fd, int dev_fd) {
	_cleanup_close_ int conn = conn_fd, dev = dev_fd;
	Peer peer;

	if (conn >= 0 && (stream_get_peer(conn, &peer) < 0 || stream_prepare(conn) < 0)) {
		relay_drop_fd(r, "conn");
		conn = safe_close(conn);
	}
	if (dev >= 0) {
		r->ifindex = netdev_get_ifindex(r->manager->nl, r->config.port_name);
		if (r->ifindex < 0) {
			/* The port went while nobody watched. */
			relay_drop_fd(r, "dev");
			dev = safe_close(dev);
		} else {
			r->dev_fd = TAKE_FD(dev);
			r->port_made = true;
			/* A bridge port an earlier daemon made may have none. */
			r->dev_vnet_hdr = r->config.backend == RELAY_BACKEND_OVS ||
			                  tap_has_vnet_hdr(r->dev_fd) > 0;
		}
	}

	if (conn >= 0) {
		r->conn_fd = TAKE_FD(conn);
		r->peer = peer;
		r->connections++;
	}

	if (r->conn_fd >= 0 && r->dev_fd >= 0) {
		log_info("relay %u: host still connected, port %s still there.", r->config.vsock_port,
		         r->config.port_name);
		relay_start_link(r);
	} else if (r->conn_fd >= 0) {
		r->state = RELAY_CONNECTING;
		relay_make_port(r);
	} else if (r->port_made) {
		r->state = RELAY_DISCONNECTING;
		relay_delete_port(r);
	}
}

int relay_new(Relay **ret, Manager *m, RelayConfig *config, RelayAdopt *adopt, sd_bus_error *error) {
	_cleanup_(relay_freep) Relay *r = NULL;
	_cleanup_close_ int conn_fd = adopt ? TAKE_FD(adopt->conn_fd) : -1;
	_cleanup_close_ int dev_fd = adopt ? TAKE_FD(adopt->dev_fd) : -1;
	char text[SOCKET_ADDRESS_STRING_MAX];
	int k;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->manager = m;
	r->conn_fd = -1;
	r->dev_fd = -1;
	r->config = *config;
	*config = (RelayConfig) { .listen_fd = -1 };

	/* The port number is a valid path element as it is. */
	if (asprintf(&r->path, RELAY_PATH_PREFIX "/%u", r->config.vsock_port) < 0)
		return -ENOMEM;

	if (r->config.listen_fd >= 0) {
		k = listener_new_from_fd(&r->listener, m->event, TAKE_FD(r->config.listen_fd),
		                         on_host_connect, r);
		if (k < 0)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "ListenFD is not a listening stream socket: %s.", strerror(-k));
	} else {
		socket_address_format(&r->config.listen, text, sizeof(text));
		k = listener_new(&r->listener, m->event, &r->config.listen, on_host_connect, r);
		if (k == -EADDRINUSE)
			return sd_bus_error_setf(error, BUS_ERROR_PORT_IN_USE,
			                         "%s is in use by another program; pick another port.", text);
		if (k < 0)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "Cannot listen on %s: %s.", text, strerror(-k));
	}

	socket_address_format(listener_get_address(r->listener), text, sizeof(text));
	r->listen_string = strdup(text);
	if (!r->listen_string)
		return -ENOMEM;
	relay_keep_fd(r, "listen", listener_get_fd(r->listener));

	log_info("relay %u: started, port %s on %s (%s, VLAN %u), listening on %s.", r->config.vsock_port,
	         r->config.port_name, r->config.bridge, relay_backend_to_string(r->config.backend),
	         r->config.vlan, r->listen_string);
	if (conn_fd >= 0 || dev_fd >= 0)
		relay_adopt(r, TAKE_FD(conn_fd), TAKE_FD(dev_fd));
	*ret = TAKE_PTR(r);
	return 0;
}

void relay_stop(Relay *r, sd_bus_message *reply) {
	relay_drop_fd(r, "listen");
	r->listener = listener_free(r->listener);
	r->stop_reply = sd_bus_message_ref(reply);
	if (r->ovs && r->config.backend == RELAY_BACKEND_OVS) {
		/* An add-port cut short may have gone through: delete to be sure. */
		r->ovs = ovs_command_free(r->ovs);
		r->port_made = true;
	}
	relay_drop_host(r);
	r->state = RELAY_STOPPING;
	relay_delete_port(r);
}

Relay *relay_free(Relay *r) {
	if (!r)
		return NULL;

	/* Closes without a word to the fd store: what it keeps is for the
	 * next daemon, unless the relay dropped it on the way here. */
	link_free(r->link);
	capture_free(r->capture);
	netdev_watch_free(r->watch);
	safe_close(r->dev_fd);
	safe_close(r->conn_fd);
	ovs_command_free(r->ovs);
	listener_free(r->listener);
	sd_bus_message_unref(r->stop_reply);
	relay_config_done(&r->config);
	free(r->listen_string);
	free(r->last_error);
	free(r->path);
	free(r);
	return NULL;
}
