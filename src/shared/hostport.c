/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "bus.h"
#include "dialer.h"
#include "ether.h"
#include "fdstore.h"
#include "fieldtype.h"
#include "frame.h"
#include "handover.h"
#include "hostport.h"
#include "hostport-internal.h"
#include "log.h"
#include "netdev.h"

const Field host_port_fields[] = {
	{ .name = "Framing", .type = &field_type_framing, .offset = offsetof(HostPortSettings, framing),
	  .flags = FIELD_OPTION | FIELD_SETTING | FIELD_STATE | FIELD_PROPERTY,
	  .option = "--framing", .metavar = "length32|vnet", .help = "The wire framing (default: length32)" },
	{ .name = "Listen", .type = &field_type_listen, .offset = offsetof(HostPortSettings, listen),
	  .flags = FIELD_OPTION | FIELD_SETTING | FIELD_STATE | FIELD_PROPERTY,
	  .option = "--listen", .metavar = "ADDRESS",
	  .help = "Listen on ADDRESS instead of vsock::PORT:\nvsock:CID:PORT, vsock::PORT, /path, @name" },
	{ .name = "ListenFD", .type = &field_type_fd, .offset = offsetof(HostPortSettings, listen_fd),
	  .flags = FIELD_OPTION },
	{ .name = "Connect", .type = &field_type_connect, .offset = offsetof(HostPortSettings, connect),
	  .flags = FIELD_OPTION | FIELD_SETTING | FIELD_STATE | FIELD_PROPERTY,
	  .option = "--connect", .metavar = "ADDRESS",
	  .help = "Connect to a host listening on ADDRESS instead of\nlistening, again whenever it goes:\nvsock:CID:PORT, /path, @name" },
	{ .name = "RateLimit", .type = &field_type_bytes, .offset = offsetof(HostPortSettings, rate_limit),
	  .flags = FIELD_OPTION | FIELD_SETTING | FIELD_STATE | FIELD_PROPERTY | FIELD_WRITABLE,
	  .option = "--rate-limit", .metavar = "BYTES",
	  .help = "At most BYTES per second each way\n(suffixes K, M, G, T: powers of 1000)" },
	{ .name = "LockMAC", .type = &field_type_bool, .offset = offsetof(HostPortSettings, lock_mac),
	  .flags = FIELD_OPTION | FIELD_SETTING | FIELD_STATE | FIELD_PROPERTY,
	  .option = "--no-lock-mac", .option_value = "no",
	  .help = "Let frames from the container through whatever\ntheir source MAC address" },
	{ .name = "AllowedPeers", .type = &field_type_allowlist, .offset = offsetof(HostPortSettings, allowed_peers),
	  .flags = FIELD_OPTION | FIELD_SETTING | FIELD_STATE | FIELD_PROPERTY,
	  .option = "--allowed-peers", .metavar = "CID[,CID...]",
	  .help = "The vsock CIDs that may connect (default: 2,\nthe host)" },
	{ .name = "TxQueueLength", .type = &field_type_queue_length, .offset = offsetof(HostPortSettings, tx_queue_length),
	  .flags = FIELD_OPTION | FIELD_SETTING | FIELD_STATE | FIELD_PROPERTY,
	  .option = "--tx-queue-length", .metavar = "FRAMES",
	  .help = "Frames the device may queue for its reader\n(default: 10000)" },
	{}
};

static const char *const host_port_state_table[_HOST_PORT_STATE_MAX] = {
	[HOST_PORT_LISTENING] = "listening",
	[HOST_PORT_CONNECTING] = "connecting",
	[HOST_PORT_CONNECTED] = "connected",
	[HOST_PORT_DISCONNECTING] = "disconnecting",
	[HOST_PORT_STOPPING] = "stopping",
	[HOST_PORT_FAILED] = "failed",
	[HOST_PORT_DIALING] = "dialing",
	[HOST_PORT_WAITING] = "waiting",
};
DEFINE_STRING_TABLE_LOOKUP(host_port_state, HostPortState)

/* Connect: a port dials its host or waits for it, and dials only whom
 * it would admit. */
