/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmdline.h"
#include "macro.h"

#define ARGS_MAX 16

/* Parses "arcactl" plus the given words; *message gets what went to stderr. */
static int parse_words(Command *c, char **message, const char *first, ...) {
	char *argv[ARGS_MAX + 1] = { (char *) "arcactl" };
	size_t size = 0;
	int argc = 1, r;
	va_list ap;
	FILE *err;

	va_start(ap, first);
	for (const char *w = first; w; w = va_arg(ap, const char *)) {
		assert_true(argc < ARGS_MAX);
		argv[argc++] = (char *) w;
	}
	va_end(ap);

	err = open_memstream(message, &size);
	assert_non_null(err);
	r = cmdline_parse(c, argc, argv, err);
	fclose(err);
	return r;
}
#define parse(c, message, ...) parse_words(c, message, __VA_ARGS__, NULL)

static const char *setting(const Command *c, const char *key) {
	for (size_t i = 0; i < c->n_settings; i++)
		if (strcmp(c->settings[i].key, key) == 0)
			return c->settings[i].value;
	return NULL;
}

static void test_verbs_and_their_arguments(void **state) {
	_cleanup_free_ char *m = NULL;
	Command c;

	assert_int_equal(parse(&c, &m, "list"), 0);
	assert_int_equal(c.verb, VERB_LIST);
	assert_true(c.legend);
	assert_int_equal(c.json, JSON_OFF);
	assert_null(c.bus_path);
	command_done(&c);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "status", "eth0"), 0);
	assert_int_equal(c.verb, VERB_STATUS);
	assert_string_equal(c.target, "eth0");
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "status"), 0);
	assert_null(c.target);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "status", "eth*", "5001"), 0);
	assert_string_equal(c.target, "eth*");
	/* c.patterns is argv itself, gone with parse_words()'s frame. */
	assert_int_equal(c.n_patterns, 2);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "detach", "5000"), 0);
	assert_int_equal(c.verb, VERB_DETACH);
	assert_string_equal(c.target, "5000");
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "relay", "stop", "4294967294"), 0);
	assert_int_equal(c.verb, VERB_RELAY_STOP);
	assert_int_equal(c.port, 4294967294U);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "relay", "list", "--no-legend"), 0);
	assert_int_equal(c.verb, VERB_RELAY_LIST);
	assert_false(c.legend);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "relay", "status", "7"), 0);
	assert_int_equal(c.verb, VERB_RELAY_STATUS);
	assert_int_equal(c.port, 7);
	assert_string_equal(c.target, "7");
	assert_string_equal(m, "");
}

static void test_options_before_or_after_the_verb(void **state) {
	_cleanup_free_ char *m = NULL;
	Command c;

	assert_int_equal(parse(&c, &m, "--json=short", "--bus=/run/fw.bus", "list"), 0);
	assert_int_equal(c.json, JSON_SHORT);
	assert_string_equal(c.bus_path, "/run/fw.bus");
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "status", "eth0", "--json=pretty"), 0);
	assert_int_equal(c.json, JSON_PRETTY);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "relay", "--json", "off", "list"), 0);
	assert_int_equal(c.verb, VERB_RELAY_LIST);
	assert_int_equal(c.json, JSON_OFF);
}

static void test_attach_arguments_become_settings(void **state) {
	_cleanup_free_ char *m = NULL;
	Command c;

	assert_int_equal(parse(&c, &m, "attach", "eth0", "5000", "10.88.0.2/16", "10.88.0.1",
	                       "--mac=02:42:0a:58:00:02", "--mtu", "1400", "--dns=10.88.0.1",
	                       "--dns=fd00::53,10.0.0.53", "--no-default-route", "--rate-limit=10M"), 0);
	assert_int_equal(c.verb, VERB_ATTACH);
	assert_int_equal(c.port, 5000);
	assert_int_equal(c.listen_fd, -1);
	assert_null(c.config);
	assert_string_equal(setting(&c, "Device"), "eth0");
	assert_string_equal(setting(&c, "Address"), "10.88.0.2/16");
	assert_string_equal(setting(&c, "Gateway"), "10.88.0.1");
	assert_string_equal(setting(&c, "MAC"), "02:42:0a:58:00:02");
	assert_string_equal(setting(&c, "MTU"), "1400");
	/* --dns adds up; the others count once. */
	assert_string_equal(setting(&c, "DNS"), "10.88.0.1 fd00::53,10.0.0.53");
	assert_string_equal(setting(&c, "DefaultRoute"), "no");
	assert_string_equal(setting(&c, "RateLimit"), "10M");
	command_done(&c);
	free(TAKE_PTR(m));

	/* The unit's form: the file names device and address. */
	assert_int_equal(parse(&c, &m, "attach", "5000", "--listen-fd=3",
	                       "--config=/etc/arca/forwarder/5000.conf"), 0);
	assert_int_equal(c.port, 5000);
	assert_int_equal(c.listen_fd, 3);
	assert_string_equal(c.config, "/etc/arca/forwarder/5000.conf");
	assert_int_equal(c.n_settings, 0);
	command_done(&c);
}

