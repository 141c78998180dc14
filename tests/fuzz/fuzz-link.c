/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The Link as a whole, between a hostile host and a hostile device, in
 * either framing, with its filters on or off and, where the device takes a
 * virtio net header the stream does not carry, with the coalescer.
 *
 * The input starts with two bytes of configuration:
 *
 *   byte 0  bit 0 Framing=vnet; bit 1 the device's virtio net header is
 *           stripped (length32 only); bits 2 and 3 a length limit to the
 *           stream and to the device; bits 4 and 5 the source MAC locked
 *           to the stream and to the device; bits 6-7 the largest frame.
 *   byte 1  bits 0 and 1 the length limit; bit 2 GSO frames from the
 *           device are cut (where its header is stripped).
 *
 * then operations (a byte modulo 4):
 *
 *   0  a frame from the device: a 2-byte length, then its bytes (the first
 *      10 its virtio net header where the device has one);
 *   1  bytes from the host: a 2-byte length, then the bytes;
 *   2  a TCP segment from the host, in length32 framing, of the flow that
 *      the byte divided by 4 picks, from the next four bytes
 *      (ref_segment_make());
 *   3  the loop runs until nothing moves, as it does at the end and
 *      whenever a socket is full.
 *
 * Each side must get exactly the frames that a reference decoder and
 * filter, written here, predict, in order (the device's through
 * ref_check_written(), joined or not), and every counter must say what
 * became of each frame. The link ends exactly when the host breaks the
 * framing. One loop and one pair of sockets for each side serve every
 * input, for speed; they live in a network namespace of the target's own
 * (see world_init()).
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "batchio.h"
#include "link.h"
#include "reference.h"
#include "tso.h"

#define SOCKET_BUFFER_BYTES (8U * 1024U * 1024U)
#define RECEIVE_BYTES (256U * 1024U)

/* Kept across inputs: [0] is the link's end, [1] the test's. */
static struct {
	sd_event *event;
	int dev[2];
	int stream[2];
	BatchIO *batchio;       /* held, so that links do not set one up each */
	uint8_t *buf;
} world;

typedef struct Run {
	LinkConfig config;
	uint32_t max_bytes;
	size_t slot_bytes;
	LinkStats stats;

	RefFrames to_stream;    /* what the host is yet to get */
	RefFrames to_device;    /* what the device is yet to get */
	LinkCounters want_stream;
	LinkCounters want_device;

	uint8_t *host_bytes;    /* the reference decoder: bytes of no whole frame yet */
	size_t host_have, host_allocated;
	bool broken;            /* the host broke the framing */

	uint8_t *got;           /* what the host received, not yet decoded */
	size_t got_have, got_allocated;

	unsigned ends;
	LinkSide end_side;
	int end_error;
} Run;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t be32(const uint8_t *p) {
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void grow_buffers(int fd) {
	int size = SOCKET_BUFFER_BYTES;

	assert(setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) == 0);
	assert(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0);
}

static void world_init(void) {
	int fd;

	if (world.event)
		return;
	/* A unix datagram queue holds 10 frames unless net.unix.max_dgram_qlen
	 * says more, and the device's must never be full, so that every frame
	 * sent reaches it: the test says more in a network namespace of its
	 * own (as root, or in a user namespace of its own too), where its
	 * sockets may also have buffers past the system's maximum. */
	if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		fprintf(stderr, "fuzz-link: cannot make a network namespace: %m\n");
		abort();
	}
	fd = open("/proc/sys/net/unix/max_dgram_qlen", O_WRONLY | O_CLOEXEC);
	assert(fd >= 0 && write(fd, "100000", 6) == 6);
	close(fd);
	assert(sd_event_new(&world.event) >= 0);
	assert(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, world.dev) == 0);
	assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, world.stream) == 0);
	for (unsigned i = 0; i < 2; i++) {
		grow_buffers(world.dev[i]);
		grow_buffers(world.stream[i]);
	}
	assert(batchio_acquire(&world.batchio) == 0);
	world.buf = malloc(RECEIVE_BYTES);
	assert(world.buf);
}

/* A run starts from nothing but the memory of the last one. */
static void run_start(Run *run) {
	Run last = *run;

	*run = (Run) {
		.to_stream = last.to_stream,
		.to_device = last.to_device,
		.host_bytes = last.host_bytes,
		.host_allocated = last.host_allocated,
		.got = last.got,
		.got_allocated = last.got_allocated,
	};
	ref_frames_clear(&run->to_stream);
	ref_frames_clear(&run->to_device);
}

