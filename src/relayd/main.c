/* SPDX-License-Identifier: Apache-2.0 */

/*
 * arca-relayd: the helper VM's side of Arca networking. Each relay listens
 * for the host on a vsock port and, while the host is connected, forwards
 * its frames to and from a port on an Open vSwitch (or Linux) bridge. See
 * arca-relayd(8).
 */

#include "busnames.h"
#include "daemon.h"
#include "ovs.h"
#include "relay.h"

#define STRINGIFY(x) #x
#define NUMBER(x) STRINGIFY(x)

static const DaemonOption options[] = {
	{ .name = "ovs-vsctl", .metavar = "PATH", .parse = relay_set_ovs_vsctl,
	  .help = "The ovs-vsctl to run (default: from $PATH)" },
	{ .name = "ovs-db", .metavar = "ADDRESS", .parse = relay_set_ovs_db,
	  .help = "The OVS database, e.g. unix:/run/openvswitch/db.sock\n(default: ovs-vsctl's own)" },
	{ .name = "ovs-timeout", .metavar = "SEC", .parse = relay_set_ovs_timeout,
	  .help = "How long ovs-vsctl may take (default " NUMBER(OVS_TIMEOUT_SEC_DEFAULT) ")" },
	{}
};

static const DaemonType relayd = {
	.program = "arca-relayd",
	.summary = "Forwards Ethernet frames between host vsock streams and Open vSwitch or\n"
	           "Linux bridge ports, controlled over D-Bus as " RELAY_BUS_NAME ".",
	.bus_name = RELAY_BUS_NAME,
	.manager_path = RELAY_PATH,
	.manager_interface = RELAY_MANAGER_INTERFACE,
	.state_dir = RELAY_STATE_DIR_DEFAULT,
	.options = options,
	.object_type = &relay_type,
	/* Every port marked as ours that none of the relays brought back
	 * has is stale. */
	.start = relay_sweep,
};

int main(int argc, char *argv[]) {
	return daemon_main(&relayd, argc, argv);
}