static int host_port_settings_check_connect(const HostPortSettings *s, sd_bus_error *error) {
	SocketAddress a;
	Peer peer;

	if (!s->connect)
		return 0;
	if (s->listen || s->listen_fd >= 0)
		return sd_bus_error_set(error, BUS_ERROR_INVALID_ARGUMENT,
		                        "Give either Connect or Listen/ListenFD, not both: a port connects to its "
		                        "host or waits for it to connect.");
	if (socket_address_parse(&a, s->connect) < 0)
		return field_invalid(error, fields_find(host_port_fields, 0, "Connect", NULL), s->connect);
	peer = (Peer) { .family = AF_VSOCK, .cid = a.vm.svm_cid };
	if (a.sa.sa_family == AF_VSOCK && !peer_allowed(&peer, &s->allowed_peers))
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Connect=%s reaches CID %" PRIu32 ", which AllowedPeers does not allow; "
		                         "add it to AllowedPeers.", s->connect, peer.cid);
	return 0;
}

int host_port_settings_complete(HostPortSettings *s, uint32_t vsock_port, bool have_mac,
                                sd_bus_error *error) {
	char text[SOCKET_ADDRESS_STRING_MAX];
	SocketAddress a;
	int r;

	if (s->listen && s->listen_fd >= 0)
		return sd_bus_error_set(error, BUS_ERROR_INVALID_ARGUMENT, "Give either Listen or ListenFD, not both.");
	r = host_port_settings_check_connect(s, error);
	if (r < 0)
		return r;
	if (s->listen_fd >= 0) {
		r = listener_check_fd(s->listen_fd, NULL);
		if (r < 0)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "ListenFD must be a listening AF_VSOCK or AF_UNIX stream socket: %s.",
			                         strerror(-r));
	}
	if (!s->listen && s->listen_fd < 0 && !s->connect) {
		(void) socket_address_vsock(&a, VMADDR_CID_ANY, vsock_port);
		socket_address_format(&a, text, sizeof(text));
		s->listen = strdup(text);
		if (!s->listen)
			return -ENOMEM;
	}
	if (s->lock_mac > 0 && !have_mac)
		return sd_bus_error_set(error, BUS_ERROR_INVALID_ARGUMENT,
		                        "LockMAC needs the container's MAC: give one, or LockMAC=false.");
	/* With its MAC known, the container's frames are locked to it unless
	 * told not to. */
	s->lock_mac = have_mac && s->lock_mac != 0;
	if (s->framing < 0)
		s->framing = FRAMING_LENGTH32;
	if (s->tx_queue_length == 0)
		s->tx_queue_length = HOST_PORT_TX_QUEUE_LENGTH_DEFAULT;
	return 0;
}

static int on_changed(sd_event_source *s, void *userdata) {
	HostPort *p = userdata;

	if (p->changed)
		p->changed(p, p->userdata);
	return 0;
}

/* Tells the owner once the current event is handled: a connect that
 * passes through several states in one go makes one change. */
static void host_port_changed(HostPort *p) {
	if (!p->changed_source && sd_event_add_defer(p->event, &p->changed_source, on_changed, p) < 0)
		return;
	(void) sd_event_source_set_enabled(p->changed_source, SD_EVENT_ONESHOT);
}

static void host_port_set_state(HostPort *p, HostPortState state) {
	p->state = state;
	host_port_changed(p);
}

static void host_port_set_error(HostPort *p, const char *message) {
	char *s = strdup(message);

	log_error("%s: %s", p->name, message);
	if (s) {
		free(p->last_error);
		p->last_error = s;
	}
	host_port_changed(p);
}

static void host_port_keep_fd(HostPort *p, const char *prefix, int fd) {
	char name[FDSTORE_NAME_MAX];

	fdstore_name(name, prefix, p->fd_name);
	if (fd >= 0)
		(void) fdstore_keep(fd, name);
	else
		(void) fdstore_drop(name);
}

