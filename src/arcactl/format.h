/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Numbers as a person reads them in arcactl's output: byte counts with
 * 1024-based suffixes as systemd prints them (512B, 1.2K, 3.0M), time
 * spans by their two largest units (2h 5min).
 */

#include <stdint.h>

#define FORMAT_BYTES_MAX 48U
#define FORMAT_TIMESPAN_MAX 64U

const char *format_bytes(char buf[static FORMAT_BYTES_MAX], uint64_t bytes);
const char *format_timespan(char buf[static FORMAT_TIMESPAN_MAX], uint64_t usec);
