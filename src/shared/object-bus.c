/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The objects on the bus (object.h): the manager's methods and
 * properties, built from the schema at start-up; each object's two
 * vtables under its interface, its settings of the field table and its
 * host port's; probes, the creates that wait for one.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "object.h"
#include "object-internal.h"

struct Probe {
	Daemon *daemon;
	Probe *next;
	sd_bus_message *message;
	void *settings;
	void *data;
	void (*free_data)(void *data);
};

/* The schema's messages are formats with one %s, the key. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int no_such(sd_bus_error *error, const ObjectSchema *t, const char *key) {
	return sd_bus_error_setf(error, t->no_such_error, t->no_such_message, key);
}
#pragma GCC diagnostic pop

/* The manager's methods. */

static int reply_created(sd_bus_message *m, Object *o) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const ObjectSchema *t = o->daemon->type->schema;
	int r;

	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_append(reply, "o", o->path);
	if (r >= 0 && t->create_result_field) {
		size_t offset;
		const Field *f = fields_find(t->fields, 0, t->create_result_field, &offset);

		r = f->type->append(reply, (uint8_t *) o->settings + offset);
	}
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	return r;
}

/* The end of a create: makes the object and answers m. */
static int create_finish(Daemon *d, sd_bus_message *m, void *settings, sd_bus_error *error) {
	const ObjectSchema *t = d->type->schema;
	Object *o;
	int r;

	/* Asked twice while a probe was out. */
	r = object_settings_complete(d, settings, error);
	if (r < 0) {
		object_settings_free(t, settings);
		return r;
	}
	r = object_new(d, settings, NULL, &o, error);
	if (r < 0)
		return r;
	return reply_created(m, o);
}

static Probe *probe_free(Probe *p) {
	if (!p)
		return NULL;
	for (Probe **i = &p->daemon->probes; *i; i = &(*i)->next)
		if (*i == p) {
			*i = p->next;
			break;
		}
	if (p->free_data)
		p->free_data(p->data);
	sd_bus_message_unref(p->message);
	object_settings_free(p->daemon->type->schema, p->settings);
	free(p);
	return NULL;
}

void probe_set_data(Probe *p, void *data, void (*free_data)(void *data)) {
	p->data = data;
	p->free_data = free_data;
}

void probe_done(Probe *p, const sd_bus_error *error) {
	_cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if (error)
		(void) sd_bus_reply_method_error(p->message, error);
	else {
		r = create_finish(p->daemon, p->message, TAKE_PTR(p->settings), &e);
		if (r < 0)
			(void) (sd_bus_error_is_set(&e) ? sd_bus_reply_method_error(p->message, &e)
			                                : sd_bus_reply_method_errno(p->message, r, NULL));
	}
	probe_free(p);
}

static int method_create(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Daemon *d = userdata;
	const ObjectSchema *t = d->type->schema;
	void *settings;
	Probe *p;
	int r;

	r = bus_verify_root(m, t->create_action, error);
	if (r < 0)
		return r;
	settings = object_settings_new(t);
	if (!settings)
		return -ENOMEM;
	r = fields_read_call(m, t->fields, settings, error);
	if (r >= 0)
		r = object_settings_complete(d, settings, error);
	if (r < 0 || !d->type->ops->probe) {
		if (r < 0) {
			object_settings_free(t, settings);
			return r;
		}
		return create_finish(d, m, settings, error);
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		object_settings_free(t, settings);
		return -ENOMEM;
	}
	*p = (Probe) { .daemon = d, .message = sd_bus_message_ref(m), .settings = settings, .next = d->probes };
	d->probes = p;
	r = d->type->ops->probe(d, p->settings, p);
	if (r < 0) {
		probe_free(p);
		return r;
	}
	return 1;   /* answered when the probe is done */
}

static int method_remove(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Daemon *d = userdata;
	const ObjectSchema *t = d->type->schema;
	_cleanup_free_ char *key = NULL;
	void *settings;
	size_t offset;
	const Field *f = fields_find(t->fields, 0, t->key, &offset);
	Object *o;
	int r;

	r = bus_verify_root(m, t->remove_action, error);
	if (r < 0)
		return r;
	settings = object_settings_new(t);
	if (!settings)
		return -ENOMEM;
	r = f->type->read(m, f, (uint8_t *) settings + offset, error);
	if (r >= 0) {
		r = object_settings_key(t, settings, &key);
		if (r == -ENODATA)
			r = 0;
	}
	object_settings_free(t, settings);
	if (r < 0)
		return r;

	o = key ? object_find(d, key) : NULL;
	if (!o)
		return no_such(error, t, key ?: "");
	if (host_port_get_state(o->port) == HOST_PORT_STOPPING)
		return sd_bus_error_setf(error, t->no_such_error, "%s is being removed already.", o->name);

	o->stop_reply = sd_bus_message_ref(m);
	host_port_stop(o->port);
	return 1;
}

