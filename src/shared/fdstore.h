/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The service manager's fd store: what keeps a daemon's devices, listeners
 * and host connections alive across its restart. A daemon hands each fd
 * over under a name as soon as it has it (FDSTORE=1, FDNAME=...) and takes
 * the name back when the object goes (FDSTOREREMOVE=1). When it starts,
 * the fds come back as LISTEN_FDS with LISTEN_FDNAMES, and the daemon
 * takes by name what it can use; whatever nobody takes is closed and
 * dropped from the store.
 *
 * Without a service manager (no NOTIFY_SOCKET) keeping and dropping do
 * nothing, and a start finds no fds.
 */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef struct FdStore FdStore;

/* The fds passed at start-up (socket activation or the fd store); consumes
 * LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID. Never fails for lack of fds. */
int fdstore_receive(FdStore **ret);

/* Closes the fds nobody took and drops them from the store. */
FdStore *fdstore_free(FdStore *s);
DEFINE_POINTER_CLEANUP(FdStore, fdstore_free);

/* The fd passed under name (ownership moves to the caller), or -ENOENT. */
int fdstore_take(FdStore *s, const char *name);

/* Each fd name a daemon uses is PREFIX-OBJECT, e.g. "tap-eth0". */
#define FDSTORE_NAME_MAX 64U
void fdstore_name(char buf[static FDSTORE_NAME_MAX], const char *prefix, const char *object);

/* Gives a copy of fd to the service manager to keep under name. */
int fdstore_keep(int fd, const char *name);

/* Asks the service manager to close what it keeps under name. */
int fdstore_drop(const char *name);

/* True if a service manager is there to keep fds. */
bool fdstore_available(void);
