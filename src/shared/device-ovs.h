/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The device of a relay on Open vSwitch: an internal port, made while a
 * host is connected. Opening runs `ovs-vsctl add-port` (tagged, with the
 * OVN iface-id and our ids in external-ids), waits for the port's device
 * to appear, brings it up without an IPv6 link-local address and opens an
 * AF_PACKET socket on it; closing runs `ovs-vsctl del-port`. Every
 * ovs-vsctl runs as a child of the loop (ovs.h), never blocking it.
 *
 * Ports are marked external-ids:arca-owner=arca-relayd, so that those a
 * daemon killed before it could delete them are found and deleted by the
 * next one (device_ovs_sweep()).
 */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "device.h"
#include "ovs.h"

struct nl_sock;

/* The port's strings are borrowed and must outlive the device; so must
 * ovs. With adopt_fd >= 0 the port an earlier daemon made is taken over,
 * if it is still there. */
int device_ovs_new(Device **ret, sd_event *event, struct nl_sock *nl, const OvsContext *ovs,
                   const OvsPort *port, int adopt_fd);

/* Deletes every port marked as ours that no device of this process has,
 * or is making: for start-up, before the loop runs. */
void device_ovs_sweep(const OvsContext *ovs);

/* Whether a bridge exists in OVS, asked without blocking: done gets NULL
 * if it does, else an error that names the problem and its fix
 * (NoSuchBridge, OvsFailed). It is called once, and may free the check;
 * freeing the check before cancels it. */
typedef struct OvsBridgeCheck OvsBridgeCheck;
typedef void (*OvsBridgeChecked)(OvsBridgeCheck *c, const sd_bus_error *error, void *userdata);
int ovs_bridge_check_new(OvsBridgeCheck **ret, sd_event *event, const OvsContext *ovs,
                         const char *bridge, OvsBridgeChecked done, void *userdata);
OvsBridgeCheck *ovs_bridge_check_free(OvsBridgeCheck *c);
