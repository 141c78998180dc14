/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * arcactl's side of the bus: connecting (the system bus, or one daemon's
 * peer-to-peer socket with --bus=PATH), calling the daemons, and reading
 * what they answer into Props (props.h) for the printers. A failure is
 * reported once, as one line on stderr: fail() and fail_bus() print it and
 * return the error for the caller to pass up. What the daemons are called
 * comes from their schemas (schema.h).
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "cmdline.h"
#include "network-settings.h"
#include "props.h"
#include "relay-settings.h"

typedef struct PropsList {
	Props *rows;
	size_t n;
} PropsList;

void props_list_done(PropsList *l);

/* "arcactl: MESSAGE" on stderr; returns r (or -EIO for r >= 0). */
int fail(int r, const char *format, ...) _printf_(2, 3);
/* The daemon's own words, or why it could not be asked. */
int fail_bus(const Command *c, const ObjectSchema *s, const sd_bus_error *e, int r);
int fail_no_daemon(const Command *c);

/* The daemon is not there: not on the bus, or (peer-to-peer) the socket
 * belongs to the other daemon. */
bool error_is_absent(const sd_bus_error *e);

/* A read of one daemon in list or status, where a daemon that is not
 * there is left out rather than an error: returns 1 if it answered, 0 if
 * it is absent, < 0 (reported) otherwise. */
int optional_read(const Command *c, const ObjectSchema *s, int r, sd_bus_error *error);

int bus_connect(const Command *c, sd_bus **ret);

/* Handles every message that has come (signals reach their matches), then
 * sleeps until more comes or timeout_usec passes. Returns 0, or a negative
 * errno (not reported): -ECONNRESET or -ENOTCONN when the other end left. */
int bus_process_and_wait(sd_bus *bus, uint64_t timeout_usec);

/* A call of the service's manager (or, with path and interface, of an
 * object); auto_start false: reading never starts a daemon. */
int new_call(sd_bus *bus, const ObjectSchema *s, const char *path, const char *interface,
             const char *member, bool auto_start, sd_bus_message **ret);

/* The rows of ListNetworks or ListRelays, as Props with the names of the
 * objects' properties. */
int list_objects(sd_bus *bus, const ObjectSchema *s, bool auto_start, PropsList *ret, sd_bus_error *error);
/* Properties.GetAll of one object. */
int get_all(sd_bus *bus, const ObjectSchema *s, const char *path, Props *ret, sd_bus_error *error);
/* GetStatus of a daemon. */
int get_status(sd_bus *bus, const ObjectSchema *s, bool auto_start, Props *ret, sd_bus_error *error);

/* What `capture TARGET` and `set-rate TARGET` mean: the network named
 * TARGET, else the one network or relay on vsock port TARGET. *ret_path
 * is its object path (free it). */
int find_object(sd_bus *bus, const Command *c, const ObjectSchema **ret_schema, char **ret_path);

bool is_number(const char *s);
