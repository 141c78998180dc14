/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests the Capture: what the reader of its pipe gets (a pcap file header,
 * then whole records), the caps that end it, how it copes with a full pipe
 * and a reader that leaves, and when its end handler runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "macro.h"

#define FILE_HEADER_BYTES 24U
#define RECORD_HEADER_BYTES 16U
#define READ_BUFFER_BYTES (1024U * 1024U)
#define MAX_RECORDS 1024

typedef struct Record {
	uint32_t sec;
	uint32_t usec;
	uint32_t caplen;
	uint32_t len;
	const uint8_t *data;
} Record;

typedef struct Fixture {
	sd_event *event;
	int pipe[2];            /* [0] the reader's end, [1] given to the capture */
	int write_fd;           /* the number the capture was given */
	Capture *capture;
	int end_calls;
	bool free_on_end;
	CaptureCounters counters_at_end;
	uint8_t *buf;           /* what the reader got so far */
	size_t have;
	bool eof;
} Fixture;

/* Frame i: its index in the first 4 bytes, then a pattern derived from it,
 * so loss, reordering, mixing and cutting all show. */
static void make_frame(uint8_t *buf, uint32_t i, size_t len) {
	for (size_t j = 0; j < len; j++)
		buf[j] = (uint8_t) (i * 13 + j);
	if (len >= sizeof(i))
		memcpy(buf, &i, sizeof(i));
}

/* Checks the bytes of a record against the frame they were cut from and
 * returns the frame's index. */
static uint32_t check_frame(const uint8_t *data, size_t caplen) {
	uint32_t i;

	assert_true(caplen >= sizeof(i));
	memcpy(&i, data, sizeof(i));
	for (size_t j = sizeof(i); j < caplen; j++)
		if (data[j] != (uint8_t) (i * 13 + j))
			fail_msg("frame %u corrupt at byte %zu", i, j);
	return i;
}

static void capture_one(Fixture *f, uint32_t i, size_t len) {
	static uint8_t frame[CAPTURE_SNAP_BYTES_DEFAULT];

	assert_true(len <= sizeof(frame));
	make_frame(frame, i, len);
	capture_frame(f->capture, frame, len);
}

static void on_end(Capture *c, void *userdata) {
	Fixture *f = userdata;

	assert_ptr_equal(c, f->capture);
	f->end_calls++;
	f->counters_at_end = *capture_get_counters(c);
	if (f->free_on_end)
		f->capture = capture_free(c);
}

static int setup(void **state) {
	Fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sd_event_new(&f->event), 0);
	assert_int_equal(pipe2(f->pipe, O_CLOEXEC), 0);
	/* The reader never blocks: a test that waits for nothing fails. */
	assert_int_equal(fcntl(f->pipe[0], F_SETFL, O_NONBLOCK), 0);
	f->write_fd = -1;
	f->buf = malloc(READ_BUFFER_BYTES);
	assert_non_null(f->buf);
	*state = f;
	return 0;
}

static int teardown(void **state) {
	Fixture *f = *state;

	capture_free(f->capture);
	for (int i = 0; i < 2; i++)
		safe_close(f->pipe[i]);
	sd_event_unref(f->event);
	free(f->buf);
	free(f);
	return 0;
}

static void start_capture(Fixture *f, const CaptureLimits *limits) {
	assert_int_equal(capture_new(&f->capture, f->event, f->pipe[1], "test", limits, on_end, f), 0);
	assert_non_null(f->capture);
	/* The capture owns the write end now. */
	f->write_fd = TAKE_FD(f->pipe[1]);
}

/* Reads what the pipe holds, and notes the end of the file. */
static size_t read_available(Fixture *f) {
	size_t before = f->have;

	for (;;) {
		ssize_t n;

		assert_true(f->have < READ_BUFFER_BYTES);
		n = read(f->pipe[0], f->buf + f->have, READ_BUFFER_BYTES - f->have);
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			break;
		}
		if (n == 0) {
			f->eof = true;
			break;
		}
		f->have += (size_t) n;
	}
	return f->have - before;
}

