/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What a restarted arca-relayd needs to know of each relay: its StartRelay
 * arguments and options, as a KEY=VALUE file per relay in the state
 * directory (/run/arca/relay), written when the relay starts and removed
 * when it stops. A new daemon reads them all and starts the relays again,
 * adopting the listeners, host connections and port sockets the fd store
 * kept.
 */

#include <stdint.h>

#include "conffile.h"
#include "relay.h"

#define RELAY_STATE_DIR_DEFAULT "/run/arca/relay"

typedef struct RelayStateFile {
	uint32_t vsock_port;
	char *bridge;
	char *port_name;
	char *mac;
	uint32_t vlan;
	RelayOptions options;
} RelayStateFile;

int relay_state_save(const Relay *r, const char *dir);
int relay_state_remove(const Relay *r, const char *dir);

/* Reads one state file; error says what is wrong with it. */
int relay_state_load(const char *path, RelayStateFile *ret, char error[static CONF_ERROR_MAX]);
void relay_state_done(RelayStateFile *s);
