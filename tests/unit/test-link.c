/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <net/ethernet.h>

#include "frame.h"
#include "capture.h"
#include "checksum.h"
#include "link.h"
#include "vnet.h"
#include "macro.h"

/* ARCA_TEST_LINK_FRAMES lowers the count for slow runs (valgrind). */
#define DEFAULT_FRAMES 1000000UL

static unsigned long n_frames(void) {
	const char *s = getenv("ARCA_TEST_LINK_FRAMES");
	return s ? strtoul(s, NULL, 10) : DEFAULT_FRAMES;
}

/* Frame i: 60..1459 bytes, its index in the first 8 bytes, then a pattern
 * derived from it, so loss, reordering and corruption all show. */
static size_t make_frame(uint8_t *buf, uint64_t i) {
	size_t len = 60 + (size_t) (i * 7919 % 1400);

	memcpy(buf, &i, sizeof(i));
	for (size_t j = sizeof(i); j < len; j++)
		buf[j] = (uint8_t) (i + j);
	return len;
}

static void check_frame(const uint8_t *buf, size_t len, uint64_t expected) {
	uint64_t i;

	assert_true(len >= sizeof(i));
	memcpy(&i, buf, sizeof(i));
	assert_int_equal(i, expected);
	assert_int_equal(len, 60 + (size_t) (i * 7919 % 1400));
	for (size_t j = sizeof(i); j < len; j++)
		if (buf[j] != (uint8_t) (i + j))
			fail_msg("frame %llu corrupt at byte %zu", (unsigned long long) i, j);
}

typedef struct Fixture {
	sd_event *event;
	int dev[2];      /* [0] the link's device side, [1] the test's */
	int st[2];       /* [0] the link's stream side, [1] the test's */
	LinkStats stats;
	Link *link;
	int end_calls;
	LinkSide end_side;
	int end_error;
} Fixture;

static void on_end(Link *link, LinkSide side, int error, void *userdata) {
	Fixture *f = userdata;

	f->end_calls++;
	f->end_side = side;
	f->end_error = error;
	sd_event_exit(f->event, 0);
}

static int setup(void **state) {
	Fixture *f = calloc(1, sizeof(*f));

	assert_int_equal(sd_event_new(&f->event), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->dev), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->st), 0);
	fcntl(f->dev[0], F_SETFL, O_NONBLOCK);
	fcntl(f->st[0], F_SETFL, O_NONBLOCK);
	*state = f;
	return 0;
}

static int teardown(void **state) {
	Fixture *f = *state;

	link_free(f->link);
	for (int i = 0; i < 2; i++) {
		if (f->dev[i] >= 0)
			close(f->dev[i]);
		if (f->st[i] >= 0)
			close(f->st[i]);
	}
	sd_event_unref(f->event);
	free(f);
	return 0;
}

static void start_link(Fixture *f, const LinkConfig *extra) {
	LinkConfig c = extra ? *extra : (LinkConfig) {};

	c.stats = &f->stats;
	assert_int_equal(link_new(&f->link, f->event, f->dev[0], f->st[0], &c, on_end, f), 0);
}

static void *write_device_frames(void *userdata) {
	Fixture *f = userdata;
	unsigned long n = n_frames();
	uint8_t buf[2048];

	for (uint64_t i = 0; i < n; i++) {
		size_t len = make_frame(buf, i);
		/* Blocking: when the link stops reading, this waits. */
		assert_int_equal(write(f->dev[1], buf, len), (ssize_t) len);
	}
	return NULL;
}

typedef struct SlowReader {
	Fixture *f;
	uint64_t next;
	uint64_t bytes;
} SlowReader;

static int check_decoded(const uint8_t *frame, size_t len, void *userdata) {
	SlowReader *r = userdata;

	check_frame(frame, len, r->next++);
	r->bytes += len;
	return 0;
}

static void *read_stream_slowly(void *userdata) {
	SlowReader *r = userdata;
	unsigned long n = n_frames();
	static uint8_t buf[8192];
	FrameDecoder d;
	unsigned reads = 0;

	frame_decoder_init(&d, 0);
	while (r->next < n) {
		/* Odd read sizes cut headers and frames everywhere, and a nap
		 * now and then lets the link's queue fill up. */
		size_t want = 1 + (reads * 2654435761u) % sizeof(buf);
		ssize_t got = read(r->f->st[1], buf, want);

		assert_true(got > 0);
		assert_int_equal(frame_decoder_feed(&d, buf, (size_t) got, check_decoded, r), 0);
		if (++reads % 2048 == 0)
			usleep(2000);
	}
	frame_decoder_done(&d);
	/* Done: hang up, which ends the link from the stream side. */
	close(r->f->st[1]);
	r->f->st[1] = -1;
	return NULL;
}

