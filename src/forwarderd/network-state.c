/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conffile.h"
#include "network-state.h"

static const ConfItem state_table[] = {
	{ "Device", conf_parse_string, offsetof(NetworkStateFile, device) },
	{ "VsockPort", conf_parse_u32, offsetof(NetworkStateFile, vsock_port) },
	{ "Address", conf_parse_string, offsetof(NetworkStateFile, address) },
	{ "PrefixLength", conf_parse_u32, offsetof(NetworkStateFile, prefix_len) },
	{ "Gateway", conf_parse_string, offsetof(NetworkStateFile, gateway) },
	{ "Metric", conf_parse_u32, offsetof(NetworkStateFile, metric) },
	{ "MAC", conf_parse_string, offsetof(NetworkStateFile, options.mac) },
	{ "MTU", conf_parse_u32, offsetof(NetworkStateFile, options.mtu) },
	{ "Framing", conf_parse_string, offsetof(NetworkStateFile, options.framing) },
	{ "Listen", conf_parse_string, offsetof(NetworkStateFile, options.listen) },
	{ "RateLimit", conf_parse_u64, offsetof(NetworkStateFile, options.rate_limit) },
	{ "DefaultRoute", conf_parse_bool, offsetof(NetworkStateFile, options.default_route) },
	{ "LockMAC", conf_parse_bool, offsetof(NetworkStateFile, options.lock_mac) },
	{ "AllowedPeers", peer_allowlist_parse, offsetof(NetworkStateFile, options.allowed_peers) },
	{ "DNS", conf_parse_strv, offsetof(NetworkStateFile, options.dns) },
	{}
};

static int state_path(const Network *n, const char *dir, char **ret) {
	return asprintf(ret, "%s/%s.conf", dir, n->config.device) < 0 ? -ENOMEM : 0;
}

int network_state_save(const Network *n, const char *dir) {
	const NetworkConfig *c = &n->config;
	_cleanup_free_ char *path = NULL, *dns = NULL;
	char port[16], prefix[16], metric[16], mtu[16], rate[32], peers[PEER_ALLOWLIST_STRING_MAX];
	size_t dns_len = 0;
	int r;

	r = state_path(n, dir, &path);
	if (r < 0)
		return r;
	r = mkdir_parents(dir, 0755);
	if (r < 0)
		return r;

	for (char **s = c->dns; s && *s; s++)
		dns_len += strlen(*s) + 1;
	if (dns_len > 0) {
		dns = calloc(1, dns_len);
		if (!dns)
			return -ENOMEM;
		for (char **s = c->dns; s && *s; s++) {
			if (s != c->dns)
				strcat(dns, " ");
			strcat(dns, *s);
		}
	}

	snprintf(port, sizeof(port), "%" PRIu32, c->vsock_port);
	snprintf(prefix, sizeof(prefix), "%u", c->prefix_len);
	snprintf(metric, sizeof(metric), "%" PRIu32, n->metric);
	snprintf(mtu, sizeof(mtu), "%" PRIu32, c->mtu);
	snprintf(rate, sizeof(rate), "%" PRIu64, c->rate_limit);
	peer_allowlist_format(&c->allowed_peers, peers);

	const ConfEntry entries[] = {
		{ "Device", c->device },
		{ "VsockPort", port },
		{ "Address", c->address_string },
		{ "PrefixLength", prefix },
		{ "Gateway", c->gateway_string },
		{ "Metric", metric },
		{ "MAC", c->mac_string },
		{ "MTU", mtu },
		{ "Framing", framing_to_string(c->framing) },
		/* Where it listens now, also for a ListenFD: without the fd
		 * store, a restart binds that address itself. */
		{ "Listen", n->listen_string },
		{ "RateLimit", rate },
		{ "DefaultRoute", c->default_route ? "yes" : "no" },
		{ "LockMAC", c->lock_mac ? "yes" : "no" },
		{ "AllowedPeers", peers },
		{ "DNS", dns },
	};
	return conf_write_file(path, entries, ELEMENTSOF(entries));
}

int network_state_remove(const Network *n, const char *dir) {
	_cleanup_free_ char *path = NULL;
	int r;

	r = state_path(n, dir, &path);
	if (r < 0)
		return r;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int network_state_load(const char *path, NetworkStateFile *ret, char error[static 256]) {
	NetworkStateFile s = {};
	int r;

	network_options_init(&s.options);
	r = conf_parse_file(path, state_table, &s, error);
	if (r >= 0 && (!s.device || !s.address || !s.gateway)) {
		snprintf(error, 256, "%s: Device=, Address= or Gateway= missing", path);
		r = -EINVAL;
	}
	if (r < 0) {
		network_state_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

void network_state_done(NetworkStateFile *s) {
	free(s->device);
	free(s->address);
	free(s->gateway);
	network_options_done(&s->options);
	*s = (NetworkStateFile) {};
}
