/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests the Coalescer: which TCP segments it joins into one GSO frame and
 * which it writes as they came; the joined frame's virtio net header, IP
 * and TCP headers and payload; that the joined frame segments back into
 * the frames offered; the order of what it writes; that it stops at 64 KiB;
 * that corrupt, foreign, malformed and truncated frames pass untouched; and
 * that a failing write reaches the caller. Frames are built here, with
 * checksums computed byte by byte, independently of checksum.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "coalesce.h"
#include "vnet.h"

#define ETH_BYTES 14U
#define IPV4_BYTES 20U
#define IPV6_BYTES 40U
#define TCP_BYTES 32U           /* with NOP, NOP, timestamp */
#define TCP_BYTES_BARE 20U
#define TCP_CHECK 16U
#define MSS4 1448U              /* a 1500-byte MTU, with timestamps */
#define MSS6 1428U
#define FRAME_MAX 8192U         /* the largest segment built here */

#define TCP_FIN 0x01U
#define TCP_SYN 0x02U
#define TCP_RST 0x04U
#define TCP_PSH 0x08U
#define TCP_ACK 0x10U
#define TCP_URG 0x20U
#define TCP_ECE 0x40U
#define TCP_CWR 0x80U

#define SEQ0 0x10000000U

/* One call of the write callback, copied. */
typedef struct Write {
	uint8_t header[VNET_HDR_BYTES];
	uint8_t *frame;
	size_t len;
	unsigned frames;
	uint64_t bytes;
} Write;

typedef struct Fixture {
	Coalescer *c;
	Write *writes;
	size_t n, cap;
	size_t calls;
	int fail;               /* < 0: what the next write returns, once */
} Fixture;

/* What to build: a segment of one flow, and what may differ. */
typedef struct Spec {
	bool ipv6;
	uint8_t mac;            /* last byte of the source MAC */
	uint8_t host;           /* last byte of the source address */
	uint8_t peer;           /* last byte of the destination address */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t window;
	uint32_t tsval, tsecr;
	bool bare;              /* a 20-byte TCP header, without options */
	uint8_t reserved;       /* the low bits of the data offset's byte (AE, reserved) */
	uint8_t flags;
	uint8_t tos;            /* IPv6: traffic class */
	uint8_t ttl;            /* IPv6: hop limit */
	bool no_df;
	uint16_t id;
	uint32_t flow;          /* IPv6 flow label */
	size_t payload;
} Spec;

static uint16_t get16(const uint8_t *p) {
	return (uint16_t) (p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p) {
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint32_t v) {
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

static void put32(uint8_t *p, uint32_t v) {
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* RFC 1071, a byte at a time: even bytes are the high halves of 16-bit
 * big-endian words, an odd last byte is padded with zero. Folded, not
 * inverted. */
static uint16_t ref_sum(const uint8_t *p, size_t len, uint16_t start) {
	uint64_t sum = start;

	for (size_t i = 0; i < len; i++)
		sum += i % 2 ? p[i] : (uint64_t) p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t) sum;
}

/* The stream's byte at sequence number x: where a byte lands shows. */
static uint8_t pattern(uint32_t x) {
	return (uint8_t) (x * 31U + (x >> 8) * 7U + (x >> 16));
}

static bool is_ipv6(const uint8_t *ip) {
	return ip[0] >> 4 == 6;
}

static size_t ip_header_bytes(const uint8_t *ip) {
	return is_ipv6(ip) ? IPV6_BYTES : (size_t) (ip[0] & 0xf) * 4;
}

/* The transport's bytes, as the IP header says. */
static size_t l4_bytes(const uint8_t *ip) {
	return is_ipv6(ip) ? get16(ip + 4) : get16(ip + 2) - ip_header_bytes(ip);
}

static uint16_t pseudo_sum(const uint8_t *ip) {
	size_t len = l4_bytes(ip);

	if (is_ipv6(ip)) {
		uint8_t tail[8] = { (uint8_t) (len >> 24), (uint8_t) (len >> 16), (uint8_t) (len >> 8), (uint8_t) len,
		                    0, 0, 0, ip[6] };

		return ref_sum(tail, sizeof(tail), ref_sum(ip + 8, 32, 0));
	}
	uint8_t tail[4] = { 0, ip[9], (uint8_t) (len >> 8), (uint8_t) len };

	return ref_sum(tail, sizeof(tail), ref_sum(ip + 12, 8, 0));
}

/* What a receiver computes over the transport's checksum: 0xffff if valid. */
static uint16_t l4_verify(const uint8_t *ip) {
	return ref_sum(ip + ip_header_bytes(ip), l4_bytes(ip), pseudo_sum(ip));
}

static void l4_fix_checksum(uint8_t *ip, size_t field) {
	uint8_t *l4 = ip + ip_header_bytes(ip);

	put16(l4 + field, 0);
	put16(l4 + field, (uint16_t) ~ref_sum(l4, l4_bytes(ip), pseudo_sum(ip)));
}

static void ipv4_fix_checksum(uint8_t *ip) {
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t) ~ref_sum(ip, ip_header_bytes(ip), 0));
}

static Spec spec(bool ipv6, uint32_t seq, size_t payload) {
	return (Spec) {
		.ipv6 = ipv6,
		.mac = 0x02,
		.host = 1,
		.peer = 2,
		.sport = 40000,
		.dport = 5201,
		.seq = seq,
		.ack = 0x11223344,
		.window = 502,
		.tsval = 0x01020304,
		.tsecr = 0x0a0b0c0d,
		.flags = TCP_ACK,
		.ttl = 64,
		.id = 0x1234,
		.flow = 0x12345,
		.payload = payload,
	};
}

