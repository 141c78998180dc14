/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The settings of one relay, as StartRelay receives them, checked before
 * anything is made: every bad input is refused here with a message a
 * person can act on.
 */

#include <net/ethernet.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "address.h"
#include "bus.h"
#include "frame.h"
#include "stream.h"

#define RELAY_BRIDGE_DEFAULT "br-int"
#define RELAY_VLAN_MAX 4094U   /* 4095 is reserved by 802.1Q */
#define RELAY_MTU_MIN 68U
#define RELAY_MTU_MAX 65520U

typedef enum RelayBackend {
	RELAY_BACKEND_OVS,
	RELAY_BACKEND_BRIDGE,
} RelayBackend;

typedef struct RelayOptions {
	char *iface_id;
	char *network_id;
	char *container_id;
	uint32_t mtu;
	char *backend;
	char *framing;
	char *listen;
	int listen_fd;
	uint64_t rate_limit;
	int lock_mac;           /* -1: not given */
	PeerAllowlist allowed_peers;
} RelayOptions;

extern const BusOption relay_options_table[];

void relay_options_init(RelayOptions *o);
void relay_options_done(RelayOptions *o);

typedef struct RelayConfig {
	uint32_t vsock_port;
	char *bridge;
	char *port_name;
	char *mac;              /* "" when OVS picks one */
	struct ether_addr mac_addr;
	int lock_mac;           /* frames from the host must come from mac */
	PeerAllowlist allowed_peers;
	uint32_t vlan;
	char *iface_id;
	char *network_id;       /* "" when not given */
	char *container_id;
	uint32_t mtu;           /* 0: leave as it is */
	RelayBackend backend;
	Framing framing;
	SocketAddress listen;   /* unless listen_fd >= 0 */
	int listen_fd;
	uint64_t rate_limit;
} RelayConfig;

/* Takes the options' listen_fd. On a bad input sets a named error. */
int relay_config_new(RelayConfig *ret, uint32_t vsock_port, const char *bridge,
                     const char *port_name, const char *mac, uint32_t vlan,
                     RelayOptions *options, sd_bus_error *error);
void relay_config_done(RelayConfig *c);

const char *relay_backend_to_string(RelayBackend b);
