/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * One relay: a listener for the host and, while a host is connected, a
 * port on the bridge and a Link between the two. The port exists only
 * while the host does: made when it connects, deleted when it leaves.
 *
 *   listening --connect--> connecting --port up--> connected
 *       ^                      |                       |
 *       +------ port deleted --+-- failure / host left-+
 *
 * One host at a time: a connection while the relay is busy is refused and
 * counted, except while the previous port is being deleted, when it waits
 * for that to finish.
 *
 * The listener, the host's connection and the port's socket are kept in
 * the service manager's fd store while they exist ("listen-PORT",
 * "conn-PORT", "dev-PORT"), so that a restarted daemon adopts them and
 * the host never notices.
 */

#include <stdint.h>

#include "link.h"
#include "listener.h"
#include "netdev.h"
#include "ovs.h"
#include "relay-config.h"

typedef struct Manager Manager;
typedef struct Relay Relay;

typedef enum RelayState {
	RELAY_LISTENING,
	RELAY_CONNECTING,       /* making the port */
	RELAY_CONNECTED,
	RELAY_DISCONNECTING,    /* deleting the port */
	RELAY_STOPPING,         /* StopRelay: deleting the port, then gone */
} RelayState;

struct Relay {
	Manager *manager;
	Relay *next;
	RelayConfig config;
	char *path;
	char *listen_string;
	Listener *listener;

	RelayState state;
	int conn_fd;
	Peer peer;
	OvsCommand *ovs;        /* add-port or del-port under way */
	NetdevWatch *watch;     /* waiting for the OVS port's device */
	bool port_made;         /* the port exists and is ours to delete */
	int dev_fd;             /* AF_PACKET socket, or the bridge port's TAP */
	bool dev_vnet_hdr;      /* it reads and writes a virtio_net_hdr */
	int ifindex;
	Link *link;
	Capture *capture;       /* arcactl capture, across host connections (while
	                         * no host is, it waits for one); filled and
	                         * emptied by bus_method_capture() */
	sd_bus_message *stop_reply;

	LinkStats stats;
	uint64_t connections;
	uint64_t refused;
	char *last_error;
};

/* What a restarted daemon got back from the fd store; -1 where nothing. */
typedef struct RelayAdopt {
	int conn_fd;
	int dev_fd;
} RelayAdopt;

/* Takes config's allocations and adopt's fds (adopt may be NULL). */
int relay_new(Relay **ret, Manager *m, RelayConfig *config, RelayAdopt *adopt, sd_bus_error *error);

/* StopRelay: drops the host, deletes the port, then answers reply (if not
 * NULL) and frees the relay through the manager. */
void relay_stop(Relay *r, sd_bus_message *reply);

/* For shutdown: frees at once; the port, if any, is left for the caller,
 * and so is whatever the fd store keeps. */
Relay *relay_free(Relay *r);
DEFINE_POINTER_CLEANUP(Relay, relay_free);

const char *relay_state_to_string(RelayState s);
