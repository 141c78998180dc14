/* SPDX-License-Identifier: Apache-2.0 */

/*
 * seed-loop: the baseline. It reproduces the data path of the original Go
 * forwarder that arca-net replaces, so the benchmark can say how much the
 * shared core gains over it:
 *
 *   device -> stream: one read per frame into a 64 KiB buffer, then the
 *                     4-byte length and the frame as two separate writes;
 *   stream -> device: read the 4-byte length, read the frame, one write;
 *
 * each direction on its own thread (a goroutine each in the original),
 * blocking I/O, no batching, no counters beyond what the harness samples.
 *
 *   seed-loop --tap NAME (--listen PATH | --connect PATH)
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define SEED_BUFFER_BYTES 65536U
#define FRAME_HEADER_BYTES 4U

static int tap_fd = -1, stream_fd = -1;

static void help(void) {
	printf("Usage: seed-loop --tap NAME (--listen PATH | --connect PATH)\n"
	       "Forwards frames between a TAP device and a unix stream the way the\n"
	       "original Go forwarder did: one read per frame, length and frame as two\n"
	       "writes, blocking I/O, one thread per direction.\n");
}

static int write_all(int fd, const uint8_t *p, size_t n) {
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t) k;
	}
	return 0;
}

static int read_full(int fd, uint8_t *p, size_t n) {
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EPIPE;
		p += k;
		n -= (size_t) k;
	}
	return 0;
}

static void *device_to_stream(void *arg) {
	static uint8_t buf[SEED_BUFFER_BYTES];

	for (;;) {
		uint32_t be;
		ssize_t n = read(tap_fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		be = htonl((uint32_t) n);
		if (write_all(stream_fd, (const uint8_t *) &be, sizeof(be)) < 0 ||
		    write_all(stream_fd, buf, (size_t) n) < 0)
			break;
	}
	return NULL;
}

static void *stream_to_device(void *arg) {
	static uint8_t buf[SEED_BUFFER_BYTES];

	for (;;) {
		uint32_t len;

		if (read_full(stream_fd, (uint8_t *) &len, sizeof(len)) < 0)
			break;
		len = ntohl(len);
		if (len == 0 || len > sizeof(buf) || read_full(stream_fd, buf, len) < 0)
			break;
		/* A frame the TAP refuses is lost, as in the original. */
		if (write(tap_fd, buf, len) < 0)
			continue;
	}
	return NULL;
}

int main(int argc, char *argv[]) {
	enum { ARG_TAP = 0x100, ARG_LISTEN, ARG_CONNECT };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "tap", required_argument, NULL, ARG_TAP },
		{ "listen", required_argument, NULL, ARG_LISTEN },
		{ "connect", required_argument, NULL, ARG_CONNECT },
		{}
	};
	const char *tap = NULL, *listen_path = NULL, *connect_path = NULL;
	pthread_t up, down;
	sigset_t mask;
	int opt, sig;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (opt) {
		case 'h':
			help();
			return EXIT_SUCCESS;
		case ARG_TAP:
			tap = optarg;
			break;
		case ARG_LISTEN:
			listen_path = optarg;
			break;
		case ARG_CONNECT:
			connect_path = optarg;
			break;
		default:
			return EXIT_FAILURE;
		}
	if (!tap || !listen_path == !connect_path) {
		fprintf(stderr, "seed-loop: give --tap and one of --listen or --connect.\n");
		return EXIT_FAILURE;
	}

	signal(SIGPIPE, SIG_IGN);
	tap_fd = bench_tap_attach(tap, false);
	if (tap_fd < 0) {
		fprintf(stderr, "seed-loop: cannot attach to TAP %s: %s\n", tap, strerror(-tap_fd));
		return EXIT_FAILURE;
	}
	stream_fd = listen_path ? bench_unix_accept_one(listen_path) : bench_unix_connect(connect_path, 10000);
	if (stream_fd < 0) {
		fprintf(stderr, "seed-loop: no stream: %s\n", strerror(-stream_fd));
		return EXIT_FAILURE;
	}

	/* The threads block in I/O; main waits for SIGTERM and ends them all
	 * by exiting. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);

	if (pthread_create(&up, NULL, device_to_stream, NULL) != 0 ||
	    pthread_create(&down, NULL, stream_to_device, NULL) != 0) {
		fprintf(stderr, "seed-loop: cannot start threads\n");
		return EXIT_FAILURE;
	}
	(void) sigwait(&mask, &sig);
	return EXIT_SUCCESS;
}
