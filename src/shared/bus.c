/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "address.h"
#include "bus.h"
#include "fieldtype.h"
#include "frame.h"
#include "listener.h"
#include "stream.h"
#include "log.h"


typedef struct BusPeer BusPeer;
struct BusPeer {
	BusServer *server;
	sd_bus *bus;
	sd_event_source *settle;
	bool closed;
	BusPeer *next;
};

struct BusServer {
	sd_event *event;
	sd_bus *bus;            /* system bus mode */
	Listener *listener;     /* peer-to-peer mode */
	BusPeer *peers;
	sd_event_source *reaper;  /* frees closed peers outside their callbacks */
	BusSetup setup;
	void *userdata;
};

static BusPeer *bus_peer_free(BusPeer *p) {
	if (!p)
		return NULL;
	sd_event_source_disable_unref(p->settle);
	sd_bus_flush_close_unref(p->bus);
	free(p);
	return NULL;
}

static void bus_server_forget_peer(BusServer *s, BusPeer *p) {
	for (BusPeer **i = &s->peers; *i; i = &(*i)->next)
		if (*i == p) {
			*i = p->next;
			break;
		}
	bus_peer_free(p);
}

static int on_reap_peers(sd_event_source *s, void *userdata) {
	BusServer *server = userdata;

	for (BusPeer *p = server->peers, *next; p; p = next) {
		next = p->next;
		if (p->closed)
			bus_server_forget_peer(server, p);
	}
	return 0;
}

/* Runs inside sd_bus_process() of this very bus, so the bus must outlive
 * the call: the peer is only marked here and freed by the reaper. */
static int on_peer_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	BusPeer *p = userdata;

	log_debug("D-Bus peer disconnected.");
	p->closed = true;
	(void) sd_event_source_set_enabled(p->settle, SD_EVENT_OFF);
	(void) sd_event_source_set_enabled(p->server->reaper, SD_EVENT_ONESHOT);
	return 0;
}

DEFINE_POINTER_CLEANUP(BusPeer, bus_peer_free);

/* The system bus went away (dbus-daemon restarted or killed): nobody can
 * reach the daemon any more, and sd-bus does not reconnect. Exiting with
 * a failure lets the service manager start it again (Restart=on-failure),
 * and the fd store carries networks and relays across, as for any
 * restart. */
static int on_system_bus_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	BusServer *s = userdata;

	log_error("Lost the connection to the system bus; exiting so that the service manager starts "
	          "the daemon again.");
	return sd_event_exit(s->event, EXIT_FAILURE);
}

/*
 * Bus clients (busctl, sd_bus_open_system() with an address) greet with
 * org.freedesktop.DBus.Hello and may add matches. A peer-to-peer server has
 * no bus daemon to answer them, so it answers the few calls clients make
 * by itself: each peer gets a unique name, matches cost nothing since every
 * signal goes to every peer anyway.
 */
static int method_hello(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	static unsigned counter;
	char name[32];

	snprintf(name, sizeof(name), ":1.%u", ++counter);
	return sd_bus_reply_method_return(m, "s", name);
}

