/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A network of arca-forwarderd: a TAP device in the container VM with the
 * container's address, route, MAC and MTU, whose frames the shared core
 * forwards to and from the host (object.h, hostport.h). What is the
 * forwarder's own is here: the checks of AttachNetwork's settings, the
 * TAP device's recipe, the default route metrics, and resolv.conf, which
 * holds the DNS servers of the networks attached.
 */

#include "daemon.h"
#include "device-tap.h"

#define NETWORK_MTU_DEFAULT 1500U
#define NETWORK_MTU_MIN 68U
#define NETWORK_MTU_MIN_IPV6 1280U
#define NETWORK_MTU_MAX 65520U
#define NETWORK_PREFIX_DEFAULT_IPV4 24U
#define NETWORK_PREFIX_DEFAULT_IPV6 64U
#define NETWORK_ADDRESSES_MAX TAP_ADDRESSES_MAX
/* Default routes: the first network gets the lowest metric. */
#define ROUTE_METRIC_BASE 100U
#define RESOLV_CONF_DEFAULT "/etc/resolv.conf"
/* A hand-run daemon's, in its state directory: no NAME.conf, so no state. */
#define RESOLV_CONF_INSTANCE_DIR "dns"

extern const ObjectOps network_ops;

/* --resolv-conf=PATH; without it, /etc/resolv.conf, or with --bus=PATH,
 * STATE_DIR/dns/resolv.conf. */
int network_set_resolv_conf(const char *path);

/* resolv.conf: written from the networks' DNS servers, or put back as it
 * was when none has any. */
void network_update_resolv_conf(Daemon *d);
