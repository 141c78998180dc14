/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "batchio.h"
#include "frame.h"
#include "netns-util.h"
#include "packet.h"
#include "tap.h"

#define TEST_TAP "test-tap"
#define TEST_ETHERTYPE 0x88b5
#define FRAME_BYTES 2048U
/* A read that waits would hang the test: this turns that into a failure. */
#define WATCHDOG_SEC 10U

static bool have_netns;
static struct nl_sock *nl;

/* Frame i of a test: i in its last byte, len bytes in all. */
static size_t make_frame(uint8_t *buf, size_t len, uint8_t i) {
	struct ether_header *eh = (struct ether_header *) buf;

	memset(eh->ether_dhost, 0xff, ETH_ALEN);
	memcpy(eh->ether_shost, (uint8_t[]) { 0x02, 0, 0, 0, 1, 1 }, ETH_ALEN);
	eh->ether_type = htons(TEST_ETHERTYPE);
	memset(buf + sizeof(*eh), 0x5a, len - sizeof(*eh));
	buf[len - 1] = i;
	return len;
}

static size_t frame_len(unsigned i) {
	return 60 + 97 * (size_t) i;
}

typedef struct Buffers {
	uint8_t data[BATCHIO_MAX_OPS][FRAME_BYTES];
	uint8_t vnet[BATCHIO_MAX_OPS][VNET_HDR_BYTES];
	struct iovec iov[2 * BATCHIO_MAX_OPS];
	ssize_t results[BATCHIO_MAX_OPS];
} Buffers;

/* n reads of bufs, each behind a virtio net header if vnet. */
static unsigned read_batch(BatchIO *b, int fd, Buffers *bufs, unsigned n, bool vnet) {
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		if (vnet)
			bufs->iov[k++] = (struct iovec) { bufs->vnet[i], VNET_HDR_BYTES };
		bufs->iov[k++] = (struct iovec) { bufs->data[i], FRAME_BYTES };
	}
	return batchio_readv(b, fd, bufs->iov, vnet ? 2 : 1, n, bufs->results);
}

/* Frames 0..sent-1 came in order, then the device was empty. */
static void check_batch(const Buffers *bufs, unsigned got, unsigned sent, bool vnet) {
	unsigned i;

	for (i = 0; i < sent; i++) {
		size_t len = frame_len(i);

		assert_true(i < got);
		assert_int_equal(bufs->results[i], (ssize_t) (len + (vnet ? VNET_HDR_BYTES : 0)));
		assert_int_equal(bufs->data[i][len - 1], i);
	}
	for (; i < got; i++)
		assert_int_equal(bufs->results[i], -EAGAIN);
}

static void socket_reads_in_order(bool try_uring) {
	_cleanup_(batchio_unrefp) BatchIO *b = NULL;
	_cleanup_close_ int a = -1, z = -1;
	static Buffers bufs;
	uint8_t frame[FRAME_BYTES];
	int sv[2];
	unsigned got;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	a = sv[0], z = sv[1];
	assert_int_equal(batchio_new(&b, try_uring), 0);
	if (try_uring && !batchio_uses_uring(b))
		skip();

	for (unsigned i = 0; i < 5; i++) {
		size_t len = make_frame(frame, frame_len(i), (uint8_t) i);
		assert_int_equal(write(z, frame, len), (ssize_t) len);
	}

	got = read_batch(b, a, &bufs, 8, false);
	/* io_uring tries all eight; one at a time stops at the first EAGAIN. */
	assert_int_equal(got, try_uring ? 8 : 6);
	check_batch(&bufs, got, 5, false);

	/* Empty now: nothing waits. */
	got = read_batch(b, a, &bufs, 4, false);
	assert_true(got >= 1);
	check_batch(&bufs, got, 0, false);
}

static void test_socket_reads_come_in_order_then_eagain(void **state) {
	socket_reads_in_order(true);
}

static void test_without_uring_reads_stop_at_first_error(void **state) {
	socket_reads_in_order(false);
}

static void test_peer_gone_reads_as_end_of_file(void **state) {
	_cleanup_(batchio_unrefp) BatchIO *b = NULL;
	_cleanup_close_ int a = -1;
	static Buffers bufs;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	a = sv[0];
	close(sv[1]);
	assert_int_equal(batchio_acquire(&b), 0);

	assert_true(read_batch(b, a, &bufs, 3, false) >= 1);
	assert_int_equal(bufs.results[0], 0);
}

static void test_acquire_shares_one_batchio(void **state) {
	BatchIO *b1 = NULL, *b2 = NULL, *b3 = NULL;

	assert_int_equal(batchio_acquire(&b1), 0);
	assert_int_equal(batchio_acquire(&b2), 0);
	assert_ptr_equal(b1, b2);
	batchio_unref(b1);
	batchio_unref(b2);
	/* The last reference freed it; the next is made anew (valgrind
	 * checks that nothing of the first is left). */
	assert_int_equal(batchio_acquire(&b3), 0);
	batchio_unref(b3);
}

/* A TAP device, up, with frames sent into it by a packet socket, as the
 * container's stack would. */
static int open_tap(TapVnet vnet, int *ret_sender) {
	int fd, ifindex;

	if (!have_netns)
		skip();
	fd = tap_open(TEST_TAP, vnet);
	assert_true(fd >= 0);
	assert_int_equal(tap_set_carrier(fd, true), 0);
	ifindex = netdev_get_ifindex(nl, TEST_TAP);
	assert_true(ifindex > 0);
	assert_int_equal(netdev_configure(nl, ifindex, NULL, 0, true), 0);
	*ret_sender = packet_open(ifindex, false);
	assert_true(*ret_sender >= 0);
	return fd;
}

