/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratelimit.h"

#define SEC 1000000ULL

static void test_disabled_never_waits(void **state) {
	RateLimit rl;

	ratelimit_init(&rl, 0, 0, 0);
	assert_false(ratelimit_enabled(&rl));
	ratelimit_consume(&rl, 1ULL << 40);
	assert_int_equal(ratelimit_wait_usec(&rl, 0), 0);
}

static void test_starts_full_with_burst(void **state) {
	RateLimit rl;

	ratelimit_init(&rl, 1000, 5000, 0);
	assert_int_equal(ratelimit_tokens(&rl, 0), 5000);
	ratelimit_consume(&rl, 4999);
	assert_int_equal(ratelimit_wait_usec(&rl, 0), 0);
	ratelimit_consume(&rl, 1);
	/* Exactly empty: the next microsecond brings credit again. */
	assert_int_equal(ratelimit_wait_usec(&rl, 0), 1);
}

static void test_debt_is_paid_back_at_rate(void **state) {
	RateLimit rl;

	ratelimit_init(&rl, 1000, 1000, 0);
	/* A 3000-byte frame on 1000 bytes of credit: 2000 bytes of debt. */
	ratelimit_consume(&rl, 3000);
	assert_int_equal(ratelimit_tokens(&rl, 0), -2000);
	/* 2 s to pay back, then the first microsecond of credit. */
	assert_int_equal(ratelimit_wait_usec(&rl, 0), 2 * SEC + 1);
	assert_int_equal(ratelimit_wait_usec(&rl, SEC), SEC + 1);
	assert_int_equal(ratelimit_wait_usec(&rl, 2 * SEC + 1), 0);
}

static void test_refill_caps_at_burst(void **state) {
	RateLimit rl;

	ratelimit_init(&rl, 1000, 4000, 0);
	ratelimit_consume(&rl, 4000);
	assert_int_equal(ratelimit_tokens(&rl, SEC), 1000);
	assert_int_equal(ratelimit_tokens(&rl, 100 * SEC), 4000);
	/* A year idle does not overflow. */
	assert_int_equal(ratelimit_tokens(&rl, 365ULL * 86400 * SEC), 4000);
}

static void test_no_fraction_lost_between_calls(void **state) {
	RateLimit rl;

	/* 3 B/s refilled every microsecond: 3 byte-microseconds a call. */
	ratelimit_init(&rl, 3, 1000, 0);
	ratelimit_consume(&rl, 1000);
	for (uint64_t t = 1; t <= SEC; t++)
		(void) ratelimit_wait_usec(&rl, t);
	assert_int_equal(ratelimit_tokens(&rl, SEC), 3);
}

static void test_long_run_rate_is_exact(void **state) {
	RateLimit rl;
	uint64_t now = 0, sent = 0;

	/* A sender that sends 1500-byte frames whenever allowed, for 10 s. */
	ratelimit_init(&rl, 125000, 0, 0);   /* 1 Mbit/s, default burst */
	uint64_t burst = rl.burst;
	while (now < 10 * SEC) {
		uint64_t wait = ratelimit_wait_usec(&rl, now);
		if (wait > 0) {
			now += wait;
			continue;
		}
		ratelimit_consume(&rl, 1500);
		sent += 1500;
	}
	/* At most burst + one frame above 10 s worth, never below it by more
	 * than a frame. */
	assert_true(sent <= 10 * 125000 + burst + 1500);
	assert_true(sent + 1500 >= 10 * 125000);
}

static void test_default_burst(void **state) {
	RateLimit rl;

	ratelimit_init(&rl, 100, 0, 0);
	assert_int_equal(rl.burst, 64 * 1024);
	ratelimit_init(&rl, 10 * 1000 * 1000, 0, 0);
	assert_int_equal(rl.burst, 1000 * 1000);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disabled_never_waits),
		cmocka_unit_test(test_starts_full_with_burst),
		cmocka_unit_test(test_debt_is_paid_back_at_rate),
		cmocka_unit_test(test_refill_caps_at_burst),
		cmocka_unit_test(test_no_fraction_lost_between_calls),
		cmocka_unit_test(test_long_run_rate_is_exact),
		cmocka_unit_test(test_default_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
