/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <fcntl.h>

#include "listener.h"
#include "log.h"

#define LISTENER_BACKLOG 16

/* The probe for a stale socket file binds to an abstract name with this
 * prefix, so that a listener of ours it happens to reach can tell it from a
 * peer. */
#define PROBE_PREFIX "arca-listener-probe/"

static bool is_probe(const struct sockaddr_un *sun, socklen_t len) {
	size_t n = sizeof(PROBE_PREFIX) - 1;

	return len > offsetof(struct sockaddr_un, sun_path) + n &&
	       sun->sun_path[0] == '\0' &&
	       memcmp(sun->sun_path + 1, PROBE_PREFIX, n) == 0;
}

struct Listener {
	int fd;
	SocketAddress address;
	bool owns_path;
	sd_event_source *source;
	ListenerAcceptHandler handler;
	void *userdata;
};

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	Listener *l = userdata;
	_cleanup_close_ int cfd = -1;
	struct sockaddr_un from = {};
	socklen_t from_len = sizeof(from);
	Peer peer;
	int r;

	cfd = accept4(fd, (struct sockaddr *) &from, &from_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return 0;
		log_warning_errno(-errno, "Failed to accept connection: %m");
		return 0;
	}

	/* A probe for a stale socket file (unlink_stale_socket()) is no peer
	 * to hand on or to count. */
	if (from.sun_family == AF_UNIX && is_probe(&from, from_len))
		return 0;

	r = stream_get_peer(cfd, &peer);
	if (r < 0) {
		log_debug_errno(r, "Failed to identify peer, dropping connection: %m");
		return 0;
	}

	r = stream_prepare(cfd);
	if (r < 0) {
		log_debug_errno(r, "Failed to prepare connection: %m");
		return 0;
	}

	r = l->handler(l, TAKE_FD(cfd), &peer, l->userdata);
	if (r < 0)
		log_debug_errno(r, "Connection refused by owner: %m");
	return 0;
}

static int listener_attach(Listener *l, sd_event *event) {
	return sd_event_add_io(event, &l->source, l->fd, EPOLLIN, on_accept, l);
}

static int bind_probe_name(int fd) {
	static unsigned counter;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int n;

	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, PROBE_PREFIX "%d/%u",
	             (int) getpid(), counter++);
	if (bind(fd, (struct sockaddr *) &sun, offsetof(struct sockaddr_un, sun_path) + 1 + n) < 0)
		return -errno;
	return 0;
}

/* Removes an AF_UNIX socket file nobody listens on, so a daemon that died
 * does not block its successor. */
static int unlink_stale_socket(const SocketAddress *a) {
	const char *path = socket_address_path(a);
	_cleanup_close_ int probe = -1;
	struct stat st;
	int r;

	if (!path || lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -EADDRINUSE;

	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	r = bind_probe_name(probe);
	if (r < 0)
		return r;
	if (connect(probe, &a->sa, a->size) >= 0 || errno != ECONNREFUSED)
		return -EADDRINUSE;

	return unlink(path) < 0 ? -errno : 0;
}

int listener_new(Listener **ret, sd_event *event, const SocketAddress *address,
                 ListenerAcceptHandler handler, void *userdata) {
	_cleanup_(listener_freep) Listener *l = NULL;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = -1;
	l->address = *address;
	l->handler = handler;
	l->userdata = userdata;

	l->fd = socket(address->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return -errno;

	if (bind(l->fd, &address->sa, address->size) < 0) {
		if (errno != EADDRINUSE)
			return -errno;
		r = unlink_stale_socket(address);
		if (r < 0)
			return r;
		if (bind(l->fd, &address->sa, address->size) < 0)
			return -errno;
	}
	l->owns_path = socket_address_path(address) != NULL;

	if (listen(l->fd, LISTENER_BACKLOG) < 0)
		return -errno;

	r = listener_attach(l, event);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(l);
	return 0;
}

int listener_check_fd(int fd, SocketAddress *ret) {
	int type = 0, accepting = 0;
	socklen_t len = sizeof(type);
	SocketAddress a = { .size = sizeof(a.un) };

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	len = sizeof(accepting);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) < 0)
		return -errno;
	if (type != SOCK_STREAM || !accepting)
		return -EINVAL;
	if (getsockname(fd, &a.sa, &a.size) < 0)
		return -errno;
	if (a.sa.sa_family != AF_UNIX && a.sa.sa_family != AF_VSOCK)
		return -EAFNOSUPPORT;
	if (ret)
		*ret = a;
	return 0;
}

int listener_new_from_fd(Listener **ret, sd_event *event, int fd,
                         ListenerAcceptHandler handler, void *userdata) {
	_cleanup_close_ int owned = fd;
	_cleanup_(listener_freep) Listener *l = NULL;
	int flags, r;

	r = listener_check_fd(fd, NULL);
	if (r < 0)
		return r;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = TAKE_FD(owned);
	l->handler = handler;
	l->userdata = userdata;
	l->address.size = sizeof(l->address.un);
	if (getsockname(l->fd, &l->address.sa, &l->address.size) < 0)
		return -errno;

	r = listener_attach(l, event);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(l);
	return 0;
}

void listener_keep_path(Listener *l) {
	if (l)
		l->owns_path = false;
}

Listener *listener_free(Listener *l) {
	const char *path;

	if (!l)
		return NULL;

	sd_event_source_disable_unref(l->source);
	safe_close(l->fd);
	path = socket_address_path(&l->address);
	if (l->owns_path && path)
		(void) unlink(path);
	free(l);
	return NULL;
}

int listener_get_fd(const Listener *l) {
	return l->fd;
}

const SocketAddress *listener_get_address(const Listener *l) {
	return &l->address;
}

int listener_set_enabled(Listener *l, bool enabled) {
	if (!l)
		return 0;
	return sd_event_source_set_enabled(l->source, enabled ? SD_EVENT_ON : SD_EVENT_OFF);
}
