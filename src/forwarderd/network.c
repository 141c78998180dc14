/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device-tap.h"
#include "conffile.h"
#include "ether.h"
#include "frame.h"
#include "log.h"
#include "network.h"
#include "network-settings.h"
#include "resolv-conf.h"

/* --resolv-conf=; NULL: the default, see resolv_conf_path(). */
static const char *resolv_conf;
/* A hand-run daemon's: STATE_DIR/dns and the resolv.conf in it. */
static char *instance_dir, *instance_resolv_conf;

int network_set_resolv_conf(const char *path) {
	resolv_conf = path;
	return 0;
}

/* Where DNS servers go: the system's resolv.conf for the daemon on the
 * system bus; for one run by hand (--bus=PATH), whose mount namespace is
 * most likely the machine's own, a file of its state directory, unless
 * told otherwise: a test must not rewrite the machine's. The directory is
 * made when servers are written and removed when none are left, so a
 * clean stop leaves the state directory empty. */
static const char *resolv_conf_path(Daemon *d) {
	if (resolv_conf)
		return resolv_conf;
	if (!d->bus_path)
		return RESOLV_CONF_DEFAULT;
	if (!instance_resolv_conf) {
		if (asprintf(&instance_dir, "%s/" RESOLV_CONF_INSTANCE_DIR, d->state_dir) < 0 ||
		    asprintf(&instance_resolv_conf, "%s/resolv.conf", instance_dir) < 0)
			return NULL;
		log_info("DNS servers go to %s; --resolv-conf=/etc/resolv.conf would change the system's.",
		         instance_resolv_conf);
	}
	return instance_resolv_conf;
}

static NetworkSettings *network_settings(const Object *o) {
	return o->settings;
}

static int invalid(sd_bus_error *error, const char *name, const char *value) {
	return field_invalid(error, fields_find(network_fields, 0, name, NULL), value);
}

/* The lowest metric no network with a default route uses. */
static uint32_t pick_metric(Daemon *d) {
	for (uint32_t metric = ROUTE_METRIC_BASE;; metric++) {
		bool used = false;

		for (Object *o = d->objects; o; o = o->next)
			if (network_settings(o)->default_route > 0 && network_settings(o)->metric == metric)
				used = true;
		if (!used)
			return metric;
	}
}

/* Removes the first of l and returns it. */
static char *strv_take_first(char **l) {
	char *first = l[0];

	memmove(l, l + 1, strv_length(l) * sizeof(char *));
	return first;
}

/* The network's addresses, Address first, as complete settings have
 * them: each with its prefix length. Returns how many. */
static size_t network_addresses(const NetworkSettings *s, InAddrPrefix a[static NETWORK_ADDRESSES_MAX]) {
	size_t n = 0;

	if (in_addr_prefix_parse(s->address.address, &a[n]) < 0)
		return 0;
	a[n++].prefix_len = s->prefix_len;
	for (char **i = s->addresses; i && *i && n < NETWORK_ADDRESSES_MAX; i++)
		if (in_addr_prefix_parse(*i, &a[n]) >= 0)
			n++;
	return n;
}

/* Address may be left out when Addresses has one: the first of those is
 * the network's Address then. Every address gets its prefix length, so
 * that the properties and the state file say what the device has. */
