/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device-bridge.h"
#include "device-ovs.h"
#include "frame.h"
#include "log.h"
#include "netdev.h"
#include "relay.h"
#include "relay-settings.h"

static OvsContext ovs;

int relay_set_ovs_vsctl(const char *path) {
	ovs.vsctl = path;
	return 0;
}

int relay_set_ovs_db(const char *address) {
	ovs.db = address;
	return 0;
}

/* --OPTION=SEC: 1 to RELAY_OVS_TIMEOUT_SEC_MAX seconds. */
static int parse_seconds(const char *option, const char *seconds, unsigned *ret) {
	uint32_t v;

	if (conf_parse_u32(seconds, &v) < 0 || v == 0 || v > RELAY_OVS_TIMEOUT_SEC_MAX)
		return log_error_errno(-EINVAL, "Invalid --%s '%s': give 1 to %u seconds.", option, seconds,
		                       RELAY_OVS_TIMEOUT_SEC_MAX);
	*ret = v;
	return 0;
}

int relay_set_ovs_timeout(const char *seconds) {
	return parse_seconds("ovs-timeout", seconds, &ovs.timeout_sec);
}

int relay_set_ovn_ready_timeout(const char *seconds) {
	return parse_seconds("ovn-ready-timeout", seconds, &ovs.ovn_ready_sec);
}

void relay_sweep(Daemon *d) {
	device_ovs_sweep(&ovs);
}

static RelaySettings *relay_settings(const Object *o) {
	return o->settings;
}

static int relay_complete(Daemon *d, void *settings, sd_bus_error *error) {
	RelaySettings *s = settings;
	char name[sizeof("arca4294967295")];
	Object *other;

	if (s->vsock_port == 0)
		return field_invalid(error, fields_find(relay_fields, 0, "VsockPort", NULL), "0");
	if (!s->bridge && !(s->bridge = strdup(RELAY_BRIDGE_DEFAULT)))
		return -ENOMEM;
	snprintf(name, sizeof(name), "arca%u", s->vsock_port);
	if (!s->port_name && !(s->port_name = strdup(name)))
		return -ENOMEM;
	other = object_find_by(d, "PortName", s);
	if (other)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "Port name '%s' is used by the %s; pick another.", s->port_name, other->name);
	if (!s->iface_id && !(s->iface_id = strdup(s->port_name)))
		return -ENOMEM;
	if (s->backend < 0)
		s->backend = RELAY_BACKEND_OVS;
	if (s->backend == RELAY_BACKEND_BRIDGE && s->vlan != 0)
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT,
		                         "VLAN %u needs Backend=ovs: a Linux bridge port is untagged.", s->vlan);
	if (s->mtu != 0 && (s->mtu < RELAY_MTU_MIN || s->mtu > RELAY_MTU_MAX))
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Invalid MTU %u: use %u to %u.", s->mtu,
		                         RELAY_MTU_MIN, RELAY_MTU_MAX);
	return host_port_settings_complete(&s->host, s->vsock_port, s->mac != NULL, error);
}

static void on_bridge_checked(OvsBridgeCheck *c, const sd_bus_error *error, void *userdata) {
	probe_done(userdata, error);
}

static void bridge_check_free(void *c) {
	ovs_bridge_check_free(c);
}

/* The bridge must exist before relays use it. */
static int relay_probe(Daemon *d, const void *settings, Probe *p) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	const RelaySettings *s = settings;
	OvsBridgeCheck *c;
	int r;

	/* The port must be ours to make; found now, not when a host comes. */
	if (netdev_get_ifindex(d->nl, s->port_name) >= 0) {
		(void) sd_bus_error_setf(&error, BUS_ERROR_INVALID_ARGUMENT,
		                         "A device named '%s' exists on this machine already; give the relay "
		                         "another PortName.", s->port_name);
		probe_done(p, &error);
		return 0;
	}
	if (s->backend == RELAY_BACKEND_BRIDGE) {
		r = device_bridge_check(d->nl, s->bridge, &error);
		probe_done(p, r < 0 ? &error : NULL);
		return 0;
	}
	r = ovs_bridge_check_new(&c, d->event, &ovs, s->bridge, on_bridge_checked, p);
	if (r < 0) {
		(void) sd_bus_error_setf(&error, BUS_ERROR_OVS_FAILED, "Cannot run ovs-vsctl: %s.", strerror(-r));
		probe_done(p, &error);
		return 0;
	}
	probe_set_data(p, c, bridge_check_free);
	return 0;
}

static int relay_setup(Object *o, int adopt_fd, Device **ret, sd_bus_error *error) {
	const RelaySettings *s = relay_settings(o);
	OvsPort port = {
		.bridge = s->bridge,
		.name = s->port_name,
		.vlan = s->vlan,
		.mac = s->mac,
		.mtu = s->mtu,
		.iface_id = s->iface_id,
		.network_id = s->network_id,
		.container_id = s->container_id,
	};

	if (s->backend == RELAY_BACKEND_BRIDGE)
		return device_bridge_new(ret, o->daemon->nl, s->bridge, s->port_name, s->mtu, TAP_VNET_OFFLOAD,
		                         adopt_fd);
	return device_ovs_new(ret, o->daemon->event, o->daemon->nl, &ovs, &port, adopt_fd);
}

static int relay_append_row(sd_bus_message *reply, Object *o) {
	const RelaySettings *s = relay_settings(o);

	return sd_bus_message_append(reply, "(usssuso)", s->vsock_port, s->bridge, s->port_name, s->mac ?: "",
	                             s->vlan, host_port_state_to_string(host_port_get_state(o->port)), o->path);
}

const ObjectOps relay_ops = {
	.complete = relay_complete,
	.probe = relay_probe,
	.setup = relay_setup,
	.append_row = relay_append_row,
};
