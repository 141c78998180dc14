/* SPDX-License-Identifier: Apache-2.0 */

/*
 * arca-forwarderd: the container VM's side of Arca networking. Each
 * attached network is a TAP device whose frames are forwarded to and from
 * the host over a vsock (or unix) stream. See arca-forwarderd(8).
 */

#include "network.h"
#include "network-settings.h"

static const DaemonOption options[] = {
	{ .name = "resolv-conf", .metavar = "PATH", .parse = network_set_resolv_conf,
	  .help = "Where to write DNS servers (default " RESOLV_CONF_DEFAULT ";\n"
	          "with --bus=, STATE-DIR/" RESOLV_CONF_INSTANCE_DIR "/resolv.conf)" },
	{}
};

const DaemonType daemon_type = {
	.schema = &network_schema,
	.options = options,
	.ops = &network_ops,
	/* The networks' DNS servers, in resolv.conf while they are there. */
	.objects_changed = network_update_resolv_conf,
};
