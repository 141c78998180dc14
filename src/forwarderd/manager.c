/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"
#include "manager.h"
#include "resolv-conf.h"
#include "conffile.h"
#include "netdev.h"
#include "network-state.h"

int manager_new(Manager **ret, sd_event *event, const char *resolv_conf, const char *state_dir) {
	_cleanup_(manager_freep) Manager *m = NULL;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->event = sd_event_ref(event);
	m->resolv_conf = resolv_conf ?: RESOLV_CONF_DEFAULT;
	m->state_dir = state_dir ?: FORWARDER_STATE_DIR_DEFAULT;
	(void) sd_event_now(event, CLOCK_MONOTONIC, &m->start_usec);

	r = netdev_open(&m->nl);
	if (r < 0)
		return log_error_errno(r, "Failed to open rtnetlink: %m");

	*ret = TAKE_PTR(m);
	return 0;
}

Manager *manager_free(Manager *m) {
	if (!m)
		return NULL;

	while (m->networks) {
		Network *n = m->networks;
		log_info("%s: detaching on shutdown.", n->config.device);
		m->networks = n->next;
		network_free(n);
	}
	bus_server_free(m->bus);
	if (m->nl)
		nl_socket_free(m->nl);
	sd_event_unref(m->event);
	free(m);
	return NULL;
}

int manager_start_bus(Manager *m, const char *p2p_path, int p2p_fd) {
	return bus_server_new(&m->bus, m->event, FORWARDER_BUS_NAME, p2p_path, p2p_fd,
	                      forwarder_bus_setup, m);
}

static void manager_add(Manager *m, Network *n) {
	/* Append: listings keep attach order. */
	Network **tail = &m->networks;
	while (*tail)
		tail = &(*tail)->next;
	*tail = n;
	m->n_networks++;
}

static int manager_restore_one(Manager *m, FdStore *store, const char *path) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	char message[CONF_ERROR_MAX], name[FDSTORE_NAME_MAX];
	NetworkConfig config = { .listen_fd = -1 };
	NetworkAdopt adopt = { .tap_fd = -1, .conn_fd = -1 };
	NetworkStateFile s;
	Network *n;
	int r;

	r = network_state_load(path, &s, message);
	if (r < 0) {
		log_error("Ignoring network state: %s", message);
		return r;
	}

	fdstore_name(name, "tap", s.device);
	adopt.tap_fd = fdstore_take(store, name);
	fdstore_name(name, "conn", s.device);
	adopt.conn_fd = fdstore_take(store, name);
	fdstore_name(name, "listen", s.device);
	s.options.listen_fd = fdstore_take(store, name);
	if (s.options.listen_fd >= 0) {
		free(s.options.listen);
		s.options.listen = NULL;
	}

	r = network_config_new(&config, s.device, s.vsock_port, s.address, s.gateway,
	                       s.prefix_len, &s.options, &error);
	if (r >= 0)
		r = network_new(&n, m, &config, s.metric, &adopt, &error);
	network_config_done(&config);
	safe_close(adopt.tap_fd);
	safe_close(adopt.conn_fd);
	if (r < 0) {
		log_error("%s: cannot restore the network: %s", s.device,
		          error.message ?: strerror(-r));
		network_state_done(&s);
		return r;
	}

	log_info("%s: restored%s.", s.device,
	         n->state == NETWORK_CONNECTED ? ", host still connected" : "");
	network_state_done(&s);
	manager_add(m, n);
	return 0;
}

typedef struct Restore {
	Manager *manager;
	FdStore *store;
} Restore;

static int restore_one(const char *path, void *userdata) {
	Restore *x = userdata;

	return manager_restore_one(x->manager, x->store, path);
}

void manager_restore(Manager *m, FdStore *store) {
	conf_load_state_dir(m->state_dir, restore_one, &(Restore) { m, store });

	/* Also puts back a resolv.conf that a daemon stopped before its last
	 * network went left changed. */
	(void) manager_write_resolv_conf(m);
	manager_notify_status(m);
}