static void test_million_frames_device_to_stream_with_slow_reader(void **state) {
	Fixture *f = *state;
	SlowReader reader = { .f = f };
	pthread_t writer_t, reader_t;
	unsigned long n = n_frames();
	uint64_t bytes = 0;
	uint8_t buf[2048];

	start_link(f, NULL);
	assert_int_equal(pthread_create(&writer_t, NULL, write_device_frames, f), 0);
	assert_int_equal(pthread_create(&reader_t, NULL, read_stream_slowly, &reader), 0);

	assert_int_equal(sd_event_loop(f->event), 0);
	pthread_join(writer_t, NULL);
	pthread_join(reader_t, NULL);

	for (uint64_t i = 0; i < n; i++)
		bytes += make_frame(buf, i);

	/* Everything arrived once, in order, and the counters say so. */
	assert_int_equal(reader.next, n);
	assert_int_equal(reader.bytes, bytes);
	assert_int_equal(f->stats.to_stream.frames, n);
	assert_int_equal(f->stats.to_stream.bytes, bytes);
	assert_int_equal(f->stats.to_stream.drops, 0);
	assert_int_equal(f->stats.to_stream.errors, 0);
	assert_int_equal(f->stats.to_device.frames, 0);

	/* The reader hung up: the link ended once, from the stream side. */
	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->end_side, LINK_SIDE_STREAM);
	assert_int_equal(f->end_error, 0);
}

static void *write_stream_frames(void *userdata) {
	Fixture *f = userdata;
	unsigned long n = n_frames() / 10;
	FrameQueue q;

	assert_int_equal(frame_queue_init(&q, 64 * 1024, 2048), 0);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *slot;

		while (!(slot = frame_queue_reserve(&q))) {
			/* Flush in odd-sized pieces: the link sees torn reads. */
			size_t len, step = 1 + (i * 31) % 3000;
			const uint8_t *p = frame_queue_pending(&q, &len);
			ssize_t w = write(f->st[1], p, len < step ? len : step);
			assert_true(w > 0);
			frame_queue_advance(&q, (size_t) w);
		}
		frame_queue_commit(&q, make_frame(slot, i));
	}
	while (!frame_queue_empty(&q)) {
		size_t len;
		const uint8_t *p = frame_queue_pending(&q, &len);
		ssize_t w = write(f->st[1], p, len);
		assert_true(w > 0);
		frame_queue_advance(&q, (size_t) w);
	}
	frame_queue_done(&q);
	shutdown(f->st[1], SHUT_WR);
	return NULL;
}

typedef struct DeviceReader {
	Fixture *f;
	uint64_t received;
	uint64_t last;
} DeviceReader;

static void *read_device_slowly(void *userdata) {
	DeviceReader *r = userdata;
	uint8_t buf[2048];
	ssize_t got;

	/* Until the link shuts the device side down (EOF on SEQPACKET). */
	while ((got = read(r->f->dev[1], buf, sizeof(buf))) > 0) {
		uint64_t i;

		memcpy(&i, buf, sizeof(i));
		/* Drops leave gaps, but order is kept and content intact. */
		assert_true(r->received == 0 || i > r->last);
		check_frame(buf, (size_t) got, i);
		r->last = i;
		if (++r->received % 1024 == 0)
			usleep(1000);
	}
	return NULL;
}

static void test_stream_to_device_counts_kernel_drops(void **state) {
	Fixture *f = *state;
	DeviceReader reader = { .f = f };
	pthread_t writer_t, reader_t;
	unsigned long n = n_frames() / 10;

	start_link(f, NULL);
	assert_int_equal(pthread_create(&writer_t, NULL, write_stream_frames, f), 0);
	assert_int_equal(pthread_create(&reader_t, NULL, read_device_slowly, &reader), 0);

	assert_int_equal(sd_event_loop(f->event), 0);
	pthread_join(writer_t, NULL);
	/* The link is over; closing our device end lets the reader finish. */
	shutdown(f->dev[0], SHUT_RDWR);
	pthread_join(reader_t, NULL);

	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->end_side, LINK_SIDE_STREAM);
	assert_int_equal(f->end_error, 0);
	/* Every frame was either delivered or counted as dropped. */
	assert_int_equal(f->stats.to_device.frames, reader.received);
	assert_int_equal(f->stats.to_device.frames + f->stats.to_device.drops, n);
	assert_int_equal(f->stats.to_device.protocol_errors, 0);
	assert_true(reader.received > 0);
}

