/* SPDX-License-Identifier: Apache-2.0 */

/*
 * arcactl: the command line client of arca-forwarderd (org.arca.Forwarder1)
 * and arca-relayd (org.arca.Relay1), over the system bus or, with --bus=PATH,
 * peer-to-peer to one daemon's socket. Every failure is one line on stderr
 * and exit status 1; usage errors are status 2. See arcactl(1).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "cmdline.h"

#define EXIT_USAGE 2

static int run(const Command *c) {
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r;

	if (!verbs[c->verb].run)
		return fail(-EINVAL, "Nothing to do.");
	r = bus_connect(c, &bus);
	if (r < 0)
		return r;
	return verbs[c->verb].run(bus, c);
}

int main(int argc, char *argv[]) {
	Command c;
	int r;

	r = cmdline_parse(&c, argc, argv, stderr);
	if (r < 0) {
		command_done(&c);
		return EXIT_USAGE;
	}

	if (c.help)
		cmdline_help(stdout, c.verb);
	else if (c.version)
		printf("arcactl %s\n", ARCA_VERSION);
	else
		r = run(&c);

	command_done(&c);
	if (fflush(stdout) != 0 && r >= 0)
		r = fail(-errno, "Failed to write output: %m");
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
