/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What a daemon's objects are, as their daemon and arcactl both know it:
 * the names on the bus, the settings (a field table, field.h) and how
 * they lie in the settings struct. One schema per object type: a network
 * of arca-forwarderd (network-settings.h), a relay of arca-relayd
 * (relay-settings.h). The daemon serves what its schema says (object.h),
 * arcactl calls it; neither spells a name of the other's.
 */

#include <stddef.h>

#include "field.h"
#include "link.h"

typedef struct ObjectSchema {
	/* The daemon. */
	const char *program;            /* "arca-forwarderd" */
	const char *summary;            /* what its --help says it does */
	const char *bus_name;
	const char *manager_path;
	const char *manager_interface;
	const char *state_dir;          /* the default of --state-dir */

	/* Its objects. */
	const char *noun;               /* "network", in messages */
	const char *log_prefix;         /* before the key in messages: "relay " */
	const char *path_prefix;
	const char *interface;

	/* The manager's members. A method is named with the action a refusal
	 * names ("attach networks") and the names of what it returns, as
	 * SD_BUS_PARAM() lists. */
	const char *count_property;     /* "NetworkCount" */
	const char *status_count;       /* the count in GetStatus: "Networks" */
	const char *create_method, *create_action, *create_result, *create_result_names;
	const char *create_result_field; /* the setting it returns after the path, or NULL */
	const char *remove_method, *remove_action;
	const char *list_method, *list_signature, *list_names;
	/* The errors of a create for a key in use and of a remove for no
	 * such object, and their messages: formats with the key as their one
	 * %s. */
	const char *exists_error, *exists_message;
	const char *no_such_error, *no_such_message;

	/* Its settings. An object is named by its key, the text of one of
	 * them: in the remove method, its object path, its state file and its
	 * fd store names. */
	const Field *fields;
	size_t settings_size;
	const char *key;
	size_t host_offset;             /* of its HostPortSettings */
	size_t mac_offset;              /* of the container's MAC (char *) */
	LinkSide container_side;        /* see HostPortConfig */
} ObjectSchema;