static void test_zero_length_header_ends_link(void **state) {
	Fixture *f = *state;
	uint8_t good[4 + 60] = { 0, 0, 0, 60 }, bad[4] = { 0, 0, 0, 0 }, buf[128];

	start_link(f, NULL);
	assert_int_equal(write(f->st[1], good, sizeof(good)), sizeof(good));
	assert_int_equal(write(f->st[1], bad, sizeof(bad)), sizeof(bad));
	assert_int_equal(sd_event_loop(f->event), 0);

	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->end_side, LINK_SIDE_STREAM);
	assert_int_equal(f->end_error, -EBADMSG);
	assert_int_equal(f->stats.to_device.protocol_errors, 1);
	/* The frame before the bad header got through. */
	assert_int_equal(f->stats.to_device.frames, 1);
	assert_int_equal(read(f->dev[1], buf, sizeof(buf)), 60);
}

static void test_oversized_length_ends_link(void **state) {
	Fixture *f = *state;
	LinkConfig c = { .max_frame_bytes = 1514 };
	uint8_t bad[4] = { 0, 0, 0x05, 0xeb };   /* 1515 */

	start_link(f, &c);
	assert_int_equal(write(f->st[1], bad, sizeof(bad)), sizeof(bad));
	assert_int_equal(sd_event_loop(f->event), 0);
	assert_int_equal(f->end_error, -EBADMSG);
	assert_int_equal(f->stats.to_device.protocol_errors, 1);
	assert_int_equal(f->stats.to_device.frames, 0);
}

static void test_device_closed_ends_link(void **state) {
	Fixture *f = *state;

	start_link(f, NULL);
	close(f->dev[1]);
	f->dev[1] = -1;
	assert_int_equal(sd_event_loop(f->event), 0);
	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->end_side, LINK_SIDE_DEVICE);
	assert_int_equal(f->end_error, 0);
}

static void test_stream_reset_while_writing_ends_link(void **state) {
	Fixture *f = *state;
	uint8_t buf[1000] = {};

	start_link(f, NULL);
	close(f->st[1]);
	f->st[1] = -1;
	assert_int_equal(write(f->dev[1], buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(sd_event_loop(f->event), 0);
	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->end_side, LINK_SIDE_STREAM);
	/* Either the read saw EOF first, or the write failed. */
	assert_true(f->end_error == 0 || f->end_error == -EPIPE || f->end_error == -ECONNRESET);
}

static void test_counters_continue_across_links(void **state) {
	Fixture *f = *state;
	uint8_t frame[4 + 100] = { 0, 0, 0, 100 };

	for (int round = 1; round <= 3; round++) {
		start_link(f, NULL);
		assert_int_equal(write(f->st[1], frame, sizeof(frame)), sizeof(frame));
		shutdown(f->st[1], SHUT_WR);
		assert_int_equal(sd_event_loop(f->event), 0);
		f->link = link_free(f->link);

		assert_int_equal(f->stats.to_device.frames, round);
		assert_int_equal(f->stats.to_device.bytes, 100 * round);

		/* A new connection, and a new loop (an exited one is done). */
		sd_event_unref(f->event);
		assert_int_equal(sd_event_new(&f->event), 0);
		close(f->st[0]);
		close(f->st[1]);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, f->st), 0);
		uint8_t buf[200];
		assert_int_equal(read(f->dev[1], buf, sizeof(buf)), 100);
	}
	assert_int_equal(f->end_calls, 3);
}

typedef struct Counted {
	unsigned frames;
} Counted;

static int count_frame(const uint8_t *frame, size_t len, void *userdata) {
	Counted *c = userdata;

	assert_true(len == 60 || len == 1514);
	c->frames++;
	return 0;
}

/* An Ethernet frame of len bytes from source mac[5] = last. */
static void ether_frame(uint8_t *buf, size_t len, uint8_t last) {
	memset(buf, 0, len);
	memset(buf, 0xff, ETH_ALEN);
	memcpy(buf + ETH_ALEN, (uint8_t[]) { 0x02, 0, 0, 0, 0, last }, ETH_ALEN);
	buf[12] = 0x08;
}

