/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <net/ethernet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "batchio.h"
#include "coalesce.h"
#include "frame.h"
#include "link.h"
#include "log.h"
#include "macro.h"
#include "ratelimit.h"
#include "tso.h"
#include "unaligned.h"
#include "vnet.h"

/* How much one stream read may take; several frames at the usual MTU. */
#define LINK_READ_BYTES (128U * 1024U)
/* The longest GSO frame a device hands out: an Ethernet header, IPv6's,
 * and the most payload it may announce. */
#define LINK_GSO_FRAME_BYTES_MAX (ETH_HLEN + 40U + 65535U)
/* Device reads a queue of the default size has room for at least, where
 * a slot must hold a 64 KiB frame (Framing=vnet, or GSO frames to cut):
 * with the three that 256 KiB holds, a device's small frames cost a
 * system call each third. 16 slots of 64 KiB are about 1 MiB, touched
 * only as frames come. */
#define LINK_QUEUE_SLOTS_MIN 16U
/* Stream reads per wake-up, so one busy link cannot starve the others. */
#define LINK_STREAM_READS 4U
/* A paused direction wakes when its credit is back, not up to sd-event's
 * default of 250 ms later: that would halve the rate a limit gives. */
#define LINK_RATE_TIMER_ACCURACY_USEC 1U

/* What a stream read brought, in whatever link: one buffer for the whole
 * process, since a read's frames are written, or kept elsewhere, before
 * its handler returns (see on_stream_event()). Its pages cost nothing
 * until a read touches them. */
static uint8_t stream_read_buf[LINK_READ_BYTES];

/* One batch of device reads: each into a slot of the queue, behind a
 * virtio net header of its own where strip_vnet_hdr. */
typedef struct DeviceReads {
	struct iovec iov[2 * LINK_BATCH_FRAMES];
	uint8_t headers[LINK_BATCH_FRAMES][VNET_HDR_BYTES];
	ssize_t results[LINK_BATCH_FRAMES];
} DeviceReads;

/* Device writes waiting to be made together: each frame where the stream
 * read left it, behind its header where strip_vnet_hdr. */
typedef struct DeviceWrites {
	const Link *owner;        /* whose writes they are, while n > 0 */
	unsigned n;
	struct iovec iov[2 * LINK_BATCH_FRAMES];
	uint8_t headers[LINK_BATCH_FRAMES][VNET_HDR_BYTES];
	unsigned frames[LINK_BATCH_FRAMES];  /* frames offered, joined into it */
	uint64_t bytes[LINK_BATCH_FRAMES];
	ssize_t results[LINK_BATCH_FRAMES];
} DeviceWrites;

/* One set for the process, not one per link: the loop is single-threaded
 * and a batch never outlives the callback that made it (device reads are
 * done with when on_device_readable() returns, device writes are made
 * before on_stream_event() reads the stream again or returns), so a
 * connected link costs no more than its queue and buffers. */
static DeviceReads device_reads;
static DeviceWrites device_writes;

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

	BatchIO *batchio;         /* device I/O, many frames per system call */
	uint32_t max_bytes;       /* the largest frame the stream carries */
	size_t slot_bytes;        /* what one device read may bring */
	unsigned read_ahead;      /* device reads to ask for next time */
	Coalescer *coalescer;     /* joins TCP segments on their way to the device */

	Direction to_stream;
	Direction to_device;
	LinkStats own_stats;
	LinkStats *stats;
	Capture *const *capture;
	uint32_t header_bytes;
	bool strip_vnet_hdr;
	bool cut_gso;

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

	read_device = !l->to_stream.paused &&
	              frame_queue_reserve_slots(&l->queue, l->slot_bytes, 1, &(unsigned) {0});
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
		r = sd_event_add_time(l->event, &d->timer, CLOCK_MONOTONIC, now + wait, LINK_RATE_TIMER_ACCURACY_USEC,
		                      on_rate_timer, l);
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