static int complete_addresses(NetworkSettings *s, sd_bus_error *error) {
	InAddrPrefix a[NETWORK_ADDRESSES_MAX];
	size_t n = strv_length(s->addresses) + !!s->address.address;
	InAddrPrefix first;

	if (n == 0)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "No address given: give one as the address argument or in Addresses.");
	if (n > NETWORK_ADDRESSES_MAX)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "%zu addresses given: a network has at most %u; give fewer.", n,
		                         NETWORK_ADDRESSES_MAX);
	if (!s->address.address) {
		_cleanup_free_ char *text = strv_take_first(s->addresses);

		(void) in_addr_prefix_parse(text, &first);
		if (first.prefix_len > 0 && s->prefix_len > 0 && first.prefix_len != s->prefix_len)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "PrefixLength %u disagrees with the address %s: give the prefix "
			                         "length once.", s->prefix_len, text);
		s->address.address = malloc(INET6_ADDRSTRLEN);
		if (!s->address.address)
			return -ENOMEM;
		in_addr_format(&first, s->address.address);
		s->prefix_len = first.prefix_len ?: s->prefix_len;
	}

	(void) in_addr_prefix_parse(s->address.address, &first);
	if (s->prefix_len == 0)
		s->prefix_len = first.family == AF_INET ? NETWORK_PREFIX_DEFAULT_IPV4 : NETWORK_PREFIX_DEFAULT_IPV6;
	if (s->prefix_len > in_addr_prefix_max(first.family))
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Invalid prefix length %u for %s: at most %u.",
		                         s->prefix_len, s->address.address, in_addr_prefix_max(first.family));

	for (char **i = s->addresses; i && *i; i++) {
		InAddrPrefix p;

		(void) in_addr_prefix_parse(*i, &p);
		if (p.prefix_len == 0) {
			p.prefix_len = p.family == AF_INET ? NETWORK_PREFIX_DEFAULT_IPV4 : NETWORK_PREFIX_DEFAULT_IPV6;
			free(*i);
			*i = malloc(IN_ADDR_PREFIX_STRING_MAX);
			if (!*i)
				return -ENOMEM;
			in_addr_prefix_format(&p, *i);
		}
	}
	n = network_addresses(s, a);
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (in_addr_equal(&a[i], &a[j])) {
				char text[INET6_ADDRSTRLEN];

				in_addr_format(&a[i], text);
				return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
				                         "The address %s is given twice: give each address once.", text);
			}
	return 0;
}

/* The gateways, Gateway first, then Gateways, at most max of them. */
static size_t network_gateways(const NetworkSettings *s, InAddrPrefix *g, size_t max) {
	size_t n = 0;

	if (s->gateway && in_addr_prefix_parse(s->gateway, &g[n]) >= 0)
		n++;
	for (char **i = s->gateways; i && *i && n < max; i++)
		if (in_addr_prefix_parse(*i, &g[n]) >= 0)
			n++;
	return n;
}

/* One gateway per family, each on the network of an address of its
 * family: the kernel would refuse the route with no word on why. Gateway
 * may be left out as Address may. */
static int complete_gateways(NetworkSettings *s, sd_bus_error *error) {
	InAddrPrefix a[NETWORK_ADDRESSES_MAX], g[TAP_GATEWAYS_MAX + 1];
	size_t n_a = network_addresses(s, a), n_g;

	if (!s->gateway && s->gateways && s->gateways[0])
		s->gateway = strv_take_first(s->gateways);
	/* Of three, two are of one family. */
	n_g = network_gateways(s, g, ELEMENTSOF(g));

	for (size_t i = 0; i < n_g; i++) {
		char text[INET6_ADDRSTRLEN], other[INET6_ADDRSTRLEN], network[IN_ADDR_PREFIX_STRING_MAX] = "";
		bool on_network = false;

		in_addr_format(&g[i], text);
		for (size_t j = 0; j < i; j++)
			if (g[j].family == g[i].family) {
				in_addr_format(&g[j], other);
				return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
				                         "Two %s gateways, %s and %s: a network has one default route "
				                         "per family; give one gateway of each family.",
				                         in_addr_family_name(g[i].family), other, text);
			}
		for (size_t j = 0; j < n_a; j++)
			if (a[j].family == g[i].family) {
				on_network = on_network || in_addr_prefix_covers(&a[j], &g[i]);
				if (!network[0])
					in_addr_prefix_format(&a[j], network);
			}
		if (!network[0])
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "Gateway %s is %s, but the network has no %s address: add one "
			                         "(Addresses), or give no such gateway.", text,
			                         in_addr_family_name(g[i].family), in_addr_family_name(g[i].family));
		if (!on_network)
			return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                         "Gateway %s is not on the network %s: give a gateway inside it, "
			                         "or none.", text, network);
	}
	s->default_route = n_g > 0 && s->default_route != 0;
	return 0;
}