/* Dispatches until nothing is pending; returns how many sources ran. */
static int run_loop(Fixture *f) {
	int n = 0;

	for (; n < 100; n++) {
		int r = sd_event_run(f->event, 0);

		assert_true(r >= 0);
		if (r == 0)
			break;
	}
	assert_true(n < 100);
	return n;
}

/* Checks the file header and returns the records after it, which must all
 * be whole. */
static size_t parse_file(const uint8_t *buf, size_t size, uint32_t snaplen, Record *records, size_t max) {
	uint32_t magic, snap, linktype, sigfigs;
	uint16_t major, minor;
	int32_t thiszone;
	size_t off = FILE_HEADER_BYTES, n = 0;

	assert_true(size >= FILE_HEADER_BYTES);
	memcpy(&magic, buf, 4);
	memcpy(&major, buf + 4, 2);
	memcpy(&minor, buf + 6, 2);
	memcpy(&thiszone, buf + 8, 4);
	memcpy(&sigfigs, buf + 12, 4);
	memcpy(&snap, buf + 16, 4);
	memcpy(&linktype, buf + 20, 4);
	assert_int_equal(magic, 0xa1b2c3d4U);
	assert_int_equal(major, 2);
	assert_int_equal(minor, 4);
	assert_int_equal(thiszone, 0);
	assert_int_equal(sigfigs, 0);
	assert_int_equal(snap, snaplen);
	assert_int_equal(linktype, 1);

	while (off < size) {
		Record r;

		assert_true(n < max);
		if (size - off < RECORD_HEADER_BYTES)
			fail_msg("record header cut at byte %zu of %zu", off, size);
		memcpy(&r.sec, buf + off, 4);
		memcpy(&r.usec, buf + off + 4, 4);
		memcpy(&r.caplen, buf + off + 8, 4);
		memcpy(&r.len, buf + off + 12, 4);
		off += RECORD_HEADER_BYTES;
		assert_true(r.usec < 1000000);
		assert_true(r.caplen <= snaplen);
		assert_true(r.caplen <= r.len);
		if (size - off < r.caplen)
			fail_msg("record of %u bytes cut at byte %zu of %zu", r.caplen, off, size);
		r.data = buf + off;
		off += r.caplen;
		records[n++] = r;
	}
	return n;
}

static void test_capture_writes_file_header_first(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];

	start_capture(f, NULL);

	/* The header, alone: the reader can tell it is a pcap file at once. */
	assert_int_equal(read_available(f), FILE_HEADER_BYTES);
	assert_false(f->eof);
	assert_int_equal(parse_file(f->buf, f->have, CAPTURE_SNAP_BYTES_DEFAULT, records, MAX_RECORDS), 0);
	assert_int_equal(capture_get_counters(f->capture)->bytes, FILE_HEADER_BYTES);
	assert_int_equal(capture_get_counters(f->capture)->frames, 0);
	assert_int_equal(capture_get_counters(f->capture)->missed, 0);
	run_loop(f);
	assert_int_equal(f->end_calls, 0);
}

static void test_capture_writes_record_header_then_frame(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];
	const size_t lens[] = { 60, 1514, 9000 };
	struct timespec before, after;
	size_t n;

	start_capture(f, NULL);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &before), 0);
	for (size_t i = 0; i < ELEMENTSOF(lens); i++)
		capture_one(f, (uint32_t) i, lens[i]);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &after), 0);

	read_available(f);
	n = parse_file(f->buf, f->have, CAPTURE_SNAP_BYTES_DEFAULT, records, MAX_RECORDS);
	assert_int_equal(n, ELEMENTSOF(lens));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(records[i].caplen, lens[i]);
		assert_int_equal(records[i].len, lens[i]);
		assert_int_equal(check_frame(records[i].data, records[i].caplen), i);
		/* Stamped when captured. */
		assert_true(records[i].sec >= (uint32_t) before.tv_sec);
		assert_true(records[i].sec <= (uint32_t) after.tv_sec);
	}

	assert_int_equal(capture_get_counters(f->capture)->frames, 3);
	assert_int_equal(capture_get_counters(f->capture)->bytes, f->have);
	assert_int_equal(capture_get_counters(f->capture)->bytes,
	                 FILE_HEADER_BYTES + 3 * RECORD_HEADER_BYTES + 60 + 1514 + 9000);
	assert_int_equal(capture_get_counters(f->capture)->missed, 0);
	run_loop(f);
	assert_int_equal(f->end_calls, 0);
	assert_false(f->eof);
}

