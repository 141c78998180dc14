/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"

/* What the pipe should hold, so a reader that is busy for a moment misses
 * nothing: as much as /proc/sys/fs/pipe-max-size allows by default, more
 * where the daemon may (CAP_SYS_RESOURCE) and the limit was raised. */
#define CAPTURE_PIPE_BYTES (4U * 1024U * 1024U)
#define CAPTURE_PIPE_BYTES_FALLBACK (1024U * 1024U)

/* pcap's file format, in host byte order (readers tell from the magic). */
#define PCAP_MAGIC_USEC 0xa1b2c3d4U
#define PCAP_VERSION_MAJOR 2U
#define PCAP_VERSION_MINOR 4U
#define PCAP_LINKTYPE_ETHERNET 1U

typedef struct PcapFileHeader {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
} PcapFileHeader;

typedef struct PcapRecordHeader {
	uint32_t sec;
	uint32_t usec;
	uint32_t caplen;        /* bytes that follow */
	uint32_t len;           /* bytes the frame had */
} PcapRecordHeader;

typedef enum CaptureEnd {
	CAPTURE_RUNNING,
	CAPTURE_READER_LEFT,
	CAPTURE_FRAME_CAP,
	CAPTURE_BYTE_CAP,
	CAPTURE_FAILED,
} CaptureEnd;

struct Capture {
	int fd;
	char *name;
	CaptureLimits limits;
	CaptureCounters counters;
	CaptureEnd end;         /* why it ends; frames wait no longer */
	/* The rest of a record the pipe took only in part. */
	uint8_t *pending;
	size_t pending_len;
	size_t pending_off;

	/* Watches the pipe: EPOLLOUT while a record waits; errors always. */
	sd_event_source *pipe_source;
	sd_event_source *end_source;
	CaptureEndHandler on_end;
	void *userdata;
};

static const char *capture_end_to_string(CaptureEnd end) {
	switch (end) {
	case CAPTURE_READER_LEFT:
		return "the reader closed the pipe";
	case CAPTURE_FRAME_CAP:
		return "frame cap reached";
	case CAPTURE_BYTE_CAP:
		return "byte cap reached";
	case CAPTURE_FAILED:
		return "writing to the pipe failed";
	default:
		return "stopped";
	}
}

/* Closes the pipe and lets the owner know from the event loop. */
static void capture_close(Capture *c) {
	if (c->fd < 0)
		return;
	c->pipe_source = sd_event_source_disable_unref(c->pipe_source);
	c->fd = safe_close(c->fd);
	log_info("%s: capture ended (%s): %" PRIu64 " frames, %" PRIu64 " bytes, %" PRIu64
	         " frames missed by a slow reader.", c->name, capture_end_to_string(c->end),
	         c->counters.frames, c->counters.bytes, c->counters.missed);
	(void) sd_event_source_set_enabled(c->end_source, SD_EVENT_ONESHOT);
}

static void capture_finish(Capture *c, CaptureEnd why) {
	if (c->end == CAPTURE_RUNNING)
		c->end = why;
	/* The reader still gets the last record whole. */
	if (c->pending_len == 0 || why == CAPTURE_READER_LEFT || why == CAPTURE_FAILED)
		capture_close(c);
}

/* Writes what waits. Returns 0 once nothing does, 1 while the pipe is
 * full, < 0 when the pipe failed. */
static int capture_flush(Capture *c) {
	while (c->pending_off < c->pending_len) {
		ssize_t n = write(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 1;
			return -errno;
		}
		c->pending_off += (size_t) n;
	}
	free(c->pending);
	c->pending = NULL;
	c->pending_len = c->pending_off = 0;
	return 0;
}

/* Keeps what the pipe did not take of iov (total bytes), past the first
 * `done` bytes. */
static int capture_keep(Capture *c, const struct iovec *iov, size_t n_iov, size_t total, size_t done) {
	size_t off = 0;

	c->pending = malloc(total - done);
	if (!c->pending)
		return -ENOMEM;
	for (size_t i = 0; i < n_iov; i++) {
		size_t skip = MIN(done, iov[i].iov_len);

		memcpy(c->pending + off, (const uint8_t *) iov[i].iov_base + skip, iov[i].iov_len - skip);
		off += iov[i].iov_len - skip;
		done -= skip;
	}
	c->pending_len = off;
	c->pending_off = 0;
	return sd_event_source_set_io_events(c->pipe_source, EPOLLOUT);
}

/* Writes one record, or all of it that fits. Returns 0, or -EAGAIN when
 * nothing could be written, or another negative errno. */
static int capture_write(Capture *c, const struct iovec *iov, size_t n_iov) {
	size_t total = 0;
	ssize_t n;

	for (size_t i = 0; i < n_iov; i++)
		total += iov[i].iov_len;
	do
		n = writev(c->fd, iov, (int) n_iov);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t) n < total)
		return capture_keep(c, iov, n_iov, total, (size_t) n);
	return 0;
}

static void capture_fail(Capture *c, int error) {
	if (error == -EPIPE) {
		capture_finish(c, CAPTURE_READER_LEFT);
		return;
	}
	log_warning_errno(error, "%s: failed to write captured frames: %m", c->name);
	capture_finish(c, CAPTURE_FAILED);
}

