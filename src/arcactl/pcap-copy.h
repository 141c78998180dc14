/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * `arcactl capture` copies the pcap file a daemon writes into a pipe to a
 * file or to stdout. It may be stopped at any moment (Ctrl-C), yet what it
 * wrote must stay a file tcpdump reads to the end: so it follows the
 * records as they pass and, when told to stop, reads on through what the
 * pipe holds by then and to the end of the record it is in. The daemon
 * never leaves a record half written, so that wait is short.
 */

#include <stdbool.h>
#include <stdint.h>

typedef struct PcapCopyResult {
	uint64_t frames;        /* whole records copied */
	uint64_t bytes;         /* bytes copied, file header included */
	bool stopped;           /* stop_fd asked for it, rather than the end of input */
} PcapCopyResult;

/*
 * Copies from in_fd to out_fd until in_fd ends, or until stop_fd (if >= 0)
 * has become readable, what in_fd held then is copied and the copy is at a
 * record boundary. in_fd must be a pipe or socket (FIONREAD). Returns 0, -EBADMSG
 * if the input is not a pcap stream or ends inside a record, or another
 * negative errno from reading or writing; result counts what was copied.
 */
int pcap_copy(int in_fd, int out_fd, int stop_fd, PcapCopyResult *result);
