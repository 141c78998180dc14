/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>

#include "bus.h"
#include "busnames.h"
#include "relay-settings.h"

static const char *const relay_backend_table[_RELAY_BACKEND_MAX] = {
	[RELAY_BACKEND_OVS] = "ovs",
	[RELAY_BACKEND_BRIDGE] = "bridge",
};
DEFINE_STRING_TABLE_LOOKUP(relay_backend, RelayBackend)

DEFINE_FIELD_TYPE_ENUM(field_type_backend, relay_backend, "ovs bridge", "use ovs or bridge");

#define ALL (FIELD_SETTING | FIELD_STATE | FIELD_PROPERTY)

const Field relay_fields[] = {
	{ .name = "VsockPort", .type = &field_type_vsock_port, .offset = offsetof(RelaySettings, vsock_port),
	  .flags = FIELD_STATE | FIELD_PROPERTY, .arg = 1, .arg_name = "vsock_port" },
	{ .name = "Bridge", .type = &field_type_portname, .offset = offsetof(RelaySettings, bridge),
	  .flags = ALL, .arg = 2, .arg_name = "bridge", .option = "--bridge", .metavar = "NAME",
	  .help = "The bridge (default: br-int)" },
	{ .name = "PortName", .type = &field_type_portname, .offset = offsetof(RelaySettings, port_name),
	  .flags = ALL, .arg = 3, .arg_name = "port_name", .option = "--port-name", .metavar = "NAME",
	  .help = "The name of the bridge port (default: arcaPORT)" },
	{ .name = "MAC", .type = &field_type_mac, .offset = offsetof(RelaySettings, mac),
	  .flags = ALL, .arg = 4, .arg_name = "mac", .option = "--mac", .metavar = "MAC",
	  .help = "The container's MAC address" },
	{ .name = "VLAN", .type = &field_type_vlan, .offset = offsetof(RelaySettings, vlan),
	  .flags = ALL, .arg = 5, .arg_name = "vlan", .option = "--vlan", .metavar = "ID",
	  .help = "Tag the port with VLAN ID (1-4094; 0: none)" },
	{ .name = "IfaceId", .type = &field_type_id, .offset = offsetof(RelaySettings, iface_id),
	  .flags = FIELD_OPTION | ALL, .option = "--iface-id", .metavar = "ID",
	  .help = "OVN's external-ids:iface-id of the port" },
	{ .name = "NetworkId", .type = &field_type_id, .offset = offsetof(RelaySettings, network_id),
	  .flags = FIELD_OPTION | ALL, .option = "--network-id", .metavar = "ID",
	  .help = "The network's ID, for the record" },
	{ .name = "ContainerId", .type = &field_type_id, .offset = offsetof(RelaySettings, container_id),
	  .flags = FIELD_OPTION | ALL, .option = "--container-id", .metavar = "ID",
	  .help = "The container's ID, for the record" },
	{ .name = "MTU", .type = &field_type_mtu, .offset = offsetof(RelaySettings, mtu),
	  .flags = FIELD_OPTION | ALL, .option = "--mtu", .metavar = "BYTES", .help = "The port's MTU" },
	{ .name = "Backend", .type = &field_type_backend, .offset = offsetof(RelaySettings, backend),
	  .flags = FIELD_OPTION | ALL, .option = "--backend", .metavar = "ovs|bridge",
	  .help = "Open vSwitch (default) or a Linux bridge" },
	{ .include = host_port_fields, .offset = offsetof(RelaySettings, host) },
	{}
};

const ObjectSchema relay_schema = {
	.program = "arca-relayd",
	.summary = "Forwards Ethernet frames between host vsock streams and Open vSwitch or\n"
	           "Linux bridge ports, controlled over D-Bus as " RELAY_BUS_NAME ".",
	.bus_name = RELAY_BUS_NAME,
	.manager_path = RELAY_PATH,
	.manager_interface = RELAY_MANAGER_INTERFACE,
	.state_dir = "/run/arca/relay",
	.noun = "relay",
	.log_prefix = "relay ",
	.path_prefix = RELAY_PATH_PREFIX,
	.interface = RELAY_INTERFACE,
	.count_property = "RelayCount",
	.status_count = "Relays",
	.create_method = "StartRelay",
	.create_action = "start relays",
	.create_result = "o",
	.create_result_names = SD_BUS_PARAM(relay),
	.remove_method = "StopRelay",
	.remove_action = "stop relays",
	.list_method = "ListRelays",
	.list_signature = "a(usssuso)",
	.list_names = SD_BUS_PARAM(relays),
	.exists_error = BUS_ERROR_ALREADY_STARTED,
	.exists_message = "A relay is started on vsock port %s already; stop it first.",
	.no_such_error = BUS_ERROR_NO_SUCH_RELAY,
	.no_such_message = "No relay is started on vsock port %s; 'arcactl relay list' shows the started ones.",
	.fields = relay_fields,
	.settings_size = sizeof(RelaySettings),
	.key = "VsockPort",
	.host_offset = offsetof(RelaySettings, host),
	.mac_offset = offsetof(RelaySettings, mac),
	/* The container's frames come from the host. */
	.container_side = LINK_SIDE_STREAM,
};
