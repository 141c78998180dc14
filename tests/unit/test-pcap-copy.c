/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests pcap_copy(), which `arcactl capture` copies the daemon's pcap pipe
 * with: what it copies and counts, however the input arrives, where it
 * stops when asked to, and which input it refuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "macro.h"
#include "pcap-copy.h"

#define FILE_HEADER_BYTES 24U
#define RECORD_HEADER_BYTES 16U
#define STREAM_MAX 65536U
/* Long enough for any machine, short enough that a hang shows. */
#define WAIT_USEC (10U * 1000000U)

typedef struct Stream {
	uint8_t data[STREAM_MAX];
	size_t size;
	/* Where each record ends. */
	size_t ends[64];
	size_t n;
} Stream;

static uint32_t order(uint32_t v, bool swapped) {
	return swapped ? __builtin_bswap32(v) : v;
}

static void put_u32(Stream *s, uint32_t v, bool swapped) {
	v = order(v, swapped);
	memcpy(s->data + s->size, &v, sizeof(v));
	s->size += sizeof(v);
}

/* A pcap file of n records, written in the other byte order if swapped;
 * record i holds caplens[i] bytes. */
static void build_stream(Stream *s, const uint32_t *caplens, size_t n, bool swapped) {
	uint16_t version[2] = { 2, 4 };

	*s = (Stream) {};
	if (swapped) {
		version[0] = __builtin_bswap16(version[0]);
		version[1] = __builtin_bswap16(version[1]);
	}
	put_u32(s, 0xa1b2c3d4U, swapped);
	memcpy(s->data + s->size, version, sizeof(version));
	s->size += sizeof(version);
	put_u32(s, 0, swapped);
	put_u32(s, 0, swapped);
	put_u32(s, 262144, swapped);
	put_u32(s, 1, swapped);

	assert_true(n <= ELEMENTSOF(s->ends));
	for (size_t i = 0; i < n; i++) {
		assert_true(s->size + RECORD_HEADER_BYTES + caplens[i] <= sizeof(s->data));
		put_u32(s, 1700000000 + (uint32_t) i, swapped);
		put_u32(s, (uint32_t) i * 1000, swapped);
		put_u32(s, caplens[i], swapped);
		put_u32(s, caplens[i] + 4, swapped);
		for (uint32_t j = 0; j < caplens[i]; j++)
			s->data[s->size++] = (uint8_t) (i * 13 + j);
		s->ends[s->n++] = s->size;
	}
}

/* Includes an empty record, and caplens whose bytes read the other way
 * round would be far longer than the stream. */
static const uint32_t default_caplens[] = { 60, 0, 1514, 256, 9, 4096, 100 };

static void build_default_stream(Stream *s, bool swapped) {
	build_stream(s, default_caplens, ELEMENTSOF(default_caplens), swapped);
}

