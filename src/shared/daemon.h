/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A daemon of the project, as main() runs it: the command line (--help,
 * --version, --bus, --state-dir, --log-level and the daemon's own
 * options), the fds socket activation and the fd store passed, the event
 * loop with SIGTERM/SIGINT and the watchdog, the objects brought back from
 * the state directory, D-Bus (the system bus or peer-to-peer), READY and
 * STATUS for the service manager, and shutdown. Each daemon describes
 * itself in a DaemonType called daemon_type, and daemon-main.c is its
 * main().
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "object.h"

struct nl_sock;

typedef struct DaemonOption {
	const char *name;               /* "ovs-db": --ovs-db=VALUE */
	const char *metavar;            /* "ADDRESS" */
	const char *help;               /* lines of --help; '\n' between them */
	/* Takes the value; < 0 with the problem logged refuses it. */
	int (*parse)(const char *value);
} DaemonOption;

typedef struct DaemonType {
	const ObjectSchema *schema;
	const DaemonOption *options;    /* its own command line options; ends with {} */
	const ObjectOps *ops;
	/* Once the objects are back, before the bus: sweeping, say. */
	void (*start)(Daemon *d);
	/* After the objects were restored, one was added or removed, or on a
	 * shutdown that takes them all with it. */
	void (*objects_changed)(Daemon *d);
} DaemonType;

struct Daemon {
	const DaemonType *type;
	sd_event *event;
	struct nl_sock *nl;
	BusServer *bus;
	const char *state_dir;
	const char *bus_path;           /* --bus=PATH: a hand-run instance; NULL: the system bus */
	int lock_fd;                    /* holds the state directory's lock */
	uint64_t start_usec;
	Object *objects;                /* in the order they were made */
	uint32_t n_objects;
	Probe *probes;                  /* creates waiting for their probe */
	/* The bus tables, built from the type once. */
	struct ManagerTable *manager_table;
	sd_bus_vtable *settings_vtable;
};

/* Runs the daemon; returns the exit status. */
int daemon_main(const DaemonType *type, int argc, char *argv[]);

/* What each daemon defines for daemon-main.c. */
extern const DaemonType daemon_type;

/* STATUS= for the service manager: how many objects, how many connected. */
void daemon_notify_status(Daemon *d);

/* Blocks SIGTERM, SIGINT and SIGCHLD (child watches need it) and makes the
 * first two exit the loop. Enables the watchdog if WATCHDOG_USEC is set. */
int daemon_event_new(sd_event **ret);

/* Parses --log-level=LEVEL; returns 0, or -EINVAL with a message logged. */
int daemon_set_log_level(const char *arg);