/* Appends b to the bytes *have of *buf, which grows as needed. */
static void append(uint8_t **buf, size_t *have, size_t *allocated, const uint8_t *b, size_t n) {
	if (*have + n > *allocated) {
		*allocated = MAX(2 * *allocated, *have + n);
		*buf = realloc(*buf, *allocated);
		assert(*buf);
	}
	memcpy(*buf + *have, b, n);
	*have += n;
}

static void configure(Run *run, uint8_t bits, uint8_t limit_pick) {
	static const uint32_t largest[] = { 0, 1600, 9100, FRAME_MAX_BYTES_VNET };
	static const uint32_t limits[] = { 60, 1514, 1518, 9014 };
	static const struct ether_addr source = { { 0x02, 0, 0, 0, 0, 0x02 } };
	LinkConfig *c = &run->config;
	uint32_t limit = limits[limit_pick % 4];

	*c = (LinkConfig) {
		.max_frame_bytes = largest[bits >> 6],
		.header_bytes = bits & 0x01 ? VNET_HDR_BYTES : 0,
		.strip_vnet_hdr = (bits & 0x03) == 0x02,
		.cut_gso = limit_pick & 0x04,
		.to_stream = { bits & 0x04 ? limit : 0, bits & 0x10, source },
		.to_device = { bits & 0x08 ? limit : 0, bits & 0x20, source },
		/* As small as may be (two frames): the stream's pace holds the
		 * device back more often, and big buffers cost each input. */
		.queue_bytes = 1,
		.stats = &run->stats,
	};
	run->max_bytes = c->max_frame_bytes ?: FRAME_MAX_BYTES_DEFAULT;
	/* A device read brings one byte more than may go on, at most. */
	run->slot_bytes = (size_t) run->max_bytes + 1;
	if (c->header_bytes == 0 && c->to_stream.max_ether_bytes > 0 && c->to_stream.max_ether_bytes < run->max_bytes)
		run->slot_bytes = (size_t) c->to_stream.max_ether_bytes + 1;
	/* Room for the longest GSO frame and what cutting it adds. */
	if (c->strip_vnet_hdr && c->cut_gso)
		run->slot_bytes = ETH_HLEN + REF_IPV6_BYTES + 65535U + TSO_GROWTH_BYTES_MAX + 1;
}

/* What the filter lets through: a frame, after header_bytes of its
 * virtio net header, of at most the limit (unless it asks for GSO), from
 * the locked source. */
static bool passes(const Run *run, const LinkFilter *f, const uint8_t *frame, size_t len) {
	size_t hb = run->config.header_bytes;

	if (f->max_ether_bytes == 0 && !f->lock_source)
		return true;
	if (len < hb + REF_ETH_BYTES)
		return false;
	if (f->max_ether_bytes > 0 && len - hb > f->max_ether_bytes && !(hb > 0 && frame[1] != 0))
		return false;
	return !f->lock_source || memcmp(frame + hb + 6, f->source.ether_addr_octet, 6) == 0;
}

/* What the host should get of a GSO frame of len bytes from the device,
 * with the virtio net header h, where the link cuts them: the segments
 * TSO would send, unless one would be too long for the stream or they
 * would not fit where the frame was read. Returns false if it is
 * dropped. */
static bool expect_segments(Run *run, const uint8_t *h, const uint8_t *frame, size_t len) {
	static uint8_t segment[65536];
	const LinkFilter *f = &run->config.to_stream;
	size_t gso_size = h[4] | h[5] << 8, max = run->max_bytes, n, total;
	unsigned gso = h[1] & 0x7fU;
	RefTcp t;

	if (f->max_ether_bytes > 0 && f->max_ether_bytes < max)
		max = f->max_ether_bytes;
	if (len < REF_ETH_BYTES || len >= run->slot_bytes ||
	    (f->lock_source && memcmp(frame + 6, f->source.ether_addr_octet, 6) != 0))
		return false;
	if (gso_size == 0 || !ref_tcp_parse(frame, len, &t) || gso != (t.ipv6 ? 4U : 1U) || t.end == t.data)
		return false;
	n = ref_gso_segments(&t, gso_size);
	total = n * (FRAME_HEADER_BYTES + t.data) + (t.end - t.data);
	if (t.data + MIN(gso_size, t.end - t.data) > max || total - FRAME_HEADER_BYTES > run->slot_bytes)
		return false;

	for (size_t i = 0; i < n; i++) {
		size_t k = ref_gso_segment(frame, &t, gso_size, i, segment);

		ref_frames_push(&run->to_stream, segment, k);
		run->want_stream.frames++;
		run->want_stream.bytes += k;
	}
	return true;
}

