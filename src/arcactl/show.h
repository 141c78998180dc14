/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What arcactl prints, from Props: the tables of `list`, the status pages
 * of `status` (a label column aligned on the colon, as networkctl does,
 * byte counters in human units), and the same data as JSON. The names of
 * the Props are the JSON keys and, for a network or relay, the D-Bus
 * property names of org.arca.Forwarder1(5) and org.arca.Relay1(5).
 *
 *   a network row (ListNetworks): Device, VsockPort, Address, PrefixLength,
 *     Gateway, MAC, State, Path
 *   a relay row (ListRelays): VsockPort, Bridge, PortName, MAC, VLAN,
 *     State, Path
 *   the forwarder (GetStatus): Version, Networks, UptimeUSec, FramesToHost,
 *     BytesToHost, FramesFromHost, BytesFromHost, Drops, Errors
 *   the relay daemon (GetStats): Version, Relays, Connected, FramesToHost,
 *     BytesToHost, FramesFromHost, BytesFromHost, Drops, Errors, Refused
 */

#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "props.h"

void show_networks(FILE *f, const Props *rows, size_t n, bool legend);
void show_relays(FILE *f, const Props *rows, size_t n, bool legend);

void show_network_status(FILE *f, const Props *p);
void show_relay_status(FILE *f, const Props *p);
void show_forwarder_status(FILE *f, const Props *p);
void show_relayd_status(FILE *f, const Props *p);

/* One object with every value of p, in order. */
void show_json_props(JsonWriter *w, const Props *p);
/* "key": [ objects ] */
void show_json_array(JsonWriter *w, const char *key, const Props *rows, size_t n);
