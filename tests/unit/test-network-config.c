/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "network-config.h"

/* Builds a config from arguments and a few options; returns the error name
 * or NULL. */
static const char *try_config(NetworkConfig *c, const char *device, uint32_t port,
                              const char *address, const char *gateway, uint32_t prefix,
                              const char *mac, uint32_t mtu, const char *listen) {
	static char name[128];
	sd_bus_error error = SD_BUS_ERROR_NULL;
	NetworkOptions o;
	int r;

	network_options_init(&o);
	o.mac = mac ? strdup(mac) : NULL;
	o.mtu = mtu;
	o.listen = listen ? strdup(listen) : NULL;
	*c = (NetworkConfig) { .listen_fd = -1 };
	r = network_config_new(c, device, port, address, gateway, prefix, &o, &error);
	network_options_done(&o);
	if (r >= 0) {
		sd_bus_error_free(&error);
		return NULL;
	}
	assert_non_null(error.name);
	/* Every refusal carries a message a person can act on. */
	assert_non_null(error.message);
	assert_true(strlen(error.message) > 20);
	strncpy(name, error.name, sizeof(name) - 1);
	sd_bus_error_free(&error);
	return name;
}

#define INVALID "org.arca.Error.InvalidArgument"

static void test_valid_ipv4_defaults(void **state) {
	NetworkConfig c;

	assert_null(try_config(&c, "eth0", 5000, "10.88.0.2", "10.88.0.1", 0, NULL, 0, NULL));
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix_len, 24);             /* 0 means 24, as before */
	assert_int_equal(c.mtu, 1500);
	assert_true(c.default_route);
	assert_string_equal(c.address_string, "10.88.0.2");
	assert_string_equal(c.gateway_string, "10.88.0.1");
	/* No Listen: the network's own vsock port, any CID. */
	assert_int_equal(c.listen.vm.svm_family, AF_VSOCK);
	assert_int_equal(c.listen.vm.svm_port, 5000);
	/* A random MAC is unicast and locally administered. */
	assert_int_equal(c.mac.ether_addr_octet[0] & 0x03, 0x02);
	network_config_done(&c);
}

static void test_valid_ipv6_and_options(void **state) {
	NetworkConfig c;

	assert_null(try_config(&c, "eth1", 5001, "fd00::2", "fd00::1", 0, "02:42:ac:12:00:02",
	                       9000, "/run/arca/eth1.sock"));
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix_len, 64);
	assert_int_equal(c.mtu, 9000);
	assert_string_equal(c.mac_string, "02:42:ac:12:00:02");
	assert_string_equal(c.listen.un.sun_path, "/run/arca/eth1.sock");
	network_config_done(&c);

	/* No gateway: no default route, whatever DefaultRoute says. */
	assert_null(try_config(&c, "eth1", 5001, "10.0.0.2", "", 16, NULL, 0, NULL));
	assert_false(c.default_route);
	assert_string_equal(c.gateway_string, "");
	network_config_done(&c);
}

static void test_bad_device_names(void **state) {
	static const char *const bad[] = {
		"", "0123456789abcdef", "a/b", "a b", "a\tb", "a:b", ".", "..", "eth\n",
	};
	NetworkConfig c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(try_config(&c, bad[i], 5000, "10.0.0.2", "", 24, NULL, 0, NULL), INVALID);
	/* 15 bytes is the most a device name may have. */
	assert_null(try_config(&c, "0123456789abcde", 5000, "10.0.0.2", "", 24, NULL, 0, NULL));
	network_config_done(&c);
}

static void test_bad_addresses(void **state) {
	NetworkConfig c;

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
	NetworkConfig c;

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

		assert_int_equal(network_device_name_check(names[i]), 0);
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