static void test_attach_dual_stack(void **state) {
	_cleanup_free_ char *m = NULL;
	Command c;

	/* Every address an --address, each gateway a --gateway: no ADDRESS
	 * argument needed. */
	assert_int_equal(parse(&c, &m, "attach", "eth0", "5000", "--address=10.88.0.2/16", "--address",
	                       "fd00::2/64", "--gateway=10.88.0.1", "--gateway=fd00::1", "--no-ipv6-link-local"), 0);
	assert_int_equal(c.verb, VERB_ATTACH);
	assert_int_equal(c.port, 5000);
	assert_string_equal(setting(&c, "Device"), "eth0");
	assert_null(setting(&c, "Address"));
	assert_string_equal(setting(&c, "Addresses"), "10.88.0.2/16 fd00::2/64");
	assert_string_equal(setting(&c, "Gateways"), "10.88.0.1 fd00::1");
	assert_string_equal(setting(&c, "IPv6LinkLocal"), "no");
	command_done(&c);
	free(TAKE_PTR(m));

	/* Or the first as the arguments, the other family's as options. */
	assert_int_equal(parse(&c, &m, "attach", "eth0", "5000", "10.88.0.2/16", "10.88.0.1",
	                       "--address=fd00::2/64", "--gateway=fd00::1"), 0);
	assert_string_equal(setting(&c, "Address"), "10.88.0.2/16");
	assert_string_equal(setting(&c, "Gateway"), "10.88.0.1");
	assert_string_equal(setting(&c, "Addresses"), "fd00::2/64");
	assert_string_equal(setting(&c, "Gateways"), "fd00::1");
	command_done(&c);
}

static void test_relay_start_options(void **state) {
	_cleanup_free_ char *m = NULL;
	Command c;

	assert_int_equal(parse(&c, &m, "relay", "start", "5001", "--bridge=br-ex", "--port-name=arca1",
	                       "--mac=02:00:00:00:50:01", "--vlan=4094", "--iface-id=c1-eth0",
	                       "--network-id=n1", "--container-id=c1", "--mtu=9000", "--backend=bridge",
	                       "--config=-/etc/arca/relay/5001.conf"), 0);
	assert_int_equal(c.verb, VERB_RELAY_START);
	assert_int_equal(c.port, 5001);
	assert_string_equal(c.config, "-/etc/arca/relay/5001.conf");
	assert_string_equal(setting(&c, "Bridge"), "br-ex");
	assert_string_equal(setting(&c, "PortName"), "arca1");
	assert_string_equal(setting(&c, "MAC"), "02:00:00:00:50:01");
	assert_string_equal(setting(&c, "VLAN"), "4094");
	assert_string_equal(setting(&c, "IfaceId"), "c1-eth0");
	assert_string_equal(setting(&c, "NetworkId"), "n1");
	assert_string_equal(setting(&c, "ContainerId"), "c1");
	assert_string_equal(setting(&c, "MTU"), "9000");
	assert_string_equal(setting(&c, "Backend"), "bridge");
	command_done(&c);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "relay", "start", "5001", "--listen=@relay-5001"), 0);
	assert_string_equal(setting(&c, "Listen"), "@relay-5001");
	command_done(&c);
}

/* Habits from networkctl and ovs-vsctl: no verb lists, "help VERB" is
 * "VERB --help", --no-pager and -a are taken, --may-exist and --if-exists
 * make creating and removing idempotent. */
