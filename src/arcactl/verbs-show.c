/* SPDX-License-Identifier: Apache-2.0 */

/*
 * list, status, relay list, relay status, wait: what the daemons say, as
 * tables, status pages or JSON, or as the moment something is ready. Reading never starts a daemon (the bus would
 * activate it), and a daemon that does not run is left out, unless the
 * command is about it alone.
 */

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "json.h"
#include "show.h"
#include "verbs.h"

static uint64_t now_usec(void) {
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000U;
}

static void json_start(const Command *c, JsonWriter *w) {
	json_init(w, stdout, c->json == JSON_PRETTY);
	json_begin_object(w);
}

static void json_done(JsonWriter *w) {
	json_end_object(w);
	json_finish(w);
}

int verb_list(sd_bus *bus, const Command *c) {
	_cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;
	PropsList networks = {}, relays = {};
	int have_networks, have_relays, r = 0;

	have_networks = optional_read(c, &network_schema,
	                              list_objects(bus, &network_schema, false, &networks, &e1), &e1);
	if (have_networks < 0)
		return have_networks;
	have_relays = optional_read(c, &relay_schema, list_objects(bus, &relay_schema, false, &relays, &e2), &e2);
	if (have_relays < 0) {
		props_list_done(&networks);
		return have_relays;
	}

	if (!have_networks && !have_relays)
		r = fail_no_daemon(c);
	else if (c->json != JSON_OFF) {
		JsonWriter w;
		json_start(c, &w);
		if (have_networks)
			show_json_array(&w, "Networks", networks.rows, networks.n);
		if (have_relays)
			show_json_array(&w, "Relays", relays.rows, relays.n);
		json_done(&w);
	} else {
		if (have_networks)
			show_networks(stdout, networks.rows, networks.n, c->legend);
		if (have_networks && have_relays)
			putchar('\n');
		if (have_relays)
			show_relays(stdout, relays.rows, relays.n, c->legend);
	}

	props_list_done(&networks);
	props_list_done(&relays);
	return r;
}

int verb_relay_list(sd_bus *bus, const Command *c) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	PropsList relays = {};
	int r;

	r = list_objects(bus, &relay_schema, false, &relays, &error);
	if (r < 0)
		return fail_bus(c, &relay_schema, &error, r);

	if (c->json != JSON_OFF) {
		JsonWriter w;
		json_start(c, &w);
		show_json_array(&w, "Relays", relays.rows, relays.n);
		json_done(&w);
	} else
		show_relays(stdout, relays.rows, relays.n, c->legend);
	props_list_done(&relays);
	return 0;
}

/* Whether one of the names or patterns of `status` means this row: its
 * device name (networks) or its vsock port, as given (05001 is 5001) or
 * matched by a glob. */
static bool row_wanted(const Command *c, const Props *row) {
	const char *device = props_string(row, "Device");
	char port[sizeof("4294967295")] = "";
	uint64_t number;

	if (props_number(row, "VsockPort", &number))
		snprintf(port, sizeof(port), "%" PRIu64, number);
	for (size_t i = 0; i < c->n_patterns; i++) {
		const char *p = c->patterns[i];

		if ((device && fnmatch(p, device, 0) == 0) ||
		    (port[0] && (fnmatch(p, port, 0) == 0 || (is_number(p) && strtoull(p, NULL, 10) == number))))
			return true;
	}
	return false;
}

/* Whether status may mean relays too: a port, or a pattern a port could
 * match. */
static bool may_mean_ports(const Command *c) {
	for (size_t i = 0; i < c->n_patterns; i++)
		if (is_number(c->patterns[i]) || strpbrk(c->patterns[i], "*?["))
			return true;
	return false;
}

/* The rows of l that `status TARGET...` means, with all their properties. */
static int find_targets(sd_bus *bus, const Command *c, const ObjectSchema *s, const PropsList *l, PropsList *found,
                        sd_bus_error *error) {
	int r;

	for (size_t i = 0; i < l->n; i++) {
		Props *rows;

		if (!row_wanted(c, &l->rows[i]))
			continue;
		rows = realloc(found->rows, (found->n + 1) * sizeof(Props));
		if (!rows)
			return -ENOMEM;
		found->rows = rows;
		r = get_all(bus, s, props_string(&l->rows[i], "Path"), &rows[found->n], error);
		if (r < 0)
			return fail_bus(c, s, error, r);
		found->n++;
	}
	return 0;
}

/* status TARGET: a network named TARGET, or a network or relay on vsock
 * port TARGET; relay status PORT: a relay alone. */
