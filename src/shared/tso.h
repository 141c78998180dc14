/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * TCP segmentation in software, as a NIC's TSO does it. A device with
 * TSO on (a TAP with TUNSETOFFLOAD) hands out a TCP segment of up to
 * 64 KiB with a virtio net header asking for segmentation (GSO); a stream
 * in length32 framing carries no such header, and its peers (QEMU, passt)
 * take no such frame, so the link cuts it into the segments that would
 * have come one by one: gso_size bytes of payload each, every one with
 * the frame's headers and its own IP length, IPv4 ID (counting up),
 * sequence number and checksums; FIN and PSH only on the last, CWR only
 * on the first. The container's stack hands over one frame for forty, and
 * the daemon reads one.
 *
 * It cuts what the coalescer joins on the way back: untagged IPv4 without
 * options, or IPv6 without extension headers.
 */

#include <net/ethernet.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "frame.h"
#include "vnet.h"

/* The most segments a GSO frame may stand for: the device is told
 * (gso_max_segs), so that cutting in place needs a bounded room. */
#define TSO_SEGMENTS_MAX 64U
/* The headers of a segment it cuts: Ethernet, IPv4 or IPv6, and TCP with
 * the most options. */
#define TSO_HEADER_BYTES_MAX (ETH_HLEN + 40U + 60U)
/* What cutting adds to a frame at most: each segment but the first has a
 * length and a copy of the headers of its own. */
#define TSO_GROWTH_BYTES_MAX ((TSO_SEGMENTS_MAX - 1) * (FRAME_HEADER_BYTES + TSO_HEADER_BYTES_MAX))

/*
 * Cuts the GSO frame of len bytes at frame, which h describes, in place
 * into length32 frames: each segment behind its 4-byte length, the first
 * length in the FRAME_HEADER_BYTES before frame, the rest following. room
 * is how many bytes from frame on may be written. Returns how many bytes
 * the frames take, from frame - FRAME_HEADER_BYTES on, and the number of
 * segments in *ret_segments; or -EINVAL for a frame it does not cut (not
 * TCP as above, a header not matching it, no payload), -EMSGSIZE when a
 * segment would be longer than max_segment_bytes, -ENOBUFS when the
 * segments would need more than room. On error the frame is untouched.
 */
ssize_t tso_cut_framed(const VnetHeader *h, uint8_t *frame, size_t len, size_t room, size_t max_segment_bytes,
                       unsigned *ret_segments);