/* Brings the fd store in line with the fd we have under prefix. */
static void host_port_sync_fd(HostPort *p, const char *prefix, int fd, bool *kept, int *kept_fd) {
	if (*kept && *kept_fd != fd) {
		host_port_keep_fd(p, prefix, -1);
		*kept = false;
	}
	if (!*kept && fd >= 0) {
		host_port_keep_fd(p, prefix, fd);
		*kept = true;
		*kept_fd = fd;
	}
}

static void host_port_sync_fds(HostPort *p) {
	host_port_sync_fd(p, "conn", p->conn_fd, &p->conn_kept, &p->conn_kept_fd);
	host_port_sync_fd(p, DEVICE_FD_PREFIX, p->device->fd, &p->dev_kept, &p->dev_kept_fd);
}

static void host_port_drop_host(HostPort *p) {
	p->link = link_free(p->link);
	link_unfinished_done(&p->unfinished);
	p->conn_fd = safe_close(p->conn_fd);
	host_port_sync_fds(p);
	/* A host that listens is dialed again. */
	if (p->state != HOST_PORT_STOPPING && p->state != HOST_PORT_FAILED)
		dialer_start(p->dialer);
}

static void host_port_open_device(HostPort *p);

static void on_device_problem(Device *d, void *userdata) {
	host_port_set_error(userdata, d->error);
}

static void on_device_ready(Device *d, void *userdata) {
	HostPort *p = userdata;

	if (d->ready)
		log_info("%s: %s is ready.", p->name, strna(d->what));
	host_port_changed(p);
}

/* The host is gone, or never got its device: lets go of the device. */
static void host_port_release(HostPort *p, bool broken);

static void on_device_closed(Device *d, int error, void *userdata) {
	HostPort *p = userdata;

	p->closing = false;
	host_port_sync_fds(p);
	if (error < 0)
		host_port_set_error(p, d->error ?: strerror(-error));
	else if (p->device_was_open && !d->ops->persistent)
		log_info("%s: %s deleted.", p->name, strna(d->what));

	if (p->state == HOST_PORT_STOPPING) {
		/* The object goes, and its device with it. */
		host_port_sync_fd(p, DEVICE_FD_PREFIX, -1, &p->dev_kept, &p->dev_kept_fd);
		if (p->stopped)
			p->stopped(p, p->userdata);
		return;
	}
	if (error < 0 && d->ops->persistent) {
		host_port_drop_host(p);
		(void) listener_set_enabled(p->listener, false);
		dialer_stop(p->dialer);
		host_port_set_state(p, HOST_PORT_FAILED);
		return;
	}
	host_port_set_state(p, HOST_PORT_LISTENING);
	if (p->conn_fd >= 0)
		/* A host came while the device was being closed. */
		host_port_open_device(p);
}

/*
 * Frames the kernel lost on the device's side, which no counter of the
 * link sees, per direction, as the device counts them since it was made.
 * Where the daemon holds the TAP itself (a network's, a bridge port),
 * frames the stack sends may find the TAP's queue full (tx_dropped: lost
 * on their way to the host) and frames the daemon writes the stack's
 * backlog (rx_dropped: from the host). Where it holds a packet socket on a
 * device another reads (an OVS internal port, whose TAP Open vSwitch
 * holds), it is the other way round, and the socket's receive buffer may
 * be full too: its tp_drops, which reset as they are read, go on adding up
 * in socket_drops.
 */
