/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "address.h"

static void assert_round_trip(const char *s) {
	char buf[SOCKET_ADDRESS_STRING_MAX];
	SocketAddress a;

	assert_int_equal(socket_address_parse(&a, s), 0);
	socket_address_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, s);
}

static void test_parse_vsock(void **state) {
	SocketAddress a;

	assert_int_equal(socket_address_parse(&a, "vsock::5001"), 0);
	assert_int_equal(a.vm.svm_family, AF_VSOCK);
	assert_int_equal(a.vm.svm_cid, VMADDR_CID_ANY);
	assert_int_equal(a.vm.svm_port, 5001);

	assert_int_equal(socket_address_parse(&a, "vsock:2:1024"), 0);
	assert_int_equal(a.vm.svm_cid, 2);
	assert_int_equal(a.vm.svm_port, 1024);

	assert_round_trip("vsock::5001");
	assert_round_trip("vsock:3:4294967294");
}

static void test_parse_unix(void **state) {
	SocketAddress a;

	assert_int_equal(socket_address_parse(&a, "/run/arca/eth0.sock"), 0);
	assert_int_equal(a.un.sun_family, AF_UNIX);
	assert_string_equal(a.un.sun_path, "/run/arca/eth0.sock");
	assert_string_equal(socket_address_path(&a), "/run/arca/eth0.sock");

	assert_int_equal(socket_address_parse(&a, "@arca-test"), 0);
	assert_int_equal(a.un.sun_path[0], '\0');
	assert_memory_equal(a.un.sun_path + 1, "arca-test", 9);
	assert_int_equal(a.size, offsetof(struct sockaddr_un, sun_path) + 10);
	assert_null(socket_address_path(&a));

	assert_round_trip("/tmp/x");
	assert_round_trip("@arca-test");
}

static void test_parse_rejects(void **state) {
	static const char *const bad[] = {
		"", "vsock", "vsock:", "vsock::", "vsock::0", "vsock::4294967295",
		"vsock::-1", "vsock::+5", "vsock:: 5", "vsock::5x", "vsock:x:5",
		"vsock::99999999999", "vsock:1", "relative/path", "@", "/",
		"tcp:1.2.3.4:5", "5001",
	};
	char long_path[200];
	SocketAddress a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(socket_address_parse(&a, bad[i]), -EINVAL);

	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	assert_int_equal(socket_address_parse(&a, long_path), -EINVAL);
	assert_int_equal(socket_address_parse(&a, NULL), -EINVAL);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_vsock),
		cmocka_unit_test(test_parse_unix),
		cmocka_unit_test(test_parse_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
