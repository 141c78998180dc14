/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "bridge.h"
#include "macro.h"
#include "netdev.h"
#include "tap.h"
#include "tso.h"

int bridge_port_open(struct nl_sock *sk, const char *bridge, const char *port, uint32_t mtu,
                     TapVnet vnet, int *ret_ifindex) {
	_cleanup_close_ int fd = -1;
	int master, ifindex, r;

	r = netdev_is_bridge(sk, bridge);
	if (r < 0)
		return r;
	master = netdev_get_ifindex(sk, bridge);
	if (master < 0)
		return master;

	/* From here on, closing fd undoes everything. */
	fd = tap_open(port, vnet);
	if (fd < 0)
		return fd;
	ifindex = netdev_get_ifindex(sk, port);
	if (ifindex < 0)
		return ifindex;

	/* Silent before it is up: no link-local address is ever made. */
	r = netdev_set_ipv6_link_local(sk, ifindex, false);
	if (r < 0)
		return r;
	r = netdev_configure(sk, ifindex, NULL, mtu, true);
	if (r < 0)
		return r;
	if (vnet == TAP_VNET_OFFLOAD) {
		r = netdev_set_gso_max_segs(sk, ifindex, TSO_SEGMENTS_MAX);
		if (r < 0)
			return r;
	}
	r = netdev_set_master(sk, ifindex, master);
	if (r < 0)
		return r;

	if (ret_ifindex)
		*ret_ifindex = ifindex;
	return TAKE_FD(fd);
}
