/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * arcactl's command line: one table of verbs (name, arguments, options,
 * help, the function that runs it), from which the parser, every --help
 * and the bash completion come. Everything a person can get wrong in the
 * words they typed is found here, before any bus is touched, and is a
 * usage error (exit status 2) with one line saying what is wrong. Options
 * may come before or after the verb.
 *
 * The settings options of attach and relay start are those of the object
 * type's field table (field.h): --vlan=7 is the settings file's VLAN=7.
 * They are kept as (key, value) pairs, checked against the verb's table,
 * and applied after the --config file, so they override it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "field.h"

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
	VERB_SET,
	VERB_WAIT,
	VERB_MONITOR,
	_VERB_MAX,
} Verb;

typedef enum JsonMode {
	JSON_OFF,
	JSON_SHORT,
	JSON_PRETTY,
} JsonMode;

#define CMDLINE_SETTINGS_MAX 32U
/* status NAME...: how many names or patterns at most. */
#define STATUS_PATTERNS_MAX 32U

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
	const char *target;     /* status, relay status, detach, capture, set, wait: DEVICE|PORT */
	char *const *patterns;  /* status: every DEVICE|PORT given, globs allowed; relay status: its
	                         * PORT (target is the first) */
	size_t n_patterns;
	uint32_t port;          /* attach, relay start, relay stop */
	const char *config;     /* as given, with its '-' if any */
	int listen_fd;          /* -1: not given */
	const char *capture_file;       /* capture -w; "-": stdout */
	uint64_t capture_frames;        /* capture -c; 0: the daemon's cap */
	uint64_t capture_bytes;         /* capture --max-bytes; 0: likewise */
	uint32_t snap_bytes;            /* capture -s; 0: whole frames */
	uint32_t timeout_sec;           /* wait --timeout */
	const char *wait_state;         /* wait: a State to wait for; NULL: Ready */
	bool may_exist;                 /* attach, relay start: one already there is no error */
	bool if_exists;                 /* detach, relay stop: one already gone is no error */
	/* attach, relay start: the settings options and arguments; set: its
	 * KEY=VALUE arguments. */
	Setting settings[CMDLINE_SETTINGS_MAX];
	size_t n_settings;
} Command;

/* Option groups a verb takes, beyond --help and --bus. */
enum {
	OPTION_JSON = 1U << 0,
	OPTION_LEGEND = 1U << 1,
	OPTION_CONFIG = 1U << 2,
	OPTION_LISTEN_FD = 1U << 3,
	OPTION_CAPTURE = 1U << 4,
	OPTION_TIMEOUT = 1U << 5,
	OPTION_MAY_EXIST = 1U << 6,
	OPTION_IF_EXISTS = 1U << 7,
	_OPTION_GROUPS = 8,
};

typedef struct VerbInfo {
	const char *name;               /* "relay start" */
	const char *synopsis;           /* its arguments: "PORT [OPTIONS...]" */
	const char *summary;            /* one line in arcactl --help */
	const char *description;        /* the paragraph of its --help */
	unsigned min_args, max_args;
	unsigned options;
	const Field *settings;          /* the object type's, or NULL */
	size_t settings_size;
	const char *config_page;        /* the settings file's man page */
	/* Its arguments after the first are KEY=VALUE, for the settings a
	 * running object may change (FIELD_WRITABLE). */
	bool live_settings;
	int (*run)(sd_bus *bus, const Command *c);
} VerbInfo;

extern const VerbInfo verbs[_VERB_MAX];

/* Returns 0, or -EINVAL for a usage error after printing one line to err
 * ("arcactl: ..."). Keeps pointers into argv. */
int cmdline_parse(Command *c, int argc, char *argv[], FILE *err);
void command_done(Command *c);

/* The help of arcactl (VERB_NONE) or of one verb. */
void cmdline_help(FILE *f, Verb verb);

/* The option words a verb takes, as --help shows them ("--mac=", "-w",
 * "--write="), one per call of fn, with the values the option takes
 * where they are a fixed few ("length32 vnet"), else NULL. */
typedef void (*OptionWordFn)(const char *word, const char *values, void *userdata);
void cmdline_foreach_option(Verb verb, OptionWordFn fn, void *userdata);

/* "attach", "relay start". */
const char *verb_to_string(Verb verb);
