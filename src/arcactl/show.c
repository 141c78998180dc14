/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "show.h"
#include "table.h"

static const char *string_or(const Props *p, const char *name, const char *fallback) {
	const char *s = props_string(p, name);

	return isempty_str(s) ? fallback : s;
}

static uint64_t number(const Props *p, const char *name) {
	uint64_t v = 0;

	(void) props_number(p, name, &v);
	return v;
}

void show_networks(FILE *f, const Props *rows, size_t n, bool legend) {
	static const char *const headers[] = { "DEVICE", ">PORT", "ADDRESS", "GATEWAY", "MAC", "STATE", NULL };
	_cleanup_(table_freep) Table *t = table_new(headers);

	if (!t)
		return;
	for (size_t i = 0; i < n; i++) {
		const Props *p = &rows[i];
		const char *address = props_string(p, "Address");
		uint64_t prefix_len = number(p, "PrefixLength");

		table_add(t, props_string(p, "Device"));
		table_addf(t, "%" PRIu64, number(p, "VsockPort"));
		if (address && prefix_len > 0)
			table_addf(t, "%s/%" PRIu64, address, prefix_len);
		else
			table_add(t, address);
		table_add(t, props_string(p, "Gateway"));
		table_add(t, props_string(p, "MAC"));
		table_add(t, props_string(p, "State"));
	}
	table_print(t, f, legend);
	if (legend)
		fprintf(f, "\n%zu network%s listed.\n", n, n == 1 ? "" : "s");
}

void show_relays(FILE *f, const Props *rows, size_t n, bool legend) {
	static const char *const headers[] = { ">PORT", "BRIDGE", "PORT-NAME", "MAC", ">VLAN", "STATE", NULL };
	_cleanup_(table_freep) Table *t = table_new(headers);

	if (!t)
		return;
	for (size_t i = 0; i < n; i++) {
		const Props *p = &rows[i];
		uint64_t vlan = number(p, "VLAN");

		table_addf(t, "%" PRIu64, number(p, "VsockPort"));
		table_add(t, props_string(p, "Bridge"));
		table_add(t, props_string(p, "PortName"));
		table_add(t, props_string(p, "MAC"));
		if (vlan > 0)
			table_addf(t, "%" PRIu64, vlan);
		else
			table_add(t, NULL);
		table_add(t, props_string(p, "State"));
	}
	table_print(t, f, legend);
	if (legend)
		fprintf(f, "\n%zu relay%s listed.\n", n, n == 1 ? "" : "s");
}

/* A status page: a title line, then "Label: value" lines with the colons
 * aligned. Labels are literals; values are copied. */
#define FIELDS_MAX 32U

typedef struct Fields {
	const char *label[FIELDS_MAX];
	char *value[FIELDS_MAX];
	size_t n;
} Fields;

static void field(Fields *fs, const char *label, const char *format, ...) _printf_(3, 4);
static void field(Fields *fs, const char *label, const char *format, ...) {
	va_list ap;

	if (fs->n >= FIELDS_MAX)
		return;
	va_start(ap, format);
	if (vasprintf(&fs->value[fs->n], format, ap) >= 0)
		fs->label[fs->n++] = label;
	va_end(ap);
}

static void fields_print(Fields *fs, FILE *f, const char *title) {
	size_t width = 0;

	for (size_t i = 0; i < fs->n; i++)
		width = MAX(width, strlen(fs->label[i]));

	fprintf(f, "\u25cf %s\n", title);
	for (size_t i = 0; i < fs->n; i++) {
		/* No label: one more value of the line above. */
		fprintf(f, "%*s%c %s\n", (int) width + 2, fs->label[i], fs->label[i][0] ? ':' : ' ', fs->value[i]);
		free(fs->value[i]);
	}
	fs->n = 0;
}

/* "12 frames (1.2K), 0 errors, 0 dropped, 0 lost in the kernel" from the
 * counters of one direction: Frames<dir>, Bytes<dir>, Errors<dir>,
 * Drops<dir>, KernelDrops<dir>. */
