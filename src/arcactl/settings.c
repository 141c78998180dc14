/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "bus.h"
#include "ether.h"
#include "frame.h"
#include "settings.h"

static int parse_ifname(const char *value, void *field) {
	size_t len = strlen(value);

	if (len == 0 || len >= IFNAMSIZ || strcmp(value, ".") == 0 || strcmp(value, "..") == 0)
		return -EINVAL;
	for (const char *p = value; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char) *p) || !isprint((unsigned char) *p))
			return -EINVAL;
	return conf_parse_string(value, field);
}

static int parse_nonempty(const char *value, void *field) {
	if (*value == '\0')
		return -EINVAL;
	return conf_parse_string(value, field);
}

static int parse_mac(const char *value, void *field) {
	struct ether_addr ignored;

	if (ether_addr_parse(value, &ignored) < 0)
		return -EINVAL;
	return conf_parse_string(value, field);
}

static int parse_positive_u32(const char *value, void *field) {
	uint32_t v;

	if (conf_parse_u32(value, &v) < 0 || v == 0)
		return -EINVAL;
	*(uint32_t *) field = v;
	return 0;
}

static int parse_vlan(const char *value, void *field) {
	uint32_t v;

	if (conf_parse_u32(value, &v) < 0 || v > VLAN_ID_MAX)
		return -EINVAL;
	*(uint32_t *) field = v;
	return 0;
}

static int parse_backend(const char *value, void *field) {
	if (strcmp(value, "ovs") != 0 && strcmp(value, "bridge") != 0)
		return -EINVAL;
	return conf_parse_string(value, field);
}

static int parse_framing(const char *value, void *field) {
	if (framing_from_string(value) < 0)
		return -EINVAL;
	return conf_parse_string(value, field);
}

static int parse_listen(const char *value, void *field) {
	SocketAddress ignored;

	if (socket_address_parse(&ignored, value) < 0)
		return -EINVAL;
	return conf_parse_string(value, field);
}

static int ip_family(const char *s) {
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, s, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return AF_INET6;
	return -EINVAL;
}

