/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What arcactl asks a daemon for: one network (AttachNetwork) or one relay
 * (StartRelay), as the object type's settings (network-settings.h,
 * relay-settings.h). They come from a settings file (arca-forwarder.conf(5),
 * arca-relay.conf(5)) and from the command line, whose options are the
 * file's keys under other names and override them. Both go through the
 * field table, which checks a value's form, so a typo is reported with its
 * file and line (or option) before anything is sent; whether the values
 * make sense together is the daemon's call.
 */

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "conffile.h"
#include "network-settings.h"
#include "relay-settings.h"

#define VSOCK_PORT_MAX 4294967294U     /* VMADDR_PORT_ANY - 1 */

void network_settings_init(NetworkSettings *s);
void network_settings_done(NetworkSettings *s);
void relay_settings_init(RelaySettings *s);
void relay_settings_done(RelaySettings *s);

/* Sets the setting named key (a file key, e.g. "VLAN") from text. Returns
 * -ENOKEY if the table has no such key, -EINVAL if the value is refused. */
int settings_set(const Field *table, void *settings, const char *key, const char *value);

/* Reads a settings file. A leading '-' in path makes a missing file the
 * same as an empty one. On failure error holds "FILE:LINE: ...". */
int settings_load(const Field *table, void *settings, const char *path, char error[static CONF_ERROR_MAX]);

/* Whether the settings make one request: a network needs a device and an
 * address (Address or Addresses), an address prefix given twice must
 * agree, and a gateway needs an address of its family. On failure error
 * names what is missing; origin (a file name, or NULL for the command
 * line) says where it should have been. */
int network_settings_check(const NetworkSettings *s, const char *origin, char error[static CONF_ERROR_MAX]);

/* Append the arguments of AttachNetwork ("sussua{sv}") and StartRelay
 * ("usssua{sv}") for vsock port `port`: what is not set is left out of
 * the options, and a passed socket (listen_fd, which stays the caller's)
 * wins over Listen=. */
int network_settings_append(sd_bus_message *m, uint32_t port, const NetworkSettings *s);
int relay_settings_append(sd_bus_message *m, uint32_t port, const RelaySettings *s);

/* A vsock port: 1 to VSOCK_PORT_MAX, in decimal. */
int parse_vsock_port(const char *s, uint32_t *ret);