/* Ethernet, IPv4 (DF unless no_df) or IPv6, TCP, payload; valid checksums. */
static size_t build(uint8_t *f, const Spec *s) {
	size_t ip_hdr = s->ipv6 ? IPV6_BYTES : IPV4_BYTES;
	size_t tcp_hdr = s->bare ? TCP_BYTES_BARE : TCP_BYTES;
	size_t tcp_len = tcp_hdr + s->payload;
	size_t len = ETH_BYTES + ip_hdr + tcp_len;
	uint8_t *ip = f + ETH_BYTES, *tcp = ip + ip_hdr;

	assert_true(len <= FRAME_MAX);
	memset(f, 0, len);
	memcpy(f, (const uint8_t[]) { 0x02, 0, 0, 0, 0, 0x01 }, 6);
	memcpy(f + 6, (const uint8_t[]) { 0x02, 0, 0, 0, 0, s->mac }, 6);
	if (s->ipv6) {
		put16(f + 12, 0x86dd);
		put32(ip, 6U << 28 | (uint32_t) s->tos << 20 | (s->flow & 0xfffff));
		put16(ip + 4, (uint32_t) tcp_len);
		ip[6] = 6;
		ip[7] = s->ttl;
		ip[8] = 0xfd;
		ip[23] = s->host;
		ip[24] = 0xfd;
		ip[39] = s->peer;
	} else {
		put16(f + 12, 0x0800);
		ip[0] = 0x45;
		ip[1] = s->tos;
		put16(ip + 2, (uint32_t) (IPV4_BYTES + tcp_len));
		put16(ip + 4, s->id);
		put16(ip + 6, s->no_df ? 0 : 0x4000);
		ip[8] = s->ttl;
		ip[9] = 6;
		memcpy(ip + 12, (const uint8_t[]) { 10, 0, 0, s->host, 10, 0, 0, s->peer }, 8);
		ipv4_fix_checksum(ip);
	}
	put16(tcp, s->sport);
	put16(tcp + 2, s->dport);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, s->ack);
	tcp[12] = (uint8_t) (tcp_hdr / 4 << 4 | s->reserved);
	tcp[13] = s->flags;
	put16(tcp + 14, s->window);
	if (!s->bare) {
		tcp[20] = 1;
		tcp[21] = 1;
		tcp[22] = 8;
		tcp[23] = 10;
		put32(tcp + 24, s->tsval);
		put32(tcp + 28, s->tsecr);
	}
	for (size_t i = 0; i < s->payload; i++)
		tcp[tcp_hdr + i] = pattern(s->seq + (uint32_t) i);
	l4_fix_checksum(ip, TCP_CHECK);
	return len;
}

static int on_write(const uint8_t *header, const uint8_t *frame, size_t len, unsigned frames, uint64_t bytes,
                    void *userdata) {
	Fixture *f = userdata;
	Write *w;

	f->calls++;
	if (f->fail < 0) {
		int r = f->fail;

		f->fail = 0;
		return r;
	}
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->writes = realloc(f->writes, f->cap * sizeof(*f->writes));
		assert_non_null(f->writes);
	}
	w = &f->writes[f->n++];
	memcpy(w->header, header, VNET_HDR_BYTES);
	w->frame = malloc(len > 0 ? len : 1);
	assert_non_null(w->frame);
	if (len > 0)
		memcpy(w->frame, frame, len);
	w->len = len;
	w->frames = frames;
	w->bytes = bytes;
	return 0;
}

static void forget_writes(Fixture *f) {
	for (size_t i = 0; i < f->n; i++)
		free(f->writes[i].frame);
	f->n = 0;
}

static int setup(void **state) {
	Fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(coalescer_new(&f->c, on_write, f), 0);
	assert_non_null(f->c);
	*state = f;
	return 0;
}

static int teardown(void **state) {
	Fixture *f = *state;

	coalescer_free(f->c);
	forget_writes(f);
	free(f->writes);
	free(f);
	return 0;
}

static void offer(Fixture *f, const uint8_t *frame, size_t len) {
	assert_int_equal(coalescer_add(f->c, frame, len), 0);
}

static void flush(Fixture *f) {
	assert_int_equal(coalescer_flush(f->c), 0);
}

/* A write of one frame as it came: no header at all. */
static void assert_as_offered(const Write *w, const uint8_t *frame, size_t len) {
	static const uint8_t none[VNET_HDR_BYTES];

	assert_memory_equal(w->header, none, VNET_HDR_BYTES);
	assert_int_equal(w->len, len);
	if (len > 0)
		assert_memory_equal(w->frame, frame, len);
	assert_int_equal(w->frames, 1);
	assert_int_equal(w->bytes, len);
}

/*
 * A write of `frames` segments joined, the first of which is `first`
 * (without padding), `payload` bytes in all, `bytes` as offered: the
 * virtio net header, the headers of the first with lengths and IPv4
 * checksum fixed and the pseudo-header's sum in the TCP checksum, the
 * stream's bytes from the first's sequence number on, and a TCP checksum
 * that verifies once the device completes it.
 */
static void assert_joined(const Write *w, const uint8_t *first, size_t first_len, unsigned frames, uint64_t bytes,
                          size_t payload, bool psh) {
	const uint8_t *ip = w->frame + ETH_BYTES, *fip = first + ETH_BYTES;
	bool ipv6 = is_ipv6(fip);
	size_t tcp_off = ETH_BYTES + ip_header_bytes(fip);
	size_t hdr = tcp_off + (size_t) (first[tcp_off + 12] >> 4) * 4;
	size_t mss = first_len - hdr;
	const uint8_t *tcp = w->frame + tcp_off, *ftcp = first + tcp_off;
	uint32_t seq = get32(ftcp + 4);
	uint16_t pseudo;
	uint8_t *copy;
	VnetHeader h;

	assert_int_equal(w->frames, frames);
	assert_int_equal(w->bytes, bytes);
	assert_int_equal(w->len, hdr + payload);

	/* virtio_net_hdr, little-endian */
	assert_int_equal(w->header[0], VNET_HDR_F_NEEDS_CSUM);
	assert_int_equal(w->header[1], ipv6 ? 4 : 1);
	assert_int_equal(w->header[2], hdr & 0xff);
	assert_int_equal(w->header[3], hdr >> 8);
	assert_int_equal(w->header[4], mss & 0xff);
	assert_int_equal(w->header[5], mss >> 8);
	assert_int_equal(w->header[6], tcp_off & 0xff);
	assert_int_equal(w->header[7], tcp_off >> 8);
	assert_int_equal(w->header[8], TCP_CHECK);
	assert_int_equal(w->header[9], 0);
	vnet_header_parse(w->header, &h);
	assert_int_equal(h.hdr_len, hdr);
	assert_int_equal(h.gso_size, mss);
	assert_int_equal(h.csum_start, tcp_off);
	assert_int_equal(h.csum_offset, TCP_CHECK);

	assert_memory_equal(w->frame, first, ETH_BYTES);
	if (ipv6) {
		assert_memory_equal(ip, fip, 4);
		assert_int_equal(get16(ip + 4), w->len - tcp_off);
		assert_memory_equal(ip + 6, fip + 6, 34);
	} else {
		assert_memory_equal(ip, fip, 2);
		assert_int_equal(get16(ip + 2), w->len - ETH_BYTES);
		assert_true(w->len - ETH_BYTES <= 65535);
		/* ID, flags, TTL, protocol; addresses */
		assert_memory_equal(ip + 4, fip + 4, 6);
		assert_memory_equal(ip + 12, fip + 12, 8);
		assert_int_equal(ref_sum(ip, IPV4_BYTES, 0), 0xffff);
	}

	/* Ports, sequence, ack, offset; flags; window; urgent pointer, options */
	assert_memory_equal(tcp, ftcp, 13);
	assert_int_equal(tcp[13], ftcp[13] | (psh ? TCP_PSH : 0));
	assert_memory_equal(tcp + 14, ftcp + 14, 2);
	assert_memory_equal(tcp + 18, ftcp + 18, hdr - tcp_off - 18);
	/* Left to the device: the pseudo-header's sum, not inverted. */
	pseudo = pseudo_sum(ip);
	assert_int_equal(get16(tcp + TCP_CHECK), pseudo);

	for (size_t k = 0; k < payload; k++)
		if (w->frame[hdr + k] != pattern(seq + (uint32_t) k))
			fail_msg("payload byte %zu is %#x, not %#x", k, w->frame[hdr + k], pattern(seq + (uint32_t) k));

	copy = malloc(w->len);
	assert_non_null(copy);
	memcpy(copy, w->frame, w->len);
	assert_int_equal(vnet_complete_checksum(&h, copy, w->len), 0);
	assert_int_equal(l4_verify(copy + ETH_BYTES), 0xffff);
	/* Only the checksum changed. */
	assert_memory_equal(copy, w->frame, tcp_off + TCP_CHECK);
	assert_memory_equal(copy + tcp_off + TCP_CHECK + 2, w->frame + tcp_off + TCP_CHECK + 2,
	                    w->len - tcp_off - TCP_CHECK - 2);
	free(copy);
}

