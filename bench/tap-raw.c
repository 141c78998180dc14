/* SPDX-License-Identifier: Apache-2.0 */

/*
 * tap-raw: the practical limit of a TAP device, with nothing forwarded.
 *
 *   tap-raw --tap NAME --read            read frames and discard them
 *   tap-raw --tap NAME --write --size N  write N-byte frames as fast as it can
 *   tap-raw --tap NAME --reset           attach, clear offloads, exit
 *
 * One blocking read or write per frame, the least a forwarder can do. The
 * counters are sampled with SIGUSR1 (see bench.h); SIGTERM stops it.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* Enough for the largest frame a TAP hands out without a vnet header. */
#define TAP_READ_BYTES 65536U
#define ETHERTYPE_LOCAL_EXPERIMENTAL 0x88b5

static void help(void) {
	printf("Usage: tap-raw --tap NAME (--read | --write --size BYTES | --reset)\n"
	       "Reads (and discards) or writes frames on a TAP device, one per syscall.\n"
	       "SIGUSR1 prints \"snapshot MONO_NS FRAMES BYTES\"; SIGTERM stops.\n");
}

static int run_read(int fd) {
	static uint8_t buf[TAP_READ_BYTES];
	BenchCounter c = {};

	while (!bench_stop) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				fprintf(stderr, "tap-raw: read: %m\n");
				return EXIT_FAILURE;
			}
		} else {
			c.frames++;
			c.bytes += (uint64_t) n;
		}
		bench_snapshot_poll(&c);
	}
	bench_snapshot_print(&c);
	return EXIT_SUCCESS;
}

static int run_write(int fd, size_t size) {
	static uint8_t frame[TAP_READ_BYTES];
	BenchCounter c = {};

	/* The frame traffic-gen sends: broadcast, of an EtherType nobody
	 * handles, so the stack drops it right after the device, as cheaply
	 * as a frame can go, and both directions see the same frames. */
	memset(frame, 0xff, 6);
	memcpy(frame + 6, "\x02\x00\x00\x00\xbe\x01", 6);
	frame[12] = ETHERTYPE_LOCAL_EXPERIMENTAL >> 8;
	frame[13] = ETHERTYPE_LOCAL_EXPERIMENTAL & 0xff;

	while (!bench_stop) {
		ssize_t n = write(fd, frame, size);
		if (n < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ENOBUFS) {
				fprintf(stderr, "tap-raw: write: %m\n");
				return EXIT_FAILURE;
			}
		} else {
			c.frames++;
			c.bytes += (uint64_t) n;
		}
		bench_snapshot_poll(&c);
	}
	bench_snapshot_print(&c);
	return EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
	enum { ARG_TAP = 0x100, ARG_READ, ARG_WRITE, ARG_RESET, ARG_SIZE };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "tap", required_argument, NULL, ARG_TAP },
		{ "read", no_argument, NULL, ARG_READ },
		{ "write", no_argument, NULL, ARG_WRITE },
		{ "reset", no_argument, NULL, ARG_RESET },
		{ "size", required_argument, NULL, ARG_SIZE },
		{}
	};
	const char *tap = NULL;
	int mode = 0, c, fd;
	size_t size = 0;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			help();
			return EXIT_SUCCESS;
		case ARG_TAP:
			tap = optarg;
			break;
		case ARG_READ:
		case ARG_WRITE:
		case ARG_RESET:
			mode = c;
			break;
		case ARG_SIZE:
			size = bench_parse_u64("--size", optarg);
			break;
		default:
			return EXIT_FAILURE;
		}

	if (!tap || mode == 0 || (mode == ARG_WRITE && (size < 14 || size > TAP_READ_BYTES))) {
		fprintf(stderr, "tap-raw: give --tap and one of --read, --write --size 14..65536, --reset.\n");
		return EXIT_FAILURE;
	}

	bench_signals_setup();
	fd = bench_tap_attach(tap, false);
	if (fd < 0) {
		fprintf(stderr, "tap-raw: cannot attach to TAP %s: %s\n", tap, strerror(-fd));
		return EXIT_FAILURE;
	}

	if (mode == ARG_RESET)
		c = EXIT_SUCCESS;
	else if (mode == ARG_READ)
		c = run_read(fd);
	else
		c = run_write(fd, size);
	close(fd);
	return c;
}