static void device_kernel_drops(HostPort *p, uint64_t *ret_to_host, uint64_t *ret_from_host) {
	Device *d = p->device;
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	uint64_t tx = 0, rx = 0;
	bool packet_socket = false;

	if (d->fd >= 0) {
		if (getsockopt(d->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
			packet_socket = true;
			p->counters.socket_drops += st.tp_drops;
		}
		if (p->nl && d->ifindex > 0)
			(void) netdev_get_dropped(p->nl, d->ifindex, &tx, &rx);
	}
	*ret_to_host = packet_socket ? rx : tx;
	*ret_from_host = packet_socket ? tx : rx;
}

void host_port_kernel_drops(HostPort *p, uint64_t *ret_to_host, uint64_t *ret_from_host) {
	device_kernel_drops(p, ret_to_host, ret_from_host);
	*ret_to_host += p->counters.kernel_drops_to_host + p->counters.socket_drops;
	*ret_from_host += p->counters.kernel_drops_from_host;
}

static void host_port_close_device(HostPort *p, bool broken) {
	uint64_t to_host, from_host;

	/* A device that goes takes its counts with it: keep them. */
	if (!p->device->ops->persistent) {
		device_kernel_drops(p, &to_host, &from_host);
		p->counters.kernel_drops_to_host += to_host;
		p->counters.kernel_drops_from_host += from_host;
	}
	p->closing = true;
	p->device_was_open = p->device->fd >= 0;
	device_close(p->device, broken, on_device_closed, p);
}

static void host_port_release(HostPort *p, bool broken) {
	host_port_drop_host(p);
	host_port_set_state(p, HOST_PORT_DISCONNECTING);
	host_port_close_device(p, broken);
}

static void on_link_end(Link *link, LinkSide side, int error, void *userdata) {
	HostPort *p = userdata;

	if (side == LINK_SIDE_STREAM && error == 0)
		log_info("%s: host disconnected.", p->name);
	else if (side == LINK_SIDE_STREAM)
		log_warning_errno(error, "%s: host connection ended: %m", p->name);
	else
		log_error_errno(error ?: -EIO, "%s: device failed: %m", p->name);
	host_port_release(p, side == LINK_SIDE_DEVICE);
}

static int host_port_start_link(HostPort *p) {
	const HostPortSettings *s = p->settings;
	const Device *d = p->device;
	uint32_t max_ether = d->mtu > 0 ? d->mtu + ETHER_MTU_OVERHEAD : 0;
	LinkConfig config = {
		.stats = &p->counters.link,
		.max_frame_bytes = framing_max_frame_bytes(s->framing),
		.header_bytes = s->framing == FRAMING_VNET ? VNET_HDR_BYTES : 0,
		/* length32: the device's header stays here, and TCP segments
		 * from the host reach the device joined. */
		.strip_vnet_hdr = s->framing != FRAMING_VNET && d->vnet_hdr,
		.cut_gso = d->gso,
		.to_stream = { .max_ether_bytes = max_ether },
		.to_device = { .max_ether_bytes = max_ether },
		.rate_to_stream = s->rate_limit,
		.rate_to_device = s->rate_limit,
		.capture = &p->capture,
	};
	/* What the container sends: from its own address only, with LockMAC. */
	LinkFilter *container = p->container_side == LINK_SIDE_DEVICE ? &config.to_stream : &config.to_device;

	int r;

	container->lock_source = s->lock_mac > 0;
	container->source = p->mac;
	r = link_new(&p->link, p->event, d->fd, p->conn_fd, &config, on_link_end, p);
	if (r < 0)
		return r;
	/* Inside the frames the last daemon had under way, if any. */
	r = link_resume(p->link, &p->unfinished);
	link_unfinished_done(&p->unfinished);
	if (r < 0)
		p->link = link_free(p->link);
	return r;
}

/* TxQueueLength: the device's queue to whoever reads it (the daemon, for
 * a TAP it holds; Open vSwitch, for its internal port). A device that
 * keeps its own costs frames, not the connection: it is said. */
static void host_port_set_tx_queue_length(HostPort *p) {
	int r;

	if (!p->nl || p->device->ifindex <= 0)
		return;
	r = netdev_set_tx_queue_length(p->nl, p->device->ifindex, p->settings->tx_queue_length);
	if (r < 0)
		log_warning_errno(r, "%s: Failed to set the transmit queue of %s to %" PRIu32 " frames: %m",
		                  p->name, strna(p->device->what), p->settings->tx_queue_length);
}

static void on_device_opened(Device *d, int error, void *userdata) {
	HostPort *p = userdata;
	char message[256];
	int r;

	host_port_sync_fds(p);
	if (error < 0) {
		host_port_set_error(p, d->error ?: strerror(-error));
		return host_port_release(p, false);
	}
	/* The host left while its device was being made. */
	if (p->conn_fd < 0)
		return host_port_release(p, false);

	host_port_set_tx_queue_length(p);
	r = host_port_start_link(p);
	if (r < 0) {
		snprintf(message, sizeof(message), "Failed to start forwarding: %s", strerror(-r));
		host_port_set_error(p, message);
		return host_port_release(p, false);
	}
	log_info("%s: forwarding between the host and %s.", p->name, strna(d->what));
	host_port_set_state(p, HOST_PORT_CONNECTED);
}

static void host_port_open_device(HostPort *p) {
	host_port_set_state(p, HOST_PORT_CONNECTING);
	device_open(p->device, on_device_opened, p);
}

/* A host is there: accepted, dialed, or adopted from the last daemon,
 * which counted it already. */
static void host_port_admit(HostPort *p, int fd, const Peer *peer, bool adopted) {
	char who[PEER_STRING_MAX];

	p->conn_fd = fd;
	p->peer = *peer;
	if (!adopted)
		p->counters.connections++;
	host_port_sync_fds(p);
	peer_format(peer, who, sizeof(who));
	log_info("%s: host connected from %s.", p->name, who);
	host_port_changed(p);

	/* Otherwise it waits for the device under way. */
	if (p->state == HOST_PORT_LISTENING)
		host_port_open_device(p);
}

static int on_host_connect(Listener *l, int fd, const Peer *peer, void *userdata) {
	HostPort *p = userdata;
	_cleanup_close_ int conn = fd;
	char who[PEER_STRING_MAX];

	peer_format(peer, who, sizeof(who));
	if (!peer_allowed(peer, &p->settings->allowed_peers)) {
		p->counters.refused++;
		log_warning("%s: refusing connection from %s: not in AllowedPeers.", p->name, who);
		host_port_changed(p);
		return -EPERM;
	}
	if (p->conn_fd >= 0 && stream_peer_gone(p->conn_fd)) {
		/* Its end is still unread: the host is back before we noticed. */
		log_info("%s: host disconnected.", p->name);
		if (p->link)
			host_port_release(p, false);
		else
			host_port_drop_host(p);
	}
	if (p->conn_fd >= 0) {
		p->counters.refused++;
		log_warning("%s: refusing connection from %s: a host is connected already.", p->name, who);
		host_port_changed(p);
		return -EBUSY;
	}
	host_port_admit(p, TAKE_FD(conn), peer, false);
	return 0;
}

static int host_port_listen(HostPort *p, sd_bus_error *error) {
	HostPortSettings *s = p->settings;
	char text[SOCKET_ADDRESS_STRING_MAX];
	SocketAddress a;
	struct stat st;
	char *listen;
	int r;

	if (s->listen_fd >= 0) {
		r = listener_new_from_fd(&p->listener, p->event, TAKE_FD(s->listen_fd), on_host_connect, p);
		if (r < 0)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "ListenFD must be a listening AF_VSOCK or AF_UNIX stream socket: %s.",
			                         strerror(-r));
	} else {
		r = socket_address_parse(&a, s->listen);
		if (r < 0)
			return field_invalid(error, fields_find(host_port_fields, 0, "Listen", NULL), s->listen);
		r = listener_new(&p->listener, p->event, &a, on_host_connect, p);
		if (r == -EADDRINUSE && socket_address_path(&a) && stat(socket_address_path(&a), &st) == 0 &&
		    !S_ISSOCK(st.st_mode))
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "%s is a file, not a socket; give a path where nothing is.", s->listen);
		if (r == -EADDRINUSE)
			return sd_bus_error_setf(error, BUS_ERROR_PORT_IN_USE,
			                         "%s is in use by another program; pick another port.", s->listen);
		if (r < 0)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Cannot listen on %s: %s.",
			                         s->listen, strerror(-r));
	}

	/* Where it listens now, also for a ListenFD: what a restart without
	 * the fd store binds itself. */
	socket_address_format(listener_get_address(p->listener), text, sizeof(text));
	listen = strdup(text);
	if (!listen)
		return -ENOMEM;
	free(s->listen);
	s->listen = listen;
	return 0;
}