/*
 * Cuts a joined frame back into segments of gso_size as a device does:
 * each with the joined frame's headers, its own sequence number, IP
 * length and (IPv4) ID counting up from the first, PSH only on the last,
 * and checksums. Returns how many.
 */
static size_t resegment(const Write *w, uint8_t (*out)[FRAME_MAX], size_t *lens, size_t max) {
	VnetHeader h;
	size_t n = 0;

	vnet_header_parse(w->header, &h);
	assert_true(h.gso_size > 0);
	for (size_t off = h.hdr_len; off < w->len; off += h.gso_size, n++) {
		size_t chunk = w->len - off < h.gso_size ? w->len - off : h.gso_size;
		uint8_t *f = out[n], *ip = f + ETH_BYTES, *tcp = f + h.csum_start;
		bool last = off + chunk == w->len;

		assert_true(n < max);
		assert_true(h.hdr_len + chunk <= FRAME_MAX);
		memcpy(f, w->frame, h.hdr_len);
		memcpy(f + h.hdr_len, w->frame + off, chunk);
		lens[n] = h.hdr_len + chunk;
		if (is_ipv6(ip))
			put16(ip + 4, (uint32_t) (lens[n] - h.csum_start));
		else {
			put16(ip + 2, (uint32_t) (lens[n] - ETH_BYTES));
			put16(ip + 4, get16(ip + 4) + (uint32_t) n);
			ipv4_fix_checksum(ip);
		}
		put32(tcp + 4, get32(tcp + 4) + (uint32_t) (off - h.hdr_len));
		if (!last)
			tcp[13] &= (uint8_t) ~(TCP_PSH | TCP_FIN);
		l4_fix_checksum(ip, TCP_CHECK);
	}
	return n;
}

/* Ten full segments, flushed: one write, all of them. */
static void ten_full_segments_join(void **state, bool ipv6) {
	Fixture *F = *state;
	size_t mss = ipv6 ? MSS6 : MSS4;
	uint8_t seg[10][FRAME_MAX];
	size_t len[10], hdr;
	uint64_t bytes = 0;

	for (unsigned i = 0; i < 10; i++) {
		Spec s = spec(ipv6, SEQ0 + i * (uint32_t) mss, mss);

		s.id = (uint16_t) (0x1234 + i);
		len[i] = build(seg[i], &s);
		bytes += len[i];
		offer(F, seg[i], len[i]);
	}
	assert_int_equal(F->n, 0);
	flush(F);
	assert_int_equal(F->n, 1);
	assert_joined(&F->writes[0], seg[0], len[0], 10, bytes, 10 * mss, false);

	/* The payloads, in the order offered. */
	hdr = len[0] - mss;
	for (unsigned i = 0; i < 10; i++)
		assert_memory_equal(F->writes[0].frame + hdr + i * mss, seg[i] + hdr, mss);

	/* Nothing is held any more. */
	flush(F);
	assert_int_equal(F->n, 1);
}

static void test_joins_ten_full_ipv4_segments_into_one_gso_frame(void **state) {
	ten_full_segments_join(state, false);
}

static void test_joins_ten_full_ipv6_segments_into_one_gso_frame(void **state) {
	ten_full_segments_join(state, true);
}

static void test_joined_frame_segments_back_into_the_frames_offered(void **state) {
	Fixture *F = *state;
	static uint8_t seg[8][FRAME_MAX], back[16][FRAME_MAX];
	size_t len[8], back_len[16];

	for (int v6 = 0; v6 <= 1; v6++) {
		size_t mss = v6 ? MSS6 : MSS4;
		/* Across the wrap of the sequence numbers. */
		uint32_t seq = 0xffffffffU - 3 * (uint32_t) mss;

		forget_writes(F);
		for (unsigned i = 0; i < 8; i++) {
			/* The last one short, with PSH. */
			Spec s = spec(v6, seq, i == 7 ? 100 : mss);

			s.id = (uint16_t) (0xfffd + i);
			if (i == 7)
				s.flags |= TCP_PSH;
			len[i] = build(seg[i], &s);
			offer(F, seg[i], len[i]);
			seq += (uint32_t) s.payload;
		}
		flush(F);
		assert_int_equal(F->n, 1);
		assert_int_equal(F->writes[0].frames, 8);

		assert_int_equal(resegment(&F->writes[0], back, back_len, 16), 8);
		for (unsigned i = 0; i < 8; i++) {
			size_t tcp = ETH_BYTES + (v6 ? IPV6_BYTES : IPV4_BYTES);

			assert_int_equal(get32(back[i] + tcp + 4), get32(seg[i] + tcp + 4));
			assert_int_equal(back_len[i], len[i]);
			assert_memory_equal(back[i] + tcp + TCP_BYTES, seg[i] + tcp + TCP_BYTES, len[i] - tcp - TCP_BYTES);
			/* All of it, headers and checksums too. */
			assert_memory_equal(back[i], seg[i], len[i]);
		}
	}
}