void capture_frame(Capture *c, const uint8_t *frame, size_t len) {
	struct timespec now;
	PcapRecordHeader h;
	struct iovec iov[2];
	int r;

	if (!c || c->end != CAPTURE_RUNNING)
		return;
	if (c->pending_len > 0) {
		c->counters.missed++;
		return;
	}

	(void) clock_gettime(CLOCK_REALTIME, &now);
	h = (PcapRecordHeader) {
		.sec = (uint32_t) now.tv_sec,
		.usec = (uint32_t) (now.tv_nsec / NSEC_PER_USEC),
		.caplen = (uint32_t) MIN(len, (size_t) c->limits.snap_bytes),
		.len = (uint32_t) len,
	};
	if (c->counters.bytes + sizeof(h) + h.caplen > c->limits.max_bytes) {
		capture_finish(c, CAPTURE_BYTE_CAP);
		return;
	}

	iov[0] = (struct iovec) { .iov_base = &h, .iov_len = sizeof(h) };
	iov[1] = (struct iovec) { .iov_base = (void *) frame, .iov_len = h.caplen };
	r = capture_write(c, iov, ELEMENTSOF(iov));
	if (r == -EAGAIN) {
		c->counters.missed++;
		return;
	}
	if (r < 0) {
		capture_fail(c, r);
		return;
	}

	c->counters.frames++;
	c->counters.bytes += sizeof(h) + h.caplen;
	if (c->counters.frames >= c->limits.max_frames)
		capture_finish(c, CAPTURE_FRAME_CAP);
}

static int on_pipe(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	Capture *c = userdata;
	int r;

	if (revents & (EPOLLERR | EPOLLHUP)) {
		capture_finish(c, CAPTURE_READER_LEFT);
		return 0;
	}

	r = capture_flush(c);
	if (r < 0) {
		capture_fail(c, r);
		return 0;
	}
	if (r > 0)
		return 0;
	if (c->end != CAPTURE_RUNNING)
		capture_close(c);
	else
		(void) sd_event_source_set_io_events(c->pipe_source, 0);
	return 0;
}

static int on_end(sd_event_source *s, void *userdata) {
	Capture *c = userdata;

	if (c->on_end)
		c->on_end(c, c->userdata);
	return 0;
}

int capture_new(Capture **ret, sd_event *event, int pipe_fd, const char *name,
                const CaptureLimits *limits, CaptureEndHandler on_end_handler, void *userdata) {
	_cleanup_close_ int fd = pipe_fd;
	_cleanup_(capture_freep) Capture *c = NULL;
	PcapFileHeader header;
	struct iovec iov;
	int r;

	if (fd < 0 || (limits && limits->max_bytes > 0 && limits->max_bytes < CAPTURE_MAX_BYTES_MIN))
		return -EINVAL;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (Capture) {
		.fd = -1,
		.name = strdup(name),
		.on_end = on_end_handler,
		.userdata = userdata,
	};
	if (!c->name)
		return -ENOMEM;
	if (limits)
		c->limits = *limits;
	if (c->limits.max_frames == 0)
		c->limits.max_frames = CAPTURE_MAX_FRAMES_DEFAULT;
	if (c->limits.max_bytes == 0)
		c->limits.max_bytes = CAPTURE_MAX_BYTES_DEFAULT;
	if (c->limits.snap_bytes == 0)
		c->limits.snap_bytes = CAPTURE_SNAP_BYTES_DEFAULT;

	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return -errno;
	/* A smaller pipe only means more frames missed. */
	if (fcntl(fd, F_SETPIPE_SZ, CAPTURE_PIPE_BYTES) < 0)
		(void) fcntl(fd, F_SETPIPE_SZ, CAPTURE_PIPE_BYTES_FALLBACK);

	r = sd_event_add_io(event, &c->pipe_source, fd, 0, on_pipe, c);
	if (r < 0)
		return r;
	(void) sd_event_source_set_description(c->pipe_source, "capture-pipe");
	r = sd_event_add_defer(event, &c->end_source, on_end, c);
	if (r < 0)
		return r;
	(void) sd_event_source_set_enabled(c->end_source, SD_EVENT_OFF);
	(void) sd_event_source_set_description(c->end_source, "capture-end");
	c->fd = TAKE_FD(fd);

	header = (PcapFileHeader) {
		.magic = PCAP_MAGIC_USEC,
		.version_major = PCAP_VERSION_MAJOR,
		.version_minor = PCAP_VERSION_MINOR,
		.snaplen = c->limits.snap_bytes,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	iov = (struct iovec) { .iov_base = &header, .iov_len = sizeof(header) };
	/* An empty pipe takes it whole. */
	r = capture_write(c, &iov, 1);
	if (r < 0)
		return r;
	c->counters.bytes = sizeof(header);

	*ret = TAKE_PTR(c);
	return 0;
}

Capture *capture_free(Capture *c) {
	if (!c)
		return NULL;
	if (c->fd >= 0)
		capture_close(c);
	sd_event_source_disable_unref(c->pipe_source);
	sd_event_source_disable_unref(c->end_source);
	free(c->pending);
	free(c->name);
	free(c);
	return NULL;
}

const CaptureCounters *capture_get_counters(const Capture *c) {
	return &c->counters;
}