static void test_capture_snap_bytes_cuts_caplen_but_keeps_len(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];
	CaptureLimits limits = { .snap_bytes = 100 };

	start_capture(f, &limits);
	capture_one(f, 0, 1514);
	capture_one(f, 1, 100);
	capture_one(f, 2, 60);

	read_available(f);
	/* The header announces the snap length. */
	assert_int_equal(parse_file(f->buf, f->have, 100, records, MAX_RECORDS), 3);
	assert_int_equal(records[0].caplen, 100);
	assert_int_equal(records[0].len, 1514);
	assert_int_equal(check_frame(records[0].data, records[0].caplen), 0);
	assert_int_equal(records[1].caplen, 100);
	assert_int_equal(records[1].len, 100);
	assert_int_equal(check_frame(records[1].data, records[1].caplen), 1);
	assert_int_equal(records[2].caplen, 60);
	assert_int_equal(records[2].len, 60);
	assert_int_equal(check_frame(records[2].data, records[2].caplen), 2);

	/* The counters count what was written, not what passed. */
	assert_int_equal(capture_get_counters(f->capture)->frames, 3);
	assert_int_equal(capture_get_counters(f->capture)->bytes, f->have);
	assert_int_equal(f->have, FILE_HEADER_BYTES + 3 * RECORD_HEADER_BYTES + 100 + 100 + 60);
}

static void test_capture_max_frames_ends_capture_after_last_record(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];
	CaptureLimits limits = { .max_frames = 3 };

	start_capture(f, &limits);
	capture_one(f, 0, 60);
	capture_one(f, 1, 61);
	assert_int_equal(run_loop(f), 0);
	capture_one(f, 2, 62);
	/* Never from within capture_frame(): the caller may go on using it. */
	assert_int_equal(f->end_calls, 0);

	/* The reader gets the three records, then the end of the file. */
	read_available(f);
	assert_true(f->eof);
	assert_int_equal(parse_file(f->buf, f->have, CAPTURE_SNAP_BYTES_DEFAULT, records, MAX_RECORDS), 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(check_frame(records[i].data, records[i].caplen), i);

	/* Frames after the end are ignored, not even counted as missed. */
	capture_one(f, 3, 63);
	assert_int_equal(capture_get_counters(f->capture)->frames, 3);
	assert_int_equal(capture_get_counters(f->capture)->bytes, f->have);
	assert_int_equal(capture_get_counters(f->capture)->missed, 0);
	assert_int_equal(f->end_calls, 0);

	/* The next iteration of the loop runs the handler, once. */
	assert_int_equal(sd_event_run(f->event, 0), 1);
	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->counters_at_end.frames, 3);
	run_loop(f);
	assert_int_equal(f->end_calls, 1);

	/* The capture let go of the pipe. */
	assert_int_equal(fcntl(f->write_fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
}

static void test_capture_max_bytes_keeps_file_within_cap(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];
	/* Two records of 100 bytes and half of a third. */
	CaptureLimits limits = { .max_bytes = FILE_HEADER_BYTES + 2 * (RECORD_HEADER_BYTES + 100) + 58 };

	start_capture(f, &limits);
	capture_one(f, 0, 100);
	capture_one(f, 1, 100);
	assert_int_equal(run_loop(f), 0);
	assert_int_equal(f->end_calls, 0);
	/* Would pass the cap: not written, not even in part, and the end. */
	capture_one(f, 2, 100);
	assert_int_equal(f->end_calls, 0);

	read_available(f);
	assert_true(f->eof);
	assert_true(f->have <= limits.max_bytes);
	assert_int_equal(f->have, FILE_HEADER_BYTES + 2 * (RECORD_HEADER_BYTES + 100));
	assert_int_equal(parse_file(f->buf, f->have, CAPTURE_SNAP_BYTES_DEFAULT, records, MAX_RECORDS), 2);
	assert_int_equal(check_frame(records[1].data, records[1].caplen), 1);

	/* A frame that would still fit comes too late. */
	capture_one(f, 3, 10);
	assert_int_equal(capture_get_counters(f->capture)->frames, 2);
	assert_int_equal(capture_get_counters(f->capture)->bytes, f->have);

	assert_int_equal(sd_event_run(f->event, 0), 1);
	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->counters_at_end.frames, 2);
}

