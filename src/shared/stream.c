/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "stream.h"

/* Enough for a batch of LINK_BATCH_FRAMES full-size frames in flight. */
#define STREAM_SOCKET_BUFFER_BYTES (1024 * 1024)

int stream_get_peer(int fd, Peer *ret) {
	SocketAddress a = { .size = sizeof(a.vm) > sizeof(a.un) ? sizeof(a.vm) : sizeof(a.un) };

	if (getpeername(fd, &a.sa, &a.size) < 0)
		return -errno;

	*ret = (Peer) { .family = a.sa.sa_family, .pid = 0, .uid = (uid_t) -1, .gid = (gid_t) -1 };

	if (a.sa.sa_family == AF_VSOCK) {
		ret->cid = a.vm.svm_cid;
		ret->port = a.vm.svm_port;
		return 0;
	}

	if (a.sa.sa_family == AF_UNIX) {
		struct ucred cred;
		socklen_t len = sizeof(cred);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
			return -errno;
		ret->pid = cred.pid;
		ret->uid = cred.uid;
		ret->gid = cred.gid;
		return 0;
	}

	return -EAFNOSUPPORT;
}

void peer_format(const Peer *p, char *buf, size_t size) {
	if (p->family == AF_VSOCK)
		snprintf(buf, size, "vsock:%" PRIu32 ":%" PRIu32, p->cid, p->port);
	else if (p->family == AF_UNIX)
		snprintf(buf, size, "unix:pid=%d,uid=%u", (int) p->pid, (unsigned) p->uid);
	else
		snprintf(buf, size, "none");
}

bool peer_allowed(const Peer *p, const PeerAllowlist *a) {
	if (p->family == AF_UNIX)
		return p->uid == 0 || p->uid == geteuid();
	if (p->family != AF_VSOCK)
		return false;
	if (a->n == 0)
		return p->cid == VMADDR_CID_HOST;
	for (size_t i = 0; i < a->n; i++)
		if (a->cids[i] == p->cid)
			return true;
	return false;
}

void peer_allowlist_format(const PeerAllowlist *a, char buf[static PEER_ALLOWLIST_STRING_MAX]) {
	PeerAllowlist host = { .cids = { VMADDR_CID_HOST }, .n = 1 };
	size_t used = 0;

	if (a->n == 0)
		a = &host;
	buf[0] = '\0';
	for (size_t i = 0; i < a->n; i++)
		used += (size_t) snprintf(buf + used, PEER_ALLOWLIST_STRING_MAX - used, "%s%" PRIu32,
		                          i ? " " : "", a->cids[i]);
}

int peer_allowlist_parse(const char *value, void *field) {
	PeerAllowlist l = {};
	const char *p = value;

	for (;;) {
		char *end;
		unsigned long v;

		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		if (l.n == PEER_ALLOWLIST_MAX || *p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno != 0 || v > UINT32_MAX || (*end && *end != ' ' && *end != ','))
			return -EINVAL;
		l.cids[l.n++] = (uint32_t) v;
		p = end;
	}
	if (l.n == 0)
		return -EINVAL;
	*(PeerAllowlist *) field = l;
	return 0;
}

bool stream_peer_gone(int fd) {
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	if (poll(&p, 1, 0) < 0)
		return false;
	return p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL);
}

int stream_prepare(int fd) {
	int flags, size = STREAM_SOCKET_BUFFER_BYTES;

	flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -errno;
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;

	/* Best effort: vsock has no SO_SNDBUF of its own meaning. */
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

int stream_connect(const SocketAddress *addr) {
	_cleanup_close_ int fd = -1;
	int r;

	fd = socket(addr->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, &addr->sa, addr->size) < 0)
		return -errno;

	r = stream_prepare(fd);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}
