/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What a restarted arca-forwarderd needs to know of each network: its
 * AttachNetwork arguments and options, as a KEY=VALUE file per network in
 * the state directory (/run/arca/forwarder). The file is written once the
 * network is attached and removed when it is detached; a new daemon reads
 * them all and attaches the networks again, adopting the devices, listeners
 * and connections the fd store kept.
 */

#include <stdint.h>

#include "network.h"

#define FORWARDER_STATE_DIR_DEFAULT "/run/arca/forwarder"

typedef struct NetworkStateFile {
	char *device;
	uint32_t vsock_port;
	char *address;
	uint32_t prefix_len;
	char *gateway;
	uint32_t metric;
	NetworkOptions options;
} NetworkStateFile;

int network_state_save(const Network *n, const char *dir);
int network_state_remove(const Network *n, const char *dir);

/* Reads one state file; error says what is wrong with it. */
int network_state_load(const char *path, NetworkStateFile *ret, char error[static 256]);
void network_state_done(NetworkStateFile *s);
