/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The device of a network: a TAP device with the container's MAC, MTU,
 * addresses (of either family or both) and default routes, made whole or
 * not at all. It is not
 * persistent in the kernel's sense, so it lives exactly as long as its fd:
 * in the daemon, or in the fd store across a restart. Its carrier is on
 * while a host is connected, so the container sees link down otherwise.
 */

#include <net/ethernet.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "device.h"
#include "in-addr.h"
#include "netdev.h"

struct nl_sock;

#define TAP_ADDRESSES_MAX 16U
/* A default route per family. */
#define TAP_GATEWAYS_MAX 2U

typedef struct TapDeviceConfig {
	const char *name;
	struct ether_addr mac;
	uint32_t mtu;
	InAddrPrefix addresses[TAP_ADDRESSES_MAX];      /* each with its prefix */
	size_t n_addresses;
	/* A default route via each (prefix_len unused), with metric. */
	InAddrPrefix gateways[TAP_GATEWAYS_MAX];
	size_t n_gateways;
	uint32_t metric;
	/* Whether the kernel gives the device an IPv6 link-local address. */
	bool ipv6_link_local;
} TapDeviceConfig;

/*
 * Makes the device, or with adopt_fd >= 0 takes the one an earlier daemon
 * made (configured already). On failure nothing is left behind and error
 * has a named org.arca.Error: AlreadyAttached when a device of that name
 * exists, InvalidArgument for a gateway off the device's networks,
 * DeviceFailed for the kernel refusing.
 */
int device_tap_new(Device **ret, struct nl_sock *nl, const TapDeviceConfig *config, int adopt_fd,
                   sd_bus_error *error);
