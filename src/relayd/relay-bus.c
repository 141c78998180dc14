/* SPDX-License-Identifier: Apache-2.0 */

/*
 * org.arca.Relay1: the Manager object and one Relay object per relay.
 * Mutating methods are for root; everything else is for everyone. The
 * contract is dbus/org.arca.Relay1.*.xml.
 *
 * StartRelay asks OVS whether the bridge exists before it answers, and
 * StopRelay answers once the port is deleted: both reply asynchronously,
 * so the loop never waits for ovs-vsctl.
 */

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manager.h"
#include "netdev.h"

/* A StartRelay waiting for br-exists. */
typedef struct PendingStart {
	Manager *manager;
	sd_bus_message *message;
	RelayConfig config;
	OvsCommand *check;
} PendingStart;

static PendingStart *pending_start_free(PendingStart *p) {
	if (!p)
		return NULL;
	ovs_command_free(p->check);
	sd_bus_message_unref(p->message);
	relay_config_done(&p->config);
	free(p);
	return NULL;
}
DEFINE_POINTER_CLEANUP(PendingStart, pending_start_free);

/* Makes the relay and answers the call. */
static int start_relay_finish(Manager *m, sd_bus_message *message, RelayConfig *config) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	Relay *r;
	int k;

	/* Asked twice while the first asked OVS. */
	if (manager_find_relay(m, config->vsock_port))
		return sd_bus_reply_method_errorf(message, BUS_ERROR_ALREADY_STARTED,
		                                  "A relay is started on vsock port %u already.",
		                                  config->vsock_port);

	k = relay_new(&r, m, config, NULL, &error);
	if (k < 0)
		return sd_bus_error_is_set(&error) ? sd_bus_reply_method_error(message, &error)
		                                   : sd_bus_reply_method_errno(message, k, NULL);
	manager_add_relay(m, r);
	return sd_bus_reply_method_return(message, "o", r->path);
}

static void on_bridge_checked(OvsCommand *c, int status, const char *out, const char *err, void *userdata) {
	/* Frees the command, and with it out and err, on return. */
	_cleanup_(pending_start_freep) PendingStart *p = userdata;
	const char *bridge = p->config.bridge;

	if (status == 0)
		(void) start_relay_finish(p->manager, p->message, &p->config);
	else if (status == 2)
		(void) sd_bus_reply_method_errorf(p->message, BUS_ERROR_NO_SUCH_BRIDGE,
		                                  "Bridge '%s' does not exist in Open vSwitch; it must exist "
		                                  "before relays use it (ovs-vsctl add-br %s).", bridge, bridge);
	else if (status == -ENOENT)
		(void) sd_bus_reply_method_errorf(p->message, BUS_ERROR_OVS_FAILED,
		                                  "Cannot run %s: install Open vSwitch, or start the relay "
		                                  "with Backend=bridge.", p->manager->ovs.vsctl ?: OVS_VSCTL_DEFAULT);
	else if (status == -ETIMEDOUT)
		(void) sd_bus_reply_method_errorf(p->message, BUS_ERROR_OVS_FAILED,
		                                  "ovs-vsctl timed out: is ovsdb-server running?");
	else {
		log_error("ovs-vsctl br-exists %s failed: %s", bridge, err);
		(void) sd_bus_reply_method_errorf(p->message, BUS_ERROR_OVS_FAILED,
		                                  "ovs-vsctl failed checking bridge '%s': %s", bridge,
		                                  err[0] ? err : "no output");
	}
}