static void test_short_segment_joins_and_ends_the_run(void **state) {
	Fixture *F = *state;
	uint8_t seg[6][FRAME_MAX];
	size_t len[6];
	uint32_t seq = SEQ0;

	for (int v6 = 0; v6 <= 1; v6++) {
		size_t mss = v6 ? MSS6 : MSS4;

		forget_writes(F);
		/* Three full, one short, two full. */
		for (unsigned i = 0; i < 6; i++) {
			Spec s = spec(v6, seq, i == 3 ? 500 : mss);

			len[i] = build(seg[i], &s);
			offer(F, seg[i], len[i]);
			seq += (uint32_t) s.payload;
		}
		flush(F);
		assert_int_equal(F->n, 2);
		assert_joined(&F->writes[0], seg[0], len[0], 4, len[0] + len[1] + len[2] + len[3], 3 * mss + 500, false);
		assert_joined(&F->writes[1], seg[4], len[4], 2, len[4] + len[5], 2 * mss, false);
	}
}

static void test_psh_segment_joins_sets_psh_and_ends_the_run(void **state) {
	Fixture *F = *state;
	uint8_t seg[5][FRAME_MAX];
	size_t len[5];
	uint32_t seq = SEQ0;

	for (int v6 = 0; v6 <= 1; v6++) {
		size_t mss = v6 ? MSS6 : MSS4;

		forget_writes(F);
		/* Three full, the third with PSH; two full. */
		for (unsigned i = 0; i < 5; i++) {
			Spec s = spec(v6, seq, mss);

			if (i == 2)
				s.flags |= TCP_PSH;
			len[i] = build(seg[i], &s);
			offer(F, seg[i], len[i]);
			seq += (uint32_t) mss;
		}
		flush(F);
		assert_int_equal(F->n, 2);
		assert_joined(&F->writes[0], seg[0], len[0], 3, len[0] + len[1] + len[2], 3 * mss, true);
		assert_joined(&F->writes[1], seg[3], len[3], 2, len[3] + len[4], 2 * mss, false);
	}
}

static void test_segment_with_psh_first_is_written_alone(void **state) {
	Fixture *F = *state;
	uint8_t a[FRAME_MAX], b[FRAME_MAX], c[FRAME_MAX];
	Spec s = spec(false, SEQ0, MSS4);
	size_t la, lb, lc;

	s.flags |= TCP_PSH;
	la = build(a, &s);
	s = spec(false, SEQ0 + MSS4, MSS4);
	lb = build(b, &s);
	s = spec(false, SEQ0 + 2 * MSS4, MSS4);
	lc = build(c, &s);
	offer(F, a, la);
	offer(F, b, lb);
	offer(F, c, lc);
	flush(F);
	assert_int_equal(F->n, 2);
	assert_as_offered(&F->writes[0], a, la);
	assert_joined(&F->writes[1], b, lb, 2, lb + lc, 2 * MSS4, false);
}

typedef struct Variant {
	const char *name;
	int only;               /* 4 or 6: for that IP version only */
	void (*change)(Spec *s);
} Variant;

static void seq_gap(Spec *s) { s->seq += 1; }
static void seq_repeated(Spec *s) { s->seq -= (uint32_t) s->payload; }
static void seq_behind(Spec *s) { s->seq -= 1; }
static void other_sport(Spec *s) { s->sport++; }
static void other_dport(Spec *s) { s->dport++; }
static void other_ack(Spec *s) { s->ack++; }
static void other_window(Spec *s) { s->window++; }
static void other_tsval(Spec *s) { s->tsval++; }
static void other_tsecr(Spec *s) { s->tsecr++; }
static void no_options(Spec *s) { s->bare = true; }
static void other_ttl(Spec *s) { s->ttl--; }
static void other_tos(Spec *s) { s->tos = 0x10; }
static void ecn_ce(Spec *s) { s->tos = 0x03; }
static void other_flow(Spec *s) { s->flow++; }
static void other_address(Spec *s) { s->host++; }
static void other_peer(Spec *s) { s->peer++; }
static void ae_bit(Spec *s) { s->reserved = 0x01; }
static void other_mac(Spec *s) { s->mac++; }
static void longer(Spec *s) { s->payload++; }
static void df_cleared(Spec *s) { s->no_df = true; s->id = 0x1235; }

static const Variant variants[] = {
	{ "a sequence gap", 0, seq_gap },
	{ "the same sequence number again", 0, seq_repeated },
	{ "a sequence number one short", 0, seq_behind },
	{ "another source port", 0, other_sport },
	{ "another destination port", 0, other_dport },
	{ "another ack", 0, other_ack },
	{ "another window", 0, other_window },
	{ "another timestamp value", 0, other_tsval },
	{ "another timestamp echo", 0, other_tsecr },
	{ "no options", 0, no_options },
	{ "another TTL or hop limit", 0, other_ttl },
	{ "another TOS or traffic class", 0, other_tos },
	{ "an ECN mark", 0, ecn_ce },
	{ "another flow label", 6, other_flow },
	{ "another source address", 0, other_address },
	{ "another destination address", 0, other_peer },
	{ "the AE (NS) bit", 0, ae_bit },
	{ "another source MAC", 0, other_mac },
	{ "a longer segment than the first", 0, longer },
	{ "DF cleared", 4, df_cleared },
};

static void test_does_not_join_segments_that_differ(void **state) {
	Fixture *F = *state;
	uint8_t a[FRAME_MAX], b[FRAME_MAX];

	for (int v6 = 0; v6 <= 1; v6++) {
		size_t mss = v6 ? MSS6 : MSS4;
		Spec s = spec(v6, SEQ0, mss);
		size_t la = build(a, &s), lb;

		/* As they are, they join: what a variant changes is what stops it. */
		forget_writes(F);
		s = spec(v6, SEQ0 + (uint32_t) mss, mss);
		s.id = 0x1235;
		lb = build(b, &s);
		offer(F, a, la);
		offer(F, b, lb);
		flush(F);
		assert_int_equal(F->n, 1);
		assert_int_equal(F->writes[0].frames, 2);

		for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
			if (variants[i].only == (v6 ? 4 : 6))
				continue;
			forget_writes(F);
			s = spec(v6, SEQ0 + (uint32_t) mss, mss);
			s.id = 0x1235;
			variants[i].change(&s);
			lb = build(b, &s);
			offer(F, a, la);
			offer(F, b, lb);
			flush(F);
			if (F->n != 2)
				fail_msg("IPv%d, %s: %zu writes, not 2", v6 ? 6 : 4, variants[i].name, F->n);
			assert_as_offered(&F->writes[0], a, la);
			assert_as_offered(&F->writes[1], b, lb);
		}
	}
}

