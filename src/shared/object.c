/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"
#include "daemon.h"
#include "fieldtype.h"
#include "handover.h"
#include "listener.h"
#include "log.h"
#include "object.h"
#include "object-internal.h"
HostPortSettings *object_host_settings(const ObjectSchema *t, void *settings) {
	return (HostPortSettings *) ((uint8_t *) settings + t->host_offset);
}

void *object_settings_new(const ObjectSchema *t) {
	void *s = calloc(1, t->settings_size);

	if (s)
		fields_init(t->fields, s);
	return s;
}

void *object_settings_free(const ObjectSchema *t, void *s) {
	if (s) {
		fields_done(t->fields, s);
		free(s);
	}
	return NULL;
}

/* The text of the key field of settings. */
int object_settings_key(const ObjectSchema *t, const void *settings, char **ret) {
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

/* The object whose setting name reads wanted, as the field formats it. */
static Object *object_find_by_text(Daemon *d, const char *name, const char *wanted) {
	const ObjectSchema *t = d->type->schema;
	size_t offset;
	const Field *f = fields_find(t->fields, 0, name, &offset);

	for (Object *o = d->objects; o; o = o->next) {
		_cleanup_free_ char *value = NULL;

		if (field_format_value(f, (const uint8_t *) o->settings + offset, &value) >= 0 &&
		    strcmp(value, wanted) == 0)
			return o;
	}
	return NULL;
}

Object *object_find_by(Daemon *d, const char *name, const void *settings) {
	const ObjectSchema *t = d->type->schema;
	_cleanup_free_ char *wanted = NULL;
	size_t offset;
	const Field *f = fields_find(t->fields, 0, name, &offset);

	if (field_format_value(f, (const uint8_t *) settings + offset, &wanted) < 0)
		return NULL;
	return object_find_by_text(d, name, wanted);
}

Object *object_by_path(Daemon *d, const char *path) {
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
	object_settings_free(o->daemon->type->schema, o->settings);
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

int object_save_state(const Object *o) {
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
	Object *o = userdata;
	Daemon *d = o->daemon;
	sd_bus_message *reply = TAKE_PTR(o->stop_reply);

	object_unlink(o);
	object_remove_state(o);
	if (d->bus)
		bus_server_emit_object_removed(d->bus, o->path);
	log_info("%s: stopped.", o->name);
	/* The device goes with the object (a TAP with its fd). */
	object_free(o);
	if (d->type->objects_changed)
		d->type->objects_changed(d);
	daemon_notify_status(d);
	/* Last: when the caller hears, all is done. */
	if (reply) {
		(void) sd_bus_reply_method_return(reply, NULL);
		sd_bus_message_unref(reply);
	}
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
int object_new(Daemon *d, void *settings, FdStore *store, Object **ret, sd_bus_error *error) {
	const ObjectSchema *t = d->type->schema;
	_cleanup_(object_freep) Object *o = NULL;
	_cleanup_free_ char *what = NULL, *details = NULL;
	Device *device = NULL;
	HostPortAdopt adopt;
	int r;

	o = calloc(1, sizeof(*o));
	if (!o) {
		object_settings_free(t, settings);
		return -ENOMEM;
	}
	o->daemon = d;
	o->settings = settings;
	r = object_settings_key(t, settings, &o->key);
	if (r < 0)
		return r;
	if (asprintf(&o->name, "%s%s", t->log_prefix ?: "", o->key) < 0)
		return -ENOMEM;
	r = object_path(t, o->key, &o->path);
	if (r < 0)
		return r;

	adopt.conn_fd = take_fd(store, "conn", o->key);
	adopt.dev_fd = take_fd(store, DEVICE_FD_PREFIX, o->key);
	adopt.handover_fd = take_fd(store, HANDOVER_FD_PREFIX, o->key);
	r = d->type->ops->setup(o, adopt.dev_fd, &device, error);
	if (r < 0) {
		safe_close(adopt.conn_fd);
		safe_close(adopt.handover_fd);
		return r;
	}
	HostPortConfig config = {
		.name = o->name,
		.fd_name = o->key,
		.settings = object_host_settings(t, settings),
		.mac = *(char **) ((uint8_t *) settings + t->mac_offset),
		.nl = d->nl,
		.container_side = t->container_side,
		.changed = on_port_changed,
		.stopped = on_port_stopped,
		.userdata = o,
	};
	what = strdup(strna(device->what));
	details = device->details ? strdup(device->details) : NULL;
	r = host_port_new(&o->port, d->event, &config, device, &adopt, error);
	if (r < 0)
		return r;
	if (!store)
		log_info("%s: started, %s%s%s%s, %s %s.", o->name, strna(what), details ? " (" : "",
		         strempty(details), details ? ")" : "",
		         config.settings->connect ? "connecting to" : "listening on",
		         strna(config.settings->connect ?: config.settings->listen));

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

/* One object per key first: asking again for an object that is there is
 * told so (what --may-exist relies on), whatever else of it another object
 * holds. Then the daemon's checks, then the core's other rules. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int object_settings_complete(Daemon *d, void *settings, sd_bus_error *error) {
	const ObjectSchema *t = d->type->schema;
	char text[SOCKET_ADDRESS_STRING_MAX];
	_cleanup_free_ char *key = NULL;
	HostPortSettings *host;
	SocketAddress a;
	Object *other;
	int r;

	if (object_settings_key(t, settings, &key) >= 0 && object_find(d, key))
		return sd_bus_error_setf(error, t->exists_error, t->exists_message, key);
	r = d->type->ops->complete(d, settings, error);
	if (r < 0)
		return r;
	other = object_find_by(d, "Listen", settings);
	if (other)
		return sd_bus_error_setf(error, BUS_ERROR_PORT_IN_USE, "%s is where %s listens already; pick another "
		                         "address.", object_host_settings(t, settings)->listen, other->name);
	/* A ListenFD says where it listens only when asked: one socket
	 * cannot serve two objects either. */
	host = object_host_settings(t, settings);
	if (host->listen_fd >= 0 && listener_check_fd(host->listen_fd, &a) >= 0) {
		socket_address_format(&a, text, sizeof(text));
		other = object_find_by_text(d, "Listen", text);
		if (other)
			return sd_bus_error_setf(error, BUS_ERROR_PORT_IN_USE,
			                         "ListenFD listens on %s, where %s listens already; give "
			                         "another socket.", text, other->name);
	}
	return 0;
}
#pragma GCC diagnostic pop

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

	settings = object_settings_new(t);
	if (!settings)
		return -ENOMEM;
	r = fields_parse_file(path, t->fields, FIELD_STATE, settings, message);
	if (r >= 0 && object_settings_key(t, settings, &key) < 0) {
		snprintf(message, sizeof(message), "%s: %s= missing", path, t->key);
		r = -EINVAL;
	}
	if (r < 0) {
		log_error("Ignoring %s state: %s", t->noun, message);
		object_settings_free(t, settings);
		return r;
	}

	/* The listener the fd store kept, instead of binding Listen= again. */
	host = object_host_settings(t, settings);
	fd = take_fd(x->store, "listen", key);
	if (fd >= 0) {
		host->listen = mfree(host->listen);
		host->listen_fd = fd;
	}
	r = object_settings_complete(d, settings, &error);
	if (r < 0)
		object_settings_free(t, settings);
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

	probe_free_all(d);
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
	probe_free_all(d);
	while (d->objects) {
		Object *o = d->objects;

		object_unlink(o);
		object_free(o);
	}
}
