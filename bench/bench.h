/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the benchmark's small programs share: counters that bench/run samples
 * with SIGUSR1 (each sample is one line "snapshot MONO_NS FRAMES BYTES" on
 * stdout, so the harness can turn two of them into a rate over exactly the
 * window it chose), the stop flag set by SIGTERM/SIGINT, and the TAP and
 * unix socket set-up every program does the same way.
 *
 * Signals are installed without SA_RESTART: a blocking read or write
 * returns EINTR, so a loop notices a snapshot request or a stop at once
 * even when no traffic flows.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct BenchCounter {
	uint64_t frames;
	uint64_t bytes;
} BenchCounter;

extern volatile sig_atomic_t bench_stop;
extern volatile sig_atomic_t bench_snapshot_wanted;

void bench_signals_setup(void);
uint64_t bench_now_ns(void);

/* Prints a snapshot line if one was asked for since the last call. */
void bench_snapshot_poll(const BenchCounter *c);
void bench_snapshot_print(const BenchCounter *c);

/*
 * Attaches to the TAP device name (creating it if it does not exist) with
 * IFF_TAP|IFF_NO_PI and clears its offloads (TUNSETOFFLOAD 0): a reused,
 * persistent device keeps whatever offloads its previous user set, and
 * every program under test must see plain frames. Returns the fd or a
 * negative errno.
 */
int bench_tap_attach(const char *name, bool nonblock);

/* A blocking AF_UNIX stream: accepts one connection on path (removing a
 * stale socket file first), or connects to path, retrying until it
 * exists or timeout_ms pass. */
int bench_unix_accept_one(const char *path);
int bench_unix_connect(const char *path, unsigned timeout_ms);

/* Parses a positive number; exits with a message on anything else. */
uint64_t bench_parse_u64(const char *option, const char *s);
double bench_parse_seconds(const char *option, const char *s);