static void send_frames(int sender, unsigned n) {
	uint8_t frame[FRAME_BYTES];

	for (unsigned i = 0; i < n; i++) {
		size_t len = make_frame(frame, frame_len(i), (uint8_t) i);
		assert_int_equal(send(sender, frame, len, 0), (ssize_t) len);
	}
}

static void tap_reads(TapVnet vnet) {
	_cleanup_(batchio_unrefp) BatchIO *b = NULL;
	_cleanup_close_ int tap = -1, sender = -1;
	static Buffers bufs;
	bool with_hdr = vnet != TAP_VNET_NONE;
	unsigned got;

	tap = open_tap(vnet, &sender);
	assert_int_equal(batchio_acquire(&b), 0);

	/* Empty: every read comes back at once, none waits for a frame. */
	alarm(WATCHDOG_SEC);
	got = read_batch(b, tap, &bufs, 16, with_hdr);
	check_batch(&bufs, got, 0, with_hdr);

	send_frames(sender, 10);
	got = read_batch(b, tap, &bufs, 16, with_hdr);
	check_batch(&bufs, got, 10, with_hdr);
	alarm(0);
	/* All sixteen went in one batch: the TAP takes RWF_NOWAIT, it did
	 * not fall back to one read at a time (which stops at the first
	 * EAGAIN). */
	if (batchio_uses_uring(b))
		assert_int_equal(got, 16);

	if (with_hdr)
		for (unsigned i = 0; i < 10; i++)
			/* Whole frames: no GSO, no checksum left to do. */
			assert_memory_equal(bufs.vnet[i], (uint8_t[VNET_HDR_BYTES]) {}, VNET_HDR_BYTES);
}

static void test_tap_reads_come_in_order_and_never_wait(void **state) {
	tap_reads(TAP_VNET_NONE);
}

static void test_tap_reads_with_vnet_header(void **state) {
	tap_reads(TAP_VNET_HDR);
}

/* What link.c relies on to size its slots: a frame longer than its
 * buffer is cut to the buffer's length, and the next read gets the next
 * frame. */
static void test_tap_cuts_frame_longer_than_buffer(void **state) {
	_cleanup_(batchio_unrefp) BatchIO *b = NULL;
	_cleanup_close_ int tap = -1, sender = -1;
	uint8_t small[2][100];
	struct iovec iov[2] = {
		{ small[0], sizeof(small[0]) },
		{ small[1], sizeof(small[1]) },
	};
	ssize_t results[2];

	tap = open_tap(TAP_VNET_NONE, &sender);
	assert_int_equal(batchio_acquire(&b), 0);
	send_frames(sender, 2);

	assert_int_equal(batchio_readv(b, tap, iov, 1, 2, results), 2);
	assert_int_equal(results[0], 60);
	assert_int_equal(small[0][59], 0);
	assert_int_equal(results[1], 100);
	assert_int_equal(small[1][99], 0x5a);
}

static void test_writes_reach_the_device_in_order(void **state) {
	_cleanup_(batchio_unrefp) BatchIO *b = NULL;
	_cleanup_close_ int tap = -1, receiver = -1;
	static uint8_t frames[16][FRAME_BYTES], got[FRAME_BYTES];
	struct iovec iov[16];
	ssize_t results[16];

	/* What the TAP is written, its stack receives: a packet socket on
	 * the device sees it come in. */
	tap = open_tap(TAP_VNET_NONE, &receiver);
	assert_int_equal(batchio_acquire(&b), 0);
	for (unsigned i = 0; i < 16; i++)
		iov[i] = (struct iovec) { frames[i], make_frame(frames[i], frame_len(i), (uint8_t) i) };

	assert_int_equal(batchio_writev(b, tap, iov, 1, 16, results), 16);
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(results[i], (ssize_t) frame_len(i));
		assert_true(netns_wait_readable(receiver));
		assert_int_equal(recv(receiver, got, sizeof(got), 0), (ssize_t) frame_len(i));
		assert_memory_equal(got, frames[i], frame_len(i));
	}
}

static int delete_tap(void **state) {
	int ifindex = have_netns ? netdev_get_ifindex(nl, TEST_TAP) : 0;

	/* Closing the fd deleted it; anything else is a leftover. */
	assert_true(ifindex <= 0);
	return 0;
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_reads_come_in_order_then_eagain),
		cmocka_unit_test(test_without_uring_reads_stop_at_first_error),
		cmocka_unit_test(test_peer_gone_reads_as_end_of_file),
		cmocka_unit_test(test_acquire_shares_one_batchio),
		cmocka_unit_test_teardown(test_tap_reads_come_in_order_and_never_wait, delete_tap),
		cmocka_unit_test_teardown(test_tap_reads_with_vnet_header, delete_tap),
		cmocka_unit_test_teardown(test_tap_cuts_frame_longer_than_buffer, delete_tap),
		cmocka_unit_test_teardown(test_writes_reach_the_device_in_order, delete_tap),
	};
	int r;

	/* The TAP tests need a namespace of their own; the rest runs anywhere. */
	if (geteuid() == 0 && unshare(CLONE_NEWNET) == 0) {
		netns_quiet_ipv6();
		assert_int_equal(netdev_open(&nl), 0);
		have_netns = true;
	} else
		printf("TAP tests skipped: they need root for a network namespace\n");

	r = cmocka_run_group_tests(tests, NULL, NULL);
	if (nl)
		nl_socket_free(nl);
	return r;
}
