/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cmdline.h"
#include "macro.h"
#include "settings.h"

static const char *const verb_names[_VERB_MAX] = {
	[VERB_NONE] = "",
	[VERB_LIST] = "list",
	[VERB_STATUS] = "status",
	[VERB_ATTACH] = "attach",
	[VERB_DETACH] = "detach",
	[VERB_CAPTURE] = "capture",
	[VERB_RELAY] = "relay",
	[VERB_RELAY_START] = "relay start",
	[VERB_RELAY_STOP] = "relay stop",
	[VERB_RELAY_LIST] = "relay list",
	[VERB_RELAY_STATUS] = "relay status",
};

const char *verb_to_string(Verb verb) {
	return verb < _VERB_MAX ? verb_names[verb] : NULL;
}

/* The help texts. Every option a man page documents for a verb appears in
 * that verb's text; tests/systemd/check-help.py holds them to it. */

static const char help_main[] =
	"arcactl [OPTIONS...] COMMAND ...\n"
	"\n"
	"Control Arca's networks (arca-forwarderd) and relays (arca-relayd).\n"
	"\n"
	"Commands:\n"
	"  list                       List networks and relays\n"
	"  status [DEVICE|PORT]       Show the daemons, or one network or relay\n"
	"  attach DEVICE PORT ADDRESS[/PREFIX] [GATEWAY]\n"
	"                             Attach a network: a TAP device whose frames\n"
	"                             go to whoever connects to vsock port PORT\n"
	"  attach PORT --config=FILE  Attach the network a settings file describes\n"
	"  detach DEVICE|PORT         Detach a network\n"
	"  capture DEVICE|PORT -w FILE\n"
	"                             Write what a network or relay forwards to a\n"
	"                             pcap file\n"
	"  relay start PORT           Start a relay on vsock port PORT\n"
	"  relay stop PORT            Stop a relay\n"
	"  relay list                 List relays\n"
	"  relay status [PORT]        Show arca-relayd, or one relay\n"
	"\n"
	"Options:\n"
	"  -h --help                  Show this help, or a command's\n"
	"                             (arcactl attach --help)\n"
	"     --version               Show the version\n"
	"     --bus=PATH              Talk peer-to-peer to the daemon serving the\n"
	"                             unix socket PATH instead of the system bus\n"
	"     --json=pretty|short|off Print list and status output as JSON\n"
	"     --no-legend             Print tables without header and footer\n"
	"\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n"
	"See the arcactl(1) man page for details.\n";

static const char help_list[] =
	"arcactl list [--json=pretty|short] [--no-legend]\n"
	"\n"
	"Lists the attached networks and the relays, of whichever daemons run.\n"
	"Does not start a daemon that is not running.\n"
	"\n"
	"Options:\n"
	"     --json=pretty|short|off Print JSON\n"
	"     --no-legend             Print tables without header and footer\n";

static const char help_status[] =
	"arcactl status [DEVICE|PORT] [--json=pretty|short]\n"
	"\n"
	"Without an argument shows each running daemon: version, uptime and\n"
	"traffic. With one shows the network named DEVICE, or the network or\n"
	"relay on vsock port PORT: settings, state, peer and counters.\n"
	"\n"
	"Options:\n"
	"     --json=pretty|short|off Print JSON\n";

