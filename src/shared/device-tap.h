/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The device of a network: a TAP device with the container's MAC, MTU,
 * address and default route, made whole or not at all. It is not
 * persistent in the kernel's sense, so it lives exactly as long as its fd:
 * in the daemon, or in the fd store across a restart. Its carrier is on
 * while a host is connected, so the container sees link down otherwise.
 */

#include <net/ethernet.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "device.h"
#include "netdev.h"

struct nl_sock;

typedef struct TapDeviceConfig {
	const char *name;
	struct ether_addr mac;
	uint32_t mtu;
	int family;                     /* of address and gateway */
	union in_addr_union address;
	unsigned prefix_len;
	bool default_route;             /* via gateway */
	union in_addr_union gateway;
	uint32_t metric;
	/* The device hands out checksum-offloaded and TSO frames too, for a
	 * peer that takes them (Framing=vnet). */
	bool offload;
} TapDeviceConfig;

/*
 * Makes the device, or with adopt_fd >= 0 takes the one an earlier daemon
 * made (configured already). On failure nothing is left behind and error
 * has a named org.arca.Error: AlreadyAttached when a device of that name
 * exists, InvalidArgument for a gateway off the network, DeviceFailed for
 * the kernel refusing.
 */
int device_tap_new(Device **ret, struct nl_sock *nl, const TapDeviceConfig *config, int adopt_fd,
                   sd_bus_error *error);
