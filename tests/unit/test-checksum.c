/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests checksum_add() and checksum_fold() against RFC 1071 computed a byte
 * at a time: for every length up to 300 at every alignment, split over
 * several calls, over long buffers that carry a lot, and on the RFC's own
 * example. The sum is in host order: it is stored with memcpy and compared
 * as the two bytes a frame would hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checksum.h"

#define MAX_LEN 300U
#define MAX_OFFSET 8U

/* RFC 1071, a byte at a time: even bytes are the high halves of 16-bit
 * big-endian words, an odd last byte is padded with zero. Folded, not
 * inverted. */
static uint16_t ref_sum(const uint8_t *p, size_t len) {
	uint64_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += i % 2 ? p[i] : (uint64_t) p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t) sum;
}

/* xorshift32: the same "random" bytes on every run. */
static uint32_t next_random(uint32_t *state) {
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static void fill_random(uint8_t *p, size_t len, uint32_t *state) {
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t) next_random(state);
}

/* The two bytes a frame would hold, stored as checksum.h says: with memcpy. */
static void assert_sum_is(uint16_t host_sum, uint16_t expected, size_t len, size_t offset) {
	uint8_t b[2];

	memcpy(b, &host_sum, sizeof(b));
	if (b[0] != expected >> 8 || b[1] != (expected & 0xff))
		fail_msg("length %zu at offset %zu: %02x %02x, not %02x %02x", len, offset, b[0], b[1],
		         expected >> 8, expected & 0xff);
}

static void test_rfc1071_example_sums_to_ddf2(void **state) {
	static const uint8_t data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t sum = checksum_fold(checksum_add(0, data, sizeof(data)));
	uint8_t b[2];

	memcpy(b, &sum, sizeof(b));
	assert_int_equal(b[0], 0xdd);
	assert_int_equal(b[1], 0xf2);
	assert_int_equal(ref_sum(data, sizeof(data)), 0xddf2);

	/* Over two calls, and at an odd address. */
	for (size_t split = 0; split <= sizeof(data); split += 2) {
		uint8_t buf[sizeof(data) + 1];

		memcpy(buf + 1, data, sizeof(data));
		sum = checksum_fold(checksum_add(checksum_add(0, buf + 1, split), buf + 1 + split, sizeof(data) - split));
		assert_sum_is(sum, 0xddf2, sizeof(data), split);
	}
}

static void test_matches_bytewise_reference_for_every_length_and_offset(void **state) {
	uint8_t *buf = malloc(MAX_LEN + MAX_OFFSET);
	uint32_t seed = 0x9e3779b9;

	assert_non_null(buf);
	for (size_t offset = 0; offset < MAX_OFFSET; offset++)
		for (size_t len = 0; len <= MAX_LEN; len++) {
			fill_random(buf, MAX_LEN + MAX_OFFSET, &seed);
			assert_sum_is(checksum_fold(checksum_add(0, buf + offset, len)), ref_sum(buf + offset, len), len,
			              offset);

			/* Sums that carry most, and none. */
			memset(buf, 0xff, MAX_LEN + MAX_OFFSET);
			assert_sum_is(checksum_fold(checksum_add(0, buf + offset, len)), ref_sum(buf + offset, len), len,
			              offset);
			memset(buf, 0, MAX_LEN + MAX_OFFSET);
			assert_sum_is(checksum_fold(checksum_add(0, buf + offset, len)), 0, len, offset);
		}
	free(buf);
}

static void test_sum_split_at_even_boundaries_equals_sum_in_one_call(void **state) {
	uint8_t *buf = malloc(MAX_LEN + MAX_OFFSET);
	uint32_t seed = 12345;

	assert_non_null(buf);
	for (size_t offset = 0; offset < MAX_OFFSET; offset++)
		for (size_t len = 0; len <= MAX_LEN; len++)
			for (int round = 0; round < 4; round++) {
				uint64_t sum = 0;
				size_t at = 0;

				fill_random(buf, MAX_LEN + MAX_OFFSET, &seed);
				/* Regions of even lengths, 0 included; the last one
				 * takes what is left, odd or not. */
				while (at < len) {
					size_t part = (next_random(&seed) % 40) & ~(size_t) 1;

					if (part > len - at || next_random(&seed) % 8 == 0)
						part = len - at;
					sum = checksum_add(sum, buf + offset + at, part);
					at += part;
				}
				assert_sum_is(checksum_fold(sum), ref_sum(buf + offset, len), len, offset);
			}
	free(buf);
}