static const char help_attach[] =
	"arcactl attach DEVICE PORT ADDRESS[/PREFIX] [GATEWAY] [OPTIONS...]\n"
	"arcactl attach PORT --config=FILE [OPTIONS...]\n"
	"\n"
	"Makes the TAP device DEVICE with ADDRESS and forwards its frames to\n"
	"whoever connects to vsock port PORT. Without PREFIX the daemon uses /24\n"
	"for IPv4 and /64 for IPv6; with GATEWAY, the default route goes there.\n"
	"Options override what --config reads.\n"
	"\n"
	"Options:\n"
	"     --mac=MAC               The device's MAC address (default: random)\n"
	"     --mtu=BYTES             The device's MTU (default: 1500)\n"
	"     --framing=length32|vnet The wire framing (default: length32)\n"
	"     --dns=ADDRESS           A DNS server for resolv.conf; repeat or give\n"
	"                             a comma-separated list for more\n"
	"     --no-default-route      No default route through GATEWAY\n"
	"     --no-lock-mac           Let the container send from any MAC address\n"
	"     --allowed-peers=CID[,CID...]\n"
	"                             The vsock CIDs that may connect (default: 2,\n"
	"                             the host)\n"
	"     --rate-limit=BYTES      At most BYTES per second each way\n"
	"                             (suffixes K, M, G, T: powers of 1000)\n"
	"     --listen=ADDRESS        Listen on ADDRESS instead of vsock::PORT:\n"
	"                             vsock:CID:PORT, vsock::PORT, /path, @name\n"
	"     --listen-fd=N           Use the listening socket open as fd N\n"
	"                             (arca-forwarder@.service passes 3)\n"
	"     --config=[-]FILE        Read settings from FILE, see\n"
	"                             arca-forwarder.conf(5); with '-', a missing\n"
	"                             FILE is no error\n";

static const char help_detach[] =
	"arcactl detach DEVICE|PORT\n"
	"\n"
	"Detaches the network named DEVICE, or the one on vsock port PORT: the\n"
	"device is removed and the host's connection closed.\n";

static const char help_capture[] =
	"arcactl capture DEVICE|PORT -w FILE [OPTIONS...]\n"
	"\n"
	"Writes the frames the network named DEVICE, or the network or relay on\n"
	"vsock port PORT, forwards in either direction to FILE as a pcap file\n"
	"that tcpdump and tshark read. Runs until interrupted, until a cap is\n"
	"reached or until the network or relay goes away. Frames the daemon\n"
	"forwards faster than they can be written are left out, never delayed.\n"
	"\n"
	"Options:\n"
	"  -w --write=FILE            Write to FILE (created with mode 0600); '-'\n"
	"                             writes to stdout\n"
	"  -c --count=FRAMES          Stop after FRAMES frames (default: 1000000)\n"
	"     --max-bytes=BYTES       Stop before the file grows beyond BYTES\n"
	"                             (suffixes K, M, G, T: powers of 1000;\n"
	"                             default: 1 GiB)\n"
	"  -s --snapshot-length=BYTES Keep at most BYTES of each frame (default:\n"
	"                             262144, whole frames)\n";

static const char help_relay[] =
	"arcactl relay COMMAND ...\n"
	"\n"
	"Commands:\n"
	"  relay start PORT [OPTIONS...]  Start a relay on vsock port PORT\n"
	"  relay stop PORT                Stop a relay\n"
	"  relay list                     List relays\n"
	"  relay status [PORT]            Show arca-relayd, or one relay\n"
	"\n"
	"'arcactl relay COMMAND --help' shows a command's options.\n";

