/* SPDX-License-Identifier: Apache-2.0 */
/* What a restarting daemon hands over: a link cut off inside frames both
 * ways, and a new link on the same fds that goes on from the handover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "frame.h"
#include "handover.h"
#include "link.h"
#include "macro.h"

#define DEVICE_FRAMES 400U
#define FRAME_BYTES 1000U

/* Frame i of the device: its index, then a pattern derived from it. */
static void device_frame(uint8_t *buf, uint32_t i) {
	memcpy(buf, &i, sizeof(i));
	for (size_t j = sizeof(i); j < FRAME_BYTES; j++)
		buf[j] = (uint8_t) (i * 31 + j);
}

typedef struct Fixture {
	sd_event *event;
	int dev[2];      /* [0] the link's device side, [1] the test's */
	int st[2];       /* [0] the link's stream side, [1] the test's (the host) */
	LinkStats stats;
	Link *link;
	int end_calls;
} Fixture;

static void on_end(Link *link, LinkSide side, int error, void *userdata) {
	Fixture *f = userdata;

	f->end_calls++;
}

static void run_until_idle(Fixture *f) {
	while (sd_event_run(f->event, 10 * 1000) > 0)
		;
}

static void start_link(Fixture *f) {
	LinkConfig c = { .stats = &f->stats, .queue_bytes = 64 * 1024 };

	assert_int_equal(link_new(&f->link, f->event, f->dev[0], f->st[0], &c, on_end, f), 0);
}

