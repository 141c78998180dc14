/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cmdline.h"
#include "fieldtype.h"
#include "hostport.h"
#include "macro.h"
#include "network-settings.h"
#include "relay-settings.h"
#include "settings.h"
#include "verbs.h"

/* The options of --help: the option words up to this column, then what
 * they do. */
#define HELP_COLUMN 29
#define CMDLINE_TIMEOUT_SEC_MAX 86400U
/* The longest verb word, and how many letters a typo may be off by for
 * "did you mean". */
#define VERB_NAME_MAX 16U
#define VERB_TYPO_MAX 2U

/* The options of the option groups: getopt's entry, the words --help
 * shows and what the option does. */
enum {
	ARG_VERSION = 0x100,
	ARG_BUS,
	ARG_JSON,
	ARG_NO_LEGEND,
	ARG_CONFIG,
	ARG_LISTEN_FD,
	ARG_MAX_BYTES,
	ARG_TIMEOUT,
	ARG_MAY_EXIST,
	ARG_IF_EXISTS,
	ARG_IGNORED,            /* networkctl's habits that change nothing here */
	ARG_SETTING,            /* the settings options of the field tables */
};

typedef struct OptionInfo {
	unsigned group;         /* 0: every verb */
	struct option getopt;
	const char *words;      /* "-w --write=FILE" */
	const char *help;
	const char *values;     /* what it takes, when a fixed few */
} OptionInfo;

static const OptionInfo option_infos[] = {
	{ 0, { "help", no_argument, NULL, 'h' }, "-h --help",
	  "Show this help, or a command's\n(arcactl attach --help)", NULL },
	{ 0, { "version", no_argument, NULL, ARG_VERSION }, "--version", "Show the version", NULL },
	{ 0, { "bus", required_argument, NULL, ARG_BUS }, "--bus=PATH",
	  "Talk peer-to-peer to the daemon serving the\nunix socket PATH instead of the system bus", NULL },
	{ OPTION_JSON, { "json", required_argument, NULL, ARG_JSON }, "--json=pretty|short|off", "Print JSON",
	  "pretty short off" },
	{ OPTION_LEGEND, { "no-legend", no_argument, NULL, ARG_NO_LEGEND }, "--no-legend",
	  "Print tables without header and footer", NULL },
	{ OPTION_LISTEN_FD, { "listen-fd", required_argument, NULL, ARG_LISTEN_FD }, "--listen-fd=N",
	  "Use the listening socket open as fd N\n(the unit's socket, as its service passes it: 3)", NULL },
	{ OPTION_CONFIG, { "config", required_argument, NULL, ARG_CONFIG }, "--config=[-]FILE",
	  "Read settings from FILE (settings files: see\nbelow); with '-', a missing FILE is no error", NULL },
	{ OPTION_CAPTURE, { "write", required_argument, NULL, 'w' }, "-w --write=FILE",
	  "Write to FILE (created with mode 0600); '-'\nwrites to stdout", NULL },
	{ OPTION_CAPTURE, { "count", required_argument, NULL, 'c' }, "-c --count=FRAMES",
	  "Stop after FRAMES frames (default: 1000000)", NULL },
	{ OPTION_CAPTURE, { "max-bytes", required_argument, NULL, ARG_MAX_BYTES }, "--max-bytes=BYTES",
	  "Stop before the file grows beyond BYTES\n(suffixes K, M, G, T: powers of 1000;\ndefault: 1 GiB)", NULL },
	{ 0, { "no-pager", no_argument, NULL, ARG_IGNORED }, "--no-pager",
	  "Accepted, as networkctl takes it: arcactl\nnever pages", NULL },
	{ 0, { "all", no_argument, NULL, 'a' }, "-a --all",
	  "Accepted, as networkctl takes it: arcactl\nalways shows all", NULL },
	{ OPTION_MAY_EXIST, { "may-exist", no_argument, NULL, ARG_MAY_EXIST }, "--may-exist",
	  "One that is there already is no error (its\nsettings stay as they are)", NULL },
	{ OPTION_IF_EXISTS, { "if-exists", no_argument, NULL, ARG_IF_EXISTS }, "--if-exists",
	  "One that is not there is no error", NULL },
	{ OPTION_TIMEOUT, { "timeout", required_argument, NULL, ARG_TIMEOUT }, "--timeout=SEC",
	  "Give up after SEC seconds (default: 30)", NULL },
	{ OPTION_CAPTURE, { "snapshot-length", required_argument, NULL, 's' }, "-s --snapshot-length=BYTES",
	  "Keep at most BYTES of each frame (default:\n262144, whole frames)", NULL },
};