static void traffic_field(Fields *fs, const Props *p, const char *label, const char *dir) {
	char frames[32], bytes[32], errors[32], drops[32], kernel[32], b[FORMAT_BYTES_MAX], tail[96] = "";
	uint64_t e, d, k;
	int n;

	snprintf(frames, sizeof(frames), "Frames%s", dir);
	snprintf(bytes, sizeof(bytes), "Bytes%s", dir);
	snprintf(errors, sizeof(errors), "Errors%s", dir);
	snprintf(drops, sizeof(drops), "Drops%s", dir);
	snprintf(kernel, sizeof(kernel), "KernelDrops%s", dir);
	/* Each part where the daemon has its counters. */
	if (props_number(p, errors, &e) && props_number(p, drops, &d)) {
		n = snprintf(tail, sizeof(tail), ", %" PRIu64 " errors, %" PRIu64 " dropped", e, d);
		if (props_number(p, kernel, &k))
			snprintf(tail + n, sizeof(tail) - (size_t) n, ", %" PRIu64 " lost in the kernel", k);
	}
	field(fs, label, "%" PRIu64 " frames (%s)%s", number(p, frames), format_bytes(b, number(p, bytes)), tail);
}

static void peer_fields(Fields *fs, const Props *p) {
	const char *state = string_or(p, "State", "unknown");
	const char *peer = props_string(p, "Peer");

	field(fs, "State", "%s", state);
	if (!isempty_str(peer))
		field(fs, "Peer", "%s", peer);
	/* A port that connects to its host does not listen. */
	if (!isempty_str(props_string(p, "Connect")))
		field(fs, "Connect", "%s", props_string(p, "Connect"));
	else
		field(fs, "Listen", "%s", string_or(p, "Listen", "-"));
}

static void counter_fields(Fields *fs, const Props *p) {
	uint64_t refused;

	if (props_number(p, "Refused", &refused))
		field(fs, "Connections", "%" PRIu64 " (%" PRIu64 " refused)", number(p, "Connections"), refused);
	else
		field(fs, "Connections", "%" PRIu64, number(p, "Connections"));
	traffic_field(fs, p, "To host", "ToHost");
	traffic_field(fs, p, "From host", "FromHost");
	field(fs, "Protocol errors", "%" PRIu64, number(p, "ProtocolErrors"));
}

/* Daemons that predate the setting do not have it. */
static void framing_field(Fields *fs, const Props *p) {
	const char *framing = props_string(p, "Framing");

	if (!isempty_str(framing))
		field(fs, "Framing", "%s", framing);
}

/* Only where there is one. */
static void rate_field(Fields *fs, const Props *p) {
	uint64_t rate;

	if (props_number(p, "RateLimit", &rate) && rate > 0)
		field(fs, "Rate limit", "%" PRIu64 " bytes/s each way", rate);
}

void show_network_status(FILE *f, const Props *p) {
	Fields fs = {};
	const char *gateway = props_string(p, "Gateway");
	char *const *dns = props_strv(p, "DNS");
	char *const *addresses = props_strv(p, "Addresses"), *const *gateways = props_strv(p, "Gateways");
	bool default_route = false, ipv6_link_local = true;
	/* Daemons that predate the setting have a link-local address. */
	bool ipv6_link_local_off = props_bool(p, "IPv6LinkLocal", &ipv6_link_local) && !ipv6_link_local;

	peer_fields(&fs, p);
	field(&fs, "Vsock port", "%" PRIu64, number(p, "VsockPort"));
	field(&fs, "Address", "%s/%" PRIu64, string_or(p, "Address", "-"), number(p, "PrefixLength"));
	for (char *const *i = addresses; i && *i; i++)
		field(&fs, "", "%s", *i);
	(void) props_bool(p, "DefaultRoute", &default_route);
	if (!isempty_str(gateway))
		field(&fs, "Gateway", "%s%s", gateway, default_route ? " (default route)" : "");
	for (char *const *i = gateways; i && *i; i++)
		field(&fs, "", "%s%s", *i, default_route ? " (default route)" : "");
	if (ipv6_link_local_off)
		field(&fs, "IPv6 link-local", "none");
	field(&fs, "MAC", "%s", string_or(p, "MAC", "-"));
	field(&fs, "MTU", "%" PRIu64, number(p, "MTU"));
	framing_field(&fs, p);
	if (dns && dns[0]) {
		size_t len = 1;
		char *joined;

		for (char *const *i = dns; *i; i++)
			len += strlen(*i) + 1;
		joined = calloc(1, len);
		if (joined) {
			for (char *const *i = dns; *i; i++) {
				if (i != dns)
					strcat(joined, " ");
				strcat(joined, *i);
			}
			field(&fs, "DNS", "%s", joined);
			free(joined);
		}
	}
	rate_field(&fs, p);
	counter_fields(&fs, p);
	fields_print(&fs, f, string_or(p, "Device", "?"));
}

