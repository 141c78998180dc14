/* SPDX-License-Identifier: Apache-2.0 */

/*
 * monitor: the changes of the daemons' networks and relays as they happen,
 * one line each: an object started or stopped (the ObjectManager's
 * InterfacesAdded and InterfacesRemoved) and the properties it signals
 * (PropertiesChanged: State, Ready, Peer, LastError, the connection
 * counters), with their new values. On the peer-to-peer socket no stock
 * tool can watch (busctl monitor needs a bus daemon); this works on both,
 * since signals without a sender match here as well.
 *
 * Both daemons' objects are watched whichever runs: one that starts later
 * is heard from as soon as it signals. It runs until interrupted, or until
 * the connection closes (the daemon of --bus=PATH went away).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json.h"
#include "show.h"
#include "verbs.h"

typedef enum MonitorEvent {
	MONITOR_STARTED,
	MONITOR_STOPPED,
	MONITOR_CHANGED,
} MonitorEvent;

static const char *const monitor_event_names[] = {
	[MONITOR_STARTED] = "started",
	[MONITOR_STOPPED] = "stopped",
	[MONITOR_CHANGED] = "changed",
};

static const ObjectSchema *const monitor_schemas[] = { &network_schema, &relay_schema };

/* The schema and name of one of the daemons' objects, or NULL for any
 * other path. *ret_name is to be freed. */
static const ObjectSchema *object_of_path(const char *path, char **ret_name) {
	for (size_t i = 0; i < ELEMENTSOF(monitor_schemas); i++)
		if (sd_bus_path_decode(path, monitor_schemas[i]->path_prefix, ret_name) > 0)
			return monitor_schemas[i];
	return NULL;
}

static void print_value(const Prop *p) {
	switch (p->type) {
	case PROP_STRING:
		/* Quoted where a reader could not tell where it ends. */
		if (p->string[0] == '\0' || strpbrk(p->string, " \t"))
			printf("\"%s\"", p->string);
		else
			fputs(p->string, stdout);
		break;
	case PROP_NUMBER:
		printf("%" PRIu64, p->number);
		break;
	case PROP_BOOL:
		fputs(p->boolean ? "yes" : "no", stdout);
		break;
	case PROP_STRV:
		for (char *const *s = p->strv; s && *s; s++)
			printf("%s%s", s == p->strv ? "" : ",", *s);
		break;
	}
}

/* "eth0: State=connected Ready=yes", "relay 5001: stopped", or the same as
 * a JSON object; flushed, so that a reader at the other end of a pipe has
 * it at once. */
static void print_event(const Command *c, const ObjectSchema *s, const char *name, MonitorEvent event,
                        const Props *props) {
	if (c->json != JSON_OFF) {
		JsonWriter w;

		json_init(&w, stdout, c->json == JSON_PRETTY);
		json_begin_object(&w);
		json_key(&w, "Type");
		json_string(&w, s->noun);
		json_key(&w, "Name");
		json_string(&w, name);
		json_key(&w, "Event");
		json_string(&w, monitor_event_names[event]);
		if (props) {
			json_key(&w, "Properties");
			show_json_props(&w, props);
		}
		json_end_object(&w);
		json_finish(&w);
	} else {
		printf("%s%s:", strempty(s->log_prefix), name);
		if (event != MONITOR_CHANGED)
			printf(" %s", monitor_event_names[event]);
		for (size_t i = 0; props && i < props->n; i++) {
			printf(" %s=", props->items[i].name);
			print_value(&props->items[i]);
		}
		putchar('\n');
	}
	fflush(stdout);
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	const Command *c = userdata;
	_cleanup_free_ char *name = NULL;
	const ObjectSchema *s;
	const char *interface;
	Props props = {};
	int r;

	s = object_of_path(sd_bus_message_get_path(m), &name);
	if (!s)
		return 0;
	r = sd_bus_message_read(m, "s", &interface);
	if (r < 0 || strcmp(interface, s->interface) != 0)
		return 0;
	r = props_read_all(m, &props);
	if (r >= 0 && props.n > 0)
		print_event(c, s, name, MONITOR_CHANGED, &props);
	props_done(&props);
	return 0;
}

static int on_interfaces(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	const Command *c = userdata;
	_cleanup_free_ char *name = NULL;
	const ObjectSchema *s;
	const char *path;

	if (sd_bus_message_read(m, "o", &path) < 0)
		return 0;
	s = object_of_path(path, &name);
	if (s)
		print_event(c, s, name,
		            strcmp(sd_bus_message_get_member(m), "InterfacesAdded") == 0 ? MONITOR_STARTED : MONITOR_STOPPED,
		            NULL);
	return 0;
}

static int add_match(sd_bus *bus, const char *rule, sd_bus_message_handler_t handler, const Command *c) {
	int r = sd_bus_add_match(bus, NULL, rule, handler, (void *) c);

	return r < 0 ? fail(r, "Failed to watch the daemons: %m") : 0;
}

int verb_monitor(sd_bus *bus, const Command *c) {
	int r;

	for (size_t i = 0; i < ELEMENTSOF(monitor_schemas); i++) {
		_cleanup_free_ char *rule = NULL;

		if (asprintf(&rule, "type='signal',interface='org.freedesktop.DBus.Properties',"
		             "member='PropertiesChanged',path_namespace='%s'", monitor_schemas[i]->path_prefix) < 0)
			return fail(-ENOMEM, "Out of memory.");
		r = add_match(bus, rule, on_properties_changed, c);
		if (r < 0)
			return r;
	}
	r = add_match(bus, "type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'",
	              on_interfaces, c);
	if (r >= 0)
		r = add_match(bus, "type='signal',interface='org.freedesktop.DBus.ObjectManager',"
		              "member='InterfacesRemoved'", on_interfaces, c);
	if (r < 0)
		return r;

	for (;;) {
		r = bus_process_and_wait(bus, UINT64_MAX);
		if (r == -ECONNRESET || r == -ENOTCONN)
			return fail(r, "The connection to the daemon closed.");
		if (r < 0)
			return fail(r, "Failed to read from the bus: %m");
	}
}
