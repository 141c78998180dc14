/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frame.h"
#include "macro.h"

#define MAX_FRAMES 64

typedef struct Collected {
	size_t n;
	size_t len[MAX_FRAMES];
	uint8_t data[MAX_FRAMES][2048];
} Collected;

static int collect(const uint8_t *frame, size_t len, void *userdata) {
	Collected *c = userdata;

	assert_true(c->n < MAX_FRAMES);
	assert_true(len <= sizeof(c->data[0]));
	memcpy(c->data[c->n], frame, len);
	c->len[c->n++] = len;
	return 0;
}

/* Encodes frames of lengths 1, 2, ..., n with recognisable bytes. */
static size_t build_stream(uint8_t *out, size_t n_frames, size_t first_len) {
	size_t off = 0;

	for (size_t i = 0; i < n_frames; i++) {
		size_t len = first_len + i * 37;
		out[off++] = len >> 24;
		out[off++] = len >> 16;
		out[off++] = len >> 8;
		out[off++] = len;
		for (size_t j = 0; j < len; j++)
			out[off++] = (uint8_t) (i * 7 + j);
	}
	return off;
}

static void assert_frames(const Collected *c, size_t n_frames, size_t first_len) {
	assert_int_equal(c->n, n_frames);
	for (size_t i = 0; i < n_frames; i++) {
		assert_int_equal(c->len[i], first_len + i * 37);
		for (size_t j = 0; j < c->len[i]; j++)
			assert_int_equal(c->data[i][j], (uint8_t) (i * 7 + j));
	}
}

static void test_decoder_whole_buffer(void **state) {
	static uint8_t buf[32 * 1024];
	size_t size = build_stream(buf, 5, 60);
	static Collected c;
	FrameDecoder d;

	memset(&c, 0, sizeof(c));
	frame_decoder_init(&d, 0);
	assert_int_equal(frame_decoder_feed(&d, buf, size, collect, &c), 0);
	assert_true(frame_decoder_idle(&d));
	assert_frames(&c, 5, 60);
	frame_decoder_done(&d);
}

static void test_decoder_frame_split_at_every_byte(void **state) {
	static uint8_t buf[32 * 1024];
	size_t size = build_stream(buf, 4, 1);

	/* Two reads, cut at every possible place. */
	for (size_t cut = 0; cut <= size; cut++) {
		static Collected c;
		FrameDecoder d;

		memset(&c, 0, sizeof(c));
		frame_decoder_init(&d, 0);
		assert_int_equal(frame_decoder_feed(&d, buf, cut, collect, &c), 0);
		assert_int_equal(frame_decoder_feed(&d, buf + cut, size - cut, collect, &c), 0);
		assert_true(frame_decoder_idle(&d));
		assert_frames(&c, 4, 1);
		frame_decoder_done(&d);
	}
}

static void test_decoder_one_byte_at_a_time(void **state) {
	static uint8_t buf[32 * 1024];
	size_t size = build_stream(buf, 6, 14);
	static Collected c;
	FrameDecoder d;

	memset(&c, 0, sizeof(c));
	frame_decoder_init(&d, 0);
	for (size_t i = 0; i < size; i++) {
		assert_int_equal(frame_decoder_feed(&d, buf + i, 1, collect, &c), 0);
		/* Idle exactly at each frame boundary. */
		if (frame_decoder_idle(&d))
			assert_true(c.n > 0 || i == size - 1);
	}
	assert_frames(&c, 6, 14);
	frame_decoder_done(&d);
}

static void test_decoder_every_pair_of_cuts(void **state) {
	static uint8_t buf[1024];
	size_t size = build_stream(buf, 3, 3);

	for (size_t a = 0; a <= size; a++)
		for (size_t b = a; b <= size; b++) {
			static Collected c;
			FrameDecoder d;

			memset(&c, 0, sizeof(c));
			frame_decoder_init(&d, 0);
			assert_int_equal(frame_decoder_feed(&d, buf, a, collect, &c), 0);
			assert_int_equal(frame_decoder_feed(&d, buf + a, b - a, collect, &c), 0);
			assert_int_equal(frame_decoder_feed(&d, buf + b, size - b, collect, &c), 0);
			assert_frames(&c, 3, 3);
			frame_decoder_done(&d);
		}
}

/* Cut anywhere, a decoder's unfinished bytes fed to a new one make it go
 * on as the first would have: a daemon's restart inside a frame. */