/* Runs the loop until the link is idle, without ending it. */
static void run_until_idle(Fixture *f) {
	while (sd_event_run(f->event, 100 * 1000) > 0)
		;
}

/* Writes a length32 header for len into p; returns p after it. */
static uint8_t *put_length(uint8_t *p, size_t len) {
	p[0] = 0, p[1] = 0, p[2] = (uint8_t) (len >> 8), p[3] = (uint8_t) len;
	return p + 4;
}

/* Reads one frame of exactly len bytes from the test's device end, after
 * a virtio net header if hdr: that header must be an empty one. */
static void expect_device_frame(Fixture *f, const uint8_t *frame, size_t len, bool hdr) {
	static uint8_t buf[VNET_HDR_BYTES + 4096];
	size_t off = hdr ? VNET_HDR_BYTES : 0;

	assert_int_equal(read(f->dev[1], buf, sizeof(buf)), (ssize_t) (off + len));
	if (hdr)
		assert_memory_equal(buf, (uint8_t[VNET_HDR_BYTES]) {}, VNET_HDR_BYTES);
	assert_memory_equal(buf + off, frame, len);
}

/* A frame split over stream reads is put together in the decoder's own
 * buffer, which the next split frame reuses within the same read: the
 * first must reach the device before that. */
static void test_split_frames_reach_device_whole(void **state) {
	Fixture *f = *state;
	static uint8_t a[1200], b[1300], c[100], wire[4096];
	uint8_t *p;

	start_link(f, NULL);
	ether_frame(a, sizeof(a), 0x01);
	memset(a + ETH_HLEN, 0xaa, sizeof(a) - ETH_HLEN);
	ether_frame(b, sizeof(b), 0x01);
	memset(b + ETH_HLEN, 0xbb, sizeof(b) - ETH_HLEN);
	ether_frame(c, sizeof(c), 0x01);
	memset(c + ETH_HLEN, 0xcc, sizeof(c) - ETH_HLEN);

	/* Read 1: a's header and its first 500 bytes. */
	p = put_length(wire, sizeof(a));
	memcpy(p, a, 500);
	assert_int_equal(write(f->st[1], wire, 4 + 500), 4 + 500);
	run_until_idle(f);

	/* Read 2: the rest of a, all of c, the first 600 bytes of b. */
	p = wire;
	memcpy(p, a + 500, sizeof(a) - 500);
	p += sizeof(a) - 500;
	p = put_length(p, sizeof(c));
	memcpy(p, c, sizeof(c));
	p += sizeof(c);
	p = put_length(p, sizeof(b));
	memcpy(p, b, 600);
	p += 600;
	assert_int_equal(write(f->st[1], wire, (size_t) (p - wire)), p - wire);
	run_until_idle(f);

	/* Read 3: the rest of b. */
	assert_int_equal(write(f->st[1], b + 600, sizeof(b) - 600), (ssize_t) (sizeof(b) - 600));
	run_until_idle(f);

	expect_device_frame(f, a, sizeof(a), false);
	expect_device_frame(f, c, sizeof(c), false);
	expect_device_frame(f, b, sizeof(b), false);
	assert_int_equal(f->stats.to_device.frames, 3);
	assert_int_equal(f->end_calls, 0);
}

/* An IPv4 TCP segment with payload bytes of fill, its checksums right:
 * one the coalescer takes into its own buffer to join. Returns its
 * length. */
