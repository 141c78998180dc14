/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The settings of one attached network, as AttachNetwork receives them,
 * checked before anything is made: every bad input is refused here with
 * a message a person can act on, so that a network is either made whole
 * or not at all.
 */

#include <net/ethernet.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "address.h"
#include "bus.h"
#include "frame.h"
#include "netdev.h"
#include "stream.h"

#define NETWORK_MTU_DEFAULT 1500U
#define NETWORK_MTU_MIN 68U
#define NETWORK_MTU_MIN_IPV6 1280U
#define NETWORK_MTU_MAX 65520U
#define NETWORK_PREFIX_DEFAULT_IPV4 24U
#define NETWORK_PREFIX_DEFAULT_IPV6 64U

/* The a{sv} options, as read from the bus; unset fields stay zero/NULL/-1. */
typedef struct NetworkOptions {
	char *mac;
	uint32_t mtu;
	char *framing;
	char *listen;
	int listen_fd;
	uint64_t rate_limit;
	int default_route;
	int lock_mac;
	PeerAllowlist allowed_peers;
	char **dns;
} NetworkOptions;

extern const BusOption network_options_table[];

void network_options_init(NetworkOptions *o);
void network_options_done(NetworkOptions *o);

typedef struct NetworkConfig {
	char *device;
	uint32_t vsock_port;
	int family;                     /* AF_INET or AF_INET6 */
	union in_addr_union address;
	unsigned prefix_len;
	bool has_gateway;
	union in_addr_union gateway;
	int default_route;              /* int: read by sd-bus as "b" */
	struct ether_addr mac;
	uint32_t mtu;
	int lock_mac;                   /* int: read by sd-bus as "b" */
	PeerAllowlist allowed_peers;
	Framing framing;
	SocketAddress listen;           /* unless listen_fd >= 0 */
	int listen_fd;
	uint64_t rate_limit;            /* bytes per second, 0: none */
	char **dns;

	/* Text forms, for properties and listings. */
	char *address_string;           /* "10.0.0.2" */
	char *gateway_string;           /* "" when there is none */
	char *mac_string;
} NetworkConfig;

/*
 * Checks the arguments and builds a config; takes the options' allocations
 * (dns, listen_fd). On a bad input sets a named org.arca.Error and
 * returns < 0.
 */
int network_config_new(NetworkConfig *ret, const char *device, uint32_t vsock_port,
                       const char *address, const char *gateway, uint32_t prefix_len,
                       NetworkOptions *options, sd_bus_error *error);
void network_config_done(NetworkConfig *c);

/* 0 if name can be a network interface name, as the kernel decides. */
int network_device_name_check(const char *name);

/* Parses an IPv4 or IPv6 address; returns the family or -EINVAL. */
int in_addr_parse(const char *s, union in_addr_union *ret);
