/* SPDX-License-Identifier: Apache-2.0 */

/*
 * arcactl: the command line client of arca-forwarderd (org.arca.Forwarder1)
 * and arca-relayd (org.arca.Relay1), over the system bus or, with --bus=PATH,
 * peer-to-peer to one daemon's socket. Reading never starts a daemon (the
 * bus would activate it); changing something may. Every failure is one
 * line on stderr and exit status 1; usage errors are status 2. See
 * arcactl(1).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "bus.h"
#include "cmdline.h"
#include "json.h"
#include "pcap-copy.h"
#include "props.h"
#include "settings.h"
#include "show.h"

#define EXIT_USAGE 2

typedef struct Service {
	const char *name;
	const char *path;
	const char *manager;
	const char *object;     /* the interface of a network or relay */
	const char *daemon;
} Service;

static const Service forwarder = {
	.name = "org.arca.Forwarder1",
	.path = "/org/arca/Forwarder1",
	.manager = "org.arca.Forwarder1.Manager",
	.object = "org.arca.Forwarder1.Network",
	.daemon = "arca-forwarderd",
};

static const Service relayd = {
	.name = "org.arca.Relay1",
	.path = "/org/arca/Relay1",
	.manager = "org.arca.Relay1.Manager",
	.object = "org.arca.Relay1.Relay",
	.daemon = "arca-relayd",
};

static const Command *arg;

typedef struct PropsList {
	Props *rows;
	size_t n;
} PropsList;

static void props_list_done(PropsList *l) {
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

static int fail(int r, const char *format, ...) _printf_(2, 3);
static int fail(int r, const char *format, ...) {
	va_list ap;

	fputs("arcactl: ", stderr);
	errno = -r;
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
	return r < 0 ? r : -EIO;
}

/* The daemon is not there: not on the bus, or (peer-to-peer) the socket
 * belongs to the other daemon. */
static bool error_is_absent(const sd_bus_error *e) {
	return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
	                              SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
	                              SD_BUS_ERROR_UNKNOWN_METHOD);
}

static int fail_bus(const Service *s, const sd_bus_error *e, int r) {
	if (arg->bus_path && error_is_absent(e))
		return fail(-ENXIO, "%s does not serve %s; is it %s's socket?", arg->bus_path, s->name, s->daemon);
	if (sd_bus_error_is_set(e) && e->message)
		return fail(r, "%s", e->message);
	return fail(r, "Failed to talk to %s: %m", s->daemon);
}

/* unix:path=... with the characters D-Bus addresses reserve escaped. */
static int bus_address(const char *path, char **ret) {
	static const char hex[] = "0123456789abcdef";
	static const char prefix[] = "unix:path=";
	char *a = malloc(sizeof(prefix) + strlen(path) * 3), *p;

	if (!a)
		return -ENOMEM;
	p = stpcpy(a, prefix);
	for (const unsigned char *c = (const unsigned char *) path; *c; c++)
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("-_/.", *c))
			*p++ = (char) *c;
		else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	*p = '\0';
	*ret = a;
	return 0;
}

static int bus_connect(sd_bus **ret) {
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_free_ char *address = NULL;
	int r;

	if (!arg->bus_path) {
		r = sd_bus_open_system(&bus);
		if (r < 0)
			return fail(r, "Failed to connect to the system bus: %m");
		*ret = TAKE_PTR(bus);
		return 0;
	}

	r = bus_address(arg->bus_path, &address);
	if (r >= 0)
		r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, address);
	if (r >= 0)
		r = sd_bus_negotiate_fds(bus, true);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0)
		return fail(r, "Failed to connect to %s: %m", arg->bus_path);
	*ret = TAKE_PTR(bus);
	return 0;
}

static int new_call(sd_bus *bus, const Service *s, const char *path, const char *interface,
                    const char *member, bool auto_start, sd_bus_message **ret) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, s->name, path, interface, member);
	if (r < 0)
		return r;
	r = sd_bus_message_set_auto_start(m, auto_start);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

