/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "format.h"
#include "json.h"
#include "show.h"
#include "table.h"

/* Output of the printers goes to memory, to compare with what a person
 * would see. */
typedef struct Capture {
	char *text;
	size_t size;
	FILE *f;
} Capture;

static FILE *capture_start(Capture *c) {
	*c = (Capture) {};
	c->f = open_memstream(&c->text, &c->size);
	assert_non_null(c->f);
	return c->f;
}

static const char *capture_end(Capture *c) {
	fclose(c->f);
	return c->text;
}

static void test_bytes_in_human_units(void **state) {
	char b[FORMAT_BYTES_MAX];

	assert_string_equal(format_bytes(b, 0), "0B");
	assert_string_equal(format_bytes(b, 1023), "1023B");
	assert_string_equal(format_bytes(b, 1024), "1.0K");
	assert_string_equal(format_bytes(b, 2047), "1.9K");
	assert_string_equal(format_bytes(b, 1258292), "1.2M");
	assert_string_equal(format_bytes(b, UINT64_C(5) << 30), "5.0G");
	assert_string_equal(format_bytes(b, UINT64_MAX), "15.9E");
}

static void test_timespan_two_largest_units(void **state) {
	char b[FORMAT_TIMESPAN_MAX];

	assert_string_equal(format_timespan(b, 0), "0s");
	assert_string_equal(format_timespan(b, 250000), "250ms");
	assert_string_equal(format_timespan(b, 1500000), "1s");
	assert_string_equal(format_timespan(b, 61 * USEC_PER_SEC), "1min 1s");
	/* No minutes: the seconds would mislead, so they go too. */
	assert_string_equal(format_timespan(b, 3605 * USEC_PER_SEC), "1h");
	assert_string_equal(format_timespan(b, 90061 * USEC_PER_SEC), "1d 1h");
	assert_string_equal(format_timespan(b, 15 * 86400 * USEC_PER_SEC), "2w 1d");
}

static void test_table_aligns_columns(void **state) {
	static const char *const headers[] = { "NAME", ">N", "NOTE", NULL };
	_cleanup_(table_freep) Table *t = table_new(headers);
	Capture c;

	assert_non_null(t);
	assert_int_equal(table_add(t, "eth0"), 0);
	assert_int_equal(table_addf(t, "%d", 5), 0);
	assert_int_equal(table_add(t, "short"), 0);
	assert_int_equal(table_add(t, "a-longer-name"), 0);
	assert_int_equal(table_addf(t, "%d", 12345), 0);
	assert_int_equal(table_add(t, NULL), 0);
	assert_int_equal(table_rows(t), 2);

	table_print(t, capture_start(&c), true);
	assert_string_equal(capture_end(&c),
	                    "NAME              N NOTE\n"
	                    "eth0              5 short\n"
	                    "a-longer-name 12345 -\n");
	free(c.text);

	table_print(t, capture_start(&c), false);
	assert_string_equal(capture_end(&c),
	                    "eth0              5 short\n"
	                    "a-longer-name 12345 -\n");
	free(c.text);
}

static void add_network_row(Props *p, const char *device, uint64_t port, const char *address,
                            uint64_t prefix_len, const char *gateway, const char *state) {
	assert_int_equal(props_add_string(p, "Device", device), 0);
	assert_int_equal(props_add_number(p, "VsockPort", port), 0);
	assert_int_equal(props_add_string(p, "Address", address), 0);
	assert_int_equal(props_add_number(p, "PrefixLength", prefix_len), 0);
	assert_int_equal(props_add_string(p, "Gateway", gateway), 0);
	assert_int_equal(props_add_string(p, "MAC", "02:42:ac:12:00:02"), 0);
	assert_int_equal(props_add_string(p, "State", state), 0);
	assert_int_equal(props_add_string(p, "Path", "/org/arca/Forwarder1/network/x"), 0);
}

