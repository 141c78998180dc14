/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * For unit tests that make network devices: the test program moves into a
 * network namespace of its own before its first test, so what it makes is
 * seen by nobody else and goes away with it, even when it crashes. Without
 * root it cannot, and the program exits 77 (skipped) with the reason.
 */

#include <fcntl.h>
#include <linux/if.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netdev.h"

#define NETNS_SKIP_EXIT 77
/* How long a test waits for a frame that must come. */
#define NETNS_FRAME_TIMEOUT_MSEC 5000

static inline bool streq_ptr(const char *a, const char *b) {
	return a && b && strcmp(a, b) == 0;
}

/* No IPv6 autoconfiguration chatter (router solicitations, MLD reports)
 * on the links made in this namespace from now on: they carry only the
 * frames a test sends. */
static inline void netns_quiet_ipv6(void) {
	int fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			fprintf(stderr, "IPv6 stays on in the test's namespace: %m\n");
		close(fd);
	}
}

static inline void netns_enter_or_skip(void) {
	if (geteuid() != 0) {
		printf("SKIP: needs root (a network namespace and devices of its own)\n");
		exit(NETNS_SKIP_EXIT);
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: cannot make a network namespace: %m\n");
		exit(NETNS_SKIP_EXIT);
	}
	netns_quiet_ipv6();
}

/* Waits for fd to be readable; false after NETNS_FRAME_TIMEOUT_MSEC. */
static inline bool netns_wait_readable(int fd) {
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, NETNS_FRAME_TIMEOUT_MSEC) == 1;
}

/* Waits, by rtnetlink events, until the kernel has a veth running: it
 * attaches the real qdisc once the peer is up too, in the background, and
 * until then drops what is sent. Its notice comes after that, with
 * operstate UP. */
static inline void netns_wait_running(struct nl_sock *sk, int ifindex) {
	struct nl_sock *events;

	assert_int_equal(netdev_open(&events), 0);
	nl_socket_disable_seq_check(events);
	assert_int_equal(nl_socket_add_membership(events, RTNLGRP_LINK), 0);
	assert_int_equal(nl_socket_set_nonblocking(events), 0);
	for (;;) {
		struct rtnl_link *link = NULL;
		bool running;

		assert_int_equal(rtnl_link_get_kernel(sk, ifindex, NULL, &link), 0);
		running = rtnl_link_get_operstate(link) == IF_OPER_UP &&
		          !streq_ptr(rtnl_link_get_qdisc(link), "noop");
		rtnl_link_put(link);
		if (running)
			break;
		assert_true(netns_wait_readable(nl_socket_get_fd(events)));
		(void) nl_recvmsgs_default(events);
	}
	nl_socket_free(events);
}

/* A veth pair a <-> b, both up and running; returns their ifindexes. */
static inline void netns_add_veth(struct nl_sock *sk, const char *a, const char *b,
                                  int *ret_a, int *ret_b) {
	assert_int_equal(netdev_errno(rtnl_link_veth_add(sk, a, b, getpid())), 0);
	*ret_a = netdev_get_ifindex(sk, a);
	*ret_b = netdev_get_ifindex(sk, b);
	assert_true(*ret_a > 0 && *ret_b > 0);
	assert_int_equal(netdev_configure(sk, *ret_a, NULL, 0, true), 0);
	assert_int_equal(netdev_configure(sk, *ret_b, NULL, 0, true), 0);
	netns_wait_running(sk, *ret_a);
	netns_wait_running(sk, *ret_b);
}
