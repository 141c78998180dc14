/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A token bucket in bytes, the one rate limiter of both directions of every
 * link. A frame is never split or dropped for the limit: the bucket lends
 * what a frame needs beyond its tokens, and the reader then pauses until the
 * debt is paid back, so the long-run rate is exact and a burst is bounded
 * by one batch.
 *
 * Credit is kept in byte-microseconds (bytes * USEC_PER_SEC), so refilling
 * is an exact multiplication and no fraction of a byte is lost between calls.
 */

#include <stdbool.h>
#include <stdint.h>

typedef struct RateLimit {
	uint64_t rate;          /* bytes per second; 0 means unlimited */
	uint64_t burst;         /* bytes the bucket holds when full */
	int64_t credit;         /* byte-microseconds; negative while in debt */
	uint64_t last_usec;
} RateLimit;

/* burst 0 picks a tenth of a second's worth (at least 64 KiB). */
void ratelimit_init(RateLimit *rl, uint64_t rate, uint64_t burst, uint64_t now_usec);

static inline bool ratelimit_enabled(const RateLimit *rl) {
	return rl->rate > 0;
}

void ratelimit_consume(RateLimit *rl, uint64_t bytes);

/* Microseconds until there is credit again; 0 means go ahead now. */
uint64_t ratelimit_wait_usec(RateLimit *rl, uint64_t now_usec);

/* Whole bytes of credit now (negative while in debt); for tests and stats. */
int64_t ratelimit_tokens(RateLimit *rl, uint64_t now_usec);