static void test_network_list(void **state) {
	Props rows[2] = {};
	Capture c;

	add_network_row(&rows[0], "eth0", 5000, "10.88.0.2", 16, "10.88.0.1", "connected");
	add_network_row(&rows[1], "eth1", 50001, "fd00:78::2", 64, "", "listening");

	show_networks(capture_start(&c), rows, 2, true);
	assert_string_equal(capture_end(&c),
	                    "DEVICE  PORT ADDRESS       GATEWAY   MAC               STATE\n"
	                    "eth0    5000 10.88.0.2/16  10.88.0.1 02:42:ac:12:00:02 connected\n"
	                    "eth1   50001 fd00:78::2/64 -         02:42:ac:12:00:02 listening\n"
	                    "\n"
	                    "2 networks listed.\n");
	free(c.text);

	show_networks(capture_start(&c), rows, 0, true);
	assert_string_equal(capture_end(&c),
	                    "DEVICE PORT ADDRESS GATEWAY MAC STATE\n"
	                    "\n"
	                    "0 networks listed.\n");
	free(c.text);

	show_networks(capture_start(&c), rows, 1, false);
	assert_string_equal(capture_end(&c),
	                    "eth0 5000 10.88.0.2/16 10.88.0.1 02:42:ac:12:00:02 connected\n");
	free(c.text);

	props_done(&rows[0]);
	props_done(&rows[1]);
}

static void test_relay_list(void **state) {
	Props row = {};
	Capture c;

	assert_int_equal(props_add_number(&row, "VsockPort", 5001), 0);
	assert_int_equal(props_add_string(&row, "Bridge", "br-int"), 0);
	assert_int_equal(props_add_string(&row, "PortName", "arca5001"), 0);
	assert_int_equal(props_add_string(&row, "MAC", "02:00:00:00:50:01"), 0);
	assert_int_equal(props_add_number(&row, "VLAN", 0), 0);
	assert_int_equal(props_add_string(&row, "State", "listening"), 0);

	show_relays(capture_start(&c), &row, 1, true);
	assert_string_equal(capture_end(&c),
	                    "PORT BRIDGE PORT-NAME MAC               VLAN STATE\n"
	                    "5001 br-int arca5001  02:00:00:00:50:01    - listening\n"
	                    "\n"
	                    "1 relay listed.\n");
	free(c.text);
	props_done(&row);
}

static void add_counters(Props *p) {
	assert_int_equal(props_add_number(p, "Connections", 2), 0);
	assert_int_equal(props_add_number(p, "FramesToHost", 1200), 0);
	assert_int_equal(props_add_number(p, "BytesToHost", 1258292), 0);
	assert_int_equal(props_add_number(p, "ErrorsToHost", 0), 0);
	assert_int_equal(props_add_number(p, "DropsToHost", 3), 0);
	assert_int_equal(props_add_number(p, "FramesFromHost", 7), 0);
	assert_int_equal(props_add_number(p, "BytesFromHost", 512), 0);
	assert_int_equal(props_add_number(p, "ErrorsFromHost", 1), 0);
	assert_int_equal(props_add_number(p, "DropsFromHost", 0), 0);
	assert_int_equal(props_add_number(p, "ProtocolErrors", 1), 0);
}