static int method_ignore_match(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable driver_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Hello", NULL, "s", method_hello, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("AddMatch", "s", NULL, method_ignore_match, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD("RemoveMatch", "s", NULL, method_ignore_match, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

/*
 * A client may send its first call in the same write as the end of its
 * authentication. sd-bus then holds that call in its read buffer with
 * nothing left on the socket to wake the loop, and the call would wait
 * for the client's next message (which never comes). So until the peer is
 * running, process the bus after every loop iteration until it is idle.
 */
static int on_peer_settle(sd_event_source *s, void *userdata) {
	BusPeer *p = userdata;
	int r;

	do
		r = sd_bus_process(p->bus, NULL);
	while (r > 0 && !p->closed);

	if (r < 0 || sd_bus_is_ready(p->bus) > 0)
		(void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
	return 0;
}

static int on_peer_connect(Listener *l, int fd, const Peer *peer, void *userdata) {
	BusServer *s = userdata;
	_cleanup_close_ int owned = fd;
	_cleanup_(bus_peer_freep) BusPeer *p = NULL;
	sd_id128_t id;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->server = s;

	r = sd_bus_new(&p->bus);
	if (r < 0)
		return r;
	r = sd_bus_set_fd(p->bus, owned, owned);
	if (r < 0)
		return r;
	TAKE_FD(owned);
	(void) sd_id128_randomize(&id);
	r = sd_bus_set_server(p->bus, 1, id);
	if (r < 0)
		return r;
	(void) sd_bus_negotiate_fds(p->bus, 1);

	r = sd_bus_add_object_vtable(p->bus, NULL, "/org/freedesktop/DBus", "org.freedesktop.DBus",
	                             driver_vtable, NULL);
	if (r < 0)
		return r;
	r = s->setup(p->bus, s->userdata);
	if (r < 0)
		return log_warning_errno(r, "Failed to register objects on D-Bus peer: %m");
	r = sd_bus_match_signal(p->bus, NULL, "org.freedesktop.DBus.Local",
	                        "/org/freedesktop/DBus/Local", "org.freedesktop.DBus.Local",
	                        "Disconnected", on_peer_disconnected, p);
	if (r < 0)
		return r;
	r = sd_bus_attach_event(p->bus, s->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		return r;
	r = sd_bus_start(p->bus);
	if (r < 0)
		return log_warning_errno(r, "Failed to start D-Bus peer connection: %m");
	r = sd_event_add_post(s->event, &p->settle, on_peer_settle, p);
	if (r < 0)
		return r;

	log_debug("D-Bus peer connected (pid %d, uid %u).", (int) peer->pid, (unsigned) peer->uid);
	p->next = s->peers;
	s->peers = TAKE_PTR(p);
	return 0;
}

int bus_server_new(BusServer **ret, sd_event *event, const char *name,
                   const char *p2p_path, int p2p_fd, BusSetup setup, void *userdata) {
	_cleanup_(bus_server_freep) BusServer *s = NULL;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->event = sd_event_ref(event);
	s->setup = setup;
	s->userdata = userdata;

	if (p2p_fd >= 0 || p2p_path) {
		r = sd_event_add_defer(event, &s->reaper, on_reap_peers, s);
		if (r < 0)
			return r;
		(void) sd_event_source_set_enabled(s->reaper, SD_EVENT_OFF);
	}

	if (p2p_fd >= 0) {
		r = listener_new_from_fd(&s->listener, event, p2p_fd, on_peer_connect, s);
		if (r < 0)
			return log_error_errno(r, "Passed D-Bus socket is not a listening stream socket: %m");
		log_info("Serving D-Bus peer-to-peer on the passed socket.");
	} else if (p2p_path) {
		SocketAddress a;

		r = socket_address_parse(&a, p2p_path);
		if (r < 0 || a.sa.sa_family != AF_UNIX)
			return log_error_errno(-EINVAL, "Invalid --bus= path '%s': must be an absolute path.", p2p_path);
		r = listener_new(&s->listener, event, &a, on_peer_connect, s);
		if (r < 0)
			return log_error_errno(r, "Failed to listen on %s: %m", p2p_path);
		/* Reading is for everyone, as on the system bus; what changes
		 * something checks the caller's credentials. */
		if (chmod(p2p_path, 0666) < 0)
			log_warning_errno(-errno, "Failed to let everyone connect to %s: %m", p2p_path);
		log_info("Serving D-Bus peer-to-peer on %s.", p2p_path);
	} else {
		r = sd_bus_open_system(&s->bus);
		if (r < 0)
			return log_error_errno(r, "Failed to connect to the system bus: %m");
		r = setup(s->bus, userdata);
		if (r < 0)
			return r;
		r = sd_bus_match_signal(s->bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
		                        "org.freedesktop.DBus.Local", "Disconnected", on_system_bus_disconnected, s);
		if (r < 0)
			return log_error_errno(r, "Failed to watch the system bus connection: %m");
		r = sd_bus_attach_event(s->bus, event, SD_EVENT_PRIORITY_NORMAL);
		if (r < 0)
			return log_error_errno(r, "Failed to attach bus to event loop: %m");
		/* Own the name last, once the objects are there to serve. */
		r = sd_bus_request_name(s->bus, name, 0);
		if (r < 0)
			return log_error_errno(r, "Failed to own bus name %s: %m", name);
		log_info("Serving D-Bus as %s on the system bus.", name);
	}

	*ret = TAKE_PTR(s);
	return 0;
}

BusServer *bus_server_free(BusServer *s) {
	if (!s)
		return NULL;
	while (s->peers)
		bus_server_forget_peer(s, s->peers);
	sd_event_source_disable_unref(s->reaper);
	listener_free(s->listener);
	sd_bus_flush_close_unref(s->bus);
	sd_event_unref(s->event);
	free(s);
	return NULL;
}

void bus_server_emit_properties_changed_strv(BusServer *s, const char *path,
                                             const char *interface, char **names) {
	if (s->bus)
		(void) sd_bus_emit_properties_changed_strv(s->bus, path, interface, names);
	for (BusPeer *p = s->peers; p; p = p->next)
		(void) sd_bus_emit_properties_changed_strv(p->bus, path, interface, names);
}

void bus_server_emit_object_added(BusServer *s, const char *path) {
	if (s->bus)
		(void) sd_bus_emit_object_added(s->bus, path);
	for (BusPeer *p = s->peers; p; p = p->next)
		(void) sd_bus_emit_object_added(p->bus, path);
}

void bus_server_emit_object_removed(BusServer *s, const char *path) {
	if (s->bus)
		(void) sd_bus_emit_object_removed(s->bus, path);
	for (BusPeer *p = s->peers; p; p = p->next)
		(void) sd_bus_emit_object_removed(p->bus, path);
}

int bus_verify_root(sd_bus_message *m, const char *action, sd_bus_error *error) {
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	uid_t euid;
	int r;

	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, &euid);
	if (r < 0)
		return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
		                         "Cannot tell who is calling, so refusing to %s.", action);
	if (euid != 0)
		return sd_bus_error_setf(error, BUS_ERROR_ACCESS_DENIED,
		                         "Only root may %s; run the command as root.", action);
	return 0;
}

static const Field capture_fields[] = {
	{ .name = "MaxFrames", .type = &field_type_bytes, .offset = offsetof(CaptureLimits, max_frames),
	  .flags = FIELD_OPTION },
	{ .name = "MaxBytes", .type = &field_type_bytes, .offset = offsetof(CaptureLimits, max_bytes),
	  .flags = FIELD_OPTION },
	{ .name = "SnapLength", .type = &field_type_u32, .offset = offsetof(CaptureLimits, snap_bytes),
	  .flags = FIELD_OPTION },
	{}
};

static void on_capture_end(Capture *c, void *userdata) {
	Capture **slot = userdata;

	*slot = capture_free(*slot);
}

int bus_method_capture(sd_bus_message *m, sd_event *event, const char *name, Capture **slot,
                       sd_bus_error *error) {
	CaptureLimits limits = {
		.max_frames = CAPTURE_MAX_FRAMES_DEFAULT,
		.max_bytes = CAPTURE_MAX_BYTES_DEFAULT,
		.snap_bytes = CAPTURE_SNAP_BYTES_DEFAULT,
	};
	_cleanup_close_ int read_end = -1;
	int fds[2], r;

	r = bus_verify_root(m, "capture traffic", error);
	if (r < 0)
		return r;
	r = fields_read_call(m, capture_fields, &limits, error);
	if (r < 0)
		return r;
	if (limits.max_frames == 0)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "MaxFrames must be at least 1.");
	if (limits.max_bytes < CAPTURE_MAX_BYTES_MIN)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "MaxBytes must be at least %u, to hold the file header "
		                         "and a frame.", CAPTURE_MAX_BYTES_MIN);
	if (limits.snap_bytes == 0 || limits.snap_bytes > CAPTURE_SNAP_BYTES_DEFAULT)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "SnapLength must be 1 to %u bytes.", CAPTURE_SNAP_BYTES_DEFAULT);
	if (*slot)
		return sd_bus_error_setf(error, BUS_ERROR_CAPTURE_RUNNING,
		                         "A capture of %s is running already; end it first "
		                         "(interrupt its 'arcactl capture').", name);

	if (pipe2(fds, O_CLOEXEC) < 0)
		return sd_bus_error_set_errnof(error, errno, "Failed to make a pipe for the capture: %m");
	read_end = fds[0];
	r = capture_new(slot, event, fds[1], name, &limits, on_capture_end, slot);
	if (r < 0)
		return sd_bus_error_set_errnof(error, r, "Failed to start capturing %s: %m", name);

	log_info("%s: capture started.", name);
	return sd_bus_reply_method_return(m, "h", read_end);
}

void strv_free(char **l) {
	if (!l)
		return;
	for (char **i = l; *i; i++)
		free(*i);
	free(l);
}

size_t strv_length(char *const *l) {
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}
