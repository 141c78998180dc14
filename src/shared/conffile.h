/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * KEY=VALUE files: the settings files of the unit templates
 * (/etc/arca/relay/PORT.conf, /etc/arca/forwarder/PORT.conf) and the
 * daemons' own state under /run/arca. One setting per line; blank lines
 * and lines starting with '#' or ';' are ignored; white space around key
 * and value is dropped. A table names the known keys: an unknown key, a key
 * given twice, or a value its parser refuses is an error that names the
 * file and line.
 */

#include <stddef.h>
#include <stdio.h>

#define CONF_ERROR_MAX 256U

/* Parses value into field; returns 0 or -EINVAL. */
typedef int (*ConfParser)(const char *value, void *field);

typedef struct ConfItem {
	const char *key;
	ConfParser parse;
	size_t offset;          /* of the field in the settings struct */
} ConfItem;

/* Returns 0, or a negative errno with a message for a person in error
 * ("FILE:LINE: ..."). */
int conf_parse_file(const char *path, const ConfItem *table, void *data,
                    char error[static CONF_ERROR_MAX]);
int conf_parse_stream(FILE *f, const char *name, const ConfItem *table, void *data,
                      char error[static CONF_ERROR_MAX]);

/* The same with a function of our own for each KEY=VALUE: it returns 0,
 * -ENOKEY for an unknown key, -EEXIST for one set twice, or -EINVAL for a
 * value it refuses, and the message says so. */
typedef int (*ConfSetter)(const char *key, const char *value, void *userdata);
int conf_parse_file_with(const char *path, ConfSetter set, void *userdata,
                         char error[static CONF_ERROR_MAX]);
int conf_parse_stream_with(FILE *f, const char *name, ConfSetter set, void *userdata,
                           char error[static CONF_ERROR_MAX]);

/* Parsers: char* (strdup'd), uint32_t, uint64_t, int boolean
 * (yes/no/true/false/1/0/on/off), char** (white-space separated). */
int conf_parse_string(const char *value, void *field);
int conf_parse_u32(const char *value, void *field);
int conf_parse_u64(const char *value, void *field);
int conf_parse_bool(const char *value, void *field);
int conf_parse_strv(const char *value, void *field);

/* Writes "KEY=VALUE\n" lines atomically: a temporary file renamed over
 * path, so a crash never leaves half a file. */
typedef struct ConfEntry {
	const char *key;
	const char *value;      /* NULL: the line is left out */
} ConfEntry;

int conf_write_file(const char *path, const ConfEntry *entries, size_t n);

/* Writes data to path atomically, the same way. */
int write_file_atomic(const char *path, const void *data, size_t len);

/* Reads a whole file of at most max bytes (-EFBIG above) into a
 * NUL-terminated buffer. */
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* A daemon's state directory: calls load for each NAME.conf in dir, in
 * name order. A file load fails on is removed, so that no later start
 * trips over it again. A missing dir is an empty one. */
typedef int (*ConfStateLoader)(const char *path, void *userdata);
void conf_load_state_dir(const char *dir, ConfStateLoader load, void *userdata);

/* mkdir -p: makes path and any missing parents. */
int mkdir_parents(const char *path, unsigned mode);
