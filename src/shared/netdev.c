/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/route.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "log.h"
#include "netdev.h"

static inline void nl_addr_putp(struct nl_addr **p) {
	if (*p)
		nl_addr_put(*p);
}
static inline void rtnl_link_putp(struct rtnl_link **p) {
	if (*p)
		rtnl_link_put(*p);
}
static inline void rtnl_addr_putp(struct rtnl_addr **p) {
	if (*p)
		rtnl_addr_put(*p);
}
static inline void rtnl_route_putp(struct rtnl_route **p) {
	if (*p)
		rtnl_route_put(*p);
}
static inline void nl_socket_freep(struct nl_sock **p) {
	if (*p)
		nl_socket_free(*p);
}

int netdev_errno(int nl_error) {
	switch (abs(nl_error)) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

static size_t family_address_size(int family) {
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

int netdev_open(struct nl_sock **ret) {
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	int r;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return netdev_errno(r);

	*ret = TAKE_PTR(sk);
	return 0;
}

int netdev_get_ifindex(struct nl_sock *sk, const char *name) {
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	int r;

	r = rtnl_link_get_kernel(sk, 0, name, &link);
	if (r < 0)
		return netdev_errno(r);
	return rtnl_link_get_ifindex(link);
}

int netdev_get_mtu(struct nl_sock *sk, int ifindex) {
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	int r;

	r = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	if (r < 0)
		return netdev_errno(r);
	return (int) rtnl_link_get_mtu(link);
}

int netdev_get_dropped(struct nl_sock *sk, int ifindex, uint64_t *ret_tx, uint64_t *ret_rx) {
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	int r;

	r = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	if (r < 0)
		return netdev_errno(r);
	*ret_tx = rtnl_link_get_stat(link, RTNL_LINK_TX_DROPPED);
	*ret_rx = rtnl_link_get_stat(link, RTNL_LINK_RX_DROPPED);
	return 0;
}

int netdev_find_address(struct nl_sock *sk, int family, const union in_addr_union *address) {
	struct nl_cache *cache = NULL;
	int r, found = -ENOENT;

	r = rtnl_addr_alloc_cache(sk, &cache);
	if (r < 0)
		return netdev_errno(r);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *) o;
		struct nl_addr *local = rtnl_addr_get_local(a);

		if (rtnl_addr_get_family(a) == family && local &&
		    nl_addr_get_len(local) == family_address_size(family) &&
		    memcmp(nl_addr_get_binary_addr(local), address, family_address_size(family)) == 0) {
			found = rtnl_addr_get_ifindex(a);
			break;
		}
	}
	nl_cache_free(cache);
	return found;
}

int netdev_configure(struct nl_sock *sk, int ifindex, const struct ether_addr *mac,
                     uint32_t mtu, bool up) {
	_cleanup_(rtnl_link_putp) struct rtnl_link *orig = NULL, *change = NULL;
	int r;

	orig = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (!orig || !change)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);

	if (mac) {
		_cleanup_(nl_addr_putp) struct nl_addr *a = nl_addr_build(AF_LLC, mac, ETH_ALEN);
		if (!a)
			return -ENOMEM;
		rtnl_link_set_addr(change, a);
	}
	if (mtu > 0)
		rtnl_link_set_mtu(change, mtu);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);

	r = rtnl_link_change(sk, orig, change, 0);
	return netdev_errno(r);
}

int netdev_set_tx_queue_length(struct nl_sock *sk, int ifindex, uint32_t frames) {
	_cleanup_(rtnl_link_putp) struct rtnl_link *orig = NULL, *change = NULL;

	orig = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (!orig || !change)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	rtnl_link_set_txqlen(change, frames);
	return netdev_errno(rtnl_link_change(sk, orig, change, 0));
}

int netdev_set_gso_max_segs(struct nl_sock *sk, int ifindex, uint32_t segments) {
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg;
	int r;

	/* libnl reads the attribute but cannot set it. */
	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST);
	if (!msg)
		return -ENOMEM;
	r = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (r >= 0)
		r = nla_put_u32(msg, IFLA_GSO_MAX_SEGS, segments);
	if (r >= 0)
		r = nl_send_sync(sk, msg);     /* frees msg */
	else
		nlmsg_free(msg);
	return netdev_errno(r);
}

int netdev_set_ipv6_link_local(struct nl_sock *sk, int ifindex, bool on) {
	_cleanup_(rtnl_link_putp) struct rtnl_link *orig = NULL, *change = NULL;
	int r;

	orig = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (!orig || !change)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	r = rtnl_link_inet6_set_addr_gen_mode(change, on ? IN6_ADDR_GEN_MODE_EUI64 : IN6_ADDR_GEN_MODE_NONE);
	if (r < 0)
		return netdev_errno(r);

	return netdev_errno(rtnl_link_change(sk, orig, change, 0));
}

int netdev_add_address(struct nl_sock *sk, int ifindex, int family,
                       const union in_addr_union *address, unsigned prefix_len) {
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *a = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *local = NULL;
	int r;

	a = rtnl_addr_alloc();
	local = nl_addr_build(family, address, family_address_size(family));
	if (!a || !local)
		return -ENOMEM;
	nl_addr_set_prefixlen(local, (int) prefix_len);

	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, family);
	r = rtnl_addr_set_local(a, local);
	if (r < 0)
		return netdev_errno(r);
	rtnl_addr_set_prefixlen(a, prefix_len);
	/* Usable at once: duplicate detection on a link we alone own only
	 * delays the first packets. */
	if (family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);

	r = rtnl_addr_add(sk, a, 0);
	return netdev_errno(r);
}

