/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netlink/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <systemd/sd-daemon.h>

#include "conffile.h"
#include "daemon.h"
#include "log.h"
#include "macro.h"
#include "netdev.h"

#define DAEMON_OPTIONS_MAX 16U
/* A usage error, as for arcactl. */
#define DAEMON_EXIT_USAGE 2

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
	log_info("Received %s, shutting down.", si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

int daemon_event_new(sd_event **ret) {
	_cleanup_(sd_event_unrefp) sd_event *e = NULL;
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_error_errno(-errno, "Failed to block signals: %m");
	/* A host that hangs up mid-write must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	/* Not sd_event_default(): a default loop checks with gettid(), one
	 * system call per iteration, that it runs on the thread that made it. */
	r = sd_event_new(&e);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate event loop: %m");

	r = sd_event_add_signal(e, NULL, SIGTERM, on_exit_signal, NULL);
	if (r >= 0)
		r = sd_event_add_signal(e, NULL, SIGINT, on_exit_signal, NULL);
	if (r < 0)
		return log_error_errno(r, "Failed to watch signals: %m");

	r = sd_event_set_watchdog(e, true);
	if (r < 0)
		return log_error_errno(r, "Failed to enable watchdog: %m");

	*ret = TAKE_PTR(e);
	return 0;
}

int daemon_set_log_level(const char *arg) {
	int level = log_level_from_string(arg);

	if (level < 0)
		return log_error_errno(level, "Unknown log level '%s': use err, warning, notice, info or debug.", arg);
	log_max_level = level;
	return 0;
}

void daemon_notify_status(Daemon *d) {
	const char *noun = d->type->schema->noun;
	unsigned connected = 0;

	for (Object *o = d->objects; o; o = o->next)
		connected += host_port_get_state(o->port) == HOST_PORT_CONNECTED;
	(void) sd_notifyf(false, "STATUS=%u %s%s, %u connected.", d->n_objects, noun, d->n_objects == 1 ? "" : "s",
	                  connected);
}

/* The command line. */

typedef struct Arguments {
	const char *bus_path;
	const char *state_dir;
} Arguments;

/* "  -h --help" and the rest, as the option lines of --help; an option too
 * long for its column has its help start on the next line. */
static void help_option(const char *option, const char *help) {
	const char *line = help;

	if (strlen(option) > 23)
		printf("  %s\n%25s", option, "");
	else
		printf("  %-23s", option);
	for (const char *nl; (nl = strchr(line, '\n')); line = nl + 1)
		printf(" %.*s\n%25s", (int) (nl - line), line, "");
	printf(" %s\n", line);
}

static void help(const DaemonType *t) {
	char state_dir[128];

	printf("Usage: %s [OPTIONS]\n\n%s\n\n", t->schema->program, t->schema->summary);
	help_option("-h --help", "Show this help");
	help_option("   --version", "Show the version");
	help_option("   --bus=PATH", "Serve D-Bus peer-to-peer on the unix socket PATH\ninstead of the system bus");
	for (const DaemonOption *o = t->options; o && o->name; o++) {
		char option[64];

		snprintf(option, sizeof(option), "   --%s=%s", o->name, o->metavar);
		help_option(option, o->help);
	}
	snprintf(state_dir, sizeof(state_dir), "Where to keep %s state for restarts\n(default %s)",
	         t->schema->noun, t->schema->state_dir);
	help_option("   --state-dir=PATH", state_dir);
	help_option("   --log-level=LEVEL", "err, warning, notice, info (default) or debug");
}

/* Returns 1 to run, 0 to exit with success (--help), < 0 on a usage error. */
static int parse_argv(const DaemonType *t, int argc, char *argv[], Arguments *a) {
	enum { ARG_VERSION = 0x100, ARG_BUS, ARG_STATE_DIR, ARG_LOG_LEVEL, ARG_OWN };
	struct option options[DAEMON_OPTIONS_MAX + 6] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "bus", required_argument, NULL, ARG_BUS },
		{ "state-dir", required_argument, NULL, ARG_STATE_DIR },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
	};
	size_t n = 5;
	int c, index;

	for (const DaemonOption *o = t->options; o && o->name && n < DAEMON_OPTIONS_MAX + 5; o++)
		options[n++] = (struct option) { o->name, required_argument, NULL, ARG_OWN };

	while ((c = getopt_long(argc, argv, "h", options, &index)) >= 0)
		switch (c) {
		case 'h':
			help(t);
			return 0;
		case ARG_VERSION:
			printf("%s %s\n", t->schema->program, ARCA_VERSION);
			return 0;
		case ARG_BUS:
			a->bus_path = optarg;
			break;
		case ARG_STATE_DIR:
			a->state_dir = optarg;
			break;
		case ARG_LOG_LEVEL:
			if (daemon_set_log_level(optarg) < 0)
				return -EINVAL;
			break;
		case ARG_OWN:
			if (t->options[index - 5].parse(optarg) < 0)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}

	if (optind < argc)
		return log_error_errno(-EINVAL, "This program takes no arguments; see --help.");
	return 1;
}