static void test_decoder_unfinished_goes_on_in_a_new_decoder(void **state) {
	static uint8_t buf[1024], unfinished[FRAME_HEADER_BYTES + 2048];
	size_t size = build_stream(buf, 3, 5);

	for (size_t cut = 0; cut <= size; cut++)
		for (size_t whole_header = 0; whole_header < 2; whole_header++) {
			static Collected c;
			FrameDecoder a, b;
			size_t n;

			memset(&c, 0, sizeof(c));
			frame_decoder_init(&a, 2048);
			frame_decoder_init(&b, 2048);
			if (whole_header)
				assert_int_equal(frame_decoder_feed(&a, buf, cut, collect, &c), 0);
			else
				/* Byte by byte: headers come in pieces too. */
				for (size_t i = 0; i < cut; i++)
					assert_int_equal(frame_decoder_feed(&a, buf + i, 1, collect, &c), 0);
			n = frame_decoder_unfinished(&a, unfinished);
			assert_int_equal(n == 0, frame_decoder_idle(&a));
			assert_int_equal(frame_decoder_feed(&b, unfinished, n, collect, &c), 0);
			assert_int_equal(frame_decoder_feed(&b, buf + cut, size - cut, collect, &c), 0);
			assert_true(frame_decoder_idle(&b));
			assert_frames(&c, 3, 5);
			frame_decoder_done(&a);
			frame_decoder_done(&b);
		}
}

/* A queue restored with another's pending bytes writes them first, then
 * its own frames. */
static void test_queue_restore_goes_on_inside_a_frame(void **state) {
	static uint8_t frame[300], out[8192];
	static Collected c;
	FrameQueue a, b;
	FrameDecoder d;
	const uint8_t *p;
	size_t len, out_len;

	memset(&c, 0, sizeof(c));
	assert_int_equal(frame_queue_init(&a, 4096, 2048), 0);
	assert_int_equal(frame_queue_init(&b, 4096, 2048), 0);
	for (size_t i = 0; i < 2; i++) {
		for (size_t j = 0; j < 60 + i * 37; j++)
			frame[j] = (uint8_t) (i * 7 + j);
		assert_int_equal(frame_queue_push(&a, frame, 60 + i * 37), 0);
	}
	/* Written up to the middle of the first frame. */
	p = frame_queue_pending(&a, &len);
	memcpy(out, p, 30);
	out_len = 30;
	frame_queue_advance(&a, 30);

	p = frame_queue_pending(&a, &len);
	assert_int_equal(frame_queue_restore(&b, p, len), 0);
	for (size_t j = 0; j < 60 + 2 * 37; j++)
		frame[j] = (uint8_t) (2 * 7 + j);
	assert_int_equal(frame_queue_push(&b, frame, 60 + 2 * 37), 0);
	p = frame_queue_pending(&b, &len);
	memcpy(out + out_len, p, len);
	out_len += len;

	frame_decoder_init(&d, 2048);
	assert_int_equal(frame_decoder_feed(&d, out, out_len, collect, &c), 0);
	assert_frames(&c, 3, 60);
	frame_decoder_done(&d);

	/* More than the queue holds. */
	frame_queue_done(&b);
	assert_int_equal(frame_queue_init(&b, 4096, 2048), 0);
	assert_int_equal(frame_queue_restore(&b, out, b.size + 1), -ENOBUFS);
	frame_queue_done(&a);
	frame_queue_done(&b);
}

static void test_decoder_zero_length_is_protocol_error(void **state) {
	uint8_t buf[] = { 0, 0, 0, 1, 0xaa, 0, 0, 0, 0, 0, 0, 0, 1, 0xbb };
	static Collected c;
	FrameDecoder d;

	memset(&c, 0, sizeof(c));
	frame_decoder_init(&d, 0);
	assert_int_equal(frame_decoder_feed(&d, buf, sizeof(buf), collect, &c), -EBADMSG);
	/* The frame before the bad header was delivered, nothing after it. */
	assert_int_equal(c.n, 1);
	/* A broken stream stays broken: resynchronising would deliver garbage. */
	assert_int_equal(frame_decoder_feed(&d, buf, 5, collect, &c), -EBADMSG);
	assert_int_equal(c.n, 1);
	frame_decoder_done(&d);
}

