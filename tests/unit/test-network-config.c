/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "ether.h"
#include "network.h"
#include "network-settings.h"

/* The dual-stack options: NULL-terminated lists, NULL for none. */
typedef struct Extra {
	const char *const *addresses;
	const char *const *gateways;
	bool no_link_local;             /* IPv6LinkLocal=false; else not given */
} Extra;

static void append_strv_option(sd_bus_message *m, const char *name, const char *const *l) {
	assert_true(sd_bus_message_open_container(m, 'e', "sv") >= 0);
	assert_true(sd_bus_message_append(m, "s", name) >= 0);
	assert_true(sd_bus_message_open_container(m, 'v', "as") >= 0);
	assert_true(sd_bus_message_append_strv(m, (char **) l) >= 0);
	assert_true(sd_bus_message_close_container(m) >= 0);
	assert_true(sd_bus_message_close_container(m) >= 0);
}

/* The last refusal's message. */
static char message[512];

/* AttachNetwork as a caller sends it, read and completed as the daemon
 * does; returns the error name or NULL. sd-bus makes messages for a bus
 * that is started: one end of a socket pair is enough, nothing is sent. */
static const char *try_call(NetworkSettings *c, const char *device, uint32_t port,
                            const char *address, const char *gateway, uint32_t prefix,
                            const char *mac, uint32_t mtu, const char *listen, const Extra *x) {
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
	if (x && x->addresses)
		append_strv_option(m, "Addresses", x->addresses);
	if (x && x->gateways)
		append_strv_option(m, "Gateways", x->gateways);
	if (x && x->no_link_local)
		assert_true(sd_bus_message_append(m, "{sv}", "IPv6LinkLocal", "b", false) >= 0);
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
	snprintf(message, sizeof(message), "%s", error.message);
	sd_bus_error_free(&error);
	return name;
}

#define try_config(c, device, port, address, gateway, prefix, mac, mtu, listen) \
	try_call(c, device, port, address, gateway, prefix, mac, mtu, listen, NULL)
#define try_dual(c, address, gateway, prefix, ...) \
	try_call(c, "eth0", 5000, address, gateway, prefix, NULL, 0, NULL, &(const Extra) { __VA_ARGS__ })
#define LIST(...) ((const char *const[]) { __VA_ARGS__, NULL })

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

static void test_dual_stack(void **state) {
	NetworkSettings c;

	/* The arguments' address and gateway, and the other family's as
	 * options; prefixes are filled in, a link-local address is kept. */
	assert_null(try_dual(&c, "10.88.0.2", "10.88.0.1", 16, .addresses = LIST("FD00:0::2", "fd01::2/56"),
	                     .gateways = LIST("fd00::1")));
	assert_string_equal(c.address.address, "10.88.0.2");
	assert_int_equal(c.prefix_len, 16);
	assert_int_equal(strv_length(c.addresses), 2);
	assert_string_equal(c.addresses[0], "fd00::2/64");
	assert_string_equal(c.addresses[1], "fd01::2/56");
	assert_string_equal(c.gateway, "10.88.0.1");
	assert_string_equal(c.gateways[0], "fd00::1");
	assert_true(c.default_route);
	assert_int_equal(c.ipv6_link_local, 1);
	network_config_done(&c);

	/* All as options: the first of each becomes Address and Gateway. */
	assert_null(try_dual(&c, "", "", 0, .addresses = LIST("fd00::2/64", "10.88.0.2/16"),
	                     .gateways = LIST("10.88.0.1", "fd00::1"), .no_link_local = true));
	assert_string_equal(c.address.address, "fd00::2");
	assert_int_equal(c.prefix_len, 64);
	assert_int_equal(strv_length(c.addresses), 1);
	assert_string_equal(c.addresses[0], "10.88.0.2/16");
	assert_string_equal(c.gateway, "10.88.0.1");
	assert_int_equal(strv_length(c.gateways), 1);
	assert_string_equal(c.gateways[0], "fd00::1");
	assert_int_equal(c.ipv6_link_local, 0);
	network_config_done(&c);

	/* An IPv6 address among others sets the IPv6 MTU floor. */
	assert_null(try_dual(&c, "10.0.0.2", "", 24, .addresses = LIST("fd00::2")));
	network_config_done(&c);
	assert_string_equal(try_call(&c, "eth0", 5000, "10.0.0.2", "", 24, NULL, 1279, NULL,
	                             &(const Extra) { .addresses = LIST("fd00::2") }),
	                    INVALID);
	assert_string_equal(message, "Invalid MTU 1279: use 1280 to 65520.");
}

