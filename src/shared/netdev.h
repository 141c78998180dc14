/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Network device configuration through rtnetlink (libnl-route): what both
 * daemons do to the devices they make. Every call is one synchronous
 * request to the kernel, answered before it returns, so it does not stall
 * the loop; waiting for a device that appears later is asynchronous
 * (NetdevWatch).
 *
 * Errors are negative errno values, translated from libnl's own codes.
 */

#include <net/ethernet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "in-addr.h"
#include "macro.h"

struct nl_sock;

/* A connected NETLINK_ROUTE socket; free with nl_socket_free(). */
int netdev_open(struct nl_sock **ret);

/* -ENODEV if there is no such device. */
int netdev_get_ifindex(struct nl_sock *sk, const char *name);

/* The device that has address (of family), or -ENOENT. */
int netdev_find_address(struct nl_sock *sk, int family, const union in_addr_union *address);

/* The frames the device dropped on their way out (transmitted) and in
 * (received), as its link statistics count them since it was made. */
int netdev_get_dropped(struct nl_sock *sk, int ifindex, uint64_t *ret_tx, uint64_t *ret_rx);

/* The length of the device's transmit queue, in frames (txqueuelen). */
int netdev_set_tx_queue_length(struct nl_sock *sk, int ifindex, uint32_t frames);
/* The most segments a GSO frame the stack sends through the device may
 * stand for. */
int netdev_set_gso_max_segs(struct nl_sock *sk, int ifindex, uint32_t segments);

/* The device's MTU, or -ENODEV. */
int netdev_get_mtu(struct nl_sock *sk, int ifindex);

/* Sets what is given: mac unless NULL, mtu unless 0; up or down. */
int netdev_configure(struct nl_sock *sk, int ifindex, const struct ether_addr *mac,
                     uint32_t mtu, bool up);

/*
 * Whether the kernel gives the device an IPv6 link-local address (and so
 * speaks NDP, MLD and router solicitation on it). Off for a device that
 * only carries other hosts' frames, such as a relay's port, so that the
 * host's own stack stays silent on that network; set it before the device
 * goes up.
 */
int netdev_set_ipv6_link_local(struct nl_sock *sk, int ifindex, bool on);

int netdev_add_address(struct nl_sock *sk, int ifindex, int family,
                       const union in_addr_union *address, unsigned prefix_len);

/* A default route via gateway on the device, with the given metric. */
int netdev_add_default_route(struct nl_sock *sk, int ifindex, int family,
                             const union in_addr_union *gateway, uint32_t metric);

int netdev_delete(struct nl_sock *sk, int ifindex);

/* Makes the device a port of the bridge master_ifindex. */
int netdev_set_master(struct nl_sock *sk, int ifindex, int master_ifindex);

/* The device is a Linux bridge (-ENODEV if missing, -ENOTDIR if it is some
 * other kind of device). */
int netdev_is_bridge(struct nl_sock *sk, const char *name);

/*
 * Waits for a device to exist, by listening for RTM_NEWLINK, not by
 * polling. The handler gets the ifindex, or -ETIMEDOUT after timeout_usec.
 * It runs at most once; free the watch afterwards (also from the handler).
 */
typedef struct NetdevWatch NetdevWatch;
typedef void (*NetdevWatchHandler)(NetdevWatch *w, int ifindex, void *userdata);

int netdev_watch_new(NetdevWatch **ret, sd_event *event, const char *name,
                     uint64_t timeout_usec, NetdevWatchHandler handler, void *userdata);
NetdevWatch *netdev_watch_free(NetdevWatch *w);
DEFINE_POINTER_CLEANUP(NetdevWatch, netdev_watch_free);

int netdev_errno(int nl_error);
