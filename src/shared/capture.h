/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A Capture writes the frames a link forwards, both ways, into a pipe as a
 * pcap file (the classic format tcpdump and tshark read, LINKTYPE_ETHERNET,
 * microsecond timestamps), for `arcactl capture`.
 *
 * It never slows forwarding down: the pipe is non-blocking, and a frame
 * that finds the pipe full is not captured, only counted. A record the pipe
 * takes only in part is finished before any other frame is written, so the
 * reader always gets whole records, and memory stays at one record.
 *
 * The capture ends when the reader closes its end of the pipe, when a cap
 * (frames, bytes) is reached, or when the owner frees it. Then the pipe is
 * closed, so the reader sees the end of the file, and the owner's end
 * handler runs from the event loop, never from within capture_frame(): a
 * link may capture freely while the owner frees the capture in its handler.
 */

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"

typedef struct Capture Capture;

/* What a frame is cut to, in pcap's terms; tcpdump's default. */
#define CAPTURE_SNAP_BYTES_DEFAULT 262144U
#define CAPTURE_MAX_FRAMES_DEFAULT 1000000U
#define CAPTURE_MAX_BYTES_DEFAULT (1024ULL * 1024U * 1024U)
/* The smallest cap that holds the file header and one record. */
#define CAPTURE_MAX_BYTES_MIN 128U

typedef struct CaptureLimits {
	uint64_t max_frames;    /* records in the file; 0: the default */
	uint64_t max_bytes;     /* size of the file, headers included; 0: the default */
	uint32_t snap_bytes;    /* bytes kept of each frame; 0: the default */
} CaptureLimits;

typedef struct CaptureCounters {
	uint64_t frames;        /* records written */
	uint64_t bytes;         /* size of the file so far */
	uint64_t missed;        /* frames not captured: the reader was too slow */
} CaptureCounters;

typedef void (*CaptureEndHandler)(Capture *c, void *userdata);

/*
 * Starts a capture into the write end of a pipe (taken over, even on
 * failure) and writes the file header. name says whose frames these are,
 * for the log ("eth1", "relay 5001").
 */
int capture_new(Capture **ret, sd_event *event, int pipe_fd, const char *name,
                const CaptureLimits *limits, CaptureEndHandler on_end, void *userdata);
Capture *capture_free(Capture *c);
DEFINE_POINTER_CLEANUP(Capture, capture_free);

/* One Ethernet frame, as forwarded; a capture that has ended ignores it. */
void capture_frame(Capture *c, const uint8_t *frame, size_t len);

const CaptureCounters *capture_get_counters(const Capture *c);
