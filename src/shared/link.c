/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <net/ethernet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "coalesce.h"
#include "frame.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "ratelimit.h"
#include "vnet.h"

/* How much one stream read may take; several frames at the usual MTU. */
#define LINK_READ_BYTES (128U * 1024U)
/* Stream reads per wake-up, so one busy link cannot starve the others. */
#define LINK_STREAM_READS 4U

typedef struct Direction {
	LinkFilter filter;
	bool filtering;           /* the filter checks anything at all */
	RateLimit limit;
	sd_event_source *timer;   /* wakes a reader paused by the limit */
	bool paused;
	LinkCounters *counters;
} Direction;

struct Link {
	sd_event *event;
	int device_fd;
	int stream_fd;
	sd_event_source *device_source;
	sd_event_source *stream_source;

	FrameQueue queue;         /* device -> stream */
	FrameDecoder decoder;     /* stream -> device */
	uint8_t *read_buf;
	Coalescer *coalescer;     /* joins TCP segments on their way to the device */

	Direction to_stream;
	Direction to_device;
	LinkStats own_stats;
	LinkStats *stats;
	Capture *const *capture;
	uint32_t header_bytes;
	bool strip_vnet_hdr;

	LinkEndHandler on_end;
	void *userdata;
	bool ended;
};

const char *link_side_to_string(LinkSide side) {
	return side == LINK_SIDE_DEVICE ? "device" : "stream";
}

static void link_update(Link *l) {
	bool read_device, read_stream, write_stream;
	uint32_t events;

	if (l->ended)
		return;

	read_device = !l->to_stream.paused && frame_queue_reserve(&l->queue);
	read_stream = !l->to_device.paused;
	write_stream = !frame_queue_empty(&l->queue);

	(void) sd_event_source_set_enabled(l->device_source, read_device ? SD_EVENT_ON : SD_EVENT_OFF);

	events = (read_stream ? EPOLLIN : 0) | (write_stream ? EPOLLOUT : 0);
	if (events != 0)
		(void) sd_event_source_set_io_events(l->stream_source, events);
	(void) sd_event_source_set_enabled(l->stream_source, events ? SD_EVENT_ON : SD_EVENT_OFF);
}

/* Stops forwarding and tells the owner; the caller must return right after,
 * since the owner may have freed the link. */
static void link_end(Link *l, LinkSide side, int error) {
	if (l->ended)
		return;
	l->ended = true;

	(void) sd_event_source_set_enabled(l->device_source, SD_EVENT_OFF);
	(void) sd_event_source_set_enabled(l->stream_source, SD_EVENT_OFF);
	(void) sd_event_source_set_enabled(l->to_stream.timer, SD_EVENT_OFF);
	(void) sd_event_source_set_enabled(l->to_device.timer, SD_EVENT_OFF);

	if (l->on_end)
		l->on_end(l, side, error, l->userdata);
}

static int on_rate_timer(sd_event_source *s, uint64_t usec, void *userdata) {
	Link *l = userdata;
	Direction *d = s == l->to_stream.timer ? &l->to_stream : &l->to_device;

	d->paused = false;
	link_update(l);
	return 0;
}

/* True if the direction may read now; otherwise pauses it until the rate
 * limit has credit again. */
static bool direction_admit(Link *l, Direction *d) {
	uint64_t now, wait;
	int r;

	if (!ratelimit_enabled(&d->limit))
		return true;

	(void) sd_event_now(l->event, CLOCK_MONOTONIC, &now);
	wait = ratelimit_wait_usec(&d->limit, now);
	if (wait == 0)
		return true;

	if (!d->timer)
		r = sd_event_add_time(l->event, &d->timer, CLOCK_MONOTONIC, now + wait, 0, on_rate_timer, l);
	else {
		r = sd_event_source_set_time(d->timer, now + wait);
		if (r >= 0)
			r = sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
	}
	if (r < 0) {
		/* Without a timer we cannot pause; forwarding on beats stalling. */
		log_warning_errno(r, "Failed to arm rate limit timer, not limiting: %m");
		return true;
	}

	d->paused = true;
	return false;
}

/* Whether a frame (with its header_bytes in front) passes d's filter. */
static bool direction_passes(const Link *l, const Direction *d, const uint8_t *frame, size_t len) {
	const LinkFilter *f = &d->filter;
	const uint8_t *eth = frame + l->header_bytes;
	size_t eth_len;

	if (!d->filtering)
		return true;
	if (len < l->header_bytes + ETH_HLEN)
		return false;
	eth_len = len - l->header_bytes;

	/* virtio_net_hdr: flags, then gso_type; a GSO frame is cut to size
	 * where it is delivered. */
	if (f->max_ether_bytes > 0 && eth_len > f->max_ether_bytes &&
	    !(l->header_bytes >= 2 && frame[1] != 0))
		return false;
	if (f->lock_source && memcmp(eth + ETH_ALEN, f->source.ether_addr_octet, ETH_ALEN) != 0)
		return false;
	return true;
}