static void test_decoder_length_above_maximum(void **state) {
	uint8_t at_max[4 + 100] = { 0, 0, 0, 100 };
	uint8_t over[] = { 0, 0, 0, 101 };
	static Collected c;
	FrameDecoder d;

	memset(&c, 0, sizeof(c));
	frame_decoder_init(&d, 100);
	assert_int_equal(frame_decoder_feed(&d, at_max, sizeof(at_max), collect, &c), 0);
	assert_int_equal(c.n, 1);
	/* Even a split header of a bad length is caught once complete. */
	assert_int_equal(frame_decoder_feed(&d, over, 2, collect, &c), 0);
	assert_int_equal(frame_decoder_feed(&d, over + 2, 2, collect, &c), -EBADMSG);
	frame_decoder_done(&d);

	/* The default maximum is 65535: 0xffff passes, 0x10000 does not. */
	uint8_t big[] = { 0, 1, 0, 0 };
	frame_decoder_init(&d, 0);
	assert_int_equal(frame_decoder_feed(&d, big, 4, collect, &c), -EBADMSG);
	frame_decoder_done(&d);
}

static int refuse(const uint8_t *frame, size_t len, void *userdata) {
	(*(size_t *) userdata)++;
	return -ENODEV;
}

static void test_decoder_handler_error_stops(void **state) {
	static uint8_t buf[1024];
	size_t size = build_stream(buf, 3, 10), calls = 0;
	FrameDecoder d;

	frame_decoder_init(&d, 0);
	assert_int_equal(frame_decoder_feed(&d, buf, size, refuse, &calls), -ENODEV);
	assert_int_equal(calls, 1);
	frame_decoder_done(&d);
}

/* Drains a queue through a writer that takes `step` bytes at a time and
 * checks the bytes form exactly the frames pushed, in order. */
static void drain_in_steps(FrameQueue *q, uint8_t *out, size_t *out_len, size_t step) {
	while (!frame_queue_empty(q)) {
		size_t len;
		const uint8_t *p = frame_queue_pending(q, &len);
		size_t n = len < step ? len : step;

		memcpy(out + *out_len, p, n);
		*out_len += n;
		frame_queue_advance(q, n);
	}
}

static void test_queue_partial_writes_never_tear(void **state) {
	static uint8_t frame[2048], out[1 << 20];

	for (size_t step = 1; step <= 4099; step = step * 3 + 1) {
		static Collected c;
		FrameQueue q;
		FrameDecoder d;
		size_t out_len = 0, pushed = 0;

		memset(&c, 0, sizeof(c));
		assert_int_equal(frame_queue_init(&q, 8192, 2048), 0);

		/* Interleave pushes with partial writes, as a link does. */
		for (size_t i = 0; i < 40; i++) {
			size_t len = 60 + i * 37;
			for (size_t j = 0; j < len; j++)
				frame[j] = (uint8_t) (i * 7 + j);
			if (frame_queue_push(&q, frame, len) == -ENOBUFS) {
				drain_in_steps(&q, out, &out_len, step);
				assert_int_equal(frame_queue_push(&q, frame, len), 0);
			}
			pushed++;

			/* One partial write: leaves the queue mid-frame. */
			size_t plen;
			const uint8_t *p = frame_queue_pending(&q, &plen);
			size_t n = plen < step ? plen : step;
			memcpy(out + out_len, p, n);
			out_len += n;
			frame_queue_advance(&q, n);
		}
		drain_in_steps(&q, out, &out_len, step);

		frame_decoder_init(&d, 2048);
		assert_int_equal(frame_decoder_feed(&d, out, out_len, collect, &c), 0);
		assert_true(frame_decoder_idle(&d));
		assert_int_equal(c.n, pushed);
		assert_frames(&c, 40, 60);
		frame_decoder_done(&d);
		frame_queue_done(&q);
	}
}

static void test_queue_reserve_until_full(void **state) {
	FrameQueue q;
	uint8_t *slot;
	size_t n = 0, len;

	assert_int_equal(frame_queue_init(&q, 0, 1000), 0);
	/* Capacity is raised to two frames of the maximum. */
	while ((slot = frame_queue_reserve(&q))) {
		memset(slot, 0x5a, 10);
		frame_queue_commit(&q, 10);
		n++;
	}
	assert_true(n >= 2);
	assert_int_equal(frame_queue_push(&q, "x", 1), -ENOBUFS);
	frame_queue_pending(&q, &len);
	assert_int_equal(len, n * 14);

	/* Writing out part of it makes room again (the rest slides down). */
	frame_queue_advance(&q, 14 * 10);
	assert_non_null(frame_queue_reserve(&q));
	assert_int_equal(frame_queue_push(&q, "", 0), -EMSGSIZE);
	frame_queue_done(&q);
}