/* Takes what the last daemon handed over: its counters, and what its link
 * left unfinished on the host's stream. */
static void host_port_take_handover(HostPort *p, int fd) {
	char name[FDSTORE_NAME_MAX];
	Handover h;
	int r;

	if (fd < 0)
		return;
	r = handover_read(fd, &h);
	safe_close(fd);
	/* Read once: its bytes belong to this moment of the stream. */
	fdstore_name(name, HANDOVER_FD_PREFIX, p->fd_name);
	(void) fdstore_drop(name);
	if (r < 0) {
		log_warning_errno(r, "%s: Failed to read what the last daemon handed over, counting from 0: %m",
		                  p->name);
		return;
	}
	p->counters = h.counters;
	p->unfinished = h.unfinished;
	p->unfinished_inode = h.stream_inode;
}

/* For the next daemon: the counters, and what the link has unfinished. */
static void host_port_hand_over(HostPort *p) {
	_cleanup_(handover_done) Handover h = { .counters = p->counters };
	_cleanup_close_ int fd = -1;
	char name[FDSTORE_NAME_MAX];
	struct stat st;
	int r;

	if (p->link && fstat(p->conn_fd, &st) == 0) {
		h.stream_inode = st.st_ino;
		r = link_get_unfinished(p->link, &h.unfinished);
	} else
		r = 0;
	if (r >= 0)
		r = fd = handover_write(&h);
	if (r >= 0) {
		fdstore_name(name, HANDOVER_FD_PREFIX, p->fd_name);
		r = fdstore_keep(fd, name);
	}
	if (r < 0)
		log_warning_errno(r, "%s: Failed to hand the counters and the frames under way over to the "
		                  "next daemon: %m", p->name);
}

