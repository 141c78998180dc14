/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Socket addresses in the systemd.socket syntax that our options and
 * config files take:
 *
 *   vsock:CID:PORT   AF_VSOCK, a given CID (listen on it or connect to it)
 *   vsock::PORT      AF_VSOCK, any CID
 *   /path            AF_UNIX, a file system socket
 *   @name            AF_UNIX, an abstract socket
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/vm_sockets.h>

/* Longest text form: a full unix path plus NUL. */
#define SOCKET_ADDRESS_STRING_MAX (sizeof(((struct sockaddr_un *) 0)->sun_path) + 2)

typedef struct SocketAddress {
	union {
		struct sockaddr sa;
		struct sockaddr_un un;
		struct sockaddr_vm vm;
	};
	socklen_t size;
} SocketAddress;

/* -EINVAL for anything that is not one of the forms above, a vsock port of
 * 0 or VMADDR_PORT_ANY included. */
int socket_address_parse(SocketAddress *ret, const char *s);
int socket_address_vsock(SocketAddress *ret, uint32_t cid, uint32_t port);

void socket_address_format(const SocketAddress *a, char *buf, size_t size);

/* The file system path of an AF_UNIX address, or NULL. */
const char *socket_address_path(const SocketAddress *a);
