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

/* Whether b is on the network a/prefix_len. */
static bool same_network(int family, const char *a, const char *b, unsigned prefix_len) {
	uint8_t x[sizeof(struct in6_addr)], y[sizeof(struct in6_addr)];

	if (inet_pton(family, a, x) != 1 || inet_pton(family, b, y) != 1)
		return false;
	for (unsigned bit = 0; bit < prefix_len; bit++)
		if ((x[bit / 8] ^ y[bit / 8]) & (0x80U >> (bit % 8)))
			return false;
	return true;
}

static int network_complete(Daemon *d, void *settings, sd_bus_error *error) {
	NetworkSettings *s = settings;
	union in_addr_union ignored;
	unsigned max_prefix;
	uint32_t mtu_min;
	Object *other;
	int family, r;

	if (!s->device)
		return invalid(error, "Device", "");
	if (s->vsock_port == 0)
		return invalid(error, "VsockPort", "0");
	if (!s->address.address)
		return invalid(error, "Address", "");
	family = inet_pton(AF_INET, s->address.address, &ignored) == 1 ? AF_INET : AF_INET6;

	max_prefix = family == AF_INET ? 32U : 128U;
	if (s->prefix_len == 0)
		s->prefix_len = family == AF_INET ? NETWORK_PREFIX_DEFAULT_IPV4 : NETWORK_PREFIX_DEFAULT_IPV6;
	if (s->prefix_len > max_prefix)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Invalid prefix length %u for %s: at most %u.",
		                         s->prefix_len, s->address.address, max_prefix);

	if (s->gateway && (inet_pton(family, s->gateway, &ignored) != 1))
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Gateway %s and address %s are of different families: "
		                         "give both as IPv4 or both as IPv6.", s->gateway, s->address.address);
	/* The kernel would refuse the route with no word on why. */
	if (s->gateway && !same_network(family, s->address.address, s->gateway, s->prefix_len))
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Gateway %s is not on the network %s/%u: give a gateway inside it, "
		                         "or none.", s->gateway, s->address.address, s->prefix_len);
	s->default_route = s->gateway && s->default_route != 0;

	mtu_min = family == AF_INET6 ? NETWORK_MTU_MIN_IPV6 : NETWORK_MTU_MIN;
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

	c.family = inet_pton(AF_INET, s->address.address, &c.address) == 1 ? AF_INET : AF_INET6;
	if (c.family == AF_INET6)
		(void) inet_pton(AF_INET6, s->address.address, &c.address);
	c.prefix_len = s->prefix_len;
	c.default_route = s->default_route > 0;
	if (c.default_route)
		(void) inet_pton(c.family, s->gateway, &c.gateway);
	(void) ether_addr_parse(s->mac, &c.mac);
	/* With vnet framing, TSO frames go to the host whole. */
	c.offload = s->host.framing == FRAMING_VNET;
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