static int network_complete(Daemon *d, void *settings, sd_bus_error *error) {
	NetworkSettings *s = settings;
	InAddrPrefix a[NETWORK_ADDRESSES_MAX];
	uint32_t mtu_min = NETWORK_MTU_MIN;
	Object *other;
	size_t n;
	int r;

	if (!s->device)
		return invalid(error, "Device", "");
	if (s->vsock_port == 0)
		return invalid(error, "VsockPort", "0");
	r = complete_addresses(s, error);
	if (r < 0)
		return r;
	r = complete_gateways(s, error);
	if (r < 0)
		return r;
	if (s->ipv6_link_local < 0)
		s->ipv6_link_local = true;

	n = network_addresses(s, a);
	for (size_t i = 0; i < n; i++)
		if (a[i].family == AF_INET6)
			mtu_min = NETWORK_MTU_MIN_IPV6;
	if (s->mtu == 0)
		s->mtu = NETWORK_MTU_DEFAULT;
	if (s->mtu < mtu_min || s->mtu > NETWORK_MTU_MAX)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Invalid MTU %u: use %u to %u.",
		                         s->mtu, mtu_min, NETWORK_MTU_MAX);

	if (!s->mac) {
		struct ether_addr mac;

		r = ether_addr_random(&mac);
		if (r < 0)
			return sd_bus_error_set_errnof(error, -r, "Failed to make a random MAC address: %m");
		s->mac = malloc(ETHER_ADDR_STRING_MAX);
		if (!s->mac)
			return -ENOMEM;
		ether_addr_format(&mac, s->mac);
	}
	if (s->metric == 0)
		s->metric = pick_metric(d);
	other = object_find_by(d, "VsockPort", s);
	if (other)
		return sd_bus_error_setf(error, BUS_ERROR_PORT_IN_USE,
		                         "Vsock port %u is used by network '%s'; pick another port.", s->vsock_port,
		                         other->key);
	return host_port_settings_complete(&s->host, s->vsock_port, true, error);
}

/* The device from complete settings: every value was checked there. */
static int network_setup(Object *o, int adopt_fd, Device **ret, sd_bus_error *error) {
	const NetworkSettings *s = network_settings(o);
	TapDeviceConfig c = { .name = s->device, .mtu = s->mtu, .metric = s->metric };

	c.n_addresses = network_addresses(s, c.addresses);
	if (s->default_route > 0)
		c.n_gateways = network_gateways(s, c.gateways, ELEMENTSOF(c.gateways));
	c.ipv6_link_local = s->ipv6_link_local != 0;
	(void) ether_addr_parse(s->mac, &c.mac);
	return device_tap_new(ret, o->daemon->nl, &c, adopt_fd, error);
}

static int network_append_row(sd_bus_message *reply, Object *o) {
	const NetworkSettings *s = network_settings(o);
	_cleanup_free_ char *address = NULL;

	if (asprintf(&address, "%s/%u", s->address.address, s->prefix_len) < 0)
		return -ENOMEM;
	return sd_bus_message_append(reply, "(susssso)", s->device, s->vsock_port, address, s->gateway ?: "",
	                             s->mac, host_port_state_to_string(host_port_get_state(o->port)), o->path);
}

const ObjectOps network_ops = {
	.complete = network_complete,
	.setup = network_setup,
	.append_row = network_append_row,
};

void network_update_resolv_conf(Daemon *d) {
	_cleanup_free_ char **servers = NULL;
	const char *path = resolv_conf_path(d);
	size_t n = 0, i = 0;
	int r;

	if (!path)
		return (void) log_error_errno(-ENOMEM, "Out of memory.");
	for (Object *o = d->objects; o; o = o->next)
		n += strv_length(network_settings(o)->dns);
	/* Without DNS servers from us, the file is not ours: as it was. */
	if (n == 0) {
		(void) resolv_conf_restore(path, d->state_dir);
		if (path == instance_resolv_conf)
			(void) rmdir(instance_dir);
		return;
	}
	if (path == instance_resolv_conf) {
		r = mkdir_parents(instance_dir, 0755);
		if (r < 0)
			return (void) log_error_errno(r, "Failed to create %s: %m", instance_dir);
	}

	servers = calloc(n + 1, sizeof(char *));
	if (!servers)
		return;
	for (Object *o = d->objects; o; o = o->next)
		for (char **s = network_settings(o)->dns; s && *s; s++)
			servers[i++] = *s;
	(void) resolv_conf_write(path, d->state_dir, servers);
}
