/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The names both daemons serve and arcactl calls. See org.arca.Forwarder1(5)
 * and org.arca.Relay1(5); the interfaces are in dbus/. */

#define FORWARDER_BUS_NAME "org.arca.Forwarder1"
#define FORWARDER_PATH "/org/arca/Forwarder1"
#define FORWARDER_MANAGER_INTERFACE "org.arca.Forwarder1.Manager"
#define FORWARDER_NETWORK_PREFIX "/org/arca/Forwarder1/network"
#define FORWARDER_NETWORK_INTERFACE "org.arca.Forwarder1.Network"

#define RELAY_BUS_NAME "org.arca.Relay1"
#define RELAY_PATH "/org/arca/Relay1"
#define RELAY_MANAGER_INTERFACE "org.arca.Relay1.Manager"
#define RELAY_PATH_PREFIX "/org/arca/Relay1/relay"
#define RELAY_INTERFACE "org.arca.Relay1.Relay"
