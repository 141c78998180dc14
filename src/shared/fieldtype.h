/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The types of the settings in field tables (field.h), each with its rule:
 * how its text is parsed and written, how it travels on the bus and what
 * it is when not set. A string type stores a char * (NULL: not set; an
 * empty string on the bus is not set either), normalised where a value has
 * more than one spelling (MAC and IP addresses); numbers store uint32_t or
 * uint64_t (0: not set); booleans and enums an int (-1: not set).
 */

#include <stdint.h>

#include "field.h"
#include "stream.h"
#include "strtable.h"

/* Device names as the kernel takes them: 1 to 15 bytes, no '/', ':',
 * '%' or white space. */
extern const FieldType field_type_ifname;
/* Names that Open vSwitch and the kernel both take and that need no
 * quoting for ovs-vsctl: letters, digits, '-', '_', '.'. */
extern const FieldType field_type_portname;
/* external-ids values: printable, no quotes or backslashes, <= 255. */
extern const FieldType field_type_id;
extern const FieldType field_type_mac;              /* unicast, "02:42:ac:12:00:02" */
extern const FieldType field_type_ip;               /* IPv4 or IPv6; "" in text too: none */
extern const FieldType field_type_address;          /* FieldAddress */
extern const FieldType field_type_prefix;           /* text: 1 to 128 */
extern const FieldType field_type_vsock_port;       /* 1 to VMADDR_PORT_ANY - 1 */
extern const FieldType field_type_vlan;             /* 0 to 4094 */
extern const FieldType field_type_mtu;              /* text: above 0 */
extern const FieldType field_type_u32;
extern const FieldType field_type_queue_length;     /* frames, 1 to 1000000 */
extern const FieldType field_type_bytes;            /* uint64_t; text: 10K, 1M, ... */
extern const FieldType field_type_bool;
extern const FieldType field_type_framing;          /* Framing */
extern const FieldType field_type_listen;           /* a socket address, address.h */
extern const FieldType field_type_connect;          /* one to reach: a vsock CID given */
extern const FieldType field_type_fd;               /* int, -1: none; the bus only */
extern const FieldType field_type_ip_list;          /* char **, IP addresses */
extern const FieldType field_type_address_list;     /* char **, "ADDRESS[/PREFIX]" */
extern const FieldType field_type_allowlist;        /* PeerAllowlist */

/* An address and, in text only, the prefix length written after it
 * ("10.0.0.2/24"); on the bus the two travel apart. */
typedef struct FieldAddress {
	char *address;
	uint32_t prefix_len;            /* 0: not given */
} FieldAddress;

/*
 * An enum type over a string table (strtable.h): NAME_table[] and
 * NAME_from_string(), stored as an int, -1 while not set.
 *
 *     DEFINE_FIELD_TYPE_ENUM(field_type_framing, framing, "length32 vnet",
 *                            "use length32 or vnet");
 */
int field_enum_read(sd_bus_message *m, const Field *f, void *value, sd_bus_error *error,
                    int (*from_string)(const char *s));
#define DEFINE_FIELD_TYPE_ENUM(type_name, name, names, rule_text)                                      \
	static int type_name##_from(const char *s) {                                              \
		return (int) name##_from_string(s);                                               \
	}                                                                                         \
	static void type_name##_init(void *value) {                                               \
		*(int *) value = -1;                                                      \
	}                                                                                         \
	static bool type_name##_is_set(const void *value) {                                       \
		return *(const int *) value >= 0;                                                 \
	}                                                                                         \
	static int type_name##_parse(const char *text, void *value) {                             \
		int v = type_name##_from(text);                                                   \
		if (v < 0)                                                                        \
			return -EINVAL;                                                           \
		*(int *) value = v;                                                               \
		return 0;                                                                         \
	}                                                                                         \
	static int type_name##_format(const void *value, FILE *f) {                               \
		return fputs(name##_to_string(*(const int *) value), f) < 0 ? -EIO : 0;          \
	}                                                                                         \
	static int type_name##_read(sd_bus_message *m, const Field *field, void *value,            \
	                            sd_bus_error *error) {                                        \
		return field_enum_read(m, field, value, error, type_name##_from);                 \
	}                                                                                         \
	static int type_name##_append(sd_bus_message *m, const void *value) {                     \
		return sd_bus_message_append(m, "s", name##_to_string(*(const int *) value) ?: ""); \
	}                                                                                         \
	static int type_name##_get(sd_bus *bus, const char *path, const char *interface,          \
	                           const char *property, sd_bus_message *reply, void *userdata,   \
	                           sd_bus_error *error) {                                         \
		return type_name##_append(reply, userdata);                                       \
	}                                                                                         \
	const FieldType type_name = {                                                             \
		.signature = "s",                                                                 \
		.rule = rule_text,                                                                \
		.init = type_name##_init,                                                         \
		.is_set = type_name##_is_set,                                                     \
		.parse = type_name##_parse,                                                       \
		.format = type_name##_format,                                                     \
		.read = type_name##_read,                                                         \
		.append = type_name##_append,                                                     \
		.get = type_name##_get,                                                           \
		.values = names,                                                                  \
	}