static void test_capture_byte_cap_at_minimum_holds_header_and_a_frame(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];
	CaptureLimits limits = { .max_bytes = CAPTURE_MAX_BYTES_MIN };
	size_t room = CAPTURE_MAX_BYTES_MIN - FILE_HEADER_BYTES - RECORD_HEADER_BYTES;

	start_capture(f, &limits);
	/* Fills the file to the byte: still within the cap. */
	capture_one(f, 0, room);
	capture_one(f, 1, 60);

	read_available(f);
	assert_true(f->eof);
	assert_int_equal(f->have, CAPTURE_MAX_BYTES_MIN);
	assert_int_equal(parse_file(f->buf, f->have, CAPTURE_SNAP_BYTES_DEFAULT, records, MAX_RECORDS), 1);
	assert_int_equal(records[0].caplen, room);
	run_loop(f);
	assert_int_equal(f->end_calls, 1);
}

/* Makes the pipe one page small, with the capture's header in it. */
static size_t shrink_pipe(Fixture *f) {
	int size;

	/* Either end will do; the reader's is ours to use. */
	assert_true(fcntl(f->pipe[0], F_SETPIPE_SZ, 4096) > 0);
	size = fcntl(f->pipe[0], F_GETPIPE_SZ);
	assert_true(size > 0);
	return (size_t) size;
}

static void test_capture_full_pipe_misses_frames_and_keeps_records_whole(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];
	uint32_t sent = 0, last;
	size_t pipe_bytes, big, n, got;

	start_capture(f, NULL);
	pipe_bytes = shrink_pipe(f);
	big = pipe_bytes + pipe_bytes / 2;

	/* A record larger than the pipe: taken only in part. */
	capture_one(f, sent++, big);
	assert_int_equal(capture_get_counters(f->capture)->frames, 1);
	got = read_available(f);
	assert_true(got < FILE_HEADER_BYTES + RECORD_HEADER_BYTES + big);

	/* Until the rest is written, frames are missed, whatever room the
	 * pipe has: the reader must not get them in the middle of the first. */
	capture_one(f, sent++, 60);
	capture_one(f, sent++, 60);
	assert_int_equal(capture_get_counters(f->capture)->frames, 1);
	assert_int_equal(capture_get_counters(f->capture)->missed, 2);
	assert_int_equal(read_available(f), 0);

	/* The loop writes the rest as the reader makes room. */
	for (int i = 0; i < 100 && f->have < FILE_HEADER_BYTES + RECORD_HEADER_BYTES + big; i++) {
		run_loop(f);
		read_available(f);
	}
	assert_int_equal(f->have, FILE_HEADER_BYTES + RECORD_HEADER_BYTES + big);

	/* Small frames into a pipe nobody reads: they fill it, then are missed. */
	for (int i = 0; capture_get_counters(f->capture)->missed == 2; i++) {
		assert_true((size_t) i <= pipe_bytes / (RECORD_HEADER_BYTES + 60) + 1);
		capture_one(f, sent++, 60);
	}
	assert_int_equal(capture_get_counters(f->capture)->missed, 3);

	/* With room again, frames pass again. */
	read_available(f);
	capture_one(f, sent++, 1514);
	read_available(f);
	run_loop(f);
	read_available(f);

	/* Whole records, in order, each frame once; the counters add up. */
	n = parse_file(f->buf, f->have, CAPTURE_SNAP_BYTES_DEFAULT, records, MAX_RECORDS);
	assert_int_equal(n, capture_get_counters(f->capture)->frames);
	assert_int_equal(n + capture_get_counters(f->capture)->missed, sent);
	assert_int_equal(capture_get_counters(f->capture)->bytes, f->have);
	assert_int_equal(check_frame(records[0].data, records[0].caplen), 0);
	assert_int_equal(records[0].caplen, big);
	last = 0;
	for (size_t i = 1; i < n; i++) {
		uint32_t index = check_frame(records[i].data, records[i].caplen);

		assert_true(index > last);
		last = index;
	}
	assert_int_equal(last, sent - 1);
	assert_int_equal(records[n - 1].caplen, 1514);
	assert_int_equal(f->end_calls, 0);
	assert_false(f->eof);
}

