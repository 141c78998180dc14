/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>

#include "bus.h"
#include "busnames.h"
#include "network-settings.h"

#define ALL (FIELD_SETTING | FIELD_STATE | FIELD_PROPERTY)

const Field network_fields[] = {
	{ .name = "Device", .type = &field_type_ifname, .offset = offsetof(NetworkSettings, device),
	  .flags = ALL, .arg = 1, .arg_name = "device" },
	{ .name = "VsockPort", .type = &field_type_vsock_port, .offset = offsetof(NetworkSettings, vsock_port),
	  .flags = FIELD_STATE | FIELD_PROPERTY, .arg = 2, .arg_name = "vsock_port" },
	{ .name = "Address", .type = &field_type_address, .offset = offsetof(NetworkSettings, address),
	  .flags = ALL, .arg = 3, .arg_name = "address" },
	{ .name = "Gateway", .type = &field_type_ip, .offset = offsetof(NetworkSettings, gateway),
	  .flags = ALL, .arg = 4, .arg_name = "gateway" },
	{ .name = "PrefixLength", .type = &field_type_prefix, .offset = offsetof(NetworkSettings, prefix_len),
	  .flags = ALL, .arg = 5, .arg_name = "prefix_len", .alias = "Prefix" },
	{ .name = "Addresses", .type = &field_type_address_list, .offset = offsetof(NetworkSettings, addresses),
	  .flags = FIELD_OPTION | ALL, .option = "--address", .metavar = "ADDRESS[/PREFIX]",
	  .help = "Another address, of either family; repeat\nor give a comma-separated list for more" },
	{ .name = "Gateways", .type = &field_type_ip_list, .offset = offsetof(NetworkSettings, gateways),
	  .flags = FIELD_OPTION | ALL, .option = "--gateway", .metavar = "ADDRESS",
	  .help = "Another gateway, of the other family: one\ndefault route per family" },
	{ .name = "MAC", .type = &field_type_mac, .offset = offsetof(NetworkSettings, mac),
	  .flags = FIELD_OPTION | ALL, .option = "--mac", .metavar = "MAC",
	  .help = "The device's MAC address (default: random)" },
	{ .name = "MTU", .type = &field_type_mtu, .offset = offsetof(NetworkSettings, mtu),
	  .flags = FIELD_OPTION | ALL, .option = "--mtu", .metavar = "BYTES",
	  .help = "The device's MTU (default: 1500)" },
	{ .include = host_port_fields, .offset = offsetof(NetworkSettings, host) },
	{ .name = "DefaultRoute", .type = &field_type_bool, .offset = offsetof(NetworkSettings, default_route),
	  .flags = FIELD_OPTION | ALL, .option = "--no-default-route", .option_value = "no",
	  .help = "No default route through the gateways" },
	{ .name = "IPv6LinkLocal", .type = &field_type_bool, .offset = offsetof(NetworkSettings, ipv6_link_local),
	  .flags = FIELD_OPTION | ALL, .option = "--no-ipv6-link-local", .option_value = "no",
	  .help = "No IPv6 link-local address on the device" },
	{ .name = "DNS", .type = &field_type_ip_list, .offset = offsetof(NetworkSettings, dns),
	  .flags = FIELD_OPTION | ALL, .option = "--dns", .metavar = "ADDRESS",
	  .help = "A DNS server for resolv.conf; repeat or give\na comma-separated list for more" },
	{ .name = "Metric", .type = &field_type_u32, .offset = offsetof(NetworkSettings, metric),
	  .flags = FIELD_STATE },
	{}
};

const ObjectSchema network_schema = {
	.program = "arca-forwarderd",
	.summary = "Forwards Ethernet frames between TAP devices and host vsock streams,\n"
	           "controlled over D-Bus as " FORWARDER_BUS_NAME ".",
	.bus_name = FORWARDER_BUS_NAME,
	.manager_path = FORWARDER_PATH,
	.manager_interface = FORWARDER_MANAGER_INTERFACE,
	.state_dir = "/run/arca/forwarder",
	.noun = "network",
	.path_prefix = FORWARDER_NETWORK_PREFIX,
	.interface = FORWARDER_NETWORK_INTERFACE,
	.count_property = "NetworkCount",
	.status_count = "Networks",
	.create_method = "AttachNetwork",
	.create_action = "attach networks",
	.create_result = "os",
	.create_result_names = SD_BUS_PARAM(network) SD_BUS_PARAM(mac),
	.create_result_field = "MAC",
	.remove_method = "DetachNetwork",
	.remove_action = "detach networks",
	.list_method = "ListNetworks",
	.list_signature = "a(susssso)",
	.list_names = SD_BUS_PARAM(networks),
	.exists_error = BUS_ERROR_ALREADY_ATTACHED,
	.exists_message = "A network is attached as '%s' already; detach it first or pick another device name.",
	.no_such_error = BUS_ERROR_NO_SUCH_NETWORK,
	.no_such_message = "No network is attached as '%s'; 'arcactl list' shows the attached ones.",
	.fields = network_fields,
	.settings_size = sizeof(NetworkSettings),
	.key = "Device",
	.host_offset = offsetof(NetworkSettings, host),
	.mac_offset = offsetof(NetworkSettings, mac),
	/* The TAP device is the container's own interface. */
	.container_side = LINK_SIDE_DEVICE,
};