static int status_target(sd_bus *bus, const Command *c, bool networks_too) {
	_cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;
	PropsList networks = {}, relays = {}, found_networks = {}, found_relays = {};
	bool numeric = may_mean_ports(c);
	int have_networks = 0, have_relays = 0, r = 0;

	if (networks_too) {
		have_networks = optional_read(c, &network_schema,
		                              list_objects(bus, &network_schema, false, &networks, &e1), &e1);
		if (have_networks < 0)
			return have_networks;
	}
	if (numeric) {
		have_relays = optional_read(c, &relay_schema,
		                            list_objects(bus, &relay_schema, false, &relays, &e2), &e2);
		if (have_relays < 0)
			goto finish;
	}
	if (!networks_too && !have_relays) {
		r = fail_bus(c, &relay_schema, &e2, -ENXIO);
		goto finish;
	}
	if (!have_networks && !have_relays) {
		r = fail_no_daemon(c);
		goto finish;
	}

	r = find_targets(bus, c, &network_schema, &networks, &found_networks, &e1);
	if (r >= 0)
		r = find_targets(bus, c, &relay_schema, &relays, &found_relays, &e2);
	if (r < 0)
		goto finish;

	if (found_networks.n == 0 && found_relays.n == 0) {
		if (c->n_patterns > 1 || (c->n_patterns == 1 && strpbrk(c->target, "*?[")))
			r = fail(-ENOENT, "No network or relay matches what was given; 'arcactl list' shows them.");
		else if (networks_too && !is_number(c->target))
			r = fail(-ENOENT, "No network is attached as '%s'; 'arcactl list' shows them.", c->target);
		else if (networks_too)
			r = fail(-ENOENT, "No network is attached as '%s' and no network or relay is on that vsock "
			         "port; 'arcactl list' shows them.", c->target);
		else
			r = fail(-ENOENT, "No relay runs on vsock port %s; 'arcactl relay list' shows them.", c->target);
	} else if (c->json != JSON_OFF) {
		JsonWriter w;
		json_start(c, &w);
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

/* status: each daemon that runs; relay status: arca-relayd, which must. */
static int status_daemons(sd_bus *bus, const Command *c, bool forwarder_too) {
	_cleanup_(sd_bus_error_free) sd_bus_error e1 = SD_BUS_ERROR_NULL, e2 = SD_BUS_ERROR_NULL;
	Props f = {}, rs = {};
	int have_forwarder = 0, have_relayd, r = 0;

	if (forwarder_too) {
		have_forwarder = optional_read(c, &network_schema, get_status(bus, &network_schema, false, &f, &e1),
		                               &e1);
		if (have_forwarder < 0)
			return have_forwarder;
		have_relayd = optional_read(c, &relay_schema, get_status(bus, &relay_schema, false, &rs, &e2), &e2);
	} else {
		r = get_status(bus, &relay_schema, false, &rs, &e2);
		have_relayd = r < 0 ? fail_bus(c, &relay_schema, &e2, r) : 1;
	}
	if (have_relayd < 0) {
		props_done(&f);
		return have_relayd;
	}

	if (!have_forwarder && !have_relayd)
		r = fail_no_daemon(c);
	else if (c->json != JSON_OFF) {
		JsonWriter w;
		json_start(c, &w);
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

int verb_status(sd_bus *bus, const Command *c) {
	return c->target ? status_target(bus, c, true) : status_daemons(bus, c, true);
}

int verb_relay_status(sd_bus *bus, const Command *c) {
	return c->target ? status_target(bus, c, false) : status_daemons(bus, c, false);
}

#define WAIT_TIMEOUT_SEC_DEFAULT 30U

/* Why an object is not ready: its State, and LastError if it has one. */
static void wait_failed(sd_bus *bus, const Command *c, const ObjectSchema *s, const char *path, unsigned sec) {
	_cleanup_free_ char *state = NULL, *last_error = NULL;
	bool stop;

	(void) sd_bus_get_property_string(bus, s->bus_name, path, s->interface, "State", NULL, &state);
	(void) sd_bus_get_property_string(bus, s->bus_name, path, s->interface, "LastError", NULL, &last_error);
	/* LastError may end its sentence itself. */
	stop = !ends_sentence(last_error);
	(void) fail(-ETIMEDOUT, "%s is not %s after %u s: it is %s%s%s%s", c->target, c->wait_state ?: "ready", sec,
	            strna(state), isempty_str(last_error) ? "" : "; the last error: ", strempty(last_error),
	            stop ? "." : "");
}

int verb_wait(sd_bus *bus, const Command *c) {
	_cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
	_cleanup_free_ char *path = NULL;
	unsigned sec = c->timeout_sec ?: WAIT_TIMEOUT_SEC_DEFAULT;
	const ObjectSchema *s;
	uint64_t deadline, now;
	int r;

	r = find_object(bus, c, &s, &path);
	if (r < 0)
		return r;
	/* Changes wake us; what counts is the property, read again. The
	 * sender is left out: peer-to-peer, signals have none. */
	r = sd_bus_match_signal(bus, &slot, NULL, path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
	                        NULL, NULL);
	if (r < 0)
		return fail(r, "Failed to watch %s: %m", c->target);

	deadline = now_usec() + sec * USEC_PER_SEC;
	for (;;) {
		_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
		int ready = 0;

		if (c->wait_state) {
			_cleanup_free_ char *state = NULL;

			r = sd_bus_get_property_string(bus, s->bus_name, path, s->interface, "State", &error, &state);
			ready = r >= 0 && strcmp(state, c->wait_state) == 0;
		} else
			r = sd_bus_get_property_trivial(bus, s->bus_name, path, s->interface, "Ready", &error, 'b',
			                                &ready);
		if (r < 0)
			return fail_bus(c, s, &error, r);
		if (ready)
			return 0;
		now = now_usec();
		if (now >= deadline) {
			wait_failed(bus, c, s, path, sec);
			return -ETIMEDOUT;
		}
		r = bus_process_and_wait(bus, deadline - now);
		if (r < 0)
			return fail(r, "Failed to wait for %s: %m", c->target);
	}
}
