/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, s, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return AF_INET6;
	return -EINVAL;
}

int network_settings_check(const NetworkSettings *s, const char *origin, char error[static CONF_ERROR_MAX]) {
	const char *where = origin ?: "the command line";
	const char *address = s->address.address;

	if (!s->device) {
		snprintf(error, CONF_ERROR_MAX, "%s: no device given (Device=)", where);
		return -EINVAL;
	}
	if (!address) {
		snprintf(error, CONF_ERROR_MAX, "%s: no address given (Address=)", where);
		return -EINVAL;
	}
	if (s->prefix_len > 0 && s->address.prefix_len > 0 && s->prefix_len != s->address.prefix_len) {
		snprintf(error, CONF_ERROR_MAX, "%s: Prefix=%u disagrees with Address=%s/%u", where, s->prefix_len,
		         address, s->address.prefix_len);
		return -EINVAL;
	}
	if (s->prefix_len > 32 && ip_family(address) == AF_INET) {
		snprintf(error, CONF_ERROR_MAX, "%s: Prefix=%u is too long for the IPv4 address %s", where,
		         s->prefix_len, address);
		return -EINVAL;
	}
	if (s->gateway && ip_family(s->gateway) != ip_family(address)) {
		snprintf(error, CONF_ERROR_MAX, "%s: gateway %s and address %s are of different families", where,
		         s->gateway, address);
		return -EINVAL;
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