void show_relay_status(FILE *f, const Props *p) {
	static const struct {
		const char *name, *label;
	} ids[] = {
		{ "IfaceId", "Iface ID" }, { "NetworkId", "Network ID" }, { "ContainerId", "Container ID" },
	};
	Fields fs = {};
	const char *last_error = props_string(p, "LastError");
	uint64_t vlan = number(p, "VLAN"), mtu = number(p, "MTU");
	char title[64];

	peer_fields(&fs, p);
	field(&fs, "Backend", "%s", string_or(p, "Backend", "-"));
	field(&fs, "Bridge", "%s", string_or(p, "Bridge", "-"));
	field(&fs, "Port name", "%s", string_or(p, "PortName", "-"));
	field(&fs, "MAC", "%s", string_or(p, "MAC", "-"));
	if (vlan > 0)
		field(&fs, "VLAN", "%" PRIu64, vlan);
	else
		field(&fs, "VLAN", "none");
	if (mtu > 0)
		field(&fs, "MTU", "%" PRIu64, mtu);
	framing_field(&fs, p);
	for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
		const char *id = props_string(p, ids[i].name);
		if (!isempty_str(id))
			field(&fs, ids[i].label, "%s", id);
	}
	if (!isempty_str(last_error))
		field(&fs, "Last error", "%s", last_error);
	rate_field(&fs, p);
	counter_fields(&fs, p);

	snprintf(title, sizeof(title), "relay %" PRIu64, number(p, "VsockPort"));
	fields_print(&fs, f, title);
}

static void daemon_traffic_fields(Fields *fs, const Props *p) {
	char b[FORMAT_BYTES_MAX];

	field(fs, "To host", "%" PRIu64 " frames (%s)", number(p, "FramesToHost"),
	      format_bytes(b, number(p, "BytesToHost")));
	field(fs, "From host", "%" PRIu64 " frames (%s)", number(p, "FramesFromHost"),
	      format_bytes(b, number(p, "BytesFromHost")));
	field(fs, "Drops", "%" PRIu64, number(p, "Drops"));
	field(fs, "Errors", "%" PRIu64, number(p, "Errors"));
}

void show_forwarder_status(FILE *f, const Props *p) {
	Fields fs = {};
	char title[64], span[FORMAT_TIMESPAN_MAX];

	field(&fs, "Networks", "%" PRIu64, number(p, "Networks"));
	field(&fs, "Uptime", "%s", format_timespan(span, number(p, "UptimeUSec")));
	daemon_traffic_fields(&fs, p);

	snprintf(title, sizeof(title), "arca-forwarderd %s", string_or(p, "Version", "?"));
	fields_print(&fs, f, title);
}

void show_relayd_status(FILE *f, const Props *p) {
	Fields fs = {};
	char title[64];

	char span[FORMAT_TIMESPAN_MAX];
	uint64_t uptime;

	field(&fs, "Relays", "%" PRIu64 " (%" PRIu64 " connected)", number(p, "Relays"), number(p, "Connected"));
	/* Daemons before GetStatus had one shape do not say. */
	if (props_number(p, "UptimeUSec", &uptime))
		field(&fs, "Uptime", "%s", format_timespan(span, uptime));
	daemon_traffic_fields(&fs, p);
	field(&fs, "Refused", "%" PRIu64, number(p, "Refused"));

	snprintf(title, sizeof(title), "arca-relayd %s", string_or(p, "Version", "?"));
	fields_print(&fs, f, title);
}

void show_json_props(JsonWriter *w, const Props *p) {
	json_begin_object(w);
	for (size_t i = 0; i < p->n; i++) {
		const Prop *v = &p->items[i];

		json_key(w, v->name);
		switch (v->type) {
		case PROP_STRING:
			json_string(w, v->string);
			break;
		case PROP_NUMBER:
			json_uint(w, v->number);
			break;
		case PROP_BOOL:
			json_bool(w, v->boolean);
			break;
		case PROP_STRV:
			json_begin_array(w);
			for (char **s = v->strv; s && *s; s++)
				json_string(w, *s);
			json_end_array(w);
			break;
		}
	}
	json_end_object(w);
}

void show_json_array(JsonWriter *w, const char *key, const Props *rows, size_t n) {
	json_key(w, key);
	json_begin_array(w);
	for (size_t i = 0; i < n; i++)
		show_json_props(w, &rows[i]);
	json_end_array(w);
}