static void test_keeps_carries_over_long_buffers_and_many_calls(void **state) {
	/* 1 MiB of 0xff in one call; then 64 KiB of it added 4096 times
	 * over, 2^28 words, with the sum carried from call to call. */
	size_t len = 1024 * 1024;
	uint8_t *buf = malloc(len + 1);
	uint64_t sum = 0;

	assert_non_null(buf);
	memset(buf, 0xff, len + 1);
	assert_sum_is(checksum_fold(checksum_add(0, buf, len)), 0xffff, len, 0);
	assert_sum_is(checksum_fold(checksum_add(0, buf + 1, len)), 0xffff, len, 1);
	for (int i = 0; i < 4096; i++)
		sum = checksum_add(sum, buf, 65536);
	assert_sum_is(checksum_fold(sum), 0xffff, 65536 * 4096UL, 0);

	/* Random bytes, long, against the reference; and in 1000-byte calls. */
	uint32_t seed = 777;

	fill_random(buf, len + 1, &seed);
	for (size_t offset = 0; offset < 2; offset++) {
		sum = 0;
		for (size_t at = 0; at < len; at += 1000)
			sum = checksum_add(sum, buf + offset + at, len - at < 1000 ? len - at : 1000);
		assert_sum_is(checksum_fold(checksum_add(0, buf + offset, len)), ref_sum(buf + offset, len), len, offset);
		assert_sum_is(checksum_fold(sum), ref_sum(buf + offset, len), len, offset);
	}
	free(buf);
}

static void test_region_holding_its_stored_checksum_sums_to_ffff(void **state) {
	uint8_t buf[MAX_LEN + MAX_OFFSET];
	uint32_t seed = 4242;

	/* The field at an even offset in the region; the region anywhere. */
	for (size_t offset = 0; offset < MAX_OFFSET; offset++)
		for (size_t len = 2; len <= MAX_LEN; len++) {
			uint8_t *region = buf + offset;
			size_t field = (next_random(&seed) % (len / 2)) * 2;
			uint16_t sum;

			fill_random(buf, sizeof(buf), &seed);
			memset(region + field, 0, 2);
			sum = (uint16_t) ~checksum_fold(checksum_add(0, region, len));
			memcpy(region + field, &sum, sizeof(sum));
			assert_int_equal(ref_sum(region, len), 0xffff);
			assert_int_equal(checksum_fold(checksum_add(0, region, len)), 0xffff);
		}
}

static void test_fold_adds_the_carries_back_in(void **state) {
	static const struct {
		uint64_t sum;
		uint16_t folded;
	} cases[] = {
		{ 0, 0 },
		{ 1, 1 },
		{ 0xffff, 0xffff },
		{ 0x10000, 0x0001 },
		{ 0x1fffe, 0xffff },
		{ 0x1ffff, 0x0001 },
		{ 0x12345678, 0x68ac },
		{ 0xffffffff, 0xffff },
		{ 0x100000000, 0x0001 },
		{ 0x1fffffffe, 0xffff },
		{ UINT64_MAX, 0xffff },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(checksum_fold(cases[i].sum), cases[i].folded);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example_sums_to_ddf2),
		cmocka_unit_test(test_matches_bytewise_reference_for_every_length_and_offset),
		cmocka_unit_test(test_sum_split_at_even_boundaries_equals_sum_in_one_call),
		cmocka_unit_test(test_keeps_carries_over_long_buffers_and_many_calls),
		cmocka_unit_test(test_region_holding_its_stored_checksum_sums_to_ffff),
		cmocka_unit_test(test_fold_adds_the_carries_back_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
