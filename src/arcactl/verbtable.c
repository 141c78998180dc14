/* SPDX-License-Identifier: Apache-2.0 */

/*
 * arcactl's verbs: what each is called, takes and does, and the words of
 * its --help. The parser (cmdline.c), the help and the bash completion
 * all read this one table; a new verb is a row here and its function in
 * one of the verbs-*.c files.
 */

#include "cmdline.h"
#include "network-settings.h"
#include "relay-settings.h"
#include "verbs.h"

const VerbInfo verbs[_VERB_MAX] = {
	[VERB_NONE] = {
		.name = "",
		.options = OPTION_JSON | OPTION_LEGEND,
	},
	[VERB_LIST] = {
		.name = "list",
		.summary = "List networks and relays",
		.description = "Lists the attached networks and the relays, of whichever daemons run.\n"
		               "Does not start a daemon that is not running.",
		.options = OPTION_JSON | OPTION_LEGEND,
		.run = verb_list,
	},
	[VERB_STATUS] = {
		.name = "status",
		.synopsis = "[DEVICE|PORT...]",
		.summary = "Show the daemons, or networks and relays",
		.description = "Without an argument shows each running daemon: version, uptime and\n"
		               "traffic. With arguments shows each network named DEVICE, or network or\n"
		               "relay on vsock port PORT: settings, state, peer and counters. DEVICE\n"
		               "and PORT may be glob patterns ('eth*', '500[0-9]').",
		.max_args = STATUS_PATTERNS_MAX,
		.options = OPTION_JSON,
		.run = verb_status,
	},
	[VERB_ATTACH] = {
		.name = "attach",
		.synopsis = "DEVICE PORT ADDRESS[/PREFIX] [GATEWAY]",
		.summary = "Attach a network: a TAP device whose frames\n"
		           "go to whoever connects to vsock port PORT",
		.description = "arcactl attach DEVICE PORT ADDRESS[/PREFIX] [GATEWAY] [OPTIONS...]\n"
		               "arcactl attach DEVICE PORT --address=ADDRESS[/PREFIX]... [OPTIONS...]\n"
		               "arcactl attach PORT --config=FILE [OPTIONS...]\n"
		               "\n"
		               "Makes the TAP device DEVICE with ADDRESS and forwards its frames to\n"
		               "whoever connects to vsock port PORT. Without PREFIX the daemon uses /24\n"
		               "for IPv4 and /64 for IPv6; with GATEWAY, the default route goes there.\n"
		               "A dual-stack network has more addresses (--address=) and a gateway per\n"
		               "family (--gateway=). Options override what --config reads.",
		.min_args = 3,
		.max_args = 4,
		.options = OPTION_CONFIG | OPTION_LISTEN_FD | OPTION_MAY_EXIST,
		.settings = network_fields,
		.settings_size = sizeof(NetworkSettings),
		.config_page = "arca-forwarder.conf(5)",
		.run = verb_attach,
	},
	[VERB_DETACH] = {
		.name = "detach",
		.synopsis = "DEVICE|PORT",
		.summary = "Detach a network",
		.description = "Detaches the network named DEVICE, or the one on vsock port PORT: the\n"
		               "device is removed and the host's connection closed.",
		.min_args = 1,
		.max_args = 1,
		.options = OPTION_IF_EXISTS,
		.run = verb_detach,
	},
	[VERB_CAPTURE] = {
		.name = "capture",
		.synopsis = "DEVICE|PORT -w FILE",
		.summary = "Write what a network or relay forwards to a\npcap file",
		.description = "Writes the frames the network named DEVICE, or the network or relay on\n"
		               "vsock port PORT, forwards in either direction to FILE as a pcap file\n"
		               "that tcpdump and tshark read. Runs until interrupted, until a cap is\n"
		               "reached or until the network or relay goes away. Frames the daemon\n"
		               "forwards faster than they can be written are left out, never delayed.",
		.min_args = 1,
		.max_args = 1,
		.options = OPTION_CAPTURE,
		.run = verb_capture,
	},
	[VERB_RELAY] = {
		.name = "relay",
		.synopsis = "COMMAND ...",
	},
	[VERB_RELAY_START] = {
		.name = "relay start",
		.synopsis = "PORT",
		.summary = "Start a relay on vsock port PORT",
		.description = "Starts a relay: arca-relayd listens on vsock port PORT and, while the\n"
		               "host is connected, forwards its frames to a port on a bridge. Options\n"
		               "override what --config reads; what neither sets, the daemon picks.",
		.min_args = 1,
		.max_args = 1,
		.options = OPTION_CONFIG | OPTION_LISTEN_FD | OPTION_MAY_EXIST,
		.settings = relay_fields,
		.settings_size = sizeof(RelaySettings),
		.config_page = "arca-relay.conf(5)",
		.run = verb_relay_start,
	},
	[VERB_RELAY_STOP] = {
		.name = "relay stop",
		.synopsis = "PORT",
		.summary = "Stop a relay",
		.description = "Stops the relay on vsock port PORT: its listener closes, its port\n"
		               "leaves the bridge.",
		.min_args = 1,
		.max_args = 1,
		.options = OPTION_IF_EXISTS,
		.run = verb_relay_stop,
	},
	[VERB_RELAY_LIST] = {
		.name = "relay list",
		.summary = "List relays",
		.description = "Lists the relays of arca-relayd.",
		.options = OPTION_JSON | OPTION_LEGEND,
		.run = verb_relay_list,
	},
	[VERB_SET] = {
		.name = "set",
		.synopsis = "DEVICE|PORT KEY=VALUE...",
		.summary = "Change a setting of a running network or\nrelay",
		.description = "Changes settings of the network named DEVICE, or of the network or\n"
		               "relay on vsock port PORT, while it runs: at once, without a\n"
		               "reconnect, and kept across a restart of the daemon. The settings that\n"
		               "may change so: RateLimit (bytes per second each way, suffixes K, M,\n"
		               "G, T: powers of 1000). KEY= with nothing after it removes the setting.",
		.min_args = 2,
		.max_args = 1 + CMDLINE_SETTINGS_MAX,
		.live_settings = true,
		.run = verb_set,
	},
	[VERB_WAIT] = {
		.name = "wait",
		.synopsis = "DEVICE|PORT [STATE]",
		.summary = "Wait until a network or relay is ready",
		.description = "Returns once the network named DEVICE, or the network or relay on vsock\n"
		               "port PORT, is ready: a host is connected and frames reach the\n"
		               "container's network (for a relay on OVN, once OVN has installed its\n"
		               "port's flows). A control agent starts the container after it. With\n"
		               "STATE (listening, dialing, waiting, connecting, connected,\n"
		               "disconnecting), once it is in that state instead.",
		.min_args = 1,
		.max_args = 2,
		.options = OPTION_TIMEOUT,
		.run = verb_wait,
	},
	[VERB_MONITOR] = {
		.name = "monitor",
		.summary = "Show changes of networks and relays as\nthey happen",
		.description = "Prints a line for each change of the networks and relays of whichever\n"
		               "daemons run, as it happens: started, stopped, or the properties that\n"
		               "changed with their new values (State, Ready, Peer, LastError,\n"
		               "Connections, Refused). Runs until interrupted, or until the daemon of\n"
		               "--bus=PATH goes away. With --json, one JSON object per change.",
		.options = OPTION_JSON,
		.run = verb_monitor,
	},
	[VERB_RELAY_STATUS] = {
		.name = "relay status",
		.synopsis = "[PORT]",
		.summary = "Show arca-relayd, or one relay",
		.description = "Without an argument shows arca-relayd: version, relays and traffic.\n"
		               "With one shows the relay on vsock port PORT: settings, state, peer and\n"
		               "counters.",
		.max_args = 1,
		.options = OPTION_JSON,
		.run = verb_relay_status,
	},
};

const char *verb_to_string(Verb verb) {
	return verb < _VERB_MAX ? verbs[verb].name : NULL;
}