void manager_shutdown(Manager *m) {
	if (fdstore_available()) {
		/* The next daemon listens on the same sockets. */
		for (Network *n = m->networks; n; n = n->next)
			listener_keep_path(n->listener);
		return;
	}
	for (Network *n = m->networks; n; n = n->next)
		(void) network_state_remove(n, m->state_dir);
	/* The networks go with us, and so do their DNS servers. */
	(void) resolv_conf_restore(m->resolv_conf, m->state_dir);
}

Network *manager_find_network(Manager *m, const char *device) {
	for (Network *n = m->networks; n; n = n->next)
		if (strcmp(n->config.device, device) == 0)
			return n;
	return NULL;
}

static Network *manager_find_port(Manager *m, uint32_t port) {
	for (Network *n = m->networks; n; n = n->next)
		if (n->config.vsock_port == port)
			return n;
	return NULL;
}

/* The lowest metric no attached network uses. */
static uint32_t manager_pick_metric(Manager *m) {
	for (uint32_t metric = ROUTE_METRIC_BASE;; metric++) {
		bool used = false;

		for (Network *n = m->networks; n; n = n->next)
			if (n->config.default_route && n->metric == metric)
				used = true;
		if (!used)
			return metric;
	}
}

void manager_notify_status(Manager *m) {
	(void) sd_notifyf(false, "STATUS=%u network%s attached.", m->n_networks,
	                  m->n_networks == 1 ? "" : "s");
}

int manager_attach(Manager *m, NetworkConfig *config, Network **ret, sd_bus_error *error) {
	Network *n, *other;
	int r;

	if (manager_find_network(m, config->device))
		return sd_bus_error_setf(error, BUS_ERROR_ALREADY_ATTACHED,
		                         "A network is attached as '%s' already; detach it first "
		                         "or pick another device name.", config->device);
	other = manager_find_port(m, config->vsock_port);
	if (other)
		return sd_bus_error_setf(error, BUS_ERROR_PORT_IN_USE,
		                         "Vsock port %u is used by network '%s'; pick another port.",
		                         config->vsock_port, other->config.device);

	r = network_new(&n, m, config, manager_pick_metric(m),
	                &(NetworkAdopt) { .tap_fd = -1, .conn_fd = -1 }, error);
	if (r < 0)
		return r;

	r = network_state_save(n, m->state_dir);
	if (r < 0)
		log_warning_errno(r, "%s: failed to save state in %s, a restart will lose it: %m",
		                  n->config.device, m->state_dir);
	manager_add(m, n);

	if (n->config.dns)
		(void) manager_write_resolv_conf(m);
	if (m->bus)
		bus_server_emit_object_added(m->bus, n->path);
	manager_notify_status(m);
	*ret = n;
	return 0;
}

void manager_detach(Manager *m, Network *n) {
	bool had_dns = n->config.dns != NULL;

	for (Network **i = &m->networks; *i; i = &(*i)->next)
		if (*i == n) {
			*i = n->next;
			break;
		}
	m->n_networks--;

	if (m->bus)
		bus_server_emit_object_removed(m->bus, n->path);
	log_info("%s: detached.", n->config.device);
	(void) network_state_remove(n, m->state_dir);
	network_forget(n);
	network_free(n);

	if (had_dns)
		(void) manager_write_resolv_conf(m);
	manager_notify_status(m);
}

void manager_network_changed(Manager *m, Network *n) {
	if (m->bus)
		bus_server_emit_properties_changed(m->bus, n->path, FORWARDER_NETWORK_INTERFACE,
		                                   "State", "Peer", "PeerCID", "Connections", "Refused");
}

int manager_write_resolv_conf(Manager *m) {
	_cleanup_free_ char **servers = NULL;
	size_t n = 0, i = 0;

	for (Network *k = m->networks; k; k = k->next)
		for (char **s = k->config.dns; s && *s; s++)
			n++;
	/* Without DNS servers from us, the file is not ours: as it was. */
	if (n == 0)
		return resolv_conf_restore(m->resolv_conf, m->state_dir);

	servers = calloc(n + 1, sizeof(char *));
	if (!servers)
		return -ENOMEM;
	for (Network *k = m->networks; k; k = k->next)
		for (char **s = k->config.dns; s && *s; s++)
			servers[i++] = *s;
	return resolv_conf_write(m->resolv_conf, m->state_dir, servers);
}
