/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "field.h"
#include "network-settings.h"
#include "relay-settings.h"

static char dir[] = "/tmp/arca-field-XXXXXX";

static int setup(void **state) {
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state) {
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A message on a bus that is started; nothing is sent. */
typedef struct Wire {
	sd_bus *bus;
	int peer;
} Wire;

static void wire_open(Wire *w) {
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
	assert_int_equal(sd_bus_new(&w->bus), 0);
	assert_int_equal(sd_bus_set_fd(w->bus, fds[0], fds[0]), 0);
	assert_int_equal(sd_bus_start(w->bus), 0);
	w->peer = fds[1];
}

static void wire_close(Wire *w) {
	sd_bus_close_unref(w->bus);
	close(w->peer);
}

static sd_bus_message *sealed_call(Wire *w, const Field *table, const void *settings) {
	sd_bus_message *m = NULL;

	assert_int_equal(sd_bus_message_new_method_call(w->bus, &m, "org.arca.Test", "/org/arca/Test",
	                                                "org.arca.Test", "Create"), 0);
	assert_int_equal(fields_append_call(m, table, settings), 0);
	assert_int_equal(sd_bus_message_seal(m, 1, 0), 0);
	assert_true(sd_bus_message_rewind(m, true) >= 0);
	return m;
}

/* Every field of rows with `flags`, as a state file writes it. */
static char *dump(const Field *table, unsigned flags, const void *settings) {
	char path[128], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/dump.conf", dir);
	assert_int_equal(fields_write_file(path, table, flags, settings), 0);
	assert_int_equal(read_file(path, 4096, &text, &len), 0);
	return text;
}

static void fill_network(NetworkSettings *s) {
	static const char *const values[][2] = {
		{ "Device", "eth0" }, { "Address", "fd00::2" }, { "Gateway", "fd00::1" }, { "Prefix", "64" },
		{ "MAC", "02:42:AC:12:00:02" }, { "MTU", "9000" }, { "Framing", "vnet" },
		{ "Listen", "/run/eth0.sock" }, { "RateLimit", "2M" }, { "LockMAC", "no" },
		{ "AllowedPeers", "2, 7" }, { "DefaultRoute", "yes" }, { "DNS", "10.0.0.53,fd00::53" },
		{ "Addresses", "10.0.0.2/24, FD01::2" }, { "Gateways", "10.0.0.1" }, { "IPv6LinkLocal", "no" },
	};

	*s = (NetworkSettings) {};
	fields_init(network_fields, s);
	for (size_t i = 0; i < ELEMENTSOF(values); i++)
		assert_int_equal(fields_set(network_fields, FIELD_SETTING, s, values[i][0], values[i][1]), 0);
	s->vsock_port = 5000;
	s->metric = 101;
}

static void test_bus_call_round_trip(void **state) {
	NetworkSettings sent, got;
	_cleanup_free_ char *a = NULL, *b = NULL, *signature = NULL, *names = NULL;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m;
	size_t names_len;
	Wire w;

	wire_open(&w);
	fill_network(&sent);
	m = sealed_call(&w, network_fields, &sent);
	assert_string_equal(sd_bus_message_get_signature(m, true), "sussua{sv}");

	got = (NetworkSettings) {};
	fields_init(network_fields, &got);
	assert_int_equal(fields_read_call(m, network_fields, &got, &error), 1);
	assert_false(sd_bus_error_is_set(&error));
	/* What the bus carries comes back the same, normalised on the way in:
	 * the MAC's case, the state-only metric not at all. */
	assert_string_equal(got.mac, "02:42:ac:12:00:02");
	assert_int_equal(got.metric, 0);
	got.metric = sent.metric;
	a = dump(network_fields, FIELD_STATE, &sent);
	b = dump(network_fields, FIELD_STATE, &got);
	assert_string_equal(a, b);
	sd_bus_message_unref(m);

	/* The vtable's view of the call: the arguments by position. */
	assert_int_equal(fields_call_signature(network_fields, &signature, &names, &names_len), 0);
	assert_string_equal(signature, "sussua{sv}");
	assert_int_equal(names_len, sizeof("device\0vsock_port\0address\0gateway\0prefix_len\0options"));
	assert_memory_equal(names, "device\0vsock_port\0address\0gateway\0prefix_len\0options", names_len);

	fields_done(network_fields, &sent);
	fields_done(network_fields, &got);
	wire_close(&w);
}

static void test_bus_options_refused_by_rule(void **state) {
	static const struct {
		const char *mac, *option, *value, *message;
	} cases[] = {
		/* An argument, then options, by the same rules as in files. */
		{ "01:00:5e:00:00:01", "IfaceId", "c1", "Invalid MAC '01:00:5e:00:00:01': give a unicast address" },
		{ "", "Framing", "gre", "Invalid Framing 'gre': use length32 or vnet." },
		{ "", "Backend", "vpp", "Invalid Backend 'vpp': use ovs or bridge." },
		{ "", "Listen", "tcp:1.2.3.4:5", "Invalid Listen 'tcp:1.2.3.4:5': use vsock:CID:PORT" },
		{ "", "IfaceId", "a\"b", "Invalid IfaceId 'a\"b': use printable characters" },
	};
	RelaySettings s;
	Wire w;

	wire_open(&w);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		sd_bus_error error = SD_BUS_ERROR_NULL;
		sd_bus_message *m = NULL;

		assert_int_equal(sd_bus_message_new_method_call(w.bus, &m, "org.arca.Test", "/org/arca/Test",
		                                                "org.arca.Test", "Create"), 0);
		assert_true(sd_bus_message_append(m, "usssu", 5001, "", "", cases[i].mac, 0) >= 0);
		assert_true(sd_bus_message_append(m, "a{sv}", 1, cases[i].option, "s", cases[i].value) >= 0);
		assert_int_equal(sd_bus_message_seal(m, 1, 0), 0);
		assert_true(sd_bus_message_rewind(m, true) >= 0);

		s = (RelaySettings) {};
		fields_init(relay_fields, &s);
		assert_true(fields_read_call(m, relay_fields, &s, &error) < 0);
		assert_string_equal(error.name, BUS_ERROR_INVALID_ARGUMENT);
		assert_memory_equal(error.message, cases[i].message, strlen(cases[i].message));
		fields_done(relay_fields, &s);
		sd_bus_error_free(&error);
		sd_bus_message_unref(m);
	}
	wire_close(&w);
}