int netdev_add_default_route(struct nl_sock *sk, int ifindex, int family,
                             const union in_addr_union *gateway, uint32_t metric) {
	_cleanup_(rtnl_route_putp) struct rtnl_route *route = NULL;
	_cleanup_(nl_addr_putp) struct nl_addr *dst = NULL, *gw = NULL;
	struct rtnl_nexthop *nh;
	int r;

	route = rtnl_route_alloc();
	dst = nl_addr_build(family, NULL, 0);
	gw = nl_addr_build(family, gateway, family_address_size(family));
	if (!route || !dst || !gw)
		return -ENOMEM;
	nl_addr_set_prefixlen(dst, 0);

	rtnl_route_set_family(route, (uint8_t) family);
	r = rtnl_route_set_dst(route, dst);
	if (r < 0)
		return netdev_errno(r);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(route, RTN_UNICAST);
	rtnl_route_set_priority(route, metric);

	nh = rtnl_route_nh_alloc();
	if (!nh)
		return -ENOMEM;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh);   /* the route owns nh now */

	r = rtnl_route_add(sk, route, NLM_F_EXCL);
	return netdev_errno(r);
}

int netdev_delete(struct nl_sock *sk, int ifindex) {
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_alloc();

	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	return netdev_errno(rtnl_link_delete(sk, link));
}

int netdev_set_master(struct nl_sock *sk, int ifindex, int master_ifindex) {
	return netdev_errno(rtnl_link_enslave_ifindex(sk, master_ifindex, ifindex));
}

int netdev_is_bridge(struct nl_sock *sk, const char *name) {
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
	const char *type;
	int r;

	r = rtnl_link_get_kernel(sk, 0, name, &link);
	if (r < 0)
		return netdev_errno(r);
	type = rtnl_link_get_type(link);
	return type && strcmp(type, "bridge") == 0 ? 0 : -ENOTDIR;
}

struct NetdevWatch {
	struct nl_sock *sk;
	char name[IFNAMSIZ];
	int found;
	sd_event_source *io;
	sd_event_source *timer;
	sd_event_source *now;       /* reports a device that existed already */
	NetdevWatchHandler handler;
	void *userdata;
};

static void watch_finish(NetdevWatch *w, int result) {
	(void) sd_event_source_set_enabled(w->io, SD_EVENT_OFF);
	(void) sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
	(void) sd_event_source_set_enabled(w->now, SD_EVENT_OFF);
	w->handler(w, result, w->userdata);
}

static int on_link_message(struct nl_msg *msg, void *userdata) {
	NetdevWatch *w = userdata;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *name;

	if (h->nlmsg_type != RTM_NEWLINK)
		return NL_OK;

	name = nlmsg_find_attr(h, sizeof(struct ifinfomsg), IFLA_IFNAME);
	if (name && strncmp(nla_data(name), w->name, IFNAMSIZ) == 0)
		w->found = ((struct ifinfomsg *) nlmsg_data(h))->ifi_index;
	return NL_OK;
}

static int on_watch_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	NetdevWatch *w = userdata;
	int r;

	r = nl_recvmsgs_default(w->sk);
	if (r < 0 && r != -NLE_AGAIN)
		log_debug("Netlink watch for %s: %s", w->name, nl_geterror(r));
	if (w->found > 0)
		watch_finish(w, w->found);
	return 0;
}

static int on_watch_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
	watch_finish(userdata, -ETIMEDOUT);
	return 0;
}

static int on_watch_now(sd_event_source *s, void *userdata) {
	NetdevWatch *w = userdata;

	watch_finish(w, w->found);
	return 0;
}

int netdev_watch_new(NetdevWatch **ret, sd_event *event, const char *name,
                     uint64_t timeout_usec, NetdevWatchHandler handler, void *userdata) {
	_cleanup_(netdev_watch_freep) NetdevWatch *w = NULL;
	_cleanup_(nl_socket_freep) struct nl_sock *query = NULL;
	int r;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	strncpy(w->name, name, sizeof(w->name) - 1);
	w->handler = handler;
	w->userdata = userdata;

	r = netdev_open(&w->sk);
	if (r < 0)
		return r;
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_link_message, w);
	r = nl_socket_add_membership(w->sk, RTNLGRP_LINK);
	if (r < 0)
		return netdev_errno(r);
	r = nl_socket_set_nonblocking(w->sk);
	if (r < 0)
		return netdev_errno(r);

	r = sd_event_add_io(event, &w->io, nl_socket_get_fd(w->sk), EPOLLIN, on_watch_io, w);
	if (r < 0)
		return r;
	r = sd_event_add_time_relative(event, &w->timer, CLOCK_MONOTONIC, timeout_usec, 0,
	                               on_watch_timeout, w);
	if (r < 0)
		return r;

	/* Subscribed first, looked up second: the device cannot slip in
	 * between. If it is there already, report it from the loop, so the
	 * handler never runs before this returns. */
	r = netdev_open(&query);
	if (r < 0)
		return r;
	r = netdev_get_ifindex(query, name);
	if (r > 0) {
		w->found = r;
		r = sd_event_add_defer(event, &w->now, on_watch_now, w);
		if (r < 0)
			return r;
	} else if (r != -ENODEV)
		return r;

	*ret = TAKE_PTR(w);
	return 0;
}

NetdevWatch *netdev_watch_free(NetdevWatch *w) {
	if (!w)
		return NULL;
	sd_event_source_disable_unref(w->io);
	sd_event_source_disable_unref(w->timer);
	sd_event_source_disable_unref(w->now);
	if (w->sk)
		nl_socket_free(w->sk);
	free(w);
	return NULL;
}