static void test_habits_of_networkctl_and_ovs_vsctl(void **state) {
	_cleanup_free_ char *m = NULL;
	Command c;

	assert_int_equal(parse(&c, &m, "--no-legend"), 0);
	assert_int_equal(c.verb, VERB_LIST);
	assert_false(c.legend);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "--json=short"), 0);
	assert_int_equal(c.verb, VERB_LIST);
	assert_int_equal(c.json, JSON_SHORT);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "help"), 0);
	assert_true(c.help);
	assert_int_equal(c.verb, VERB_NONE);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "help", "relay", "start"), 0);
	assert_true(c.help);
	assert_int_equal(c.verb, VERB_RELAY_START);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "list", "--no-pager", "-a"), 0);
	assert_int_equal(c.verb, VERB_LIST);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "--all", "status", "eth0", "--no-pager"), 0);
	assert_int_equal(c.verb, VERB_STATUS);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "attach", "eth0", "5000", "10.0.0.2", "--may-exist"), 0);
	assert_true(c.may_exist);
	command_done(&c);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "relay", "start", "5001", "--may-exist"), 0);
	assert_true(c.may_exist);
	command_done(&c);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "detach", "eth0", "--if-exists"), 0);
	assert_true(c.if_exists);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "relay", "stop", "5001", "--if-exists"), 0);
	assert_true(c.if_exists);
	assert_false(c.may_exist);
	free(TAKE_PTR(m));

	assert_int_equal(parse(&c, &m, "monitor", "--json=short"), 0);
	assert_int_equal(c.verb, VERB_MONITOR);
	assert_int_equal(c.json, JSON_SHORT);
}