static size_t tcp_segment(uint8_t *buf, uint16_t sport, size_t payload, uint8_t fill) {
	const size_t ip_len = 20 + 20 + payload;
	uint8_t *ip = buf + ETH_HLEN, *tcp = ip + 20, pseudo[12];
	uint16_t sum;

	ether_frame(buf, ETH_HLEN + ip_len, 0x01);
	memset(ip, 0, 40);
	ip[0] = 0x45, ip[2] = (uint8_t) (ip_len >> 8), ip[3] = (uint8_t) ip_len;
	ip[6] = 0x40, ip[8] = 64, ip[9] = 6;
	memcpy(ip + 12, (uint8_t[]) { 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
	sum = (uint16_t) ~checksum_fold(checksum_add(0, ip, 20));
	memcpy(ip + 10, &sum, 2);

	tcp[0] = (uint8_t) (sport >> 8), tcp[1] = (uint8_t) sport, tcp[3] = 80;
	tcp[7] = 1, tcp[12] = 5 << 4, tcp[13] = 0x10, tcp[14] = 0xff;
	memset(tcp + 20, fill, payload);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0, pseudo[9] = 6, pseudo[10] = (uint8_t) ((20 + payload) >> 8), pseudo[11] = (uint8_t) (20 + payload);
	sum = (uint16_t) ~checksum_fold(checksum_add(checksum_add(0, pseudo, 12), tcp, 20 + payload));
	memcpy(tcp + 16, &sum, 2);
	return ETH_HLEN + ip_len;
}

/* The coalescer holds a segment in its own buffer and reuses it for the
 * next one: a segment of another flow in the same read must not
 * overwrite the first before it reaches the device. */
static void test_segments_held_by_coalescer_reach_device_whole(void **state) {
	Fixture *f = *state;
	LinkConfig config = { .strip_vnet_hdr = true };
	static uint8_t x[1600], y[1600], wire[4096];
	size_t x_len = tcp_segment(x, 1000, 300, 0xaa), y_len = tcp_segment(y, 2000, 500, 0xbb);
	uint8_t *p;

	start_link(f, &config);
	p = put_length(wire, x_len);
	memcpy(p, x, x_len);
	p = put_length(p + x_len, y_len);
	memcpy(p, y, y_len);
	p += y_len;
	assert_int_equal(write(f->st[1], wire, (size_t) (p - wire)), p - wire);
	run_until_idle(f);

	expect_device_frame(f, x, x_len, true);
	expect_device_frame(f, y, y_len, true);
	assert_int_equal(f->stats.to_device.frames, 2);
	assert_int_equal(f->end_calls, 0);
}

/* A protocol error after segments the coalescer holds: they still reach
 * the device, and are counted, before the link ends. */
static void test_segments_before_a_protocol_error_reach_device(void **state) {
	Fixture *f = *state;
	LinkConfig config = { .strip_vnet_hdr = true };
	static uint8_t x[1600], wire[4096];
	size_t x_len = tcp_segment(x, 1000, 300, 0xcc);
	uint8_t *p;

	start_link(f, &config);
	p = put_length(wire, x_len);
	memcpy(p, x, x_len);
	p = put_length(p + x_len, 0);
	assert_int_equal(write(f->st[1], wire, (size_t) (p - wire)), p - wire);
	run_until_idle(f);

	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->end_error, -EBADMSG);
	expect_device_frame(f, x, x_len, true);
	assert_int_equal(f->stats.to_device.frames, 1);
	assert_int_equal(f->stats.to_device.bytes, x_len);
}

/* A device read that is its virtio net header alone, or less than an
 * Ethernet header after it, is no frame: dropped and counted, never sent
 * as a length32 frame of 0 (which every peer takes as a protocol error). */
static void test_device_frames_shorter_than_ethernet_are_dropped(void **state) {
	Fixture *f = *state;
	LinkConfig config = { .strip_vnet_hdr = true };
	uint8_t only_header[VNET_HDR_BYTES] = {}, short_frame[VNET_HDR_BYTES + ETH_HLEN - 1] = {};
	uint8_t good[VNET_HDR_BYTES + 60] = {}, buf[128];

	start_link(f, &config);
	good[VNET_HDR_BYTES] = 0x02;
	good[VNET_HDR_BYTES + 6] = 0x02;
	assert_int_equal(write(f->dev[1], only_header, sizeof(only_header)), sizeof(only_header));
	assert_int_equal(write(f->dev[1], short_frame, sizeof(short_frame)), sizeof(short_frame));
	assert_int_equal(write(f->dev[1], good, sizeof(good)), sizeof(good));
	run_until_idle(f);

	assert_int_equal(f->end_calls, 0);
	assert_int_equal(f->stats.to_stream.drops, 2);
	assert_int_equal(f->stats.to_stream.frames, 1);
	assert_int_equal(read(f->st[1], buf, sizeof(buf)), 4 + 60);
	assert_int_equal(buf[3], 60);
}

/* With no length filter, a device frame longer than the stream carries
 * is read cut to its slot: it is dropped and counted, never sent cut. */
static void test_device_frames_longer_than_the_stream_carries_are_dropped(void **state) {
	Fixture *f = *state;
	LinkConfig config = { .max_frame_bytes = 1000 };
	uint8_t frame[1001], buf[1100];

	start_link(f, &config);
	ether_frame(frame, sizeof(frame), 1);
	assert_int_equal(write(f->dev[1], frame, 1001), 1001);
	assert_int_equal(write(f->dev[1], frame, 1000), 1000);
	run_until_idle(f);

	assert_int_equal(f->end_calls, 0);
	assert_int_equal(f->stats.to_stream.drops, 1);
	assert_int_equal(f->stats.to_stream.frames, 1);
	assert_int_equal(read(f->st[1], buf, sizeof(buf)), 4 + 1000);
}

static void test_filter_drops_long_and_spoofed_frames_both_ways(void **state) {
	Fixture *f = *state;
	const LinkFilter filter = {
		.max_ether_bytes = 1500 + ETH_HLEN,
		.lock_source = true,
		.source = { { 0x02, 0, 0, 0, 0, 0x01 } },
	};
	LinkConfig c = { .to_stream = filter, .to_device = filter };
	uint8_t frame[4 + 2000], buf[4096];
	FrameDecoder d;
	size_t sizes[] = { 60, 1514, 1515, 2000, 10 };
	uint8_t sources[] = { 0x01, 0x01, 0x01, 0x01, 0x01 };

	start_link(f, &c);
	/* Device -> stream: right size and source, too long, spoofed, runt. */
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		ether_frame(frame, sizes[i], sources[i]);
		assert_int_equal(write(f->dev[1], frame, sizes[i]), (ssize_t) sizes[i]);
	}
	ether_frame(frame, 100, 0x66);
	assert_int_equal(write(f->dev[1], frame, 100), 100);
	run_until_idle(f);

	assert_int_equal(f->stats.to_stream.frames, 2);
	assert_int_equal(f->stats.to_stream.drops, 4);
	/* What reached the stream is exactly the two good frames, whole. */
	Counted counted = {};
	frame_decoder_init(&d, 65535);
	ssize_t n = read(f->st[1], buf, sizeof(buf));
	assert_int_equal(n, 4 + 60 + 4 + 1514);
	assert_int_equal(frame_decoder_feed(&d, buf, (size_t) n, count_frame, &counted), 0);
	assert_int_equal(counted.frames, 2);
	frame_decoder_done(&d);

	/* Stream -> device: the same rules. */
	for (size_t i = 0; i < 2; i++) {
		size_t len = i == 0 ? 1514 : 1515;
		frame[0] = 0, frame[1] = 0, frame[2] = (uint8_t) (len >> 8), frame[3] = (uint8_t) len;
		ether_frame(frame + 4, len, 0x01);
		assert_int_equal(write(f->st[1], frame, 4 + len), (ssize_t) (4 + len));
	}
	frame[0] = 0, frame[1] = 0, frame[2] = 0, frame[3] = 100;
	ether_frame(frame + 4, 100, 0x02);
	assert_int_equal(write(f->st[1], frame, 104), 104);
	run_until_idle(f);

	assert_int_equal(f->stats.to_device.frames, 1);
	assert_int_equal(f->stats.to_device.drops, 2);
	assert_int_equal(read(f->dev[1], buf, sizeof(buf)), 1514);
	assert_int_equal(f->end_calls, 0);
}