static int memfd(void) {
	int fd = memfd_create("pcap-copy-output", MFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* The output must be exactly these bytes. */
static void assert_output(int fd, const uint8_t *expected, size_t size) {
	static uint8_t got[STREAM_MAX + 1];
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_int_equal(pread(fd, got, sizeof(got), 0), (ssize_t) size);
	assert_memory_equal(got, expected, size);
}

static void write_all(int fd, const uint8_t *p, size_t n) {
	assert_int_equal(write(fd, p, n), (ssize_t) n);
}

/* Whole records in the first `size` bytes. */
static uint64_t records_within(const Stream *s, size_t size) {
	uint64_t n = 0;

	while (n < s->n && s->ends[n] <= size)
		n++;
	return n;
}

static bool at_boundary(const Stream *s, size_t size) {
	if (size == FILE_HEADER_BYTES)
		return true;
	for (size_t i = 0; i < s->n; i++)
		if (s->ends[i] == size)
			return true;
	return false;
}

static void test_pcap_copy_copies_whole_stream_until_eof(void **state) {
	static Stream s;
	PcapCopyResult result;
	int in[2], out = memfd();

	build_default_stream(&s, false);
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	write_all(in[1], s.data, s.size);
	close(in[1]);

	assert_int_equal(pcap_copy(in[0], out, -1, &result), 0);
	assert_int_equal(result.frames, s.n);
	assert_int_equal(result.bytes, s.size);
	assert_false(result.stopped);
	assert_output(out, s.data, s.size);

	close(in[0]);
	close(out);
}

static void test_pcap_copy_counts_right_when_input_is_split_at_every_byte(void **state) {
	static Stream s;
	const uint32_t caplens[] = { 60, 0, 3, 17 };

	build_stream(&s, caplens, ELEMENTSOF(caplens), false);
	/* Each message comes out of a read on its own: two reads, cut at
	 * every place, through headers and bodies alike. */
	for (size_t cut = 1; cut < s.size; cut++) {
		PcapCopyResult result;
		int sp[2], out = memfd();

		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
		write_all(sp[1], s.data, cut);
		write_all(sp[1], s.data + cut, s.size - cut);
		close(sp[1]);

		assert_int_equal(pcap_copy(sp[0], out, -1, &result), 0);
		assert_int_equal(result.frames, s.n);
		assert_int_equal(result.bytes, s.size);
		assert_false(result.stopped);
		assert_output(out, s.data, s.size);

		close(sp[0]);
		close(out);
	}
}

typedef struct Feeder {
	int fd;
	const uint8_t *data;
	size_t size;
} Feeder;

static void *feed_one_byte_at_a_time(void *userdata) {
	Feeder *feeder = userdata;

	/* Blocking: waits whenever the socket is full. */
	for (size_t i = 0; i < feeder->size; i++)
		assert_int_equal(write(feeder->fd, feeder->data + i, 1), 1);
	close(feeder->fd);
	return NULL;
}

static void test_pcap_copy_counts_right_when_input_comes_one_byte_at_a_time(void **state) {
	static Stream s;
	PcapCopyResult result;
	Feeder feeder;
	pthread_t t;
	int sp[2], out = memfd();

	build_default_stream(&s, false);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	feeder = (Feeder) { .fd = sp[1], .data = s.data, .size = s.size };
	assert_int_equal(pthread_create(&t, NULL, feed_one_byte_at_a_time, &feeder), 0);

	assert_int_equal(pcap_copy(sp[0], out, -1, &result), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(result.frames, s.n);
	assert_int_equal(result.bytes, s.size);
	assert_output(out, s.data, s.size);

	close(sp[0]);
	close(out);
}

/* Sends the file header, then each record, as a message of its own. */
static void send_by_record(int fd, const Stream *s) {
	write_all(fd, s->data, FILE_HEADER_BYTES);
	for (size_t i = 0; i < s->n; i++) {
		size_t start = i == 0 ? FILE_HEADER_BYTES : s->ends[i - 1];

		write_all(fd, s->data + start, s->ends[i] - start);
	}
}

/* pcap_copy() in a thread, so that a copy that never returns fails the
 * test rather than hangs it. */
typedef struct Copier {
	int in_fd;
	int writer_fd;          /* the test's end of the input */
	int out_fd;
	int stop_fd;
	pthread_t thread;
	PcapCopyResult result;
	int r;
	atomic_bool done;
} Copier;

static void *run_copy(void *userdata) {
	Copier *c = userdata;

	c->r = pcap_copy(c->in_fd, c->out_fd, c->stop_fd, &c->result);
	atomic_store(&c->done, true);
	return NULL;
}

static void start_copy(Copier *c, int in_fd, int writer_fd, int stop_fd) {
	*c = (Copier) { .in_fd = in_fd, .writer_fd = writer_fd, .out_fd = memfd(), .stop_fd = stop_fd };
	assert_int_equal(pthread_create(&c->thread, NULL, run_copy, c), 0);
}

/* Waits a while for the copy to return; false if it still runs. */
static bool wait_done(Copier *c, unsigned usec) {
	for (unsigned waited = 0; waited < usec; waited += 1000) {
		if (atomic_load(&c->done))
			return true;
		usleep(1000);
	}
	return atomic_load(&c->done);
}

/* Waits for the copy to return. One that does not is shown the end of its
 * input, so that its thread is gone before the test fails. */
static void finish_copy(Copier *c) {
	bool done = wait_done(c, WAIT_USEC);

	if (!done) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		(void) dup2(null, c->writer_fd);
		safe_close(null);
	}
	assert_int_equal(pthread_join(c->thread, NULL), 0);
	if (!done)
		fail_msg("pcap_copy() did not return");
}

static void test_pcap_copy_stop_copies_what_input_holds_without_waiting_for_eof(void **state) {
	static Stream s;
	static Copier copier;
	int sp[2], stop[2];

	build_default_stream(&s, false);
	/* A read per record: the copy is at a record boundary after each,
	 * yet goes on through all the input held when the stop came. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	send_by_record(sp[1], &s);
	write_all(stop[1], (const uint8_t *) "x", 1);

	/* The writer stays: only the stop ends the copy. */
	start_copy(&copier, sp[0], sp[1], stop[0]);
	finish_copy(&copier);
	assert_int_equal(copier.r, 0);
	assert_true(copier.result.stopped);
	assert_int_equal(copier.result.frames, s.n);
	assert_int_equal(copier.result.bytes, s.size);
	assert_output(copier.out_fd, s.data, s.size);

	close(sp[0]);
	close(sp[1]);
	close(stop[0]);
	close(stop[1]);
	close(copier.out_fd);
}

static void test_pcap_copy_stop_inside_record_waits_for_rest_of_record(void **state) {
	static Stream s;
	static Copier copier;
	size_t half;
	int in[2], stop[2];

	build_default_stream(&s, false);
	/* The stop comes with the third record half written. */
	half = s.ends[1] + (s.ends[2] - s.ends[1]) / 2;
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	write_all(in[1], s.data, half);
	write_all(stop[1], (const uint8_t *) "x", 1);

	start_copy(&copier, in[0], in[1], stop[0]);
	/* It waits for the rest, however long that takes. */
	assert_false(wait_done(&copier, 100000));
	write_all(in[1], s.data + half, s.ends[2] - half);
	finish_copy(&copier);

	/* And ends the file with that record. */
	assert_int_equal(copier.r, 0);
	assert_true(copier.result.stopped);
	assert_int_equal(copier.result.frames, 3);
	assert_int_equal(copier.result.bytes, s.ends[2]);
	assert_output(copier.out_fd, s.data, s.ends[2]);

	close(in[0]);
	close(in[1]);
	close(stop[0]);
	close(stop[1]);
	close(copier.out_fd);
}

/* What the writer adds after the stop is read only as far as the record
 * under way: the rest of it and the records after it come in one write. */
static void test_pcap_copy_stop_reads_nothing_past_record_under_way(void **state) {
	static Stream s;
	static Copier copier;
	size_t half;
	int in[2], stop[2];

	build_default_stream(&s, false);
	half = s.ends[1] + (s.ends[2] - s.ends[1]) / 2;
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	write_all(in[1], s.data, half);
	write_all(stop[1], (const uint8_t *) "x", 1);

	start_copy(&copier, in[0], in[1], stop[0]);
	assert_false(wait_done(&copier, 100000));
	write_all(in[1], s.data + half, s.size - half);
	finish_copy(&copier);

	assert_int_equal(copier.r, 0);
	assert_int_equal(copier.result.frames, 3);
	assert_int_equal(copier.result.bytes, s.ends[2]);
	assert_output(copier.out_fd, s.data, s.ends[2]);

	close(in[0]);
	close(in[1]);
	close(stop[0]);
	close(stop[1]);
	close(copier.out_fd);
}

static void test_pcap_copy_stop_with_nothing_pending_returns_at_once(void **state) {
	static Stream s;
	static Copier copier;
	struct stat st = {};
	int in[2], stop[2];

	build_default_stream(&s, false);
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	start_copy(&copier, in[0], in[1], stop[0]);

	/* Two records, copied while the copy runs. */
	write_all(in[1], s.data, s.ends[1]);
	for (unsigned waited = 0; waited < WAIT_USEC && (size_t) st.st_size < s.ends[1]; waited += 1000) {
		usleep(1000);
		assert_int_equal(fstat(copier.out_fd, &st), 0);
	}
	assert_int_equal(st.st_size, s.ends[1]);
	assert_false(atomic_load(&copier.done));

	/* The writer stays; the stop alone ends the copy. */
	write_all(stop[1], (const uint8_t *) "x", 1);
	finish_copy(&copier);
	assert_int_equal(copier.r, 0);
	assert_true(copier.result.stopped);
	assert_int_equal(copier.result.frames, 2);
	assert_int_equal(copier.result.bytes, s.ends[1]);
	assert_output(copier.out_fd, s.data, s.ends[1]);

	close(in[0]);
	close(in[1]);
	close(stop[0]);
	close(stop[1]);
	close(copier.out_fd);
}

static void test_pcap_copy_input_ending_inside_record_is_bad_message(void **state) {
	static Stream s;
	const uint32_t caplens[] = { 60, 0, 3, 17 };

	build_stream(&s, caplens, ELEMENTSOF(caplens), false);
	/* Cut everywhere: inside the file header, a record header, a body. */
	for (size_t cut = 1; cut <= s.size; cut++) {
		PcapCopyResult result;
		int in[2], out = memfd();

		assert_int_equal(pipe2(in, O_CLOEXEC), 0);
		write_all(in[1], s.data, cut);
		close(in[1]);

		assert_int_equal(pcap_copy(in[0], out, -1, &result), at_boundary(&s, cut) ? 0 : -EBADMSG);
		/* What came is kept, and the whole records in it are counted. */
		assert_int_equal(result.frames, records_within(&s, cut));
		assert_int_equal(result.bytes, cut);
		assert_output(out, s.data, cut);

		close(in[0]);
		close(out);
	}
}

static void test_pcap_copy_bad_magic_is_bad_message(void **state) {
	static Stream s;
	/* A pcapng file, a nanosecond pcap file, and plain garbage. */
	const uint32_t magics[] = { 0x0a0d0d0aU, 0xa1b23c4dU, 0 };

	for (size_t i = 0; i < ELEMENTSOF(magics); i++) {
		PcapCopyResult result;
		int in[2], out = memfd();

		build_default_stream(&s, false);
		memcpy(s.data, &magics[i], sizeof(magics[i]));
		assert_int_equal(pipe2(in, O_CLOEXEC), 0);
		write_all(in[1], s.data, s.size);
		close(in[1]);

		assert_int_equal(pcap_copy(in[0], out, -1, &result), -EBADMSG);
		/* Nothing of it is copied. */
		assert_int_equal(result.frames, 0);
		assert_int_equal(result.bytes, 0);
		assert_output(out, s.data, 0);

		close(in[0]);
		close(out);
	}
}

static void test_pcap_copy_caplen_above_maximum_is_bad_message(void **state) {
	static Stream s;
	static Copier copier;
	const uint32_t caplens[] = { 60, 256U * 1024U * 1024U + 1 };
	int in[2];

	/* Only the header of the huge record: it is refused from that. */
	build_stream(&s, caplens, 1, false);
	s.size = s.ends[0];
	put_u32(&s, 0, false);
	put_u32(&s, 0, false);
	put_u32(&s, caplens[1], false);
	put_u32(&s, caplens[1], false);
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	write_all(in[1], s.data, s.size);

	/* No waiting for the writer: the stream is broken already. */
	start_copy(&copier, in[0], in[1], -1);
	finish_copy(&copier);
	assert_int_equal(copier.r, -EBADMSG);
	/* Whatever was copied is a prefix of the input, counted right. */
	assert_true(copier.result.bytes < s.size);
	assert_int_equal(copier.result.frames, records_within(&s, copier.result.bytes));
	assert_output(copier.out_fd, s.data, copier.result.bytes);

	close(in[0]);
	close(in[1]);
	close(copier.out_fd);
}

static void test_pcap_copy_follows_byte_swapped_stream(void **state) {
	static Stream s;
	PcapCopyResult result;
	int sp[2], out = memfd();
	uint32_t magic;

	/* Written by a host of the other byte order: magic 0xd4c3b2a1 as we
	 * read it, and caplens to be swapped (256 is not 65536). */
	build_default_stream(&s, true);
	memcpy(&magic, s.data, sizeof(magic));
	assert_int_equal(magic, 0xd4c3b2a1U);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	/* Record by record, so the copy must find each end. */
	send_by_record(sp[1], &s);
	close(sp[1]);

	assert_int_equal(pcap_copy(sp[0], out, -1, &result), 0);
	assert_int_equal(result.frames, s.n);
	assert_int_equal(result.bytes, s.size);
	assert_output(out, s.data, s.size);

	close(sp[0]);
	close(out);
}

static void test_pcap_copy_stop_after_byte_swapped_record_ends_at_its_end(void **state) {
	static Stream s;
	static Copier copier;
	size_t half;
	int in[2], stop[2];

	/* The 256 byte record, half of it there when the stop comes: read
	 * the wrong way round it would wait for 65536 bytes. */
	build_default_stream(&s, true);
	half = s.ends[2] + (s.ends[3] - s.ends[2]) / 2;
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
	write_all(in[1], s.data, half);
	write_all(stop[1], (const uint8_t *) "x", 1);
	start_copy(&copier, in[0], in[1], stop[0]);
	write_all(in[1], s.data + half, s.ends[3] - half);

	finish_copy(&copier);
	assert_int_equal(copier.r, 0);
	assert_true(copier.result.stopped);
	assert_int_equal(copier.result.frames, 4);
	assert_output(copier.out_fd, s.data, s.ends[3]);

	close(in[0]);
	close(in[1]);
	close(stop[0]);
	close(stop[1]);
	close(copier.out_fd);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_copy_copies_whole_stream_until_eof),
		cmocka_unit_test(test_pcap_copy_counts_right_when_input_is_split_at_every_byte),
		cmocka_unit_test(test_pcap_copy_counts_right_when_input_comes_one_byte_at_a_time),
		cmocka_unit_test(test_pcap_copy_stop_copies_what_input_holds_without_waiting_for_eof),
		cmocka_unit_test(test_pcap_copy_stop_inside_record_waits_for_rest_of_record),
		cmocka_unit_test(test_pcap_copy_stop_reads_nothing_past_record_under_way),
		cmocka_unit_test(test_pcap_copy_stop_with_nothing_pending_returns_at_once),
		cmocka_unit_test(test_pcap_copy_input_ending_inside_record_is_bad_message),
		cmocka_unit_test(test_pcap_copy_bad_magic_is_bad_message),
		cmocka_unit_test(test_pcap_copy_caplen_above_maximum_is_bad_message),
		cmocka_unit_test(test_pcap_copy_follows_byte_swapped_stream),
		cmocka_unit_test(test_pcap_copy_stop_after_byte_swapped_record_ends_at_its_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
