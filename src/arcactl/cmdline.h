/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * arcactl's command line: global options, the verb and its arguments, and
 * the settings options of attach and relay start. Everything a person can
 * get wrong in the words they typed is found here, before any bus is
 * touched, and is a usage error (exit status 2) with one line saying what
 * is wrong. Options may come before or after the verb.
 *
 * Settings options are kept as (key, value) pairs under the keys of the
 * settings files (--vlan=7 is VLAN=7), checked against the verb's table,
 * and applied after the --config file, so they override it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum Verb {
	VERB_NONE,              /* arcactl --help, --version */
	VERB_LIST,
	VERB_STATUS,
	VERB_ATTACH,
	VERB_DETACH,
	VERB_CAPTURE,
	VERB_RELAY,             /* only for 'arcactl relay --help' */
	VERB_RELAY_START,
	VERB_RELAY_STOP,
	VERB_RELAY_LIST,
	VERB_RELAY_STATUS,
	_VERB_MAX,
} Verb;

typedef enum JsonMode {
	JSON_OFF,
	JSON_SHORT,
	JSON_PRETTY,
} JsonMode;

#define CMDLINE_SETTINGS_MAX 32U

typedef struct Setting {
	const char *key;        /* as in the settings file */
	const char *option;     /* as typed, for messages: "--vlan", "ADDRESS" */
	char *value;
} Setting;

typedef struct Command {
	Verb verb;
	bool help;
	bool version;
	const char *bus_path;
	JsonMode json;
	bool legend;
	const char *target;     /* status, relay status, detach, capture: DEVICE|PORT */
	uint32_t port;          /* attach, relay start, relay stop */
	const char *config;     /* as given, with its '-' if any */
	int listen_fd;          /* -1: not given */
	const char *capture_file;       /* capture -w; "-": stdout */
	uint64_t capture_frames;        /* capture -c; 0: the daemon's cap */
	uint64_t capture_bytes;         /* capture --max-bytes; 0: likewise */
	uint32_t snap_bytes;            /* capture -s; 0: whole frames */
	Setting settings[CMDLINE_SETTINGS_MAX];
	size_t n_settings;
} Command;

/* Returns 0, or -EINVAL for a usage error after printing one line to err
 * ("arcactl: ..."). Keeps pointers into argv. */
int cmdline_parse(Command *c, int argc, char *argv[], FILE *err);
void command_done(Command *c);

/* The help of arcactl (VERB_NONE) or of one verb. */
void cmdline_help(FILE *f, Verb verb);

/* "attach", "relay start". */
const char *verb_to_string(Verb verb);
