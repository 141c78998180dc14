/* SPDX-License-Identifier: Apache-2.0 */

/*
 * org.arca.Forwarder1: the Manager object and one Network object per
 * attached network. Mutating methods are for root; everything else is for
 * everyone. The contract is dbus/org.arca.Forwarder1.*.xml.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manager.h"

static int method_attach_network(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Manager *manager = userdata;
	const char *device, *address, *gateway;
	uint32_t port, prefix_len;
	NetworkOptions options;
	NetworkConfig config = { .listen_fd = -1 };
	Network *n;
	int r;

	r = bus_verify_root(m, "attach networks", error);
	if (r < 0)
		return r;

	r = sd_bus_message_read(m, "sussu", &device, &port, &address, &gateway, &prefix_len);
	if (r < 0)
		return r;

	network_options_init(&options);
	r = bus_read_options(m, network_options_table, &options, error);
	if (r >= 0)
		r = network_config_new(&config, device, port, address, gateway, prefix_len, &options, error);
	network_options_done(&options);
	if (r < 0)
		return r;

	r = manager_attach(manager, &config, &n, error);
	network_config_done(&config);
	if (r < 0)
		return r;

	return sd_bus_reply_method_return(m, "os", n->path, n->config.mac_string);
}

static int method_detach_network(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Manager *manager = userdata;
	const char *device;
	Network *n;
	int r;

	r = bus_verify_root(m, "detach networks", error);
	if (r < 0)
		return r;

	r = sd_bus_message_read(m, "s", &device);
	if (r < 0)
		return r;

	n = manager_find_network(manager, device);
	if (!n)
		return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_NETWORK,
		                         "No network is attached as '%s'; 'arcactl list' shows "
		                         "the attached ones.", device);

	manager_detach(manager, n);
	return sd_bus_reply_method_return(m, NULL);
}

static int method_list_networks(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	Manager *manager = userdata;
	int r;

	r = sd_bus_message_new_method_return(m, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_open_container(reply, 'a', "(susssso)");
	if (r < 0)
		return r;

	for (Network *n = manager->networks; n; n = n->next) {
		_cleanup_free_ char *address = NULL;

		if (asprintf(&address, "%s/%u", n->config.address_string, n->config.prefix_len) < 0)
			return -ENOMEM;
		r = sd_bus_message_append(reply, "(susssso)", n->config.device, n->config.vsock_port,
		                          address, n->config.gateway_string, n->config.mac_string,
		                          network_state_to_string(n->state), n->path);
		if (r < 0)
			return r;
	}

	r = sd_bus_message_close_container(reply);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

static int method_get_status(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Manager *manager = userdata;
	LinkCounters to_host = {}, from_host = {};
	uint64_t now = 0;

	for (Network *n = manager->networks; n; n = n->next) {
		const LinkCounters *t = &n->stats.to_stream, *f = &n->stats.to_device;

		to_host.frames += t->frames;
		to_host.bytes += t->bytes;
		to_host.drops += t->drops;
		to_host.errors += t->errors + t->protocol_errors;
		from_host.frames += f->frames;
		from_host.bytes += f->bytes;
		from_host.drops += f->drops;
		from_host.errors += f->errors + f->protocol_errors;
	}
	(void) sd_event_now(manager->event, CLOCK_MONOTONIC, &now);

	return sd_bus_reply_method_return(m, "suttttttt", ARCA_VERSION, manager->n_networks,
	                                  now - manager->start_usec, to_host.frames, to_host.bytes,
	                                  from_host.frames, from_host.bytes,
	                                  to_host.drops + from_host.drops,
	                                  to_host.errors + from_host.errors);
}

static int property_version(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error) {
	return sd_bus_message_append(reply, "s", ARCA_VERSION);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("NetworkCount", "u", NULL, offsetof(Manager, n_networks), 0),
	SD_BUS_METHOD_WITH_NAMES("AttachNetwork", "sussua{sv}",
	                         SD_BUS_PARAM(device) SD_BUS_PARAM(vsock_port) SD_BUS_PARAM(address)
	                         SD_BUS_PARAM(gateway) SD_BUS_PARAM(prefix_len) SD_BUS_PARAM(options),
	                         "os", SD_BUS_PARAM(network) SD_BUS_PARAM(mac),
	                         method_attach_network, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("DetachNetwork", "s", SD_BUS_PARAM(device), NULL,,
	                         method_detach_network, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("ListNetworks", NULL,, "a(susssso)", SD_BUS_PARAM(networks),
	                         method_list_networks, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("GetStatus", NULL,, "suttttttt",
	                         SD_BUS_PARAM(version) SD_BUS_PARAM(networks) SD_BUS_PARAM(uptime_usec)
	                         SD_BUS_PARAM(frames_to_host) SD_BUS_PARAM(bytes_to_host)
	                         SD_BUS_PARAM(frames_from_host) SD_BUS_PARAM(bytes_from_host)
	                         SD_BUS_PARAM(drops) SD_BUS_PARAM(errors),
	                         method_get_status, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

static int property_state(sd_bus *bus, const char *path, const char *interface,
                          const char *property, sd_bus_message *reply, void *userdata,
                          sd_bus_error *error) {
	Network *n = userdata;

	return sd_bus_message_append(reply, "s", network_state_to_string(n->state));
}

static int property_peer(sd_bus *bus, const char *path, const char *interface,
                         const char *property, sd_bus_message *reply, void *userdata,
                         sd_bus_error *error) {
	Network *n = userdata;
	char buf[PEER_STRING_MAX];

	network_format_peer(n, buf, sizeof(buf));
	return sd_bus_message_append(reply, "s", buf);
}

static int property_peer_cid(sd_bus *bus, const char *path, const char *interface,
                             const char *property, sd_bus_message *reply, void *userdata,
                             sd_bus_error *error) {
	Network *n = userdata;
	bool vsock = n->state == NETWORK_CONNECTED && n->peer.family == AF_VSOCK;

	/* VMADDR_CID_ANY while no vsock peer is connected. */
	return sd_bus_message_append(reply, "u", vsock ? n->peer.cid : VMADDR_CID_ANY);
}

