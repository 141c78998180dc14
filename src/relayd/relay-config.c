/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <linux/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "relay-config.h"

#define invalid(error, ...) sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, __VA_ARGS__)

const BusOption relay_options_table[] = {
	{ "IfaceId", "s", bus_option_string, offsetof(RelayOptions, iface_id) },
	{ "NetworkId", "s", bus_option_string, offsetof(RelayOptions, network_id) },
	{ "ContainerId", "s", bus_option_string, offsetof(RelayOptions, container_id) },
	{ "MTU", "u", bus_option_u32, offsetof(RelayOptions, mtu) },
	{ "Backend", "s", bus_option_string, offsetof(RelayOptions, backend) },
	{ "Framing", "s", bus_option_string, offsetof(RelayOptions, framing) },
	{ "Listen", "s", bus_option_string, offsetof(RelayOptions, listen) },
	{ "ListenFD", "h", bus_option_fd, offsetof(RelayOptions, listen_fd) },
	{ "RateLimit", "t", bus_option_u64, offsetof(RelayOptions, rate_limit) },
	{ "LockMAC", "b", bus_option_bool, offsetof(RelayOptions, lock_mac) },
	{ "AllowedPeers", "au", bus_option_allowlist, offsetof(RelayOptions, allowed_peers) },
	{}
};

void relay_options_init(RelayOptions *o) {
	*o = (RelayOptions) { .listen_fd = -1, .lock_mac = -1 };
}

void relay_options_done(RelayOptions *o) {
	free(o->iface_id);
	free(o->network_id);
	free(o->container_id);
	free(o->backend);
	free(o->framing);
	free(o->listen);
	safe_close(o->listen_fd);
	relay_options_init(o);
}

const char *relay_backend_to_string(RelayBackend b) {
	return b == RELAY_BACKEND_BRIDGE ? "bridge" : "ovs";
}

/* Names OVS and the kernel both accept, and that are safe in ovs-vsctl
 * arguments: letters, digits, '-', '_', '.'. */
static int name_check(const char *name) {
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char) *p) && !strchr("-_.", *p))
			return -EINVAL;
	return 0;
}

/* Ids go into external-ids: no quotes or backslashes that would need
 * escaping there. */
static int id_check(const char *id) {
	if (strlen(id) > 255)
		return -EINVAL;
	for (const char *p = id; *p; p++)
		if (!isprint((unsigned char) *p) || *p == '"' || *p == '\\')
			return -EINVAL;
	return 0;
}

static char *strdup_or_empty(const char *s) {
	return strdup(s ?: "");
}

int relay_config_new(RelayConfig *ret, uint32_t vsock_port, const char *bridge,
                     const char *port_name, const char *mac, uint32_t vlan,
                     RelayOptions *o, sd_bus_error *error) {
	RelayConfig c = { .listen_fd = -1 };
	char default_name[IFNAMSIZ];
	struct ether_addr ea;

	if (vsock_port == 0 || vsock_port == VMADDR_PORT_ANY)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Invalid vsock port %u: use 1 to 4294967294.", vsock_port);

	if (isempty_str(bridge))
		bridge = RELAY_BRIDGE_DEFAULT;
	if (name_check(bridge) < 0)
		return invalid(error, "Invalid bridge name '%s': use 1 to 15 letters, digits, "
		               "'-', '_' or '.'.", bridge);

	if (isempty_str(port_name)) {
		snprintf(default_name, sizeof(default_name), "arca%u", vsock_port);
		port_name = default_name;
	}
	if (name_check(port_name) < 0)
		return invalid(error, "Invalid port name '%s': use 1 to 15 letters, digits, "
		               "'-', '_' or '.'.", port_name);

	if (o->lock_mac > 0 && isempty_str(mac))
		return invalid(error, "LockMAC needs the container's MAC: give one, or LockMAC=false.");

	if (!isempty_str(mac) && ether_addr_parse(mac, &ea) < 0)
		return invalid(error, "Invalid MAC '%s': give a unicast address as six hex "
		               "octets, e.g. 02:42:ac:12:00:02, or an empty string.", mac);

	if (vlan > RELAY_VLAN_MAX)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Invalid VLAN %u: use 1 to %u, or 0 for untagged.", vlan, RELAY_VLAN_MAX);

	if (o->mtu != 0 && (o->mtu < RELAY_MTU_MIN || o->mtu > RELAY_MTU_MAX))
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Invalid MTU %u: use %u to %u.", o->mtu, RELAY_MTU_MIN, RELAY_MTU_MAX);

	if (!o->backend || strcmp(o->backend, "ovs") == 0)
		c.backend = RELAY_BACKEND_OVS;
	else if (strcmp(o->backend, "bridge") == 0)
		c.backend = RELAY_BACKEND_BRIDGE;
	else
		return invalid(error, "Unknown backend '%s': use ovs or bridge.", o->backend);

	if (c.backend == RELAY_BACKEND_BRIDGE && vlan != 0)
		return invalid(error, "VLAN %u needs Backend=ovs: a Linux bridge port is untagged.", vlan);

	c.framing = o->framing ? framing_from_string(o->framing) : FRAMING_LENGTH32;
	if (c.framing < 0)
		return invalid(error, "Unknown framing '%s': use length32 or vnet.", o->framing);

	const char *ids[] = { o->iface_id, o->network_id, o->container_id };
	for (size_t i = 0; i < ELEMENTSOF(ids); i++)
		if (ids[i] && id_check(ids[i]) < 0)
			return invalid(error, "Invalid id '%s': use printable characters without "
			               "quotes or backslashes, at most 255.", ids[i]);

	if (o->listen && o->listen_fd >= 0)
		return sd_bus_error_set(error, BUS_ERROR_INVALID_ARGUMENT,
		                        "Give either Listen or ListenFD, not both.");
	if (o->listen) {
		if (socket_address_parse(&c.listen, o->listen) < 0)
			return invalid(error, "Invalid Listen address '%s': use vsock:CID:PORT, "
			               "vsock::PORT, an absolute socket path or @abstract-name.", o->listen);
	} else if (o->listen_fd < 0)
		(void) socket_address_vsock(&c.listen, VMADDR_CID_ANY, vsock_port);

	c.vsock_port = vsock_port;
	c.bridge = strdup(bridge);
	c.port_name = strdup(port_name);
	c.mac = strdup_or_empty(mac);
	c.vlan = vlan;
	c.iface_id = strdup(o->iface_id ?: port_name);
	c.network_id = strdup_or_empty(o->network_id);
	c.container_id = strdup_or_empty(o->container_id);
	c.mtu = o->mtu;
	c.rate_limit = o->rate_limit;
	/* With a MAC, the container's frames are locked to it unless told not. */
	c.lock_mac = !isempty_str(mac) && o->lock_mac != 0;
	c.allowed_peers = o->allowed_peers;
	if (!isempty_str(mac))
		c.mac_addr = ea;
	if (!c.bridge || !c.port_name || !c.mac || !c.iface_id || !c.network_id || !c.container_id) {
		relay_config_done(&c);
		return -ENOMEM;
	}
	c.listen_fd = TAKE_FD(o->listen_fd);

	*ret = c;
	return 0;
}

void relay_config_done(RelayConfig *c) {
	free(c->bridge);
	free(c->port_name);
	free(c->mac);
	free(c->iface_id);
	free(c->network_id);
	free(c->container_id);
	safe_close(c->listen_fd);
	*c = (RelayConfig) { .listen_fd = -1 };
}
