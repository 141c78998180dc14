/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A dialer: the other way for a host to reach a host port, for a host that
 * listens instead of connecting (passt on its unix socket, QEMU's
 * `-netdev stream,server=on`). It connects to one address on sd-event,
 * without blocking, and hands the connection with its peer to its owner,
 * as a listener hands an accepted one; then it is idle until its owner
 * starts it again, when the host has gone.
 *
 * Retries, as QEMU's reconnect= does, but growing: the first attempt after
 * a start is at once, then one after DIALER_RETRY_FIRST_USEC, doubling up
 * to DIALER_RETRY_MAX_USEC. A connection that ends within
 * DIALER_STABLE_USEC counts as a failed attempt, so that a host that
 * accepts and hangs up at once is not dialed in a loop.
 *
 * Only a complete connection leaves the dialer: a connect under way is
 * nobody else's, and a dialer freed closes it.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "address.h"
#include "macro.h"
#include "stream.h"

#define DIALER_RETRY_FIRST_USEC (100 * USEC_PER_MSEC)
#define DIALER_RETRY_MAX_USEC (5 * USEC_PER_SEC)
#define DIALER_STABLE_USEC (1 * USEC_PER_SEC)

typedef enum DialerState {
	DIALER_IDLE,            /* connected, or not started */
	DIALER_DIALING,         /* a connect under way, or due at once */
	DIALER_WAITING,         /* the last attempt failed; the next is due later */
} DialerState;

typedef struct Dialer Dialer;

typedef struct DialerHandlers {
	/* Owns fd, a connected, non-blocking stream prepared for a link. */
	void (*connected)(Dialer *d, int fd, const Peer *peer, void *userdata);
	/* An attempt failed, error says why ("Cannot connect to ...: ...");
	 * the dialer waits for the next one. */
	void (*failed)(Dialer *d, const char *error, void *userdata);
	/* The state changed. */
	void (*changed)(Dialer *d, void *userdata);
} DialerHandlers;

/* address as address.h reads it (-EINVAL otherwise); name is for
 * messages ("eth0"). Idle until started. */
int dialer_new(Dialer **ret, sd_event *event, const char *address, const char *name,
               const DialerHandlers *handlers, void *userdata);
Dialer *dialer_free(Dialer *d);
DEFINE_POINTER_CLEANUP(Dialer, dialer_free);

/* Starts dialing, if idle; otherwise nothing changes. */
void dialer_start(Dialer *d);
/* Idle, whatever was under way. */
void dialer_stop(Dialer *d);

DialerState dialer_get_state(const Dialer *d);
const SocketAddress *dialer_get_address(const Dialer *d);