/* Calls a method without arguments. */
static int call_simple(sd_bus *bus, const Service *s, const char *member, bool auto_start,
                       sd_bus_error *error, sd_bus_message **reply) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = new_call(bus, s, s->path, s->manager, member, auto_start, &m);
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

static int list_networks(sd_bus *bus, bool auto_start, PropsList *ret, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *device, *address, *gateway, *mac, *state, *path;
	PropsList l = {};
	uint32_t port;
	int r;

	r = call_simple(bus, &forwarder, "ListNetworks", auto_start, error, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', "(susssso)");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(reply, "(susssso)", &device, &port, &address, &gateway,
	                                &mac, &state, &path)) > 0) {
		Props *p = props_list_add(&l);

		if (!p ||
		    props_add_string(p, "Device", device) < 0 ||
		    props_add_number(p, "VsockPort", port) < 0 ||
		    split_address(p, address) < 0 ||
		    props_add_string(p, "Gateway", gateway) < 0 ||
		    props_add_string(p, "MAC", mac) < 0 ||
		    props_add_string(p, "State", state) < 0 ||
		    props_add_string(p, "Path", path) < 0) {
			props_list_done(&l);
			return -ENOMEM;
		}
	}
	if (r < 0) {
		props_list_done(&l);
		return r;
	}
	*ret = l;
	return 0;
}

static int list_relays(sd_bus *bus, bool auto_start, PropsList *ret, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *bridge, *port_name, *mac, *state, *path;
	uint32_t port, vlan;
	PropsList l = {};
	int r;

	r = call_simple(bus, &relayd, "ListRelays", auto_start, error, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', "(usssuso)");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_read(reply, "(usssuso)", &port, &bridge, &port_name, &mac,
	                                &vlan, &state, &path)) > 0) {
		Props *p = props_list_add(&l);

		if (!p ||
		    props_add_number(p, "VsockPort", port) < 0 ||
		    props_add_string(p, "Bridge", bridge) < 0 ||
		    props_add_string(p, "PortName", port_name) < 0 ||
		    props_add_string(p, "MAC", mac) < 0 ||
		    props_add_number(p, "VLAN", vlan) < 0 ||
		    props_add_string(p, "State", state) < 0 ||
		    props_add_string(p, "Path", path) < 0) {
			props_list_done(&l);
			return -ENOMEM;
		}
	}
	if (r < 0) {
		props_list_done(&l);
		return r;
	}
	*ret = l;
	return 0;
}