static int method_list(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	Daemon *d = userdata;
	const ObjectSchema *t = d->type->schema;
	int r;

	r = sd_bus_message_new_method_return(m, &reply);
	if (r < 0)
		return r;
	/* "a(...)": the container holds "(...)". */
	r = sd_bus_message_open_container(reply, 'a', t->list_signature + 1);
	for (Object *o = d->objects; o && r >= 0; o = o->next)
		r = d->type->ops->append_row(reply, o);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

static int method_get_status(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	Daemon *d = userdata;
	LinkCounters to_host = {}, from_host = {};
	uint64_t refused = 0, now = 0;
	uint32_t connected = 0;
	int r;

	for (Object *o = d->objects; o; o = o->next) {
		const LinkStats *s = host_port_get_stats(o->port);

		connected += host_port_get_state(o->port) == HOST_PORT_CONNECTED;
		refused += host_port_get_refused(o->port);
		to_host.frames += s->to_stream.frames;
		to_host.bytes += s->to_stream.bytes;
		to_host.drops += s->to_stream.drops;
		to_host.errors += s->to_stream.errors + s->to_stream.protocol_errors;
		from_host.frames += s->to_device.frames;
		from_host.bytes += s->to_device.bytes;
		from_host.drops += s->to_device.drops;
		from_host.errors += s->to_device.errors + s->to_device.protocol_errors;
	}
	(void) sd_event_now(d->event, CLOCK_MONOTONIC, &now);

	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_append(reply, "a{sv}", 11,
		                          "Version", "s", ARCA_VERSION,
		                          d->type->schema->status_count, "u", d->n_objects,
		                          "Connected", "u", connected,
		                          "UptimeUSec", "t", now - d->start_usec,
		                          "FramesToHost", "t", to_host.frames,
		                          "BytesToHost", "t", to_host.bytes,
		                          "FramesFromHost", "t", from_host.frames,
		                          "BytesFromHost", "t", from_host.bytes,
		                          "Drops", "t", to_host.drops + from_host.drops,
		                          "Errors", "t", to_host.errors + from_host.errors,
		                          "Refused", "t", refused);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

static int property_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	return sd_bus_message_append(reply, "s", ARCA_VERSION);
}

/* What the manager's vtable points to, made once from the type. */
typedef struct ManagerTable {
	sd_bus_vtable vtable[9];
	char *create_signature;
	char *create_names;
	char *remove_names;
	char *list_names;
} ManagerTable;

/* Bytes of n NUL-terminated names. */
static size_t names_length(const char *names, unsigned n) {
	size_t len = 0;

	for (unsigned i = 0; i < n; i++)
		len += strlen(names + len) + 1;
	return len;
}

/* Complete types in a signature: "os" 2, "a(su)" 1. */
static unsigned signature_count(const char *s) {
	unsigned n = 0, depth = 0;

	for (; *s; s++) {
		if (*s == '(' || *s == '{')
			depth++;
		else if (*s == ')' || *s == '}')
			depth--;
		if (depth == 0 && *s != 'a')
			n++;
	}
	return n;
}

static void *concat(const char *a, size_t a_len, const char *b, size_t b_len) {
	char *s = malloc(a_len + b_len + 1);

	if (s) {
		memcpy(s, a, a_len);
		memcpy(s + a_len, b, b_len);
		s[a_len + b_len] = '\0';
	}
	return s;
}

static void manager_table_free(ManagerTable *m) {
	if (!m)
		return;
	free(m->create_signature);
	free(m->create_names);
	free(m->remove_names);
	free(m->list_names);
	free(m);
}

static int manager_table_new(const ObjectSchema *t, ManagerTable **ret) {
	_cleanup_free_ char *names = NULL;
	const Field *key = fields_find(t->fields, 0, t->key, NULL);
	size_t names_len;
	ManagerTable *m;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	r = fields_call_signature(t->fields, &m->create_signature, &names, &names_len);
	if (r < 0) {
		manager_table_free(m);
		return r;
	}
	m->create_names = concat(names, names_len, t->create_result_names,
	                         names_length(t->create_result_names, signature_count(t->create_result)));
	m->remove_names = concat(key->arg_name, strlen(key->arg_name) + 1, "", 0);
	m->list_names = concat("", 0, t->list_names, strlen(t->list_names) + 1);
	if (!m->create_names || !m->remove_names || !m->list_names) {
		manager_table_free(m);
		return -ENOMEM;
	}

	sd_bus_vtable *v = m->vtable;
	*v++ = (sd_bus_vtable) SD_BUS_VTABLE_START(0);
	*v++ = (sd_bus_vtable) SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST);
	*v++ = (sd_bus_vtable) SD_BUS_PROPERTY(t->count_property, "u", NULL, offsetof(Daemon, n_objects), 0);
	/* The names run on into those of the results. */
	*v++ = (sd_bus_vtable) SD_BUS_METHOD_WITH_NAMES(t->create_method, m->create_signature, m->create_names,
	                                                t->create_result, , method_create,
	                                                SD_BUS_VTABLE_UNPRIVILEGED);
	*v++ = (sd_bus_vtable) SD_BUS_METHOD_WITH_NAMES(t->remove_method, key->type->signature, m->remove_names,
	                                                NULL, , method_remove, SD_BUS_VTABLE_UNPRIVILEGED);
	*v++ = (sd_bus_vtable) SD_BUS_METHOD_WITH_NAMES(t->list_method, NULL, m->list_names, t->list_signature, ,
	                                                method_list, SD_BUS_VTABLE_UNPRIVILEGED);
	*v++ = (sd_bus_vtable) SD_BUS_METHOD_WITH_NAMES("GetStatus", NULL, "status\0", "a{sv}", , method_get_status,
	                                                SD_BUS_VTABLE_UNPRIVILEGED);
	*v++ = (sd_bus_vtable) SD_BUS_VTABLE_END;
	*ret = m;
	return 0;
}

