/* SPDX-License-Identifier: Apache-2.0 */

/*
 * attach, detach, relay start, relay stop, set: what changes the daemons. These
 * may start a daemon through D-Bus activation; the daemon checks that the
 * caller is root.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "client.h"
#include "settings.h"
#include "verbs.h"

static int check_listen_fd(int fd) {
	socklen_t len = sizeof(int);
	int listening = 0;

	if (fd < 0)
		return 0;
	if (fcntl(fd, F_GETFD) < 0)
		return fail(-errno, "--listen-fd=%d: fd %d is not open.", fd, fd);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		return fail(-errno, "--listen-fd=%d: fd %d is not a socket: %m", fd, fd);
	if (!listening)
		return fail(-EINVAL, "--listen-fd=%d: fd %d is not a listening socket.", fd, fd);
	return 0;
}

/* The settings file, then the command line over it. */
static int load_settings(const Command *c, const Field *table, void *settings) {
	char error[CONF_ERROR_MAX];
	int r;

	if (c->config) {
		r = settings_load(table, settings, c->config, error);
		if (r < 0)
			return fail(r, "%s", error);
	}
	for (size_t i = 0; i < c->n_settings; i++) {
		/* An address on the command line brings its own prefix. */
		if (table == network_fields && strcmp(c->settings[i].key, "Address") == 0)
			((NetworkSettings *) settings)->prefix_len = 0;
		r = settings_set(table, settings, c->settings[i].key, c->settings[i].value);
		if (r < 0)
			return fail(r, "Failed to apply %s: %m", c->settings[i].option);
	}
	return check_listen_fd(c->listen_fd);
}

/* The settings file's name, for messages: without its '-'. */
static const char *config_name(const Command *c) {
	return c->config ? c->config + (c->config[0] == '-') : NULL;
}

/* The create call; with --may-exist, the daemon's "already there" is done
 * (the settings are not compared, as ovs-vsctl's --may-exist). */
static int call_create(sd_bus *bus, const Command *c, const ObjectSchema *s, const char *member,
                       int (*append)(sd_bus_message *m, const Command *c, const void *settings),
                       const void *settings) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	int r;

	r = new_call(bus, s, NULL, NULL, member, true, &m);
	if (r >= 0)
		r = append(m, c, settings);
	if (r < 0)
		return fail(r, "Failed to build the %s call: %m", member);
	r = sd_bus_call(bus, m, 0, &error, &reply);
	if (r < 0 && c->may_exist && sd_bus_error_has_name(&error, s->exists_error))
		return 0;
	if (r < 0)
		return fail_bus(c, s, &error, r);
	return 0;
}

static int append_network(sd_bus_message *m, const Command *c, const void *settings) {
	NetworkSettings s = *(const NetworkSettings *) settings;

	/* The passed socket is where to listen, whatever the file says. */
	s.host.listen_fd = c->listen_fd;
	return network_settings_append(m, c->port, &s);
}

static int append_relay(sd_bus_message *m, const Command *c, const void *settings) {
	RelaySettings s = *(const RelaySettings *) settings;

	s.host.listen_fd = c->listen_fd;
	return relay_settings_append(m, c->port, &s);
}

int verb_attach(sd_bus *bus, const Command *c) {
	char message[CONF_ERROR_MAX];
	NetworkSettings s;
	int r;

	network_settings_init(&s);
	r = load_settings(c, network_fields, &s);
	if (r >= 0 && network_settings_check(&s, config_name(c), message) < 0)
		r = fail(-EINVAL, "%s", message);
	if (r >= 0)
		r = call_create(bus, c, &network_schema, "AttachNetwork", append_network, &s);
	network_settings_done(&s);
	return r;
}

int verb_relay_start(sd_bus *bus, const Command *c) {
	RelaySettings s;
	int r;

	relay_settings_init(&s);
	r = load_settings(c, relay_fields, &s);
	if (r >= 0)
		r = call_create(bus, c, &relay_schema, "StartRelay", append_relay, &s);
	relay_settings_done(&s);
	return r;
}

static int call_remove(sd_bus *bus, const Command *c, const ObjectSchema *s, const char *member, const char *type,
                       const void *key) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = new_call(bus, s, NULL, NULL, member, true, &m);
	if (r >= 0)
		r = strcmp(type, "s") == 0 ? sd_bus_message_append(m, "s", key)
		                           : sd_bus_message_append(m, "u", *(const uint32_t *) key);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, NULL);
	if (r < 0 && c->if_exists && sd_bus_error_has_name(&error, s->no_such_error))
		return 0;
	if (r < 0)
		return fail_bus(c, s, &error, r);
	return 0;
}

int verb_detach(sd_bus *bus, const Command *c) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_free_ char *device = strdup(c->target);
	int r;

	if (!device)
		return fail(-ENOMEM, "%m");

	/* A port stands for the network on it, unless a device has that name. */
	if (is_number(c->target)) {
		PropsList networks = {};
		bool named = false;
		const char *on_port = NULL;

		r = list_objects(bus, &network_schema, true, &networks, &error);
		if (r < 0)
			return fail_bus(c, &network_schema, &error, r);
		for (size_t i = 0; i < networks.n; i++) {
			const char *d = props_string(&networks.rows[i], "Device");
			uint64_t port = 0;

			(void) props_number(&networks.rows[i], "VsockPort", &port);
			if (strcmp(d, c->target) == 0)
				named = true;
			else if (port == strtoull(c->target, NULL, 10))
				on_port = d;
		}
		if (!named && on_port) {
			free(device);
			device = strdup(on_port);
		}
		props_list_done(&networks);
		if (!device)
			return fail(-ENOMEM, "%m");
	}
	return call_remove(bus, c, &network_schema, "DetachNetwork", "s", device);
}

int verb_relay_stop(sd_bus *bus, const Command *c) {
	return call_remove(bus, c, &relay_schema, "StopRelay", "u", &c->port);
}

/* One setting of a running object, through Properties.Set: the value as
 * its field's type travels. */
static int set_one(sd_bus *bus, const Command *c, const ObjectSchema *s, const char *path, const Setting *setting) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	_cleanup_free_ void *settings = calloc(1, s->settings_size);
	size_t offset;
	const Field *f = fields_find(s->fields, FIELD_WRITABLE, setting->key, &offset);
	void *value;
	int r;

	if (!settings)
		return fail(-ENOMEM, "%m");
	if (!f)
		return fail(-EINVAL, "%s cannot be changed on a %s; see 'arcactl set --help'.", setting->key, s->noun);
	fields_init(s->fields, settings);
	value = (uint8_t *) settings + offset;
	/* Checked when the command line was read. */
	if (setting->value[0] != '\0')
		(void) f->type->parse(setting->value, value);

	r = new_call(bus, s, path, "org.freedesktop.DBus.Properties", "Set", true, &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", s->interface, f->name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', f->type->signature);
	if (r >= 0)
		r = f->type->append(m, value);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	fields_done(s->fields, settings);
	if (r < 0)
		return fail(r, "Failed to build the call: %m");
	r = sd_bus_call(bus, m, 0, &error, NULL);
	if (r < 0)
		return fail_bus(c, s, &error, r);
	return 0;
}

int verb_set(sd_bus *bus, const Command *c) {
	_cleanup_free_ char *path = NULL;
	const ObjectSchema *s;
	int r;

	r = find_object(bus, c, &s, &path);
	for (size_t i = 0; i < c->n_settings && r >= 0; i++)
		r = set_one(bus, c, s, path, &c->settings[i]);
	return r;
}