static const char help_relay_start[] =
	"arcactl relay start PORT [OPTIONS...]\n"
	"\n"
	"Starts a relay: arca-relayd listens on vsock port PORT and, while the\n"
	"host is connected, forwards its frames to a port on a bridge. Options\n"
	"override what --config reads; what neither sets, the daemon picks.\n"
	"\n"
	"Options:\n"
	"     --bridge=NAME           The bridge (default: br-int)\n"
	"     --port-name=NAME        The name of the bridge port (default: arcaPORT)\n"
	"     --mac=MAC               The port's MAC address\n"
	"     --vlan=ID               Tag the port with VLAN ID (1-4094; 0: none)\n"
	"     --iface-id=ID           OVN's external-ids:iface-id of the port\n"
	"     --network-id=ID         The network's ID, for the record\n"
	"     --container-id=ID       The container's ID, for the record\n"
	"     --mtu=BYTES             The port's MTU\n"
	"     --framing=length32|vnet The wire framing (default: length32)\n"
	"     --backend=ovs|bridge    Open vSwitch (default) or a Linux bridge\n"
	"     --no-lock-mac           Let the host send from any MAC address, not\n"
	"                             only from MAC\n"
	"     --allowed-peers=CID[,CID...]\n"
	"                             The vsock CIDs that may connect (default: 2,\n"
	"                             the host)\n"
	"     --rate-limit=BYTES      At most BYTES per second each way\n"
	"                             (suffixes K, M, G, T: powers of 1000)\n"
	"     --listen=ADDRESS        Listen on ADDRESS instead of vsock::PORT:\n"
	"                             vsock:CID:PORT, vsock::PORT, /path, @name\n"
	"     --listen-fd=N           Use the listening socket open as fd N\n"
	"                             (arca-relay@.service passes 3)\n"
	"     --config=[-]FILE        Read settings from FILE, see\n"
	"                             arca-relay.conf(5); with '-', a missing\n"
	"                             FILE is no error\n";

static const char help_relay_stop[] =
	"arcactl relay stop PORT\n"
	"\n"
	"Stops the relay on vsock port PORT: its listener closes, its port\n"
	"leaves the bridge.\n";

static const char help_relay_list[] =
	"arcactl relay list [--json=pretty|short] [--no-legend]\n"
	"\n"
	"Lists the relays of arca-relayd.\n"
	"\n"
	"Options:\n"
	"     --json=pretty|short|off Print JSON\n"
	"     --no-legend             Print the table without header and footer\n";

static const char help_relay_status[] =
	"arcactl relay status [PORT] [--json=pretty|short]\n"
	"\n"
	"Without an argument shows arca-relayd: version, relays and traffic.\n"
	"With one shows the relay on vsock port PORT: settings, state, peer and\n"
	"counters.\n"
	"\n"
	"Options:\n"
	"     --json=pretty|short|off Print JSON\n";

static const char *const help_texts[_VERB_MAX] = {
	[VERB_NONE] = help_main,
	[VERB_LIST] = help_list,
	[VERB_STATUS] = help_status,
	[VERB_ATTACH] = help_attach,
	[VERB_DETACH] = help_detach,
	[VERB_CAPTURE] = help_capture,
	[VERB_RELAY] = help_relay,
	[VERB_RELAY_START] = help_relay_start,
	[VERB_RELAY_STOP] = help_relay_stop,
	[VERB_RELAY_LIST] = help_relay_list,
	[VERB_RELAY_STATUS] = help_relay_status,
};

void cmdline_help(FILE *f, Verb verb) {
	fputs(help_texts[verb < _VERB_MAX ? verb : VERB_NONE], f);
}

enum {
	ARG_VERSION = 0x100,
	ARG_BUS,
	ARG_JSON,
	ARG_NO_LEGEND,
	ARG_CONFIG,
	ARG_LISTEN_FD,
	ARG_MAX_BYTES,
	ARG_SETTING,            /* the settings options: see setting_options[] */
};

/* A settings option and the file key it sets; value NULL: the option's
 * argument is the value. */
typedef struct SettingOption {
	const char *option;
	const char *key;
	const char *value;
} SettingOption;

static const SettingOption setting_options[] = {
	{ .option = "--mac", .key = "MAC" },
	{ .option = "--mtu", .key = "MTU" },
	{ .option = "--framing", .key = "Framing" },
	{ .option = "--listen", .key = "Listen" },
	{ .option = "--dns", .key = "DNS" },
	{ .option = "--no-default-route", .key = "DefaultRoute", .value = "no" },
	{ .option = "--no-lock-mac", .key = "LockMAC", .value = "no" },
	{ .option = "--allowed-peers", .key = "AllowedPeers" },
	{ .option = "--rate-limit", .key = "RateLimit" },
	{ .option = "--bridge", .key = "Bridge" },
	{ .option = "--port-name", .key = "PortName" },
	{ .option = "--vlan", .key = "VLAN" },
	{ .option = "--iface-id", .key = "IfaceId" },
	{ .option = "--network-id", .key = "NetworkId" },
	{ .option = "--container-id", .key = "ContainerId" },
	{ .option = "--backend", .key = "Backend" },
};