static int get_all(sd_bus *bus, const Service *s, const char *path, Props *ret, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	Props p = {};
	int r;

	r = new_call(bus, s, path, "org.freedesktop.DBus.Properties", "GetAll", false, &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "s", s->object);
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

static int get_forwarder_status(sd_bus *bus, bool auto_start, Props *ret, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	uint64_t uptime, counters[6];
	const char *version;
	uint32_t networks;
	Props p = {};
	int r;

	r = call_simple(bus, &forwarder, "GetStatus", auto_start, error, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_read(reply, "suttttttt", &version, &networks, &uptime, &counters[0],
	                        &counters[1], &counters[2], &counters[3], &counters[4], &counters[5]);
	if (r < 0)
		return r;

	if (props_add_string(&p, "Version", version) < 0 ||
	    props_add_number(&p, "Networks", networks) < 0 ||
	    props_add_number(&p, "UptimeUSec", uptime) < 0 ||
	    props_add_number(&p, "FramesToHost", counters[0]) < 0 ||
	    props_add_number(&p, "BytesToHost", counters[1]) < 0 ||
	    props_add_number(&p, "FramesFromHost", counters[2]) < 0 ||
	    props_add_number(&p, "BytesFromHost", counters[3]) < 0 ||
	    props_add_number(&p, "Drops", counters[4]) < 0 ||
	    props_add_number(&p, "Errors", counters[5]) < 0) {
		props_done(&p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

static int get_relayd_status(sd_bus *bus, bool auto_start, Props *ret, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_free_ char *version = NULL;
	uint32_t relays, connected;
	uint64_t counters[7];
	Props p = {};
	int r;

	r = new_call(bus, &relayd, relayd.path, "org.freedesktop.DBus.Properties", "Get", auto_start, &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", relayd.manager, "Version");
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, error, &reply);
	if (r >= 0) {
		const char *v;
		r = sd_bus_message_read(reply, "v", "s", &v);
		if (r >= 0 && !(version = strdup(v)))
			r = -ENOMEM;
	}
	if (r < 0)
		return r;
	reply = sd_bus_message_unref(reply);

	r = call_simple(bus, &relayd, "GetStats", auto_start, error, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_read(reply, "uuttttttt", &relays, &connected, &counters[0], &counters[1],
	                        &counters[2], &counters[3], &counters[4], &counters[5], &counters[6]);
	if (r < 0)
		return r;

	if (props_add_string(&p, "Version", version) < 0 ||
	    props_add_number(&p, "Relays", relays) < 0 ||
	    props_add_number(&p, "Connected", connected) < 0 ||
	    props_add_number(&p, "FramesToHost", counters[0]) < 0 ||
	    props_add_number(&p, "BytesToHost", counters[1]) < 0 ||
	    props_add_number(&p, "FramesFromHost", counters[2]) < 0 ||
	    props_add_number(&p, "BytesFromHost", counters[3]) < 0 ||
	    props_add_number(&p, "Drops", counters[4]) < 0 ||
	    props_add_number(&p, "Errors", counters[5]) < 0 ||
	    props_add_number(&p, "Refused", counters[6]) < 0) {
		props_done(&p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

/* Runs a read of one daemon in list/status, where a daemon that is not
 * there is left out rather than an error: returns 1 if it answered, 0 if it
 * is absent. */
static int optional_read(const Service *s, int r, sd_bus_error *error) {
	if (r >= 0)
		return 1;
	if (error_is_absent(error))
		return 0;
	return fail_bus(s, error, r);
}

static int fail_no_daemon(void) {
	if (arg->bus_path)
		return fail(-ENXIO, "%s serves neither org.arca.Forwarder1 nor org.arca.Relay1.", arg->bus_path);
	return fail(-ENXIO, "Neither arca-forwarderd nor arca-relayd is running.");
}

static void json_start(JsonWriter *w) {
	json_init(w, stdout, arg->json == JSON_PRETTY);
	json_begin_object(w);
}

static void json_done(JsonWriter *w) {
	json_end_object(w);
	json_finish(w);
}

static int verb_list(sd_bus *bus) {
	_cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;
	PropsList networks = {}, relays = {};
	int have_networks, have_relays, r = 0;

	have_networks = optional_read(&forwarder, list_networks(bus, false, &networks, &e1), &e1);
	if (have_networks < 0)
		return have_networks;
	have_relays = optional_read(&relayd, list_relays(bus, false, &relays, &e2), &e2);
	if (have_relays < 0) {
		props_list_done(&networks);
		return have_relays;
	}

	if (!have_networks && !have_relays)
		r = fail_no_daemon();
	else if (arg->json != JSON_OFF) {
		JsonWriter w;
		json_start(&w);
		if (have_networks)
			show_json_array(&w, "Networks", networks.rows, networks.n);
		if (have_relays)
			show_json_array(&w, "Relays", relays.rows, relays.n);
		json_done(&w);
	} else {
		if (have_networks)
			show_networks(stdout, networks.rows, networks.n, arg->legend);
		if (have_networks && have_relays)
			putchar('\n');
		if (have_relays)
			show_relays(stdout, relays.rows, relays.n, arg->legend);
	}

	props_list_done(&networks);
	props_list_done(&relays);
	return r;
}

static bool is_number(const char *s) {
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* The networks and relays `status TARGET` means: a network named TARGET,
 * or a network or relay on vsock port TARGET. */
static int verb_status_target(sd_bus *bus, bool networks_too) {
	_cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;
	PropsList networks = {}, relays = {}, found_networks = {}, found_relays = {};
	bool numeric = is_number(arg->target);
	int have_networks = 0, have_relays = 0, r = 0;

	if (networks_too) {
		have_networks = optional_read(&forwarder, list_networks(bus, false, &networks, &e1), &e1);
		if (have_networks < 0)
			return have_networks;
	}
	if (numeric) {
		have_relays = optional_read(&relayd, list_relays(bus, !networks_too, &relays, &e2), &e2);
		if (have_relays < 0)
			goto finish;
	}
	if (!networks_too && !have_relays) {
		r = fail_bus(&relayd, &e2, -ENXIO);
		goto finish;
	}
	if (!have_networks && !have_relays) {
		r = fail_no_daemon();
		goto finish;
	}

	for (size_t i = 0; i < networks.n && r >= 0; i++) {
		const char *device = props_string(&networks.rows[i], "Device");
		uint64_t port = 0;
		Props *p;

		(void) props_number(&networks.rows[i], "VsockPort", &port);
		if (strcmp(device, arg->target) != 0 && !(numeric && port == strtoull(arg->target, NULL, 10)))
			continue;
		p = props_list_add(&found_networks);
		if (!p)
			r = -ENOMEM;
		else if ((r = get_all(bus, &forwarder, props_string(&networks.rows[i], "Path"), p, &e1)) < 0)
			r = fail_bus(&forwarder, &e1, r);
	}
	for (size_t i = 0; i < relays.n && r >= 0; i++) {
		uint64_t port = 0;
		Props *p;

		(void) props_number(&relays.rows[i], "VsockPort", &port);
		if (port != strtoull(arg->target, NULL, 10))
			continue;
		p = props_list_add(&found_relays);
		if (!p)
			r = -ENOMEM;
		else if ((r = get_all(bus, &relayd, props_string(&relays.rows[i], "Path"), p, &e2)) < 0)
			r = fail_bus(&relayd, &e2, r);
	}
	if (r < 0)
		goto finish;

	if (found_networks.n == 0 && found_relays.n == 0) {
		if (networks_too)
			r = fail(-ENOENT, "No network is attached as '%s' and no relay runs on port %s; "
			         "'arcactl list' shows them.", arg->target, arg->target);
		else
			r = fail(-ENOENT, "No relay runs on vsock port %s; 'arcactl relay list' shows them.",
			         arg->target);
	} else if (arg->json != JSON_OFF) {
		JsonWriter w;
		json_start(&w);
		if (found_networks.n > 0)
			show_json_array(&w, "Networks", found_networks.rows, found_networks.n);
		if (found_relays.n > 0)
			show_json_array(&w, "Relays", found_relays.rows, found_relays.n);
		json_done(&w);
	} else {
		for (size_t i = 0; i < found_networks.n; i++) {
			if (i > 0)
				putchar('\n');
			show_network_status(stdout, &found_networks.rows[i]);
		}
		for (size_t i = 0; i < found_relays.n; i++) {
			if (i > 0 || found_networks.n > 0)
				putchar('\n');
			show_relay_status(stdout, &found_relays.rows[i]);
		}
	}

finish:
	props_list_done(&networks);
	props_list_done(&relays);
	props_list_done(&found_networks);
	props_list_done(&found_relays);
	return r < 0 ? r : have_relays < 0 ? have_relays : 0;
}

static int verb_status_daemons(sd_bus *bus, bool forwarder_too) {
	_cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;
	Props f = {}, rs = {};
	int have_forwarder = 0, have_relayd, r = 0;

	if (forwarder_too) {
		have_forwarder = optional_read(&forwarder, get_forwarder_status(bus, false, &f, &e1), &e1);
		if (have_forwarder < 0)
			return have_forwarder;
		have_relayd = optional_read(&relayd, get_relayd_status(bus, false, &rs, &e2), &e2);
	} else {
		r = get_relayd_status(bus, true, &rs, &e2);
		have_relayd = r < 0 ? fail_bus(&relayd, &e2, r) : 1;
	}
	if (have_relayd < 0) {
		props_done(&f);
		return have_relayd;
	}

	if (!have_forwarder && !have_relayd)
		r = fail_no_daemon();
	else if (arg->json != JSON_OFF) {
		JsonWriter w;
		json_start(&w);
		if (have_forwarder) {
			json_key(&w, "Forwarder");
			show_json_props(&w, &f);
		}
		if (have_relayd) {
			json_key(&w, "Relay");
			show_json_props(&w, &rs);
		}
		json_done(&w);
	} else {
		if (have_forwarder)
			show_forwarder_status(stdout, &f);
		if (have_forwarder && have_relayd)
			putchar('\n');
		if (have_relayd)
			show_relayd_status(stdout, &rs);
	}

	props_done(&f);
	props_done(&rs);
	return r < 0 ? r : 0;
}

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
static int load_settings(const ConfItem *table, void *settings, bool network) {
	char error[CONF_ERROR_MAX];
	int r;

	if (arg->config) {
		r = settings_load(table, settings, arg->config, error);
		if (r < 0)
			return fail(r, "%s", error);
	}
	for (size_t i = 0; i < arg->n_settings; i++) {
		/* An address on the command line brings its own prefix. */
		if (network && strcmp(arg->settings[i].key, "Address") == 0)
			((NetworkSettings *) settings)->prefix_len = 0;
		r = settings_set(table, settings, arg->settings[i].key, arg->settings[i].value);
		if (r < 0)
			return fail(r, "Failed to apply %s: %m", arg->settings[i].option);
	}
	return 0;
}

static int verb_attach(sd_bus *bus) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	char message[CONF_ERROR_MAX];
	NetworkSettings s;
	int r;

	network_settings_init(&s);
	r = load_settings(network_settings_table, &s, true);
	if (r >= 0 && network_settings_check(&s, arg->config ? arg->config + (arg->config[0] == '-') : NULL,
	                                     message) < 0)
		r = fail(-EINVAL, "%s", message);
	if (r >= 0)
		r = check_listen_fd(arg->listen_fd);
	if (r < 0)
		goto finish;
	if (arg->listen_fd >= 0) {
		/* The passed socket is where to listen, whatever the file says. */
		s.listen_fd = arg->listen_fd;
	}

	r = new_call(bus, &forwarder, forwarder.path, forwarder.manager, "AttachNetwork", true, &m);
	if (r >= 0)
		r = network_settings_append(m, arg->port, &s);
	if (r < 0) {
		r = fail(r, "Failed to build the AttachNetwork call: %m");
		goto finish;
	}
	r = sd_bus_call(bus, m, 0, &error, &reply);
	if (r < 0)
		r = fail_bus(&forwarder, &error, r);

finish:
	network_settings_done(&s);
	return r;
}

static int verb_detach(sd_bus *bus) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	_cleanup_free_ char *device = strdup(arg->target);
	int r;

	if (!device)
		return fail(-ENOMEM, "%m");

	/* A port stands for the network on it, unless a device has that name. */
	if (is_number(arg->target)) {
		PropsList networks = {};
		bool named = false;
		const char *on_port = NULL;

		r = list_networks(bus, true, &networks, &error);
		if (r < 0)
			return fail_bus(&forwarder, &error, r);
		for (size_t i = 0; i < networks.n; i++) {
			const char *d = props_string(&networks.rows[i], "Device");
			uint64_t port = 0;

			(void) props_number(&networks.rows[i], "VsockPort", &port);
			if (strcmp(d, arg->target) == 0)
				named = true;
			else if (port == strtoull(arg->target, NULL, 10))
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

	r = new_call(bus, &forwarder, forwarder.path, forwarder.manager, "DetachNetwork", true, &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "s", device);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, NULL);
	if (r < 0)
		return fail_bus(&forwarder, &error, r);
	return 0;
}

static int verb_relay_start(sd_bus *bus) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	RelaySettings s;
	int r;

	relay_settings_init(&s);
	r = load_settings(relay_settings_table, &s, false);
	if (r >= 0)
		r = check_listen_fd(arg->listen_fd);
	if (r < 0)
		goto finish;
	if (arg->listen_fd >= 0)
		s.listen_fd = arg->listen_fd;

	r = new_call(bus, &relayd, relayd.path, relayd.manager, "StartRelay", true, &m);
	if (r >= 0)
		r = relay_settings_append(m, arg->port, &s);
	if (r < 0) {
		r = fail(r, "Failed to build the StartRelay call: %m");
		goto finish;
	}
	r = sd_bus_call(bus, m, 0, &error, &reply);
	if (r < 0)
		r = fail_bus(&relayd, &error, r);

finish:
	relay_settings_done(&s);
	return r;
}

static int verb_relay_stop(sd_bus *bus) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = new_call(bus, &relayd, relayd.path, relayd.manager, "StopRelay", true, &m);
	if (r >= 0)
		r = sd_bus_message_append(m, "u", arg->port);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, NULL);
	if (r < 0)
		return fail_bus(&relayd, &error, r);
	return 0;
}

static int verb_relay_list(sd_bus *bus) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	PropsList relays = {};
	int r;

	r = list_relays(bus, true, &relays, &error);
	if (r < 0)
		return fail_bus(&relayd, &error, r);

	if (arg->json != JSON_OFF) {
		JsonWriter w;
		json_start(&w);
		show_json_array(&w, "Relays", relays.rows, relays.n);
		json_done(&w);
	} else
		show_relays(stdout, relays.rows, relays.n, arg->legend);
	props_list_done(&relays);
	return 0;
}

/* What `capture TARGET` means: the network named TARGET, else the one
 * network or relay on vsock port TARGET. */
static int capture_find(sd_bus *bus, const Service **ret_service, char **ret_path) {
	_cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;
	PropsList networks = {}, relays = {};
	const char *named = NULL, *network_on_port = NULL, *relay_on_port = NULL;
	bool numeric = is_number(arg->target);
	uint64_t wanted = numeric ? strtoull(arg->target, NULL, 10) : 0;
	int have_networks, have_relays = 0, r = 0;

	have_networks = optional_read(&forwarder, list_networks(bus, false, &networks, &e1), &e1);
	if (have_networks < 0)
		return have_networks;
	if (numeric) {
		have_relays = optional_read(&relayd, list_relays(bus, false, &relays, &e2), &e2);
		if (have_relays < 0)
			goto finish;
	}
	if (!have_networks && !have_relays) {
		r = fail_no_daemon();
		goto finish;
	}

	for (size_t i = 0; i < networks.n; i++) {
		uint64_t port = 0;

		(void) props_number(&networks.rows[i], "VsockPort", &port);
		if (strcmp(props_string(&networks.rows[i], "Device"), arg->target) == 0)
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
		*ret_service = &forwarder;
		*ret_path = strdup(named ?: network_on_port);
	} else if (relay_on_port && !network_on_port) {
		*ret_service = &relayd;
		*ret_path = strdup(relay_on_port);
	} else if (relay_on_port) {
		r = fail(-EINVAL, "Both a network and a relay are on vsock port %s; give the network's "
		         "device name, or stop one of them.", arg->target);
		goto finish;
	} else {
		r = fail(-ENOENT, "No network is attached as '%s'%s; 'arcactl list' shows them.", arg->target,
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

static int call_capture(sd_bus *bus, const Service *s, const char *path, int *ret_fd) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	int fd, r;

	r = new_call(bus, s, path, s->object, "Capture", false, &m);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0 && arg->capture_frames > 0)
		r = sd_bus_message_append(m, "{sv}", "MaxFrames", "t", arg->capture_frames);
	if (r >= 0 && arg->capture_bytes > 0)
		r = sd_bus_message_append(m, "{sv}", "MaxBytes", "t", arg->capture_bytes);
	if (r >= 0 && arg->snap_bytes > 0)
		r = sd_bus_message_append(m, "{sv}", "SnapLength", "u", arg->snap_bytes);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r < 0)
		return fail(r, "Failed to build the Capture call: %m");

	r = sd_bus_call(bus, m, 0, &error, &reply);
	if (r >= 0)
		r = sd_bus_message_read(reply, "h", &fd);
	if (r < 0)
		return fail_bus(s, &error, r);
	/* The reply owns fd. */
	*ret_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (*ret_fd < 0)
		return fail(-errno, "Failed to keep the capture's pipe: %m");
	return 0;
}

static int verb_capture(sd_bus *bus) {
	_cleanup_close_ int pipe_fd = -1, file_fd = -1, signal_fd = -1;
	_cleanup_free_ char *path = NULL;
	bool to_stdout = strcmp(arg->capture_file, "-") == 0;
	const char *shown = to_stdout ? "stdout" : arg->capture_file;
	const Service *s = NULL;
	PcapCopyResult result;
	sigset_t mask;
	int r;

	r = capture_find(bus, &s, &path);
	if (r < 0)
		return r;

	/* Interrupting stops at the end of a frame, so the file stays whole. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (signal_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0)
		return fail(-errno, "Failed to watch for signals: %m");
	(void) signal(SIGPIPE, SIG_IGN);

	r = call_capture(bus, s, path, &pipe_fd);
	if (r < 0)
		return r;

	/* Only now: a refused capture leaves no empty file behind. Closing the
	 * pipe on the way out ends the capture. */
	if (!to_stdout) {
		/* Captured traffic is nobody else's business. */
		file_fd = open(arg->capture_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (file_fd < 0)
			return fail(-errno, "Failed to create %s: %m", arg->capture_file);
	}

	r = pcap_copy(pipe_fd, to_stdout ? STDOUT_FILENO : file_fd, signal_fd, &result);
	pipe_fd = safe_close(pipe_fd);
	if (r == -EBADMSG)
		return fail(r, "%s sent no valid pcap stream; %s is cut short.", s->daemon, shown);
	if (r < 0)
		return fail(r, "Failed to write %s: %m", shown);
	if (!to_stdout && close(TAKE_FD(file_fd)) < 0)
		return fail(-errno, "Failed to write %s: %m", shown);

	fprintf(stderr, "%" PRIu64 " frame%s captured.\n", result.frames, result.frames == 1 ? "" : "s");
	return 0;
}

static int run(const Command *c) {
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r;

	r = bus_connect(&bus);
	if (r < 0)
		return r;

	switch (c->verb) {
	case VERB_LIST:
		return verb_list(bus);
	case VERB_STATUS:
		return c->target ? verb_status_target(bus, true) : verb_status_daemons(bus, true);
	case VERB_ATTACH:
		return verb_attach(bus);
	case VERB_DETACH:
		return verb_detach(bus);
	case VERB_CAPTURE:
		return verb_capture(bus);
	case VERB_RELAY_START:
		return verb_relay_start(bus);
	case VERB_RELAY_STOP:
		return verb_relay_stop(bus);
	case VERB_RELAY_LIST:
		return verb_relay_list(bus);
	case VERB_RELAY_STATUS:
		return c->target ? verb_status_target(bus, false) : verb_status_daemons(bus, false);
	default:
		return fail(-EINVAL, "Nothing to do.");
	}
}

int main(int argc, char *argv[]) {
	Command c;
	int r;

	r = cmdline_parse(&c, argc, argv, stderr);
	if (r < 0) {
		command_done(&c);
		return EXIT_USAGE;
	}
	arg = &c;

	if (c.help)
		cmdline_help(stdout, c.verb);
	else if (c.version)
		printf("arcactl %s\n", ARCA_VERSION);
	else
		r = run(&c);

	command_done(&c);
	if (fflush(stdout) != 0 && r >= 0)
		r = fail(-errno, "Failed to write output: %m");
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
