/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "macro.h"
#include "pcap-copy.h"

#define PCAP_FILE_HEADER_BYTES 24U
#define PCAP_RECORD_HEADER_BYTES 16U
#define PCAP_CAPLEN_OFFSET 8U          /* in a record header */
#define PCAP_MAGIC_USEC 0xa1b2c3d4U
#define PCAP_MAGIC_USEC_SWAPPED 0xd4c3b2a1U
/* Above any snap length a reader accepts. */
#define PCAP_CAPLEN_MAX (256U * 1024U * 1024U)
#define PCAP_COPY_BUFFER_BYTES (256U * 1024U)

/* Where the copy is in the stream: filling a header, or passing a body. */
typedef struct PcapCursor {
	uint8_t header[PCAP_FILE_HEADER_BYTES];
	size_t header_have;
	size_t header_need;     /* 24 for the file header, then 16 */
	bool swapped;           /* the writer's byte order is not ours */
	uint64_t body_left;
	uint64_t records;
} PcapCursor;

static bool pcap_cursor_at_boundary(const PcapCursor *c) {
	return c->header_need == PCAP_RECORD_HEADER_BYTES && c->header_have == 0 && c->body_left == 0;
}

/* Bytes to read to finish the record (or file header) the cursor is in. */
static size_t pcap_cursor_rest(const PcapCursor *c) {
	if (c->body_left > 0)
		return (size_t) MIN(c->body_left, (uint64_t) SIZE_MAX);
	return c->header_need - c->header_have;
}

static uint32_t read_u32(const uint8_t *p, bool swapped) {
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap32(v) : v;
}

/* Follows n bytes of the stream. */
static int pcap_cursor_advance(PcapCursor *c, const uint8_t *p, size_t n) {
	while (n > 0) {
		size_t take;

		if (c->body_left > 0) {
			take = (size_t) MIN((uint64_t) n, c->body_left);
			c->body_left -= take;
			p += take;
			n -= take;
			continue;
		}

		take = MIN(n, c->header_need - c->header_have);
		memcpy(c->header + c->header_have, p, take);
		c->header_have += take;
		p += take;
		n -= take;
		if (c->header_have < c->header_need)
			break;

		c->header_have = 0;
		if (c->header_need == PCAP_FILE_HEADER_BYTES) {
			uint32_t magic = read_u32(c->header, false);

			if (magic != PCAP_MAGIC_USEC && magic != PCAP_MAGIC_USEC_SWAPPED)
				return -EBADMSG;
			c->swapped = magic == PCAP_MAGIC_USEC_SWAPPED;
			c->header_need = PCAP_RECORD_HEADER_BYTES;
			continue;
		}
		c->body_left = read_u32(c->header + PCAP_CAPLEN_OFFSET, c->swapped);
		if (c->body_left > PCAP_CAPLEN_MAX)
			return -EBADMSG;
		c->records++;
	}
	return 0;
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

int pcap_copy(int in_fd, int out_fd, int stop_fd, PcapCopyResult *result) {
	PcapCursor cursor = { .header_need = PCAP_FILE_HEADER_BYTES };
	uint8_t buf[PCAP_COPY_BUFFER_BYTES];
	bool stopping = false;
	uint64_t drain = 0;     /* what the pipe held when told to stop */
	int r;

	*result = (PcapCopyResult) {};
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = in_fd, .events = POLLIN },
			{ .fd = stopping ? -1 : stop_fd, .events = POLLIN },
		};
		size_t want;
		ssize_t n;

		if (stopping && drain == 0 && pcap_cursor_at_boundary(&cursor))
			break;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (fds[1].revents) {
			int avail = 0;

			/* What was captured before the stop is kept. */
			(void) ioctl(in_fd, FIONREAD, &avail);
			drain = avail > 0 ? (uint64_t) avail : 0;
			stopping = true;
			result->stopped = true;
			continue;
		}

		/* Once stopping, nothing written after the stop is read beyond
		 * the end of the record under way. */
		want = sizeof(buf);
		if (stopping)
			want = MIN(want, drain > 0 ? (size_t) drain : pcap_cursor_rest(&cursor));
		n = read(in_fd, buf, want);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			break;

		r = pcap_cursor_advance(&cursor, buf, (size_t) n);
		if (r < 0)
			return r;
		r = write_all(out_fd, buf, (size_t) n);
		if (r < 0)
			return r;
		result->bytes += (uint64_t) n;
		drain -= MIN(drain, (uint64_t) n);
		/* A record counts once it is whole. */
		result->frames = cursor.records - (cursor.body_left > 0 ? 1 : 0);
	}

	if (!pcap_cursor_at_boundary(&cursor))
		return -EBADMSG;
	return 0;
}