/* The tables whose options arcactl takes. */
static const Field *const setting_tables[] = { network_fields, relay_fields };

typedef struct OptionSearch {
	const char *name;       /* without "--" */
	const Field *found;
} OptionSearch;

static int match_option(const Field *f, size_t offset, void *userdata) {
	OptionSearch *s = userdata;

	if (f->option && strcmp(f->option + 2, s->name) == 0) {
		s->found = f;
		return -EEXIST;         /* found: stop */
	}
	return 0;
}

/* The row of any table whose option is name. */
static const Field *setting_option(const char *name) {
	OptionSearch s = { .name = name };

	for (size_t i = 0; i < ELEMENTSOF(setting_tables) && !s.found; i++)
		(void) fields_foreach(setting_tables[i], FIELD_SETTING, match_option, &s);
	return s.found;
}

/* Help. */

/* "  -w --write=FILE   Write...": the words after indent, what they do
 * from HELP_COLUMN on (below them, if they reach it). */
static void help_line(FILE *f, int indent, const char *words, const char *help) {
	const char *line = help;
	int n;

	n = fprintf(f, "%*s%s", indent, "", words);
	if (n >= HELP_COLUMN) {
		fputc('\n', f);
		n = 0;
	}
	for (const char *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		fprintf(f, "%*s%.*s\n", HELP_COLUMN - n, "", (int) (nl - line), line);
		n = 0;
	}
	fprintf(f, "%*s%s\n", HELP_COLUMN - n, "", line);
}

/* Long options line up after the short ones. */
static void help_option(FILE *f, const char *words, const char *help) {
	help_line(f, words[1] == '-' ? 5 : 2, words, help);
}

static int help_setting(const Field *f, size_t offset, void *userdata) {
	char words[64];

	if (!f->option)
		return 0;
	if (f->option_value)
		snprintf(words, sizeof(words), "%s", f->option);
	else
		snprintf(words, sizeof(words), "%s=%s", f->option, f->metavar);
	help_option(userdata, words, f->help);
	return 0;
}

static void help_options(FILE *f, Verb verb) {
	const VerbInfo *v = &verbs[verb];

	if (v->settings)
		(void) fields_foreach(v->settings, FIELD_SETTING, help_setting, f);
	for (size_t i = 0; i < ELEMENTSOF(option_infos); i++) {
		const OptionInfo *o = &option_infos[i];

		if ((o->group == 0 && verb == VERB_NONE) || (o->group & v->options))
			help_option(f, o->words, o->help);
	}
}

