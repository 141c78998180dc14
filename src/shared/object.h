/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The objects a daemon serves: a network of arca-forwarderd, a relay of
 * arca-relayd. Both are the same thing to the core: settings described by
 * a field table, a host port (hostport.h) and a device, a D-Bus object,
 * and a state file. An ObjectType says what is the daemon's own: the
 * names, the checks of the settings, how the device is made. Everything
 * else is written here once:
 *
 *   - the manager's methods: create (AttachNetwork, StartRelay) with the
 *     arguments and options of the field table, remove (DetachNetwork,
 *     StopRelay), list (ListNetworks, ListRelays), GetStatus, and the
 *     Version and count properties;
 *   - each object's properties: its settings from the field table, and
 *     the host port's state and counters, all under the type's interface,
 *     with the same PropertiesChanged in both daemons;
 *   - the state file of each object (STATE_DIR/KEY.conf), written when it
 *     is made and removed when it goes, and restoring from them, adopting
 *     what the fd store kept.
 *
 * An object is named by its key, the text of one of its settings (the
 * device name of a network, the vsock port of a relay): in the remove
 * method, its object path, its state file and its fd store names.
 */

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-bus.h>

#include "device.h"
#include "fdstore.h"
#include "field.h"
#include "hostport.h"

typedef struct Daemon Daemon;
typedef struct Object Object;
typedef struct Probe Probe;

typedef struct ObjectType {
	const char *noun;               /* "network", "relay": in messages */
	const char *log_prefix;         /* before the key in messages: "relay " */
	const char *path_prefix;        /* "/org/arca/Forwarder1/network" */
	const char *interface;          /* "org.arca.Forwarder1.Network" */

	/* The manager's members. Method names are given with the action a
	 * refusal names ("attach networks") and the names of what they
	 * return, as SD_BUS_PARAM() lists. */
	const char *count_property;     /* "NetworkCount" */
	const char *status_count;       /* the count in GetStatus: "Networks" */
	const char *create_method, *create_action, *create_result, *create_result_names;
	const char *remove_method, *remove_action;
	const char *list_method, *list_signature, *list_names;
	const char *no_such_error;      /* org.arca.Error.NoSuchNetwork */

	const Field *fields;
	size_t settings_size;
	const char *key;                /* the name of the key field */
	size_t host_offset;             /* of its HostPortSettings */
	size_t mac_offset;              /* of the container's MAC (char *) */
	LinkSide container_side;        /* see HostPortConfig */

	/* Checks settings read from the bus or a state file and fills in
	 * defaults; errors are named and say what to do. */
	int (*complete)(Daemon *d, void *settings, sd_bus_error *error);
	/* Whether they clash with an object there is (a device name, a vsock
	 * port or a port name in use). */
	int (*conflict)(Daemon *d, const void *settings, sd_bus_error *error);
	/* Optional: asks what takes time before a create is answered (does
	 * the bridge exist?); ends with probe_done(). */
	int (*probe)(Daemon *d, const void *settings, Probe *p);
	/* Makes the object's device, or takes adopt_fd over (see
	 * device-*.h); o->settings are complete. */
	int (*setup)(Object *o, int adopt_fd, Device **ret, sd_bus_error *error);
	/* What create answers beyond the object's path, and one row of list. */
	int (*append_created)(sd_bus_message *reply, Object *o);
	int (*append_row)(sd_bus_message *reply, Object *o);
	int (*no_such)(sd_bus_error *error, const char *key);
} ObjectType;

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