static void test_usage_errors_say_what_is_wrong(void **state) {
	static const struct {
		const char *words[8];
		const char *message;
	} cases[] = {
		{ { "frobnicate" }, "arcactl: unknown command 'frobnicate'; see 'arcactl --help'\n" },
		{ { "lsit" }, "arcactl: unknown command 'lsit'; did you mean 'list'? See 'arcactl --help'\n" },
		{ { "stauts", "eth0" },
		  "arcactl: unknown command 'stauts'; did you mean 'status'? See 'arcactl --help'\n" },
		{ { "help", "frobnicate" }, "arcactl: unknown command 'frobnicate'; see 'arcactl --help'\n" },
		{ { "detach", "eth0", "--may-exist" },
		  "arcactl: --may-exist does not apply to 'detach'; see 'arcactl detach --help'\n" },
		{ { "attach", "eth0", "5000", "10.0.0.2", "--if-exists" },
		  "arcactl: --if-exists does not apply to 'attach'; see 'arcactl attach --help'\n" },
		{ { "list", "--colour" }, "arcactl: unknown option '--colour'; see 'arcactl --help'\n" },
		{ { "list", "-x" }, "arcactl: unknown option '-x'; see 'arcactl --help'\n" },
		{ { "list", "--json" }, "arcactl: --json needs a value; see 'arcactl --help'\n" },
		{ { "list", "--json=yaml" }, "arcactl: --json= takes pretty, short or off, not 'yaml'\n" },
		{ { "list", "eth0" }, "arcactl: 'list' takes no arguments; see 'arcactl list --help'\n" },
		{ { "list", "--mac=02:00:00:00:00:01" },
		  "arcactl: --mac does not apply to 'list'; see 'arcactl list --help'\n" },
		{ { "relay", "status", "5001", "5002" },
		  "arcactl: 'relay status' takes at most 1 argument, not 2; see 'arcactl relay status --help'\n" },
		{ { "status", "--no-legend" },
		  "arcactl: --no-legend does not apply to 'status'; see 'arcactl status --help'\n" },
		{ { "detach" }, "arcactl: 'detach' takes 1 argument, not 0; see 'arcactl detach --help'\n" },
		{ { "attach", "eth0", "5000" },
		  "arcactl: 'attach' takes at least 3 arguments, not 2; see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "--config=x.conf" },
		  "arcactl: 'attach' takes DEVICE PORT ADDRESS[/PREFIX] [GATEWAY], DEVICE PORT with --address, "
		  "or PORT with --config; see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "--address=fd00::2/129" },
		  "arcactl: invalid --address 'fd00::2/129': give IPv4 or IPv6 addresses, each with /PREFIX after it "
		  "or without (at most 32 for IPv4, 128 for IPv6); see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "--address=10.0.0.2", "--gateway=10.0.0.1/24" },
		  "arcactl: invalid --gateway '10.0.0.1/24': give IPv4 or IPv6 addresses; "
		  "see 'arcactl attach --help'\n" },
		{ { "attach", "a", "b", "c", "d", "e" },
		  "arcactl: 'attach' takes at most 4 arguments, not 5; see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "0", "10.0.0.2" }, "arcactl: invalid vsock port '0': use 1 to 4294967294\n" },
		{ { "attach", "eth0", "4294967295", "10.0.0.2" },
		  "arcactl: invalid vsock port '4294967295': use 1 to 4294967294\n" },
		{ { "attach", "eth0", "-1", "10.0.0.2" }, "arcactl: unknown option '-1'; see 'arcactl --help'\n" },
		{ { "attach", "eth0/1", "5000", "10.0.0.2" },
		  "arcactl: invalid DEVICE 'eth0/1': use 1 to 15 characters, without '/', ':', '%' or white space (e.g. eth0); see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "10.0.0.256" },
		  "arcactl: invalid ADDRESS '10.0.0.256': give an IPv4 or IPv6 address, with /PREFIX after it or without (at most 32 for IPv4, 128 for IPv6); see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "10.0.0.2/33" },
		  "arcactl: invalid ADDRESS '10.0.0.2/33': give an IPv4 or IPv6 address, with /PREFIX after it or without (at most 32 for IPv4, 128 for IPv6); see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "10.0.0.2", "gw" },
		  "arcactl: invalid GATEWAY 'gw': give an IPv4 or IPv6 address, or an empty string for none; see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "10.0.0.2", "--mac=01:00:5e:00:00:01" },
		  "arcactl: invalid --mac '01:00:5e:00:00:01': give a unicast address as six hex octets, e.g. 02:42:ac:12:00:02; see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "10.0.0.2", "--dns=10.0.0.1,nameserver" },
		  "arcactl: invalid --dns '10.0.0.1,nameserver': give IPv4 or IPv6 addresses; see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "10.0.0.2", "--vlan=3" },
		  "arcactl: --vlan does not apply to 'attach'; see 'arcactl attach --help'\n" },
		{ { "attach", "eth0", "5000", "10.0.0.2", "--listen=/x.sock", "--listen-fd=3" },
		  "arcactl: give --listen= or --listen-fd=, not both\n" },
		{ { "attach", "eth0", "5000", "10.0.0.2", "--listen-fd=three" },
		  "arcactl: --listen-fd= takes a file descriptor number, not 'three'\n" },
		{ { "attach", "5000", "--config=-" }, "arcactl: --config= takes a file name\n" },
		{ { "relay" },
		  "arcactl: 'relay' needs a command: start, stop, list or status; see 'arcactl relay --help'\n" },
		{ { "relay", "restart" },
		  "arcactl: unknown relay command 'restart'; did you mean 'relay start'? See 'arcactl relay --help'\n" },
		{ { "relay", "frobnicate" }, "arcactl: unknown relay command 'frobnicate'; see 'arcactl relay --help'\n" },
		{ { "relay", "start" },
		  "arcactl: 'relay start' takes 1 argument, not 0; see 'arcactl relay start --help'\n" },
		{ { "relay", "start", "5001", "--vlan=4095" },
		  "arcactl: invalid --vlan '4095': use 1 to 4094, or 0 for untagged; see 'arcactl relay start --help'\n" },
		{ { "relay", "start", "5001", "--backend=vpp" },
		  "arcactl: invalid --backend 'vpp': use ovs or bridge; see 'arcactl relay start --help'\n" },
		{ { "relay", "start", "5001", "--port-name=a-name-much-too-long" },
		  "arcactl: invalid --port-name 'a-name-much-too-long': use 1 to 15 letters, digits, '-', '_' or '.'; see 'arcactl relay start --help'\n" },
		{ { "relay", "start", "5001", "--listen=vsock:5001" },
		  "arcactl: invalid --listen 'vsock:5001': use vsock:CID:PORT, vsock::PORT, an absolute socket path or @abstract-name; see 'arcactl relay start --help'\n" },
		{ { "relay", "start", "5001", "--dns=10.0.0.1" },
		  "arcactl: --dns does not apply to 'relay start'; see 'arcactl relay start --help'\n" },
		{ { "relay", "stop", "5001", "--config=x" },
		  "arcactl: --config does not apply to 'relay stop'; see 'arcactl relay stop --help'\n" },
		{ { "relay", "status", "eth0" }, "arcactl: invalid vsock port 'eth0': use 1 to 4294967294\n" },
		{ { "--bus=relative.sock", "list" },
		  "arcactl: --bus= takes an absolute socket path, not 'relative.sock'\n" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char *argv[ARGS_MAX] = { (char *) "arcactl" };
		_cleanup_free_ char *m = NULL;
		size_t size = 0, argc = 1;
		Command c;
		FILE *err;

		for (const char *const *w = cases[i].words; *w; w++)
			argv[argc++] = (char *) *w;
		err = open_memstream(&m, &size);
		assert_int_equal(cmdline_parse(&c, (int) argc, argv, err), -EINVAL);
		fclose(err);
		command_done(&c);
		assert_string_equal(m, cases[i].message);
	}
}

static void test_help_for_each_verb(void **state) {
	static const struct {
		const char *words[4];
		Verb verb;
		const char *options[16];
	} cases[] = {
		{ { "--help" }, VERB_NONE, { "--help", "--version", "--bus=", "--json=", "--no-legend" } },
		{ { "-h" }, VERB_NONE, { "--help" } },
		{ { "list", "--help" }, VERB_LIST, { "--json=", "--no-legend" } },
		{ { "status", "-h" }, VERB_STATUS, { "--json=" } },
		{ { "--help", "attach" }, VERB_ATTACH,
		  { "--mac=", "--mtu=", "--dns=", "--no-default-route", "--rate-limit=", "--listen=",
		    "--listen-fd=", "--config=", "--address=", "--gateway=", "--no-ipv6-link-local" } },
		{ { "detach", "--help" }, VERB_DETACH, { "DEVICE|PORT" } },
		{ { "relay", "--help" }, VERB_RELAY, { "relay start", "relay stop", "relay list", "relay status" } },
		{ { "relay", "start", "--help" }, VERB_RELAY_START,
		  { "--bridge=", "--port-name=", "--mac=", "--vlan=", "--iface-id=", "--network-id=",
		    "--container-id=", "--mtu=", "--backend=", "--rate-limit=", "--listen=", "--listen-fd=",
		    "--config=" } },
		{ { "relay", "stop", "--help" }, VERB_RELAY_STOP, { "PORT" } },
		{ { "relay", "list", "--help" }, VERB_RELAY_LIST, { "--json=", "--no-legend" } },
		{ { "relay", "status", "--help" }, VERB_RELAY_STATUS, { "--json=" } },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char *argv[8] = { (char *) "arcactl" };
		_cleanup_free_ char *m = NULL, *help = NULL;
		size_t size = 0, argc = 1;
		Command c;
		FILE *f;

		for (const char *const *w = cases[i].words; *w; w++)
			argv[argc++] = (char *) *w;
		f = open_memstream(&m, &size);
		/* Help comes before checking arguments: 'attach --help' has none. */
		assert_int_equal(cmdline_parse(&c, (int) argc, argv, f), 0);
		fclose(f);
		assert_string_equal(m, "");
		assert_true(c.help);
		assert_int_equal(c.verb, cases[i].verb);

		f = open_memstream(&help, &size);
		cmdline_help(f, c.verb);
		fclose(f);
		for (const char *const *o = cases[i].options; *o; o++)
			if (!strstr(help, *o))
				fail_msg("the help of '%s' does not mention %s", verb_to_string(c.verb), *o);
	}
}

static void test_version(void **state) {
	_cleanup_free_ char *m = NULL;
	Command c;

	assert_int_equal(parse(&c, &m, "--version"), 0);
	assert_true(c.version);
	assert_int_equal(c.verb, VERB_NONE);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs_and_their_arguments),
		cmocka_unit_test(test_options_before_or_after_the_verb),
		cmocka_unit_test(test_attach_arguments_become_settings),
		cmocka_unit_test(test_attach_dual_stack),
		cmocka_unit_test(test_relay_start_options),
		cmocka_unit_test(test_habits_of_networkctl_and_ovs_vsctl),
		cmocka_unit_test(test_usage_errors_say_what_is_wrong),
		cmocka_unit_test(test_help_for_each_verb),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
