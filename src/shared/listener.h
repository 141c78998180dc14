/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A listening stream socket on sd-event that hands each accepted connection,
 * with its peer, to its owner. It binds an address itself or adopts an fd
 * that is already listening (socket activation, the fd store, a ListenFD
 * passed over D-Bus).
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "address.h"
#include "macro.h"
#include "stream.h"

typedef struct Listener Listener;

/*
 * Owns fd, an accepted, non-blocking connection, whatever it returns. A
 * negative return is logged at debug level only: refusing is the owner's
 * decision and the owner logs it.
 */
typedef int (*ListenerAcceptHandler)(Listener *l, int fd, const Peer *peer, void *userdata);

/* -EADDRINUSE if something listens there already. A stale AF_UNIX socket
 * file that nobody listens on is replaced. */
int listener_new(Listener **ret, sd_event *event, const SocketAddress *address,
                 ListenerAcceptHandler handler, void *userdata);

/* Takes ownership of fd, which must be a listening SOCK_STREAM socket
 * (-ENOTSOCK, -EINVAL otherwise; fd is closed on error as well). */
int listener_new_from_fd(Listener **ret, sd_event *event, int fd,
                         ListenerAcceptHandler handler, void *userdata);

/* Closes the socket; removes the socket file if this listener made it. */
Listener *listener_free(Listener *l);

/* The socket file outlives the listener: its fd lives on elsewhere (in the
 * service manager's fd store, for the next daemon), so listener_free()
 * leaves the file in place. */
void listener_keep_path(Listener *l);
DEFINE_POINTER_CLEANUP(Listener, listener_free);

int listener_get_fd(const Listener *l);
const SocketAddress *listener_get_address(const Listener *l);

/* Whether fd is a listening AF_UNIX or AF_VSOCK stream socket (-EINVAL: not
 * a listening stream socket; -EAFNOSUPPORT: of another family), and where
 * it listens. */
int listener_check_fd(int fd, SocketAddress *ret);

/* While disabled, connections wait in the kernel's backlog. NULL: no listener, nothing to do. */
int listener_set_enabled(Listener *l, bool enabled);
