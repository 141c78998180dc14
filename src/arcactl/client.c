/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "client.h"

void props_list_done(PropsList *l) {
	props_array_free(l->rows, l->n);
	*l = (PropsList) {};
}

static Props *props_list_add(PropsList *l) {
	Props *rows = realloc(l->rows, (l->n + 1) * sizeof(Props));

	if (!rows)
		return NULL;
	l->rows = rows;
	rows[l->n] = (Props) {};
	return &rows[l->n++];
}

int fail(int r, const char *format, ...) {
	va_list ap;

	fputs("arcactl: ", stderr);
	errno = -r;
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
	return r < 0 ? r : -EIO;
}

bool error_is_absent(const sd_bus_error *e) {
	return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
	                              SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
	                              SD_BUS_ERROR_UNKNOWN_METHOD);
}

int fail_bus(const Command *c, const ObjectSchema *s, const sd_bus_error *e, int r) {
	if (c->bus_path && error_is_absent(e))
		return fail(-ENXIO, "%s does not serve %s; is it %s's socket?", c->bus_path, s->bus_name, s->program);
	if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
		return fail(-ENXIO, "%s is not running: nothing owns %s on the system bus.", s->program, s->bus_name);
	/* The bus policy refused before the daemon could: in our words. */
	if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED))
		return fail(-EACCES, "Only root may change what %s does; run the command as root.", s->program);
	if (sd_bus_error_is_set(e) && e->message)
		return fail(r, "%s", e->message);
	return fail(r, "Failed to talk to %s: %m", s->program);
}

int fail_no_daemon(const Command *c) {
	if (c->bus_path)
		return fail(-ENXIO, "%s serves neither %s nor %s.", c->bus_path, network_schema.bus_name,
		            relay_schema.bus_name);
	return fail(-ENXIO, "Neither arca-forwarderd nor arca-relayd is running.");
}

int optional_read(const Command *c, const ObjectSchema *s, int r, sd_bus_error *error) {
	if (r >= 0)
		return 1;
	if (error_is_absent(error))
		return 0;
	return fail_bus(c, s, error, r);
}

/* unix:path=... with the characters D-Bus addresses reserve escaped. */
static int bus_address(const char *path, char **ret) {
	static const char hex[] = "0123456789abcdef";
	static const char prefix[] = "unix:path=";
	char *a = malloc(sizeof(prefix) + strlen(path) * 3), *p;

	if (!a)
		return -ENOMEM;
	p = stpcpy(a, prefix);
	for (const unsigned char *i = (const unsigned char *) path; *i; i++)
		if ((*i >= 'a' && *i <= 'z') || (*i >= 'A' && *i <= 'Z') || (*i >= '0' && *i <= '9') ||
		    strchr("-_/.", *i))
			*p++ = (char) *i;
		else {
			*p++ = '%';
			*p++ = hex[*i >> 4];
			*p++ = hex[*i & 15];
		}
	*p = '\0';
	*ret = a;
	return 0;
}

int bus_connect(const Command *c, sd_bus **ret) {
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_free_ char *address = NULL;
	int r;

	if (!c->bus_path) {
		r = sd_bus_open_system(&bus);
		if (r < 0)
			return fail(r, "Failed to connect to the system bus: %m");
		*ret = TAKE_PTR(bus);
		return 0;
	}

	r = bus_address(c->bus_path, &address);
	if (r >= 0)
		r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, address);
	if (r >= 0)
		r = sd_bus_negotiate_fds(bus, true);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0)
		return fail(r, "Failed to connect to %s: %m", c->bus_path);
	*ret = TAKE_PTR(bus);
	return 0;
}

int bus_process_and_wait(sd_bus *bus, uint64_t timeout_usec) {
	int r;

	while ((r = sd_bus_process(bus, NULL)) > 0)
		;
	if (r < 0)
		return r;
	r = sd_bus_wait(bus, timeout_usec);
	return r == -EINTR ? 0 : MIN(r, 0);
}

int new_call(sd_bus *bus, const ObjectSchema *s, const char *path, const char *interface, const char *member,
             bool auto_start, sd_bus_message **ret) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, s->bus_name, path ?: s->manager_path, interface ?: s->manager_interface, member);
	if (r < 0)
		return r;
	r = sd_bus_message_set_auto_start(m, auto_start);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

static int call_simple(sd_bus *bus, const ObjectSchema *s, const char *member, bool auto_start,
                       sd_bus_error *error, sd_bus_message **reply) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = new_call(bus, s, NULL, NULL, member, auto_start, &m);
	if (r < 0)
		return r;
	return sd_bus_call(bus, m, 0, error, reply);
}

static int split_address(Props *p, const char *address) {
	const char *slash = strchr(address, '/');
	_cleanup_free_ char *a = strndup(address, slash ? (size_t) (slash - address) : strlen(address));
	int r;

	if (!a)
		return -ENOMEM;
	r = props_add_string(p, "Address", a);
	if (r >= 0)
		r = props_add_number(p, "PrefixLength", slash ? strtoul(slash + 1, NULL, 10) : 0);
	return r;
}