static void test_state_file_round_trip(void **state) {
	_cleanup_free_ char *text = NULL, *again = NULL;
	char path[128], error[CONF_ERROR_MAX];
	NetworkSettings s, back;

	fill_network(&s);
	text = dump(network_fields, FIELD_STATE, &s);
	/* One line a setting, under the names the bus and the files share. */
	assert_non_null(strstr(text, "Device=eth0\nVsockPort=5000\nAddress=fd00::2\nGateway=fd00::1\n"
	                             "PrefixLength=64\nAddresses=10.0.0.2/24 fd01::2\nGateways=10.0.0.1\n"
	                             "MAC=02:42:ac:12:00:02\nMTU=9000\nFraming=vnet\n"
	                             "Listen=/run/eth0.sock\nRateLimit=2000000\nLockMAC=no\n"
	                             "AllowedPeers=2 7\nDefaultRoute=yes\nIPv6LinkLocal=no\n"
	                             "DNS=10.0.0.53 fd00::53\nMetric=101\n"));

	snprintf(path, sizeof(path), "%s/dump.conf", dir);
	back = (NetworkSettings) {};
	fields_init(network_fields, &back);
	assert_int_equal(fields_parse_file(path, network_fields, FIELD_STATE, &back, error), 0);
	again = dump(network_fields, FIELD_STATE, &back);
	assert_string_equal(text, again);
	assert_int_equal(back.host.allowed_peers.n, 2);
	assert_int_equal(back.host.allowed_peers.cids[1], 7);
	assert_int_equal(strv_length(back.addresses), 2);
	assert_string_equal(back.addresses[1], "fd01::2");
	assert_int_equal(back.ipv6_link_local, 0);

	fields_done(network_fields, &s);
	fields_done(network_fields, &back);
}

