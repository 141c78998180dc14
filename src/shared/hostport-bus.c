/* SPDX-License-Identifier: Apache-2.0 */
/* The bus face every object has the same: its host port's state and
 * counters, and Capture. */
#include <stddef.h>
#include <string.h>

#include "bus.h"
#include "hostport-internal.h"

static int property_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	HostPort *p = userdata;

	return sd_bus_message_append(reply, "s", host_port_state_to_string(host_port_get_state(p)));
}

static int property_ready(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	HostPort *p = userdata;

	return sd_bus_message_append(reply, "b", host_port_is_ready(p));
}

static int property_peer(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	HostPort *p = userdata;
	char buf[PEER_STRING_MAX] = "";

	if (host_port_has_host(p))
		peer_format(&p->peer, buf, sizeof(buf));
	return sd_bus_message_append(reply, "s", buf);
}

static int property_peer_cid(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	HostPort *p = userdata;
	bool vsock = host_port_has_host(p) && p->peer.family == AF_VSOCK;

	/* VMADDR_CID_ANY while no vsock peer is connected. */
	return sd_bus_message_append(reply, "u", vsock ? p->peer.cid : VMADDR_CID_ANY);
}

static int property_kernel_drops(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
	uint64_t to_host, from_host;

	host_port_kernel_drops(userdata, &to_host, &from_host);
	return sd_bus_message_append(reply, "t", strcmp(property, "KernelDropsToHost") == 0 ? to_host : from_host);
}

static int method_capture(sd_bus_message *m, void *userdata, sd_bus_error *error) {
	HostPort *p = userdata;

	return bus_method_capture(m, p->event, p->name, &p->capture, error);
}

#define COUNTER(name, field) SD_BUS_PROPERTY(name, "t", NULL, offsetof(HostPort, field), 0)

const sd_bus_vtable host_port_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("State", "s", property_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Ready", "b", property_ready, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Peer", "s", property_peer, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("PeerCID", "u", property_peer_cid, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("LastError", "s", NULL, offsetof(HostPort, last_error), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Connections", "t", NULL, offsetof(HostPort, counters.connections), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Refused", "t", NULL, offsetof(HostPort, counters.refused), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	COUNTER("FramesToHost", counters.link.to_stream.frames),
	COUNTER("BytesToHost", counters.link.to_stream.bytes),
	COUNTER("ErrorsToHost", counters.link.to_stream.errors),
	COUNTER("DropsToHost", counters.link.to_stream.drops),
	SD_BUS_PROPERTY("KernelDropsToHost", "t", property_kernel_drops, 0, 0),
	COUNTER("FramesFromHost", counters.link.to_device.frames),
	COUNTER("BytesFromHost", counters.link.to_device.bytes),
	COUNTER("ErrorsFromHost", counters.link.to_device.errors),
	COUNTER("DropsFromHost", counters.link.to_device.drops),
	SD_BUS_PROPERTY("KernelDropsFromHost", "t", property_kernel_drops, 0, 0),
	COUNTER("ProtocolErrors", counters.link.to_device.protocol_errors),
	SD_BUS_METHOD_WITH_NAMES("Capture", "a{sv}", SD_BUS_PARAM(options), "h", SD_BUS_PARAM(pipe),
	                         method_capture, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

char *const host_port_changed_properties[] = {
	(char *) "State", (char *) "Ready", (char *) "Peer", (char *) "PeerCID", (char *) "LastError",
	(char *) "Connections", (char *) "Refused", NULL
};
