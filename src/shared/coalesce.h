/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A Coalescer joins consecutive segments of a TCP stream, as they come
 * from a length32 stream, into one frame of up to 64 KiB with a virtio net
 * header asking for segmentation (GSO): the device (a TAP, or a packet
 * socket, with a vnet header) takes it in one write and the stack behind
 * it handles one packet instead of forty. It is what GRO does in a NIC's
 * driver, and merges only what GRO would:
 *
 * - IPv4 without options or fragments, or IPv6 without extension headers,
 *   in an untagged Ethernet frame;
 * - TCP segments with data and no flag but ACK (PSH ends a run), with the
 *   same addresses, ports, TOS/traffic class, TTL, ack, window and options;
 * - each continuing the sequence of the one before, all of the size of the
 *   first, but for the last, which may be shorter and ends the run.
 *
 * Each segment's checksums are verified before it joins: a corrupt one is
 * written alone, as it came, for the stack to drop. The joined frame goes
 * with its TCP checksum left to the device (NEEDS_CSUM), which is what a
 * stack expects of a GSO frame.
 *
 * Frames are written in the order they came: a frame that cannot join
 * first flushes what is held. The owner flushes at the end of each batch,
 * so nothing waits for a frame that is not coming.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "macro.h"

typedef struct Coalescer Coalescer;

/*
 * Writes one frame to the device: header (VNET_HDR_BYTES, all zero for a
 * frame as it came), then the Ethernet frame; it stands for `frames`
 * frames offered, of `bytes` bytes in all. What it returns, if negative,
 * coalescer_add() or coalescer_flush() returns.
 */
typedef int (*CoalescerWrite)(const uint8_t *header, const uint8_t *frame, size_t len,
                              unsigned frames, uint64_t bytes, void *userdata);

int coalescer_new(Coalescer **ret, CoalescerWrite write, void *userdata);
Coalescer *coalescer_free(Coalescer *c);
DEFINE_POINTER_CLEANUP(Coalescer, coalescer_free);

/* Offers one Ethernet frame: it joins those held, or is held to be joined,
 * or is written. Returns < 0 if a write did. */
int coalescer_add(Coalescer *c, const uint8_t *frame, size_t len);

/* Writes what is held. */
int coalescer_flush(Coalescer *c);

/* True if frame, as handed to the write function, is in the coalescer's
 * own buffer (a joined or held frame), which the next call reuses: a
 * writer that defers writes must write this one before returning. */
bool coalescer_owns(const Coalescer *c, const uint8_t *frame);