/* Which options each verb takes, beyond --help and --bus. */
#define OPT(x) (1U << (x))
enum { O_JSON, O_LEGEND, O_CONFIG, O_LISTEN_FD, O_CAPTURE, _O_MAX };
static const unsigned verb_options[_VERB_MAX] = {
	[VERB_NONE] = OPT(O_JSON) | OPT(O_LEGEND),
	[VERB_LIST] = OPT(O_JSON) | OPT(O_LEGEND),
	[VERB_STATUS] = OPT(O_JSON),
	[VERB_ATTACH] = OPT(O_CONFIG) | OPT(O_LISTEN_FD),
	[VERB_CAPTURE] = OPT(O_CAPTURE),
	[VERB_RELAY_START] = OPT(O_CONFIG) | OPT(O_LISTEN_FD),
	[VERB_RELAY_LIST] = OPT(O_JSON) | OPT(O_LEGEND),
	[VERB_RELAY_STATUS] = OPT(O_JSON),
};

static int usage_error(FILE *err, const char *format, ...) _printf_(2, 3);
static int usage_error(FILE *err, const char *format, ...) {
	va_list ap;

	fputs("arcactl: ", err);
	va_start(ap, format);
	vfprintf(err, format, ap);
	va_end(ap);
	fputc('\n', err);
	return -EINVAL;
}

static int add_setting(Command *c, FILE *err, const char *key, const char *option,
                       const char *value) {
	Setting *s = NULL;
	char *v;

	/* DNS adds up; any other option given twice counts once, the last. */
	for (size_t i = 0; i < c->n_settings; i++)
		if (strcmp(c->settings[i].key, key) == 0)
			s = &c->settings[i];

	if (s && strcmp(key, "DNS") == 0) {
		if (asprintf(&v, "%s %s", s->value, value) < 0)
			return -ENOMEM;
	} else {
		v = strdup(value);
		if (!v)
			return -ENOMEM;
	}

	if (!s) {
		if (c->n_settings >= CMDLINE_SETTINGS_MAX) {
			free(v);
			return usage_error(err, "too many options");
		}
		s = &c->settings[c->n_settings++];
	}
	free(s->value);
	*s = (Setting) { .key = key, .option = option, .value = v };
	return 0;
}

static int parse_verb(Command *c, char **args, size_t n, size_t *used, FILE *err) {
	static const struct {
		const char *name;
		Verb verb;
	} top[] = {
		{ "list", VERB_LIST }, { "status", VERB_STATUS }, { "attach", VERB_ATTACH },
		{ "detach", VERB_DETACH }, { "capture", VERB_CAPTURE }, { "relay", VERB_RELAY },
	}, relay[] = {
		{ "start", VERB_RELAY_START }, { "stop", VERB_RELAY_STOP },
		{ "list", VERB_RELAY_LIST }, { "status", VERB_RELAY_STATUS },
	};

	*used = 0;
	if (n == 0)
		return c->help || c->version ? 0 : usage_error(err, "no command given; see 'arcactl --help'");

	for (size_t i = 0; i < ELEMENTSOF(top); i++)
		if (strcmp(args[0], top[i].name) == 0)
			c->verb = top[i].verb;
	if (c->verb == VERB_NONE)
		return usage_error(err, "unknown command '%s'; see 'arcactl --help'", args[0]);
	*used = 1;
	if (c->verb != VERB_RELAY)
		return 0;

	if (n < 2)
		return c->help ? 0 : usage_error(err, "'relay' needs a command: start, stop, list or status; "
		                                 "see 'arcactl relay --help'");
	for (size_t i = 0; i < ELEMENTSOF(relay); i++)
		if (strcmp(args[1], relay[i].name) == 0)
			c->verb = relay[i].verb;
	if (c->verb == VERB_RELAY)
		return usage_error(err, "unknown relay command '%s'; see 'arcactl relay --help'", args[1]);
	*used = 2;
	return 0;
}

