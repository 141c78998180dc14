/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "ether.h"
#include "network.h"
#include "network-settings.h"

/* AttachNetwork as a caller sends it, read and completed as the daemon
 * does; returns the error name or NULL. sd-bus makes messages for a bus
 * that is started: one end of a socket pair is enough, nothing is sent. */
static const char *try_config(NetworkSettings *c, const char *device, uint32_t port,
                              const char *address, const char *gateway, uint32_t prefix,
                              const char *mac, uint32_t mtu, const char *listen) {
	static char name[128];
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	const DaemonType type = { .schema = &network_schema, .ops = &network_ops };
	Daemon daemon = { .type = &type };
	sd_bus *bus = NULL;
	int fds[2], r;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
	assert_int_equal(sd_bus_new(&bus), 0);
	assert_int_equal(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
	assert_int_equal(sd_bus_start(bus), 0);
	assert_int_equal(sd_bus_message_new_method_call(bus, &m, "org.arca.Forwarder1", "/org/arca/Forwarder1",
	                                                "org.arca.Forwarder1.Manager", "AttachNetwork"), 0);
	assert_true(sd_bus_message_append(m, "sussu", device, port, address, gateway, prefix) >= 0);
	assert_true(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
	if (mac)
		assert_true(sd_bus_message_append(m, "{sv}", "MAC", "s", mac) >= 0);
	if (mtu)
		assert_true(sd_bus_message_append(m, "{sv}", "MTU", "u", mtu) >= 0);
	if (listen)
		assert_true(sd_bus_message_append(m, "{sv}", "Listen", "s", listen) >= 0);
	assert_true(sd_bus_message_close_container(m) >= 0);
	assert_int_equal(sd_bus_message_seal(m, 1, 0), 0);
	assert_true(sd_bus_message_rewind(m, true) >= 0);

	*c = (NetworkSettings) {};
	fields_init(network_fields, c);
	r = fields_read_call(m, network_fields, c, &error);
	if (r >= 0)
		r = network_ops.complete(&daemon, c, &error);
	sd_bus_message_unref(m);
	sd_bus_close_unref(bus);
	close(fds[1]);
	if (r >= 0) {
		sd_bus_error_free(&error);
		return NULL;
	}
	fields_done(network_fields, c);
	assert_non_null(error.name);
	/* Every refusal carries a message a person can act on. */
	assert_non_null(error.message);
	assert_true(strlen(error.message) > 20);
	strncpy(name, error.name, sizeof(name) - 1);
	sd_bus_error_free(&error);
	return name;
}

static void network_config_done(NetworkSettings *c) {
	fields_done(network_fields, c);
}

#define INVALID "org.arca.Error.InvalidArgument"

static void test_valid_ipv4_defaults(void **state) {
	NetworkSettings c;

	struct ether_addr mac;

	assert_null(try_config(&c, "eth0", 5000, "10.88.0.2", "10.88.0.1", 0, NULL, 0, NULL));
	assert_int_equal(c.prefix_len, 24);             /* 0 means 24, as before */
	assert_int_equal(c.mtu, 1500);
	assert_true(c.default_route);
	assert_string_equal(c.address.address, "10.88.0.2");
	assert_string_equal(c.gateway, "10.88.0.1");
	/* No Listen: the network's own vsock port, any CID. */
	assert_string_equal(c.host.listen, "vsock::5000");
	/* A random MAC is unicast and locally administered. */
	assert_int_equal(ether_addr_parse(c.mac, &mac), 0);
	assert_int_equal(mac.ether_addr_octet[0] & 0x03, 0x02);
	network_config_done(&c);
}

static void test_valid_ipv6_and_options(void **state) {
	NetworkSettings c;

	assert_null(try_config(&c, "eth1", 5001, "fd00::2", "fd00::1", 0, "02:42:ac:12:00:02",
	                       9000, "/run/arca/eth1.sock"));
	assert_int_equal(c.prefix_len, 64);
	assert_int_equal(c.mtu, 9000);
	assert_string_equal(c.mac, "02:42:ac:12:00:02");
	assert_string_equal(c.host.listen, "/run/arca/eth1.sock");
	network_config_done(&c);

	/* No gateway: no default route, whatever DefaultRoute says. */
	assert_null(try_config(&c, "eth1", 5001, "10.0.0.2", "", 16, NULL, 0, NULL));
	assert_false(c.default_route);
	assert_null(c.gateway);
	network_config_done(&c);
}

static void test_bad_device_names(void **state) {
	static const char *const bad[] = {
		"", "0123456789abcdef", "a/b", "a b", "a\tb", "a:b", ".", "..", "eth\n", "x%d",
	};
	NetworkSettings c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(try_config(&c, bad[i], 5000, "10.0.0.2", "", 24, NULL, 0, NULL), INVALID);
	/* 15 bytes is the most a device name may have. */
	assert_null(try_config(&c, "0123456789abcde", 5000, "10.0.0.2", "", 24, NULL, 0, NULL));
	network_config_done(&c);
}

static void test_bad_addresses(void **state) {
	NetworkSettings c;

	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.256", "", 24, NULL, 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2/24", "", 24, NULL, 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "", "", 24, NULL, 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2", "", 33, NULL, 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "fd00::2", "", 129, NULL, 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2", "fd00::1", 24, NULL, 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "fd00::2", "10.0.0.1", 64, NULL, 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2", "gateway", 24, NULL, 0, NULL), INVALID);
}

static void test_bad_port_mtu_mac_listen(void **state) {
	NetworkSettings c;

	assert_string_equal(try_config(&c, "eth0", 0, "10.0.0.2", "", 24, NULL, 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", UINT32_MAX, "10.0.0.2", "", 24, NULL, 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2", "", 24, NULL, 67, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2", "", 24, NULL, 65521, NULL), INVALID);
	/* IPv6 needs at least 1280. */
	assert_string_equal(try_config(&c, "eth0", 5000, "fd00::2", "", 64, NULL, 1279, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2", "", 24, "01:00:5e:00:00:01", 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2", "", 24, "02:42:ac:12:00", 0, NULL), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2", "", 24, NULL, 0, "tcp:1.2.3.4:5"), INVALID);
	assert_string_equal(try_config(&c, "eth0", 5000, "10.0.0.2", "", 24, NULL, 0, "relative.sock"), INVALID);
}

static void test_object_path_escaping(void **state) {
	/* Device names may hold characters an object path may not. */
	static const char *const names[] = { "eth0", "br-int.10", "a_b", "x@y", "0lead" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *path = NULL, *back = NULL;

		char *copy = NULL;

		assert_int_equal(field_type_ifname.parse(names[i], &copy), 0);
		free(copy);
		assert_true(sd_bus_path_encode("/org/arca/Forwarder1/network", names[i], &path) >= 0);
		assert_true(sd_bus_object_path_is_valid(path));
		assert_true(sd_bus_path_decode(path, "/org/arca/Forwarder1/network", &back) > 0);
		assert_string_equal(back, names[i]);
		free(path);
		free(back);
	}
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_ipv4_defaults),
		cmocka_unit_test(test_valid_ipv6_and_options),
		cmocka_unit_test(test_bad_device_names),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_bad_port_mtu_mac_listen),
		cmocka_unit_test(test_object_path_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