static int setup(void **state) {
	Fixture *f = calloc(1, sizeof(*f));
	int small = 4096;

	assert_int_equal(sd_event_new(&f->event), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, f->dev), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, f->st), 0);
	/* Little room on the way to the host, so the link's queue fills. */
	assert_int_equal(setsockopt(f->st[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(f->st[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state) {
	Fixture *f = *state;

	link_free(f->link);
	for (int i = 0; i < 2; i++) {
		close(f->dev[i]);
		close(f->st[i]);
	}
	sd_event_unref(f->event);
	free(f);
	return 0;
}

typedef struct HostReader {
	FrameDecoder decoder;
	uint32_t next;
} HostReader;

static int check_device_frame(const uint8_t *frame, size_t len, void *userdata) {
	HostReader *h = userdata;
	uint8_t expected[FRAME_BYTES];

	device_frame(expected, h->next);
	assert_int_equal(len, FRAME_BYTES);
	assert_memory_equal(frame, expected, FRAME_BYTES);
	h->next++;
	return 0;
}

/* Reads what the host has got so far; every frame must be the next one. */
static void host_read(Fixture *f, HostReader *h) {
	uint8_t buf[4096];
	ssize_t n;

	while ((n = read(f->st[1], buf, sizeof(buf))) > 0)
		assert_int_equal(frame_decoder_feed(&h->decoder, buf, (size_t) n, check_device_frame, h), 0);
}

static void test_link_goes_on_inside_frames_both_ways(void **state) {
	Fixture *f = *state;
	uint8_t frame[FRAME_BYTES], wire[4 + 1400], got[2048];
	HostReader host = {};
	Handover out = {}, in = {};
	uint32_t sent = 0;
	int fd;

	frame_decoder_init(&host.decoder, 0);
	start_link(f);

	/* The device sends more than the way to the host holds; the host
	 * reads a little, so the stream stands somewhere inside a frame. */
	for (; sent < DEVICE_FRAMES; sent++) {
		device_frame(frame, sent);
		if (write(f->dev[1], frame, sizeof(frame)) < 0) {
			assert_int_equal(errno, EAGAIN);
			break;
		}
	}
	run_until_idle(f);
	host_read(f, &host);
	run_until_idle(f);

	/* The host sends a frame of 1400 bytes, the link gets 700 of it. */
	wire[0] = 0, wire[1] = 0, wire[2] = 1400 >> 8, wire[3] = 1400 & 0xff;
	for (size_t j = 4; j < sizeof(wire); j++)
		wire[j] = (uint8_t) (j * 7);
	assert_int_equal(write(f->st[1], wire, 4 + 700), 4 + 700);
	run_until_idle(f);
	assert_int_equal(f->stats.to_device.frames, 0);

	/* The daemon restarts: what the link has unfinished goes through a
	 * handover to a new link on the same fds. */
	out.counters.link = f->stats;
	out.counters.connections = 7;
	assert_int_equal(link_get_unfinished(f->link, &out.unfinished), 0);
	assert_int_equal(out.unfinished.from_stream_len, 4 + 700);
	assert_memory_equal(out.unfinished.from_stream, wire, 4 + 700);
	assert_true(out.unfinished.to_stream_len > 0);
	fd = handover_write(&out);
	assert_true(fd >= 0);
	f->link = link_free(f->link);

	assert_int_equal(handover_read(fd, &in), 0);
	close(fd);
	assert_int_equal(in.counters.connections, 7);
	assert_memory_equal(&in.counters.link, &f->stats, sizeof(f->stats));
	assert_int_equal(in.unfinished.to_stream_len, out.unfinished.to_stream_len);
	assert_memory_equal(in.unfinished.to_stream, out.unfinished.to_stream, out.unfinished.to_stream_len);
	handover_done(&out);

	memset(&f->stats, 0, sizeof(f->stats));
	f->stats = in.counters.link;
	start_link(f);
	assert_int_equal(link_resume(f->link, &in.unfinished), 0);
	handover_done(&in);

	/* The rest of the host's frame reaches the device whole. */
	assert_int_equal(write(f->st[1], wire + 4 + 700, 700), 700);
	run_until_idle(f);
	assert_int_equal(read(f->dev[1], got, sizeof(got)), 1400);
	assert_memory_equal(got, wire + 4, 1400);
	assert_int_equal(f->stats.to_device.frames, 1);

	/* And the host gets every device frame, whole and in order, the
	 * rest of them sent now. */
	while (host.next < DEVICE_FRAMES) {
		for (; sent < DEVICE_FRAMES; sent++) {
			device_frame(frame, sent);
			if (write(f->dev[1], frame, sizeof(frame)) < 0)
				break;
		}
		run_until_idle(f);
		host_read(f, &host);
	}
	assert_true(frame_decoder_idle(&host.decoder));
	assert_int_equal(f->stats.to_stream.frames, DEVICE_FRAMES);
	assert_int_equal(f->stats.to_stream.drops, 0);
	assert_int_equal(f->end_calls, 0);
	frame_decoder_done(&host.decoder);
}

/* Without the handover the host would see the stream torn: the same cut,
 * and a new link that does not go on from it. */
static void test_without_handover_the_stream_breaks(void **state) {
	Fixture *f = *state;
	uint8_t wire[4 + 1400] = { 0, 0, 1400 >> 8, 1400 & 0xff };

	start_link(f);
	assert_int_equal(write(f->st[1], wire, 4 + 700), 4 + 700);
	run_until_idle(f);
	f->link = link_free(f->link);

	start_link(f);
	/* The body's rest, read as a header: a length of 0. */
	assert_int_equal(write(f->st[1], wire + 4 + 700, 700), 700);
	run_until_idle(f);
	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->stats.to_device.protocol_errors, 1);
}

static void test_resume_refuses_what_no_link_left(void **state) {
	Fixture *f = *state;
	uint8_t whole[4 + 60] = { 0, 0, 0, 60 }, zero[4] = {};
	LinkUnfinished u = { .from_stream = whole, .from_stream_len = sizeof(whole) };

	start_link(f);
	/* A whole frame was never left unfinished. */
	assert_int_equal(link_resume(f->link, &u), -EINVAL);
	/* Nor a length no frame has. */
	u = (LinkUnfinished) { .from_stream = zero, .from_stream_len = sizeof(zero) };
	assert_int_equal(link_resume(f->link, &u), -EINVAL);
	/* The link is as new: a frame passes. */
	assert_int_equal(write(f->st[1], whole, sizeof(whole)), sizeof(whole));
	run_until_idle(f);
	assert_int_equal(f->stats.to_device.frames, 1);
}

static void test_read_refuses_what_is_no_handover(void **state) {
	Handover h = { .counters.refused = 3 }, in;
	uint8_t junk[64] = "not a handover";
	int fd, bad;

	fd = handover_write(&h);
	assert_true(fd >= 0);
	/* Sealed: nobody changes it on its way. */
	assert_int_equal(write(fd, junk, 1), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(handover_read(fd, &in), 0);
	assert_int_equal(in.counters.refused, 3);
	assert_null(in.unfinished.from_stream);
	handover_done(&in);

	/* Cut short, or something else altogether. */
	bad = memfd_create("test", MFD_CLOEXEC);
	assert_int_equal(copy_file_range(fd, &(off_t) {0}, bad, NULL, 20, 0), 20);
	assert_int_equal(handover_read(bad, &in), -EBADMSG);
	assert_int_equal(ftruncate(bad, 0), 0);
	assert_int_equal(pwrite(bad, junk, sizeof(junk), 0), sizeof(junk));
	assert_int_equal(handover_read(bad, &in), -EBADMSG);
	close(bad);
	close(fd);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_goes_on_inside_frames_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_handover_the_stream_breaks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_refuses_what_no_link_left, setup, teardown),
		cmocka_unit_test(test_read_refuses_what_is_no_handover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
