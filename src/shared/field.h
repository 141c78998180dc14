/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Fields: the settings of an object type (a network, a relay) in one
 * table, each setting written once, with its type and its place in the
 * type's settings struct. Every form a setting takes is read and written
 * from that table:
 *
 *   - the create method's arguments (arg > 0, in that order) and its a{sv}
 *     options (FIELD_OPTION): the daemon reads them, arcactl writes them;
 *   - the settings files under /etc/arca, and arcactl's options
 *     (FIELD_SETTING);
 *   - the daemon's state file, which brings an object back after a
 *     restart (FIELD_STATE);
 *   - the object's properties on the bus (FIELD_PROPERTY).
 *
 * A value is checked by its type in every form, so a file, the command
 * line and the bus refuse the same values by the same rule. What is not
 * set (NULL, 0, -1: the type says) is left out of the call, the options
 * and the state file. A row may instead include another table at an
 * offset: the host port's settings, which both object types share.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "conffile.h"

enum {
	FIELD_OPTION = 1U << 0,
	FIELD_SETTING = 1U << 1,
	FIELD_STATE = 1U << 2,
	FIELD_PROPERTY = 1U << 3,
	FIELD_WRITABLE = 1U << 4,       /* a property that may be set, live */
};

typedef struct Field Field;
typedef struct FieldType FieldType;

struct FieldType {
	const char *signature;          /* on the bus */
	/* What a value must be, for messages: "use 1 to 4094"; text_rule for
	 * its text where that differs (NULL: the same). */
	const char *rule;
	const char *text_rule;
	void (*init)(void *value);      /* unset; NULL: all zero */
	void (*done)(void *value);      /* frees; NULL: nothing to free */
	bool (*is_set)(const void *value);
	/* Text (files, arcactl): 0, or -EINVAL if the rule refuses it. */
	int (*parse)(const char *text, void *value);
	/* Text for a state file; only called for a value that is set. */
	int (*format)(const void *value, FILE *f);
	/* The bus: reads or appends a value of `signature` where the message
	 * is. A value the rule refuses is an InvalidArgument naming field. */
	int (*read)(sd_bus_message *m, const Field *field, void *value, sd_bus_error *error);
	int (*append)(sd_bus_message *m, const void *value);
	sd_bus_property_get_t get;      /* NULL: sd-bus reads `signature` itself */
	/* Given twice on a command line, the values add up. */
	bool list;
	/* The values it takes where they are a fixed few: "ovs bridge". */
	const char *values;
};

struct Field {
	const char *name;               /* the key, on the bus and in files */
	const FieldType *type;
	size_t offset;                  /* of the value in the settings struct */
	unsigned flags;
	unsigned arg;                   /* 1 + its position among the create
	                                 * method's arguments; 0: none */
	const char *arg_name;           /* there, for introspection */
	/* arcactl: "--option"; --option=VALUE sets it, or with option_value,
	 * --option alone sets that ("--no-lock-mac" is LockMAC=no). */
	const char *option;
	const char *option_value;
	const char *metavar;            /* in arcactl's help: --mtu=BYTES */
	const char *help;
	const char *alias;              /* another key files may use */
	/* Instead of a value: the rows of another table, at offset. */
	const Field *include;
};

/* Calls fn for every row of table that has all of `flags`, includes
 * flattened, with the offset of its value; stops at fn's first < 0. */
typedef int (*FieldVisitor)(const Field *f, size_t offset, void *userdata);
int fields_foreach(const Field *table, unsigned flags, FieldVisitor fn, void *userdata);

/* The row named name (or, with FIELD_SETTING, aliased so) that has
 * `flags`, and the offset of its value; NULL if there is none. */
const Field *fields_find(const Field *table, unsigned flags, const char *name, size_t *ret_offset);

void fields_init(const Field *table, void *data);
void fields_done(const Field *table, void *data);

/* The create method's input: the arguments, then a{sv} of the options.
 * Unknown and repeated options are named errors, and so is every value
 * its type refuses. */
int fields_read_call(sd_bus_message *m, const Field *table, void *data, sd_bus_error *error);
int fields_append_call(sd_bus_message *m, const Field *table, const void *data);
/* Its signature ("sussua{sv}") and argument names ("device\0...options\0",
 * *ret_names_len bytes), for a vtable; free both. */
int fields_call_signature(const Field *table, char **ret_signature, char **ret_names, size_t *ret_names_len);

/* The text form of a set value (as in a state file) into a new string. */
int field_format_value(const Field *f, const void *value, char **ret);

/* KEY=VALUE: one setting from text, for rows with `flags`: -ENOKEY if
 * there is no such key, -EINVAL if the value is refused. */
int fields_set(const Field *table, unsigned flags, void *data, const char *key, const char *value);
/* A file of such lines; error says "FILE:LINE: ..." (see conffile.h). */
int fields_parse_file(const char *path, const Field *table, unsigned flags, void *data,
                      char error[static CONF_ERROR_MAX]);
int fields_parse_stream(FILE *f, const char *name, const Field *table, unsigned flags, void *data,
                        char error[static CONF_ERROR_MAX]);
/* Every set value of the rows with `flags`, atomically (see conffile.h). */
int fields_write_file(const char *path, const Field *table, unsigned flags, const void *data);

/* An sd-bus vtable of the FIELD_PROPERTY rows, offsets from the settings
 * struct: constant properties, and FIELD_WRITABLE ones that signal their
 * changes and are written by set. Free it when no bus has it. */
int fields_property_vtable(const Field *table, sd_bus_property_set_t set, sd_bus_vtable **ret);

/* Sets an InvalidArgument error: "Invalid NAME 'VALUE': RULE." (a number
 * unquoted). */
int field_invalid(sd_bus_error *error, const Field *f, const char *value);