static int property_dns(sd_bus *bus, const char *path, const char *interface,
                        const char *property, sd_bus_message *reply, void *userdata,
                        sd_bus_error *error) {
	Network *n = userdata;

	return sd_bus_message_append_strv(reply, n->config.dns ?: (char *[]) { NULL });
}

static int method_capture(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Network *n = userdata;

	return bus_method_capture(m, n->manager->event, n->config.device, &n->capture, error);
}

#define COUNTER(name, field) \
	SD_BUS_PROPERTY(name, "t", NULL, offsetof(Network, field), 0)

static const sd_bus_vtable network_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Device", "s", NULL, offsetof(Network, config.device), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("VsockPort", "u", NULL, offsetof(Network, config.vsock_port), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Listen", "s", NULL, offsetof(Network, listen_string), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Address", "s", NULL, offsetof(Network, config.address_string), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("PrefixLength", "u", NULL, offsetof(Network, config.prefix_len), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Gateway", "s", NULL, offsetof(Network, config.gateway_string), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("DefaultRoute", "b", NULL, offsetof(Network, config.default_route), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("LockMAC", "b", NULL, offsetof(Network, config.lock_mac), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("AllowedPeers", "au", bus_property_get_allowlist, offsetof(Network, config.allowed_peers),
	                SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("MAC", "s", NULL, offsetof(Network, config.mac_string), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("MTU", "u", NULL, offsetof(Network, config.mtu), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Framing", "s", bus_property_get_framing, offsetof(Network, config.framing), SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("DNS", "as", property_dns, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("State", "s", property_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Peer", "s", property_peer, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("PeerCID", "u", property_peer_cid, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Connections", "t", NULL, offsetof(Network, connections), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Refused", "t", NULL, offsetof(Network, refused), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	COUNTER("FramesToHost", stats.to_stream.frames),
	COUNTER("BytesToHost", stats.to_stream.bytes),
	COUNTER("ErrorsToHost", stats.to_stream.errors),
	COUNTER("DropsToHost", stats.to_stream.drops),
	COUNTER("FramesFromHost", stats.to_device.frames),
	COUNTER("BytesFromHost", stats.to_device.bytes),
	COUNTER("ErrorsFromHost", stats.to_device.errors),
	COUNTER("DropsFromHost", stats.to_device.drops),
	COUNTER("ProtocolErrors", stats.to_device.protocol_errors),
	SD_BUS_METHOD_WITH_NAMES("Capture", "a{sv}", SD_BUS_PARAM(options), "h", SD_BUS_PARAM(pipe),
	                         method_capture, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

static int network_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                        void **found, sd_bus_error *error) {
	_cleanup_free_ char *device = NULL;
	Network *n;
	int r;

	r = sd_bus_path_decode(path, FORWARDER_NETWORK_PREFIX, &device);
	if (r <= 0)
		return r;
	n = manager_find_network(userdata, device);
	if (!n)
		return 0;
	*found = n;
	return 1;
}

static int network_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                             sd_bus_error *error) {
	Manager *m = userdata;
	char **l;
	size_t i = 0;

	l = calloc(m->n_networks + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (Network *n = m->networks; n; n = n->next) {
		l[i] = strdup(n->path);
		if (!l[i]) {
			strv_free(l);
			return -ENOMEM;
		}
		i++;
	}
	*nodes = l;
	return 0;
}

int forwarder_bus_setup(sd_bus *bus, void *userdata) {
	int r;

	r = sd_bus_add_object_vtable(bus, NULL, FORWARDER_PATH, FORWARDER_MANAGER_INTERFACE,
	                             manager_vtable, userdata);
	if (r < 0)
		return log_error_errno(r, "Failed to register manager object: %m");
	r = sd_bus_add_fallback_vtable(bus, NULL, FORWARDER_NETWORK_PREFIX, FORWARDER_NETWORK_INTERFACE,
	                               network_vtable, network_find, userdata);
	if (r < 0)
		return log_error_errno(r, "Failed to register network objects: %m");
	r = sd_bus_add_node_enumerator(bus, NULL, FORWARDER_NETWORK_PREFIX, network_enumerate, userdata);
	if (r < 0)
		return log_error_errno(r, "Failed to register network enumerator: %m");
	r = sd_bus_add_object_manager(bus, NULL, FORWARDER_PATH);
	if (r < 0)
		return log_error_errno(r, "Failed to register object manager: %m");
	return 0;
}
