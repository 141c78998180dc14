/* SPDX-License-Identifier: Apache-2.0 */

/* The main() of every daemon: the daemon is its daemon_type (daemon.h). */

#include "daemon.h"

int main(int argc, char *argv[]) {
	return daemon_main(&daemon_type, argc, argv);
}
