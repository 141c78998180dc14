/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/if.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "network-config.h"

const BusOption network_options_table[] = {
	{ "MAC", "s", bus_option_string, offsetof(NetworkOptions, mac) },
	{ "MTU", "u", bus_option_u32, offsetof(NetworkOptions, mtu) },
	{ "Framing", "s", bus_option_string, offsetof(NetworkOptions, framing) },
	{ "Listen", "s", bus_option_string, offsetof(NetworkOptions, listen) },
	{ "ListenFD", "h", bus_option_fd, offsetof(NetworkOptions, listen_fd) },
	{ "RateLimit", "t", bus_option_u64, offsetof(NetworkOptions, rate_limit) },
	{ "DefaultRoute", "b", bus_option_bool, offsetof(NetworkOptions, default_route) },
	{ "LockMAC", "b", bus_option_bool, offsetof(NetworkOptions, lock_mac) },
	{ "AllowedPeers", "au", bus_option_allowlist, offsetof(NetworkOptions, allowed_peers) },
	{ "DNS", "as", bus_option_strv, offsetof(NetworkOptions, dns) },
	{}
};

void network_options_init(NetworkOptions *o) {
	*o = (NetworkOptions) { .listen_fd = -1, .default_route = -1, .lock_mac = -1 };
}

void network_options_done(NetworkOptions *o) {
	free(o->mac);
	free(o->framing);
	free(o->listen);
	safe_close(o->listen_fd);
	strv_free(o->dns);
	network_options_init(o);
}

int network_device_name_check(const char *name) {
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char) *p) || !isprint((unsigned char) *p))
			return -EINVAL;
	return 0;
}

int in_addr_parse(const char *s, union in_addr_union *ret) {
	if (inet_pton(AF_INET, s, &ret->in) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, &ret->in6) == 1)
		return AF_INET6;
	return -EINVAL;
}

#define invalid(error, ...) sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, __VA_ARGS__)

int network_config_new(NetworkConfig *ret, const char *device, uint32_t vsock_port,
                       const char *address, const char *gateway, uint32_t prefix_len,
                       NetworkOptions *o, sd_bus_error *error) {
	NetworkConfig c = { .listen_fd = -1 };
	char text[INET6_ADDRSTRLEN];
	int r;

	if (network_device_name_check(device) < 0)
		return invalid(error, "Invalid device name '%s': use 1 to 15 characters, "
		               "without '/', ':' or white space (e.g. eth0).", device);

	if (vsock_port == 0 || vsock_port == VMADDR_PORT_ANY)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Invalid vsock port %u: use 1 to 4294967294.", vsock_port);

	c.family = in_addr_parse(address, &c.address);
	if (c.family < 0)
		return invalid(error, "Invalid address '%s': give an IPv4 or IPv6 address "
		               "without prefix (e.g. 10.88.0.2), and the prefix length apart.", address);

	if (prefix_len == 0)
		prefix_len = c.family == AF_INET ? NETWORK_PREFIX_DEFAULT_IPV4 : NETWORK_PREFIX_DEFAULT_IPV6;
	if (prefix_len > (c.family == AF_INET ? 32U : 128U))
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Invalid prefix length %u for %s: at most %u.", prefix_len,
		                         address, c.family == AF_INET ? 32U : 128U);
	c.prefix_len = prefix_len;

	if (!isempty_str(gateway)) {
		r = in_addr_parse(gateway, &c.gateway);
		if (r < 0)
			return invalid(error, "Invalid gateway '%s': give an IPv4 or IPv6 address, "
			               "or an empty string for none.", gateway);
		if (r != c.family)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "Gateway %s and address %s are of different families: "
			                         "give both as IPv4 or both as IPv6.", gateway, address);
		c.has_gateway = true;
	}
	c.default_route = c.has_gateway && o->default_route != 0;
	c.lock_mac = o->lock_mac != 0;
	c.allowed_peers = o->allowed_peers;

	c.mtu = o->mtu ?: NETWORK_MTU_DEFAULT;
	if (c.mtu < NETWORK_MTU_MIN || c.mtu > NETWORK_MTU_MAX ||
	    (c.family == AF_INET6 && c.mtu < NETWORK_MTU_MIN_IPV6))
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Invalid MTU %u: use %u to %u.", c.mtu,
		                         c.family == AF_INET6 ? NETWORK_MTU_MIN_IPV6 : NETWORK_MTU_MIN,
		                         NETWORK_MTU_MAX);

	if (o->mac) {
		if (ether_addr_parse(o->mac, &c.mac) < 0)
			return invalid(error, "Invalid MAC '%s': give a unicast address as six "
			               "hex octets, e.g. 02:42:ac:12:00:02.", o->mac);
	} else {
		r = ether_addr_random(&c.mac);
		if (r < 0)
			return sd_bus_error_set_errnof(error, -r, "Failed to make a random MAC address: %m");
	}

	c.framing = o->framing ? framing_from_string(o->framing) : FRAMING_LENGTH32;
	if (c.framing < 0)
		return invalid(error, "Unknown framing '%s': use length32 or vnet.", o->framing);

	if (o->listen && o->listen_fd >= 0)
		return sd_bus_error_set(error, BUS_ERROR_INVALID_ARGUMENT,
		                        "Give either Listen or ListenFD, not both.");
	if (o->listen) {
		if (socket_address_parse(&c.listen, o->listen) < 0)
			return invalid(error, "Invalid Listen address '%s': use vsock:CID:PORT, "
			               "vsock::PORT, an absolute socket path or @abstract-name.", o->listen);
	} else if (o->listen_fd < 0)
		(void) socket_address_vsock(&c.listen, VMADDR_CID_ANY, vsock_port);

	for (char **s = o->dns; s && *s; s++) {
		union in_addr_union ignored;
		if (in_addr_parse(*s, &ignored) < 0)
			return invalid(error, "Invalid DNS server '%s': give IPv4 or IPv6 addresses.", *s);
	}

	c.device = strdup(device);
	c.address_string = strdup(inet_ntop(c.family, &c.address, text, sizeof(text)));
	c.gateway_string = strdup(c.has_gateway ? inet_ntop(c.family, &c.gateway, text, sizeof(text)) : "");
	c.mac_string = malloc(ETHER_ADDR_STRING_MAX);
	if (!c.device || !c.address_string || !c.gateway_string || !c.mac_string) {
		network_config_done(&c);
		return -ENOMEM;
	}
	ether_addr_format(&c.mac, c.mac_string);

	c.vsock_port = vsock_port;
	c.rate_limit = o->rate_limit;
	c.listen_fd = TAKE_FD(o->listen_fd);
	c.dns = TAKE_PTR(o->dns);

	*ret = c;
	return 0;
}

void network_config_done(NetworkConfig *c) {
	free(c->device);
	free(c->address_string);
	free(c->gateway_string);
	free(c->mac_string);
	safe_close(c->listen_fd);
	strv_free(c->dns);
	*c = (NetworkConfig) { .listen_fd = -1 };
}