/* A forwarded frame, with its header_bytes in front, to the capture. */
static void link_capture(const Link *l, const uint8_t *frame, size_t len) {
	if (l->capture && *l->capture && len >= l->header_bytes)
		capture_frame(*l->capture, frame + l->header_bytes, len - l->header_bytes);
}

/* Writes what the queue holds. Returns 0 (done or the stream is full), or a
 * negative errno when the stream failed. */
static int link_flush(Link *l) {
	while (!frame_queue_empty(&l->queue)) {
		const uint8_t *p;
		size_t len;
		ssize_t n;

		p = frame_queue_pending(&l->queue, &len);
		n = send(l->stream_fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == ENOTSOCK)
			n = write(l->stream_fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			l->to_stream.counters->errors++;
			return -errno;
		}
		frame_queue_advance(&l->queue, (size_t) n);
	}
	return 0;
}

#define LINK_FRAME_REFUSED ((ssize_t) -2)

/* One frame from the device into buf, as read() returns, or
 * LINK_FRAME_REFUSED for one that cannot go to the stream as it is. */
static ssize_t link_read_device(Link *l, uint8_t *buf) {
	uint8_t raw[VNET_HDR_BYTES];
	struct iovec iov[2] = {
		{ .iov_base = raw, .iov_len = sizeof(raw) },
		{ .iov_base = buf, .iov_len = l->queue.max_bytes },
	};
	VnetHeader h;
	ssize_t n;

	if (!l->strip_vnet_hdr)
		return read(l->device_fd, buf, l->queue.max_bytes);

	n = readv(l->device_fd, iov, 2);
	if (n <= 0)
		return n;
	if ((size_t) n < sizeof(raw))
		return LINK_FRAME_REFUSED;
	n -= (ssize_t) sizeof(raw);
	vnet_header_parse(raw, &h);
	if (h.gso_type != VNET_HDR_GSO_NONE || vnet_complete_checksum(&h, buf, (size_t) n) < 0)
		return LINK_FRAME_REFUSED;
	return n;
}

static int on_device_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	Link *l = userdata;
	LinkCounters *c = l->to_stream.counters;
	int r;

	for (unsigned i = 0; i < LINK_BATCH_FRAMES; i++) {
		uint8_t *slot;
		ssize_t n;

		if (!direction_admit(l, &l->to_stream))
			break;

		slot = frame_queue_reserve(&l->queue);
		if (!slot)
			break;

		n = link_read_device(l, slot);
		if (n == LINK_FRAME_REFUSED) {
			c->drops++;
			continue;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == ENETDOWN) {
				/* The device is down; it may come back up. */
				c->errors++;
				break;
			}
			c->errors++;
			link_end(l, LINK_SIDE_DEVICE, -errno);
			return 0;
		}
		if (n == 0) {
			link_end(l, LINK_SIDE_DEVICE, 0);
			return 0;
		}
		if (!direction_passes(l, &l->to_stream, slot, (size_t) n)) {
			/* The slot is reused by the next frame. */
			c->drops++;
			continue;
		}

		link_capture(l, slot, (size_t) n);
		frame_queue_commit(&l->queue, (size_t) n);
		c->frames++;
		c->bytes += (uint64_t) n;
		ratelimit_consume(&l->to_stream.limit, (uint64_t) n);
	}

	r = link_flush(l);
	if (r < 0) {
		link_end(l, LINK_SIDE_STREAM, r);
		return 0;
	}

	link_update(l);
	return 0;
}

/* Writes one frame, with header before it unless NULL, standing for
 * `frames` frames of `bytes` bytes. Returns 0, also when the device
 * refused it (counted), or a negative errno when the device is gone. */
static int link_write_device(const uint8_t *header, const uint8_t *frame, size_t len,
                             unsigned frames, uint64_t bytes, void *userdata) {
	Link *l = userdata;
	LinkCounters *c = l->to_device.counters;

	for (;;) {
		struct iovec iov[2] = {
			{ .iov_base = (void *) header, .iov_len = VNET_HDR_BYTES },
			{ .iov_base = (void *) frame, .iov_len = len },
		};
		ssize_t n = header ? writev(l->device_fd, iov, 2) : write(l->device_fd, frame, len);
		if (n >= 0)
			break;
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
		case ENOBUFS:
			c->drops += frames;
			return 0;
		case ENODEV:
		case ENXIO:
		case EBADFD:
		case EPIPE:
		case ECONNREFUSED:
		case ECONNRESET:
			c->errors++;
			return -errno;
		default:
			/* EIO while the TAP is down, EMSGSIZE above the MTU:
			 * this frame is lost, the link is fine. */
			c->errors++;
			return 0;
		}
	}

	c->frames += frames;
	c->bytes += bytes;
	ratelimit_consume(&l->to_device.limit, bytes);
	return 0;
}

static int deliver_to_device(const uint8_t *frame, size_t len, void *userdata) {
	Link *l = userdata;

	if (!direction_passes(l, &l->to_device, frame, len)) {
		l->to_device.counters->drops++;
		return 0;
	}
	link_capture(l, frame, len);

	/* A device with a header of its own: through the coalescer. */
	if (l->coalescer)
		return coalescer_add(l->coalescer, frame, len);
	return link_write_device(NULL, frame, len, 1, len, l);
}