static void test_filter_lets_gso_frames_pass(void **state) {
	Fixture *f = *state;
	LinkConfig c = {
		.max_frame_bytes = FRAME_MAX_BYTES_VNET,
		.header_bytes = VNET_HDR_BYTES,
		.to_stream = { .max_ether_bytes = 1500 + ETH_HLEN },
	};
	static uint8_t frame[VNET_HDR_BYTES + 9000];

	start_link(f, &c);
	/* A 9000-byte TCP segment marked for GSO (gso_type TCPV4) passes... */
	memset(frame, 0, sizeof(frame));
	frame[1] = 1;
	ether_frame(frame + VNET_HDR_BYTES, 9000, 0x01);
	assert_int_equal(write(f->dev[1], frame, sizeof(frame)), (ssize_t) sizeof(frame));
	/* ...one that is not marked does not. */
	frame[1] = 0;
	assert_int_equal(write(f->dev[1], frame, sizeof(frame)), (ssize_t) sizeof(frame));
	run_until_idle(f);

	assert_int_equal(f->stats.to_stream.frames, 1);
	assert_int_equal(f->stats.to_stream.bytes, sizeof(frame));
	assert_int_equal(f->stats.to_stream.drops, 1);
}

/* A GSO frame from a device with TSO on reaches a length32 stream as the
 * segments TSO would have sent (tso.c has the field by field checks),
 * each counted; where the link does not cut them, it is dropped and
 * counted. */
