/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What every daemon's main() does the same way: the event loop with
 * SIGTERM/SIGINT ending it and the service manager's watchdog fed, and
 * the command line options both daemons share.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

/* Blocks SIGTERM, SIGINT and SIGCHLD (child watches need it) and makes the
 * first two exit the loop. Enables the watchdog if WATCHDOG_USEC is set. */
int daemon_event_new(sd_event **ret);

/* Parses --log-level=LEVEL; returns 0, or -EINVAL with a message logged. */
int daemon_set_log_level(const char *arg);
