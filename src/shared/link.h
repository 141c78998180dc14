/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A Link forwards Ethernet frames both ways between a device and a stream,
 * on sd-event. It is the one forwarding loop of both daemons.
 *
 * The device side is any fd where one read returns one frame and one write
 * sends one frame: a TAP device, an AF_PACKET socket, a SOCK_SEQPACKET or
 * SOCK_DGRAM socket in tests. The stream side is a byte stream carrying
 * length32 frames (AF_VSOCK or AF_UNIX, SOCK_STREAM). Both fds must be
 * non-blocking; the link borrows them and never closes them.
 *
 * Device to stream: up to LINK_BATCH_FRAMES frames are read per wake-up,
 * many in one system call (batchio.h), straight into the FrameQueue behind
 * their headers, and written with one write. While the queue has no room
 * for another frame, the device is not read at all: the stream's pace is
 * the device's pace, memory is bounded by the queue, and frames only ever
 * drop in the kernel's device queue.
 *
 * Stream to device: each read is decoded in place and every whole frame is
 * written to the device; where the device takes a virtio net header the
 * stream does not carry (strip_vnet_hdr), TCP segments among them are
 * joined first, as GRO does (coalesce.h). A device that cannot take a frame (EAGAIN,
 * ENOBUFS) drops it and the drop is counted; the kernel forces that one.
 *
 * A filter per direction drops frames longer than a limit (never truncating
 * them) and, when the source MAC is locked, frames from another address;
 * both count as drops of that direction. GSO frames (Framing=vnet) are
 * longer than any MTU by design and pass the length check.
 *
 * The owner's Capture, while there is one, gets a copy of every frame
 * forwarded either way, without its virtio net header.
 *
 * A rate limit per direction pauses the reading side instead of dropping;
 * it may change while the link runs.
 * The link ends at most once, when either side closes or fails or the peer
 * breaks the framing, and tells its owner why through the end handler.
 */

#include <net/ethernet.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "capture.h"
#include "macro.h"

typedef struct Link Link;

typedef enum LinkSide {
	LINK_SIDE_DEVICE,
	LINK_SIDE_STREAM,
} LinkSide;

typedef struct LinkCounters {
	uint64_t frames;
	uint64_t bytes;           /* frame bytes, without framing headers */
	uint64_t errors;          /* read/write failures on the way */
	uint64_t drops;           /* frames the receiving side refused */
	uint64_t protocol_errors; /* broken framing from the stream peer */
} LinkCounters;

/* Owned by the link's owner so that counters continue across links (one
 * per host connection). */
typedef struct LinkStats {
	LinkCounters to_stream;   /* device -> stream */
	LinkCounters to_device;   /* stream -> device */
} LinkStats;

/* What one direction lets through. */
typedef struct LinkFilter {
	uint32_t max_ether_bytes; /* Ethernet frame, header included; 0: any */
	bool lock_source;         /* only frames from source pass */
	struct ether_addr source;
} LinkFilter;

typedef struct LinkConfig {
	uint32_t max_frame_bytes; /* 0: FRAME_MAX_BYTES_DEFAULT; below FRAME_MAX_BYTES_LIMIT */
	uint32_t header_bytes;    /* before the Ethernet header: VNET_HDR_BYTES or 0 */
	/* The device reads and writes a virtio net header the stream does not
	 * carry (length32 over a PACKET_VNET_HDR socket): checksums the device
	 * left to be done are completed and the header dropped on the way to
	 * the stream, frames to the device get an empty one, or one asking for
	 * segmentation when TCP segments from the stream were joined. GSO
	 * frames from the device are cut into segments where cut_gso (see
	 * tso.h), and dropped otherwise. */
	bool strip_vnet_hdr;
	/* The device hands out GSO frames (TSO on), of at most
	 * TSO_SEGMENTS_MAX segments; with strip_vnet_hdr only. */
	bool cut_gso;
	LinkFilter to_stream;
	LinkFilter to_device;
	size_t queue_bytes;       /* 0: FRAME_QUEUE_BYTES_DEFAULT, or more for large slots */
	uint64_t rate_to_stream;  /* bytes per second; 0: unlimited */
	uint64_t rate_to_device;
	LinkStats *stats;         /* NULL: the link keeps its own */
	/* Where the owner keeps its capture (NULL: nowhere): read for each
	 * frame, so a capture may start and end while the link lives. */
	Capture *const *capture;
} LinkConfig;

/*
 * Called once, when the link stops forwarding. error is 0 when the side
 * closed in order (EOF), a negative errno otherwise: -EBADMSG for broken
 * framing. The handler may free the link.
 */
typedef void (*LinkEndHandler)(Link *link, LinkSide side, int error, void *userdata);

#define LINK_BATCH_FRAMES 64U

int link_new(Link **ret, sd_event *event, int device_fd, int stream_fd,
             const LinkConfig *config, LinkEndHandler on_end, void *userdata);
Link *link_free(Link *link);
DEFINE_POINTER_CLEANUP(Link, link_free);

const LinkStats *link_get_stats(const Link *link);

/*
 * What a link holds that its fds do not: the bytes of a frame begun on the
 * stream (from_stream) and those framed for it but not yet written, the
 * first frame maybe partly (to_stream). A daemon that restarts hands them
 * to the next one's link on the same fds, which goes on with them
 * (link_resume()), so that neither side of the stream sees it torn.
 */
typedef struct LinkUnfinished {
	uint8_t *from_stream;
	size_t from_stream_len;
	uint8_t *to_stream;
	size_t to_stream_len;
} LinkUnfinished;

/* Copies what link has unfinished; -ENOMEM. */
int link_get_unfinished(const Link *link, LinkUnfinished *ret);
/* Goes on with what another link left unfinished, before anything else of
 * its own: -EINVAL for from_stream bytes that hold a whole frame or break
 * the framing, -ENOBUFS for to_stream bytes its queue cannot hold. */
int link_resume(Link *link, const LinkUnfinished *u);
void link_unfinished_done(LinkUnfinished *u);

/* Changes the rate limits (bytes per second, 0: none) of a running link:
 * from now on, with a full bucket, and a direction paused by the old
 * limit reads again at once. */
void link_set_rate(Link *link, uint64_t rate_to_stream, uint64_t rate_to_device);

const char *link_side_to_string(LinkSide side);
