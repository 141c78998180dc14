/* SPDX-License-Identifier: Apache-2.0 */
#include "macro.h"
#include "ratelimit.h"

#define RATELIMIT_BURST_MIN_BYTES (64U * 1024U)
/* Keeps credit * USEC_PER_SEC far from INT64_MAX. */
#define RATELIMIT_BURST_MAX_BYTES (1ULL << 40)

void ratelimit_init(RateLimit *rl, uint64_t rate, uint64_t burst, uint64_t now_usec) {
	if (burst == 0)
		burst = MAX(rate / 10, RATELIMIT_BURST_MIN_BYTES);
	burst = MIN(burst, RATELIMIT_BURST_MAX_BYTES);

	*rl = (RateLimit) {
		.rate = rate,
		.burst = burst,
		.credit = (int64_t) (burst * USEC_PER_SEC),
		.last_usec = now_usec,
	};
}

static void ratelimit_refill(RateLimit *rl, uint64_t now_usec) {
	int64_t full = (int64_t) (rl->burst * USEC_PER_SEC);
	uint64_t elapsed;

	if (now_usec <= rl->last_usec)
		return;
	elapsed = now_usec - rl->last_usec;
	rl->last_usec = now_usec;

	/* Compare before multiplying: a long idle gap must not overflow. */
	if (elapsed >= (uint64_t) (full - rl->credit) / rl->rate + 1)
		rl->credit = full;
	else
		rl->credit = MIN(full, rl->credit + (int64_t) (elapsed * rl->rate));
}

void ratelimit_consume(RateLimit *rl, uint64_t bytes) {
	if (!ratelimit_enabled(rl))
		return;
	rl->credit -= (int64_t) (bytes * USEC_PER_SEC);
}

uint64_t ratelimit_wait_usec(RateLimit *rl, uint64_t now_usec) {
	if (!ratelimit_enabled(rl))
		return 0;

	ratelimit_refill(rl, now_usec);
	if (rl->credit > 0)
		return 0;

	/* Each microsecond adds `rate` byte-microseconds; wait until > 0. */
	return ((uint64_t) -rl->credit) / rl->rate + 1;
}

int64_t ratelimit_tokens(RateLimit *rl, uint64_t now_usec) {
	if (ratelimit_enabled(rl))
		ratelimit_refill(rl, now_usec);
	return rl->credit / (int64_t) USEC_PER_SEC;
}
