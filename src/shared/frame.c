/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "macro.h"
#include "unaligned.h"

void frame_decoder_init(FrameDecoder *d, uint32_t max_bytes) {
	*d = (FrameDecoder) {
		.max_bytes = max_bytes > 0 ? MIN(max_bytes, FRAME_MAX_BYTES_LIMIT) : FRAME_MAX_BYTES_DEFAULT,
	};
}

void frame_decoder_done(FrameDecoder *d) {
	free(d->body);
	d->body = NULL;
}

bool frame_decoder_idle(const FrameDecoder *d) {
	return d->header_have == 0;
}

bool frame_decoder_owns(const FrameDecoder *d, const uint8_t *frame) {
	return d->body && frame >= d->body && frame < d->body + d->max_bytes;
}

size_t frame_decoder_unfinished(const FrameDecoder *d, uint8_t *buf) {
	if (d->header_have < FRAME_HEADER_BYTES) {
		memcpy(buf, d->header, d->header_have);
		return d->header_have;
	}
	/* A header that came whole in one read was never copied. */
	unaligned_write_be32(buf, d->body_len);
	if (d->body_have > 0)
		memcpy(buf + FRAME_HEADER_BYTES, d->body, d->body_have);
	return FRAME_HEADER_BYTES + d->body_have;
}

static int decoder_start_body(FrameDecoder *d, uint32_t len) {
	if (len == 0 || len > d->max_bytes) {
		d->broken = true;
		return -EBADMSG;
	}
	d->body_len = len;
	d->body_have = 0;
	d->header_have = FRAME_HEADER_BYTES;
	return 0;
}

int frame_decoder_feed(FrameDecoder *d, const uint8_t *data, size_t size,
                       FrameHandler handler, void *userdata) {
	int r;

	if (d->broken)
		return -EBADMSG;

	while (size > 0) {
		if (d->header_have < FRAME_HEADER_BYTES) {
			uint32_t len;

			if (d->header_have == 0 && size >= FRAME_HEADER_BYTES) {
				len = unaligned_read_be32(data);
				data += FRAME_HEADER_BYTES;
				size -= FRAME_HEADER_BYTES;
			} else {
				size_t n = MIN(FRAME_HEADER_BYTES - d->header_have, size);

				memcpy(d->header + d->header_have, data, n);
				d->header_have += n;
				data += n;
				size -= n;
				if (d->header_have < FRAME_HEADER_BYTES)
					break;
				len = unaligned_read_be32(d->header);
			}

			r = decoder_start_body(d, len);
			if (r < 0)
				return r;
		}

		if (d->body_have == 0 && size >= d->body_len) {
			/* The whole frame is in this read: hand it out in place. */
			size_t len = d->body_len;

			d->header_have = 0;
			r = handler(data, len, userdata);
			if (r < 0)
				return r;
			data += len;
			size -= len;
			continue;
		}

		if (!d->body) {
			d->body = malloc(d->max_bytes);
			if (!d->body)
				return -ENOMEM;
		}

		size_t n = MIN(d->body_len - d->body_have, size);
		memcpy(d->body + d->body_have, data, n);
		d->body_have += n;
		data += n;
		size -= n;

		if (d->body_have == d->body_len) {
			d->header_have = 0;
			r = handler(d->body, d->body_len, userdata);
			if (r < 0)
				return r;
		}
	}

	return 0;
}

int frame_queue_init(FrameQueue *q, size_t capacity, uint32_t max_bytes) {
	if (max_bytes == 0 || max_bytes > FRAME_MAX_BYTES_LIMIT)
		return -EINVAL;

	capacity = MAX(capacity, 2 * ((size_t) max_bytes + FRAME_HEADER_BYTES));
	*q = (FrameQueue) {
		.buf = malloc(capacity),
		.size = capacity,
		.max_bytes = max_bytes,
	};
	return q->buf ? 0 : -ENOMEM;
}

void frame_queue_done(FrameQueue *q) {
	free(q->buf);
	*q = (FrameQueue) {};
}

