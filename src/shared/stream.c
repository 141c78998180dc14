/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>

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