static int parse_port(Command *c, const char *arg, FILE *err) {
	if (parse_vsock_port(arg, &c->port) < 0)
		return usage_error(err, "invalid vsock port '%s': use 1 to %u", arg, VSOCK_PORT_MAX);
	return 0;
}

static int parse_arguments(Command *c, char **args, size_t n, FILE *err) {
	const char *verb = verb_to_string(c->verb);
	size_t min = 0, max = 0;
	int r;

	switch (c->verb) {
	case VERB_STATUS:
	case VERB_RELAY_STATUS:
		max = 1;
		break;
	case VERB_DETACH:
	case VERB_CAPTURE:
	case VERB_RELAY_START:
	case VERB_RELAY_STOP:
		min = max = 1;
		break;
	case VERB_ATTACH:
		/* With --config, the file may name device and address. */
		min = c->config ? 1 : 3;
		max = 4;
		break;
	default:
		break;
	}

	if (n < min || n > max) {
		if (max == 0)
			return usage_error(err, "'%s' takes no arguments; see 'arcactl %s --help'", verb, verb);
		return usage_error(err, "'%s' takes %s%zu argument%s, not %zu; see 'arcactl %s --help'", verb,
		                   min == max ? "" : min == 0 ? "at most " : n < min ? "at least " : "at most ",
		                   n < min ? min : max, (n < min ? min : max) == 1 ? "" : "s", n, verb);
	}

	switch (c->verb) {
	case VERB_STATUS:
	case VERB_DETACH:
		c->target = n > 0 ? args[0] : NULL;
		return 0;
	case VERB_CAPTURE:
		c->target = args[0];
		if (!c->capture_file)
			return usage_error(err, "'capture' needs -w FILE, or -w - for stdout; "
			                   "see 'arcactl capture --help'");
		return 0;
	case VERB_RELAY_STATUS:
		if (n > 0) {
			r = parse_port(c, args[0], err);
			if (r < 0)
				return r;
			c->target = args[0];
		}
		return 0;
	case VERB_RELAY_START:
	case VERB_RELAY_STOP:
		return parse_port(c, args[0], err);
	case VERB_ATTACH:
		if (n == 1)
			return parse_port(c, args[0], err);
		if (n == 2)
			return usage_error(err, "'attach' takes DEVICE PORT ADDRESS[/PREFIX] [GATEWAY], "
			                   "or PORT with --config; see 'arcactl attach --help'");
		r = parse_port(c, args[1], err);
		if (r >= 0)
			r = add_setting(c, err, "Device", "DEVICE", args[0]);
		if (r >= 0)
			r = add_setting(c, err, "Address", "ADDRESS", args[2]);
		if (r >= 0 && n > 3)
			r = add_setting(c, err, "Gateway", "GATEWAY", args[3]);
		return r;
	default:
		return 0;
	}
}

