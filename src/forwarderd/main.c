/* SPDX-License-Identifier: Apache-2.0 */

/*
 * arca-forwarderd: the container VM's side of Arca networking. Each
 * attached network is a TAP device whose frames are forwarded to and from
 * the host over a vsock (or unix) stream. See arca-forwarderd(8).
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "log.h"
#include "fdstore.h"
#include "manager.h"
#include "network-state.h"

static const char *arg_bus_path;
static const char *arg_resolv_conf;
static const char *arg_state_dir;

static void help(void) {
	printf("Usage: arca-forwarderd [OPTIONS]\n"
	       "\n"
	       "Forwards Ethernet frames between TAP devices and host vsock streams,\n"
	       "controlled over D-Bus as org.arca.Forwarder1.\n"
	       "\n"
	       "  -h --help               Show this help\n"
	       "     --version            Show the version\n"
	       "     --bus=PATH           Serve D-Bus peer-to-peer on the unix socket PATH\n"
	       "                          instead of the system bus\n"
	       "     --resolv-conf=PATH   Where to write DNS servers (default %s)\n"
	       "     --state-dir=PATH     Where to keep network state for restarts\n"
	       "                          (default %s)\n"
	       "     --log-level=LEVEL    err, warning, notice, info (default) or debug\n",
	       RESOLV_CONF_DEFAULT, FORWARDER_STATE_DIR_DEFAULT);
}

static int parse_argv(int argc, char *argv[]) {
	enum { ARG_VERSION = 0x100, ARG_BUS, ARG_RESOLV_CONF, ARG_STATE_DIR, ARG_LOG_LEVEL };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "bus", required_argument, NULL, ARG_BUS },
		{ "resolv-conf", required_argument, NULL, ARG_RESOLV_CONF },
		{ "state-dir", required_argument, NULL, ARG_STATE_DIR },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("arca-forwarderd %s\n", ARCA_VERSION);
			return 0;
		case ARG_BUS:
			arg_bus_path = optarg;
			break;
		case ARG_RESOLV_CONF:
			arg_resolv_conf = optarg;
			break;
		case ARG_STATE_DIR:
			arg_state_dir = optarg;
			break;
		case ARG_LOG_LEVEL:
			if (daemon_set_log_level(optarg) < 0)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}

	if (optind < argc)
		return log_error_errno(-EINVAL, "This program takes no arguments; see --help.");
	return 1;
}

int main(int argc, char *argv[]) {
	_cleanup_(sd_event_unrefp) sd_event *event = NULL;
	_cleanup_(manager_freep) Manager *m = NULL;
	_cleanup_(fdstore_freep) FdStore *store = NULL;
	int r;

	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

	/* Before anything else opens an fd: what socket activation or the
	 * fd store passed us. */
	r = fdstore_receive(&store);
	if (r < 0)
		return EXIT_FAILURE;

	r = daemon_event_new(&event);
	if (r < 0)
		return EXIT_FAILURE;

	r = manager_new(&m, event, arg_resolv_conf, arg_state_dir);
	if (r < 0)
		return EXIT_FAILURE;

	/* The networks come back before the bus: no caller sees them half. */
	manager_restore(m, store);
	r = manager_start_bus(m, arg_bus_path, fdstore_take(store, "bus"));
	if (r < 0)
		return EXIT_FAILURE;
	store = fdstore_free(store);

	(void) sd_notify(false, "READY=1");
	manager_notify_status(m);
	log_info("arca-forwarderd %s running.", ARCA_VERSION);

	r = sd_event_loop(event);
	(void) sd_notify(false, "STOPPING=1");
	manager_shutdown(m);
	if (r < 0) {
		log_error_errno(r, "Event loop failed: %m");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
