/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "manager.h"
#include "netdev.h"
#include "relay-state.h"

int manager_new(Manager **ret, sd_event *event, const OvsContext *ovs, const char *state_dir) {
	_cleanup_(manager_freep) Manager *m = NULL;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->event = sd_event_ref(event);
	m->ovs = *ovs;
	m->state_dir = state_dir ?: RELAY_STATE_DIR_DEFAULT;

	r = netdev_open(&m->nl);
	if (r < 0)
		return log_error_errno(r, "Failed to open rtnetlink: %m");

	*ret = TAKE_PTR(m);
	return 0;
}

Manager *manager_free(Manager *m) {
	if (!m)
		return NULL;
	while (m->relays) {
		Relay *r = m->relays;
		m->relays = r->next;
		relay_free(r);
	}
	bus_server_free(m->bus);
	if (m->nl)
		nl_socket_free(m->nl);
	sd_event_unref(m->event);
	free(m);
	return NULL;
}

int manager_start_bus(Manager *m, const char *p2p_path, int p2p_fd) {
	return bus_server_new(&m->bus, m->event, RELAY_BUS_NAME, p2p_path, p2p_fd, relay_bus_setup, m);
}

void manager_notify_status(Manager *m) {
	unsigned connected = 0;

	for (Relay *r = m->relays; r; r = r->next)
		connected += r->state == RELAY_CONNECTED;
	(void) sd_notifyf(false, "STATUS=%u relay%s, %u connected.", m->n_relays,
	                  m->n_relays == 1 ? "" : "s", connected);
}

Relay *manager_find_relay(Manager *m, uint32_t vsock_port) {
	for (Relay *r = m->relays; r; r = r->next)
		if (r->config.vsock_port == vsock_port)
			return r;
	return NULL;
}

void manager_add_relay(Manager *m, Relay *r) {
	Relay **tail = &m->relays;
	int k;

	while (*tail)
		tail = &(*tail)->next;
	*tail = r;
	m->n_relays++;
	k = relay_state_save(r, m->state_dir);
	if (k < 0)
		log_warning_errno(k, "relay %u: failed to save state in %s, a restart will lose it: %m",
		                  r->config.vsock_port, m->state_dir);
	if (m->bus)
		bus_server_emit_object_added(m->bus, r->path);
	manager_notify_status(m);
}

void manager_relay_changed(Manager *m, Relay *r) {
	if (m->bus)
		bus_server_emit_properties_changed(m->bus, r->path, RELAY_INTERFACE,
		                                   "State", "Peer", "PeerCID", "Connections", "LastError");
	manager_notify_status(m);
}

void manager_relay_stopped(Manager *m, Relay *r) {
	for (Relay **i = &m->relays; *i; i = &(*i)->next)
		if (*i == r) {
			*i = r->next;
			break;
		}
	m->n_relays--;
	(void) relay_state_remove(r, m->state_dir);
	if (m->bus)
		bus_server_emit_object_removed(m->bus, r->path);
	if (r->stop_reply)
		(void) sd_bus_reply_method_return(r->stop_reply, NULL);
	log_info("relay %u: stopped.", r->config.vsock_port);
	relay_free(r);
	manager_notify_status(m);
}

/* A port some relay has (or is making) is no leftover. */
static bool manager_owns_port(Manager *m, const char *name) {
	for (Relay *r = m->relays; r; r = r->next)
		if ((r->port_made || r->ovs) && strcmp(r->config.port_name, name) == 0)
			return true;
	return false;
}

static int manager_restore_one(Manager *m, FdStore *store, const char *path) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	char message[CONF_ERROR_MAX], name[FDSTORE_NAME_MAX], port[16];
	RelayConfig config = { .listen_fd = -1 };
	RelayAdopt adopt;
	RelayStateFile s;
	Relay *r;
	int k;

	k = relay_state_load(path, &s, message);
	if (k < 0) {
		log_error("Ignoring relay state: %s", message);
		return k;
	}

	snprintf(port, sizeof(port), "%u", s.vsock_port);
	fdstore_name(name, "conn", port);
	adopt.conn_fd = fdstore_take(store, name);
	fdstore_name(name, "dev", port);
	adopt.dev_fd = fdstore_take(store, name);
	fdstore_name(name, "listen", port);
	s.options.listen_fd = fdstore_take(store, name);
	if (s.options.listen_fd >= 0) {
		free(s.options.listen);
		s.options.listen = NULL;
	}

	k = relay_config_new(&config, s.vsock_port, s.bridge, s.port_name, s.mac, s.vlan, &s.options, &error);
	if (k >= 0)
		k = relay_new(&r, m, &config, &adopt, &error);
	relay_config_done(&config);
	safe_close(adopt.conn_fd);
	safe_close(adopt.dev_fd);
	if (k < 0) {
		log_error("relay %u: cannot restore the relay: %s", s.vsock_port, error.message ?: strerror(-k));
		relay_state_done(&s);
		return k;
	}

	log_info("relay %u: restored, %s.", s.vsock_port, relay_state_to_string(r->state));
	relay_state_done(&s);
	manager_add_relay(m, r);
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
}

void manager_sweep_stale_ports(Manager *m) {
	_cleanup_free_ char *out = NULL, *err = NULL;
	int status;

	status = ovs_command_run_sync(ovs_argv_list_owned(&m->ovs),
	                              m->ovs.timeout_sec ?: OVS_TIMEOUT_SEC_DEFAULT, &out, &err);
	if (status != 0) {
		/* No OVS here (a bridge-only helper VM) is no reason to fail. */
		log_info("Not looking for stale OVS ports: %s",
		         status == -ENOENT ? "ovs-vsctl not found" : (err && err[0] ? err : "ovs-vsctl failed"));
		return;
	}

	for (char *save = NULL, *name = strtok_r(out, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *derr = NULL;

		if (!name[0] || manager_owns_port(m, name))
			continue;
		status = ovs_command_run_sync(ovs_argv_del_port(&m->ovs, NULL, name),
		                              m->ovs.timeout_sec ?: OVS_TIMEOUT_SEC_DEFAULT, NULL, &derr);
		if (status == 0)
			log_notice("Deleted stale port %s left by an earlier arca-relayd.", name);
		else
			log_warning("Failed to delete stale port %s: %s", name, derr && derr[0] ? derr : "ovs-vsctl failed");
	}
}

void manager_stop_all(Manager *m) {
	if (fdstore_available()) {
		while (m->relays) {
			Relay *r = m->relays;
			m->relays = r->next;
			m->n_relays--;
			listener_keep_path(r->listener);
			relay_free(r);
		}
		return;
	}

	while (m->relays) {
		Relay *r = m->relays;
		int status;

		m->relays = r->next;
		m->n_relays--;
		if (r->config.backend == RELAY_BACKEND_OVS && (r->port_made || r->ovs)) {
			_cleanup_free_ char *err = NULL;

			r->ovs = ovs_command_free(r->ovs);
			status = ovs_command_run_sync(ovs_argv_del_port(&m->ovs, r->config.bridge, r->config.port_name),
			                              m->ovs.timeout_sec ?: OVS_TIMEOUT_SEC_DEFAULT, NULL, &err);
			if (status == 0)
				log_info("relay %u: port %s deleted on shutdown.", r->config.vsock_port, r->config.port_name);
			else
				log_warning("relay %u: failed to delete port %s on shutdown: %s", r->config.vsock_port,
				            r->config.port_name, err && err[0] ? err : "ovs-vsctl failed");
		}
		(void) relay_state_remove(r, m->state_dir);
		relay_free(r);
	}
}
