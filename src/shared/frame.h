/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The length32 wire framing: every Ethernet frame on a stream is preceded by
 * its length as a 4-byte big-endian integer (QEMU "-netdev stream", passt,
 * gvisor-tap-vsock). See arca-framing(7).
 *
 * FrameDecoder turns whatever a read returned into whole frames: half a
 * header, a frame split over many reads and many frames in one read are all
 * the same to it. A whole frame that sits inside one read is handed out in
 * place; only frames split across reads are copied.
 *
 * FrameQueue is the encoder: frames are framed into one contiguous buffer
 * (a device read lands right behind its header), so one write sends a whole
 * batch. It only ever holds whole frames and only the writer advances it, so
 * after a partial write the stream resumes inside the same frame and is
 * never torn.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_BYTES 4U
#define FRAME_MAX_BYTES_DEFAULT 65535U
/* Upper bound for a configured maximum: a 64 KiB GSO frame with headroom. */
#define FRAME_MAX_BYTES_LIMIT (256U * 1024U)
#define FRAME_QUEUE_BYTES_DEFAULT (256U * 1024U)

/*
 * What a frame is on the wire, behind its length; both ends of a stream
 * are set the same. With FRAMING_VNET each frame starts with a struct
 * virtio_net_hdr (10 bytes, little-endian) carrying checksum and GSO
 * offload metadata, so a TCP segment of up to 64 KiB crosses as one frame;
 * the device fds then read and write that header too (IFF_VNET_HDR,
 * PACKET_VNET_HDR), and the link carries it untouched.
 */
typedef enum Framing {
	FRAMING_LENGTH32,
	FRAMING_VNET,
	_FRAMING_MAX,
	_FRAMING_INVALID = -EINVAL,
} Framing;

#define VNET_HDR_BYTES 10U
/* The header, a VLAN-tagged Ethernet header and the largest IP packet. */
#define FRAME_MAX_BYTES_VNET (VNET_HDR_BYTES + 18U + 65535U)

const char *framing_to_string(Framing f);
Framing framing_from_string(const char *s);
/* The largest frame the framing carries, header included. */
uint32_t framing_max_frame_bytes(Framing f);

/* Called once per decoded frame; a negative return stops decoding and is
 * returned by frame_decoder_feed(). */
typedef int (*FrameHandler)(const uint8_t *frame, size_t len, void *userdata);

typedef struct FrameDecoder {
	uint32_t max_bytes;
	uint8_t header[FRAME_HEADER_BYTES];
	size_t header_have;     /* == FRAME_HEADER_BYTES while inside a body */
	uint32_t body_len;
	size_t body_have;
	uint8_t *body;          /* split frames only; allocated on first need */
	bool broken;            /* a protocol error was seen; stays set */
} FrameDecoder;

void frame_decoder_init(FrameDecoder *d, uint32_t max_bytes);
void frame_decoder_done(FrameDecoder *d);

/* Returns 0, -EBADMSG on a length of 0 or above the maximum (the decoder then
 * refuses all further input), -ENOMEM, or the handler's negative return. */
int frame_decoder_feed(FrameDecoder *d, const uint8_t *data, size_t size,
                       FrameHandler handler, void *userdata);

/* True at a frame boundary: nothing of a frame has been seen yet. */
bool frame_decoder_idle(const FrameDecoder *d);

/* The bytes of the frame begun, as they came (its header, then its body so
 * far), written to buf, which must hold FRAME_HEADER_BYTES + max_bytes;
 * returns how many. Fed to a fresh decoder, they make it where this one
 * is. */
size_t frame_decoder_unfinished(const FrameDecoder *d, uint8_t *buf);

/* True if frame, as handed to the handler, is in the decoder's own buffer
 * (it came split across reads): the same feed may reuse that buffer for
 * the next split frame, so a handler must be done with it on return. A
 * frame handed out in place lives as long as the data fed. */
bool frame_decoder_owns(const FrameDecoder *d, const uint8_t *frame);

typedef struct FrameQueue {
	uint8_t *buf;
	size_t size;
	size_t head;            /* first byte not yet written out */
	size_t tail;            /* end of the queued bytes */
	uint32_t max_bytes;
} FrameQueue;

/* capacity is raised to hold at least two frames of max_bytes. */
int frame_queue_init(FrameQueue *q, size_t capacity, uint32_t max_bytes);
void frame_queue_done(FrameQueue *q);

/* Room for one frame of up to max_bytes, right behind the space for its
 * header, or NULL while the queue is too full. Fill it, then commit. */
uint8_t *frame_queue_reserve(FrameQueue *q);
void frame_queue_commit(FrameQueue *q, size_t len);

/* Room for up to max_slots frames of up to slot_bytes each, for reading
 * many frames at once: slot i starts i * FRAME_QUEUE_SLOT_STRIDE(slot_bytes)
 * after the returned pointer (slot 0 where frame_queue_reserve() puts a
 * frame); *ret_slots says how many fit, NULL if none does. Then commit
 * the frames that came, in slot order, with frame_queue_commit_from():
 * each moves up behind the one before. */
#define FRAME_QUEUE_SLOT_STRIDE(slot_bytes) (FRAME_HEADER_BYTES + (size_t) (slot_bytes))
uint8_t *frame_queue_reserve_slots(FrameQueue *q, size_t slot_bytes, unsigned max_slots,
                                   unsigned *ret_slots);
void frame_queue_commit_from(FrameQueue *q, const uint8_t *frame, size_t len);

/* Commits len bytes at framed that hold whole frames, each behind its
 * header already, as one slot's worth (see tso_cut_framed()): they move up
 * behind the frames before. Returns where they are now. */
uint8_t *frame_queue_commit_framed_from(FrameQueue *q, const uint8_t *framed, size_t len);
/* Copies a frame in; -ENOBUFS when full, -EMSGSIZE when too long or empty. */
int frame_queue_push(FrameQueue *q, const void *frame, size_t len);

/* Puts bytes already framed into an empty queue, to be written first: what
 * another queue had pending, its first frame maybe partly written, so that
 * the stream goes on inside that frame. -ENOBUFS if they do not fit. */
int frame_queue_restore(FrameQueue *q, const void *data, size_t len);

/* The bytes waiting to be written, and how many were written. */
const uint8_t *frame_queue_pending(const FrameQueue *q, size_t *ret_len);
void frame_queue_advance(FrameQueue *q, size_t n);

static inline bool frame_queue_empty(const FrameQueue *q) {
	return q->head == q->tail;
}