/* Whether the Ethernet frame at eth comes from the filter's source. */
static bool source_is(const LinkFilter *f, const uint8_t *eth) {
	return memcmp(eth + ETH_ALEN, f->source.ether_addr_octet, ETH_ALEN) == 0;
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
	return !f->lock_source || source_is(f, eth);
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

/* A frame from the device, cut where TSO left it whole (see tso.h): its
 * segments, each behind its length, take the place of the frame in the
 * queue. n bytes are in slot, which has room for slot_bytes. Returns how
 * many segments were queued, 0 when the frame is refused. */
static unsigned link_queue_segments(Link *l, const VnetHeader *h, uint8_t *slot, size_t n) {
	const LinkFilter *f = &l->to_stream.filter;
	uint32_t max_segment = f->max_ether_bytes > 0 ? MIN(f->max_ether_bytes, l->max_bytes) : l->max_bytes;
	LinkCounters *c = l->to_stream.counters;
	unsigned segments;
	ssize_t total;
	uint8_t *p;

	/* A read that filled its slot was cut short. */
	if (n < ETH_HLEN || n >= l->slot_bytes || (f->lock_source && !source_is(f, slot)))
		return 0;
	total = tso_cut_framed(h, slot, n, l->slot_bytes, max_segment, &segments);
	if (total < 0)
		return 0;

	p = frame_queue_commit_framed_from(&l->queue, slot - FRAME_HEADER_BYTES, (size_t) total);
	for (unsigned k = 0; k < segments; k++) {
		size_t len = unaligned_read_be32(p);

		link_capture(l, p + FRAME_HEADER_BYTES, len);
		c->frames++;
		c->bytes += len;
		ratelimit_consume(&l->to_stream.limit, len);
		p += FRAME_HEADER_BYTES + len;
	}
	return segments;
}

/* A frame the device returned: n bytes into slot, after the virtio net
 * header in raw where strip_vnet_hdr. Queues it, or its segments, and
 * counts them; returns false for one that cannot go to the stream as it
 * is, which the caller counts. */
static bool link_queue_device_frame(Link *l, const uint8_t *raw, uint8_t *slot, size_t n) {
	LinkCounters *c = l->to_stream.counters;
	VnetHeader h;

	if (l->strip_vnet_hdr) {
		if (n < VNET_HDR_BYTES)
			return false;
		n -= VNET_HDR_BYTES;
		vnet_header_parse(raw, &h);
		if (h.gso_type != VNET_HDR_GSO_NONE)
			return l->cut_gso && link_queue_segments(l, &h, slot, n) > 0;
	}
	/* Less than an Ethernet header is no frame, and none could go as
	 * length32, which has no empty frames. */
	if (n < l->header_bytes + ETH_HLEN)
		return false;
	/* A frame longer than its slot was cut to it; the read says
	 * slot_bytes, one more than the stream or the filter lets through
	 * (see link_slot_bytes()), or, on kernels whose TAP reports the whole
	 * frame, more. It is dropped, never sent cut. */
	if (n > l->max_bytes)
		return false;
	if (l->strip_vnet_hdr && vnet_complete_checksum(&h, slot, n) < 0)
		return false;
	if (!direction_passes(l, &l->to_stream, slot, n))
		return false;

	link_capture(l, slot, n);
	frame_queue_commit_from(&l->queue, slot, n);
	c->frames++;
	c->bytes += n;
	ratelimit_consume(&l->to_stream.limit, n);
	return true;
}

/* How many reads to ask for next: twice what came last time, so a busy
 * device is read in big batches and a quiet one costs a read or two. */
static unsigned next_read_ahead(unsigned frames) {
	return MIN(MAX(2 * frames, 2U), LINK_BATCH_FRAMES);
}

static int on_device_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	Link *l = userdata;
	LinkCounters *c = l->to_stream.counters;
	size_t stride = FRAME_QUEUE_SLOT_STRIDE(l->slot_bytes);
	unsigned budget = LINK_BATCH_FRAMES;
	bool more = true;
	int r;

	while (more && budget > 0) {
		unsigned want, slots, got, frames = 0;
		uint8_t *base;

		if (!direction_admit(l, &l->to_stream))
			break;

		/* Under a rate limit, one frame at a time, so that a batch
		 * cannot overshoot it. */
		want = ratelimit_enabled(&l->to_stream.limit) ? 1 : MIN(l->read_ahead, budget);
		base = frame_queue_reserve_slots(&l->queue, l->slot_bytes, want, &slots);
		if (!base)
			break;

		for (unsigned i = 0, k = 0; i < slots; i++) {
			if (l->strip_vnet_hdr)
				device_reads.iov[k++] = (struct iovec) { device_reads.headers[i], VNET_HDR_BYTES };
			device_reads.iov[k++] = (struct iovec) { base + i * stride, l->slot_bytes };
		}
		got = batchio_readv(l->batchio, l->device_fd, device_reads.iov, l->strip_vnet_hdr ? 2 : 1,
		                    slots, device_reads.results);
		budget -= slots;

		for (unsigned i = 0; i < got; i++) {
			ssize_t n = device_reads.results[i];
			uint8_t *slot = base + i * stride;

			if (n == -EAGAIN || n == -EINTR) {
				/* Later reads in the batch may still have
				 * found a frame that came meanwhile. */
				more = false;
				continue;
			}
			if (n == -ENETDOWN) {
				/* The device is down; it may come back up. */
				c->errors++;
				more = false;
				continue;
			}
			if (n < 0) {
				c->errors++;
				link_end(l, LINK_SIDE_DEVICE, (int) n);
				return 0;
			}
			if (n == 0) {
				link_end(l, LINK_SIDE_DEVICE, 0);
				return 0;
			}

			if (link_queue_device_frame(l, device_reads.headers[i], slot, (size_t) n))
				frames++;
			else
				c->drops++;
		}
		if (got < slots)
			more = false;
		l->read_ahead = next_read_ahead(frames);
	}

	r = link_flush(l);
	if (r < 0) {
		link_end(l, LINK_SIDE_STREAM, r);
		return 0;
	}

	link_update(l);
	return 0;
}

