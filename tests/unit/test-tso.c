/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests TCP segmentation in software (tso.c): a GSO frame, IPv4 or IPv6,
 * cut in place into length32 frames, each checked against the segment
 * built here, field by field, with checksums summed a byte at a time,
 * independently of checksum.c; FIN and PSH on the last segment only, CWR
 * on the first only; a payload that is not a multiple of gso_size; and
 * every refusal, which leaves the frame as it was.
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

#include "frame.h"
#include "tso.h"
#include "vnet.h"

#define ETH_BYTES 14U
#define IPV4_BYTES 20U
#define IPV6_BYTES 40U
#define TCP_BYTES 32U           /* with NOP, NOP, timestamp */
#define MSS 1448U              /* a 1500-byte MTU, with timestamps */
#define MSS6 1428U

#define TCP_FIN 0x01U
#define TCP_PSH 0x08U
#define TCP_ACK 0x10U
#define TCP_CWR 0x80U

/* Room for a 64 KiB frame cut in place, with its first length before. */
#define BUF_BYTES (FRAME_HEADER_BYTES + ETH_BYTES + IPV6_BYTES + 65535U + TSO_GROWTH_BYTES_MAX)

static uint8_t buf[BUF_BYTES];
static uint8_t want[ETH_BYTES + IPV6_BYTES + TCP_BYTES + 65535U];

static void put16(uint8_t *p, unsigned v) {
	p[0] = (uint8_t) (v >> 8), p[1] = (uint8_t) v;
}

static unsigned sum_bytes(unsigned sum, const uint8_t *p, size_t len) {
	for (size_t i = 0; i < len; i++)
		sum += i % 2 ? p[i] : (unsigned) p[i] << 8;
	return sum;
}

