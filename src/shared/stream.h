/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The stream side of a link: an AF_VSOCK or AF_UNIX SOCK_STREAM socket that
 * carries length32 frames, and who is at its other end.
 */

#include <stdint.h>
#include <sys/types.h>

#include "address.h"

typedef struct Peer {
	int family;             /* AF_VSOCK or AF_UNIX */
	uint32_t cid;           /* AF_VSOCK: the peer's context id */
	uint32_t port;          /* AF_VSOCK: the peer's port */
	pid_t pid;              /* AF_UNIX: credentials at connect time */
	uid_t uid;
	gid_t gid;
} Peer;

#define PEER_STRING_MAX 64U

int stream_get_peer(int fd, Peer *ret);
void peer_format(const Peer *p, char *buf, size_t size);

/* A non-blocking connected stream socket to addr; the connect itself
 * blocks (for clients and tests, never on a daemon's loop). */
int stream_connect(const SocketAddress *addr);

/* Makes an accepted or adopted fd ready for a link: non-blocking and with
 * socket buffers sized for batches. */
int stream_prepare(int fd);