static void test_ipv4_ids_count_up_without_df_and_may_differ_with_df(void **state) {
	static const struct {
		bool df;
		uint16_t ids[3];
		size_t writes;
	} cases[] = {
		{ false, { 0x1234, 0x1235, 0x1236 }, 1 },
		{ false, { 0xffff, 0x0000, 0x0001 }, 1 },
		{ false, { 0x1234, 0x1236, 0x1237 }, 2 },
		{ false, { 0x1234, 0x1234, 0x1234 }, 3 },
		{ false, { 0x1236, 0x1235, 0x1234 }, 3 },
		{ true, { 0x1234, 0x0007, 0xbeef }, 1 },
		{ true, { 0, 0, 0 }, 1 },
	};
	Fixture *F = *state;
	uint8_t seg[3][FRAME_MAX];
	size_t len[3];

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		forget_writes(F);
		for (unsigned i = 0; i < 3; i++) {
			Spec s = spec(false, SEQ0 + i * MSS4, MSS4);

			s.no_df = !cases[c].df;
			s.id = cases[c].ids[i];
			len[i] = build(seg[i], &s);
			offer(F, seg[i], len[i]);
		}
		flush(F);
		if (F->n != cases[c].writes)
			fail_msg("case %zu: %zu writes, not %zu", c, F->n, cases[c].writes);
		if (cases[c].writes == 1)
			/* The joined frame keeps the first ID, and DF as it was. */
			assert_joined(&F->writes[0], seg[0], len[0], 3, len[0] + len[1] + len[2], 3 * MSS4, false);
	}
	/* Where the IDs stop counting, the next run starts. */
	forget_writes(F);
	for (unsigned i = 0; i < 3; i++) {
		Spec s = spec(false, SEQ0 + i * MSS4, MSS4);

		s.no_df = true;
		s.id = (uint16_t[]) { 0x1234, 0x1236, 0x1237 }[i];
		len[i] = build(seg[i], &s);
		offer(F, seg[i], len[i]);
	}
	flush(F);
	assert_int_equal(F->n, 2);
	assert_as_offered(&F->writes[0], seg[0], len[0]);
	assert_joined(&F->writes[1], seg[1], len[1], 2, len[1] + len[2], 2 * MSS4, false);
}

static void test_does_not_join_across_flags_other_than_ack_and_psh(void **state) {
	static const uint8_t flags[] = {
		TCP_ACK | TCP_SYN, TCP_ACK | TCP_FIN, TCP_ACK | TCP_RST, TCP_ACK | TCP_URG,
		TCP_ACK | TCP_ECE, TCP_ACK | TCP_CWR, 0, TCP_PSH,
	};
	Fixture *F = *state;
	uint8_t seg[3][FRAME_MAX];
	size_t len[3];

	for (int v6 = 0; v6 <= 1; v6++) {
		size_t mss = v6 ? MSS6 : MSS4;

		for (size_t c = 0; c <= sizeof(flags); c++) {
			forget_writes(F);
			for (unsigned i = 0; i < 3; i++) {
				Spec s = spec(v6, SEQ0 + i * (uint32_t) mss, mss);

				if (i == 1) {
					if (c < sizeof(flags))
						s.flags = flags[c];
					else
						s.payload = 0;  /* a pure ACK */
				}
				len[i] = build(seg[i], &s);
				offer(F, seg[i], len[i]);
			}
			flush(F);
			if (F->n != 3)
				fail_msg("IPv%d, case %zu: %zu writes, not 3", v6 ? 6 : 4, c, F->n);
			for (unsigned i = 0; i < 3; i++)
				assert_as_offered(&F->writes[i], seg[i], len[i]);
		}
	}
}

static void test_segment_with_bad_checksum_is_written_alone_in_order(void **state) {
	Fixture *F = *state;
	uint8_t seg[5][FRAME_MAX];
	size_t len[5];

	/* 0: TCP checksum field, 1: payload byte, 2: IPv4 header checksum,
	 * 3: IPv4 header byte (TTL) */
	for (int c = 0; c < 6; c++) {
		bool v6 = c >= 4;
		size_t mss = v6 ? MSS6 : MSS4;
		size_t tcp = ETH_BYTES + (v6 ? IPV6_BYTES : IPV4_BYTES);

		forget_writes(F);
		for (unsigned i = 0; i < 5; i++) {
			Spec s = spec(v6, SEQ0 + i * (uint32_t) mss, mss);

			len[i] = build(seg[i], &s);
			if (i == 2)
				switch (c % 4) {
				case 0:
					seg[i][tcp + TCP_CHECK] ^= 0x01;
					break;
				case 1:
					seg[i][tcp + TCP_BYTES + 700] ^= 0x80;
					break;
				case 2:
					seg[i][ETH_BYTES + 11] ^= 0x01;
					break;
				case 3:
					seg[i][ETH_BYTES + 8] ^= 0x01;
					break;
				}
			offer(F, seg[i], len[i]);
		}
		flush(F);
		if (F->n != 3)
			fail_msg("case %d: %zu writes, not 3", c, F->n);
		assert_joined(&F->writes[0], seg[0], len[0], 2, len[0] + len[1], 2 * mss, false);
		assert_as_offered(&F->writes[1], seg[2], len[2]);
		assert_joined(&F->writes[2], seg[3], len[3], 2, len[3] + len[4], 2 * mss, false);
	}

	/* With nothing held, too. */
	forget_writes(F);
	for (unsigned i = 0; i < 3; i++) {
		Spec s = spec(false, SEQ0 + i * MSS4, MSS4);

		len[i] = build(seg[i], &s);
		if (i == 0)
			seg[i][ETH_BYTES + IPV4_BYTES + TCP_CHECK + 1] ^= 0x40;
		offer(F, seg[i], len[i]);
	}
	flush(F);
	assert_int_equal(F->n, 2);
	assert_as_offered(&F->writes[0], seg[0], len[0]);
	assert_joined(&F->writes[1], seg[1], len[1], 2, len[1] + len[2], 2 * MSS4, false);
}

/* A frame in a buffer of its exact size, for the sanitizers to watch. */
typedef struct Odd {
	uint8_t *data;
	size_t len;
} Odd;

static void odd_add(Odd *odd, size_t *n, const uint8_t *data, size_t len) {
	odd[*n].data = malloc(len > 0 ? len : 1);
	assert_non_null(odd[*n].data);
	if (len > 0)
		memcpy(odd[*n].data, data, len);
	odd[*n].len = len;
	(*n)++;
}

/* Ethernet + IPv4 or IPv6 + UDP, valid checksums. */
static size_t build_udp(uint8_t *f, bool ipv6) {
	Spec s = spec(ipv6, SEQ0, 100);
	size_t len = build(f, &s);
	uint8_t *ip = f + ETH_BYTES, *udp = ip + ip_header_bytes(ip);

	len -= TCP_BYTES - 8;
	if (ipv6) {
		ip[6] = 17;
		put16(ip + 4, (uint32_t) (len - ETH_BYTES - IPV6_BYTES));
	} else {
		ip[9] = 17;
		put16(ip + 2, (uint32_t) (len - ETH_BYTES));
		ipv4_fix_checksum(ip);
	}
	put16(udp + 4, (uint32_t) l4_bytes(ip));
	for (size_t i = 8; i < l4_bytes(ip); i++)
		udp[i] = (uint8_t) i;
	l4_fix_checksum(ip, 6);
	return len;
}

