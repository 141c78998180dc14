/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Between object.c and object-bus.c, for them alone. */

#include "fdstore.h"
#include "object.h"

HostPortSettings *object_host_settings(const ObjectSchema *t, void *settings);
void *object_settings_new(const ObjectSchema *t);
void *object_settings_free(const ObjectSchema *t, void *s);
/* The text of the key field of settings. */
int object_settings_key(const ObjectSchema *t, const void *settings, char **ret);
/* The daemon's checks, then the core's: one object per key. */
int object_settings_complete(Daemon *d, void *settings, sd_bus_error *error);
Object *object_by_path(Daemon *d, const char *path);
int object_save_state(const Object *o);
/* Makes an object of complete settings (taken), adopting what store (may
 * be NULL) has of it, and adds it. */
int object_new(Daemon *d, void *settings, FdStore *store, Object **ret, sd_bus_error *error);

/* Frees the creates still waiting for a probe. */
void probe_free_all(Daemon *d);
