/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * One attached network: a TAP device, a listener for the host, and while
 * a host is connected, a Link between the two. The TAP device lives while
 * the network is attached, across host connections; its carrier is on only
 * while a host is connected. Counters continue across connections.
 */

#include <stdint.h>

#include "link.h"
#include "listener.h"
#include "network-config.h"

typedef struct Manager Manager;
typedef struct Network Network;

typedef enum NetworkState {
	NETWORK_LISTENING,
	NETWORK_CONNECTED,
	NETWORK_FAILED,         /* the device went away under us */
} NetworkState;

struct Network {
	Manager *manager;
	Network *next;
	NetworkConfig config;
	char *path;             /* D-Bus object path */
	char *listen_string;
	uint32_t metric;

	int tap_fd;
	bool tap_vnet_hdr;      /* the device reads and writes a virtio_net_hdr */
	int ifindex;
	Listener *listener;

	NetworkState state;
	int conn_fd;
	Peer peer;
	Link *link;
	Capture *capture;       /* arcactl capture, across host connections;
	                         * bus_method_capture() fills and empties it */

	LinkStats stats;
	uint64_t connections;
	uint64_t refused;
};

/* What a restarted daemon got back from the fd store; -1 where nothing. */
typedef struct NetworkAdopt {
	int tap_fd;             /* the device, configured already */
	int conn_fd;            /* the host connection, forwarding resumes */
} NetworkAdopt;

/* Makes the device (or adopts it), configures it and starts listening;
 * takes the config and the adopted fds. On failure nothing is left behind
 * and error says why. */
int network_new(Network **ret, Manager *m, NetworkConfig *config, uint32_t metric,
                NetworkAdopt *adopt, sd_bus_error *error);

/* Stops forwarding and listening and closes the device's fd: the device is
 * gone unless the service manager keeps a copy across a restart. */
Network *network_free(Network *n);

/* Tells the service manager to let go of this network's fds: for a detach,
 * not for a restart. */
void network_forget(Network *n);
DEFINE_POINTER_CLEANUP(Network, network_free);

const char *network_state_to_string(NetworkState s);
void network_format_peer(const Network *n, char *buf, size_t size);