/* One daemon to a state directory: a second would take the first one's
 * objects for its own, and remove their state when it goes. The lock is
 * on the directory itself, so it leaves nothing behind, and goes with the
 * process, so a restart finds it free. */
static int daemon_lock_state_dir(Daemon *d) {
	int r;

	r = mkdir_parents(d->state_dir, 0755);
	if (r < 0)
		return log_error_errno(r, "Failed to make the state directory %s: %m", d->state_dir);
	d->lock_fd = open(d->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->lock_fd < 0)
		return log_error_errno(-errno, "Failed to open %s: %m", d->state_dir);
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return log_error_errno(-EBUSY, "Another %s keeps its state in %s; give this one another "
			                       "--state-dir=.", d->type->schema->program, d->state_dir);
		return log_error_errno(-errno, "Failed to lock %s: %m", d->state_dir);
	}
	return 0;
}

static Daemon *daemon_free(Daemon *d) {
	if (!d)
		return NULL;
	object_free_all(d);
	bus_server_free(d->bus);
	object_tables_free(d);
	if (d->nl)
		nl_socket_free(d->nl);
	sd_event_unref(d->event);
	safe_close(d->lock_fd);
	free(d);
	return NULL;
}
DEFINE_POINTER_CLEANUP(Daemon, daemon_free);

int daemon_main(const DaemonType *type, int argc, char *argv[]) {
	_cleanup_(daemon_freep) Daemon *d = NULL;
	_cleanup_(fdstore_freep) FdStore *store = NULL;
	Arguments args = {};
	int r;

	r = parse_argv(type, argc, argv, &args);
	if (r <= 0)
		return r < 0 ? DAEMON_EXIT_USAGE : EXIT_SUCCESS;

	/* Before anything else opens an fd: what socket activation or the
	 * fd store passed us. */
	r = fdstore_receive(&store);
	if (r < 0)
		return EXIT_FAILURE;

	d = calloc(1, sizeof(*d));
	if (!d)
		return EXIT_FAILURE;
	d->type = type;
	d->lock_fd = -1;
	d->state_dir = args.state_dir ?: type->schema->state_dir;
	d->bus_path = args.bus_path;
	r = daemon_lock_state_dir(d);
	if (r < 0)
		return EXIT_FAILURE;
	r = daemon_event_new(&d->event);
	if (r < 0)
		return EXIT_FAILURE;
	(void) sd_event_now(d->event, CLOCK_MONOTONIC, &d->start_usec);
	r = netdev_open(&d->nl);
	if (r < 0) {
		log_error_errno(r, "Failed to open rtnetlink: %m");
		return EXIT_FAILURE;
	}

	/* The objects come back before the bus: no caller sees them half. */
	object_restore_all(d, store);
	if (type->start)
		type->start(d);
	r = bus_server_new(&d->bus, d->event, type->schema->bus_name, args.bus_path, fdstore_take(store, "bus"),
	                   object_bus_setup, d);
	if (r < 0)
		return EXIT_FAILURE;
	store = fdstore_free(store);

	(void) sd_notify(false, "READY=1");
	daemon_notify_status(d);
	log_info("%s %s running.", type->schema->program, ARCA_VERSION);

	r = sd_event_loop(d->event);
	(void) sd_notify(false, "STOPPING=1");
	object_shutdown_all(d);
	d = daemon_free(d);
	if (r < 0) {
		log_error_errno(r, "Event loop failed: %m");
		return EXIT_FAILURE;
	}
	/* Whoever ended the loop with a failure has said why. */
	return r > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