static void test_gso_frames_from_the_device_reach_a_length32_stream_cut(void **state) {
	Fixture *f = *state;
	LinkConfig c = { .strip_vnet_hdr = true, .cut_gso = true, .to_stream = { .max_ether_bytes = 1514 } };
	const VnetHeader h = { .gso_type = VNET_HDR_GSO_TCPV4, .gso_size = 1000 };
	static uint8_t frame[VNET_HDR_BYTES + ETH_HLEN + 40 + 5000], wire[5 * (4 + 1054)];
	size_t len = tcp_segment(frame + VNET_HDR_BYTES, 1000, 5000, 0x5a), have = 0;
	const uint8_t *p = wire;

	start_link(f, &c);
	vnet_header_write(&h, frame);
	assert_int_equal(write(f->dev[1], frame, VNET_HDR_BYTES + len), VNET_HDR_BYTES + len);
	run_until_idle(f);

	assert_int_equal(f->stats.to_stream.frames, 5);
	assert_int_equal(f->stats.to_stream.bytes, 5 * 1054);
	assert_int_equal(f->stats.to_stream.drops, 0);
	while (have < sizeof(wire)) {
		ssize_t n = read(f->st[1], wire + have, sizeof(wire) - have);

		assert_true(n > 0);
		have += (size_t) n;
	}
	for (unsigned k = 0; k < 5; k++, p += 4 + 1054) {
		const uint8_t *ip = p + 4 + ETH_HLEN, *tcp = ip + 20;
		uint8_t pseudo[12] = { 0 };

		assert_memory_equal(p, ((uint8_t[]) { 0, 0, 1054 >> 8, 1054 & 0xff }), 4);
		assert_int_equal(ip[2] << 8 | ip[3], 1040);
		assert_int_equal(checksum_fold(checksum_add(0, ip, 20)), 0xffff);
		assert_int_equal(tcp[4] << 24 | tcp[5] << 16 | tcp[6] << 8 | tcp[7], 1 + 1000 * k);
		memcpy(pseudo, ip + 12, 8);
		pseudo[9] = 6, pseudo[10] = 1020 >> 8, pseudo[11] = 1020 & 0xff;
		assert_int_equal(checksum_fold(checksum_add(checksum_add(0, pseudo, 12), tcp, 1020)), 0xffff);
		for (unsigned i = 0; i < 1000; i++)
			assert_int_equal(tcp[20 + i], 0x5a);
	}

	/* Not cut: dropped. */
	f->link = link_free(f->link);
	c.cut_gso = false;
	start_link(f, &c);
	assert_int_equal(write(f->dev[1], frame, VNET_HDR_BYTES + len), VNET_HDR_BYTES + len);
	run_until_idle(f);
	assert_int_equal(f->stats.to_stream.frames, 5);
	assert_int_equal(f->stats.to_stream.drops, 1);
}

/* The capture sees what the link forwarded, both ways, without the virtio
 * net header, and not what a filter dropped. */
