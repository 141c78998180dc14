/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "frame.h"
#include "handover.h"
#include "macro.h"

/* The layout, in the machine's byte order: the next daemon runs on the
 * same machine. A change of layout changes the magic. */
#define HANDOVER_MAGIC "arcaho01"

typedef struct HandoverHeader {
	char magic[8];
	uint32_t from_stream_len;
	uint32_t to_stream_len;
	uint64_t stream_inode;
	PortCounters counters;
} HandoverHeader;

static int write_all(int fd, const void *data, size_t len) {
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

int handover_write(const Handover *h) {
	const LinkUnfinished *u = &h->unfinished;
	HandoverHeader header = {
		.magic = HANDOVER_MAGIC,
		.from_stream_len = (uint32_t) u->from_stream_len,
		.to_stream_len = (uint32_t) u->to_stream_len,
		.stream_inode = h->stream_inode,
		.counters = h->counters,
	};
	_cleanup_close_ int fd = -1;
	int r;

	if (u->from_stream_len > UINT32_MAX || u->to_stream_len > UINT32_MAX)
		return -EMSGSIZE;

	fd = memfd_create("arca-handover", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	r = write_all(fd, &header, sizeof(header));
	if (r >= 0)
		r = write_all(fd, u->from_stream, u->from_stream_len);
	if (r >= 0)
		r = write_all(fd, u->to_stream, u->to_stream_len);
	if (r < 0)
		return r;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* Reads len bytes at offset into a new buffer (NULL for none). */
static int read_bytes(int fd, off_t offset, size_t len, uint8_t **ret) {
	_cleanup_free_ uint8_t *buf = NULL;
	ssize_t n;

	*ret = NULL;
	if (len == 0)
		return 0;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	n = pread(fd, buf, len, offset);
	if (n < 0)
		return -errno;
	if ((size_t) n != len)
		return -EBADMSG;
	*ret = TAKE_PTR(buf);
	return 0;
}

int handover_read(int fd, Handover *ret) {
	Handover h = {};
	HandoverHeader header;
	ssize_t n;
	int r;

	/* The fd store's copy shares its file offset with the writer's. */
	n = pread(fd, &header, sizeof(header), 0);
	if (n < 0)
		return -errno;
	if ((size_t) n != sizeof(header) || memcmp(header.magic, HANDOVER_MAGIC, sizeof(header.magic)) != 0)
		return -EBADMSG;
	/* No more than a frame begun, no more than a queue holds. */
	if (header.from_stream_len > FRAME_HEADER_BYTES + FRAME_MAX_BYTES_LIMIT ||
	    header.to_stream_len > 64U * FRAME_MAX_BYTES_LIMIT)
		return -EBADMSG;

	h.counters = header.counters;
	h.stream_inode = header.stream_inode;
	h.unfinished.from_stream_len = header.from_stream_len;
	h.unfinished.to_stream_len = header.to_stream_len;
	r = read_bytes(fd, sizeof(header), header.from_stream_len, &h.unfinished.from_stream);
	if (r >= 0)
		r = read_bytes(fd, (off_t) (sizeof(header) + header.from_stream_len), header.to_stream_len,
		               &h.unfinished.to_stream);
	if (r < 0) {
		handover_done(&h);
		return r;
	}
	*ret = h;
	return 0;
}

void handover_done(Handover *h) {
	link_unfinished_done(&h->unfinished);
}
