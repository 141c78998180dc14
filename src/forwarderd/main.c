/* SPDX-License-Identifier: Apache-2.0 */

/*
 * arca-forwarderd: the container VM's side of Arca networking. Each
 * attached network is a TAP device whose frames are forwarded to and from
 * the host over a vsock (or unix) stream. See arca-forwarderd(8).
 */

#include "busnames.h"
#include "daemon.h"
#include "network.h"

static const DaemonOption options[] = {
	{ .name = "resolv-conf", .metavar = "PATH", .parse = network_set_resolv_conf,
	  .help = "Where to write DNS servers (default " RESOLV_CONF_DEFAULT ")" },
	{}
};

static const DaemonType forwarder = {
	.program = "arca-forwarderd",
	.summary = "Forwards Ethernet frames between TAP devices and host vsock streams,\n"
	           "controlled over D-Bus as " FORWARDER_BUS_NAME ".",
	.bus_name = FORWARDER_BUS_NAME,
	.manager_path = FORWARDER_PATH,
	.manager_interface = FORWARDER_MANAGER_INTERFACE,
	.state_dir = FORWARDER_STATE_DIR_DEFAULT,
	.options = options,
	.object_type = &network_type,
	/* Also puts back a resolv.conf that a daemon stopped before its
	 * last network went left changed. */
	.start = network_update_resolv_conf,
	.objects_changed = network_update_resolv_conf,
	.stop = network_stop,
};

int main(int argc, char *argv[]) {
	return daemon_main(&forwarder, argc, argv);
}
