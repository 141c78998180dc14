/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"
#include "daemon.h"
#include "fieldtype.h"
#include "log.h"
#include "object.h"

struct Probe {
	Daemon *daemon;
	Probe *next;
	sd_bus_message *message;
	void *settings;
	void *data;
	void (*free_data)(void *data);
};

static HostPortSettings *host_settings(const ObjectSchema *t, void *settings) {
	return (HostPortSettings *) ((uint8_t *) settings + t->host_offset);
}

static void *settings_new(const ObjectSchema *t) {
	void *s = calloc(1, t->settings_size);

	if (s)
		fields_init(t->fields, s);
	return s;
}

static void *settings_free(const ObjectSchema *t, void *s) {
	if (s) {
		fields_done(t->fields, s);
		free(s);
	}
	return NULL;
}

/* The text of the key field of settings. */
static int settings_key(const ObjectSchema *t, const void *settings, char **ret) {
	size_t offset;
	const Field *f = fields_find(t->fields, 0, t->key, &offset);

	return field_format_value(f, (const uint8_t *) settings + offset, ret);
}

Object *object_find(Daemon *d, const char *key) {
	for (Object *o = d->objects; o; o = o->next)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

Object *object_find_by(Daemon *d, const char *name, const void *settings) {
	const ObjectSchema *t = d->type->schema;
	_cleanup_free_ char *wanted = NULL;
	size_t offset;
	const Field *f = fields_find(t->fields, 0, name, &offset);

	if (field_format_value(f, (const uint8_t *) settings + offset, &wanted) < 0)
		return NULL;
	for (Object *o = d->objects; o; o = o->next) {
		_cleanup_free_ char *value = NULL;

		if (field_format_value(f, (const uint8_t *) o->settings + offset, &value) >= 0 &&
		    strcmp(value, wanted) == 0)
			return o;
	}
	return NULL;
}

static Object *object_by_path(Daemon *d, const char *path) {
	for (Object *o = d->objects; o; o = o->next)
		if (strcmp(o->path, path) == 0)
			return o;
	return NULL;
}

static Object *object_free(Object *o) {
	if (!o)
		return NULL;
	host_port_free(o->port);
	sd_bus_message_unref(o->stop_reply);
	settings_free(o->daemon->type->schema, o->settings);
	free(o->key);
	free(o->name);
	free(o->path);
	free(o);
	return NULL;
}
DEFINE_POINTER_CLEANUP(Object, object_free);

static int state_path(const Object *o, char **ret) {
	return asprintf(ret, "%s/%s.conf", o->daemon->state_dir, o->key) < 0 ? -ENOMEM : 0;
}

static int object_save_state(const Object *o) {
	_cleanup_free_ char *path = NULL;
	int r;

	r = state_path(o, &path);
	if (r >= 0)
		r = mkdir_parents(o->daemon->state_dir, 0755);
	if (r >= 0)
		r = fields_write_file(path, o->daemon->type->schema->fields, FIELD_STATE, o->settings);
	return r;
}

static void object_remove_state(const Object *o) {
	_cleanup_free_ char *path = NULL;

	if (state_path(o, &path) >= 0 && unlink(path) < 0 && errno != ENOENT)
		log_warning_errno(-errno, "%s: failed to remove %s: %m", o->name, path);
}

static void on_port_changed(HostPort *p, void *userdata) {
	Object *o = userdata;
	Daemon *d = o->daemon;

	if (d->bus)
		bus_server_emit_properties_changed_strv(d->bus, o->path, d->type->schema->interface,
		                                        (char **) host_port_changed_properties);
	daemon_notify_status(d);
}

static void object_unlink(Object *o) {
	Daemon *d = o->daemon;

	for (Object **i = &d->objects; *i; i = &(*i)->next)
		if (*i == o) {
			*i = o->next;
			d->n_objects--;
			break;
		}
}

static void on_port_stopped(HostPort *p, void *userdata) {
	_cleanup_(object_freep) Object *o = userdata;
	Daemon *d = o->daemon;

	object_unlink(o);
	object_remove_state(o);
	if (d->bus)
		bus_server_emit_object_removed(d->bus, o->path);
	log_info("%s: removed.", o->name);
	if (d->type->objects_changed)
		d->type->objects_changed(d);
	daemon_notify_status(d);
	/* Last: when the caller hears, all is done. */
	if (o->stop_reply)
		(void) sd_bus_reply_method_return(o->stop_reply, NULL);
}

static int object_path(const ObjectSchema *t, const char *key, char **ret) {
	size_t offset;

	/* A number is a path element as it is. */
	if (fields_find(t->fields, 0, t->key, &offset)->type == &field_type_vsock_port)
		return asprintf(ret, "%s/%s", t->path_prefix, key) < 0 ? -ENOMEM : 0;
	return sd_bus_path_encode(t->path_prefix, key, ret);
}

static int take_fd(FdStore *store, const char *prefix, const char *key) {
	char name[FDSTORE_NAME_MAX];

	if (!store)
		return -1;
	fdstore_name(name, prefix, key);
	return fdstore_take(store, name);
}

/* Makes an object of complete settings (taken), adopting what store (may
 * be NULL) has of it, and adds it. */
static int object_new(Daemon *d, void *settings, FdStore *store, Object **ret, sd_bus_error *error) {
	const ObjectSchema *t = d->type->schema;
	_cleanup_(object_freep) Object *o = NULL;
	Device *device = NULL;
	HostPortAdopt adopt;
	int r;

	o = calloc(1, sizeof(*o));
	if (!o) {
		settings_free(t, settings);
		return -ENOMEM;
	}
	o->daemon = d;
	o->settings = settings;
	r = settings_key(t, settings, &o->key);
	if (r < 0)
		return r;
	if (asprintf(&o->name, "%s%s", t->log_prefix ?: "", o->key) < 0)
		return -ENOMEM;
	r = object_path(t, o->key, &o->path);
	if (r < 0)
		return r;

	adopt.conn_fd = take_fd(store, "conn", o->key);
	adopt.dev_fd = take_fd(store, DEVICE_FD_PREFIX, o->key);
	r = d->type->ops->setup(o, adopt.dev_fd, &device, error);
	if (r < 0) {
		safe_close(adopt.conn_fd);
		return r;
	}
	HostPortConfig config = {
		.name = o->name,
		.fd_name = o->key,
		.settings = host_settings(t, settings),
		.mac = *(char **) ((uint8_t *) settings + t->mac_offset),
		.container_side = t->container_side,
		.changed = on_port_changed,
		.stopped = on_port_stopped,
		.userdata = o,
	};
	r = host_port_new(&o->port, d->event, &config, device, &adopt, error);
	if (r < 0)
		return r;

	/* Append: listings keep the order objects were made in. */
	Object **tail = &d->objects;
	while (*tail)
		tail = &(*tail)->next;
	*tail = o;
	d->n_objects++;

	r = object_save_state(o);
	if (r < 0)
		log_warning_errno(r, "%s: failed to save state in %s, a restart will lose it: %m", o->name, d->state_dir);
	if (d->bus)
		bus_server_emit_object_added(d->bus, o->path);
	if (d->type->objects_changed)
		d->type->objects_changed(d);
	daemon_notify_status(d);
	*ret = TAKE_PTR(o);
	return 0;
}

/* The daemon's checks, then the core's: one object per key. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int settings_complete(Daemon *d, void *settings, sd_bus_error *error) {
	const ObjectSchema *t = d->type->schema;
	_cleanup_free_ char *key = NULL;
	int r;

	r = d->type->ops->complete(d, settings, error);
	if (r < 0)
		return r;
	if (settings_key(t, settings, &key) >= 0 && object_find(d, key))
		return sd_bus_error_setf(error, t->exists_error, t->exists_message, key);
	return 0;
}

/* The schema's messages are formats with one %s, the key. */
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
	r = settings_complete(d, settings, error);
	if (r < 0) {
		settings_free(t, settings);
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
	settings_free(p->daemon->type->schema, p->settings);
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
	settings = settings_new(t);
	if (!settings)
		return -ENOMEM;
	r = fields_read_call(m, t->fields, settings, error);
	if (r >= 0)
		r = settings_complete(d, settings, error);
	if (r < 0 || !d->type->ops->probe) {
		if (r < 0) {
			settings_free(t, settings);
			return r;
		}
		return create_finish(d, m, settings, error);
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		settings_free(t, settings);
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
	settings = settings_new(t);
	if (!settings)
		return -ENOMEM;
	r = f->type->read(m, f, (uint8_t *) settings + offset, error);
	if (r >= 0) {
		r = settings_key(t, settings, &key);
		if (r == -ENODATA)
			r = 0;
	}
	settings_free(t, settings);
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

static int object_tables_make(Daemon *d) {
	const ObjectSchema *t = d->type->schema;
	int r;

	if (!d->manager_table) {
		r = manager_table_new(t, &d->manager_table);
		if (r < 0)
			return r;
	}
	if (!d->settings_vtable) {
		r = fields_property_vtable(t->fields, NULL, &d->settings_vtable);
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

typedef struct Restore {
	Daemon *daemon;
	FdStore *store;
} Restore;

static int restore_one(const char *path, void *userdata) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	Restore *x = userdata;
	Daemon *d = x->daemon;
	const ObjectSchema *t = d->type->schema;
	char message[CONF_ERROR_MAX];
	_cleanup_free_ char *key = NULL;
	HostPortSettings *host;
	void *settings;
	Object *o;
	int r, fd;

	settings = settings_new(t);
	if (!settings)
		return -ENOMEM;
	r = fields_parse_file(path, t->fields, FIELD_STATE, settings, message);
	if (r >= 0 && settings_key(t, settings, &key) < 0) {
		snprintf(message, sizeof(message), "%s: %s= missing", path, t->key);
		r = -EINVAL;
	}
	if (r < 0) {
		log_error("Ignoring %s state: %s", t->noun, message);
		settings_free(t, settings);
		return r;
	}

	/* The listener the fd store kept, instead of binding Listen= again. */
	host = host_settings(t, settings);
	fd = take_fd(x->store, "listen", key);
	if (fd >= 0) {
		host->listen = mfree(host->listen);
		host->listen_fd = fd;
	}
	r = settings_complete(d, settings, &error);
	if (r < 0)
		settings_free(t, settings);
	else
		r = object_new(d, settings, x->store, &o, &error);
	if (r < 0) {
		log_error("%s%s: cannot restore the %s: %s", t->log_prefix ?: "", key, t->noun,
		          error.message ?: strerror(-r));
		return r;
	}
	log_info("%s: restored, %s.", o->name, host_port_state_to_string(host_port_get_state(o->port)));
	return 0;
}

void object_restore_all(Daemon *d, FdStore *store) {
	conf_load_state_dir(d->state_dir, restore_one, &(Restore) { d, store });
	if (d->type->objects_changed)
		d->type->objects_changed(d);
}

void object_shutdown_all(Daemon *d) {
	bool restarting = fdstore_available();

	while (d->probes)
		probe_free(d->probes);
	while (d->objects) {
		Object *o = d->objects;

		object_unlink(o);
		host_port_shutdown(o->port, restarting);
		/* Without anyone to keep the fds, nothing survives this process,
		 * so the state goes too. */
		if (!restarting)
			object_remove_state(o);
		object_free(o);
	}
	if (!restarting && d->type->objects_changed)
		d->type->objects_changed(d);
}

void object_free_all(Daemon *d) {
	while (d->probes)
		probe_free(d->probes);
	while (d->objects) {
		Object *o = d->objects;

		object_unlink(o);
		object_free(o);
	}
}
