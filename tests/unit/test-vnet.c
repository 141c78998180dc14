/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vnet.h"

/* Ones' complement sum of 16-bit big-endian words, folded. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum) {
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t) (p[i] << 8 | p[i + 1]);
	if (len % 2)
		sum += (uint32_t) p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* An Ethernet + IPv4 + UDP frame with payload_len bytes of payload. */
static size_t udp_frame(uint8_t *f, size_t payload_len) {
	size_t udp_len = 8 + payload_len;
	uint8_t *ip = f + 14, *udp = ip + 20;

	memset(f, 0, 14 + 20 + udp_len);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (uint8_t[]) { 10, 0, 0, 2, 10, 0, 0, 1 }, 8);
	udp[0] = 0x30, udp[1] = 0x39, udp[2] = 0x1f, udp[3] = 0x90;
	udp[4] = (uint8_t) (udp_len >> 8), udp[5] = (uint8_t) udp_len;
	for (size_t i = 0; i < payload_len; i++)
		udp[8 + i] = (uint8_t) (i * 7 + 3);
	return 14 + 20 + udp_len;
}

/* The UDP checksum as a receiver checks it: over the pseudo-header and
 * the datagram, field included, the sum is 0xffff. */
static uint32_t verify_udp(const uint8_t *f, size_t len) {
	const uint8_t *ip = f + 14;
	uint8_t pseudo[12] = { 0 };
	size_t udp_len = len - 34;

	memcpy(pseudo, ip + 12, 8);
	pseudo[9] = 17;
	pseudo[10] = (uint8_t) (udp_len >> 8), pseudo[11] = (uint8_t) udp_len;
	return sum16(ip + 20, udp_len, sum16(pseudo, sizeof(pseudo), 0));
}

static void test_header_written_as_virtio_lays_it_out(void **state) {
	const VnetHeader h = {
		.flags = VNET_HDR_F_NEEDS_CSUM,
		.gso_type = VNET_HDR_GSO_TCPV6,
		.hdr_len = 0x0102,
		.gso_size = 1428,
		.csum_start = 54,
		.csum_offset = 16,
	};
	/* struct virtio_net_hdr: two bytes, then four little-endian u16. */
	const uint8_t expected[VNET_HDR_BYTES] = { 1, 4, 0x02, 0x01, 0x94, 0x05, 54, 0, 16, 0 };
	uint8_t raw[VNET_HDR_BYTES];
	VnetHeader back;

	vnet_header_write(&h, raw);
	assert_memory_equal(raw, expected, VNET_HDR_BYTES);
	vnet_header_parse(raw, &back);
	assert_memory_equal(&back, &h, sizeof(h));
}

static void test_completes_partial_udp_checksum(void **state) {
	for (size_t payload = 0; payload < 40; payload++) {
		uint8_t f[128], raw[VNET_HDR_BYTES] = { VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 0, 0, 34, 0, 6, 0 };
		size_t len = udp_frame(f, payload);
		uint8_t pseudo[12] = { 10, 0, 0, 2, 10, 0, 0, 1, 0, 17, (uint8_t) ((len - 34) >> 8), (uint8_t) (len - 34) };
		uint32_t partial = sum16(pseudo, sizeof(pseudo), 0);
		VnetHeader h;

		/* What a sender leaving it to the hardware puts there. */
		f[40] = (uint8_t) (partial >> 8), f[41] = (uint8_t) partial;
		vnet_header_parse(raw, &h);
		assert_int_equal(h.csum_start, 34);
		assert_int_equal(h.csum_offset, 6);
		assert_int_equal(vnet_complete_checksum(&h, f, len), 0);
		assert_int_equal(verify_udp(f, len), 0xffff);
		assert_false(f[40] == 0 && f[41] == 0);
	}
}

static void test_leaves_complete_frames_alone(void **state) {
	uint8_t f[128], copy[128], raw[VNET_HDR_BYTES] = { 0 };
	size_t len = udp_frame(f, 20);
	VnetHeader h;

	memcpy(copy, f, len);
	vnet_header_parse(raw, &h);
	assert_int_equal(vnet_complete_checksum(&h, f, len), 0);
	assert_memory_equal(f, copy, len);
}

static void test_refuses_offsets_outside_the_frame(void **state) {
	uint8_t f[64] = { 0 };
	VnetHeader h = { .flags = VNET_HDR_F_NEEDS_CSUM, .csum_start = 60, .csum_offset = 6 };

	assert_int_equal(vnet_complete_checksum(&h, f, sizeof(f)), -EINVAL);
	h = (VnetHeader) { .flags = VNET_HDR_F_NEEDS_CSUM, .csum_start = 64, .csum_offset = 0 };
	assert_int_equal(vnet_complete_checksum(&h, f, sizeof(f)), -EINVAL);
	h = (VnetHeader) { .flags = VNET_HDR_F_NEEDS_CSUM, .csum_start = 10, .csum_offset = 65535 };
	assert_int_equal(vnet_complete_checksum(&h, f, sizeof(f)), -EINVAL);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_written_as_virtio_lays_it_out),
		cmocka_unit_test(test_completes_partial_udp_checksum),
		cmocka_unit_test(test_leaves_complete_frames_alone),
		cmocka_unit_test(test_refuses_offsets_outside_the_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