static int method_start_relay(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Manager *manager = userdata;
	_cleanup_(pending_start_freep) PendingStart *p = NULL;
	const char *bridge, *port_name, *mac;
	uint32_t port, vlan;
	RelayOptions options;
	RelayConfig config = { .listen_fd = -1 };
	int k;

	k = bus_verify_root(m, "start relays", error);
	if (k < 0)
		return k;

	k = sd_bus_message_read(m, "usssu", &port, &bridge, &port_name, &mac, &vlan);
	if (k < 0)
		return k;

	relay_options_init(&options);
	k = bus_read_options(m, relay_options_table, &options, error);
	if (k >= 0)
		k = relay_config_new(&config, port, bridge, port_name, mac, vlan, &options, error);
	relay_options_done(&options);
	if (k < 0)
		return k;

	if (manager_find_relay(manager, port)) {
		relay_config_done(&config);
		return sd_bus_error_setf(error, BUS_ERROR_ALREADY_STARTED,
		                         "A relay is started on vsock port %u already; stop it first.", port);
	}
	for (Relay *r = manager->relays; r; r = r->next)
		if (strcmp(r->config.port_name, config.port_name) == 0) {
			k = sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
			                      "Port name '%s' is used by the relay on vsock port %u; "
			                      "pick another.", config.port_name, r->config.vsock_port);
			relay_config_done(&config);
			return k;
		}

	if (config.backend == RELAY_BACKEND_BRIDGE) {
		k = netdev_is_bridge(manager->nl, config.bridge);
		if (k < 0) {
			k = sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_BRIDGE,
			                      k == -ENOTDIR ? "'%s' is not a Linux bridge; Backend=bridge needs one."
			                                    : "Bridge '%s' does not exist; it must exist before "
			                                      "relays use it (ip link add NAME type bridge).",
			                      config.bridge);
			relay_config_done(&config);
			return k;
		}
		k = start_relay_finish(manager, m, &config);
		relay_config_done(&config);
		return k;
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		relay_config_done(&config);
		return -ENOMEM;
	}
	p->manager = manager;
	p->message = sd_bus_message_ref(m);
	p->config = config;

	k = ovs_command_run(&p->check, manager->event, ovs_argv_br_exists(&manager->ovs, p->config.bridge),
	                    manager->ovs.timeout_sec ?: OVS_TIMEOUT_SEC_DEFAULT, on_bridge_checked, p);
	if (k < 0)
		return sd_bus_error_setf(error, BUS_ERROR_OVS_FAILED, "Cannot run ovs-vsctl: %s.", strerror(-k));
	TAKE_PTR(p);
	return 1;   /* answered when OVS has */
}

static int method_stop_relay(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Manager *manager = userdata;
	uint32_t port;
	Relay *r;
	int k;

	k = bus_verify_root(m, "stop relays", error);
	if (k < 0)
		return k;

	k = sd_bus_message_read(m, "u", &port);
	if (k < 0)
		return k;

	r = manager_find_relay(manager, port);
	if (!r)
		return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_RELAY,
		                         "No relay is started on vsock port %u; 'arcactl relay list' "
		                         "shows the started ones.", port);
	if (r->state == RELAY_STOPPING)
		return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_RELAY,
		                         "The relay on vsock port %u is being stopped already.", port);

	relay_stop(r, m);
	return 1;
}

static int method_list_relays(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	Manager *manager = userdata;
	int k;

	k = sd_bus_message_new_method_return(m, &reply);
	if (k < 0)
		return k;
	k = sd_bus_message_open_container(reply, 'a', "(usssuso)");
	if (k < 0)
		return k;
	for (Relay *r = manager->relays; r; r = r->next) {
		k = sd_bus_message_append(reply, "(usssuso)", r->config.vsock_port, r->config.bridge,
		                          r->config.port_name, r->config.mac, r->config.vlan,
		                          relay_state_to_string(r->state), r->path);
		if (k < 0)
			return k;
	}
	k = sd_bus_message_close_container(reply);
	if (k < 0)
		return k;
	return sd_bus_send(NULL, reply, NULL);
}

