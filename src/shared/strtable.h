/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Enum <-> string from one table, as systemd's string tables do: the names
 * of an enum are written once, in an array indexed by the enum, and
 *
 *     DEFINE_STRING_TABLE_LOOKUP(framing, Framing)
 *
 * gives framing_to_string() (NULL for a value out of range) and
 * framing_from_string() (-EINVAL for a name not in the table) over
 * framing_table[].
 */

#include <errno.h>
#include <string.h>

#include "macro.h"

#define DEFINE_STRING_TABLE_LOOKUP(name, type)                                   \
	const char *name##_to_string(type v) {                                    \
		if ((int) v < 0 || (size_t) v >= ELEMENTSOF(name##_table))        \
			return NULL;                                              \
		return name##_table[v];                                           \
	}                                                                         \
	type name##_from_string(const char *s) {                                  \
		for (size_t i = 0; s && i < ELEMENTSOF(name##_table); i++)       \
			if (name##_table[i] && strcmp(name##_table[i], s) == 0)   \
				return (type) i;                                  \
		return (type) -EINVAL;                                            \
	}