static void on_dialed(Dialer *d, int fd, const Peer *peer, void *userdata) {
	host_port_admit(userdata, fd, peer, false);
}

/* Every failed attempt: LastError, said once by the dialer's log. */
static void on_dial_failed(Dialer *d, const char *message, void *userdata) {
	HostPort *p = userdata;
	char *s;

	if ((p->last_error && strcmp(p->last_error, message) == 0) || !(s = strdup(message)))
		return;
	free(p->last_error);
	p->last_error = s;
	host_port_changed(p);
}

static void on_dial_changed(Dialer *d, void *userdata) {
	host_port_changed(userdata);
}

static const DialerHandlers host_port_dial_handlers = {
	.connected = on_dialed,
	.failed = on_dial_failed,
	.changed = on_dial_changed,
};

/* A restarted daemon's port: an adopted connection is a host as any other,
 * whose device is open already where it was adopted too; an adopted
 * device without a host is let go. */
static void host_port_adopt(HostPort *p, int conn_fd) {
	_cleanup_close_ int conn = conn_fd;
	struct stat st;
	Peer peer;

	if (conn >= 0 && (stream_get_peer(conn, &peer) < 0 || stream_prepare(conn) < 0))
		conn = safe_close(conn);
	if (conn < 0 || fstat(conn, &st) < 0 || st.st_ino != p->unfinished_inode)
		/* What was under way went with its host. */
		link_unfinished_done(&p->unfinished);
	if (conn >= 0) {
		/* The same fd as the store has: nothing to tell it. */
		host_port_admit(p, TAKE_FD(conn), &peer, true);
		return;
	}
	host_port_sync_fds(p);
	if (p->device->fd >= 0 && !p->device->ops->persistent)
		host_port_release(p, false);
}