static void test_settings_file_keys(void **state) {
	char path[128], error[CONF_ERROR_MAX], expected[CONF_ERROR_MAX + 64];
	static const struct {
		const char *text, *error;
	} cases[] = {
		/* The state's own key and the bus's fd are no settings. */
		{ "Metric=100\n", "1: unknown key 'Metric'" },
		{ "ListenFD=3\n", "1: unknown key 'ListenFD'" },
		{ "VsockPort=5000\n", "1: unknown key 'VsockPort'" },
		/* A key and its alias are one key. */
		{ "Prefix=24\nPrefixLength=24\n", "2: 'PrefixLength' is set twice" },
		{ "Device=%eth\n", "1: invalid value '%eth' for Device" },
		{ "Addresses=10.0.0.2/24 fd00::2/129\n", "1: invalid value '10.0.0.2/24 fd00::2/129' for Addresses" },
		{ "Gateways=10.0.0.1/24\n", "1: invalid value '10.0.0.1/24' for Gateways" },
	};
	NetworkSettings s;
	FILE *f;

	snprintf(path, sizeof(path), "%s/5000.conf", dir);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		f = fopen(path, "we");
		assert_non_null(f);
		fputs(cases[i].text, f);
		fclose(f);

		s = (NetworkSettings) {};
		fields_init(network_fields, &s);
		assert_int_equal(fields_parse_file(path, network_fields, FIELD_SETTING, &s, error), -EINVAL);
		snprintf(expected, sizeof(expected), "%s:%s", path, cases[i].error);
		assert_string_equal(error, expected);
		fields_done(network_fields, &s);
	}

	/* The state file takes what a settings file does not. */
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("Metric=100\nVsockPort=5000\nPrefixLength=16\n", f);
	fclose(f);
	s = (NetworkSettings) {};
	fields_init(network_fields, &s);
	assert_int_equal(fields_parse_file(path, network_fields, FIELD_STATE, &s, error), 0);
	assert_int_equal(s.metric, 100);
	assert_int_equal(s.vsock_port, 5000);
	assert_int_equal(s.prefix_len, 16);
	fields_done(network_fields, &s);
}

static int no_set(sd_bus *bus, const char *path, const char *interface, const char *property,
                  sd_bus_message *value, void *userdata, sd_bus_error *error) {
	return -EROFS;
}

static void test_property_vtable(void **state) {
	sd_bus_vtable *v;
	size_t n = 0;
	bool device = false, listen_fd = false, backend = false, lock_mac = false, rate = false;

	assert_int_equal(fields_property_vtable(relay_fields, no_set, &v), 0);
	assert_int_equal(v[0].type, _SD_BUS_VTABLE_START);
	for (const sd_bus_vtable *i = v + 1; i->type != _SD_BUS_VTABLE_END; i++, n++) {
		assert_true(i->type == _SD_BUS_VTABLE_PROPERTY || i->type == _SD_BUS_VTABLE_WRITABLE_PROPERTY);
		device |= strcmp(i->x.property.member, "PortName") == 0;
		listen_fd |= strcmp(i->x.property.member, "ListenFD") == 0;
		backend |= strcmp(i->x.property.member, "Backend") == 0 && strcmp(i->x.property.signature, "s") == 0;
		/* Only what may change live is writable, and signals it. */
		if (strcmp(i->x.property.member, "RateLimit") == 0) {
			rate = true;
			assert_int_equal(i->type, _SD_BUS_VTABLE_WRITABLE_PROPERTY);
			assert_ptr_equal(i->x.property.set, no_set);
			assert_true(i->flags & SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE);
		} else
			assert_null(i->x.property.set);
		/* The host port's, included, at its offset in the relay's. */
		if (strcmp(i->x.property.member, "LockMAC") == 0) {
			lock_mac = true;
			assert_int_equal(i->x.property.offset, offsetof(RelaySettings, host.lock_mac));
		}
	}
	assert_true(device && backend && lock_mac && rate);
	assert_false(listen_fd);
	assert_int_equal(n, 17);
	free(v);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bus_call_round_trip),
		cmocka_unit_test(test_bus_options_refused_by_rule),
		cmocka_unit_test(test_state_file_round_trip),
		cmocka_unit_test(test_settings_file_keys),
		cmocka_unit_test(test_property_vtable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
