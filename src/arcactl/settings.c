/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "in-addr.h"
#include "settings.h"

void network_settings_init(NetworkSettings *s) {
	*s = (NetworkSettings) {};
	fields_init(network_fields, s);
}

void network_settings_done(NetworkSettings *s) {
	fields_done(network_fields, s);
}

void relay_settings_init(RelaySettings *s) {
	*s = (RelaySettings) {};
	fields_init(relay_fields, s);
}

void relay_settings_done(RelaySettings *s) {
	fields_done(relay_fields, s);
}

int settings_set(const Field *table, void *settings, const char *key, const char *value) {
	return fields_set(table, FIELD_SETTING, settings, key, value);
}

int settings_load(const Field *table, void *settings, const char *path, char error[static CONF_ERROR_MAX]) {
	bool optional = path[0] == '-';
	int r;

	r = fields_parse_file(path + optional, table, FIELD_SETTING, settings, error);
	if (r == -ENOENT && optional)
		return 0;
	return r;
}

static int ip_family(const char *s) {
	InAddrPrefix p;

	return in_addr_prefix_parse(s, &p) < 0 ? -EINVAL : p.family;
}

/* Whether an address of the settings is of family. */
static bool has_family(const NetworkSettings *s, int family) {
	if (s->address.address && ip_family(s->address.address) == family)
		return true;
	for (char **i = s->addresses; i && *i; i++)
		if (ip_family(*i) == family)
			return true;
	return false;
}

static int check_gateway(const NetworkSettings *s, const char *gateway, const char *where,
                         char error[static CONF_ERROR_MAX]) {
	int family = ip_family(gateway);

	if (family < 0 || has_family(s, family))
		return 0;
	if (s->address.address && strv_length(s->addresses) == 0)
		snprintf(error, CONF_ERROR_MAX, "%s: gateway %s and address %s are of different families", where,
		         gateway, s->address.address);
	else
		snprintf(error, CONF_ERROR_MAX, "%s: gateway %s is %s, but no address is (Address=, Addresses=)",
		         where, gateway, in_addr_family_name(family));
	return -EINVAL;
}

int network_settings_check(const NetworkSettings *s, const char *origin, char error[static CONF_ERROR_MAX]) {
	const char *where = origin ?: "the command line";
	const char *address = s->address.address;
	int r;

	if (!s->device) {
		snprintf(error, CONF_ERROR_MAX, "%s: no device given (Device=)", where);
		return -EINVAL;
	}
	if (!address && strv_length(s->addresses) == 0) {
		snprintf(error, CONF_ERROR_MAX, "%s: no address given (Address= or Addresses=)", where);
		return -EINVAL;
	}
	if (address && s->prefix_len > 0 && s->address.prefix_len > 0 && s->prefix_len != s->address.prefix_len) {
		snprintf(error, CONF_ERROR_MAX, "%s: Prefix=%u disagrees with Address=%s/%u", where, s->prefix_len,
		         address, s->address.prefix_len);
		return -EINVAL;
	}
	if (address && s->prefix_len > 32 && ip_family(address) == AF_INET) {
		snprintf(error, CONF_ERROR_MAX, "%s: Prefix=%u is too long for the IPv4 address %s", where,
		         s->prefix_len, address);
		return -EINVAL;
	}
	if (s->gateway) {
		r = check_gateway(s, s->gateway, where, error);
		if (r < 0)
			return r;
	}
	for (char **i = s->gateways; i && *i; i++) {
		r = check_gateway(s, *i, where, error);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The call from a copy that says what the daemon reads: the port, the
 * prefix of "ADDRESS/PREFIX" as the prefix argument, no Listen where a
 * socket is passed. The copy shares the original's allocations. */
int network_settings_append(sd_bus_message *m, uint32_t port, const NetworkSettings *s) {
	NetworkSettings call = *s;

	call.vsock_port = port;
	call.prefix_len = s->address.prefix_len ?: s->prefix_len;
	if (call.host.listen_fd >= 0)
		call.host.listen = NULL;
	return fields_append_call(m, network_fields, &call);
}

int relay_settings_append(sd_bus_message *m, uint32_t port, const RelaySettings *s) {
	RelaySettings call = *s;

	call.vsock_port = port;
	if (call.host.listen_fd >= 0)
		call.host.listen = NULL;
	return fields_append_call(m, relay_fields, &call);
}

int parse_vsock_port(const char *s, uint32_t *ret) {
	uint32_t v;

	if (conf_parse_u32(s, &v) < 0 || v == 0 || v > VSOCK_PORT_MAX)
		return -EINVAL;
	*ret = v;
	return 0;
}