static void help_commands(FILE *f, const char *prefix) {
	for (Verb verb = VERB_NONE + 1; verb < _VERB_MAX; verb++) {
		const VerbInfo *v = &verbs[verb];
		char words[128];

		if (!v->summary || strncmp(v->name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(words, sizeof(words), "%s%s%s", v->name, v->synopsis ? " " : "", v->synopsis ?: "");
		help_line(f, 2, words, v->summary);
	}
}

void cmdline_help(FILE *f, Verb verb) {
	const VerbInfo *v = &verbs[verb < _VERB_MAX ? verb : VERB_NONE];
	const char *description = v->description ?: "";
	bool options = v->options || v->settings;

	switch (verb) {
	case VERB_NONE:
		fputs("arcactl [OPTIONS...] COMMAND ...\n\n"
		      "Control Arca's networks (arca-forwarderd) and relays (arca-relayd).\n\n"
		      "Commands:\n", f);
		help_commands(f, "");
		fputs("\nOptions:\n", f);
		help_options(f, VERB_NONE);
		fputs("\nExit status: 0 on success, 1 on failure, 2 on a usage error.\n"
		      "See the arcactl(1) man page for details.\n", f);
		return;
	case VERB_RELAY:
		fputs("arcactl relay COMMAND ...\n\nCommands:\n", f);
		help_commands(f, "relay ");
		fputs("\n'arcactl relay COMMAND --help' shows a command's options.\n", f);
		return;
	default:
		break;
	}

	/* A description that starts with its own synopsis has it. */
	if (strncmp(description, "arcactl ", strlen("arcactl ")) != 0)
		fprintf(f, "arcactl %s%s%s%s\n\n", v->name, v->synopsis ? " " : "", v->synopsis ?: "",
		        options ? " [OPTIONS...]" : "");
	fprintf(f, "%s\n", description);
	if (!options)
		return;
	fputs("\nOptions:\n", f);
	help_options(f, verb);
	if (v->config_page)
		fprintf(f, "\nSettings files: %s.\n", v->config_page);
}

typedef struct OptionWords {
	OptionWordFn fn;
	void *userdata;
} OptionWords;

static int setting_words(const Field *f, size_t offset, void *userdata) {
	const OptionWords *w = userdata;
	char word[64];

	if (!f->option)
		return 0;
	snprintf(word, sizeof(word), "%s%s", f->option, f->option_value ? "" : "=");
	w->fn(word, f->type->values, w->userdata);
	return 0;
}

void cmdline_foreach_option(Verb verb, OptionWordFn fn, void *userdata) {
	const OptionWords w = { fn, userdata };
	const VerbInfo *v = &verbs[verb];

	if (v->settings)
		(void) fields_foreach(v->settings, FIELD_SETTING, setting_words, (void *) &w);
	for (size_t i = 0; i < ELEMENTSOF(option_infos); i++) {
		const OptionInfo *o = &option_infos[i];
		char word[64];

		if (!((o->group == 0 && verb == VERB_NONE) || (o->group & v->options)))
			continue;
		if (o->getopt.val < 0x100) {
			snprintf(word, sizeof(word), "-%c", o->getopt.val);
			fn(word, NULL, userdata);
		}
		snprintf(word, sizeof(word), "--%s%s", o->getopt.name, o->getopt.has_arg ? "=" : "");
		fn(word, o->values, userdata);
	}
}

/* Parsing. */

static int usage_error(FILE *err, const char *format, ...) _printf_(2, 3);
static int usage_error(FILE *err, const char *format, ...) {
	va_list ap;

	fputs("arcactl: ", err);
	va_start(ap, format);
	vfprintf(err, format, ap);
	va_end(ap);
	fputc('\n', err);
	return -EINVAL;
}

static int add_setting(Command *c, FILE *err, const Field *f, const char *option, const char *value) {
	Setting *s = NULL;
	char *v;

	/* A list adds up; any other option given twice counts once, the last. */
	for (size_t i = 0; i < c->n_settings; i++)
		if (strcmp(c->settings[i].key, f->name) == 0)
			s = &c->settings[i];

	if (s && f->type->list) {
		if (asprintf(&v, "%s %s", s->value, value) < 0)
			return -ENOMEM;
	} else {
		v = strdup(value);
		if (!v)
			return -ENOMEM;
	}

	if (!s) {
		if (c->n_settings >= CMDLINE_SETTINGS_MAX) {
			free(v);
			return usage_error(err, "too many options");
		}
		s = &c->settings[c->n_settings++];
	}
	free(s->value);
	*s = (Setting) { .key = f->name, .option = option, .value = v };
	return 0;
}

/* A positional argument that is a setting of the verb: "DEVICE". */
static int add_argument(Command *c, FILE *err, const char *key, const char *option, const char *value) {
	const Field *f = fields_find(verbs[c->verb].settings, FIELD_SETTING, key, NULL);

	return add_setting(c, err, f, option, value);
}

/* How many letters to add, remove or change to make a into b (Levenshtein),
 * for "did you mean" on a mistyped verb; verbs are short. */
static size_t edit_distance(const char *a, const char *b) {
	size_t la = strlen(a), lb = strlen(b), row[VERB_NAME_MAX + 1];

	if (lb > VERB_NAME_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diagonal = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t above = row[j], best = diagonal + (a[i - 1] != b[j - 1]);

			best = MIN(best, above + 1);
			best = MIN(best, row[j - 1] + 1);
			diagonal = above;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The verb whose word (after prefix, "" or "relay ") comes closest to
 * word, if it is close enough to be what was meant; else NULL. */
static const char *closest_verb(const char *prefix, const char *word) {
	size_t best = MIN(strlen(word), VERB_TYPO_MAX + 1);
	const char *found = NULL;

	for (Verb verb = VERB_NONE + 1; verb < _VERB_MAX; verb++) {
		const char *name = verbs[verb].name;
		size_t d;

		if (strncmp(name, prefix, strlen(prefix)) != 0 || strchr(name + strlen(prefix), ' '))
			continue;
		d = edit_distance(word, name + strlen(prefix));
		if (d < best) {
			best = d;
			found = name + strlen(prefix);
		}
	}
	return found;
}

static int unknown_verb(FILE *err, const char *prefix, const char *word) {
	const char *meant = closest_verb(prefix, word);
	const char *group = prefix[0] ? "relay " : "";

	if (meant)
		return usage_error(err, "unknown %scommand '%s'; did you mean '%s%s'? See 'arcactl %s--help'", group,
		                   word, prefix, meant, group);
	return usage_error(err, "unknown %scommand '%s'; see 'arcactl %s--help'", group, word, group);
}

/* The verb: its word, or two for "relay start". Without one, list, as
 * networkctl does; "help [VERB]" is --help. */
static int parse_verb(Command *c, char **args, size_t n, size_t *used, FILE *err) {
	*used = 0;
	if (n == 0) {
		if (!c->help && !c->version)
			c->verb = VERB_LIST;
		return 0;
	}
	if (strcmp(args[0], "help") == 0) {
		int r;

		c->help = true;
		/* Bare "help" stays arcactl's own help: with c->help set, no
		 * verb is no list. */
		r = parse_verb(c, args + 1, n - 1, used, err);
		*used += 1;
		return r;
	}

	for (Verb verb = VERB_NONE + 1; verb < _VERB_MAX; verb++)
		if (!strchr(verbs[verb].name, ' ') && strcmp(args[0], verbs[verb].name) == 0)
			c->verb = verb;
	if (c->verb == VERB_NONE)
		return unknown_verb(err, "", args[0]);
	*used = 1;
	if (c->verb != VERB_RELAY)
		return 0;

	if (n < 2)
		return c->help ? 0 : usage_error(err, "'relay' needs a command: start, stop, list or status; "
		                                 "see 'arcactl relay --help'");
	for (Verb verb = VERB_NONE + 1; verb < _VERB_MAX; verb++) {
		const char *name = verbs[verb].name;

		if (strncmp(name, "relay ", 6) == 0 && strcmp(args[1], name + 6) == 0)
			c->verb = verb;
	}
	if (c->verb == VERB_RELAY)
		return unknown_verb(err, "relay ", args[1]);
	*used = 2;
	return 0;
}

static int parse_port(Command *c, const char *arg, FILE *err) {
	if (parse_vsock_port(arg, &c->port) < 0)
		return usage_error(err, "invalid vsock port '%s': use 1 to %u", arg, VSOCK_PORT_MAX);
	return 0;
}

/* A setting a running object may change, in either object type, as
 * KEY=VALUE; an empty VALUE removes it. */
static const Field *live_setting(const char *key, void **ret_settings, size_t *ret_offset) {
	static const struct {
		const Field *fields;
		size_t size;
	} types[] = {
		{ network_fields, sizeof(NetworkSettings) },
		{ relay_fields, sizeof(RelaySettings) },
	};

	for (size_t i = 0; i < ELEMENTSOF(types); i++) {
		const Field *f = fields_find(types[i].fields, FIELD_WRITABLE, key, ret_offset);

		if (f) {
			*ret_settings = calloc(1, types[i].size);
			return *ret_settings ? f : NULL;
		}
	}
	return NULL;
}

static int add_live_setting(Command *c, FILE *err, const char *arg) {
	const char *eq = strchr(arg, '=');
	_cleanup_free_ char *key = NULL;
	_cleanup_free_ void *settings = NULL;
	const Field *f;
	size_t offset;
	int r = 0;

	if (!eq)
		return usage_error(err, "'set' takes KEY=VALUE, not '%s'; see 'arcactl set --help'", arg);
	key = strndup(arg, (size_t) (eq - arg));
	if (!key)
		return -ENOMEM;
	f = live_setting(key, &settings, &offset);
	if (!f)
		return usage_error(err, "%s cannot be changed while running; see 'arcactl set --help'", key);
	if (eq[1] != '\0') {
		r = f->type->parse(eq + 1, (uint8_t *) settings + offset);
		if (f->type->done)
			f->type->done((uint8_t *) settings + offset);
	}
	if (r < 0)
		return usage_error(err, "invalid %s '%s': %s; see 'arcactl set --help'", f->name, eq + 1,
		                   f->type->text_rule ?: f->type->rule);
	return add_setting(c, err, f, f->name, eq + 1);
}

static bool has_setting(const Command *c, const char *key) {
	for (size_t i = 0; i < c->n_settings; i++)
		if (strcmp(c->settings[i].key, key) == 0)
			return true;
	return false;
}

static int parse_arguments(Command *c, char **args, size_t n, FILE *err) {
	const VerbInfo *v = &verbs[c->verb];
	/* With --config, the file may name device and address; with
	 * --address, the address argument may be left out. */
	bool addresses = c->verb == VERB_ATTACH && has_setting(c, "Addresses");
	size_t min = c->verb == VERB_ATTACH && c->config ? 1 : addresses ? 2 : v->min_args, max = v->max_args;
	int r = 0;

	if (n < min || n > max) {
		if (max == 0)
			return usage_error(err, "'%s' takes no arguments; see 'arcactl %s --help'", v->name, v->name);
		return usage_error(err, "'%s' takes %s%zu argument%s, not %zu; see 'arcactl %s --help'", v->name,
		                   min == max ? "" : min == 0 ? "at most " : n < min ? "at least " : "at most ",
		                   n < min ? min : max, (n < min ? min : max) == 1 ? "" : "s", n, v->name);
	}

	switch (c->verb) {
	case VERB_STATUS:
		c->patterns = args;
		c->n_patterns = n;
		c->target = n > 0 ? args[0] : NULL;
		return 0;
	case VERB_DETACH:
		c->target = n > 0 ? args[0] : NULL;
		return 0;
	case VERB_WAIT:
		c->target = args[0];
		if (n < 2 || strcmp(args[1], "ready") == 0)
			return 0;
		if ((int) host_port_state_from_string(args[1]) < 0)
			return usage_error(err, "invalid state '%s': use ready, listening, dialing, waiting, "
			                   "connecting, connected or disconnecting; see 'arcactl wait --help'", args[1]);
		c->wait_state = args[1];
		return 0;
	case VERB_SET:
		c->target = args[0];
		for (size_t i = 1; i < n && r >= 0; i++)
			r = add_live_setting(c, err, args[i]);
		return r;
	case VERB_CAPTURE:
		c->target = args[0];
		if (!c->capture_file)
			return usage_error(err, "'capture' needs -w FILE, or -w - for stdout; "
			                   "see 'arcactl capture --help'");
		return 0;
	case VERB_RELAY_STATUS:
		if (n > 0) {
			r = parse_port(c, args[0], err);
			if (r < 0)
				return r;
			c->target = args[0];
		}
		c->patterns = args;
		c->n_patterns = n;
		return 0;
	case VERB_RELAY_START:
	case VERB_RELAY_STOP:
		return parse_port(c, args[0], err);
	case VERB_ATTACH:
		if (n == 1)
			return parse_port(c, args[0], err);
		if (n == 2 && !addresses)
			return usage_error(err, "'attach' takes DEVICE PORT ADDRESS[/PREFIX] [GATEWAY], "
			                   "DEVICE PORT with --address, or PORT with --config; "
			                   "see 'arcactl attach --help'");
		r = parse_port(c, args[1], err);
		if (r >= 0)
			r = add_argument(c, err, "Device", "DEVICE", args[0]);
		if (r >= 0 && n > 2)
			r = add_argument(c, err, "Address", "ADDRESS", args[2]);
		if (r >= 0 && n > 3)
			r = add_argument(c, err, "Gateway", "GATEWAY", args[3]);
		return r;
	default:
		return 0;
	}
}

/* Each setting must be one the verb knows, with a value of the right form. */
static int check_settings(Command *c, FILE *err) {
	const VerbInfo *v = &verbs[c->verb];
	void *settings = NULL;
	int r = 0;

	/* Checked as they were read, for either object type. */
	if (v->live_settings)
		return 0;

	if (v->settings) {
		settings = calloc(1, v->settings_size);
		if (!settings)
			return -ENOMEM;
		fields_init(v->settings, settings);
	}
	for (size_t i = 0; i < c->n_settings && r >= 0; i++) {
		const Setting *s = &c->settings[i];

		r = v->settings ? fields_set(v->settings, FIELD_SETTING, settings, s->key, s->value) : -ENOKEY;
		if (r == -ENOKEY)
			r = usage_error(err, "%s does not apply to '%s'; see 'arcactl %s --help'", s->option, v->name,
			                v->name);
		else if (r < 0) {
			const Field *f = fields_find(v->settings, FIELD_SETTING, s->key, NULL);

			r = usage_error(err, "invalid %s '%s': %s; see 'arcactl %s --help'", s->option, s->value,
			                f->type->text_rule ?: f->type->rule, v->name);
		}
	}
	if (settings) {
		fields_done(v->settings, settings);
		free(settings);
	}
	return r;
}

/* The getopt table: every option of every group, then each settings
 * option once. */
#define CMDLINE_OPTIONS_MAX 64U

typedef struct GetoptTable {
	struct option options[CMDLINE_OPTIONS_MAX + 1];
	size_t n;
} GetoptTable;

static int add_getopt_setting(const Field *f, size_t offset, void *userdata) {
	GetoptTable *t = userdata;

	if (!f->option || t->n >= CMDLINE_OPTIONS_MAX)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->options[i].name, f->option + 2) == 0)
			return 0;
	t->options[t->n++] = (struct option) {
		f->option + 2, f->option_value ? no_argument : required_argument, NULL, ARG_SETTING,
	};
	return 0;
}

static void getopt_table(GetoptTable *t) {
	*t = (GetoptTable) {};
	for (size_t i = 0; i < ELEMENTSOF(option_infos); i++)
		t->options[t->n++] = option_infos[i].getopt;
	for (size_t i = 0; i < ELEMENTSOF(setting_tables); i++)
		(void) fields_foreach(setting_tables[i], FIELD_SETTING, add_getopt_setting, t);
}

static int parse_option(Command *c, int opt, const char *typed, FILE *err, unsigned *given,
                        const char **given_names) {

	switch (opt) {
	case 'h':
		c->help = true;
		return 0;
	case ARG_VERSION:
		c->version = true;
		return 0;
	case ARG_BUS:
		if (optarg[0] != '/')
			return usage_error(err, "--bus= takes an absolute socket path, not '%s'", optarg);
		c->bus_path = optarg;
		return 0;
	case ARG_JSON:
		if (strcmp(optarg, "pretty") == 0)
			c->json = JSON_PRETTY;
		else if (strcmp(optarg, "short") == 0)
			c->json = JSON_SHORT;
		else if (strcmp(optarg, "off") == 0)
			c->json = JSON_OFF;
		else
			return usage_error(err, "--json= takes pretty, short or off, not '%s'", optarg);
		*given |= OPTION_JSON;
		given_names[0] = "--json";
		return 0;
	case ARG_NO_LEGEND:
		c->legend = false;
		*given |= OPTION_LEGEND;
		given_names[1] = "--no-legend";
		return 0;
	case ARG_CONFIG:
		if (optarg[optarg[0] == '-'] == '\0')
			return usage_error(err, "--config= takes a file name");
		c->config = optarg;
		*given |= OPTION_CONFIG;
		given_names[2] = "--config";
		return 0;
	case ARG_LISTEN_FD: {
		uint32_t fd;
		if (conf_parse_u32(optarg, &fd) < 0 || fd > INT32_MAX)
			return usage_error(err, "--listen-fd= takes a file descriptor number, not '%s'", optarg);
		c->listen_fd = (int) fd;
		*given |= OPTION_LISTEN_FD;
		given_names[3] = "--listen-fd";
		return 0;
	}
	case 'w':
		if (optarg[0] == '\0')
			return usage_error(err, "--write= takes a file name, or - for stdout");
		c->capture_file = optarg;
		*given |= OPTION_CAPTURE;
		given_names[4] = "--write";
		return 0;
	case 'c':
		if (conf_parse_u64(optarg, &c->capture_frames) < 0 || c->capture_frames == 0)
			return usage_error(err, "--count= takes a number of frames above 0, not '%s'", optarg);
		*given |= OPTION_CAPTURE;
		given_names[4] = "--count";
		return 0;
	case ARG_MAX_BYTES:
		if (field_type_bytes.parse(optarg, &c->capture_bytes) < 0 || c->capture_bytes < CAPTURE_MAX_BYTES_MIN)
			return usage_error(err, "--max-bytes= takes a size of at least %u bytes, not '%s'",
			                   CAPTURE_MAX_BYTES_MIN, optarg);
		*given |= OPTION_CAPTURE;
		given_names[4] = "--max-bytes";
		return 0;
	case 's':
		if (conf_parse_u32(optarg, &c->snap_bytes) < 0 || c->snap_bytes == 0 ||
		    c->snap_bytes > CAPTURE_SNAP_BYTES_DEFAULT)
			return usage_error(err, "--snapshot-length= takes 1 to %u bytes, not '%s'",
			                   CAPTURE_SNAP_BYTES_DEFAULT, optarg);
		*given |= OPTION_CAPTURE;
		given_names[4] = "--snapshot-length";
		return 0;
	case ARG_TIMEOUT:
		if (conf_parse_u32(optarg, &c->timeout_sec) < 0 || c->timeout_sec == 0 ||
		    c->timeout_sec > CMDLINE_TIMEOUT_SEC_MAX)
			return usage_error(err, "--timeout= takes 1 to %u seconds, not '%s'", CMDLINE_TIMEOUT_SEC_MAX,
			                   optarg);
		*given |= OPTION_TIMEOUT;
		given_names[5] = "--timeout";
		return 0;
	case ARG_MAY_EXIST:
		c->may_exist = true;
		*given |= OPTION_MAY_EXIST;
		given_names[6] = "--may-exist";
		return 0;
	case ARG_IF_EXISTS:
		c->if_exists = true;
		*given |= OPTION_IF_EXISTS;
		given_names[7] = "--if-exists";
		return 0;
	case 'a':
	case ARG_IGNORED:
		return 0;
	case ':':
		return usage_error(err, "%s needs a value; see 'arcactl --help'", typed);
	default:
		if (optopt)
			return usage_error(err, "unknown option '-%c'; see 'arcactl --help'", optopt);
		return usage_error(err, "unknown option '%s'; see 'arcactl --help'", typed);
	}
}

int cmdline_parse(Command *c, int argc, char *argv[], FILE *err) {
	const char *given_names[_OPTION_GROUPS] = {};
	unsigned given = 0;
	GetoptTable table;
	bool listen, connect = false;
	size_t used;
	int opt, index, r;

	*c = (Command) { .legend = true, .listen_fd = -1 };
	getopt_table(&table);

	/* Our own messages, one line each; '+' is not used, so options may
	 * follow the verb. */
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":haw:c:s:", table.options, &index)) >= 0) {
		if (opt == ARG_SETTING) {
			const Field *f = setting_option(table.options[index].name);

			r = add_setting(c, err, f, f->option, f->option_value ?: optarg);
		} else
			/* The option as typed, for messages. */
			r = parse_option(c, opt, argv[optind - 1], err, &given, given_names);
		if (r < 0)
			return r;
	}

	r = parse_verb(c, argv + optind, argc - optind, &used, err);
	if (r < 0)
		return r;
	if (c->help || c->version)
		return 0;

	for (unsigned i = 0; i < ELEMENTSOF(given_names); i++)
		if ((given & (1U << i)) && !(verbs[c->verb].options & (1U << i)))
			return usage_error(err, "%s does not apply to '%s'; see 'arcactl %s --help'", given_names[i],
			                   verb_to_string(c->verb), verb_to_string(c->verb));

	r = parse_arguments(c, argv + optind + used, argc - optind - used, err);
	if (r < 0)
		return r;

	listen = c->listen_fd >= 0;
	for (size_t i = 0; i < c->n_settings; i++) {
		if (c->listen_fd >= 0 && strcmp(c->settings[i].key, "Listen") == 0)
			return usage_error(err, "give --listen= or --listen-fd=, not both");
		listen = listen || strcmp(c->settings[i].key, "Listen") == 0;
		connect = connect || strcmp(c->settings[i].key, "Connect") == 0;
	}
	if (listen && connect)
		return usage_error(err, "give --connect= or --listen=/--listen-fd=, not both: a port connects to "
		                   "its host or waits for it");

	return check_settings(c, err);
}

void command_done(Command *c) {
	for (size_t i = 0; i < c->n_settings; i++)
		free(c->settings[i].value);
	c->n_settings = 0;
}
