/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The device of a relay on a Linux bridge (Backend=bridge): a TAP port of
 * the bridge (bridge.h), made when a host connects. Closing its fd deletes
 * it, so closing is all there is to delete, and a daemon killed even by
 * SIGKILL leaves no port behind.
 */

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "device.h"
#include "tap.h"

struct nl_sock;

/* The names are borrowed and must outlive the device. With adopt_fd >= 0
 * the port an earlier daemon made is taken over, if it is still there. */
int device_bridge_new(Device **ret, struct nl_sock *nl, const char *bridge, const char *port,
                      uint32_t mtu, TapVnet vnet, int adopt_fd);

/* 0 if bridge is a Linux bridge; otherwise a NoSuchBridge error that says
 * what to do. */
int device_bridge_check(struct nl_sock *nl, const char *bridge, sd_bus_error *error);
