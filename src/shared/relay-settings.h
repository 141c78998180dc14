/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A relay of arca-relayd, as its schema (schema.h) describes it: its
 * settings in the field table (StartRelay's arguments and options, the keys
 * of arca-relay.conf(5) and of the state file, the properties of
 * org.arca.Relay1.Relay) and its names on the bus. arcactl and the daemon
 * both read them from here.
 */

#include <stdint.h>

#include "fieldtype.h"
#include "hostport.h"
#include "schema.h"

typedef enum RelayBackend {
	RELAY_BACKEND_OVS,
	RELAY_BACKEND_BRIDGE,
	_RELAY_BACKEND_MAX,
} RelayBackend;

const char *relay_backend_to_string(RelayBackend b);
RelayBackend relay_backend_from_string(const char *s);

extern const FieldType field_type_backend;

typedef struct RelaySettings {
	uint32_t vsock_port;
	char *bridge;                   /* NULL: br-int */
	char *port_name;                /* NULL: arcaPORT */
	char *mac;                      /* the container's; NULL: not known */
	uint32_t vlan;                  /* 0: untagged */
	char *iface_id;                 /* NULL: the port name */
	char *network_id;
	char *container_id;
	uint32_t mtu;                   /* 0: leave as it is */
	int backend;                    /* RelayBackend; -1: not given */
	HostPortSettings host;
} RelaySettings;

extern const Field relay_fields[];
extern const ObjectSchema relay_schema;
