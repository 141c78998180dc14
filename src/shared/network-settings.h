/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A network of arca-forwarderd, as its schema (schema.h) describes it: its
 * settings in the field table (AttachNetwork's arguments and options, the
 * keys of arca-forwarder.conf(5) and of the state file, the properties of
 * org.arca.Forwarder1.Network) and its names on the bus. arcactl and the
 * daemon both read them from here.
 */

#include <stdint.h>

#include "fieldtype.h"
#include "hostport.h"
#include "schema.h"

typedef struct NetworkSettings {
	char *device;
	uint32_t vsock_port;
	FieldAddress address;           /* the first address */
	char *gateway;                  /* NULL: none */
	uint32_t prefix_len;            /* 0: /24 for IPv4, /64 for IPv6 */
	/* Dual stack: the addresses after the first, "ADDRESS[/PREFIX]", and
	 * the gateways after the first, one per family in all. */
	char **addresses;
	char **gateways;
	char *mac;                      /* NULL: a random one */
	uint32_t mtu;
	HostPortSettings host;
	int default_route;              /* via the gateways; -1: not given */
	int ipv6_link_local;            /* -1: not given, yes */
	char **dns;
	uint32_t metric;                /* of the default route; state only */
} NetworkSettings;

extern const Field network_fields[];
extern const ObjectSchema network_schema;
