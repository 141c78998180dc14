/* SPDX-License-Identifier: Apache-2.0 */

/*
 * arca-relayd: the helper VM's side of Arca networking. Each relay listens
 * for the host on a vsock port and, while the host is connected, forwards
 * its frames to and from a port on an Open vSwitch (or Linux) bridge. See
 * arca-relayd(8).
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "fdstore.h"
#include "log.h"
#include "manager.h"
#include "relay-state.h"

static const char *arg_bus_path;
static const char *arg_state_dir;
static OvsContext arg_ovs;

static void help(void) {
	printf("Usage: arca-relayd [OPTIONS]\n"
	       "\n"
	       "Forwards Ethernet frames between host vsock streams and Open vSwitch or\n"
	       "Linux bridge ports, controlled over D-Bus as org.arca.Relay1.\n"
	       "\n"
	       "  -h --help               Show this help\n"
	       "     --version            Show the version\n"
	       "     --bus=PATH           Serve D-Bus peer-to-peer on the unix socket PATH\n"
	       "                          instead of the system bus\n"
	       "     --ovs-vsctl=PATH     The ovs-vsctl to run (default: from $PATH)\n"
	       "     --ovs-db=ADDRESS     The OVS database, e.g. unix:/run/openvswitch/db.sock\n"
	       "                          (default: ovs-vsctl's own)\n"
	       "     --ovs-timeout=SEC    How long ovs-vsctl may take (default %u)\n"
	       "     --state-dir=PATH     Where to keep relay state for restarts\n"
	       "                          (default %s)\n"
	       "     --log-level=LEVEL    err, warning, notice, info (default) or debug\n",
	       OVS_TIMEOUT_SEC_DEFAULT, RELAY_STATE_DIR_DEFAULT);
}

static int parse_argv(int argc, char *argv[]) {
	enum { ARG_VERSION = 0x100, ARG_BUS, ARG_OVS_VSCTL, ARG_OVS_DB, ARG_OVS_TIMEOUT, ARG_STATE_DIR, ARG_LOG_LEVEL };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "bus", required_argument, NULL, ARG_BUS },
		{ "ovs-vsctl", required_argument, NULL, ARG_OVS_VSCTL },
		{ "ovs-db", required_argument, NULL, ARG_OVS_DB },
		{ "ovs-timeout", required_argument, NULL, ARG_OVS_TIMEOUT },
		{ "state-dir", required_argument, NULL, ARG_STATE_DIR },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
		{}
	};
	char *end;
	unsigned long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("arca-relayd %s\n", ARCA_VERSION);
			return 0;
		case ARG_BUS:
			arg_bus_path = optarg;
			break;
		case ARG_OVS_VSCTL:
			arg_ovs.vsctl = optarg;
			break;
		case ARG_OVS_DB:
			arg_ovs.db = optarg;
			break;
		case ARG_OVS_TIMEOUT:
			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v == 0 || v > 3600)
				return log_error_errno(-EINVAL, "Invalid --ovs-timeout '%s': give 1 to 3600 seconds.", optarg);
			arg_ovs.timeout_sec = (unsigned) v;
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

	r = fdstore_receive(&store);
	if (r < 0)
		return EXIT_FAILURE;

	r = daemon_event_new(&event);
	if (r < 0)
		return EXIT_FAILURE;

	r = manager_new(&m, event, &arg_ovs, arg_state_dir);
	if (r < 0)
		return EXIT_FAILURE;

	/* The relays of the daemon before, then every port marked as ours
	 * that none of them has is stale. */
	manager_restore(m, store);
	manager_sweep_stale_ports(m);

	r = manager_start_bus(m, arg_bus_path, fdstore_take(store, "bus"));
	if (r < 0)
		return EXIT_FAILURE;
	store = fdstore_free(store);

	(void) sd_notify(false, "READY=1");
	manager_notify_status(m);
	log_info("arca-relayd %s running.", ARCA_VERSION);

	r = sd_event_loop(event);
	(void) sd_notify(false, "STOPPING=1");
	manager_stop_all(m);
	if (r < 0) {
		log_error_errno(r, "Event loop failed: %m");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
