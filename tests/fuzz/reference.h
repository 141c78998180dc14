/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the fuzz targets hold the shared core against, written apart from
 * it and as plainly as it can be: the Internet checksum a 16-bit word at a
 * time, TCP segments built and checked field by field, and a GSO frame cut
 * into segments as a NIC's TSO cuts it. None of it shares code with
 * src/shared beyond the constants of the formats.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define REF_ETH_BYTES 14U
#define REF_IPV4_BYTES 20U
#define REF_IPV6_BYTES 40U
#define REF_TCP_BYTES 20U
#define REF_TCP_FIN 0x01U
#define REF_TCP_PSH 0x08U
#define REF_TCP_CWR 0x80U
#define REF_TCP_ACK 0x10U
#define REF_IP_DF 0x4000U

/* The one's complement sum of big-endian 16-bit words, folded, not
 * inverted; an odd last byte is padded with zero. */
uint16_t ref_sum(uint32_t sum, const uint8_t *p, size_t len);

/* Where the parts of an untagged IPv4 (without options) or IPv6 TCP
 * segment are; false for anything else or a length that does not fit. */
typedef struct RefTcp {
	bool ipv6;
	size_t tcp;             /* offset of the TCP header */
	size_t data;            /* offset of the payload */
	size_t end;             /* where the IP packet ends */
} RefTcp;

bool ref_tcp_parse(const uint8_t *f, size_t len, RefTcp *ret);

/* The pseudo-header's sum of a segment, for a TCP length of tcp_len. */
uint32_t ref_pseudo_sum(const uint8_t *f, const RefTcp *t, size_t tcp_len);

/* Whether the IPv4 header's (where there is one) and TCP's checksums hold. */
bool ref_tcp_checksums_valid(const uint8_t *f, const RefTcp *t);

/* Fills in the IPv4 header's checksum (if IPv4) and TCP's. */
void ref_tcp_fill_checksums(uint8_t *f, const RefTcp *t);

/* Segment i of n (n = ceil(payload / gso_size)) of the GSO frame f, as
 * TSO makes it: the headers of f with the lengths, the IPv4 ID (counting
 * up from f's), the sequence number and the checksums of that segment; FIN
 * and PSH only on the last, CWR only on the first. Written to out (room
 * for len bytes); returns its length. */
size_t ref_gso_segment(const uint8_t *f, const RefTcp *t, size_t gso_size, size_t i, uint8_t *out);
size_t ref_gso_segments(const RefTcp *t, size_t gso_size);

/* Frames in the order they were offered, each a copy. The copies share
 * one buffer, which the queue keeps while it lives: a run that allocated
 * for each frame spent more time in the allocator than in the code it
 * checks. */
typedef struct RefFrame {
	uint8_t *frame;
	size_t at;              /* where frame starts in the buffer */
	size_t len;
} RefFrame;

typedef struct RefFrames {
	RefFrame *v;
	size_t head, n, allocated;
	uint8_t *bytes;
	size_t used, bytes_allocated;
} RefFrames;

void ref_frames_push(RefFrames *q, const uint8_t *frame, size_t len);
static inline size_t ref_frames_left(const RefFrames *q) {
	return q->n - q->head;
}
/* Forgets the first k. */
void ref_frames_pop(RefFrames *q, size_t k);
/* Forgets every frame and keeps the memory for the next run. */
void ref_frames_clear(RefFrames *q);
void ref_frames_done(RefFrames *q);

/* Four TCP flows, the odd ones IPv6, and where each stands. */
#define REF_FLOWS 4U
#define REF_SEGMENT_BYTES_MAX 9000U

typedef struct RefFlows {
	uint32_t seq[REF_FLOWS];
	uint16_t ip_id[REF_FLOWS];
} RefFlows;

/*
 * The next segment of flow f into buf (REF_SEGMENT_BYTES_MAX), as the four
 * bytes of op say: the payload size, then flags: PSH, a gap in the
 * sequence, DF off, the reserved bit (IPv4) or another flow label (IPv6),
 * FIN, an IP ID that skips, and a byte changed (at the third, by the
 * fourth) before or after the checksums are filled in. Returns its length.
 */
size_t ref_segment_make(RefFlows *flows, unsigned f, const uint8_t op[static 4], uint8_t *buf);

/*
 * Asserts that a frame written behind the virtio net header h, standing
 * for the n frames at offered, is those frames: one, as it came, behind an
 * empty header; or joined, with a header asking for segmentation that says
 * what it holds, and cut as TSO cuts it, the frames offered but for their
 * checksums, which must hold in both, and the IPv4 ID of a DF segment,
 * which Linux's GRO does not compare either.
 */
void ref_check_written(const uint8_t h[static VNET_HDR_BYTES], const uint8_t *frame, size_t len,
                       const RefFrame *offered, size_t n);
