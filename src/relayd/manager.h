/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The relay daemon's state: its relays, how to reach Open vSwitch, the
 * netlink socket and the bus.
 */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "fdstore.h"
#include "ovs.h"
#include "relay.h"

#define RELAY_BUS_NAME "org.arca.Relay1"
#define RELAY_MANAGER_PATH "/org/arca/Relay1"
#define RELAY_PATH_PREFIX "/org/arca/Relay1/relay"
#define RELAY_MANAGER_INTERFACE "org.arca.Relay1.Manager"
#define RELAY_INTERFACE "org.arca.Relay1.Relay"

struct nl_sock;

struct Manager {
	sd_event *event;
	const char *state_dir;
	BusServer *bus;
	struct nl_sock *nl;
	OvsContext ovs;
	Relay *relays;
	unsigned n_relays;
	OvsCommand *check;      /* br-exists for a StartRelay under way */
};

int manager_new(Manager **ret, sd_event *event, const OvsContext *ovs, const char *state_dir);
Manager *manager_free(Manager *m);
DEFINE_POINTER_CLEANUP(Manager, manager_free);

int manager_start_bus(Manager *m, const char *p2p_path, int p2p_fd);

/* Starts again the relays of the state directory, adopting what the fd
 * store kept of them. */
void manager_restore(Manager *m, FdStore *store);

/* Deletes the OVS ports a previous daemon made and no relay owns now. */
void manager_sweep_stale_ports(Manager *m);

/* Shutdown. With a service manager keeping fds, the relays are only
 * freed: their ports, connections and state are for the next daemon.
 * Without one, the ports of connected relays are deleted and the state
 * removed. */
void manager_stop_all(Manager *m);

Relay *manager_find_relay(Manager *m, uint32_t vsock_port);
void manager_add_relay(Manager *m, Relay *r);
void manager_relay_changed(Manager *m, Relay *r);

/* A stopping relay is done: answer its StopRelay and free it. */
void manager_relay_stopped(Manager *m, Relay *r);
void manager_notify_status(Manager *m);

int relay_bus_setup(sd_bus *bus, void *userdata);
