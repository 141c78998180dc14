/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"
#include "relay-state.h"

static const ConfItem state_table[] = {
	{ "VsockPort", conf_parse_u32, offsetof(RelayStateFile, vsock_port) },
	{ "Bridge", conf_parse_string, offsetof(RelayStateFile, bridge) },
	{ "PortName", conf_parse_string, offsetof(RelayStateFile, port_name) },
	{ "MAC", conf_parse_string, offsetof(RelayStateFile, mac) },
	{ "VLAN", conf_parse_u32, offsetof(RelayStateFile, vlan) },
	{ "IfaceId", conf_parse_string, offsetof(RelayStateFile, options.iface_id) },
	{ "NetworkId", conf_parse_string, offsetof(RelayStateFile, options.network_id) },
	{ "ContainerId", conf_parse_string, offsetof(RelayStateFile, options.container_id) },
	{ "MTU", conf_parse_u32, offsetof(RelayStateFile, options.mtu) },
	{ "Backend", conf_parse_string, offsetof(RelayStateFile, options.backend) },
	{ "Framing", conf_parse_string, offsetof(RelayStateFile, options.framing) },
	{ "Listen", conf_parse_string, offsetof(RelayStateFile, options.listen) },
	{ "RateLimit", conf_parse_u64, offsetof(RelayStateFile, options.rate_limit) },
	{ "LockMAC", conf_parse_bool, offsetof(RelayStateFile, options.lock_mac) },
	{ "AllowedPeers", peer_allowlist_parse, offsetof(RelayStateFile, options.allowed_peers) },
	{}
};

static int state_path(const Relay *r, const char *dir, char **ret) {
	return asprintf(ret, "%s/%" PRIu32 ".conf", dir, r->config.vsock_port) < 0 ? -ENOMEM : 0;
}

/* Empty ids were not given: left out, so that they stay unset. */
static const char *nonempty(const char *s) {
	return s && s[0] ? s : NULL;
}

int relay_state_save(const Relay *r, const char *dir) {
	const RelayConfig *c = &r->config;
	_cleanup_free_ char *path = NULL;
	char port[16], vlan[16], mtu[16], rate[32], peers[PEER_ALLOWLIST_STRING_MAX];
	int k;

	k = state_path(r, dir, &path);
	if (k < 0)
		return k;
	k = mkdir_parents(dir, 0755);
	if (k < 0)
		return k;

	snprintf(port, sizeof(port), "%" PRIu32, c->vsock_port);
	snprintf(vlan, sizeof(vlan), "%" PRIu32, c->vlan);
	snprintf(mtu, sizeof(mtu), "%" PRIu32, c->mtu);
	snprintf(rate, sizeof(rate), "%" PRIu64, c->rate_limit);
	peer_allowlist_format(&c->allowed_peers, peers);

	const ConfEntry entries[] = {
		{ "VsockPort", port },
		{ "Bridge", c->bridge },
		{ "PortName", c->port_name },
		{ "MAC", c->mac },
		{ "VLAN", vlan },
		{ "IfaceId", c->iface_id },
		{ "NetworkId", nonempty(c->network_id) },
		{ "ContainerId", nonempty(c->container_id) },
		{ "MTU", mtu },
		{ "Backend", relay_backend_to_string(c->backend) },
		{ "Framing", framing_to_string(c->framing) },
		/* Where it listens now, also for a ListenFD: without the fd
		 * store, a restart binds that address itself. */
		{ "Listen", r->listen_string },
		{ "RateLimit", rate },
		{ "LockMAC", c->lock_mac ? "yes" : "no" },
		{ "AllowedPeers", peers },
	};
	return conf_write_file(path, entries, ELEMENTSOF(entries));
}

int relay_state_remove(const Relay *r, const char *dir) {
	_cleanup_free_ char *path = NULL;
	int k;

	k = state_path(r, dir, &path);
	if (k < 0)
		return k;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int relay_state_load(const char *path, RelayStateFile *ret, char error[static CONF_ERROR_MAX]) {
	RelayStateFile s = {};
	int k;

	relay_options_init(&s.options);
	k = conf_parse_file(path, state_table, &s, error);
	if (k >= 0 && (s.vsock_port == 0 || !s.bridge || !s.port_name)) {
		snprintf(error, CONF_ERROR_MAX, "%s: VsockPort=, Bridge= or PortName= missing", path);
		k = -EINVAL;
	}
	if (k < 0) {
		relay_state_done(&s);
		return k;
	}
	*ret = s;
	return 0;
}

void relay_state_done(RelayStateFile *s) {
	free(s->bridge);
	free(s->port_name);
	free(s->mac);
	relay_options_done(&s->options);
	*s = (RelayStateFile) {};
}
