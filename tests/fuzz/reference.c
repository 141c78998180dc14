/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "reference.h"

#define VNET_F_NEEDS_CSUM 1U
#define VNET_GSO_TCPV4 1U
#define VNET_GSO_TCPV6 4U

static uint16_t be16(const uint8_t *p) {
	return (uint16_t) (p[0] << 8 | p[1]);
}

static uint16_t le16(const uint8_t *p) {
	return (uint16_t) (p[0] | p[1] << 8);
}

static void put_be16(uint8_t *p, uint16_t v) {
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

uint16_t ref_sum(uint32_t sum, const uint8_t *p, size_t len) {
	uint64_t total = sum;
	size_t words = len / 2;

	/* Up to 2^48 words before the total could overflow. */
	for (size_t i = 0; i < words; i++)
		total += (uint32_t) (p[2 * i] << 8 | p[2 * i + 1]);
	if (len % 2)
		total += (uint32_t) p[len - 1] << 8;
	while (total >> 16)
		total = (total & 0xffff) + (total >> 16);
	return (uint16_t) total;
}

bool ref_tcp_parse(const uint8_t *f, size_t len, RefTcp *ret) {
	size_t ip_end, doff;

	if (len < REF_ETH_BYTES + REF_IPV4_BYTES + REF_TCP_BYTES)
		return false;
	if (be16(f + 12) == 0x0800) {
		if (f[14] != 0x45 || f[14 + 9] != 6)
			return false;
		ip_end = REF_ETH_BYTES + be16(f + 16);
		*ret = (RefTcp) { .tcp = REF_ETH_BYTES + REF_IPV4_BYTES };
	} else if (be16(f + 12) == 0x86dd) {
		if (len < REF_ETH_BYTES + REF_IPV6_BYTES + REF_TCP_BYTES || f[14] >> 4 != 6 || f[14 + 6] != 6)
			return false;
		ip_end = REF_ETH_BYTES + REF_IPV6_BYTES + be16(f + 18);
		*ret = (RefTcp) { .ipv6 = true, .tcp = REF_ETH_BYTES + REF_IPV6_BYTES };
	} else
		return false;

	if (ip_end > len || ip_end < ret->tcp + REF_TCP_BYTES)
		return false;
	doff = (size_t) (f[ret->tcp + 12] >> 4) * 4;
	if (doff < REF_TCP_BYTES || ret->tcp + doff > ip_end)
		return false;
	ret->data = ret->tcp + doff;
	ret->end = ip_end;
	return true;
}

uint32_t ref_pseudo_sum(const uint8_t *f, const RefTcp *t, size_t tcp_len) {
	uint32_t sum;

	if (t->ipv6)
		sum = ref_sum(0, f + REF_ETH_BYTES + 8, 32);
	else
		sum = ref_sum(0, f + REF_ETH_BYTES + 12, 8);
	/* Protocol 6, then the length, as 16-bit words. */
	sum += 6 + (uint32_t) (tcp_len >> 16) + (uint32_t) (tcp_len & 0xffff);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

bool ref_tcp_checksums_valid(const uint8_t *f, const RefTcp *t) {
	size_t tcp_len = t->end - t->tcp;

	if (!t->ipv6 && ref_sum(0, f + REF_ETH_BYTES, REF_IPV4_BYTES) != 0xffff)
		return false;
	return ref_sum(ref_pseudo_sum(f, t, tcp_len), f + t->tcp, tcp_len) == 0xffff;
}

void ref_tcp_fill_checksums(uint8_t *f, const RefTcp *t) {
	size_t tcp_len = t->end - t->tcp;

	if (!t->ipv6) {
		put_be16(f + REF_ETH_BYTES + 10, 0);
		put_be16(f + REF_ETH_BYTES + 10, (uint16_t) ~ref_sum(0, f + REF_ETH_BYTES, REF_IPV4_BYTES));
	}
	put_be16(f + t->tcp + 16, 0);
	put_be16(f + t->tcp + 16, (uint16_t) ~ref_sum(ref_pseudo_sum(f, t, tcp_len), f + t->tcp, tcp_len));
}

size_t ref_gso_segments(const RefTcp *t, size_t gso_size) {
	size_t payload = t->end - t->data;

	return (payload + gso_size - 1) / gso_size;
}

size_t ref_gso_segment(const uint8_t *f, const RefTcp *t, size_t gso_size, size_t i, uint8_t *out) {
	size_t n = ref_gso_segments(t, gso_size);
	size_t off = i * gso_size, chunk = t->end - t->data - off;
	uint32_t seq;
	RefTcp s = *t;

	if (chunk > gso_size)
		chunk = gso_size;
	memcpy(out, f, t->data);
	memcpy(out + t->data, f + t->data + off, chunk);
	s.end = t->data + chunk;

	if (t->ipv6)
		put_be16(out + REF_ETH_BYTES + 4, (uint16_t) (s.end - REF_ETH_BYTES - REF_IPV6_BYTES));
	else {
		put_be16(out + REF_ETH_BYTES + 2, (uint16_t) (s.end - REF_ETH_BYTES));
		put_be16(out + REF_ETH_BYTES + 4, (uint16_t) (be16(f + REF_ETH_BYTES + 4) + i));
	}
	seq = (uint32_t) f[t->tcp + 4] << 24 | (uint32_t) f[t->tcp + 5] << 16 |
	      (uint32_t) f[t->tcp + 6] << 8 | f[t->tcp + 7];
	seq += (uint32_t) off;
	out[t->tcp + 4] = (uint8_t) (seq >> 24);
	out[t->tcp + 5] = (uint8_t) (seq >> 16);
	out[t->tcp + 6] = (uint8_t) (seq >> 8);
	out[t->tcp + 7] = (uint8_t) seq;
	if (i + 1 < n)
		out[t->tcp + 13] &= (uint8_t) ~(REF_TCP_FIN | REF_TCP_PSH);
	if (i > 0)
		out[t->tcp + 13] &= (uint8_t) ~REF_TCP_CWR;
	ref_tcp_fill_checksums(out, &s);
	return s.end;
}

void ref_frames_push(RefFrames *q, const uint8_t *frame, size_t len) {
	if (q->n == q->allocated) {
		q->allocated = q->allocated ? 2 * q->allocated : 64;
		q->v = realloc(q->v, q->allocated * sizeof(RefFrame));
		assert(q->v);
	}
	/* Also before the first frame, even an empty one: memcpy() takes no
	 * NULL. */
	if (!q->bytes || q->used + len > q->bytes_allocated) {
		q->bytes_allocated = MAX(MAX(2 * q->bytes_allocated, q->used + len), 4096U);
		q->bytes = realloc(q->bytes, q->bytes_allocated);
		assert(q->bytes);
		for (size_t i = q->head; i < q->n; i++)
			q->v[i].frame = q->bytes + q->v[i].at;
	}
	memcpy(q->bytes + q->used, frame, len);
	q->v[q->n++] = (RefFrame) { q->bytes + q->used, q->used, len };
	q->used += len;
}

void ref_frames_pop(RefFrames *q, size_t k) {
	assert(k <= ref_frames_left(q));
	q->head += k;
	if (q->head == q->n)
		ref_frames_clear(q);
}

void ref_frames_clear(RefFrames *q) {
	q->head = q->n = q->used = 0;
}

void ref_frames_done(RefFrames *q) {
	free(q->v);
	free(q->bytes);
	*q = (RefFrames) {};
}

size_t ref_segment_make(RefFlows *flows, unsigned f, const uint8_t op[static 4], uint8_t *buf) {
	static const size_t sizes[] = { 1, 6, 100, 536, 1000, 1448, 1460, 8000 };
	static uint8_t ramp[512];
	size_t payload = sizes[op[0] % 8], len;
	uint8_t flags = op[1];
	RefTcp t = { .ipv6 = f & 1 };

	if (ramp[1] == 0)
		for (unsigned i = 0; i < sizeof(ramp); i++)
			ramp[i] = (uint8_t) i;
	memset(buf, 0, REF_ETH_BYTES + REF_IPV6_BYTES + REF_TCP_BYTES);
	memcpy(buf, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	if (flags & 0x02)
		flows->seq[f] += 1;
	if (flags & 0x20)
		flows->ip_id[f] += 1;

	if (t.ipv6) {
		put_be16(buf + 12, 0x86dd);
		buf[14] = 0x60;
		buf[17] = flags & 0x08 ? 1 : 0;
		put_be16(buf + 18, (uint16_t) (REF_TCP_BYTES + payload));
		buf[20] = 6;
		buf[21] = 64;
		buf[22] = buf[38] = 0xfd;
		buf[37] = 1;
		buf[53] = 2;
		t.tcp = REF_ETH_BYTES + REF_IPV6_BYTES;
	} else {
		put_be16(buf + 12, 0x0800);
		buf[14] = 0x45;
		put_be16(buf + 16, (uint16_t) (REF_IPV4_BYTES + REF_TCP_BYTES + payload));
		put_be16(buf + 18, flows->ip_id[f]);
		buf[20] = (uint8_t) ((flags & 0x04 ? 0 : 0x40) | (flags & 0x08 ? 0x80 : 0));
		buf[22] = 64;
		buf[23] = 6;
		memcpy(buf + 26, "\x0a\0\0\x01\x0a\0\0\x02", 8);
		t.tcp = REF_ETH_BYTES + REF_IPV4_BYTES;
	}
	put_be16(buf + t.tcp, (uint16_t) (0x0300 + (f >> 1)));
	put_be16(buf + t.tcp + 2, 80);
	put_be16(buf + t.tcp + 4, (uint16_t) (flows->seq[f] >> 16));
	put_be16(buf + t.tcp + 6, (uint16_t) flows->seq[f]);
	buf[t.tcp + 11] = 1;
	buf[t.tcp + 12] = 5 << 4;
	buf[t.tcp + 13] = (uint8_t) (REF_TCP_ACK | (flags & 0x01 ? REF_TCP_PSH : 0) | (flags & 0x10 ? 0x01 : 0));
	buf[t.tcp + 14] = 0x10;
	/* The payload says where in the stream it is: byte i is seq + i. */
	for (size_t i = 0, n; i < payload; i += n) {
		n = payload - i < 256 ? payload - i : 256;
		memcpy(buf + t.tcp + REF_TCP_BYTES + i, ramp + ((flows->seq[f] + i) & 0xff), n);
	}

	t.data = t.tcp + REF_TCP_BYTES;
	t.end = len = t.data + payload;
	if (flags & 0x40)
		buf[op[2] % len] ^= op[3];
	ref_tcp_fill_checksums(buf, &t);
	if (flags & 0x80)
		buf[op[2] % len] ^= op[3];

	flows->seq[f] += (uint32_t) payload;
	flows->ip_id[f]++;
	return len;
}

/* Segment seg, cut from a joined frame, against the frame offered for it. */
static void check_segment(const uint8_t *seg, size_t seg_len, const RefFrame *o) {
	uint8_t *masked;
	RefTcp t;

	assert(ref_tcp_parse(o->frame, o->len, &t));
	assert(ref_tcp_checksums_valid(o->frame, &t));
	assert(seg_len == t.end);

	/* The offered frame, but for what segmentation makes anew, and the
	 * urgent pointer, which means nothing without URG (no joined segment
	 * has it) and which Linux's GRO does not compare either: the first
	 * segment's goes to all. */
	masked = malloc(t.end);
	assert(masked);
	memcpy(masked, o->frame, t.end);
	memcpy(masked + t.tcp + 16, seg + t.tcp + 16, 4);
	if (!t.ipv6) {
		memcpy(masked + REF_ETH_BYTES + 10, seg + REF_ETH_BYTES + 10, 2);
		if (be16(o->frame + REF_ETH_BYTES + 6) & REF_IP_DF)
			memcpy(masked + REF_ETH_BYTES + 4, seg + REF_ETH_BYTES + 4, 2);
	}
	assert(memcmp(masked, seg, t.end) == 0);
	free(masked);
}

static void check_joined(const uint8_t *h, const uint8_t *frame, size_t len, const RefFrame *offered, size_t n) {
	size_t gso_size = le16(h + 4);
	uint8_t *copy;
	RefTcp t;

	assert(h[0] == VNET_F_NEEDS_CSUM);
	assert(ref_tcp_parse(frame, len, &t) && t.end == len);
	assert(h[1] == (t.ipv6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4));
	assert(le16(h + 2) == t.data && le16(h + 6) == t.tcp && le16(h + 8) == 16);
	assert(gso_size > 0 && ref_gso_segments(&t, gso_size) == n);

	/* The TCP checksum field holds the pseudo-header's sum, as a stack
	 * leaves it for the device: completed, the checksum holds. */
	copy = malloc(len);
	assert(copy);
	memcpy(copy, frame, len);
	put_be16(copy + t.tcp + 16, (uint16_t) ~ref_sum(0, copy + t.tcp, len - t.tcp));
	assert(ref_tcp_checksums_valid(copy, &t));

	for (size_t i = 0; i < n; i++)
		check_segment(copy, ref_gso_segment(frame, &t, gso_size, i, copy), &offered[i]);
	free(copy);
}

void ref_check_written(const uint8_t h[static VNET_HDR_BYTES], const uint8_t *frame, size_t len,
                       const RefFrame *offered, size_t n) {
	static const uint8_t none[VNET_HDR_BYTES];

	assert(n >= 1);
	if (h[1] != 0) {
		check_joined(h, frame, len, offered, n);
		return;
	}
	assert(memcmp(h, none, VNET_HDR_BYTES) == 0);
	assert(n == 1 && len == offered->len && memcmp(frame, offered->frame, len) == 0);
}
