/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "conffile.h"

typedef struct Settings {
	char *bridge;
	uint32_t vlan;
	uint64_t rate;
	int lock;
	char **dns;
} Settings;

static const ConfItem table[] = {
	{ "Bridge", conf_parse_string, offsetof(Settings, bridge) },
	{ "VLAN", conf_parse_u32, offsetof(Settings, vlan) },
	{ "RateLimit", conf_parse_u64, offsetof(Settings, rate) },
	{ "LockMAC", conf_parse_bool, offsetof(Settings, lock) },
	{ "DNS", conf_parse_strv, offsetof(Settings, dns) },
	{}
};

static int parse(const char *text, Settings *s, char *error) {
	FILE *f = fmemopen((void *) text, strlen(text), "r");
	int r;

	*s = (Settings) { .lock = -1 };
	r = conf_parse_stream(f, "test.conf", table, s, error);
	fclose(f);
	return r;
}

static void done(Settings *s) {
	free(s->bridge);
	strv_free(s->dns);
}

static void test_parse_all_kinds(void **state) {
	char error[CONF_ERROR_MAX] = "";
	Settings s;

	assert_int_equal(parse("# relay 5001\n\n  Bridge = br-int \n; comment\nVLAN=100\n"
	                       "RateLimit=125000000\nLockMAC=no\nDNS=10.0.0.53  fd00::53\n", &s, error), 0);
	assert_string_equal(s.bridge, "br-int");
	assert_int_equal(s.vlan, 100);
	assert_int_equal(s.rate, 125000000);
	assert_int_equal(s.lock, 0);
	assert_int_equal(strv_length(s.dns), 2);
	assert_string_equal(s.dns[1], "fd00::53");
	done(&s);
}

static void test_errors_name_file_and_line(void **state) {
	char error[CONF_ERROR_MAX];
	Settings s;

	assert_int_equal(parse("Bridge=br0\nColour=blue\n", &s, error), -EINVAL);
	assert_string_equal(error, "test.conf:2: unknown key 'Colour'");
	done(&s);

	assert_int_equal(parse("VLAN=ten\n", &s, error), -EINVAL);
	assert_string_equal(error, "test.conf:1: invalid value 'ten' for VLAN");
	done(&s);

	assert_int_equal(parse("VLAN=4294967296\n", &s, error), -EINVAL);
	assert_int_equal(parse("VLAN=-1\n", &s, error), -EINVAL);
	assert_int_equal(parse("LockMAC=maybe\n", &s, error), -EINVAL);

	assert_int_equal(parse("\n\nBridge\n", &s, error), -EINVAL);
	assert_string_equal(error, "test.conf:3: expected KEY=VALUE, got 'Bridge'");

	assert_int_equal(parse("VLAN=1\nVLAN=2\n", &s, error), -EINVAL);
	assert_string_equal(error, "test.conf:2: 'VLAN' is set twice");
}

static void test_write_then_read(void **state) {
	char dir[] = "/tmp/arca-conf-XXXXXX", path[64], error[CONF_ERROR_MAX];
	const ConfEntry entries[] = {
		{ "Bridge", "br-int" }, { "VLAN", "7" }, { "RateLimit", NULL }, { "DNS", "a b" },
	};
	Settings s = { .lock = -1 };

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.conf", dir);
	assert_int_equal(conf_write_file(path, entries, 4), 0);
	assert_int_equal(conf_parse_file(path, table, &s, error), 0);
	assert_string_equal(s.bridge, "br-int");
	assert_int_equal(s.vlan, 7);
	assert_int_equal(s.rate, 0);        /* left out, so unset */
	assert_int_equal(strv_length(s.dns), 2);
	done(&s);
	unlink(path);

	assert_int_equal(conf_parse_file(path, table, &s, error), -ENOENT);
	rmdir(dir);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_all_kinds),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_write_then_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
