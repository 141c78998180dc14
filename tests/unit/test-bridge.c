/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/ethernet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bridge.h"
#include "frame.h"
#include "netns-util.h"
#include <netlink/route/link/inet6.h>
#include "packet.h"

#define TEST_BRIDGE "test-br"
#define TEST_PORT "test-port"
#define TEST_ETHERTYPE 0x88b5
#define TEST_FRAME_MAX 2048

static struct nl_sock *nl;
/* A host on the bridge: the test's end a, whose peer b is a bridge port. */
static int bridge_ifindex, ifindex_a, ifindex_b;

static struct rtnl_link *link_get(int ifindex) {
	struct rtnl_link *link = NULL;

	assert_int_equal(rtnl_link_get_kernel(nl, ifindex, NULL, &link), 0);
	return link;
}

static size_t make_frame(uint8_t *buf, size_t len, uint8_t tag) {
	struct ether_header *eh = (struct ether_header *) buf;

	memset(eh->ether_dhost, 0xff, ETH_ALEN);
	memcpy(eh->ether_shost, (uint8_t[]) { 0x02, 0, 0, 0, 1, tag }, ETH_ALEN);
	eh->ether_type = htons(TEST_ETHERTYPE);
	memset(buf + sizeof(*eh), tag, len - sizeof(*eh));
	return len;
}

static size_t read_test_frame(int fd, uint8_t *buf) {
	for (;;) {
		ssize_t n;

		assert_true(netns_wait_readable(fd));
		n = read(fd, buf, TEST_FRAME_MAX);
		assert_true(n > 0);
		if ((size_t) n >= sizeof(struct ether_header) &&
		    ((struct ether_header *) buf)->ether_type == htons(TEST_ETHERTYPE))
			return (size_t) n;
	}
}

static void test_port_is_an_up_silent_member_of_the_bridge(void **state) {
	_cleanup_close_ int fd = -1;
	struct rtnl_link *link;
	uint8_t mode = 0;
	int ifindex = 0;

	fd = bridge_port_open(nl, TEST_BRIDGE, TEST_PORT, 1400, TAP_VNET_NONE, &ifindex);
	assert_true(fd >= 0);
	assert_int_equal(netdev_get_ifindex(nl, TEST_PORT), ifindex);

	link = link_get(ifindex);
	assert_int_equal(rtnl_link_get_master(link), bridge_ifindex);
	assert_true(rtnl_link_get_flags(link) & IFF_UP);
	assert_int_equal(rtnl_link_get_mtu(link), 1400);
	assert_int_equal(rtnl_link_inet6_get_addr_gen_mode(link, &mode), 0);
	assert_int_equal(mode, IN6_ADDR_GEN_MODE_NONE);
	rtnl_link_put(link);
}

static void test_frames_cross_between_fd_and_bridge(void **state) {
	_cleanup_close_ int fd = -1, host = packet_open(ifindex_a, false);
	uint8_t out[TEST_FRAME_MAX], in[TEST_FRAME_MAX];
	size_t len;

	/* A TAP with its fd has carrier when it goes up, so it is running at
	 * once: nothing to wait for. */
	fd = bridge_port_open(nl, TEST_BRIDGE, TEST_PORT, 0, TAP_VNET_NONE, NULL);
	assert_true(fd >= 0 && host >= 0);

	/* Written on the fd: enters the bridge, reaches the host. */
	len = make_frame(out, ETH_FRAME_LEN, 0x41);
	assert_int_equal(write(fd, out, len), (ssize_t) len);
	assert_int_equal(read_test_frame(host, in), len);
	assert_memory_equal(in, out, len);

	/* Sent by the host: the bridge floods it to the port, one read. */
	len = make_frame(out, 64, 0x42);
	assert_int_equal(write(host, out, len), (ssize_t) len);
	assert_int_equal(read_test_frame(fd, in), len);
	assert_memory_equal(in, out, len);
}

/* With a virtio_net_hdr but no offloads, what the port reads is the frame
 * whole, after a header that asks for nothing; and the fd says it has one. */