static void test_capture_record_cut_anywhere_near_its_header_reaches_reader_whole(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];

	/* Records one page and cut bytes long into a one-page pipe with the
	 * file header in it: the pipe takes cut bytes, inside the record
	 * header or just past it, and the rest follows later. */
	for (size_t cut = 1; cut <= RECORD_HEADER_BYTES + 4; cut++) {
		size_t big, n;

		if (cut > 1) {
			f->capture = capture_free(f->capture);
			safe_close(f->pipe[0]);
			f->have = 0;
			f->eof = false;
			assert_int_equal(pipe2(f->pipe, O_CLOEXEC), 0);
			assert_int_equal(fcntl(f->pipe[0], F_SETFL, O_NONBLOCK), 0);
		}
		start_capture(f, NULL);
		big = shrink_pipe(f) + cut - RECORD_HEADER_BYTES;
		capture_one(f, 0, big);
		read_available(f);
		assert_true(f->have < FILE_HEADER_BYTES + RECORD_HEADER_BYTES + big);
		capture_one(f, 1, 60);
		for (int i = 0; i < 100 && f->have < FILE_HEADER_BYTES + RECORD_HEADER_BYTES + big; i++) {
			run_loop(f);
			read_available(f);
		}
		capture_one(f, 2, 60);
		read_available(f);

		n = parse_file(f->buf, f->have, CAPTURE_SNAP_BYTES_DEFAULT, records, MAX_RECORDS);
		assert_int_equal(n, 2);
		assert_int_equal(records[0].caplen, big);
		assert_int_equal(records[0].len, big);
		assert_int_equal(check_frame(records[0].data, records[0].caplen), 0);
		assert_int_equal(check_frame(records[1].data, records[1].caplen), 2);
		assert_int_equal(capture_get_counters(f->capture)->missed, 1);
	}
}

static void test_capture_frame_cap_finishes_record_taken_in_part_before_ending(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];
	CaptureLimits limits = { .max_frames = 1 };
	size_t big;

	start_capture(f, &limits);
	big = shrink_pipe(f) * 2;
	capture_one(f, 0, big);
	/* The capture has ended, though the record is not written yet: this
	 * frame is ignored, not missed. */
	capture_one(f, 1, 60);
	assert_int_equal(capture_get_counters(f->capture)->missed, 0);

	/* The pipe took a piece of the record; the loop writes more of it
	 * as the reader makes room, and the capture does not end meanwhile. */
	read_available(f);
	run_loop(f);
	assert_int_equal(f->end_calls, 0);
	assert_false(f->eof);

	/* The last record reaches the reader whole before the end of file. */
	for (int i = 0; i < 100 && !f->eof; i++) {
		read_available(f);
		run_loop(f);
	}
	read_available(f);
	assert_true(f->eof);
	assert_int_equal(parse_file(f->buf, f->have, CAPTURE_SNAP_BYTES_DEFAULT, records, MAX_RECORDS), 1);
	assert_int_equal(records[0].caplen, big);
	assert_int_equal(check_frame(records[0].data, records[0].caplen), 0);
	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->counters_at_end.frames, 1);
	assert_int_equal(f->counters_at_end.bytes, f->have);
	assert_int_equal(f->counters_at_end.missed, 0);
}