/* Counts what became of one device write standing for `frames` frames of
 * `bytes` bytes. Returns 0, also when the device refused it, or the
 * negative errno when the device is gone. */
static int link_count_write(Link *l, ssize_t result, unsigned frames, uint64_t bytes) {
	LinkCounters *c = l->to_device.counters;

	if (result >= 0) {
		c->frames += frames;
		c->bytes += bytes;
		ratelimit_consume(&l->to_device.limit, bytes);
		return 0;
	}
	switch (-result) {
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
		return (int) result;
	default:
		/* EIO while the TAP is down, EMSGSIZE above the MTU: this
		 * frame is lost, the link is fine. */
		c->errors++;
		return 0;
	}
}

/* Makes the waiting device writes, in order. Returns 0, or a negative
 * errno when the device is gone. */
static int link_submit_writes(Link *l) {
	DeviceWrites *w = &device_writes;
	unsigned n = w->n;
	int r;

	if (n == 0)
		return 0;
	assert(w->owner == l);
	w->n = 0;

	(void) batchio_writev(l->batchio, l->device_fd, w->iov, l->strip_vnet_hdr ? 2 : 1, n, w->results);
	for (unsigned i = 0; i < n; i++) {
		r = link_count_write(l, w->results[i], w->frames[i], w->bytes[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Queues a device write of frame, with header before it where
 * strip_vnet_hdr, standing for `frames` frames of `bytes` bytes: the
 * CoalescerWrite. The frame must stay where it is until the writes are
 * made: at the end of the stream read that brought it, or now, when the
 * batch is full or the frame is in a buffer about to be reused. Returns 0
 * or a negative errno when the device is gone. */
static int link_write_device(const uint8_t *header, const uint8_t *frame, size_t len,
                             unsigned frames, uint64_t bytes, void *userdata) {
	Link *l = userdata;
	DeviceWrites *w = &device_writes;
	struct iovec *iov = w->iov + (l->strip_vnet_hdr ? 2 : 1) * w->n;

	assert(w->n == 0 || w->owner == l);
	w->owner = l;

	if (l->strip_vnet_hdr) {
		memcpy(w->headers[w->n], header, VNET_HDR_BYTES);
		*iov++ = (struct iovec) { w->headers[w->n], VNET_HDR_BYTES };
	}
	*iov = (struct iovec) { (void *) frame, len };
	w->frames[w->n] = frames;
	w->bytes[w->n] = bytes;
	w->n++;

	if (w->n == LINK_BATCH_FRAMES || frame_decoder_owns(&l->decoder, frame) ||
	    (l->coalescer && coalescer_owns(l->coalescer, frame)))
		return link_submit_writes(l);
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
			int k;

			if (!direction_admit(l, &l->to_device))
				break;

			n = read(l->stream_fd, stream_read_buf, LINK_READ_BYTES);
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

			r = frame_decoder_feed(&l->decoder, stream_read_buf, (size_t) n, deliver_to_device, l);
			/* What a read brought, joined or not, is written before
			 * the next read: the frames are in its buffer. Also
			 * those before a protocol error. */
			if (l->coalescer) {
				k = coalescer_flush(l->coalescer);
				if (r >= 0)
					r = k;
			}
			k = link_submit_writes(l);
			if (r >= 0)
				r = k;
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

/* How much one device read may bring: one byte more than may go on, so
 * that a longer frame, cut to its slot, still reads as too long and is
 * dropped. Where the link cuts GSO frames, one more than the longest of
 * them and what cutting adds, since the segments take the frame's place.
 * Otherwise one more than the to-stream filter lets through where it
 * limits the length and GSO frames cannot come (not Framing=vnet), so
 * that many slots fit in the queue; or one more than the stream
 * carries. */
static size_t link_slot_bytes(const LinkConfig *config, uint32_t max_bytes) {
	if (config->strip_vnet_hdr && config->cut_gso)
		return LINK_GSO_FRAME_BYTES_MAX + TSO_GROWTH_BYTES_MAX + 1;
	if (config->header_bytes == 0 && config->to_stream.max_ether_bytes > 0)
		return (size_t) MIN(config->to_stream.max_ether_bytes, max_bytes) + 1;
	return (size_t) max_bytes + 1;
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
	/* Below the limit: a device read may bring one byte more. */
	if (max_bytes >= FRAME_MAX_BYTES_LIMIT || device_fd < 0 || stream_fd < 0)
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
	l->cut_gso = config->strip_vnet_hdr && config->cut_gso;
	l->to_stream.filter = config->to_stream;
	l->to_device.filter = config->to_device;
	l->to_stream.filtering = config->to_stream.max_ether_bytes > 0 || config->to_stream.lock_source;
	l->to_device.filtering = config->to_device.max_ether_bytes > 0 || config->to_device.lock_source;

	(void) sd_event_now(event, CLOCK_MONOTONIC, &now);
	ratelimit_init(&l->to_stream.limit, config->rate_to_stream, 0, now);
	ratelimit_init(&l->to_device.limit, config->rate_to_device, 0, now);

	l->max_bytes = max_bytes;
	l->slot_bytes = link_slot_bytes(config, max_bytes);
	frame_decoder_init(&l->decoder, max_bytes);
	r = frame_queue_init(&l->queue,
	                     config->queue_bytes ?: MAX(FRAME_QUEUE_BYTES_DEFAULT,
	                                                LINK_QUEUE_SLOTS_MIN * FRAME_QUEUE_SLOT_STRIDE(l->slot_bytes)),
	                     MAX(max_bytes + 1, (uint32_t) l->slot_bytes));
	if (r < 0)
		return r;

	r = batchio_acquire(&l->batchio);
	if (r < 0)
		return r;
	l->read_ahead = next_read_ahead(1);

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
	batchio_unref(l->batchio);
	coalescer_free(l->coalescer);
	sd_event_unref(l->event);
	free(l);
	return NULL;
}

const LinkStats *link_get_stats(const Link *l) {
	return l->stats;
}

int link_get_unfinished(const Link *l, LinkUnfinished *ret) {
	_cleanup_free_ uint8_t *from = NULL, *to = NULL;
	const uint8_t *pending;
	size_t from_len, to_len;

	from_len = 0;
	if (!frame_decoder_idle(&l->decoder)) {
		from = malloc(FRAME_HEADER_BYTES + l->max_bytes);
		if (!from)
			return -ENOMEM;
		from_len = frame_decoder_unfinished(&l->decoder, from);
	}
	pending = frame_queue_pending(&l->queue, &to_len);
	if (to_len > 0) {
		to = malloc(to_len);
		if (!to)
			return -ENOMEM;
		memcpy(to, pending, to_len);
	}
	*ret = (LinkUnfinished) {
		.from_stream = TAKE_PTR(from),
		.from_stream_len = from_len,
		.to_stream = TAKE_PTR(to),
		.to_stream_len = to_len,
	};
	return 0;
}

static int refuse_whole_frame(const uint8_t *frame, size_t len, void *userdata) {
	return -EINVAL;
}

int link_resume(Link *l, const LinkUnfinished *u) {
	int r;

	if (!frame_decoder_idle(&l->decoder) || !frame_queue_empty(&l->queue))
		return -EBUSY;
	r = frame_decoder_feed(&l->decoder, u->from_stream, u->from_stream_len, refuse_whole_frame, NULL);
	if (r == -EBADMSG)
		r = -EINVAL;
	if (r >= 0)
		r = frame_queue_restore(&l->queue, u->to_stream, u->to_stream_len);
	if (r < 0) {
		/* A decoder fed half is no good: start again. */
		frame_decoder_done(&l->decoder);
		frame_decoder_init(&l->decoder, l->max_bytes);
		return r;
	}
	link_update(l);
	return 0;
}

void link_unfinished_done(LinkUnfinished *u) {
	free(u->from_stream);
	free(u->to_stream);
	*u = (LinkUnfinished) {};
}

static void direction_set_rate(Direction *d, uint64_t rate, uint64_t now) {
	ratelimit_init(&d->limit, rate, 0, now);
	if (d->paused) {
		d->paused = false;
		(void) sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
	}
}

void link_set_rate(Link *l, uint64_t rate_to_stream, uint64_t rate_to_device) {
	uint64_t now = 0;

	(void) sd_event_now(l->event, CLOCK_MONOTONIC, &now);
	direction_set_rate(&l->to_stream, rate_to_stream, now);
	direction_set_rate(&l->to_device, rate_to_device, now);
	link_update(l);
}
