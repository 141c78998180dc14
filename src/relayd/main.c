/* SPDX-License-Identifier: Apache-2.0 */

/*
 * arca-relayd: the helper VM's side of Arca networking. Each relay listens
 * for the host on a vsock port and, while the host is connected, forwards
 * its frames to and from a port on an Open vSwitch (or Linux) bridge. See
 * arca-relayd(8).
 */

#include "ovs.h"
#include "relay.h"
#include "relay-settings.h"

#define STRINGIFY(x) #x
#define NUMBER(x) STRINGIFY(x)

static const DaemonOption options[] = {
	{ .name = "ovs-vsctl", .metavar = "PATH", .parse = relay_set_ovs_vsctl,
	  .help = "The ovs-vsctl to run (default: from $PATH)" },
	{ .name = "ovs-db", .metavar = "ADDRESS", .parse = relay_set_ovs_db,
	  .help = "The OVS database, e.g. unix:/run/openvswitch/db.sock\n(default: ovs-vsctl's own)" },
	{ .name = "ovs-timeout", .metavar = "SEC", .parse = relay_set_ovs_timeout,
	  .help = "How long ovs-vsctl may take (default " NUMBER(OVS_TIMEOUT_SEC_DEFAULT) ")" },
	{ .name = "ovn-ready-timeout", .metavar = "SEC", .parse = relay_set_ovn_ready_timeout,
	  .help = "How long OVN may take to install a port's flows\nbefore LastError says so (default "
	          NUMBER(OVS_OVN_READY_SEC_DEFAULT) ")" },
	{}
};

const DaemonType daemon_type = {
	.schema = &relay_schema,
	.options = options,
	.ops = &relay_ops,
	/* Every port marked as ours that none of the relays brought back
	 * has is stale. */
	.start = relay_sweep,
};