static int read_network_row(sd_bus_message *reply, Props *p) {
	const char *device, *address, *gateway, *mac, *state, *path;
	uint32_t port;
	int r;

	r = sd_bus_message_read(reply, "(susssso)", &device, &port, &address, &gateway, &mac, &state, &path);
	if (r <= 0)
		return r;
	if (props_add_string(p, "Device", device) < 0 ||
	    props_add_number(p, "VsockPort", port) < 0 ||
	    split_address(p, address) < 0 ||
	    props_add_string(p, "Gateway", gateway) < 0 ||
	    props_add_string(p, "MAC", mac) < 0 ||
	    props_add_string(p, "State", state) < 0 ||
	    props_add_string(p, "Path", path) < 0)
		return -ENOMEM;
	return 1;
}

static int read_relay_row(sd_bus_message *reply, Props *p) {
	const char *bridge, *port_name, *mac, *state, *path;
	uint32_t port, vlan;
	int r;

	r = sd_bus_message_read(reply, "(usssuso)", &port, &bridge, &port_name, &mac, &vlan, &state, &path);
	if (r <= 0)
		return r;
	if (props_add_number(p, "VsockPort", port) < 0 ||
	    props_add_string(p, "Bridge", bridge) < 0 ||
	    props_add_string(p, "PortName", port_name) < 0 ||
	    props_add_string(p, "MAC", mac) < 0 ||
	    props_add_number(p, "VLAN", vlan) < 0 ||
	    props_add_string(p, "State", state) < 0 ||
	    props_add_string(p, "Path", path) < 0)
		return -ENOMEM;
	return 1;
}

int list_objects(sd_bus *bus, const ObjectSchema *s, bool auto_start, PropsList *ret, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	bool networks = s == &network_schema;
	PropsList l = {};
	int r;

	r = call_simple(bus, s, s->list_method, auto_start, error, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', networks ? "(susssso)" : "(usssuso)");
	while (r >= 0) {
		Props *p = props_list_add(&l);

		if (!p) {
			r = -ENOMEM;
			break;
		}
		r = networks ? read_network_row(reply, p) : read_relay_row(reply, p);
		if (r <= 0) {
			/* The row it did not get is the one too many. */
			props_done(p);
			l.n--;
			break;
		}
	}
	if (r < 0) {
		props_list_done(&l);
		return r;
	}
	*ret = l;
	return 0;
}

int get_all(sd_bus *bus, const ObjectSchema *s, const char *path, Props *ret, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	Props p = {};
	int r;

	r = new_call(bus, s, path, "org.freedesktop.DBus.Properties", "GetAll", false, &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "s", s->interface);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, error, &reply);
	if (r >= 0)
		r = props_read_all(reply, &p);
	if (r < 0) {
		props_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

int get_status(sd_bus *bus, const ObjectSchema *s, bool auto_start, Props *ret, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	Props p = {};
	int r;

	r = call_simple(bus, s, "GetStatus", auto_start, error, &reply);
	if (r >= 0)
		r = props_read_all(reply, &p);
	if (r < 0) {
		props_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

bool is_number(const char *s) {
	return *s && strspn(s, "0123456789") == strlen(s);
}

int find_object(sd_bus *bus, const Command *c, const ObjectSchema **ret_schema, char **ret_path) {
	_cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;
	PropsList networks = {}, relays = {};
	const char *named = NULL, *network_on_port = NULL, *relay_on_port = NULL;
	bool numeric = is_number(c->target);
	uint64_t wanted = numeric ? strtoull(c->target, NULL, 10) : 0;
	int have_networks, have_relays = 0, r = 0;

	have_networks = optional_read(c, &network_schema, list_objects(bus, &network_schema, false, &networks, &e1), &e1);
	if (have_networks < 0)
		return have_networks;
	if (numeric) {
		have_relays = optional_read(c, &relay_schema, list_objects(bus, &relay_schema, false, &relays, &e2), &e2);
		if (have_relays < 0)
			goto finish;
	}
	if (!have_networks && !have_relays) {
		r = fail_no_daemon(c);
		goto finish;
	}

	for (size_t i = 0; i < networks.n; i++) {
		uint64_t port = 0;

		(void) props_number(&networks.rows[i], "VsockPort", &port);
		if (strcmp(props_string(&networks.rows[i], "Device"), c->target) == 0)
			named = props_string(&networks.rows[i], "Path");
		else if (numeric && port == wanted)
			network_on_port = props_string(&networks.rows[i], "Path");
	}
	for (size_t i = 0; i < relays.n; i++) {
		uint64_t port = 0;

		(void) props_number(&relays.rows[i], "VsockPort", &port);
		if (port == wanted)
			relay_on_port = props_string(&relays.rows[i], "Path");
	}

	if (named || (network_on_port && !relay_on_port)) {
		*ret_schema = &network_schema;
		*ret_path = strdup(named ?: network_on_port);
	} else if (relay_on_port && !network_on_port) {
		*ret_schema = &relay_schema;
		*ret_path = strdup(relay_on_port);
	} else if (relay_on_port) {
		r = fail(-EINVAL, "Both a network and a relay are on vsock port %s; give the network's "
		         "device name, or stop one of them.", c->target);
		goto finish;
	} else {
		r = fail(-ENOENT, "No network is attached as '%s'%s; 'arcactl list' shows them.", c->target,
		         numeric ? " and no network or relay is on that vsock port" : "");
		goto finish;
	}
	if (!*ret_path)
		r = fail(-ENOMEM, "%m");

finish:
	props_list_done(&networks);
	props_list_done(&relays);
	return r;
}
