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
#include "settings.h"

static char dir[] = "/tmp/arca-settings-XXXXXX";

static int setup(void **state) {
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state) {
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to DIR/name and returns its path (static buffer). */
static const char *write_file(const char *name, const char *text) {
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_relay_file_every_key(void **state) {
	char error[CONF_ERROR_MAX] = "";
	const char *path = write_file("5001.conf",
	                              "# container c1, eth0\n"
	                              "Bridge=br-ex\n"
	                              "PortName = arca5001\n"
	                              "MAC=02:00:00:00:50:01\n"
	                              "VLAN=12\n"
	                              "IfaceId=c1-eth0\n"
	                              "NetworkId=n1\n"
	                              "ContainerId=c1\n"
	                              "MTU=9000\n"
	                              "Backend=bridge\n"
	                              "RateLimit=1M\n"
	                              "Listen=vsock:3:5001\n");
	RelaySettings s;

	relay_settings_init(&s);
	assert_int_equal(settings_load(relay_fields, &s, path, error), 0);
	assert_string_equal(s.bridge, "br-ex");
	assert_string_equal(s.port_name, "arca5001");
	assert_string_equal(s.mac, "02:00:00:00:50:01");
	assert_int_equal(s.vlan, 12);
	assert_string_equal(s.iface_id, "c1-eth0");
	assert_string_equal(s.network_id, "n1");
	assert_string_equal(s.container_id, "c1");
	assert_int_equal(s.mtu, 9000);
	assert_int_equal(s.backend, RELAY_BACKEND_BRIDGE);
	assert_int_equal(s.host.rate_limit, 1000000);
	assert_string_equal(s.host.listen, "vsock:3:5001");

	/* The command line overrides the file. */
	assert_int_equal(settings_set(relay_fields, &s, "VLAN", "0"), 0);
	assert_int_equal(s.vlan, 0);
	assert_int_equal(settings_set(relay_fields, &s, "Bridge", "br-int"), 0);
	assert_string_equal(s.bridge, "br-int");
	assert_int_equal(settings_set(relay_fields, &s, "DNS", "10.0.0.1"), -ENOKEY);
	relay_settings_done(&s);
}

static void test_bad_files_name_file_and_line(void **state) {
	static const struct {
		const char *text;
		const char *error;      /* after "DIR/bad.conf:" */
	} relay_cases[] = {
		{ "Bridge=br-int\nColour=blue\n", "2: unknown key 'Colour'" },
		{ "VLAN=4095\n", "1: invalid value '4095' for VLAN" },
		{ "VLAN=-1\n", "1: invalid value '-1' for VLAN" },
		{ "\n# c\nMAC=02:00:00:00:50\n", "3: invalid value '02:00:00:00:50' for MAC" },
		{ "MAC=ff:ff:ff:ff:ff:ff\n", "1: invalid value 'ff:ff:ff:ff:ff:ff' for MAC" },
		{ "Backend=vpp\n", "1: invalid value 'vpp' for Backend" },
		{ "MTU=0\n", "1: invalid value '0' for MTU" },
		{ "IfaceId=\n", "1: invalid value '' for IfaceId" },
		{ "Bridge=br int\n", "1: invalid value 'br int' for Bridge" },
		{ "Listen=tcp:1.2.3.4:5\n", "1: invalid value 'tcp:1.2.3.4:5' for Listen" },
		{ "VLAN=1\nVLAN=2\n", "2: 'VLAN' is set twice" },
		{ "Bridge\n", "1: expected KEY=VALUE, got 'Bridge'" },
	}, network_cases[] = {
		{ "Device=eth0\nVLAN=3\n", "2: unknown key 'VLAN'" },
		{ "Address=10.0.0.2/0\n", "1: invalid value '10.0.0.2/0' for Address" },
		{ "Address=fd00::2/129\n", "1: invalid value 'fd00::2/129' for Address" },
		{ "Address=10.0.0.2/\n", "1: invalid value '10.0.0.2/' for Address" },
		{ "Prefix=129\n", "1: invalid value '129' for Prefix" },
		{ "Gateway=10.0.0\n", "1: invalid value '10.0.0' for Gateway" },
		{ "DefaultRoute=maybe\n", "1: invalid value 'maybe' for DefaultRoute" },
		{ "DNS=10.0.0.1 dns.example\n", "1: invalid value '10.0.0.1 dns.example' for DNS" },
		{ "RateLimit=10X\n", "1: invalid value '10X' for RateLimit" },
		{ "RateLimit=0\n", "1: invalid value '0' for RateLimit" },
	};
	char error[CONF_ERROR_MAX], expected[CONF_ERROR_MAX + 64];

	for (size_t i = 0; i < ELEMENTSOF(relay_cases); i++) {
		const char *path = write_file("bad.conf", relay_cases[i].text);
		RelaySettings s;

		relay_settings_init(&s);
		assert_int_equal(settings_load(relay_fields, &s, path, error), -EINVAL);
		snprintf(expected, sizeof(expected), "%s:%s", path, relay_cases[i].error);
		assert_string_equal(error, expected);
		relay_settings_done(&s);
	}
	for (size_t i = 0; i < ELEMENTSOF(network_cases); i++) {
		const char *path = write_file("bad.conf", network_cases[i].text);
		NetworkSettings s;

		network_settings_init(&s);
		assert_int_equal(settings_load(network_fields, &s, path, error), -EINVAL);
		snprintf(expected, sizeof(expected), "%s:%s", path, network_cases[i].error);
		assert_string_equal(error, expected);
		network_settings_done(&s);
	}
}

static void test_missing_file_is_empty_only_with_dash(void **state) {
	char error[CONF_ERROR_MAX], path[128], expected[256];
	RelaySettings s;

	relay_settings_init(&s);
	snprintf(path, sizeof(path), "-%s/none.conf", dir);
	assert_int_equal(settings_load(relay_fields, &s, path, error), 0);
	assert_null(s.bridge);

	assert_int_equal(settings_load(relay_fields, &s, path + 1, error), -ENOENT);
	snprintf(expected, sizeof(expected), "%s: No such file or directory", path + 1);
	assert_string_equal(error, expected);
	relay_settings_done(&s);
}

static void test_network_file_and_checks(void **state) {
	char error[CONF_ERROR_MAX];
	const char *path = write_file("5000.conf",
	                              "Device=eth0\n"
	                              "Address=10.88.0.2/16\n"
	                              "Gateway=10.88.0.1\n"
	                              "DefaultRoute=no\n"
	                              "MAC=02:42:0a:58:00:02\n"
	                              "MTU=1400\n"
	                              "DNS=10.88.0.1, fd00::53\n"
	                              "RateLimit=2K\n");
	NetworkSettings s;

	network_settings_init(&s);
	assert_int_equal(settings_load(network_fields, &s, path, error), 0);
	assert_string_equal(s.device, "eth0");
	assert_string_equal(s.address.address, "10.88.0.2");
	assert_int_equal(s.address.prefix_len, 16);
	assert_string_equal(s.gateway, "10.88.0.1");
	assert_int_equal(s.default_route, 0);
	assert_int_equal(s.mtu, 1400);
	assert_int_equal(strv_length(s.dns), 2);
	assert_string_equal(s.dns[1], "fd00::53");
	assert_int_equal(s.host.rate_limit, 2000);
	assert_int_equal(network_settings_check(&s, path, error), 0);

	/* A prefix twice must agree. */
	assert_int_equal(settings_set(network_fields, &s, "Prefix", "24"), 0);
	assert_int_equal(network_settings_check(&s, "5000.conf", error), -EINVAL);
	assert_string_equal(error, "5000.conf: Prefix=24 disagrees with Address=10.88.0.2/16");
	assert_int_equal(settings_set(network_fields, &s, "Address", "10.88.0.2"), 0);
	assert_int_equal(network_settings_check(&s, "5000.conf", error), 0);
	assert_int_equal(settings_set(network_fields, &s, "Prefix", "64"), 0);
	assert_int_equal(network_settings_check(&s, "5000.conf", error), -EINVAL);
	assert_string_equal(error, "5000.conf: Prefix=64 is too long for the IPv4 address 10.88.0.2");
	assert_int_equal(settings_set(network_fields, &s, "Prefix", "16"), 0);

	assert_int_equal(settings_set(network_fields, &s, "Gateway", "fd00::1"), 0);
	assert_int_equal(network_settings_check(&s, NULL, error), -EINVAL);
	assert_string_equal(error, "the command line: gateway fd00::1 and address 10.88.0.2 are of different families");
	/* An empty gateway is none. */
	assert_int_equal(settings_set(network_fields, &s, "Gateway", ""), 0);
	assert_int_equal(network_settings_check(&s, NULL, error), 0);
	network_settings_done(&s);

	network_settings_init(&s);
	assert_int_equal(settings_set(network_fields, &s, "Address", "10.0.0.2"), 0);
	assert_int_equal(network_settings_check(&s, "x.conf", error), -EINVAL);
	assert_string_equal(error, "x.conf: no device given (Device=)");
	assert_int_equal(settings_set(network_fields, &s, "Device", "eth0"), 0);
	network_settings_done(&s);
	network_settings_init(&s);
	assert_int_equal(settings_set(network_fields, &s, "Device", "eth0"), 0);
	assert_int_equal(network_settings_check(&s, "x.conf", error), -EINVAL);
	assert_string_equal(error, "x.conf: no address given (Address= or Addresses=)");
	network_settings_done(&s);
}

static void test_dual_stack_file_and_checks(void **state) {
	char error[CONF_ERROR_MAX];
	const char *path = write_file("5001.conf",
	                              "Device=eth1\n"
	                              "Addresses=10.88.0.2/16, FD00:0::2/64 fd01::2\n"
	                              "Gateways=10.88.0.1 fd00::1\n"
	                              "IPv6LinkLocal=no\n");
	NetworkSettings s;

	network_settings_init(&s);
	assert_int_equal(settings_load(network_fields, &s, path, error), 0);
	/* No Address: the daemon takes the first of Addresses. */
	assert_null(s.address.address);
	assert_int_equal(strv_length(s.addresses), 3);
	/* Normal forms, the prefix kept where it was given. */
	assert_string_equal(s.addresses[0], "10.88.0.2/16");
	assert_string_equal(s.addresses[1], "fd00::2/64");
	assert_string_equal(s.addresses[2], "fd01::2");
	assert_int_equal(strv_length(s.gateways), 2);
	assert_int_equal(s.ipv6_link_local, 0);
	assert_int_equal(network_settings_check(&s, path, error), 0);

	/* A gateway of a family no address has. */
	assert_int_equal(settings_set(network_fields, &s, "Addresses", "fd00::2/64"), 0);
	assert_int_equal(network_settings_check(&s, "5001.conf", error), -EINVAL);
	assert_string_equal(error, "5001.conf: gateway 10.88.0.1 is IPv4, but no address is (Address=, Addresses=)");
	assert_int_equal(settings_set(network_fields, &s, "Gateways", "fd00::1"), 0);
	assert_int_equal(network_settings_check(&s, "5001.conf", error), 0);

	/* A prefix that does not fit its family is no address. */
	assert_int_equal(settings_set(network_fields, &s, "Addresses", "10.0.0.2/33"), -EINVAL);
	assert_int_equal(settings_set(network_fields, &s, "Addresses", "fd00::2/129"), -EINVAL);
	assert_int_equal(settings_set(network_fields, &s, "Addresses", "fd00::2/0"), -EINVAL);
	assert_int_equal(settings_set(network_fields, &s, "Gateways", "fd00::1/64"), -EINVAL);
	network_settings_done(&s);
}

static void test_vsock_ports(void **state) {
	uint32_t port;

	assert_int_equal(parse_vsock_port("1", &port), 0);
	assert_int_equal(port, 1);
	assert_int_equal(parse_vsock_port("4294967294", &port), 0);
	assert_int_equal(parse_vsock_port("4294967295", &port), -EINVAL);
	assert_int_equal(parse_vsock_port("0", &port), -EINVAL);
	assert_int_equal(parse_vsock_port("", &port), -EINVAL);
	assert_int_equal(parse_vsock_port(" 5", &port), -EINVAL);
	assert_int_equal(parse_vsock_port("5x", &port), -EINVAL);
}

/* A message as it would be sent, read back. sd-bus only makes messages
 * for a bus that is starting or started: one end of a socket pair is
 * enough, nothing is sent. */
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

/* "name=type:value ..." for every option of the a{sv} at the read position. */
static char *dump_options(sd_bus_message *m) {
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	const char *name, *contents;

	assert_int_equal(sd_bus_message_enter_container(m, 'a', "{sv}"), 1);
	while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
		assert_int_equal(sd_bus_message_read(m, "s", &name), 1);
		assert_int_equal(sd_bus_message_peek_type(m, NULL, &contents), 1);
		fprintf(f, "%s%s=%s:", ftell(f) > 0 ? " " : "", name, contents);
		assert_int_equal(sd_bus_message_enter_container(m, 'v', contents), 1);
		if (strcmp(contents, "s") == 0) {
			const char *s;
			assert_int_equal(sd_bus_message_read(m, "s", &s), 1);
			fputs(s, f);
		} else if (strcmp(contents, "u") == 0) {
			uint32_t u;
			assert_int_equal(sd_bus_message_read(m, "u", &u), 1);
			fprintf(f, "%u", u);
		} else if (strcmp(contents, "t") == 0) {
			uint64_t t;
			assert_int_equal(sd_bus_message_read(m, "t", &t), 1);
			fprintf(f, "%llu", (unsigned long long) t);
		} else if (strcmp(contents, "b") == 0) {
			int b;
			assert_int_equal(sd_bus_message_read(m, "b", &b), 1);
			fputs(b ? "true" : "false", f);
		} else if (strcmp(contents, "h") == 0) {
			int fd;
			assert_int_equal(sd_bus_message_read(m, "h", &fd), 1);
			fputs(fd >= 0 ? "fd" : "none", f);
		} else if (strcmp(contents, "as") == 0) {
			char **l = NULL;
			assert_true(sd_bus_message_read_strv(m, &l) >= 0);
			for (char **i = l; *i; i++)
				fprintf(f, "%s%s", i == l ? "" : ",", *i);
			strv_free(l);
		} else
			fail_msg("unexpected option type %s", contents);
		assert_int_equal(sd_bus_message_exit_container(m), 1);
		assert_int_equal(sd_bus_message_exit_container(m), 1);
	}
	assert_int_equal(sd_bus_message_exit_container(m), 1);
	fclose(f);
	return text;
}

static sd_bus_message *new_call(Wire *w, const char *member) {
	sd_bus_message *m = NULL;

	assert_int_equal(sd_bus_message_new_method_call(w->bus, &m, "org.arca.Test", "/org/arca/Test",
	                                                "org.arca.Test", member), 0);
	return m;
}

static void seal(sd_bus_message *m) {
	assert_int_equal(sd_bus_message_seal(m, 1, 0), 0);
	assert_true(sd_bus_message_rewind(m, true) >= 0);
}

static void test_attach_call_carries_what_is_set(void **state) {
	const char *device, *address, *gateway;
	uint32_t port, prefix_len;
	NetworkSettings s;
	sd_bus_message *m;
	char *options;
	Wire w;

	wire_open(&w);

	/* Only what is set becomes an option. */
	network_settings_init(&s);
	assert_int_equal(settings_set(network_fields, &s, "Device", "eth0"), 0);
	assert_int_equal(settings_set(network_fields, &s, "Address", "fd00::2"), 0);
	m = new_call(&w, "AttachNetwork");
	assert_int_equal(network_settings_append(m, 5000, &s), 0);
	seal(m);
	assert_string_equal(sd_bus_message_get_signature(m, true), "sussua{sv}");
	assert_int_equal(sd_bus_message_read(m, "sussu", &device, &port, &address, &gateway, &prefix_len), 1);
	assert_string_equal(device, "eth0");
	assert_int_equal(port, 5000);
	assert_string_equal(address, "fd00::2");
	assert_string_equal(gateway, "");
	assert_int_equal(prefix_len, 0);
	options = dump_options(m);
	assert_string_equal(options, "");
	free(options);
	sd_bus_message_unref(m);

	/* Everything; a passed socket wins over Listen=. */
	assert_int_equal(settings_set(network_fields, &s, "Address", "10.0.0.2/16"), 0);
	assert_int_equal(settings_set(network_fields, &s, "Gateway", "10.0.0.1"), 0);
	assert_int_equal(settings_set(network_fields, &s, "MAC", "02:42:0a:00:00:02"), 0);
	assert_int_equal(settings_set(network_fields, &s, "MTU", "1400"), 0);
	assert_int_equal(settings_set(network_fields, &s, "DefaultRoute", "no"), 0);
	assert_int_equal(settings_set(network_fields, &s, "DNS", "10.0.0.1,10.0.0.53"), 0);
	assert_int_equal(settings_set(network_fields, &s, "RateLimit", "1G"), 0);
	assert_int_equal(settings_set(network_fields, &s, "Listen", "/run/x.sock"), 0);
	assert_int_equal(settings_set(network_fields, &s, "Addresses", "fd00::2/64"), 0);
	assert_int_equal(settings_set(network_fields, &s, "Gateways", "fd00::1"), 0);
	assert_int_equal(settings_set(network_fields, &s, "IPv6LinkLocal", "no"), 0);
	s.host.listen_fd = w.peer;
	m = new_call(&w, "AttachNetwork");
	assert_int_equal(network_settings_append(m, 5000, &s), 0);
	seal(m);
	assert_int_equal(sd_bus_message_read(m, "sussu", &device, &port, &address, &gateway, &prefix_len), 1);
	assert_string_equal(address, "10.0.0.2");
	assert_string_equal(gateway, "10.0.0.1");
	assert_int_equal(prefix_len, 16);
	options = dump_options(m);
	assert_string_equal(options, "Addresses=as:fd00::2/64 Gateways=as:fd00::1 MAC=s:02:42:0a:00:00:02 MTU=u:1400 "
	                             "ListenFD=h:fd RateLimit=t:1000000000 DefaultRoute=b:false "
	                             "IPv6LinkLocal=b:false DNS=as:10.0.0.1,10.0.0.53");
	free(options);
	sd_bus_message_unref(m);

	s.host.listen_fd = -1;
	m = new_call(&w, "AttachNetwork");
	assert_int_equal(network_settings_append(m, 5000, &s), 0);
	seal(m);
	assert_int_equal(sd_bus_message_skip(m, "sussu"), 1);
	options = dump_options(m);
	assert_non_null(strstr(options, "Listen=s:/run/x.sock"));
	free(options);
	sd_bus_message_unref(m);

	network_settings_done(&s);
	wire_close(&w);
}

static void test_relay_call_carries_what_is_set(void **state) {
	const char *bridge, *port_name, *mac;
	uint32_t port, vlan;
	RelaySettings s;
	sd_bus_message *m;
	char *options;
	Wire w;

	wire_open(&w);
	relay_settings_init(&s);

	m = new_call(&w, "StartRelay");
	assert_int_equal(relay_settings_append(m, 5001, &s), 0);
	seal(m);
	assert_string_equal(sd_bus_message_get_signature(m, true), "usssua{sv}");
	assert_int_equal(sd_bus_message_read(m, "usssu", &port, &bridge, &port_name, &mac, &vlan), 1);
	assert_int_equal(port, 5001);
	assert_string_equal(bridge, "");
	assert_string_equal(port_name, "");
	assert_string_equal(mac, "");
	assert_int_equal(vlan, 0);
	options = dump_options(m);
	assert_string_equal(options, "");
	free(options);
	sd_bus_message_unref(m);

	assert_int_equal(settings_set(relay_fields, &s, "Bridge", "br-int"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "PortName", "arca5001"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "MAC", "02:00:00:00:50:01"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "VLAN", "12"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "IfaceId", "c1-eth0"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "NetworkId", "n1"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "ContainerId", "c1"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "MTU", "9000"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "Backend", "ovs"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "Listen", "@relay"), 0);
	assert_int_equal(settings_set(relay_fields, &s, "RateLimit", "125M"), 0);
	m = new_call(&w, "StartRelay");
	assert_int_equal(relay_settings_append(m, 5001, &s), 0);
	seal(m);
	assert_int_equal(sd_bus_message_read(m, "usssu", &port, &bridge, &port_name, &mac, &vlan), 1);
	assert_string_equal(bridge, "br-int");
	assert_string_equal(port_name, "arca5001");
	assert_string_equal(mac, "02:00:00:00:50:01");
	assert_int_equal(vlan, 12);
	options = dump_options(m);
	assert_string_equal(options, "IfaceId=s:c1-eth0 NetworkId=s:n1 ContainerId=s:c1 MTU=u:9000 "
	                             "Backend=s:ovs Listen=s:@relay RateLimit=t:125000000");
	free(options);
	sd_bus_message_unref(m);

	relay_settings_done(&s);
	wire_close(&w);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_file_every_key),
		cmocka_unit_test(test_bad_files_name_file_and_line),
		cmocka_unit_test(test_missing_file_is_empty_only_with_dash),
		cmocka_unit_test(test_network_file_and_checks),
		cmocka_unit_test(test_dual_stack_file_and_checks),
		cmocka_unit_test(test_vsock_ports),
		cmocka_unit_test(test_attach_call_carries_what_is_set),
		cmocka_unit_test(test_relay_call_carries_what_is_set),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