/* Each setting must be one the verb knows, with a value of the right form. */
static int check_settings(Command *c, FILE *err) {
	const char *verb = verb_to_string(c->verb);
	const ConfItem *table = c->verb == VERB_ATTACH ? network_settings_table :
	                        c->verb == VERB_RELAY_START ? relay_settings_table : NULL;
	NetworkSettings network;
	RelaySettings relay;
	int r = 0;

	network_settings_init(&network);
	relay_settings_init(&relay);
	for (size_t i = 0; i < c->n_settings && r >= 0; i++) {
		const Setting *s = &c->settings[i];

		if (!table) {
			r = usage_error(err, "%s does not apply to '%s'; see 'arcactl %s --help'",
			                s->option, verb, verb);
			break;
		}
		r = settings_set(table, table == network_settings_table ? (void *) &network : (void *) &relay,
		                 s->key, s->value);
		if (r == -ENOKEY)
			r = usage_error(err, "%s does not apply to '%s'; see 'arcactl %s --help'",
			                s->option, verb, verb);
		else if (r < 0)
			r = usage_error(err, "invalid %s '%s'; see 'arcactl %s --help'", s->option, s->value, verb);
	}
	network_settings_done(&network);
	relay_settings_done(&relay);
	return r;
}

int cmdline_parse(Command *c, int argc, char *argv[], FILE *err) {
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "bus", required_argument, NULL, ARG_BUS },
		{ "json", required_argument, NULL, ARG_JSON },
		{ "no-legend", no_argument, NULL, ARG_NO_LEGEND },
		{ "config", required_argument, NULL, ARG_CONFIG },
		{ "listen-fd", required_argument, NULL, ARG_LISTEN_FD },
		{ "write", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ "max-bytes", required_argument, NULL, ARG_MAX_BYTES },
		{ "snapshot-length", required_argument, NULL, 's' },
		{ "mac", required_argument, NULL, ARG_SETTING },
		{ "mtu", required_argument, NULL, ARG_SETTING },
		{ "framing", required_argument, NULL, ARG_SETTING },
		{ "listen", required_argument, NULL, ARG_SETTING },
		{ "dns", required_argument, NULL, ARG_SETTING },
		{ "no-default-route", no_argument, NULL, ARG_SETTING },
		{ "no-lock-mac", no_argument, NULL, ARG_SETTING },
		{ "allowed-peers", required_argument, NULL, ARG_SETTING },
		{ "rate-limit", required_argument, NULL, ARG_SETTING },
		{ "bridge", required_argument, NULL, ARG_SETTING },
		{ "port-name", required_argument, NULL, ARG_SETTING },
		{ "vlan", required_argument, NULL, ARG_SETTING },
		{ "iface-id", required_argument, NULL, ARG_SETTING },
		{ "network-id", required_argument, NULL, ARG_SETTING },
		{ "container-id", required_argument, NULL, ARG_SETTING },
		{ "backend", required_argument, NULL, ARG_SETTING },
		{}
	};
	const char *given_names[_O_MAX] = {};
	unsigned given = 0;
	size_t used;
	int opt, index, r;

	*c = (Command) { .legend = true, .listen_fd = -1 };

	/* Our own messages, one line each; '+' is not used, so options may
	 * follow the verb. */
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":hw:c:s:", options, &index)) >= 0) {
		/* The option as typed, for messages. */
		const char *typed = argv[optind - 1];

		switch (opt) {
		case 'h':
			c->help = true;
			break;
		case ARG_VERSION:
			c->version = true;
			break;
		case ARG_BUS:
			if (optarg[0] != '/')
				return usage_error(err, "--bus= takes an absolute socket path, not '%s'", optarg);
			c->bus_path = optarg;
			break;
		case ARG_JSON:
			if (strcmp(optarg, "pretty") == 0)
				c->json = JSON_PRETTY;
			else if (strcmp(optarg, "short") == 0)
				c->json = JSON_SHORT;
			else if (strcmp(optarg, "off") == 0)
				c->json = JSON_OFF;
			else
				return usage_error(err, "--json= takes pretty, short or off, not '%s'", optarg);
			given |= OPT(O_JSON);
			break;
		case ARG_NO_LEGEND:
			c->legend = false;
			given |= OPT(O_LEGEND);
			break;
		case ARG_CONFIG:
			if (optarg[optarg[0] == '-'] == '\0')
				return usage_error(err, "--config= takes a file name");
			c->config = optarg;
			given |= OPT(O_CONFIG);
			break;
		case ARG_LISTEN_FD: {
			uint32_t fd;
			if (conf_parse_u32(optarg, &fd) < 0 || fd > INT32_MAX)
				return usage_error(err, "--listen-fd= takes a file descriptor number, not '%s'", optarg);
			c->listen_fd = (int) fd;
			given |= OPT(O_LISTEN_FD);
			break;
		}
		case 'w':
			if (optarg[0] == '\0')
				return usage_error(err, "--write= takes a file name, or - for stdout");
			c->capture_file = optarg;
			given |= OPT(O_CAPTURE);
			given_names[O_CAPTURE] = "--write";
			break;
		case 'c':
			if (conf_parse_u64(optarg, &c->capture_frames) < 0 || c->capture_frames == 0)
				return usage_error(err, "--count= takes a number of frames above 0, not '%s'", optarg);
			given |= OPT(O_CAPTURE);
			given_names[O_CAPTURE] = "--count";
			break;
		case ARG_MAX_BYTES:
			if (parse_bytes(optarg, &c->capture_bytes) < 0 || c->capture_bytes < CAPTURE_MAX_BYTES_MIN)
				return usage_error(err, "--max-bytes= takes a size of at least %u bytes, not '%s'",
				                   CAPTURE_MAX_BYTES_MIN, optarg);
			given |= OPT(O_CAPTURE);
			given_names[O_CAPTURE] = "--max-bytes";
			break;
		case 's':
			if (conf_parse_u32(optarg, &c->snap_bytes) < 0 || c->snap_bytes == 0 ||
			    c->snap_bytes > CAPTURE_SNAP_BYTES_DEFAULT)
				return usage_error(err, "--snapshot-length= takes 1 to %u bytes, not '%s'",
				                   CAPTURE_SNAP_BYTES_DEFAULT, optarg);
			given |= OPT(O_CAPTURE);
			given_names[O_CAPTURE] = "--snapshot-length";
			break;
		case ARG_SETTING: {
			const SettingOption *s = NULL;
			for (size_t i = 0; i < ELEMENTSOF(setting_options); i++)
				if (strcmp(setting_options[i].option + 2, options[index].name) == 0)
					s = &setting_options[i];
			r = add_setting(c, err, s->key, s->option, s->value ?: optarg);
			if (r < 0)
				return r;
			break;
		}
		case ':':
			return usage_error(err, "%s needs a value; see 'arcactl --help'", typed);
		default:
			if (optopt)
				return usage_error(err, "unknown option '-%c'; see 'arcactl --help'", optopt);
			return usage_error(err, "unknown option '%s'; see 'arcactl --help'", typed);
		}
	}

	r = parse_verb(c, argv + optind, argc - optind, &used, err);
	if (r < 0)
		return r;
	if (c->help || c->version)
		return 0;

	for (unsigned o = 0; o < _O_MAX; o++)
		if ((given & OPT(o)) && !(verb_options[c->verb] & OPT(o))) {
			static const char *const names[] = { "--json", "--no-legend", "--config", "--listen-fd" };
			return usage_error(err, "%s does not apply to '%s'; see 'arcactl %s --help'",
			                   given_names[o] ?: names[o], verb_to_string(c->verb),
			                   verb_to_string(c->verb));
		}

	r = parse_arguments(c, argv + optind + used, argc - optind - used, err);
	if (r < 0)
		return r;

	if (c->listen_fd >= 0)
		for (size_t i = 0; i < c->n_settings; i++)
			if (strcmp(c->settings[i].key, "Listen") == 0)
				return usage_error(err, "give --listen= or --listen-fd=, not both");

	return check_settings(c, err);
}

void command_done(Command *c) {
	for (size_t i = 0; i < c->n_settings; i++)
		free(c->settings[i].value);
	c->n_settings = 0;
}