/*
 * What makes a TCP segment one not to join; each is offered twice, to
 * segments that would join but for it. Those that keep valid checksums
 * show a Coalescer that looks past what it must not join.
 */

/* IPv4 with an option (4 NOPs) */
static void spoil_ip_options(uint8_t *f, size_t *len) {
	uint8_t *ip = f + ETH_BYTES;

	memmove(ip + 24, ip + 20, *len - ETH_BYTES - 20);
	memset(ip + 20, 1, 4);
	ip[0] = 0x46;
	*len += 4;
	put16(ip + 2, (uint32_t) (*len - ETH_BYTES));
	ipv4_fix_checksum(ip);
	l4_fix_checksum(ip, TCP_CHECK);
}

/* A first fragment (MF), with the TCP checksum valid for what it holds */
static void spoil_more_fragments(uint8_t *f, size_t *len) {
	put16(f + ETH_BYTES + 6, 0x2000);
	ipv4_fix_checksum(f + ETH_BYTES);
}

/* A later fragment */
static void spoil_fragment_offset(uint8_t *f, size_t *len) {
	put16(f + ETH_BYTES + 6, 0x0010);
	ipv4_fix_checksum(f + ETH_BYTES);
}

/* The reserved flag ("evil bit") beside DF: GRO joins no such segment. */
static void spoil_reserved_flag(uint8_t *f, size_t *len) {
	put16(f + ETH_BYTES + 6, (uint16_t) (get16(f + ETH_BYTES + 6) | 0x8000));
	ipv4_fix_checksum(f + ETH_BYTES);
}

/* IP version 5 behind the ethertype of IPv4 or IPv6 */
static void spoil_version(uint8_t *f, size_t *len) {
	uint8_t *ip = f + ETH_BYTES;

	if (is_ipv6(ip))
		ip[0] = (uint8_t) (0x50 | (ip[0] & 0x0f));
	else {
		ip[0] = 0x55;
		ipv4_fix_checksum(ip);
	}
}

/* Another protocol over a TCP segment, whose checksum still holds as TCP's */
static void spoil_protocol(uint8_t *f, size_t *len) {
	uint8_t *ip = f + ETH_BYTES;

	if (is_ipv6(ip))
		ip[6] = 17;
	else {
		ip[9] = 17;
		ipv4_fix_checksum(ip);
	}
}

/* A TCP data offset below 5 (4 words: the last 16 header bytes read as
 * payload), with the checksum fixed */
static void spoil_short_data_offset(uint8_t *f, size_t *len) {
	uint8_t *ip = f + ETH_BYTES;

	ip[ip_header_bytes(ip) + 12] = 0x40;
	l4_fix_checksum(ip, TCP_CHECK);
}

/* A TCP data offset past the end of the packet */
static void spoil_long_data_offset(uint8_t *f, size_t *len) {
	uint8_t *ip = f + ETH_BYTES;

	*len = ETH_BYTES + ip_header_bytes(ip) + TCP_BYTES + 8;
	if (is_ipv6(ip))
		put16(ip + 4, TCP_BYTES + 8);
	else {
		put16(ip + 2, IPV4_BYTES + TCP_BYTES + 8);
		ipv4_fix_checksum(ip);
	}
	ip[ip_header_bytes(ip) + 12] = 0xf0;
	l4_fix_checksum(ip, TCP_CHECK);
}

/* VLAN-tagged */
static void spoil_vlan(uint8_t *f, size_t *len) {
	memmove(f + 16, f + 12, *len - 12);
	memcpy(f + 12, (const uint8_t[]) { 0x81, 0x00, 0x00, 0x64 }, 4);
	*len += 4;
}

/* Shorter than the IP header says, by a byte */
static void spoil_truncated(uint8_t *f, size_t *len) {
	(*len)--;
}

/* Shorter than the IP header says, by the whole payload */
static void spoil_truncated_to_headers(uint8_t *f, size_t *len) {
	*len -= 200;
}

/* An IPv4 total length, or IPv6 payload length, less than the headers */
static void spoil_length_below_headers(uint8_t *f, size_t *len) {
	uint8_t *ip = f + ETH_BYTES;

	if (is_ipv6(ip))
		put16(ip + 4, 19);
	else {
		put16(ip + 2, 39);
		ipv4_fix_checksum(ip);
	}
}

/* IPv6 with a hop-by-hop header before TCP */
static void spoil_extension_header(uint8_t *f, size_t *len) {
	uint8_t *ip = f + ETH_BYTES;

	memmove(ip + 48, ip + 40, *len - ETH_BYTES - 40);
	memset(ip + 40, 0, 8);
	ip[40] = 6;
	ip[42] = 1;             /* PadN, 4 bytes */
	ip[43] = 4;
	ip[6] = 0;
	*len += 8;
	put16(ip + 4, (uint32_t) (*len - ETH_BYTES - IPV6_BYTES));
}

/* The other IP version's ethertype */
static void spoil_ethertype(uint8_t *f, size_t *len) {
	put16(f + 12, is_ipv6(f + ETH_BYTES) ? 0x0800 : 0x86dd);
}

static const struct {
	const char *name;
	int only;               /* 4 or 6: for that IP version only */
	size_t more;            /* sequence space the Coalescer would see beyond the payload */
	void (*spoil)(uint8_t *f, size_t *len);
} spoilers[] = {
	{ "IPv4 options", 4, 0, spoil_ip_options },
	{ "more fragments", 4, 0, spoil_more_fragments },
	{ "a fragment offset", 4, 0, spoil_fragment_offset },
	{ "the reserved flag", 4, 0, spoil_reserved_flag },
	{ "IP version 5", 0, 0, spoil_version },
	{ "another protocol", 0, 0, spoil_protocol },
	{ "a data offset below 5", 0, 16, spoil_short_data_offset },
	{ "a data offset past the end", 0, 0, spoil_long_data_offset },
	{ "a VLAN tag", 0, 0, spoil_vlan },
	{ "a byte missing", 0, 0, spoil_truncated },
	{ "the payload missing", 0, 0, spoil_truncated_to_headers },
	{ "an IP length below the headers", 0, 0, spoil_length_below_headers },
	{ "an extension header", 6, 0, spoil_extension_header },
	{ "the other ethertype", 0, 0, spoil_ethertype },
};

