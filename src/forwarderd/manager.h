/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The forwarder's state: the attached networks, the netlink socket that
 * configures their devices, and the bus they are served on.
 */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "bus.h"
#include "fdstore.h"
#include "network.h"

#define FORWARDER_BUS_NAME "org.arca.Forwarder1"
#define FORWARDER_PATH "/org/arca/Forwarder1"
#define FORWARDER_NETWORK_PREFIX "/org/arca/Forwarder1/network"
#define FORWARDER_MANAGER_INTERFACE "org.arca.Forwarder1.Manager"
#define FORWARDER_NETWORK_INTERFACE "org.arca.Forwarder1.Network"
#define RESOLV_CONF_DEFAULT "/etc/resolv.conf"
/* Default routes: the first network gets the lowest metric. */
#define ROUTE_METRIC_BASE 100U

struct nl_sock;

struct Manager {
	sd_event *event;
	BusServer *bus;
	struct nl_sock *nl;
	Network *networks;
	unsigned n_networks;
	uint64_t start_usec;
	const char *resolv_conf;
	const char *state_dir;
};

int manager_new(Manager **ret, sd_event *event, const char *resolv_conf, const char *state_dir);
Manager *manager_free(Manager *m);
DEFINE_POINTER_CLEANUP(Manager, manager_free);

/* Serves the objects: on the system bus, or peer-to-peer on p2p_fd (a
 * passed listening socket) or p2p_path. */
int manager_start_bus(Manager *m, const char *p2p_path, int p2p_fd);

/* Attaches the networks the state directory names, adopting what the fd
 * store kept of them; a network that cannot come back is logged and its
 * state removed. */
void manager_restore(Manager *m, FdStore *store);

/* On shutdown: without a service manager to keep the fds, nothing survives
 * this process, so the state goes too; with one, both stay for the next. */
void manager_shutdown(Manager *m);

Network *manager_find_network(Manager *m, const char *device);
int manager_attach(Manager *m, NetworkConfig *config, Network **ret, sd_bus_error *error);
void manager_detach(Manager *m, Network *n);

/* Rewrites resolv.conf from the networks' DNS servers, or puts back what
 * was there when none has any (see resolv-conf.h). */
int manager_write_resolv_conf(Manager *m);
void manager_notify_status(Manager *m);

/* Called by a network whose state or peer changed. */
void manager_network_changed(Manager *m, Network *n);

int forwarder_bus_setup(sd_bus *bus, void *userdata);