static int method_get_stats(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Manager *manager = userdata;
	LinkCounters to_host = {}, from_host = {};
	uint64_t refused = 0;
	uint32_t connected = 0;

	for (Relay *r = manager->relays; r; r = r->next) {
		const LinkCounters *t = &r->stats.to_stream, *f = &r->stats.to_device;

		connected += r->state == RELAY_CONNECTED;
		refused += r->refused;
		to_host.frames += t->frames;
		to_host.bytes += t->bytes;
		to_host.drops += t->drops;
		to_host.errors += t->errors + t->protocol_errors;
		from_host.frames += f->frames;
		from_host.bytes += f->bytes;
		from_host.drops += f->drops;
		from_host.errors += f->errors + f->protocol_errors;
	}
	return sd_bus_reply_method_return(m, "uuttttttt", manager->n_relays, connected,
	                                  to_host.frames, to_host.bytes, from_host.frames, from_host.bytes,
	                                  to_host.drops + from_host.drops,
	                                  to_host.errors + from_host.errors, refused);
}

static int property_version(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error) {
	return sd_bus_message_append(reply, "s", ARCA_VERSION);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("RelayCount", "u", NULL, offsetof(Manager, n_relays), 0),
	SD_BUS_METHOD_WITH_NAMES("StartRelay", "usssua{sv}",
	                         SD_BUS_PARAM(vsock_port) SD_BUS_PARAM(bridge) SD_BUS_PARAM(port_name)
	                         SD_BUS_PARAM(mac) SD_BUS_PARAM(vlan) SD_BUS_PARAM(options),
	                         "o", SD_BUS_PARAM(relay),
	                         method_start_relay, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("StopRelay", "u", SD_BUS_PARAM(vsock_port), NULL,,
	                         method_stop_relay, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("ListRelays", NULL,, "a(usssuso)", SD_BUS_PARAM(relays),
	                         method_list_relays, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_NAMES("GetStats", NULL,, "uuttttttt",
	                         SD_BUS_PARAM(relays) SD_BUS_PARAM(connected)
	                         SD_BUS_PARAM(frames_to_host) SD_BUS_PARAM(bytes_to_host)
	                         SD_BUS_PARAM(frames_from_host) SD_BUS_PARAM(bytes_from_host)
	                         SD_BUS_PARAM(drops) SD_BUS_PARAM(errors) SD_BUS_PARAM(refused),
	                         method_get_stats, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

static int property_state(sd_bus *bus, const char *path, const char *interface,
                          const char *property, sd_bus_message *reply, void *userdata,
                          sd_bus_error *error) {
	Relay *r = userdata;

	return sd_bus_message_append(reply, "s", relay_state_to_string(r->state));
}

static int property_backend(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error) {
	Relay *r = userdata;

	return sd_bus_message_append(reply, "s", relay_backend_to_string(r->config.backend));
}

static bool relay_has_host(const Relay *r) {
	return r->conn_fd >= 0;
}

static int property_peer(sd_bus *bus, const char *path, const char *interface,
                         const char *property, sd_bus_message *reply, void *userdata,
                         sd_bus_error *error) {
	Relay *r = userdata;
	char buf[PEER_STRING_MAX] = "";

	if (relay_has_host(r))
		peer_format(&r->peer, buf, sizeof(buf));
	return sd_bus_message_append(reply, "s", buf);
}

static int property_peer_cid(sd_bus *bus, const char *path, const char *interface,
                             const char *property, sd_bus_message *reply, void *userdata,
                             sd_bus_error *error) {
	Relay *r = userdata;
	bool vsock = relay_has_host(r) && r->peer.family == AF_VSOCK;

	return sd_bus_message_append(reply, "u", vsock ? r->peer.cid : VMADDR_CID_ANY);
}

static int property_last_error(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error) {
	Relay *r = userdata;

	return sd_bus_message_append(reply, "s", r->last_error ?: "");
}

static int method_capture(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	Relay *r = userdata;
	char name[sizeof("relay 4294967295")];

	snprintf(name, sizeof(name), "relay %u", r->config.vsock_port);
	return bus_method_capture(m, r->manager->event, name, &r->capture, error);
}

#define COUNTER(name, field) SD_BUS_PROPERTY(name, "t", NULL, offsetof(Relay, field), 0)
#define SETTING(name, sig, field) \
	SD_BUS_PROPERTY(name, sig, NULL, offsetof(Relay, field), SD_BUS_VTABLE_PROPERTY_CONST)

static const sd_bus_vtable relay_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SETTING("VsockPort", "u", config.vsock_port),
	SETTING("Listen", "s", listen_string),
	SD_BUS_PROPERTY("Backend", "s", property_backend, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SETTING("Bridge", "s", config.bridge),
	SETTING("PortName", "s", config.port_name),
	SETTING("MAC", "s", config.mac),
	SETTING("VLAN", "u", config.vlan),
	SETTING("MTU", "u", config.mtu),
	SD_BUS_PROPERTY("Framing", "s", bus_property_get_framing, offsetof(Relay, config.framing),
	                SD_BUS_VTABLE_PROPERTY_CONST),
	SETTING("LockMAC", "b", config.lock_mac),
	SD_BUS_PROPERTY("AllowedPeers", "au", bus_property_get_allowlist, offsetof(Relay, config.allowed_peers),
	                SD_BUS_VTABLE_PROPERTY_CONST),
	SETTING("IfaceId", "s", config.iface_id),
	SETTING("NetworkId", "s", config.network_id),
	SETTING("ContainerId", "s", config.container_id),
	SD_BUS_PROPERTY("State", "s", property_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Peer", "s", property_peer, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("PeerCID", "u", property_peer_cid, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("LastError", "s", property_last_error, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Connections", "t", NULL, offsetof(Relay, connections), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	COUNTER("Refused", refused),
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

static int relay_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                      void **found, sd_bus_error *error) {
	const char *label;
	unsigned long port;
	char *end;
	Relay *r;

	if (strncmp(path, RELAY_PATH_PREFIX "/", strlen(RELAY_PATH_PREFIX "/")) != 0)
		return 0;
	label = path + strlen(RELAY_PATH_PREFIX "/");
	if (!isdigit((unsigned char) label[0]))
		return 0;
	port = strtoul(label, &end, 10);
	if (*end != '\0' || port == 0 || port > UINT32_MAX)
		return 0;
	r = manager_find_relay(userdata, (uint32_t) port);
	if (!r)
		return 0;
	*found = r;
	return 1;
}

static int relay_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                           sd_bus_error *error) {
	Manager *m = userdata;
	char **l;
	size_t i = 0;

	l = calloc(m->n_relays + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (Relay *r = m->relays; r; r = r->next) {
		l[i] = strdup(r->path);
		if (!l[i++]) {
			strv_free(l);
			return -ENOMEM;
		}
	}
	*nodes = l;
	return 0;
}

int relay_bus_setup(sd_bus *bus, void *userdata) {
	int k;

	k = sd_bus_add_object_vtable(bus, NULL, RELAY_MANAGER_PATH, RELAY_MANAGER_INTERFACE,
	                             manager_vtable, userdata);
	if (k < 0)
		return log_error_errno(k, "Failed to register manager object: %m");
	k = sd_bus_add_fallback_vtable(bus, NULL, RELAY_PATH_PREFIX, RELAY_INTERFACE, relay_vtable,
	                               relay_find, userdata);
	if (k < 0)
		return log_error_errno(k, "Failed to register relay objects: %m");
	k = sd_bus_add_node_enumerator(bus, NULL, RELAY_PATH_PREFIX, relay_enumerate, userdata);
	if (k < 0)
		return log_error_errno(k, "Failed to register relay enumerator: %m");
	k = sd_bus_add_object_manager(bus, NULL, RELAY_MANAGER_PATH);
	if (k < 0)
		return log_error_errno(k, "Failed to register object manager: %m");
	return 0;
}