static int parse_prefix_for(const char *s, int family, uint32_t *ret) {
	uint32_t v;

	if (conf_parse_u32(s, &v) < 0 || v == 0 || v > (family == AF_INET6 ? 128U : 32U))
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "A" or "A/P". */
static int parse_address(const char *value, void *field) {
	NetworkAddress *a = field;
	_cleanup_free_ char *copy = strdup(value);
	uint32_t prefix_len = 0;
	char *slash;
	int family;

	if (!copy)
		return -ENOMEM;
	slash = strchr(copy, '/');
	if (slash)
		*slash = '\0';
	family = ip_family(copy);
	if (family < 0)
		return -EINVAL;
	if (slash && parse_prefix_for(slash + 1, family, &prefix_len) < 0)
		return -EINVAL;

	free(a->address);
	a->address = TAKE_PTR(copy);
	a->prefix_len = prefix_len;
	return 0;
}

static int parse_prefix(const char *value, void *field) {
	/* Up to 128: whether it fits the address is checked once both are known. */
	return parse_prefix_for(value, AF_INET6, field);
}

/* An address, or nothing for no gateway. */
static int parse_gateway(const char *value, void *field) {
	if (*value != '\0' && ip_family(value) < 0)
		return -EINVAL;
	return conf_parse_string(value, field);
}

/* Addresses separated by white space or commas. */
static int parse_dns(const char *value, void *field) {
	_cleanup_free_ char *copy = strdup(value);
	char **l = NULL;
	int r;

	if (!copy)
		return -ENOMEM;
	for (char *p = copy; *p; p++)
		if (*p == ',')
			*p = ' ';
	r = conf_parse_strv(copy, &l);
	if (r < 0)
		return r;
	for (char **i = l; *i; i++)
		if (ip_family(*i) < 0) {
			strv_free(l);
			return -EINVAL;
		}
	strv_free(*(char ***) field);
	*(char ***) field = l;
	return 0;
}

int parse_bytes(const char *value, void *field) {
	static const char suffixes[] = "KMGT";
	_cleanup_free_ char *copy = strdup(value);
	uint64_t v, factor = 1;
	size_t len;

	if (!copy)
		return -ENOMEM;
	len = strlen(copy);
	if (len > 1) {
		const char *s = strchr(suffixes, toupper((unsigned char) copy[len - 1]));
		if (s && *s) {
			for (const char *i = suffixes; i <= s; i++)
				factor *= 1000;
			copy[len - 1] = '\0';
		}
	}
	if (conf_parse_u64(copy, &v) < 0 || v == 0 || v > UINT64_MAX / factor)
		return -EINVAL;
	*(uint64_t *) field = v * factor;
	return 0;
}

const ConfItem network_settings_table[] = {
	{ "Device", parse_ifname, offsetof(NetworkSettings, device) },
	{ "Address", parse_address, offsetof(NetworkSettings, address) },
	{ "Prefix", parse_prefix, offsetof(NetworkSettings, prefix_len) },
	{ "Gateway", parse_gateway, offsetof(NetworkSettings, gateway) },
	{ "MAC", parse_mac, offsetof(NetworkSettings, mac) },
	{ "MTU", parse_positive_u32, offsetof(NetworkSettings, mtu) },
	{ "Framing", parse_framing, offsetof(NetworkSettings, framing) },
	{ "DefaultRoute", conf_parse_bool, offsetof(NetworkSettings, default_route) },
	{ "LockMAC", conf_parse_bool, offsetof(NetworkSettings, lock_mac) },
	{ "AllowedPeers", peer_allowlist_parse, offsetof(NetworkSettings, allowed_peers) },
	{ "DNS", parse_dns, offsetof(NetworkSettings, dns) },
	{ "RateLimit", parse_bytes, offsetof(NetworkSettings, rate_limit) },
	{ "Listen", parse_listen, offsetof(NetworkSettings, listen) },
	{}
};

const ConfItem relay_settings_table[] = {
	{ "Bridge", parse_ifname, offsetof(RelaySettings, bridge) },
	{ "PortName", parse_ifname, offsetof(RelaySettings, port_name) },
	{ "MAC", parse_mac, offsetof(RelaySettings, mac) },
	{ "VLAN", parse_vlan, offsetof(RelaySettings, vlan) },
	{ "IfaceId", parse_nonempty, offsetof(RelaySettings, iface_id) },
	{ "NetworkId", parse_nonempty, offsetof(RelaySettings, network_id) },
	{ "ContainerId", parse_nonempty, offsetof(RelaySettings, container_id) },
	{ "MTU", parse_positive_u32, offsetof(RelaySettings, mtu) },
	{ "Framing", parse_framing, offsetof(RelaySettings, framing) },
	{ "LockMAC", conf_parse_bool, offsetof(RelaySettings, lock_mac) },
	{ "AllowedPeers", peer_allowlist_parse, offsetof(RelaySettings, allowed_peers) },
	{ "Backend", parse_backend, offsetof(RelaySettings, backend) },
	{ "RateLimit", parse_bytes, offsetof(RelaySettings, rate_limit) },
	{ "Listen", parse_listen, offsetof(RelaySettings, listen) },
	{}
};

void network_settings_init(NetworkSettings *s) {
	*s = (NetworkSettings) { .default_route = -1, .lock_mac = -1, .listen_fd = -1 };
}

void network_settings_done(NetworkSettings *s) {
	free(s->device);
	free(s->address.address);
	free(s->gateway);
	free(s->mac);
	free(s->framing);
	strv_free(s->dns);
	free(s->listen);
	network_settings_init(s);
}

void relay_settings_init(RelaySettings *s) {
	*s = (RelaySettings) { .lock_mac = -1, .listen_fd = -1 };
}

void relay_settings_done(RelaySettings *s) {
	free(s->bridge);
	free(s->port_name);
	free(s->mac);
	free(s->iface_id);
	free(s->network_id);
	free(s->container_id);
	free(s->backend);
	free(s->framing);
	free(s->listen);
	relay_settings_init(s);
}

int settings_set(const ConfItem *table, void *settings, const char *key, const char *value) {
	for (const ConfItem *i = table; i->key; i++)
		if (strcmp(i->key, key) == 0)
			return i->parse(value, (uint8_t *) settings + i->offset) < 0 ? -EINVAL : 0;
	return -ENOKEY;
}

int settings_load(const ConfItem *table, void *settings, const char *path,
                  char error[static CONF_ERROR_MAX]) {
	bool optional = path[0] == '-';
	int r;

	r = conf_parse_file(path + optional, table, settings, error);
	if (r == -ENOENT && optional)
		return 0;
	return r;
}

int network_settings_check(const NetworkSettings *s, const char *origin,
                           char error[static CONF_ERROR_MAX]) {
	const char *where = origin ?: "the command line";

	if (!s->device) {
		snprintf(error, CONF_ERROR_MAX, "%s: no device given (Device=)", where);
		return -EINVAL;
	}
	if (!s->address.address) {
		snprintf(error, CONF_ERROR_MAX, "%s: no address given (Address=)", where);
		return -EINVAL;
	}
	if (s->prefix_len > 0 && s->address.prefix_len > 0 && s->prefix_len != s->address.prefix_len) {
		snprintf(error, CONF_ERROR_MAX, "%s: Prefix=%u disagrees with Address=%s/%u",
		         where, s->prefix_len, s->address.address, s->address.prefix_len);
		return -EINVAL;
	}
	if (s->prefix_len > 32 && ip_family(s->address.address) == AF_INET) {
		snprintf(error, CONF_ERROR_MAX, "%s: Prefix=%u is too long for the IPv4 address %s",
		         where, s->prefix_len, s->address.address);
		return -EINVAL;
	}
	if (!isempty_str(s->gateway) && ip_family(s->gateway) != ip_family(s->address.address)) {
		snprintf(error, CONF_ERROR_MAX, "%s: gateway %s and address %s are of different families",
		         where, s->gateway, s->address.address);
		return -EINVAL;
	}
	return 0;
}

static int append_string_option(sd_bus_message *m, const char *name, const char *value) {
	return value ? sd_bus_message_append(m, "{sv}", name, "s", value) : 0;
}

static int append_u32_option(sd_bus_message *m, const char *name, uint32_t value) {
	return value ? sd_bus_message_append(m, "{sv}", name, "u", value) : 0;
}

/* n == 0: not given, left out. */
static int append_allowlist_option(sd_bus_message *m, const char *name, const PeerAllowlist *a) {
	int r;

	if (a->n == 0)
		return 0;
	r = sd_bus_message_open_container(m, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "au");
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'u', a->cids, a->n * sizeof(uint32_t));
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

/* value -1: not given, left out. */
static int append_bool_option(sd_bus_message *m, const char *name, int value) {
	return value >= 0 ? sd_bus_message_append(m, "{sv}", name, "b", value) : 0;
}

static int append_fd_option(sd_bus_message *m, const char *name, int fd) {
	return fd >= 0 ? sd_bus_message_append(m, "{sv}", name, "h", fd) : 0;
}

int network_settings_append(sd_bus_message *m, uint32_t port, const NetworkSettings *s) {
	uint32_t prefix_len = s->address.prefix_len ?: s->prefix_len;
	int r;

	r = sd_bus_message_append(m, "sussu", s->device, port, s->address.address,
	                          s->gateway ?: "", prefix_len);
	if (r < 0)
		return r;

	r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	if ((r = append_string_option(m, "MAC", s->mac)) < 0 ||
	    (r = append_u32_option(m, "MTU", s->mtu)) < 0 ||
	    (r = append_string_option(m, "Framing", s->framing)) < 0 ||
	    (r = append_string_option(m, "Listen", s->listen_fd >= 0 ? NULL : s->listen)) < 0 ||
	    (r = append_fd_option(m, "ListenFD", s->listen_fd)) < 0)
		return r;
	if (s->rate_limit > 0) {
		r = sd_bus_message_append(m, "{sv}", "RateLimit", "t", s->rate_limit);
		if (r < 0)
			return r;
	}
	if (s->default_route >= 0) {
		r = sd_bus_message_append(m, "{sv}", "DefaultRoute", "b", s->default_route);
		if (r < 0)
			return r;
	}
	r = append_bool_option(m, "LockMAC", s->lock_mac);
	if (r >= 0)
		r = append_allowlist_option(m, "AllowedPeers", &s->allowed_peers);
	if (r < 0)
		return r;
	if (s->dns) {
		r = sd_bus_message_open_container(m, 'e', "sv");
		if (r >= 0)
			r = sd_bus_message_append(m, "s", "DNS");
		if (r >= 0)
			r = sd_bus_message_open_container(m, 'v', "as");
		if (r >= 0)
			r = sd_bus_message_append_strv(m, s->dns);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		if (r < 0)
			return r;
	}
	return sd_bus_message_close_container(m);
}

int relay_settings_append(sd_bus_message *m, uint32_t port, const RelaySettings *s) {
	int r;

	r = sd_bus_message_append(m, "usssu", port, s->bridge ?: "", s->port_name ?: "",
	                          s->mac ?: "", s->vlan);
	if (r < 0)
		return r;

	r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	if ((r = append_string_option(m, "IfaceId", s->iface_id)) < 0 ||
	    (r = append_string_option(m, "NetworkId", s->network_id)) < 0 ||
	    (r = append_string_option(m, "ContainerId", s->container_id)) < 0 ||
	    (r = append_u32_option(m, "MTU", s->mtu)) < 0 ||
	    (r = append_string_option(m, "Backend", s->backend)) < 0 ||
	    (r = append_string_option(m, "Framing", s->framing)) < 0 ||
	    (r = append_string_option(m, "Listen", s->listen_fd >= 0 ? NULL : s->listen)) < 0 ||
	    (r = append_fd_option(m, "ListenFD", s->listen_fd)) < 0)
		return r;
	if (s->rate_limit > 0) {
		r = sd_bus_message_append(m, "{sv}", "RateLimit", "t", s->rate_limit);
		if (r < 0)
			return r;
	}
	r = append_bool_option(m, "LockMAC", s->lock_mac);
	if (r >= 0)
		r = append_allowlist_option(m, "AllowedPeers", &s->allowed_peers);
	if (r < 0)
		return r;
	return sd_bus_message_close_container(m);
}

int parse_vsock_port(const char *s, uint32_t *ret) {
	uint32_t v;

	if (conf_parse_u32(s, &v) < 0 || v == 0 || v > VSOCK_PORT_MAX)
		return -EINVAL;
	*ret = v;
	return 0;
}