static void test_network_status_page(void **state) {
	char *dns[] = { "10.88.0.1", "fd00::53", NULL };
	Props p = {};
	Capture c;

	assert_int_equal(props_add_string(&p, "Device", "eth0"), 0);
	assert_int_equal(props_add_number(&p, "VsockPort", 5000), 0);
	assert_int_equal(props_add_string(&p, "Listen", "vsock::5000"), 0);
	assert_int_equal(props_add_string(&p, "Address", "10.88.0.2"), 0);
	assert_int_equal(props_add_number(&p, "PrefixLength", 16), 0);
	assert_int_equal(props_add_string(&p, "Gateway", "10.88.0.1"), 0);
	assert_int_equal(props_add_bool(&p, "DefaultRoute", true), 0);
	assert_int_equal(props_add_string(&p, "MAC", "02:42:0a:58:00:02"), 0);
	assert_int_equal(props_add_number(&p, "MTU", 1400), 0);
	assert_int_equal(props_add_string(&p, "Framing", "vnet"), 0);
	assert_int_equal(props_add_strv(&p, "DNS", dns), 0);
	assert_int_equal(props_add_string(&p, "State", "connected"), 0);
	assert_int_equal(props_add_string(&p, "Peer", "vsock:2:41234"), 0);
	add_counters(&p);

	show_network_status(capture_start(&c), &p);
	assert_string_equal(capture_end(&c),
	                    "\u25cf eth0\n"
	                    "            State: connected\n"
	                    "             Peer: vsock:2:41234\n"
	                    "           Listen: vsock::5000\n"
	                    "       Vsock port: 5000\n"
	                    "          Address: 10.88.0.2/16\n"
	                    "          Gateway: 10.88.0.1 (default route)\n"
	                    "              MAC: 02:42:0a:58:00:02\n"
	                    "              MTU: 1400\n"
	                    "          Framing: vnet\n"
	                    "              DNS: 10.88.0.1 fd00::53\n"
	                    "      Connections: 2\n"
	                    "          To host: 1200 frames (1.2M), 0 errors, 3 dropped\n"
	                    "        From host: 7 frames (512B), 1 errors, 0 dropped\n"
	                    "  Protocol errors: 1\n");
	free(c.text);
	props_done(&p);
}

static void test_dual_stack_network_status_page(void **state) {
	char *addresses[] = { "fd00::2/64", "fd01::2/56", NULL }, *gateways[] = { "fd00::1", NULL };
	char *none[] = { NULL };
	Props p = {};
	Capture c;

	assert_int_equal(props_add_string(&p, "Device", "eth1"), 0);
	assert_int_equal(props_add_number(&p, "VsockPort", 5001), 0);
	assert_int_equal(props_add_string(&p, "Listen", "vsock::5001"), 0);
	assert_int_equal(props_add_string(&p, "Address", "10.88.0.2"), 0);
	assert_int_equal(props_add_number(&p, "PrefixLength", 16), 0);
	assert_int_equal(props_add_string(&p, "Gateway", "10.88.0.1"), 0);
	assert_int_equal(props_add_strv(&p, "Addresses", addresses), 0);
	assert_int_equal(props_add_strv(&p, "Gateways", gateways), 0);
	assert_int_equal(props_add_bool(&p, "DefaultRoute", true), 0);
	assert_int_equal(props_add_bool(&p, "IPv6LinkLocal", false), 0);
	assert_int_equal(props_add_string(&p, "MAC", "02:42:0a:58:00:02"), 0);
	assert_int_equal(props_add_number(&p, "MTU", 1500), 0);
	assert_int_equal(props_add_strv(&p, "DNS", none), 0);
	assert_int_equal(props_add_string(&p, "State", "listening"), 0);

	/* Every address and gateway, one a line, under one label. */
	show_network_status(capture_start(&c), &p);
	assert_string_equal(capture_end(&c),
	                    "\u25cf eth1\n"
	                    "            State: listening\n"
	                    "           Listen: vsock::5001\n"
	                    "       Vsock port: 5001\n"
	                    "          Address: 10.88.0.2/16\n"
	                    "                   fd00::2/64\n"
	                    "                   fd01::2/56\n"
	                    "          Gateway: 10.88.0.1 (default route)\n"
	                    "                   fd00::1 (default route)\n"
	                    "  IPv6 link-local: none\n"
	                    "              MAC: 02:42:0a:58:00:02\n"
	                    "              MTU: 1500\n"
	                    "      Connections: 0\n"
	                    "          To host: 0 frames (0B)\n"
	                    "        From host: 0 frames (0B)\n"
	                    "  Protocol errors: 0\n");
	free(c.text);
	props_done(&p);
}

