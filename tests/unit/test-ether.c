/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ether.h"

static void test_parse_and_format(void **state) {
	struct ether_addr a;
	char buf[ETHER_ADDR_STRING_MAX];

	assert_int_equal(ether_addr_parse("02:42:AC:12:00:02", &a), 0);
	ether_addr_format(&a, buf);
	assert_string_equal(buf, "02:42:ac:12:00:02");
}

static void test_parse_rejects(void **state) {
	static const char *const bad[] = {
		"", "02:42:ac:12:00", "02:42:ac:12:00:02:03", "02-42-ac-12-00-02",
		"0g:42:ac:12:00:02", "02:42:ac:12:00:2", "01:00:5e:00:00:01",
		"ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", " 2:42:ac:12:00:02",
	};
	struct ether_addr a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ether_addr_parse(bad[i], &a), -EINVAL);
	assert_int_equal(ether_addr_parse(NULL, &a), -EINVAL);
}

static void test_random_is_local_unicast(void **state) {
	struct ether_addr a, b;

	for (int i = 0; i < 100; i++) {
		assert_int_equal(ether_addr_random(&a), 0);
		assert_int_equal(a.ether_addr_octet[0] & 0x01, 0);
		assert_int_equal(a.ether_addr_octet[0] & 0x02, 0x02);
	}
	assert_int_equal(ether_addr_random(&b), 0);
	assert_memory_not_equal(&a, &b, sizeof(a));
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_random_is_local_unicast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
