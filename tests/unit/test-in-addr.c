/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "in-addr.h"
#include "macro.h"

static InAddrPrefix parsed(const char *text) {
	InAddrPrefix p;

	assert_int_equal(in_addr_prefix_parse(text, &p), 0);
	return p;
}

static void test_parse_and_normal_form(void **state) {
	static const struct {
		const char *text, *normal;
		int family;
		unsigned prefix_len;
	} cases[] = {
		{ "10.88.0.2", "10.88.0.2", AF_INET, 0 },
		{ "10.88.0.2/16", "10.88.0.2/16", AF_INET, 16 },
		{ "10.88.0.2/32", "10.88.0.2/32", AF_INET, 32 },
		{ "FD00:0:0::2/64", "fd00::2/64", AF_INET6, 64 },
		{ "fd00::2/128", "fd00::2/128", AF_INET6, 128 },
		{ "::ffff:10.0.0.1", "::ffff:10.0.0.1", AF_INET6, 0 },
	};
	char buf[IN_ADDR_PREFIX_STRING_MAX];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		InAddrPrefix p = parsed(cases[i].text);

		assert_int_equal(p.family, cases[i].family);
		assert_int_equal(p.prefix_len, cases[i].prefix_len);
		in_addr_prefix_format(&p, buf);
		assert_string_equal(buf, cases[i].normal);
	}
}

static void test_prefix_must_fit_the_family(void **state) {
	static const char *const bad[] = {
		"", "/24", "10.88.0.2/", "10.88.0.2/0", "10.88.0.2/33", "fd00::2/129", "fd00::2/-1",
		"10.88.0.2/24/24", "10.88.0.2/ 24", "10.88.0.256", "fe80::1%lo", "fe80::1%lo/64", "host/24",
		"10.88.0.2/4294967297",
	};
	InAddrPrefix p;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(in_addr_prefix_parse(bad[i], &p), -EINVAL);
	assert_int_equal(in_addr_prefix_max(AF_INET), 32);
	assert_int_equal(in_addr_prefix_max(AF_INET6), 128);
}

static bool covers(const char *network, const char *address) {
	InAddrPrefix p = parsed(network), a = parsed(address);

	return in_addr_prefix_covers(&p, &a);
}

static bool equal(const char *x, const char *y) {
	InAddrPrefix a = parsed(x), b = parsed(y);

	return in_addr_equal(&a, &b);
}

static void test_covers_and_equal(void **state) {
	assert_true(covers("10.88.0.2/16", "10.88.255.254"));
	assert_false(covers("10.88.0.2/16", "10.89.0.1"));
	/* Prefixes off a byte boundary. */
	assert_true(covers("10.88.0.2/13", "10.95.0.1"));
	assert_false(covers("10.88.0.2/13", "10.96.0.1"));
	assert_true(covers("fd00::2/64", "fd00::ffff:1"));
	assert_false(covers("fd00::2/64", "fd00:0:0:1::1"));
	assert_true(covers("fd00::2/127", "fd00::3"));
	assert_false(covers("fd00::2/127", "fd00::4"));
	/* Another family is never on the network. */
	assert_false(covers("fd00::2/64", "10.88.0.1"));
	assert_false(covers("0.0.0.0/1", "::1"));

	assert_true(equal("fd00::2/64", "FD00::2/48"));
	assert_false(equal("fd00::2/64", "fd00::3/64"));
	assert_false(equal("10.88.0.2", "::ffff:10.88.0.2"));
	assert_string_equal(in_addr_family_name(AF_INET), "IPv4");
	assert_string_equal(in_addr_family_name(AF_INET6), "IPv6");
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_normal_form),
		cmocka_unit_test(test_prefix_must_fit_the_family),
		cmocka_unit_test(test_covers_and_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
