/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "macro.h"
#include "packet.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* Room for what Open vSwitch hands an internal port between two wake-ups
 * of a daemon that shares its CPU: a socket has no other way to hold the
 * sender back, and what does not fit is lost. 1 MiB lost 0.1-0.6% of a
 * TCP stream's segments in bench/run's chain; see bench/FINDINGS.md. */
#define PACKET_SOCKET_BUFFER_BYTES (4 * 1024 * 1024)

int packet_open(int ifindex, bool vnet_hdr) {
	_cleanup_close_ int fd = -1;
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int one = 1, size = PACKET_SOCKET_BUFFER_BYTES;

	/* Protocol 0 until bound: no frame of another interface gets in. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;

	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		return -errno;
	if (vnet_hdr && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		return -errno;
	/* Past net.core.rmem_max and wmem_max (208 KiB by default), which cap
	 * SO_RCVBUF and SO_SNDBUF: with CAP_NET_ADMIN, which making the port
	 * took anyway. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));

	if (bind(fd, (struct sockaddr *) &sll, sizeof(sll)) < 0)
		return -errno;

	return TAKE_FD(fd);
}
