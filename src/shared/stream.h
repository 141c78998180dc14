/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The stream side of a link: an AF_VSOCK or AF_UNIX SOCK_STREAM socket that
 * carries length32 frames, and who is at its other end.
 */

#include <stdbool.h>
#include <stddef.h>
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

/*
 * Who may connect (option AllowedPeers): vsock peers by CID, by default
 * the host (CID 2) only. AF_UNIX peers are checked by their credentials
 * instead: root, or the daemon's own user.
 */
#define PEER_ALLOWLIST_MAX 16U
#define PEER_ALLOWLIST_STRING_MAX (PEER_ALLOWLIST_MAX * 11U + 1U)

typedef struct PeerAllowlist {
	uint32_t cids[PEER_ALLOWLIST_MAX];
	size_t n;               /* 0: the default, the host */
} PeerAllowlist;

bool peer_allowed(const Peer *p, const PeerAllowlist *a);
/* "2 3": the CIDs separated by spaces. */
void peer_allowlist_format(const PeerAllowlist *a, char buf[static PEER_ALLOWLIST_STRING_MAX]);
/* A ConfParser (field: a PeerAllowlist) for the format above; -EINVAL for
 * anything else, none, or more than PEER_ALLOWLIST_MAX. */
int peer_allowlist_parse(const char *value, void *field);

/* True if the peer has hung up (or the socket failed), even with data of
 * it still unread: a new connection may come in before the end of the old
 * one has been read. */
bool stream_peer_gone(int fd);

/* A non-blocking connected stream socket to addr; the connect itself
 * blocks (for clients and tests, never on a daemon's loop). */
int stream_connect(const SocketAddress *addr);

/* Makes an accepted or adopted fd ready for a link: non-blocking and with
 * socket buffers sized for batches. */
int stream_prepare(int fd);