/* What the host should get of a frame from the device. */
static void expect_from_device(Run *run, const uint8_t *d, size_t n) {
	const uint8_t *header = d;
	uint8_t *frame;
	size_t len = n;

	if (run->config.strip_vnet_hdr) {
		if (n < VNET_HDR_BYTES)
			goto drop;
		d += VNET_HDR_BYTES;
		len -= VNET_HDR_BYTES;
	}
	/* Longer than the slot, it is read cut, one byte too long. */
	if (len > run->slot_bytes)
		len = run->slot_bytes;
	if (run->config.strip_vnet_hdr && header[1] != 0 && run->config.cut_gso) {
		if (!expect_segments(run, header, d, len))
			goto drop;
		return;
	}
	if (len < run->config.header_bytes + REF_ETH_BYTES || len > run->max_bytes)
		goto drop;

	frame = malloc(len);
	assert(frame);
	memcpy(frame, d, len);
	if (run->config.strip_vnet_hdr) {
		size_t start = header[6] | header[7] << 8, field = start + (header[8] | header[9] << 8);
		uint16_t sum;

		/* A GSO frame cannot go as length32. */
		if (header[1] != 0 || ((header[0] & 1) && (start >= len || field + 2 > len))) {
			free(frame);
			goto drop;
		}
		if (header[0] & 1) {
			sum = (uint16_t) ~ref_sum(0, frame + start, len - start) ?: 0xffff;
			frame[field] = (uint8_t) (sum >> 8);
			frame[field + 1] = (uint8_t) sum;
		}
	}
	/* The filter sees the frame as it leaves, its checksum filled in: a
	 * checksum field the device put in the source address must not
	 * slip a frame past LockMAC. */
	if (!passes(run, &run->config.to_stream, frame, len)) {
		free(frame);
		goto drop;
	}
	ref_frames_push(&run->to_stream, frame, len);
	free(frame);
	run->want_stream.frames++;
	run->want_stream.bytes += len;
	return;
drop:
	run->want_stream.drops++;
}

/* What the device should get of bytes from the host: the reference
 * decoder. */
static void expect_from_host(Run *run, const uint8_t *b, size_t n) {
	size_t at = 0;

	if (run->broken)
		return;
	append(&run->host_bytes, &run->host_have, &run->host_allocated, b, n);

	while (run->host_have - at >= 4) {
		uint32_t len = be32(run->host_bytes + at);

		if (len == 0 || len > run->max_bytes) {
			run->broken = true;
			run->want_device.protocol_errors = 1;
			return;
		}
		if (run->host_have - at - 4 < len)
			break;
		if (passes(run, &run->config.to_device, run->host_bytes + at + 4, len))
			ref_frames_push(&run->to_device, run->host_bytes + at + 4, len);
		else
			run->want_device.drops++;
		at += 4 + (size_t) len;
	}
	memmove(run->host_bytes, run->host_bytes + at, run->host_have - at);
	run->host_have -= at;
}

/* A frame the device got: the next ones expected, one or, joined, more. */
static void device_got(Run *run, const uint8_t *msg, size_t n) {
	static const uint8_t none[VNET_HDR_BYTES];
	RefFrames *q = &run->to_device;
	const uint8_t *header = none;
	size_t k = 1, gso_size;
	RefTcp t;

	if (run->config.strip_vnet_hdr) {
		assert(n >= VNET_HDR_BYTES);
		header = msg;
		msg += VNET_HDR_BYTES;
		n -= VNET_HDR_BYTES;
		if (header[1] != 0) {
			gso_size = header[4] | header[5] << 8;
			assert(gso_size > 0 && ref_tcp_parse(msg, n, &t));
			k = ref_gso_segments(&t, gso_size);
		}
	}
	assert(ref_frames_left(q) >= k);
	ref_check_written(header, msg, n, q->v + q->head, k);
	for (size_t i = 0; i < k; i++)
		run->want_device.bytes += q->v[q->head + i].len;
	run->want_device.frames += k;
	ref_frames_pop(q, k);
}

/* Frames the host got, decoded as the reference does. */
static void host_got(Run *run, const uint8_t *b, size_t n) {
	size_t at = 0;

	append(&run->got, &run->got_have, &run->got_allocated, b, n);

	while (run->got_have - at >= 4) {
		uint32_t len = be32(run->got + at);
		const RefFrame *f = run->to_stream.v + run->to_stream.head;

		if (run->got_have - at - 4 < len)
			break;
		assert(ref_frames_left(&run->to_stream) > 0);
		assert(f->len == len && memcmp(f->frame, run->got + at + 4, len) == 0);
		ref_frames_pop(&run->to_stream, 1);
		at += 4 + (size_t) len;
	}
	memmove(run->got, run->got + at, run->got_have - at);
	run->got_have -= at;
}