/* The objects on the bus: each has two vtables under the type's
 * interface, its settings (of the field table) and its host port's. */

static int find_port(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                     sd_bus_error *error) {
	Object *o = object_by_path(userdata, path);

	if (!o)
		return 0;
	*found = o->port;
	return 1;
}

static int find_settings(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                         sd_bus_error *error) {
	Object *o = object_by_path(userdata, path);

	if (!o)
		return 0;
	*found = o->settings;
	return 1;
}

static int enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
	Daemon *d = userdata;
	char **l;
	size_t i = 0;

	l = calloc(d->n_objects + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (Object *o = d->objects; o; o = o->next) {
		l[i] = strdup(o->path);
		if (!l[i++]) {
			strv_free(l);
			return -ENOMEM;
		}
	}
	*nodes = l;
	return 0;
}

/* A FIELD_WRITABLE setting, set live: checked by its type's rule, applied
 * at once, kept in the state file for a restart. sd-bus finds the object
 * (userdata is the value) but not the daemon: that is the registration's. */
static int property_set(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *value, void *userdata, sd_bus_error *error) {
	Daemon *d = sd_bus_slot_get_userdata(sd_bus_get_current_slot(bus));
	const ObjectSchema *t = d->type->schema;
	_cleanup_free_ char *text = NULL;
	const Field *f = fields_find(t->fields, FIELD_WRITABLE, property, NULL);
	Object *o = object_by_path(d, path);
	char action[64];
	int r;

	if (!o || !f)
		return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "No property %s here.", property);
	snprintf(action, sizeof(action), "change %s", property);
	r = bus_verify_root(sd_bus_get_current_message(bus), action, error);
	if (r < 0)
		return r;
	r = f->type->read(value, f, userdata, error);
	if (r < 0)
		return r;

	host_port_settings_changed(o->port);
	r = object_save_state(o);
	if (r < 0)
		log_warning_errno(r, "%s: failed to save state in %s, a restart will lose %s: %m", o->name,
		                  d->state_dir, property);
	if (field_format_value(f, userdata, &text) == -ENODATA)
		log_info("%s: %s is now none.", o->name, property);
	else
		log_info("%s: %s is now %s.", o->name, property, strna(text));
	if (d->bus)
		bus_server_emit_properties_changed(d->bus, o->path, t->interface, (char *) property);
	return 0;
}

static int object_tables_make(Daemon *d) {
	const ObjectSchema *t = d->type->schema;
	int r;

	if (!d->manager_table) {
		r = manager_table_new(t, &d->manager_table);
		if (r < 0)
			return r;
	}
	if (!d->settings_vtable) {
		r = fields_property_vtable(t->fields, property_set, &d->settings_vtable);
		if (r < 0)
			return r;
	}
	return 0;
}

int object_bus_setup(sd_bus *bus, void *userdata) {
	Daemon *d = userdata;
	const ObjectSchema *t = d->type->schema;
	int r;

	r = object_tables_make(d);
	if (r < 0)
		return log_error_errno(r, "Failed to describe the bus objects: %m");
	r = sd_bus_add_object_vtable(bus, NULL, t->manager_path, t->manager_interface,
	                             d->manager_table->vtable, d);
	if (r < 0)
		return log_error_errno(r, "Failed to register the manager object: %m");
	r = sd_bus_add_fallback_vtable(bus, NULL, t->path_prefix, t->interface, d->settings_vtable, find_settings, d);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(bus, NULL, t->path_prefix, t->interface, host_port_vtable, find_port, d);
	if (r < 0)
		return log_error_errno(r, "Failed to register the %s objects: %m", t->noun);
	r = sd_bus_add_node_enumerator(bus, NULL, t->path_prefix, enumerate, d);
	if (r < 0)
		return log_error_errno(r, "Failed to register the %s enumerator: %m", t->noun);
	r = sd_bus_add_object_manager(bus, NULL, t->manager_path);
	if (r < 0)
		return log_error_errno(r, "Failed to register the object manager: %m");
	return 0;
}

void object_tables_free(Daemon *d) {
	manager_table_free(d->manager_table);
	d->manager_table = NULL;
	d->settings_vtable = mfree(d->settings_vtable);
}

void probe_free_all(Daemon *d) {
	while (d->probes)
		probe_free(d->probes);
}