uint8_t *frame_queue_reserve_slots(FrameQueue *q, size_t slot_bytes, unsigned max_slots,
                                   unsigned *ret_slots) {
	size_t stride = FRAME_QUEUE_SLOT_STRIDE(slot_bytes), room;

	assert(slot_bytes > 0 && slot_bytes <= q->max_bytes && max_slots > 0);

	if (q->head == q->tail)
		q->head = q->tail = 0;

	/* A frame's header goes in front of it when committed, so slots are
	 * a header apart and no frame moves past the next slot's start. */
	if (q->size - q->tail < stride * max_slots && q->head > 0) {
		/* Slide the unwritten bytes to the front. At most one
		 * queue's worth, and only when the writer lags. */
		memmove(q->buf, q->buf + q->head, q->tail - q->head);
		q->tail -= q->head;
		q->head = 0;
	}

	room = q->size - q->tail;
	if (room < stride)
		return NULL;

	*ret_slots = (unsigned) MIN((size_t) max_slots, room / stride);
	return q->buf + q->tail + FRAME_HEADER_BYTES;
}

uint8_t *frame_queue_reserve(FrameQueue *q) {
	unsigned slots;

	return frame_queue_reserve_slots(q, q->max_bytes, 1, &slots);
}

uint8_t *frame_queue_commit_framed_from(FrameQueue *q, const uint8_t *framed, size_t len) {
	uint8_t *to = q->buf + q->tail;

	assert(len > FRAME_HEADER_BYTES);
	assert(framed >= to && framed + len <= q->buf + q->size);

	if (framed != to)
		memmove(to, framed, len);
	q->tail += len;
	return to;
}

void frame_queue_commit_from(FrameQueue *q, const uint8_t *frame, size_t len) {
	assert(len > 0 && len <= q->max_bytes);
	assert(frame >= q->buf + q->tail + FRAME_HEADER_BYTES);

	/* Its header goes in the room before it, which its slot has. */
	unaligned_write_be32((uint8_t *) frame - FRAME_HEADER_BYTES, (uint32_t) len);
	frame_queue_commit_framed_from(q, frame - FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + len);
}

void frame_queue_commit(FrameQueue *q, size_t len) {
	frame_queue_commit_from(q, q->buf + q->tail + FRAME_HEADER_BYTES, len);
}

int frame_queue_push(FrameQueue *q, const void *frame, size_t len) {
	uint8_t *slot;

	if (len == 0 || len > q->max_bytes)
		return -EMSGSIZE;

	slot = frame_queue_reserve(q);
	if (!slot)
		return -ENOBUFS;

	memcpy(slot, frame, len);
	frame_queue_commit(q, len);
	return 0;
}

int frame_queue_restore(FrameQueue *q, const void *data, size_t len) {
	assert(frame_queue_empty(q));

	if (len > q->size)
		return -ENOBUFS;
	if (len > 0)
		memcpy(q->buf, data, len);
	q->head = 0;
	q->tail = len;
	return 0;
}

const uint8_t *frame_queue_pending(const FrameQueue *q, size_t *ret_len) {
	*ret_len = q->tail - q->head;
	return q->buf + q->head;
}

void frame_queue_advance(FrameQueue *q, size_t n) {
	assert(n <= q->tail - q->head);
	q->head += n;
	if (q->head == q->tail)
		q->head = q->tail = 0;
}

static const char *const framing_names[_FRAMING_MAX] = {
	[FRAMING_LENGTH32] = "length32",
	[FRAMING_VNET] = "vnet",
};

const char *framing_to_string(Framing f) {
	return f >= 0 && f < _FRAMING_MAX ? framing_names[f] : NULL;
}

Framing framing_from_string(const char *s) {
	for (Framing f = 0; f < _FRAMING_MAX; f++)
		if (s && strcmp(s, framing_names[f]) == 0)
			return f;
	return _FRAMING_INVALID;
}

uint32_t framing_max_frame_bytes(Framing f) {
	return f == FRAMING_VNET ? FRAME_MAX_BYTES_VNET : FRAME_MAX_BYTES_DEFAULT;
}
