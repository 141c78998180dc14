/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <net/ethernet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "coalesce.h"
#include "unaligned.h"
#include "vnet.h"

#define IPV4_HDR_BYTES 20U      /* without options: all we join */
#define IPV6_HDR_BYTES 40U
#define TCP_HDR_BYTES_MIN 20U
#define TCP_CHECK_OFFSET 16U
#define TCP_FLAG_PSH 0x08U
#define TCP_FLAG_ACK 0x10U
#define IP_DF 0x4000U
/* Everything of flags and fragment offset but DF: the reserved bit, MF and
 * the offset. GRO joins no segment with any of them. */
#define IP_NOT_DF 0xbfffU
#define IPPROTO_TCP_NUMBER 6U
/* An IPv4 packet's total length, or an IPv6 packet's payload length. */
#define IP_LENGTH_MAX 65535U
/* The largest frame joined: an Ethernet header, IPv6's, and its payload. */
#define COALESCE_FRAME_BYTES (ETH_HLEN + IPV6_HDR_BYTES + IP_LENGTH_MAX)

/* Before a frame written as it came: it asks for nothing. */
static const uint8_t vnet_hdr_none[VNET_HDR_BYTES];

/* Where a TCP segment's parts are in its frame. */
typedef struct Segment {
	bool ipv6;
	size_t tcp;             /* offset of the TCP header */
	size_t data;            /* offset of the payload */
	size_t end;             /* where the IP packet ends (the frame may be padded) */
	uint32_t seq;
	uint8_t flags;
	uint16_t ip_id;
} Segment;

struct Coalescer {
	uint8_t *buf;           /* the frame being joined: first headers, then payloads */
	size_t len;
	size_t first_len;       /* of the first frame as it came, padding included */
	unsigned frames;        /* 0: nothing held */
	uint64_t bytes;         /* of the frames held, as offered */
	Segment first;
	size_t mss;             /* payload of the first segment */
	uint32_t next_seq;
	bool closed;            /* a short or PSH segment ended the run */

	CoalescerWrite write;
	void *userdata;
};

/* Whether frame is a TCP segment that may join others, with valid
 * checksums; where its parts are. */
static bool segment_parse(const uint8_t *f, size_t len, Segment *s) {
	size_t tcp_len, doff;
	uint16_t type;

	if (len < ETH_HLEN + IPV4_HDR_BYTES + TCP_HDR_BYTES_MIN || len > COALESCE_FRAME_BYTES)
		return false;
	type = unaligned_read_be16(f + 12);

	if (type == ETHERTYPE_IP) {
		const uint8_t *ip = f + ETH_HLEN;
		size_t total = unaligned_read_be16(ip + 2);

		if (ip[0] != 0x45 || ip[9] != IPPROTO_TCP_NUMBER || (unaligned_read_be16(ip + 6) & IP_NOT_DF) != 0 ||
		    total > len - ETH_HLEN || total < IPV4_HDR_BYTES + TCP_HDR_BYTES_MIN)
			return false;
		if (checksum_fold(checksum_add(0, ip, IPV4_HDR_BYTES)) != 0xffff)
			return false;
		*s = (Segment) {
			.tcp = ETH_HLEN + IPV4_HDR_BYTES,
			.end = ETH_HLEN + total,
			.ip_id = unaligned_read_be16(ip + 4),
		};
	} else if (type == ETHERTYPE_IPV6) {
		const uint8_t *ip = f + ETH_HLEN;
		size_t payload;

		if (len < ETH_HLEN + IPV6_HDR_BYTES + TCP_HDR_BYTES_MIN)
			return false;
		payload = unaligned_read_be16(ip + 4);
		if ((ip[0] >> 4) != 6 || ip[6] != IPPROTO_TCP_NUMBER ||
		    payload > len - ETH_HLEN - IPV6_HDR_BYTES || payload < TCP_HDR_BYTES_MIN)
			return false;
		*s = (Segment) {
			.ipv6 = true,
			.tcp = ETH_HLEN + IPV6_HDR_BYTES,
			.end = ETH_HLEN + IPV6_HDR_BYTES + payload,
		};
	} else
		return false;

	doff = (size_t) (f[s->tcp + 12] >> 4) * 4;
	s->data = s->tcp + doff;
	s->flags = f[s->tcp + 13];
	s->seq = unaligned_read_be32(f + s->tcp + 4);
	if (doff < TCP_HDR_BYTES_MIN || s->data >= s->end ||
	    (s->flags & (uint8_t) ~TCP_FLAG_PSH) != TCP_FLAG_ACK)
		return false;

	tcp_len = s->end - s->tcp;
	return checksum_fold(checksum_add(checksum_tcp_pseudo_header(f + ETH_HLEN, s->ipv6, tcp_len), f + s->tcp, tcp_len)) == 0xffff;
}