static void test_queue_slots_filled_in_part_commit_back_to_back(void **state) {
	/* Full slots, a one-byte frame, and slots that stay empty (a read
	 * that found nothing or was dropped). */
	static const size_t lens[] = { 100, 1, 0, 50, 100, 0, 7, 100 };
	const size_t stride = FRAME_QUEUE_SLOT_STRIDE(100);
	uint8_t expected[ELEMENTSOF(lens) * 104], *p = expected, *base;
	const uint8_t *pending;
	unsigned slots = 0;
	FrameQueue q;
	size_t len;

	assert_int_equal(frame_queue_init(&q, 4096, 1000), 0);
	base = frame_queue_reserve_slots(&q, 100, ELEMENTSOF(lens), &slots);
	assert_non_null(base);
	assert_int_equal(slots, ELEMENTSOF(lens));
	/* Slot 0 is where a single reserve puts a frame. */
	assert_ptr_equal(base, frame_queue_reserve(&q));

	for (size_t i = 0; i < ELEMENTSOF(lens); i++)
		memset(base + i * stride, (int) ('a' + i), 100);
	for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
		if (lens[i] == 0)
			continue;
		frame_queue_commit_from(&q, base + i * stride, lens[i]);
		*p++ = 0, *p++ = 0, *p++ = 0, *p++ = (uint8_t) lens[i];
		memset(p, (int) ('a' + i), lens[i]);
		p += lens[i];
	}

	pending = frame_queue_pending(&q, &len);
	assert_int_equal(len, (size_t) (p - expected));
	assert_memory_equal(pending, expected, len);
	frame_queue_done(&q);
}

static void test_queue_slots_limited_by_room(void **state) {
	const size_t stride = FRAME_QUEUE_SLOT_STRIDE(100);
	unsigned slots = 0;
	uint8_t *slot;
	FrameQueue q;
	size_t len;

	/* Capacity is raised to two frames of 1000: 2008 bytes, 19 slots. */
	assert_int_equal(frame_queue_init(&q, 0, 1000), 0);
	assert_non_null(frame_queue_reserve_slots(&q, 100, 64, &slots));
	assert_int_equal(slots, 2008 / stride);

	/* One frame queued, none written: a slot fewer... */
	assert_int_equal(frame_queue_push(&q, "x", 1), 0);
	assert_non_null(frame_queue_reserve_slots(&q, 100, 64, &slots));
	assert_int_equal(slots, (2008 - 5) / stride);

	/* ...and once full, none, while a frame of the maximum found no room
	 * long before. */
	while ((slot = frame_queue_reserve_slots(&q, 100, 1, &slots)))
		frame_queue_commit_from(&q, slot, 100);
	assert_null(frame_queue_reserve(&q));
	frame_queue_pending(&q, &len);
	assert_int_equal(len, 5 + 19 * stride);
	assert_true(q.size - len < stride);
	frame_queue_done(&q);
}

static void test_framing_names_and_limits(void **state) {
	assert_int_equal(framing_from_string("length32"), FRAMING_LENGTH32);
	assert_int_equal(framing_from_string("vnet"), FRAMING_VNET);
	assert_int_equal(framing_from_string("VNET"), _FRAMING_INVALID);
	assert_int_equal(framing_from_string(""), _FRAMING_INVALID);
	assert_int_equal(framing_from_string(NULL), _FRAMING_INVALID);
	assert_string_equal(framing_to_string(FRAMING_VNET), "vnet");
	assert_null(framing_to_string(_FRAMING_MAX));

	assert_int_equal(framing_max_frame_bytes(FRAMING_LENGTH32), 65535);
	/* A 64 KiB IP packet with its VLAN-tagged Ethernet and virtio headers. */
	assert_int_equal(framing_max_frame_bytes(FRAMING_VNET), 10 + 18 + 65535);
	assert_true(framing_max_frame_bytes(FRAMING_VNET) <= FRAME_MAX_BYTES_LIMIT);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoder_whole_buffer),
		cmocka_unit_test(test_decoder_frame_split_at_every_byte),
		cmocka_unit_test(test_decoder_one_byte_at_a_time),
		cmocka_unit_test(test_decoder_every_pair_of_cuts),
		cmocka_unit_test(test_decoder_unfinished_goes_on_in_a_new_decoder),
		cmocka_unit_test(test_queue_restore_goes_on_inside_a_frame),
		cmocka_unit_test(test_decoder_zero_length_is_protocol_error),
		cmocka_unit_test(test_decoder_length_above_maximum),
		cmocka_unit_test(test_decoder_handler_error_stops),
		cmocka_unit_test(test_queue_partial_writes_never_tear),
		cmocka_unit_test(test_queue_reserve_until_full),
		cmocka_unit_test(test_queue_slots_filled_in_part_commit_back_to_back),
		cmocka_unit_test(test_queue_slots_limited_by_room),
		cmocka_unit_test(test_framing_names_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