static void test_frames_that_are_not_joinable_tcp_are_written_as_they_came_in_order(void **state) {
	Fixture *F = *state;
	static Odd odd[512];
	uint8_t f[FRAME_MAX];
	size_t n = 0;
	Spec s;

	/* ARP request, padded */
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, (const uint8_t[]) { 0x02, 0, 0, 0, 0, 0x02 }, 6);
	memcpy(f + 12, (const uint8_t[]) { 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1 }, 10);
	odd_add(odd, &n, f, 60);

	/* UDP, twice */
	for (int v6 = 0; v6 <= 1; v6++) {
		odd_add(odd, &n, f, build_udp(f, v6));
		odd_add(odd, &n, f, build_udp(f, v6));
	}

	for (int v6 = 0; v6 <= 1; v6++)
		for (size_t i = 0; i < sizeof(spoilers) / sizeof(spoilers[0]); i++) {
			uint32_t seq = SEQ0;

			if (spoilers[i].only == (v6 ? 4 : 6))
				continue;
			for (int k = 0; k < 2; k++) {
				size_t len;

				s = spec(v6, seq, 200);
				s.id = (uint16_t) (0x1234 + k);      /* for fragments, without DF */
				len = build(f, &s);
				spoilers[i].spoil(f, &len);
				odd_add(odd, &n, f, len);
				seq += (uint32_t) (200 + spoilers[i].more);
			}
		}

	/* Runts: zeros, all ones, and the starts of valid segments */
	for (size_t l = 0; l <= 60; l++) {
		memset(f, 0, l);
		odd_add(odd, &n, f, l);
		memset(f, 0xff, l);
		odd_add(odd, &n, f, l);
		for (int v6 = 0; v6 <= 1; v6++) {
			s = spec(v6, SEQ0, 200);
			build(f, &s);
			odd_add(odd, &n, f, l);
		}
	}
	assert_true(n <= sizeof(odd) / sizeof(odd[0]));

	for (size_t i = 0; i < n; i++)
		offer(F, odd[i].data, odd[i].len);
	flush(F);
	if (F->n != n)
		fail_msg("%zu writes for %zu frames", F->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_as_offered(&F->writes[i], odd[i].data, odd[i].len);
		free(odd[i].data);
	}
}

static void test_every_truncation_of_a_segment_is_written_as_it_came(void **state) {
	Fixture *F = *state;
	uint8_t f[FRAME_MAX], g[FRAME_MAX];

	for (int v6 = 0; v6 <= 1; v6++) {
		Spec s = spec(v6, SEQ0, v6 ? MSS6 : MSS4);
		size_t len = build(f, &s), lg;

		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *t = malloc(cut > 0 ? cut : 1);

			assert_non_null(t);
			memcpy(t, f, cut);
			forget_writes(F);
			offer(F, t, cut);
			assert_int_equal(F->n, 1);
			assert_as_offered(&F->writes[0], t, cut);
			free(t);
		}
		/* And the Coalescer still joins. */
		forget_writes(F);
		s = spec(v6, SEQ0 + (uint32_t) s.payload, s.payload);
		lg = build(g, &s);
		offer(F, f, len);
		offer(F, g, lg);
		flush(F);
		assert_int_equal(F->n, 1);
		assert_joined(&F->writes[0], f, len, 2, len + lg, 2 * s.payload, false);
	}
}

static void test_single_held_segment_is_written_unchanged_with_zero_header(void **state) {
	Fixture *F = *state;
	uint8_t f[FRAME_MAX];

	for (int c = 0; c < 4; c++) {
		bool v6 = c % 2;
		Spec s = spec(v6, SEQ0, v6 ? MSS6 : MSS4);
		size_t len;

		if (c >= 2) {
			s.flags |= TCP_PSH;
			s.payload = 1;
		}
		len = build(f, &s);
		forget_writes(F);
		offer(F, f, len);
		assert_int_equal(F->n, 0);
		flush(F);
		assert_int_equal(F->n, 1);
		assert_as_offered(&F->writes[0], f, len);
	}

	/* Nothing held: nothing written. */
	forget_writes(F);
	flush(F);
	assert_int_equal(F->n, 0);
}

static void test_single_padded_segment_is_written_unchanged(void **state) {
	Fixture *F = *state;
	uint8_t f[60];
	Spec s = spec(false, SEQ0, 1);
	size_t len;

	/* 55 bytes, padded to Ethernet's minimum. */
	s.bare = true;
	len = build(f, &s);
	assert_int_equal(len, 55);
	memset(f + len, 0, sizeof(f) - len);
	offer(F, f, sizeof(f));
	flush(F);
	assert_int_equal(F->n, 1);
	assert_int_equal(F->writes[0].frames, 1);
	assert_int_equal(F->writes[0].bytes, sizeof(f));
	/* As it came, padding and all. */
	assert_int_equal(F->writes[0].len, sizeof(f));
	assert_memory_equal(F->writes[0].frame, f, sizeof(f));
	assert_memory_equal(F->writes[0].header, (const uint8_t[VNET_HDR_BYTES]) { 0 }, VNET_HDR_BYTES);
}

static void test_padded_segments_join_without_their_padding(void **state) {
	Fixture *F = *state;
	uint8_t seg[4][60];
	size_t len = 0;

	/* 55-byte segments of one byte each, padded to 60 with zeros. */
	for (unsigned i = 0; i < 4; i++) {
		Spec s = spec(false, SEQ0 + i, 1);

		s.bare = true;
		len = build(seg[i], &s);
		assert_int_equal(len, 55);
		memset(seg[i] + len, 0, sizeof(seg[i]) - len);
		offer(F, seg[i], sizeof(seg[i]));
	}
	flush(F);
	assert_int_equal(F->n, 1);
	/* The bytes offered count the padding; the frame holds none. */
	assert_joined(&F->writes[0], seg[0], len, 4, 4 * sizeof(seg[0]), 4, false);
}