static void test_capture_reader_leaving_ends_capture_and_handler_may_free_it(void **state) {
	Fixture *f = *state;

	start_capture(f, NULL);
	capture_one(f, 0, 60);
	f->free_on_end = true;

	/* No frame needed: the pipe reports the reader gone. */
	f->pipe[0] = safe_close(f->pipe[0]);
	run_loop(f);
	assert_int_equal(f->end_calls, 1);
	assert_null(f->capture);
	assert_int_equal(f->counters_at_end.frames, 1);
	assert_int_equal(f->counters_at_end.missed, 0);
	assert_int_equal(fcntl(f->write_fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	run_loop(f);
	assert_int_equal(f->end_calls, 1);
}

static void test_capture_reader_leaving_with_record_in_part_ends_capture(void **state) {
	Fixture *f = *state;

	start_capture(f, NULL);
	capture_one(f, 0, shrink_pipe(f) * 2);
	f->free_on_end = true;

	/* What is left of the record has nobody to go to. */
	f->pipe[0] = safe_close(f->pipe[0]);
	run_loop(f);
	assert_int_equal(f->end_calls, 1);
	assert_null(f->capture);
	assert_int_equal(fcntl(f->write_fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
}

static void test_capture_frame_after_reader_left_ends_capture(void **state) {
	Fixture *f = *state;

	/* As in the daemons, which ignore SIGPIPE. */
	assert_true(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	start_capture(f, NULL);
	f->pipe[0] = safe_close(f->pipe[0]);

	/* The write finds the reader gone before the loop does. */
	capture_one(f, 0, 60);
	assert_int_equal(f->end_calls, 0);
	assert_int_equal(capture_get_counters(f->capture)->frames, 0);
	capture_one(f, 1, 60);
	run_loop(f);
	assert_int_equal(f->end_calls, 1);
	assert_int_equal(f->counters_at_end.frames, 0);
	assert_int_equal(f->counters_at_end.bytes, FILE_HEADER_BYTES);
	assert_int_equal(fcntl(f->write_fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_true(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
}

static void test_capture_free_closes_pipe_without_calling_handler(void **state) {
	Fixture *f = *state;
	static Record records[MAX_RECORDS];

	start_capture(f, NULL);
	capture_one(f, 0, 60);
	f->capture = capture_free(f->capture);

	/* The reader gets what was captured, then the end of the file. */
	read_available(f);
	assert_true(f->eof);
	assert_int_equal(parse_file(f->buf, f->have, CAPTURE_SNAP_BYTES_DEFAULT, records, MAX_RECORDS), 1);
	/* The owner knows already: no call back with a freed capture. */
	run_loop(f);
	assert_int_equal(f->end_calls, 0);
}

static void test_capture_new_rejects_byte_cap_below_minimum_and_closes_fd(void **state) {
	Fixture *f = *state;
	CaptureLimits limits = { .max_bytes = CAPTURE_MAX_BYTES_MIN - 1 };
	int fd = TAKE_FD(f->pipe[1]);
	uint8_t byte;

	assert_int_equal(capture_new(&f->capture, f->event, fd, "test", &limits, on_end, f), -EINVAL);
	assert_null(f->capture);

	/* Taken over even so: closed, and the reader sees the end at once. */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(read(f->pipe[0], &byte, 1), 0);
	run_loop(f);
	assert_int_equal(f->end_calls, 0);
}

static void test_capture_new_rejects_negative_fd(void **state) {
	Fixture *f = *state;

	assert_int_equal(capture_new(&f->capture, f->event, -1, "test", NULL, on_end, f), -EINVAL);
	assert_null(f->capture);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_capture_writes_file_header_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_writes_record_header_then_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_snap_bytes_cuts_caplen_but_keeps_len, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_max_frames_ends_capture_after_last_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_max_bytes_keeps_file_within_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_byte_cap_at_minimum_holds_header_and_a_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_full_pipe_misses_frames_and_keeps_records_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_record_cut_anywhere_near_its_header_reaches_reader_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_frame_cap_finishes_record_taken_in_part_before_ending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_reader_leaving_ends_capture_and_handler_may_free_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_reader_leaving_with_record_in_part_ends_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_frame_after_reader_left_ends_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_free_closes_pipe_without_calling_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_new_rejects_byte_cap_below_minimum_and_closes_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_new_rejects_negative_fd, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
