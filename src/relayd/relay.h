/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A relay of arca-relayd: a listener for the host and, while a host is
 * connected, a port on a bridge whose frames the shared core forwards to
 * and from the host (object.h, hostport.h). What is the relay daemon's
 * own is here: the checks of StartRelay's settings, whether the bridge
 * exists, and which port to make: an Open vSwitch internal port
 * (device-ovs.h) or a Linux bridge port (device-bridge.h).
 */

#include "daemon.h"

#define RELAY_BRIDGE_DEFAULT "br-int"
#define RELAY_MTU_MIN 68U
#define RELAY_MTU_MAX 65520U
#define RELAY_OVS_TIMEOUT_SEC_MAX 3600U

extern const ObjectOps relay_ops;

/* --ovs-vsctl=PATH, --ovs-db=ADDRESS, --ovs-timeout=SEC */
int relay_set_ovs_vsctl(const char *path);
int relay_set_ovs_db(const char *address);
int relay_set_ovs_timeout(const char *seconds);
int relay_set_ovn_ready_timeout(const char *seconds);

/* Deletes the OVS ports an earlier daemon made that no relay has now. */
void relay_sweep(Daemon *d);