static void test_relay_status_page_leaves_out_what_is_unset(void **state) {
	Props p = {};
	Capture c;

	assert_int_equal(props_add_number(&p, "VsockPort", 5001), 0);
	assert_int_equal(props_add_string(&p, "Listen", "vsock::5001"), 0);
	assert_int_equal(props_add_string(&p, "Backend", "ovs"), 0);
	assert_int_equal(props_add_string(&p, "Bridge", "br-int"), 0);
	assert_int_equal(props_add_string(&p, "PortName", "arca5001"), 0);
	assert_int_equal(props_add_string(&p, "MAC", "02:00:00:00:50:01"), 0);
	assert_int_equal(props_add_number(&p, "VLAN", 12), 0);
	assert_int_equal(props_add_number(&p, "MTU", 0), 0);
	assert_int_equal(props_add_string(&p, "IfaceId", "c1-eth0"), 0);
	assert_int_equal(props_add_string(&p, "NetworkId", ""), 0);
	assert_int_equal(props_add_string(&p, "State", "listening"), 0);
	assert_int_equal(props_add_string(&p, "Peer", ""), 0);
	assert_int_equal(props_add_string(&p, "LastError", "ovs-vsctl: no bridge named br-x"), 0);
	assert_int_equal(props_add_number(&p, "Refused", 4), 0);
	add_counters(&p);

	show_relay_status(capture_start(&c), &p);
	assert_string_equal(capture_end(&c),
	                    "\u25cf relay 5001\n"
	                    "            State: listening\n"
	                    "           Listen: vsock::5001\n"
	                    "          Backend: ovs\n"
	                    "           Bridge: br-int\n"
	                    "        Port name: arca5001\n"
	                    "              MAC: 02:00:00:00:50:01\n"
	                    "             VLAN: 12\n"
	                    "         Iface ID: c1-eth0\n"
	                    "       Last error: ovs-vsctl: no bridge named br-x\n"
	                    "      Connections: 2 (4 refused)\n"
	                    "          To host: 1200 frames (1.2M), 0 errors, 3 dropped\n"
	                    "        From host: 7 frames (512B), 1 errors, 0 dropped\n"
	                    "  Protocol errors: 1\n");
	free(c.text);
	props_done(&p);
}

static void test_daemon_status_pages(void **state) {
	Props f = {}, r = {};
	Capture c;

	assert_int_equal(props_add_string(&f, "Version", "0.1.0"), 0);
	assert_int_equal(props_add_number(&f, "Networks", 2), 0);
	assert_int_equal(props_add_number(&f, "UptimeUSec", 3725 * USEC_PER_SEC), 0);
	assert_int_equal(props_add_number(&f, "FramesToHost", 10), 0);
	assert_int_equal(props_add_number(&f, "BytesToHost", 4096), 0);
	assert_int_equal(props_add_number(&f, "FramesFromHost", 11), 0);
	assert_int_equal(props_add_number(&f, "BytesFromHost", 5000), 0);
	assert_int_equal(props_add_number(&f, "Drops", 1), 0);
	assert_int_equal(props_add_number(&f, "Errors", 0), 0);

	show_forwarder_status(capture_start(&c), &f);
	assert_string_equal(capture_end(&c),
	                    "\u25cf arca-forwarderd 0.1.0\n"
	                    "   Networks: 2\n"
	                    "     Uptime: 1h 2min\n"
	                    "    To host: 10 frames (4.0K)\n"
	                    "  From host: 11 frames (4.8K)\n"
	                    "      Drops: 1\n"
	                    "     Errors: 0\n");
	free(c.text);

	assert_int_equal(props_add_string(&r, "Version", "0.1.0"), 0);
	assert_int_equal(props_add_number(&r, "Relays", 3), 0);
	assert_int_equal(props_add_number(&r, "Connected", 2), 0);
	assert_int_equal(props_add_number(&r, "Refused", 5), 0);
	show_relayd_status(capture_start(&c), &r);
	assert_string_equal(capture_end(&c),
	                    "\u25cf arca-relayd 0.1.0\n"
	                    "     Relays: 3 (2 connected)\n"
	                    "    To host: 0 frames (0B)\n"
	                    "  From host: 0 frames (0B)\n"
	                    "      Drops: 0\n"
	                    "     Errors: 0\n"
	                    "    Refused: 5\n");
	free(c.text);

	props_done(&f);
	props_done(&r);
}