/* Whether segment s of frame f continues the run held. */
static bool coalescer_joins(const Coalescer *c, const uint8_t *f, const Segment *s) {
	const Segment *h = &c->first;
	const uint8_t *held = c->buf;
	size_t payload = s->end - s->data;

	if (c->closed || s->ipv6 != h->ipv6 || s->data != h->data || s->seq != c->next_seq ||
	    payload > c->mss)
		return false;
	if (c->len + payload > (h->ipv6 ? h->tcp : ETH_HLEN) + IP_LENGTH_MAX)
		return false;
	/* Ethernet header; then what must not differ in the IP header. */
	if (memcmp(f, held, ETH_HLEN) != 0)
		return false;
	if (s->ipv6) {
		/* Version, traffic class, flow label; next header, hop limit,
		 * addresses. */
		if (memcmp(f + ETH_HLEN, held + ETH_HLEN, 4) != 0 ||
		    memcmp(f + ETH_HLEN + 6, held + ETH_HLEN + 6, 34) != 0)
			return false;
	} else {
		const uint8_t *ip = f + ETH_HLEN, *hip = held + ETH_HLEN;
		bool df = unaligned_read_be16(ip + 6) & IP_DF;

		if (ip[1] != hip[1] || ip[8] != hip[8] || memcmp(ip + 12, hip + 12, 8) != 0 ||
		    df != (bool) (unaligned_read_be16(hip + 6) & IP_DF))
			return false;
		/* Without DF, the IDs count up, as segmentation makes them. */
		if (!df && s->ip_id != (uint16_t) (h->ip_id + c->frames))
			return false;
	}
	/* Ports, ack, header length, window; then the options. The flags
	 * passed segment_parse() already. */
	return memcmp(f + s->tcp, held + h->tcp, 4) == 0 &&
	       memcmp(f + s->tcp + 8, held + h->tcp + 8, 5) == 0 &&
	       memcmp(f + s->tcp + 14, held + h->tcp + 14, 2) == 0 &&
	       memcmp(f + s->tcp + TCP_HDR_BYTES_MIN, held + h->tcp + TCP_HDR_BYTES_MIN,
	              s->data - s->tcp - TCP_HDR_BYTES_MIN) == 0;
}

static void coalescer_hold(Coalescer *c, const uint8_t *f, size_t len, const Segment *s) {
	memcpy(c->buf, f, len);
	c->len = s->end;
	c->first_len = len;
	c->frames = 1;
	c->bytes = len;
	c->first = *s;
	c->mss = s->end - s->data;
	c->next_seq = s->seq + (uint32_t) c->mss;
	c->closed = s->flags & TCP_FLAG_PSH;
}

static void coalescer_join(Coalescer *c, const uint8_t *f, size_t len, const Segment *s) {
	size_t payload = s->end - s->data;

	memcpy(c->buf + c->len, f + s->data, payload);
	c->len += payload;
	c->frames++;
	c->bytes += len;
	c->next_seq += (uint32_t) payload;
	/* The run ends with a short segment or a push, which it carries. */
	if (s->flags & TCP_FLAG_PSH)
		c->buf[c->first.tcp + 13] |= TCP_FLAG_PSH;
	if (payload < c->mss || (s->flags & TCP_FLAG_PSH))
		c->closed = true;
}

int coalescer_flush(Coalescer *c) {
	const Segment *h = &c->first;
	uint8_t header[VNET_HDR_BYTES];
	uint8_t *ip = c->buf + ETH_HLEN;
	size_t tcp_len = c->len - h->tcp;
	unsigned frames = c->frames;
	uint16_t sum;

	if (frames == 0)
		return 0;
	c->frames = 0;
	if (frames == 1)
		return c->write(vnet_hdr_none, c->buf, c->first_len, 1, c->bytes, c->userdata);

	if (h->ipv6)
		unaligned_write_be16(ip + 4, (uint16_t) tcp_len);
	else {
		unaligned_write_be16(ip + 2, (uint16_t) (c->len - ETH_HLEN));
		memset(ip + 10, 0, 2);
		sum = (uint16_t) ~checksum_fold(checksum_add(0, ip, IPV4_HDR_BYTES));
		memcpy(ip + 10, &sum, sizeof(sum));
	}
	/* Left to the device: the pseudo-header's sum, as a stack sends it. */
	sum = checksum_fold(checksum_tcp_pseudo_header(c->buf + ETH_HLEN, h->ipv6, tcp_len));
	memcpy(c->buf + h->tcp + TCP_CHECK_OFFSET, &sum, sizeof(sum));

	vnet_header_write(&(VnetHeader) {
		.flags = VNET_HDR_F_NEEDS_CSUM,
		.gso_type = h->ipv6 ? VNET_HDR_GSO_TCPV6 : VNET_HDR_GSO_TCPV4,
		.hdr_len = (uint16_t) h->data,
		.gso_size = (uint16_t) c->mss,
		.csum_start = (uint16_t) h->tcp,
		.csum_offset = TCP_CHECK_OFFSET,
	}, header);
	return c->write(header, c->buf, c->len, frames, c->bytes, c->userdata);
}

int coalescer_add(Coalescer *c, const uint8_t *frame, size_t len) {
	Segment s;
	int r;

	if (!segment_parse(frame, len, &s)) {
		r = coalescer_flush(c);
		if (r < 0)
			return r;
		return c->write(vnet_hdr_none, frame, len, 1, len, c->userdata);
	}

	if (c->frames > 0 && coalescer_joins(c, frame, &s)) {
		coalescer_join(c, frame, len, &s);
		return 0;
	}

	r = coalescer_flush(c);
	if (r < 0)
		return r;
	coalescer_hold(c, frame, len, &s);
	return 0;
}

bool coalescer_owns(const Coalescer *c, const uint8_t *frame) {
	return frame >= c->buf && frame < c->buf + COALESCE_FRAME_BYTES;
}

int coalescer_new(Coalescer **ret, CoalescerWrite write, void *userdata) {
	Coalescer *c;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->buf = malloc(COALESCE_FRAME_BYTES);
	if (!c->buf) {
		free(c);
		return -ENOMEM;
	}
	c->write = write;
	c->userdata = userdata;
	*ret = c;
	return 0;
}

Coalescer *coalescer_free(Coalescer *c) {
	if (!c)
		return NULL;
	free(c->buf);
	free(c);
	return NULL;
}