#define assert_refused(rule, ...) do {                                             \
		assert_string_equal(try_dual(&c, __VA_ARGS__), INVALID);            \
		assert_non_null(strstr(message, rule));                             \
	} while (0)

static void test_dual_stack_refusals_name_the_rule(void **state) {
	NetworkSettings c;

	assert_refused("Two IPv4 gateways, 10.0.0.1 and 10.0.0.254: a network has one default route per family",
	               "10.0.0.2", "10.0.0.1", 24, .gateways = LIST("10.0.0.254"));
	assert_refused("Two IPv6 gateways, fd00::1 and fd00::fe",
	               "10.0.0.2", "", 24, .addresses = LIST("fd00::2"), .gateways = LIST("fd00::1", "fd00::fe"));
	assert_refused("Two IPv4 gateways", "10.0.0.2", "", 24, .gateways = LIST("10.0.0.1", "10.0.0.3", "10.0.0.4"));
	assert_refused("Gateway fd00::1 is IPv6, but the network has no IPv6 address",
	               "10.0.0.2", "10.0.0.1", 24, .gateways = LIST("fd00::1"));
	assert_refused("Gateway fd01::1 is not on the network fd00::2/64: give a gateway inside it",
	               "10.0.0.2", "", 24, .addresses = LIST("fd00::2"), .gateways = LIST("fd01::1"));
	/* On the network of any address of its family is enough. */
	assert_null(try_dual(&c, "10.0.0.2", "", 24, .addresses = LIST("fd00::2", "fd01::2"),
	                     .gateways = LIST("fd01::1")));
	network_config_done(&c);
	/* Prefixes that do not fit their family, named with their option. */
	assert_refused("Invalid Addresses 'fd00::2/129': give IPv4 or IPv6 addresses, each with /PREFIX",
	               "10.0.0.2", "", 24, .addresses = LIST("fd00::2/129"));
	assert_refused("Invalid Addresses '10.0.0.3/33'", "", "", 0, .addresses = LIST("10.0.0.3/33"));
	assert_refused("Invalid Gateways 'fd00::1/64'", "10.0.0.2", "", 24, .gateways = LIST("fd00::1/64"));
	assert_refused("The address fd00::2 is given twice: give each address once.",
	               "10.0.0.2", "", 24, .addresses = LIST("fd00::2/64", "FD00::2/48"));
	assert_refused("The address 10.0.0.2 is given twice", "10.0.0.2", "", 24, .addresses = LIST("10.0.0.2/16"));
	assert_refused("No address given: give one as the address argument or in Addresses.", "", "", 0,
	               .addresses = LIST(NULL));
	assert_refused("PrefixLength 24 disagrees with the address 10.0.0.2/16", "", "", 24,
	               .addresses = LIST("10.0.0.2/16"));
	assert_refused("17 addresses given: a network has at most 16; give fewer.", "10.0.0.1", "", 24,
	               .addresses = LIST("10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7",
	                                 "10.0.0.8", "10.0.0.9", "10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.13",
	                                 "10.0.0.14", "10.0.0.15", "10.0.0.16", "10.0.0.17"));
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
		cmocka_unit_test(test_dual_stack),
		cmocka_unit_test(test_dual_stack_refusals_name_the_rule),
		cmocka_unit_test(test_object_path_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