static void test_stops_joining_before_ip_length_passes_65535(void **state) {
	/*
	 * IPv4: 52 + 45 * 1448 = 65212; IPv6: 32 + 45 * 1428 = 64292. Sizes
	 * that reach 65535 exactly: 52 + 11 * 5953, 32 + 31 * 2113. And a
	 * short last segment that reaches 65535, or would reach 65536:
	 * 65212 + 323 or 324, 64292 + 1243 or 1244.
	 */
	static const struct {
		bool ipv6;
		size_t mss;
		unsigned count;
		size_t last;            /* the last segment's payload; 0: full */
		unsigned first;         /* how many the first write joins */
		bool full;              /* it reaches 65535 */
	} cases[] = {
		{ false, MSS4, 50, 0, 45, false },
		{ true, MSS6, 50, 0, 45, false },
		{ false, 5953, 12, 0, 11, true },
		{ true, 2113, 32, 0, 31, true },
		{ false, MSS4, 46, 323, 46, true },
		{ false, MSS4, 46, 324, 45, false },
		{ true, MSS6, 46, 1243, 46, true },
		{ true, MSS6, 46, 1244, 45, false },
	};
	Fixture *F = *state;
	uint8_t (*seg)[FRAME_MAX] = malloc(50 * sizeof(*seg));
	size_t len[50];

	assert_non_null(seg);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned first = cases[c].first, count = cases[c].count;
		size_t writes = first < count ? 2 : 1;
		uint64_t bytes[2] = { 0, 0 };
		size_t payload[2] = { 0, 0 };

		forget_writes(F);
		for (unsigned i = 0; i < count; i++) {
			size_t p = i == count - 1 && cases[c].last ? cases[c].last : cases[c].mss;
			Spec s = spec(cases[c].ipv6, SEQ0 + i * (uint32_t) cases[c].mss, p);

			len[i] = build(seg[i], &s);
			bytes[i >= first] += len[i];
			payload[i >= first] += p;
			offer(F, seg[i], len[i]);
		}
		flush(F);
		if (F->n != writes || F->writes[0].frames != first)
			fail_msg("case %zu: %zu writes, the first of %u frames, not %zu and %u", c, F->n,
			         F->n > 0 ? F->writes[0].frames : 0, writes, first);
		assert_joined(&F->writes[0], seg[0], len[0], first, bytes[0], payload[0], false);
		/* The IP length: at most 65535, exactly where there is room. */
		if (cases[c].full)
			assert_int_equal(F->writes[0].len - ETH_BYTES - (cases[c].ipv6 ? IPV6_BYTES : 0), 65535);
		else
			assert_true(F->writes[0].len - ETH_BYTES - (cases[c].ipv6 ? IPV6_BYTES : 0) < 65535);
		if (count - first == 1)
			assert_as_offered(&F->writes[1], seg[first], len[first]);
		else if (count - first > 1)
			assert_joined(&F->writes[1], seg[first], len[first], count - first, bytes[1], payload[1], false);
	}
	free(seg);
}

static void test_frame_that_cannot_join_is_written_after_the_held_run(void **state) {
	Fixture *F = *state;
	uint8_t seg[8][FRAME_MAX], arp[60] = { 0 };
	size_t len[8];

	/* Three of a run, ARP, two more of the run. */
	memset(arp, 0xff, 6);
	put16(arp + 12, 0x0806);
	for (unsigned i = 0; i < 5; i++) {
		Spec s = spec(false, SEQ0 + i * MSS4, MSS4);

		len[i] = build(seg[i], &s);
		if (i == 3)
			offer(F, arp, sizeof(arp));
		offer(F, seg[i], len[i]);
	}
	flush(F);
	assert_int_equal(F->n, 3);
	assert_joined(&F->writes[0], seg[0], len[0], 3, len[0] + len[1] + len[2], 3 * MSS4, false);
	assert_as_offered(&F->writes[1], arp, sizeof(arp));
	assert_joined(&F->writes[2], seg[3], len[3], 2, len[3] + len[4], 2 * MSS4, false);

	/* Two of a run, one of another flow, two more of the run. */
	forget_writes(F);
	for (unsigned i = 0; i < 5; i++) {
		Spec s = spec(false, SEQ0 + (i > 2 ? i - 1 : i) * MSS4, MSS4);

		if (i == 2) {
			s.sport = 40001;
			s.seq = 0x7000;
		}
		len[i] = build(seg[i], &s);
		offer(F, seg[i], len[i]);
	}
	flush(F);
	assert_int_equal(F->n, 3);
	assert_joined(&F->writes[0], seg[0], len[0], 2, len[0] + len[1], 2 * MSS4, false);
	assert_as_offered(&F->writes[1], seg[2], len[2]);
	assert_joined(&F->writes[2], seg[3], len[3], 2, len[3] + len[4], 2 * MSS4, false);
}

static void test_failing_write_is_returned_by_add_and_flush(void **state) {
	Fixture *F = *state;
	uint8_t a[FRAME_MAX], b[FRAME_MAX], arp[60] = { 0 };
	Spec s = spec(false, SEQ0, MSS4);
	size_t la = build(a, &s), lb;

	s = spec(false, SEQ0 + 1, MSS4);   /* does not join a */
	lb = build(b, &s);
	put16(arp + 12, 0x0806);

	/* Nothing held: a frame written as it came. */
	F->fail = -EIO;
	assert_int_equal(coalescer_add(F->c, arp, sizeof(arp)), -EIO);
	assert_int_equal(F->calls, 1);

	/* A segment held, flushed. */
	offer(F, a, la);
	F->fail = -EPIPE;
	assert_int_equal(coalescer_flush(F->c), -EPIPE);

	/* A segment held, flushed by a frame that cannot join, or by one
	 * that starts another run: the flush's error, though the frame's
	 * own write would not fail. */
	offer(F, a, la);
	F->fail = -ENODEV;
	assert_int_equal(coalescer_add(F->c, arp, sizeof(arp)), -ENODEV);
	flush(F);
	offer(F, a, la);
	F->fail = -ECONNRESET;
	assert_int_equal(coalescer_add(F->c, b, lb), -ECONNRESET);
	flush(F);

	/* A joined run, flushed. */
	forget_writes(F);
	s = spec(false, SEQ0 + MSS4, MSS4);
	lb = build(b, &s);
	offer(F, a, la);
	offer(F, b, lb);
	F->fail = -EIO;
	assert_int_equal(coalescer_flush(F->c), -EIO);
	assert_int_equal(F->n, 0);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_joins_ten_full_ipv4_segments_into_one_gso_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_joins_ten_full_ipv6_segments_into_one_gso_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_joined_frame_segments_back_into_the_frames_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_segment_joins_and_ends_the_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psh_segment_joins_sets_psh_and_ends_the_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_with_psh_first_is_written_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_does_not_join_segments_that_differ, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_ids_count_up_without_df_and_may_differ_with_df, setup, teardown),
		cmocka_unit_test_setup_teardown(test_does_not_join_across_flags_other_than_ack_and_psh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_with_bad_checksum_is_written_alone_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frames_that_are_not_joinable_tcp_are_written_as_they_came_in_order,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_truncation_of_a_segment_is_written_as_it_came, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_held_segment_is_written_unchanged_with_zero_header, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_single_padded_segment_is_written_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_padded_segments_join_without_their_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stops_joining_before_ip_length_passes_65535, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_that_cannot_join_is_written_after_the_held_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_write_is_returned_by_add_and_flush, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
