/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "netns-util.h"
#include "packet.h"

/* IEEE 802 local experimental: nothing else on the links uses it. */
#define TEST_ETHERTYPE 0x88b5
#define TEST_FRAME_MAX 2048

static struct nl_sock *nl;
/* a <-> b: the socket under test is on b, the test's own end on a. */
static int ifindex_a, ifindex_b;

/* A broadcast frame whose payload is `tag` repeated. */
static size_t make_frame(uint8_t *buf, size_t len, uint8_t tag) {
	struct ether_header *eh = (struct ether_header *) buf;

	memset(eh->ether_dhost, 0xff, ETH_ALEN);
	memcpy(eh->ether_shost, (uint8_t[]) { 0x02, 0, 0, 0, 0, tag }, ETH_ALEN);
	eh->ether_type = htons(TEST_ETHERTYPE);
	memset(buf + sizeof(*eh), tag, len - sizeof(*eh));
	return len;
}

/* The next test frame on fd, skipping anything else; fails the test when
 * none comes in time. */
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

static void test_frame_arriving_is_read_whole_once(void **state) {
	_cleanup_close_ int dev = packet_open(ifindex_b, false), peer = packet_open(ifindex_a, false);
	uint8_t out[TEST_FRAME_MAX], in[TEST_FRAME_MAX];
	size_t len;

	assert_true(dev >= 0 && peer >= 0);
	/* Nothing there yet: the socket does not block. */
	assert_int_equal(read(dev, in, sizeof(in)), -1);
	assert_int_equal(errno, EAGAIN);

	len = make_frame(out, ETH_FRAME_LEN, 0x11);
	assert_int_equal(write(peer, out, len), (ssize_t) len);
	assert_int_equal(read_test_frame(dev, in), len);
	assert_memory_equal(in, out, len);

	/* Two frames are two reads. */
	len = make_frame(out, 60, 0x12);
	assert_int_equal(write(peer, out, len), (ssize_t) len);
	assert_int_equal(write(peer, out, len), (ssize_t) len);
	assert_int_equal(read_test_frame(dev, in), len);
	assert_int_equal(read_test_frame(dev, in), len);
	assert_memory_equal(in, out, len);
}

static void test_outgoing_frames_are_not_read_back(void **state) {
	_cleanup_close_ int dev = packet_open(ifindex_b, false), peer = packet_open(ifindex_a, false);
	/* Sends out of b as the host's own stack would. */
	_cleanup_close_ int stack = packet_open(ifindex_b, false);
	uint8_t mine[TEST_FRAME_MAX], theirs[TEST_FRAME_MAX], marker[TEST_FRAME_MAX];
	uint8_t in[TEST_FRAME_MAX];
	size_t len, theirs_len, marker_len;

	assert_true(dev >= 0 && peer >= 0 && stack >= 0);
	len = make_frame(mine, 100, 0x21);
	assert_int_equal(write(dev, mine, len), (ssize_t) len);
	theirs_len = make_frame(theirs, 120, 0x22);
	assert_int_equal(write(stack, theirs, theirs_len), (ssize_t) theirs_len);
	/* Both went out: the other end has them. */
	assert_int_equal(read_test_frame(peer, in), len);
	assert_memory_equal(in, mine, len);
	assert_int_equal(read_test_frame(peer, in), theirs_len);
	assert_memory_equal(in, theirs, theirs_len);

	/* A copy of either would have been queued on dev as it was sent,
	 * before the marker existed: so the marker must come first. */
	marker_len = make_frame(marker, 80, 0x23);
	assert_int_equal(write(peer, marker, marker_len), (ssize_t) marker_len);
	assert_int_equal(read_test_frame(dev, in), marker_len);
	assert_memory_equal(in, marker, marker_len);
}

static void test_frames_of_other_interfaces_stay_out(void **state) {
	_cleanup_close_ int dev = packet_open(ifindex_b, false), peer = packet_open(ifindex_a, false);
	_cleanup_close_ int other = -1;
	uint8_t out[TEST_FRAME_MAX], in[TEST_FRAME_MAX];
	int c, d;
	size_t len;

	assert_true(dev >= 0 && peer >= 0);
	netns_add_veth(nl, "test-c", "test-d", &c, &d);
	other = packet_open(c, false);
	assert_true(other >= 0);

	len = make_frame(out, 100, 0x31);
	assert_int_equal(write(other, out, len), (ssize_t) len);
	/* Then one on ours: it must be the first dev sees. */
	len = make_frame(out, 90, 0x32);
	assert_int_equal(write(peer, out, len), (ssize_t) len);
	assert_int_equal(read_test_frame(dev, in), len);
	assert_memory_equal(in, out, len);

	assert_int_equal(netdev_delete(nl, c), 0);
}

/* A burst between two wake-ups fits: the buffers are 4 MiB (the kernel
 * reports twice that), past net.core.rmem_max's default of 208 KiB. */
static void test_buffers_hold_a_burst_past_rmem_max(void **state) {
	_cleanup_close_ int fd = packet_open(ifindex_b, false);
	int rcv = 0, snd = 0;
	socklen_t len = sizeof(int);

	assert_true(fd >= 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, &len), 0);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &len), 0);
	assert_int_equal(rcv, 2 * 4 * 1024 * 1024);
	assert_int_equal(snd, 2 * 4 * 1024 * 1024);
}

static void test_open_missing_interface_fails(void **state) {
	assert_int_equal(packet_open(999999, false), -ENODEV);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_arriving_is_read_whole_once),
		cmocka_unit_test(test_outgoing_frames_are_not_read_back),
		cmocka_unit_test(test_frames_of_other_interfaces_stay_out),
		cmocka_unit_test(test_buffers_hold_a_burst_past_rmem_max),
		cmocka_unit_test(test_open_missing_interface_fails),
	};
	int r;

	netns_enter_or_skip();
	assert_int_equal(netdev_open(&nl), 0);
	netns_add_veth(nl, "test-a", "test-b", &ifindex_a, &ifindex_b);

	r = cmocka_run_group_tests(tests, NULL, NULL);
	nl_socket_free(nl);
	return r;
}