/* Reads what reached the test's ends; whether anything did. */
static bool receive(Run *run) {
	bool any = false;
	ssize_t n;

	while ((n = recv(world.dev[1], world.buf, RECEIVE_BYTES, MSG_DONTWAIT)) >= 0) {
		device_got(run, world.buf, (size_t) n);
		any = true;
	}
	assert(errno == EAGAIN);
	while ((n = recv(world.stream[1], world.buf, RECEIVE_BYTES, MSG_DONTWAIT)) > 0) {
		host_got(run, world.buf, (size_t) n);
		any = true;
	}
	assert(n < 0 && errno == EAGAIN);
	return any;
}

static void run_until_still(Run *run) {
	int r;

	do {
		r = sd_event_run(world.event, 0);
		assert(r >= 0);
	} while (receive(run) || r > 0);
}

/* Sends all of b from fd, running the loop while it is full. */
static void send_all(Run *run, int fd, const uint8_t *b, size_t n, bool one_message) {
	while (n > 0) {
		ssize_t k = send(fd, b, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k < 0) {
			assert(errno == EAGAIN);
			/* A link that ended reads no more. */
			if (run->ends > 0)
				return;
			run_until_still(run);
			continue;
		}
		assert(!one_message || (size_t) k == n);
		b += k;
		n -= (size_t) k;
	}
}

/* Bytes from the host. The link ends on the first that break the framing:
 * what the device sent before must have crossed by then. */
static void host_sends(Run *run, const uint8_t *b, size_t n) {
	expect_from_host(run, b, n);
	if (run->broken)
		run_until_still(run);
	send_all(run, world.stream[1], b, n, false);
}

static void on_end(Link *link, LinkSide side, int error, void *userdata) {
	Run *run = userdata;

	run->ends++;
	run->end_side = side;
	run->end_error = error;
}

/* Empties a socket, so that the next input starts on clean ones. */
static void drain(int fd) {
	while (recv(fd, world.buf, RECEIVE_BYTES, MSG_DONTWAIT) > 0)
		;
}

static void check_counters(const LinkCounters *got, const LinkCounters *want) {
	assert(got->frames == want->frames && got->bytes == want->bytes);
	assert(got->drops == want->drops && got->protocol_errors == want->protocol_errors);
	assert(got->errors == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	static uint8_t framed[4 + REF_SEGMENT_BYTES_MAX];
	_cleanup_(link_freep) Link *link = NULL;
	/* Kept, with its buffers, from one input to the next. */
	static Run run;
	RefFlows flows = {};
	size_t i = 2;

	if (size < 2)
		return 0;
	world_init();
	run_start(&run);
	configure(&run, data[0], data[1]);
	assert(link_new(&link, world.event, world.dev[0], world.stream[0], &run.config, on_end, &run) == 0);

	while (i < size && !run.broken) {
		unsigned op = data[i] % 4, flow = data[i] / 4 % REF_FLOWS;
		size_t len;

		if (op == 2) {
			if (size - i < 5)
				break;
			len = ref_segment_make(&flows, flow, data + i + 1, framed + 4);
			i += 5;
			framed[0] = framed[1] = 0;
			framed[2] = (uint8_t) (len >> 8);
			framed[3] = (uint8_t) len;
			host_sends(&run, framed, 4 + len);
		} else if (op == 3) {
			run_until_still(&run);
			i++;
		} else {
			if (size - i < 3)
				break;
			len = MIN((size_t) (data[i + 1] << 8 | data[i + 2]), size - i - 3);
			i += 3;
			/* No device hands over an empty frame; a read of 0 is
			 * its end. */
			if (op == 0 && len > 0) {
				expect_from_device(&run, data + i, len);
				send_all(&run, world.dev[1], data + i, len, true);
			} else if (op == 1)
				host_sends(&run, data + i, len);
			i += len;
		}
	}
	run_until_still(&run);

	/* The link ends when the host breaks the framing, and only then. */
	assert(run.ends == (run.broken ? 1U : 0U));
	if (run.broken)
		assert(run.end_side == LINK_SIDE_STREAM && run.end_error == -EBADMSG);
	/* Everything expected came. */
	assert(ref_frames_left(&run.to_stream) == 0 && run.got_have == 0);
	assert(ref_frames_left(&run.to_device) == 0);
	check_counters(&run.stats.to_stream, &run.want_stream);
	check_counters(&run.stats.to_device, &run.want_device);

	link = link_free(link);
	drain(world.stream[0]);
	drain(world.dev[0]);
	return 0;
}