int host_port_new(HostPort **ret, sd_event *event, const HostPortConfig *config, Device *device,
                  const HostPortAdopt *adopt, sd_bus_error *error) {
	_cleanup_(host_port_freep) HostPort *p = NULL;
	_cleanup_(device_freep) Device *d = device;
	_cleanup_close_ int conn_fd = adopt ? adopt->conn_fd : -1;
	_cleanup_close_ int handover_fd = adopt ? adopt->handover_fd : -1;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->event = sd_event_ref(event);
	p->conn_fd = -1;
	p->settings = config->settings;
	p->container_side = config->container_side;
	p->nl = config->nl;
	p->changed = config->changed;
	p->stopped = config->stopped;
	p->userdata = config->userdata;
	p->name = strdup(config->name);
	p->fd_name = strdup(config->fd_name);
	if (!p->name || !p->fd_name)
		return -ENOMEM;
	if (config->mac) {
		if (ether_addr_parse(config->mac, &p->mac) < 0)
			return -EINVAL;
		p->have_mac = true;
	}
	p->device = TAKE_PTR(d);
	p->device->ready_changed = on_device_ready;
	p->device->problem = on_device_problem;
	p->device->owner = p;
	/* The store has what it gave us; the first sync drops what the
	 * provider did not take. */
	if (adopt) {
		p->conn_kept = adopt->conn_fd >= 0;
		p->conn_kept_fd = adopt->conn_fd;
		p->dev_kept = adopt->dev_fd >= 0;
		p->dev_kept_fd = adopt->dev_fd;
	}

	/* Connect= was checked with the settings. */
	r = p->settings->connect ? dialer_new(&p->dialer, event, p->settings->connect, p->name,
	                                      &host_port_dial_handlers, p)
	                         : host_port_listen(p, error);
	if (r < 0)
		return r;
	/* The service manager keeps one copy of a socket, however often
	 * given. */
	if (p->listener)
		host_port_keep_fd(p, "listen", listener_get_fd(p->listener));
	host_port_take_handover(p, TAKE_FD(handover_fd));
	host_port_adopt(p, TAKE_FD(conn_fd));
	if (p->conn_fd < 0)
		dialer_start(p->dialer);
	*ret = TAKE_PTR(p);
	return 0;
}

void host_port_settings_changed(HostPort *p) {
	if (p->link)
		link_set_rate(p->link, p->settings->rate_limit, p->settings->rate_limit);
}

void host_port_stop(HostPort *p) {
	host_port_keep_fd(p, "listen", -1);
	p->listener = listener_free(p->listener);
	p->dialer = dialer_free(p->dialer);
	host_port_drop_host(p);
	host_port_set_state(p, HOST_PORT_STOPPING);
	/* A close under way ends the stop; an open under way is cut short. */
	if (p->closing)
		return;
	host_port_close_device(p, false);
}

void host_port_shutdown(HostPort *p, bool restarting) {
	if (restarting) {
		/* The next daemon listens on the same socket, and goes on
		 * where this one stops. */
		listener_keep_path(p->listener);
		host_port_hand_over(p);
		return;
	}
	device_shutdown(p->device);
}

HostPort *host_port_free(HostPort *p) {
	if (!p)
		return NULL;
	link_free(p->link);
	link_unfinished_done(&p->unfinished);
	capture_free(p->capture);
	safe_close(p->conn_fd);
	device_free(p->device);
	listener_free(p->listener);
	dialer_free(p->dialer);
	sd_event_source_disable_unref(p->changed_source);
	sd_event_unref(p->event);
	free(p->last_error);
	free(p->name);
	free(p->fd_name);
	free(p);
	return NULL;
}

HostPortState host_port_get_state(const HostPort *p) {
	/* Without a host, a port that dials tells how that goes. */
	if (p->state == HOST_PORT_LISTENING && p->dialer)
		return dialer_get_state(p->dialer) == DIALER_DIALING ? HOST_PORT_DIALING : HOST_PORT_WAITING;
	return p->state;
}

bool host_port_is_ready(const HostPort *p) {
	return p->state == HOST_PORT_CONNECTED && device_is_ready(p->device);
}

bool host_port_has_host(const HostPort *p) {
	return p->conn_fd >= 0;
}

const LinkStats *host_port_get_stats(const HostPort *p) {
	return &p->counters.link;
}

uint64_t host_port_get_refused(const HostPort *p) {
	return p->counters.refused;
}

const char *host_port_get_name(const HostPort *p) {
	return p->name;
}