static void build_json_sample(Props *rows) {
	char *dns[] = { "10.0.0.53", NULL };

	assert_int_equal(props_add_string(&rows[0], "Device", "eth\"0\\\n"), 0);
	assert_int_equal(props_add_number(&rows[0], "MTU", 1500), 0);
	assert_int_equal(props_add_bool(&rows[0], "DefaultRoute", false), 0);
	assert_int_equal(props_add_strv(&rows[0], "DNS", dns), 0);
	assert_int_equal(props_add_strv(&rows[1], "DNS", (char *[]) { NULL }), 0);
}

static void test_json_short_and_pretty(void **state) {
	Props rows[2] = {};
	JsonWriter w;
	Capture c;

	build_json_sample(rows);

	json_init(&w, capture_start(&c), false);
	json_begin_object(&w);
	show_json_array(&w, "Networks", rows, 2);
	show_json_array(&w, "Relays", rows, 0);
	json_end_object(&w);
	json_finish(&w);
	assert_string_equal(capture_end(&c),
	                    "{\"Networks\":[{\"Device\":\"eth\\\"0\\\\\\n\",\"MTU\":1500,"
	                    "\"DefaultRoute\":false,\"DNS\":[\"10.0.0.53\"]},{\"DNS\":[]}],"
	                    "\"Relays\":[]}\n");
	free(c.text);

	json_init(&w, capture_start(&c), true);
	json_begin_object(&w);
	show_json_array(&w, "Networks", rows, 2);
	show_json_array(&w, "Relays", rows, 0);
	json_end_object(&w);
	json_finish(&w);
	assert_string_equal(capture_end(&c),
	                    "{\n"
	                    "  \"Networks\": [\n"
	                    "    {\n"
	                    "      \"Device\": \"eth\\\"0\\\\\\n\",\n"
	                    "      \"MTU\": 1500,\n"
	                    "      \"DefaultRoute\": false,\n"
	                    "      \"DNS\": [\n"
	                    "        \"10.0.0.53\"\n"
	                    "      ]\n"
	                    "    },\n"
	                    "    {\n"
	                    "      \"DNS\": []\n"
	                    "    }\n"
	                    "  ],\n"
	                    "  \"Relays\": []\n"
	                    "}\n");
	free(c.text);

	props_done(&rows[0]);
	props_done(&rows[1]);
}

static void test_json_escapes_control_characters(void **state) {
	JsonWriter w;
	Capture c;

	json_init(&w, capture_start(&c), false);
	json_string(&w, "a\x01\tb\xc3\xa9");
	assert_string_equal(capture_end(&c), "\"a\\u0001\\tb\xc3\xa9\"");
	free(c.text);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_in_human_units),
		cmocka_unit_test(test_timespan_two_largest_units),
		cmocka_unit_test(test_table_aligns_columns),
		cmocka_unit_test(test_network_list),
		cmocka_unit_test(test_relay_list),
		cmocka_unit_test(test_network_status_page),
		cmocka_unit_test(test_dual_stack_network_status_page),
		cmocka_unit_test(test_relay_status_page_leaves_out_what_is_unset),
		cmocka_unit_test(test_daemon_status_pages),
		cmocka_unit_test(test_json_short_and_pretty),
		cmocka_unit_test(test_json_escapes_control_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