static unsigned fold(unsigned sum) {
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint8_t payload_byte(size_t i) {
	return (uint8_t) (i * 7 + i / 251);
}

/*
 * A TCP segment into out: payload bytes from offset off of the stream's
 * payload (payload_byte()), sequence number 1000 + off, IPv4 ID id.
 * Returns its length.
 */
static size_t segment(uint8_t *out, bool ipv6, size_t off, size_t payload, unsigned id, uint8_t flags) {
	size_t ip_bytes = ipv6 ? IPV6_BYTES : IPV4_BYTES, tcp_len = TCP_BYTES + payload;
	uint8_t *ip = out + ETH_BYTES, *tcp = ip + ip_bytes;
	uint32_t seq = 1000 + (uint32_t) off;
	unsigned sum;

	memset(out, 0, ETH_BYTES + ip_bytes + TCP_BYTES);
	memcpy(out, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	if (ipv6) {
		put16(out + 12, 0x86dd);
		ip[0] = 0x60;
		put16(ip + 4, (unsigned) tcp_len);
		ip[6] = 6, ip[7] = 64;
		ip[8] = 0xfd, ip[23] = 1, ip[24] = 0xfd, ip[39] = 2;
		sum = sum_bytes(0, ip + 8, 32) + (unsigned) tcp_len + 6;
	} else {
		put16(out + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, (unsigned) (IPV4_BYTES + tcp_len));
		put16(ip + 4, id);
		put16(ip + 6, 0x4000);
		ip[8] = 64, ip[9] = 6;
		ip[12] = 10, ip[15] = 1, ip[16] = 10, ip[19] = 2;
		put16(ip + 10, ~fold(sum_bytes(0, ip, IPV4_BYTES)) & 0xffff);
		sum = sum_bytes(0, ip + 12, 8) + (unsigned) tcp_len + 6;
	}
	put16(tcp, 40000), put16(tcp + 2, 5201);
	tcp[4] = (uint8_t) (seq >> 24), tcp[5] = (uint8_t) (seq >> 16), tcp[6] = (uint8_t) (seq >> 8), tcp[7] = (uint8_t) seq;
	tcp[11] = 1;
	tcp[12] = (TCP_BYTES / 4) << 4, tcp[13] = flags;
	put16(tcp + 14, 512);
	tcp[20] = 1, tcp[21] = 1, tcp[22] = 8, tcp[23] = 10, tcp[27] = 42;
	for (size_t i = 0; i < payload; i++)
		tcp[TCP_BYTES + i] = payload_byte(off + i);
	put16(tcp + 16, ~fold(sum_bytes(sum, tcp, tcp_len)) & 0xffff);
	return ETH_BYTES + ip_bytes + tcp_len;
}

/* The GSO frame of payload bytes into buf, behind room for its length. */
static uint8_t *gso_frame(bool ipv6, size_t payload, uint8_t flags, size_t *ret_len) {
	memset(buf, 0xee, sizeof(buf));
	*ret_len = segment(buf + FRAME_HEADER_BYTES, ipv6, 0, payload, 7, flags);
	return buf + FRAME_HEADER_BYTES;
}

static VnetHeader gso_header(bool ipv6, unsigned gso_size) {
	return (VnetHeader) {
		.flags = VNET_HDR_F_NEEDS_CSUM,
		.gso_type = ipv6 ? VNET_HDR_GSO_TCPV6 : VNET_HDR_GSO_TCPV4,
		.gso_size = (uint16_t) gso_size,
	};
}

/* Cuts a GSO frame of payload bytes and checks every segment. */
static void check_cut(bool ipv6, size_t payload, unsigned gso_size, uint8_t flags) {
	VnetHeader h = gso_header(ipv6, gso_size);
	size_t len, n = (payload + gso_size - 1) / gso_size, at = 0;
	uint8_t *frame = gso_frame(ipv6, payload, flags, &len);
	unsigned segments = 0;
	ssize_t total;

	total = tso_cut_framed(&h, frame, len, sizeof(buf) - FRAME_HEADER_BYTES, 1514, &segments);
	assert_int_equal(segments, n);
	for (size_t k = 0; k < n; k++) {
		size_t chunk = k + 1 < n ? gso_size : payload - k * gso_size;
		uint8_t f = flags;
		size_t want_len, got_len;

		if (k + 1 < n)
			f &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		if (k > 0)
			f &= (uint8_t) ~TCP_CWR;
		want_len = segment(want, ipv6, k * gso_size, chunk, 7 + (unsigned) k, f);
		got_len = (size_t) buf[at] << 24 | (size_t) buf[at + 1] << 16 | (size_t) buf[at + 2] << 8 | buf[at + 3];
		assert_int_equal(got_len, want_len);
		assert_memory_equal(buf + at + FRAME_HEADER_BYTES, want, want_len);
		at += FRAME_HEADER_BYTES + want_len;
	}
	assert_int_equal(total, at);
}

static void test_ipv4_frame_is_cut_into_segments(void **state) {
	check_cut(false, 64000, MSS, TCP_ACK | TCP_PSH);
}

static void test_ipv6_frame_is_cut_into_segments(void **state) {
	check_cut(true, 65535 - TCP_BYTES, MSS6, TCP_ACK | TCP_PSH);
}

static void test_fin_and_psh_go_on_the_last_cwr_on_the_first(void **state) {
	check_cut(false, 10 * MSS + 1, MSS, TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR);
	check_cut(true, 3 * MSS6, MSS6, TCP_ACK | TCP_FIN | TCP_CWR);
}

/* Less than gso_size of payload: one segment, its checksums done. */
static void test_frame_of_one_segment_gets_its_checksums(void **state) {
	check_cut(false, 100, MSS, TCP_ACK);
	check_cut(true, MSS6, MSS6, TCP_ACK | TCP_PSH);
}

/* The most segments a device hands out, of the smallest payload TCP
 * sends at a 1280-byte MTU, fit in the room promised for them. */
static void test_most_segments_fit_the_growth_promised(void **state) {
	check_cut(true, TSO_SEGMENTS_MAX * 1000, 1000, TCP_ACK);
}

/* Refused: the frame is left as it was. */
static void expect_refused(const VnetHeader *h, uint8_t *frame, size_t len, size_t room, size_t max, int error) {
	static uint8_t before[sizeof(buf)];
	unsigned segments = 0;

	memcpy(before, buf, sizeof(buf));
	assert_int_equal(tso_cut_framed(h, frame, len, room, max, &segments), error);
	assert_memory_equal(before, buf, sizeof(buf));
}

static void test_what_it_does_not_cut_is_refused_untouched(void **state) {
	VnetHeader h4 = gso_header(false, MSS), h6 = gso_header(true, MSS), none = h4;
	size_t room = sizeof(buf) - FRAME_HEADER_BYTES, len;
	uint8_t *frame;

	frame = gso_frame(false, 5000, TCP_ACK, &len);
	none.gso_size = 0;
	expect_refused(&none, frame, len, room, 1514, -EINVAL);
	/* A header for the other family. */
	expect_refused(&h6, frame, len, room, 1514, -EINVAL);
	/* Shorter than its IP header says. */
	expect_refused(&h4, frame, len - 1, room, 1514, -EINVAL);
	/* Segments longer than may go on. */
	expect_refused(&h4, frame, len, room, 1500, -EMSGSIZE);
	/* Too little room to cut it in place. */
	expect_refused(&h4, frame, len, len + 100, 1514, -ENOBUFS);
	/* IPv4 options; then not TCP. */
	frame[ETH_BYTES] = 0x46;
	expect_refused(&h4, frame, len, room, 1514, -EINVAL);
	frame[ETH_BYTES] = 0x45;
	frame[ETH_BYTES + 9] = 17;
	expect_refused(&h4, frame, len, room, 1514, -EINVAL);

	/* No payload. */
	frame = gso_frame(true, 0, TCP_ACK, &len);
	expect_refused(&h6, frame, len, room, 1514, -EINVAL);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_frame_is_cut_into_segments),
		cmocka_unit_test(test_ipv6_frame_is_cut_into_segments),
		cmocka_unit_test(test_fin_and_psh_go_on_the_last_cwr_on_the_first),
		cmocka_unit_test(test_frame_of_one_segment_gets_its_checksums),
		cmocka_unit_test(test_most_segments_fit_the_growth_promised),
		cmocka_unit_test(test_what_it_does_not_cut_is_refused_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
