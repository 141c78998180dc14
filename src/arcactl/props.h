/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A list of named values, as arcactl gets them from the daemons: the
 * properties of a network or relay (Properties.GetAll), one row of
 * ListNetworks/ListRelays, the result of GetStatus/GetStats. Every output,
 * table, status or JSON, is printed from such a list, so the printers can
 * be tested without a bus. Order is kept: JSON prints in it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"

typedef enum PropType {
	PROP_STRING,
	PROP_NUMBER,
	PROP_BOOL,
	PROP_STRV,
} PropType;

typedef struct Prop {
	char *name;
	PropType type;
	union {
		char *string;
		uint64_t number;
		bool boolean;
		char **strv;
	};
} Prop;

typedef struct Props {
	Prop *items;
	size_t n;
} Props;

void props_done(Props *p);
void props_array_free(Props *array, size_t n);

int props_add_string(Props *p, const char *name, const char *value);
int props_add_number(Props *p, const char *name, uint64_t value);
int props_add_bool(Props *p, const char *name, bool value);
int props_add_strv(Props *p, const char *name, char *const *value);

const Prop *props_find(const Props *p, const char *name);
/* The value of name if it is there with that type, else NULL / false. */
const char *props_string(const Props *p, const char *name);
bool props_number(const Props *p, const char *name, uint64_t *ret);
bool props_bool(const Props *p, const char *name, bool *ret);
char *const *props_strv(const Props *p, const char *name);

/* Reads an a{sv} (GetAll's reply) into p. Values of types arcactl does not
 * show (other than s, o, u, t, b, as) are skipped. */
int props_read_all(sd_bus_message *m, Props *p);