static int on_stream_event(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	Link *l = userdata;
	LinkCounters *c = l->to_device.counters;
	int r;

	if (revents & EPOLLOUT) {
		r = link_flush(l);
		if (r < 0) {
			link_end(l, LINK_SIDE_STREAM, r);
			return 0;
		}
	}

	if ((revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !l->to_device.paused)
		for (unsigned i = 0; i < LINK_STREAM_READS; i++) {
			ssize_t n;

			if (!direction_admit(l, &l->to_device))
				break;

			n = read(l->stream_fd, l->read_buf, LINK_READ_BYTES);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				c->errors++;
				link_end(l, LINK_SIDE_STREAM, -errno);
				return 0;
			}
			if (n == 0) {
				if (!frame_decoder_idle(&l->decoder))
					c->drops++;   /* the peer left mid-frame */
				link_end(l, LINK_SIDE_STREAM, 0);
				return 0;
			}

			r = frame_decoder_feed(&l->decoder, l->read_buf, (size_t) n, deliver_to_device, l);
			/* What a read brought, joined or not, is written before
			 * the next read. */
			if (r >= 0 && l->coalescer)
				r = coalescer_flush(l->coalescer);
			if (r == -EBADMSG) {
				c->protocol_errors++;
				link_end(l, LINK_SIDE_STREAM, r);
				return 0;
			}
			if (r < 0) {
				link_end(l, LINK_SIDE_DEVICE, r);
				return 0;
			}
			if ((size_t) n < LINK_READ_BYTES)
				break;
		}

	link_update(l);
	return 0;
}

int link_new(Link **ret, sd_event *event, int device_fd, int stream_fd,
             const LinkConfig *config, LinkEndHandler on_end, void *userdata) {
	static const LinkConfig defaults = {};
	_cleanup_(link_freep) Link *l = NULL;
	uint32_t max_bytes;
	uint64_t now;
	int r;

	if (!config)
		config = &defaults;
	max_bytes = config->max_frame_bytes ?: FRAME_MAX_BYTES_DEFAULT;
	if (max_bytes > FRAME_MAX_BYTES_LIMIT || device_fd < 0 || stream_fd < 0)
		return -EINVAL;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;

	*l = (Link) {
		.event = sd_event_ref(event),
		.device_fd = device_fd,
		.stream_fd = stream_fd,
		.on_end = on_end,
		.userdata = userdata,
	};
	l->stats = config->stats ?: &l->own_stats;
	l->to_stream.counters = &l->stats->to_stream;
	l->to_device.counters = &l->stats->to_device;
	l->capture = config->capture;
	l->header_bytes = config->header_bytes;
	l->strip_vnet_hdr = config->strip_vnet_hdr;
	l->to_stream.filter = config->to_stream;
	l->to_device.filter = config->to_device;
	l->to_stream.filtering = config->to_stream.max_ether_bytes > 0 || config->to_stream.lock_source;
	l->to_device.filtering = config->to_device.max_ether_bytes > 0 || config->to_device.lock_source;

	(void) sd_event_now(event, CLOCK_MONOTONIC, &now);
	ratelimit_init(&l->to_stream.limit, config->rate_to_stream, 0, now);
	ratelimit_init(&l->to_device.limit, config->rate_to_device, 0, now);

	frame_decoder_init(&l->decoder, max_bytes);
	r = frame_queue_init(&l->queue, config->queue_bytes ?: FRAME_QUEUE_BYTES_DEFAULT, max_bytes);
	if (r < 0)
		return r;

	l->read_buf = malloc(LINK_READ_BYTES);
	if (!l->read_buf)
		return -ENOMEM;

	if (config->strip_vnet_hdr) {
		r = coalescer_new(&l->coalescer, link_write_device, l);
		if (r < 0)
			return r;
	}

	r = sd_event_add_io(event, &l->device_source, device_fd, EPOLLIN, on_device_readable, l);
	if (r < 0)
		return r;
	r = sd_event_add_io(event, &l->stream_source, stream_fd, EPOLLIN, on_stream_event, l);
	if (r < 0)
		return r;

	(void) sd_event_source_set_description(l->device_source, "link-device");
	(void) sd_event_source_set_description(l->stream_source, "link-stream");

	*ret = TAKE_PTR(l);
	return 0;
}

Link *link_free(Link *l) {
	if (!l)
		return NULL;

	sd_event_source_disable_unref(l->device_source);
	sd_event_source_disable_unref(l->stream_source);
	sd_event_source_disable_unref(l->to_stream.timer);
	sd_event_source_disable_unref(l->to_device.timer);
	frame_queue_done(&l->queue);
	frame_decoder_done(&l->decoder);
	free(l->read_buf);
	coalescer_free(l->coalescer);
	sd_event_unref(l->event);
	free(l);
	return NULL;
}

const LinkStats *link_get_stats(const Link *l) {
	return l->stats;
}
