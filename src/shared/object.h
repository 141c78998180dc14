/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The objects a daemon serves: a network of arca-forwarderd, a relay of
 * arca-relayd. Both are the same thing to the core: settings described by
 * a field table, a host port (hostport.h) and a device, a D-Bus object,
 * and a state file. Their schema (schema.h) names them; ObjectOps say what
 * is the daemon's own: the checks of the settings, how the device is made.
 * Everything else is written here once (object.c, and object-bus.c for the
 * bus side):
 *
 *   - the manager's methods: create (AttachNetwork, StartRelay) with the
 *     arguments and options of the field table, remove (DetachNetwork,
 *     StopRelay), list (ListNetworks, ListRelays), GetStatus, and the
 *     Version and count properties;
 *   - each object's properties: its settings from the field table (those
 *     a running object may change, writable, for root), and the host
 *     port's state and counters, all under the type's interface, with the
 *     same PropertiesChanged in both daemons;
 *   - the state file of each object (STATE_DIR/KEY.conf), written when it
 *     is made and removed when it goes, and restoring from them, adopting
 *     what the fd store kept.
 */

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-bus.h>

#include "device.h"
#include "fdstore.h"
#include "field.h"
#include "hostport.h"
#include "schema.h"

typedef struct Daemon Daemon;
typedef struct Object Object;
typedef struct Probe Probe;

/* What only the daemon knows of its objects. */
typedef struct ObjectOps {
	/* Checks settings read from the bus or a state file, against each
	 * other and the objects there are (beyond the key, which the core
	 * checks), and fills in defaults; errors are named and say what to
	 * do. Called again after a probe, on what it completed before. */
	int (*complete)(Daemon *d, void *settings, sd_bus_error *error);
	/* Optional: asks what takes time before a create is answered (does
	 * the bridge exist?); ends with probe_done(). */
	int (*probe)(Daemon *d, const void *settings, Probe *p);
	/* Makes the object's device, or takes adopt_fd over (see
	 * device-*.h); o->settings are complete. */
	int (*setup)(Object *o, int adopt_fd, Device **ret, sd_bus_error *error);
	/* One row of the list method. */
	int (*append_row)(sd_bus_message *reply, Object *o);
} ObjectOps;

struct Object {
	Daemon *daemon;
	Object *next;
	char *key;
	char *name;                     /* log_prefix and key */
	char *path;
	void *settings;                 /* of settings_size, complete */
	HostPort *port;
	sd_bus_message *stop_reply;     /* the remove call, answered once stopped */
};

/* Object by key, or NULL. */
Object *object_find(Daemon *d, const char *key);
/* The object whose setting `name` is the same as in settings, or NULL:
 * for what must be one object's alone. */
Object *object_find_by(Daemon *d, const char *name, const void *settings);

/* Ends a probe: error NULL to go on, or why the create is refused; the
 * probe's data is freed. */
void probe_done(Probe *p, const sd_bus_error *error);
/* What the probe keeps while it waits, and how to let go of it. */
void probe_set_data(Probe *p, void *data, void (*free_data)(void *data));

/* Registers the manager and the objects on one connection (BusSetup,
 * userdata the Daemon). */
int object_bus_setup(sd_bus *bus, void *userdata);
/* Frees the tables the registrations point to, once no bus has them. */
void object_tables_free(Daemon *d);

/* The objects of the state directory, adopting what store kept of them;
 * a file that does not make an object is logged and removed. */
void object_restore_all(Daemon *d, FdStore *store);

/* Shutdown: with a service manager to keep them, devices, connections
 * and state stay for the next daemon; without, all goes. */
void object_shutdown_all(Daemon *d);
/* Frees the objects, and nothing else: for a start that failed. */
void object_free_all(Daemon *d);
