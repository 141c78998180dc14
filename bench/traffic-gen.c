/* SPDX-License-Identifier: Apache-2.0 */

/*
 * traffic-gen: the traffic source. Sends fixed-size Ethernet frames at the
 * highest rate it can for a fixed time, either
 *
 *   --ifname NAME     out of a network interface through an AF_PACKET
 *                     socket (run it in the TAP's namespace: the frames go
 *                     out of the TAP, i.e. to whoever reads its fd), or
 *   --connect PATH    into a unix stream, length32-framed, as a host would.
 *
 * AF_PACKET frames skip the qdisc (PACKET_QDISC_BYPASS) and go out in
 * batches with sendmmsg, so the source is as cheap per frame as the kernel
 * allows and the program under test, not the source, sets the pace. A frame
 * the TAP cannot queue is dropped by the TAP and counted there, never here.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"

#define GEN_BATCH_FRAMES 64U
#define GEN_STREAM_WRITE_BYTES (256U * 1024U)
#define GEN_FRAME_MAX_BYTES 65535U
#define FRAME_HEADER_BYTES 4U
#define ETHERTYPE_LOCAL_EXPERIMENTAL 0x88b5

static uint8_t frame[FRAME_HEADER_BYTES + GEN_FRAME_MAX_BYTES];

static void help(void) {
	printf("Usage: traffic-gen (--ifname NAME | --connect PATH) --size BYTES --seconds S\n"
	       "Sends BYTES-byte Ethernet frames as fast as it can for S seconds, out of an\n"
	       "interface (AF_PACKET) or into a unix stream (length32 framing).\n"
	       "Prints \"sent FRAMES BYTES SECONDS\" at the end.\n");
}

static int open_packet(const char *ifname) {
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd, one = 1;

	sll.sll_ifindex = (int) if_nametoindex(ifname);
	if (sll.sll_ifindex == 0) {
		fprintf(stderr, "traffic-gen: no interface %s here: %m\n", ifname);
		return -1;
	}
	/* Protocol 0: this socket only sends, it never receives a copy. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *) &sll, sizeof(sll)) < 0) {
		fprintf(stderr, "traffic-gen: AF_PACKET socket on %s: %m\n", ifname);
		return -1;
	}
	(void) setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return fd;
}

static int send_packets(int fd, size_t size, uint64_t end_ns, BenchCounter *c) {
	struct mmsghdr msgs[GEN_BATCH_FRAMES];
	struct iovec iov = { .iov_base = frame, .iov_len = size };

	for (unsigned i = 0; i < GEN_BATCH_FRAMES; i++)
		msgs[i] = (struct mmsghdr) { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1 } };

	while (!bench_stop && bench_now_ns() < end_ns) {
		int n = sendmmsg(fd, msgs, GEN_BATCH_FRAMES, 0);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
				continue;
			fprintf(stderr, "traffic-gen: sendmmsg: %m\n");
			return -1;
		}
		c->frames += (uint64_t) n;
		c->bytes += (uint64_t) n * size;
	}
	return 0;
}

static int send_stream(int fd, size_t size, uint64_t end_ns, BenchCounter *c) {
	/* Many framed frames per write, as a batching host would send them. */
	size_t per = FRAME_HEADER_BYTES + size;
	size_t count = GEN_STREAM_WRITE_BYTES / per ?: 1;
	uint8_t *buf = malloc(count * per);
	size_t off = 0, len = count * per;

	if (!buf)
		return -1;
	for (size_t i = 0; i < count; i++) {
		uint32_t be = htonl((uint32_t) size);
		memcpy(buf + i * per, &be, FRAME_HEADER_BYTES);
		memcpy(buf + i * per + FRAME_HEADER_BYTES, frame + FRAME_HEADER_BYTES, size);
	}

	while (!bench_stop && bench_now_ns() < end_ns) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "traffic-gen: write: %m\n");
			free(buf);
			return -1;
		}
		off += (size_t) n;
		if (off == len) {
			off = 0;
			c->frames += count;
			c->bytes += count * size;
		}
	}
	free(buf);
	return 0;
}

int main(int argc, char *argv[]) {
	enum { ARG_IFNAME = 0x100, ARG_CONNECT, ARG_SIZE, ARG_SECONDS };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "ifname", required_argument, NULL, ARG_IFNAME },
		{ "connect", required_argument, NULL, ARG_CONNECT },
		{ "size", required_argument, NULL, ARG_SIZE },
		{ "seconds", required_argument, NULL, ARG_SECONDS },
		{}
	};
	const char *ifname = NULL, *path = NULL;
	double seconds = 0;
	uint64_t start;
	BenchCounter c = {};
	size_t size = 0;
	int opt, fd, r;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (opt) {
		case 'h':
			help();
			return EXIT_SUCCESS;
		case ARG_IFNAME:
			ifname = optarg;
			break;
		case ARG_CONNECT:
			path = optarg;
			break;
		case ARG_SIZE:
			size = bench_parse_u64("--size", optarg);
			break;
		case ARG_SECONDS:
			seconds = bench_parse_seconds("--seconds", optarg);
			break;
		default:
			return EXIT_FAILURE;
		}

	if (!ifname == !path || size < 14 || size > GEN_FRAME_MAX_BYTES || seconds <= 0) {
		fprintf(stderr, "traffic-gen: give one of --ifname or --connect, --size 14..65535 and --seconds.\n");
		return EXIT_FAILURE;
	}

	/* Broadcast to an EtherType nobody handles: a TAP takes it as is and
	 * a stack that sees it drops it right away. */
	memset(frame + FRAME_HEADER_BYTES, 0xff, 6);
	memcpy(frame + FRAME_HEADER_BYTES + 6, "\x02\x00\x00\x00\xbe\x01", 6);
	frame[FRAME_HEADER_BYTES + 12] = ETHERTYPE_LOCAL_EXPERIMENTAL >> 8;
	frame[FRAME_HEADER_BYTES + 13] = ETHERTYPE_LOCAL_EXPERIMENTAL & 0xff;

	bench_signals_setup();
	fd = ifname ? open_packet(ifname) : bench_unix_connect(path, 5000);
	if (fd < 0) {
		if (path)
			fprintf(stderr, "traffic-gen: cannot connect to %s: %s\n", path, strerror(-fd));
		return EXIT_FAILURE;
	}

	start = bench_now_ns();
	if (ifname) {
		memmove(frame, frame + FRAME_HEADER_BYTES, size);
		r = send_packets(fd, size, start + (uint64_t) (seconds * 1e9), &c);
	} else
		r = send_stream(fd, size, start + (uint64_t) (seconds * 1e9), &c);
	close(fd);

	printf("sent %llu %llu %.3f\n", (unsigned long long) c.frames, (unsigned long long) c.bytes,
	       (double) (bench_now_ns() - start) / 1e9);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
