/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What arcactl asks a daemon for: one network (AttachNetwork) or one relay
 * (StartRelay). Settings come from a KEY=VALUE file (arca-forwarder.conf(5),
 * arca-relay.conf(5)) and from the command line, whose options are the
 * file's keys under other names and override them. Both go through the
 * same parsers, which check a value's form, so a typo is reported with its
 * file and line (or option) before anything is sent; whether the values
 * make sense together is the daemon's call.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "conffile.h"
#include "stream.h"

#define VLAN_ID_MAX 4094U
#define VSOCK_PORT_MAX 4294967294U     /* VMADDR_PORT_ANY - 1 */

typedef struct NetworkAddress {
	char *address;                  /* without the prefix */
	uint32_t prefix_len;            /* from "A/P"; 0: not given */
} NetworkAddress;

typedef struct NetworkSettings {
	char *device;
	NetworkAddress address;
	uint32_t prefix_len;            /* Prefix=; 0: not given */
	char *gateway;                  /* NULL or "": none */
	char *mac;
	uint32_t mtu;                   /* 0: the daemon's default */
	char *framing;                  /* NULL: the daemon's default */
	int default_route;              /* -1: the daemon's default */
	int lock_mac;                   /* -1: the daemon's default */
	PeerAllowlist allowed_peers;    /* n == 0: the daemon's default */
	char **dns;
	char *listen;
	uint64_t rate_limit;            /* bytes per second; 0: none */
	int listen_fd;                  /* -1: none; not owned */
} NetworkSettings;

typedef struct RelaySettings {
	char *bridge;
	char *port_name;
	char *mac;
	uint32_t vlan;                  /* 0: untagged */
	char *iface_id;
	char *network_id;
	char *container_id;
	uint32_t mtu;
	char *backend;
	char *framing;
	int lock_mac;                   /* -1: the daemon's default */
	PeerAllowlist allowed_peers;    /* n == 0: the daemon's default */
	uint64_t rate_limit;            /* bytes per second; 0: none */
	char *listen;
	int listen_fd;                  /* -1: none; not owned */
} RelaySettings;

extern const ConfItem network_settings_table[];
extern const ConfItem relay_settings_table[];

void network_settings_init(NetworkSettings *s);
void network_settings_done(NetworkSettings *s);
void relay_settings_init(RelaySettings *s);
void relay_settings_done(RelaySettings *s);

/* Sets the setting named key (a table key, e.g. "VLAN") from text. Returns
 * -ENOKEY if the table has no such key, -EINVAL if the value is refused. */
int settings_set(const ConfItem *table, void *settings, const char *key, const char *value);

/* Reads a settings file. A leading '-' in path makes a missing file the
 * same as an empty one. On failure error holds "FILE:LINE: ...". */
int settings_load(const ConfItem *table, void *settings, const char *path,
                  char error[static CONF_ERROR_MAX]);

/* Whether the settings make one request: a network needs a device and an
 * address, and an address prefix given twice must agree. On failure error
 * names what is missing; origin (a file name, or NULL for the command
 * line) says where it should have been. */
int network_settings_check(const NetworkSettings *s, const char *origin,
                           char error[static CONF_ERROR_MAX]);

/* Append the arguments of AttachNetwork ("sussua{sv}") and StartRelay
 * ("usssua{sv}"): what is not set is left out of the options. */
int network_settings_append(sd_bus_message *m, uint32_t port, const NetworkSettings *s);
int relay_settings_append(sd_bus_message *m, uint32_t port, const RelaySettings *s);

/* A number of bytes (uint64_t) above 0; K, M, G, T multiply by powers of
 * 1000, as systemd's bandwidth settings do. */
int parse_bytes(const char *value, void *field);

/* A vsock port: 1 to VSOCK_PORT_MAX, in decimal. */
int parse_vsock_port(const char *s, uint32_t *ret);
