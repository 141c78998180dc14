/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What a daemon that restarts through the fd store hands the next one for
 * each host port, beyond its fds: the counters, which go on where they
 * were, and what the link had unfinished on the host's stream (link.h),
 * with which the next link goes on inside the frames under way.
 *
 * It travels as a sealed memfd in the fd store ("handover-NAME"), written
 * at the restart and dropped as soon as the next daemon has read it: an
 * old one must never be read again, since its bytes belong to a stream
 * that has moved on. A daemon that finds one it cannot read (another
 * version's) starts its counters from 0 and says so.
 */

#include <stdint.h>

#include "link.h"

/* What a host port counts, across hosts and restarts. */
typedef struct PortCounters {
	LinkStats link;
	uint64_t connections;
	uint64_t refused;
	/* Frames the kernel lost on devices gone before, and what packet
	 * sockets' tp_drops, which reset as they are read, have said. */
	uint64_t kernel_drops_to_host;
	uint64_t kernel_drops_from_host;
	uint64_t socket_drops;
} PortCounters;

typedef struct Handover {
	PortCounters counters;
	/* What the link had unfinished, and on which connection (the
	 * socket's inode): it belongs to that one alone. */
	LinkUnfinished unfinished;
	uint64_t stream_inode;
} Handover;

#define HANDOVER_FD_PREFIX "handover"

/* Returns a sealed memfd holding h, or a negative errno. */
int handover_write(const Handover *h);

/* Reads a handover from fd (not closed): -EBADMSG if it is not one this
 * version wrote, -ENOMEM. */
int handover_read(int fd, Handover *ret);

void handover_done(Handover *h);