static void test_vnet_hdr_port_reads_whole_frames_after_an_empty_header(void **state) {
	_cleanup_close_ int fd = -1, plain = -1, host = packet_open(ifindex_a, false);
	uint8_t out[TEST_FRAME_MAX], in[VNET_HDR_BYTES + TEST_FRAME_MAX];
	static const uint8_t empty[VNET_HDR_BYTES];
	size_t len;
	ssize_t n;

	fd = bridge_port_open(nl, TEST_BRIDGE, TEST_PORT, 0, TAP_VNET_HDR, NULL);
	assert_true(fd >= 0 && host >= 0);
	assert_int_equal(tap_has_vnet_hdr(fd), 1);

	len = make_frame(out, ETH_FRAME_LEN, 0x43);
	assert_int_equal(write(host, out, len), (ssize_t) len);
	do {
		assert_true(netns_wait_readable(fd));
		n = read(fd, in, sizeof(in));
		assert_true(n > (ssize_t) (VNET_HDR_BYTES + sizeof(struct ether_header)));
	} while (((struct ether_header *) (in + VNET_HDR_BYTES))->ether_type != htons(TEST_ETHERTYPE));
	assert_int_equal(n, (ssize_t) (VNET_HDR_BYTES + len));
	assert_memory_equal(in, empty, VNET_HDR_BYTES);
	assert_memory_equal(in + VNET_HDR_BYTES, out, len);

	plain = bridge_port_open(nl, TEST_BRIDGE, "test-port2", 0, TAP_VNET_NONE, NULL);
	assert_true(plain >= 0);
	assert_int_equal(tap_has_vnet_hdr(plain), 0);
}

static void test_closing_the_fd_deletes_the_port(void **state) {
	int fd = bridge_port_open(nl, TEST_BRIDGE, TEST_PORT, 0, TAP_VNET_NONE, NULL);

	assert_true(fd >= 0);
	assert_true(netdev_get_ifindex(nl, TEST_PORT) > 0);
	close(fd);
	assert_int_equal(netdev_get_ifindex(nl, TEST_PORT), -ENODEV);
}

static void test_missing_or_other_bridge_is_refused(void **state) {
	assert_int_equal(bridge_port_open(nl, "test-nope", TEST_PORT, 0, TAP_VNET_NONE, NULL), -ENODEV);
	/* A veth is a device, but no bridge. */
	assert_int_equal(bridge_port_open(nl, "test-a", TEST_PORT, 0, TAP_VNET_NONE, NULL), -ENOTDIR);
	assert_int_equal(netdev_get_ifindex(nl, TEST_PORT), -ENODEV);
}

static void test_existing_device_is_never_taken_over(void **state) {
	_cleanup_close_ int fd = bridge_port_open(nl, TEST_BRIDGE, TEST_PORT, 0, TAP_VNET_NONE, NULL);
	int ifindex = netdev_get_ifindex(nl, TEST_PORT);

	assert_true(fd >= 0 && ifindex > 0);
	assert_int_equal(bridge_port_open(nl, TEST_BRIDGE, TEST_PORT, 0, TAP_VNET_NONE, NULL), -EEXIST);
	/* Nor is a device of another kind. */
	assert_int_equal(bridge_port_open(nl, TEST_BRIDGE, "test-a", 0, TAP_VNET_NONE, NULL), -EEXIST);
	assert_int_equal(netdev_get_ifindex(nl, TEST_PORT), ifindex);
}

static void test_failure_after_creation_leaves_nothing(void **state) {
	/* Below any MTU the kernel accepts: the TAP exists when this fails. */
	assert_int_equal(bridge_port_open(nl, TEST_BRIDGE, TEST_PORT, 20, TAP_VNET_NONE, NULL), -EINVAL);
	assert_int_equal(netdev_get_ifindex(nl, TEST_PORT), -ENODEV);
}

/* A failed test may leave its port (and fd) behind: never to the next. */
static int delete_test_port(void **state) {
	int ifindex = netdev_get_ifindex(nl, TEST_PORT);

	if (ifindex > 0)
		(void) netdev_delete(nl, ifindex);
	return 0;
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_port_is_an_up_silent_member_of_the_bridge, delete_test_port),
		cmocka_unit_test_teardown(test_frames_cross_between_fd_and_bridge, delete_test_port),
		cmocka_unit_test_teardown(test_vnet_hdr_port_reads_whole_frames_after_an_empty_header, delete_test_port),
		cmocka_unit_test_teardown(test_closing_the_fd_deletes_the_port, delete_test_port),
		cmocka_unit_test_teardown(test_missing_or_other_bridge_is_refused, delete_test_port),
		cmocka_unit_test_teardown(test_existing_device_is_never_taken_over, delete_test_port),
		cmocka_unit_test_teardown(test_failure_after_creation_leaves_nothing, delete_test_port),
	};
	int r;

	netns_enter_or_skip();
	assert_int_equal(netdev_open(&nl), 0);
	assert_int_equal(netdev_errno(rtnl_link_bridge_add(nl, TEST_BRIDGE)), 0);
	bridge_ifindex = netdev_get_ifindex(nl, TEST_BRIDGE);
	assert_true(bridge_ifindex > 0);
	assert_int_equal(netdev_configure(nl, bridge_ifindex, NULL, 0, true), 0);
	netns_add_veth(nl, "test-a", "test-b", &ifindex_a, &ifindex_b);
	assert_int_equal(netdev_set_master(nl, ifindex_b, bridge_ifindex), 0);

	r = cmocka_run_group_tests(tests, NULL, NULL);
	nl_socket_free(nl);
	return r;
}
