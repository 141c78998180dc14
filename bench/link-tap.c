/* SPDX-License-Identifier: Apache-2.0 */

/*
 * link-tap: the shared core on its own, the same engine both daemons run:
 * a non-blocking TAP device and a unix stream handed to link.c on sd-event,
 * and nothing else (no D-Bus, no netlink configuration). It benchmarks the
 * core without a daemon and stands in for a daemon in a chain. Like the
 * daemons, it lets through frames up to the TAP's MTU.
 *
 *   link-tap --tap NAME (--listen PATH | --connect PATH)
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "ether.h"
#include "link.h"
#include "macro.h"
#include "stream.h"

static void help(void) {
	printf("Usage: link-tap --tap NAME (--listen PATH | --connect PATH)\n"
	       "Forwards frames between a TAP device and a unix stream with the shared\n"
	       "core (link.c on sd-event) until the stream ends or SIGTERM.\n");
}

static void on_end(Link *link, LinkSide side, int error, void *userdata) {
	sd_event *event = userdata;

	if (error < 0)
		fprintf(stderr, "link-tap: %s side failed: %s\n", link_side_to_string(side), strerror(-error));
	(void) sd_event_exit(event, error < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

/* The MTU of device name, or a negative errno. */
static int device_mtu(const char *name) {
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {};

	if (fd < 0)
		return -errno;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return -errno;
	return ifr.ifr_mtu;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
	return sd_event_exit(sd_event_source_get_event(s), EXIT_SUCCESS);
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
	_cleanup_(sd_event_unrefp) sd_event *event = NULL;
	_cleanup_(link_freep) Link *link = NULL;
	_cleanup_close_ int tap_fd = -1, stream_fd = -1;
	const LinkStats *st;
	LinkConfig config = {};
	sigset_t mask;
	int opt, mtu, r;

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
		fprintf(stderr, "link-tap: give --tap and one of --listen or --connect.\n");
		return EXIT_FAILURE;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	signal(SIGPIPE, SIG_IGN);

	tap_fd = bench_tap_attach(tap, true);
	if (tap_fd < 0) {
		fprintf(stderr, "link-tap: cannot attach to TAP %s: %s\n", tap, strerror(-tap_fd));
		return EXIT_FAILURE;
	}
	mtu = device_mtu(tap);
	if (mtu < 0) {
		fprintf(stderr, "link-tap: cannot get the MTU of %s: %s\n", tap, strerror(-mtu));
		return EXIT_FAILURE;
	}
	config.to_stream.max_ether_bytes = config.to_device.max_ether_bytes =
		(uint32_t) mtu + ETHER_MTU_OVERHEAD;

	/* Blocking set-up before the loop runs: this is a bench program. */
	stream_fd = listen_path ? bench_unix_accept_one(listen_path) : bench_unix_connect(connect_path, 10000);
	if (stream_fd < 0) {
		fprintf(stderr, "link-tap: no stream: %s\n", strerror(-stream_fd));
		return EXIT_FAILURE;
	}
	r = stream_prepare(stream_fd);
	if (r < 0) {
		fprintf(stderr, "link-tap: cannot prepare the stream: %s\n", strerror(-r));
		return EXIT_FAILURE;
	}

	sigprocmask(SIG_BLOCK, &mask, NULL);
	r = sd_event_default(&event);
	if (r >= 0)
		r = sd_event_add_signal(event, NULL, SIGTERM, on_exit_signal, NULL);
	if (r >= 0)
		r = sd_event_add_signal(event, NULL, SIGINT, on_exit_signal, NULL);
	if (r >= 0)
		r = link_new(&link, event, tap_fd, stream_fd, &config, on_end, event);
	if (r < 0) {
		fprintf(stderr, "link-tap: cannot start the link: %s\n", strerror(-r));
		return EXIT_FAILURE;
	}

	r = sd_event_loop(event);

	st = link_get_stats(link);
	fprintf(stderr, "link-tap: to stream %" PRIu64 " frames, %" PRIu64 " errors; "
	        "to device %" PRIu64 " frames, %" PRIu64 " drops, %" PRIu64 " errors\n",
	        st->to_stream.frames, st->to_stream.errors,
	        st->to_device.frames, st->to_device.drops, st->to_device.errors);
	return r < 0 ? EXIT_FAILURE : r;
}
