/* SPDX-License-Identifier: Apache-2.0 */

/*
 * stream-sink: the host's end of a stream, counting what arrives.
 *
 *   stream-sink --connect PATH [--connect PATH...] [--raw BYTES]
 *
 * It decodes length32 framing itself, independently of src/shared/frame.c,
 * so a framing bug in the program under test shows up as a "bad" count
 * instead of being agreed with. --raw counts an unframed byte stream (what
 * socat sends) as frames of BYTES each. Reads are large and blocking, so
 * the sink costs little and never sets the pace. It keeps reading until
 * every peer hangs up or SIGTERM, i.e. past any measured window; SIGUSR1
 * prints a snapshot (see bench.h). With many --connect it just holds the
 * connections open, which is what the idle measurement needs.
 *
 * --poll-usec N drains the stream without blocking and sleeps N us when
 * it is empty. A blocking reader is woken by every write of the sender; a
 * sender that writes twice per frame (the seed loop) then costs the sink,
 * which shares its CPU with the traffic source, two wake-ups per frame and
 * starves the source. Polling wakes the sink at most 1e6/N times a second
 * whatever the sender does, so the program under test, not the sink, sets
 * the pace.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define SINK_READ_BYTES (256U * 1024U)
#define SINK_CONNECTIONS_MAX 4096U
#define SINK_CONNECT_TIMEOUT_MS 10000U
#define FRAME_HEADER_BYTES 4U
/* Above any frame a TAP can produce, with a vnet header and headroom. */
#define SINK_FRAME_MAX_BYTES (256U * 1024U)

typedef struct Decoder {
	uint8_t header[FRAME_HEADER_BYTES];
	size_t header_have;
	size_t body_left;
} Decoder;

static uint64_t bad_frames;

static void help(void) {
	printf("Usage: stream-sink --connect PATH [--connect PATH...] [--raw BYTES] [--poll-usec N]\n"
	       "Connects to unix stream sockets and counts the length32 frames arriving\n"
	       "(or, with --raw, unframed bytes as BYTES-byte frames) until the peers\n"
	       "hang up or SIGTERM. SIGUSR1 prints \"snapshot MONO_NS FRAMES BYTES\".\n");
}

/* Returns -1 on a length no TAP can produce: the stream is broken. */
static int decode(Decoder *d, const uint8_t *p, size_t n, BenchCounter *c) {
	while (n > 0) {
		if (d->body_left > 0) {
			size_t k = n < d->body_left ? n : d->body_left;
			d->body_left -= k;
			p += k;
			n -= k;
			continue;
		}

		size_t k = FRAME_HEADER_BYTES - d->header_have;
		if (k > n)
			k = n;
		memcpy(d->header + d->header_have, p, k);
		d->header_have += k;
		p += k;
		n -= k;
		if (d->header_have < FRAME_HEADER_BYTES)
			break;

		uint32_t len;
		memcpy(&len, d->header, sizeof(len));
		len = ntohl(len);
		d->header_have = 0;
		if (len == 0 || len > SINK_FRAME_MAX_BYTES) {
			bad_frames++;
			return -1;
		}
		d->body_left = len;
		c->frames++;
		c->bytes += len;
	}
	return 0;
}

int main(int argc, char *argv[]) {
	enum { ARG_CONNECT = 0x100, ARG_RAW, ARG_POLL_USEC };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "connect", required_argument, NULL, ARG_CONNECT },
		{ "raw", required_argument, NULL, ARG_RAW },
		{ "poll-usec", required_argument, NULL, ARG_POLL_USEC },
		{}
	};
	static uint8_t buf[SINK_READ_BYTES];
	static struct pollfd fds[SINK_CONNECTIONS_MAX];
	static Decoder decoders[SINK_CONNECTIONS_MAX];
	const char *paths[SINK_CONNECTIONS_MAX];
	size_t npaths = 0, open_fds;
	uint64_t raw = 0, raw_bytes = 0, poll_usec = 0;
	BenchCounter c = {};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (opt) {
		case 'h':
			help();
			return EXIT_SUCCESS;
		case ARG_CONNECT:
			if (npaths == SINK_CONNECTIONS_MAX) {
				fprintf(stderr, "stream-sink: at most %u connections.\n", SINK_CONNECTIONS_MAX);
				return EXIT_FAILURE;
			}
			paths[npaths++] = optarg;
			break;
		case ARG_RAW:
			raw = bench_parse_u64("--raw", optarg);
			break;
		case ARG_POLL_USEC:
			poll_usec = bench_parse_u64("--poll-usec", optarg);
			break;
		default:
			return EXIT_FAILURE;
		}
	if (npaths == 0 || (poll_usec > 0 && npaths > 1)) {
		fprintf(stderr, "stream-sink: give at least one --connect PATH (one with --poll-usec).\n");
		return EXIT_FAILURE;
	}

	bench_signals_setup();
	for (size_t i = 0; i < npaths; i++) {
		int fd = bench_unix_connect(paths[i], SINK_CONNECT_TIMEOUT_MS);
		if (fd < 0) {
			fprintf(stderr, "stream-sink: cannot connect to %s: %s\n", paths[i], strerror(-fd));
			return EXIT_FAILURE;
		}
		if (poll_usec > 0 && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
			fprintf(stderr, "stream-sink: cannot make %s non-blocking: %m\n", paths[i]);
			return EXIT_FAILURE;
		}
		fds[i] = (struct pollfd) { .fd = fd, .events = POLLIN };
	}
	printf("connected %zu\n", npaths);
	fflush(stdout);

	open_fds = npaths;
	while (!bench_stop && open_fds > 0) {
		/* One connection: a plain blocking read, no poll in the way. */
		if (npaths > 1 && poll(fds, npaths, -1) < 0 && errno != EINTR) {
			fprintf(stderr, "stream-sink: poll: %m\n");
			return EXIT_FAILURE;
		}
		for (size_t i = 0; i < npaths; i++) {
			ssize_t n;

			if (fds[i].fd < 0 || (npaths > 1 && !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))))
				continue;
			n = read(fds[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EAGAIN && poll_usec > 0) {
				const struct timespec ts = {
					.tv_sec = (time_t) (poll_usec / 1000000),
					.tv_nsec = (long) (poll_usec % 1000000) * 1000,
				};
				nanosleep(&ts, NULL);
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || (!raw && decode(&decoders[i], buf, (size_t) n, &c) < 0)) {
				if (n < 0)
					fprintf(stderr, "stream-sink: read from %s: %m\n", paths[i]);
				else if (n > 0)
					fprintf(stderr, "stream-sink: broken framing from %s\n", paths[i]);
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if (raw) {
				raw_bytes += (uint64_t) n;
				c.bytes = raw_bytes;
				c.frames = raw_bytes / raw;
			}
		}
		bench_snapshot_poll(&c);
	}

	bench_snapshot_print(&c);
	if (bad_frames > 0) {
		fprintf(stderr, "stream-sink: %llu broken frame headers\n", (unsigned long long) bad_frames);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