static void test_capture_gets_forwarded_frames_without_vnet_header(void **state) {
	Fixture *f = *state;
	LinkConfig c = {
		.max_frame_bytes = FRAME_MAX_BYTES_VNET,
		.header_bytes = VNET_HDR_BYTES,
		.to_stream = { .lock_source = true, .source = { { 0x02, 0, 0, 0, 0, 0x01 } } },
	};
	uint8_t frame[4 + VNET_HDR_BYTES + 200], buf[8192];
	Capture *capture = NULL, *slot;
	int pipe_fds[2];
	ssize_t n;

	assert_int_equal(pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(capture_new(&capture, f->event, pipe_fds[1], "test", NULL, NULL, NULL), 0);
	/* The owner's slot, which the link reads for each frame. */
	slot = capture;
	c.capture = &slot;
	start_link(f, &c);

	/* Device -> stream: one from the locked source, one spoofed. */
	memset(frame, 0, sizeof(frame));
	ether_frame(frame + VNET_HDR_BYTES, 100, 0x01);
	assert_int_equal(write(f->dev[1], frame, VNET_HDR_BYTES + 100), VNET_HDR_BYTES + 100);
	ether_frame(frame + VNET_HDR_BYTES, 100, 0x66);
	assert_int_equal(write(f->dev[1], frame, VNET_HDR_BYTES + 100), VNET_HDR_BYTES + 100);
	/* Stream -> device: one of 200 bytes. */
	frame[0] = 0, frame[1] = 0, frame[2] = 0, frame[3] = VNET_HDR_BYTES + 200;
	memset(frame + 4, 0, VNET_HDR_BYTES);
	ether_frame(frame + 4 + VNET_HDR_BYTES, 200, 0x02);
	assert_int_equal(write(f->st[1], frame, sizeof(frame)), (ssize_t) sizeof(frame));
	run_until_idle(f);
	assert_int_equal(f->stats.to_stream.frames, 1);
	assert_int_equal(f->stats.to_device.frames, 1);

	/* The pcap file header, then two records: 100 bytes from 02:..:01,
	 * 200 bytes from 02:..:02, each starting with the Ethernet header. */
	n = read(pipe_fds[0], buf, sizeof(buf));
	assert_int_equal(n, 24 + 16 + 100 + 16 + 200);
	assert_int_equal(((uint32_t *) (buf + 24))[2], 100);
	assert_memory_equal(buf + 24 + 16 + ETH_ALEN, ((uint8_t[]) { 0x02, 0, 0, 0, 0, 0x01 }), ETH_ALEN);
	assert_int_equal(((uint32_t *) (buf + 24 + 16 + 100))[2], 200);
	assert_memory_equal(buf + 24 + 16 + 100 + 16 + ETH_ALEN, ((uint8_t[]) { 0x02, 0, 0, 0, 0, 0x02 }), ETH_ALEN);
	assert_int_equal(capture_get_counters(capture)->frames, 2);

	/* Once the slot is empty, the capture gets nothing more. */
	slot = NULL;
	ether_frame(frame + VNET_HDR_BYTES, 100, 0x01);
	assert_int_equal(write(f->dev[1], frame, VNET_HDR_BYTES + 100), VNET_HDR_BYTES + 100);
	run_until_idle(f);
	assert_int_equal(f->stats.to_stream.frames, 2);
	assert_int_equal(read(pipe_fds[0], buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);

	link_free(TAKE_PTR(f->link));
	capture_free(capture);
	close(pipe_fds[0]);
}

static void *drain_stream(void *userdata) {
	Fixture *f = userdata;
	uint8_t buf[65536];

	while (read(f->st[1], buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static int stop_loop(sd_event_source *s, uint64_t usec, void *userdata) {
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void test_rate_limit_holds_device_to_stream(void **state) {
	Fixture *f = *state;
	LinkConfig c = { .rate_to_stream = 1000000 };   /* 1 MB/s, burst 100 kB */
	pthread_t t;
	uint8_t buf[1000] = {};
	struct timespec a, b;
	sd_event_source *timer = NULL;
	uint64_t now;

	start_link(f, &c);
	assert_int_equal(pthread_create(&t, NULL, drain_stream, f), 0);
	/* 400 frames of 1000 bytes wait in the device's queue. */
	int big = 1 << 20;
	setsockopt(f->dev[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(f->dev[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	fcntl(f->dev[1], F_SETFL, O_NONBLOCK);
	int queued = 0;
	while (queued < 400 && write(f->dev[1], buf, sizeof(buf)) == sizeof(buf))
		queued++;
	assert_true(queued >= 200);

	/* Run the loop for 150 ms: 100 kB of burst + 150 kB of rate. */
	sd_event_now(f->event, CLOCK_MONOTONIC, &now);
	assert_int_equal(sd_event_add_time(f->event, &timer, CLOCK_MONOTONIC, now + 150000, 0, stop_loop, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(sd_event_loop(f->event), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	sd_event_source_unref(timer);

	double elapsed = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	/* A lower bound only, which no slow machine can break: the limiter
	 * may lend one frame beyond the credit. */
	double allowed = 100000 + 1000000 * elapsed + 1000;
	assert_true(f->stats.to_stream.bytes <= allowed);
	assert_true(f->stats.to_stream.bytes >= 100000);
	assert_int_equal(f->end_calls, 0);

	shutdown(f->st[0], SHUT_RDWR);
	pthread_join(t, NULL);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_million_frames_device_to_stream_with_slow_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_to_device_counts_kernel_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_length_header_ends_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_length_ends_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_closed_ends_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_reset_while_writing_ends_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_continue_across_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_frames_reach_device_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segments_held_by_coalescer_reach_device_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_drops_long_and_spoofed_frames_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_lets_gso_frames_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gso_frames_from_the_device_reach_a_length32_stream_cut, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_capture_gets_forwarded_frames_without_vnet_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_holds_device_to_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segments_before_a_protocol_error_reach_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_frames_shorter_than_ethernet_are_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_frames_longer_than_the_stream_carries_are_dropped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
