/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "stream.h"

static void test_allowlist_parse_and_format(void **state) {
	PeerAllowlist a = {};
	char buf[PEER_ALLOWLIST_STRING_MAX];

	assert_int_equal(peer_allowlist_parse("2", &a), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.cids[0], 2);

	assert_int_equal(peer_allowlist_parse(" 3, 4 4294967295", &a), 0);
	assert_int_equal(a.n, 3);
	peer_allowlist_format(&a, buf);
	assert_string_equal(buf, "3 4 4294967295");

	/* Refused, and a above is left as it was. */
	assert_int_equal(peer_allowlist_parse("", &a), -EINVAL);
	assert_int_equal(peer_allowlist_parse(" , ", &a), -EINVAL);
	assert_int_equal(peer_allowlist_parse("two", &a), -EINVAL);
	assert_int_equal(peer_allowlist_parse("2x", &a), -EINVAL);
	assert_int_equal(peer_allowlist_parse("-2", &a), -EINVAL);
	assert_int_equal(peer_allowlist_parse("4294967296", &a), -EINVAL);
	assert_int_equal(peer_allowlist_parse("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", &a), -EINVAL);
	assert_int_equal(a.n, 3);

	/* The default is the host. */
	peer_allowlist_format(&(PeerAllowlist) {}, buf);
	assert_string_equal(buf, "2");
}

static void test_vsock_peers_by_cid(void **state) {
	PeerAllowlist def = {}, three = { .cids = { 3 }, .n = 1 };
	Peer host = { .family = AF_VSOCK, .cid = 2 }, vm = { .family = AF_VSOCK, .cid = 3 };

	assert_true(peer_allowed(&host, &def));
	assert_false(peer_allowed(&vm, &def));
	assert_true(peer_allowed(&vm, &three));
	assert_false(peer_allowed(&host, &three));
}

static void test_unix_peers_by_uid(void **state) {
	PeerAllowlist def = {};
	Peer root = { .family = AF_UNIX, .uid = 0 }, me = { .family = AF_UNIX, .uid = geteuid() };
	Peer other = { .family = AF_UNIX, .uid = geteuid() == 65534 ? 65533 : 65534 };
	Peer none = { .family = AF_UNSPEC };

	assert_true(peer_allowed(&root, &def));
	assert_true(peer_allowed(&me, &def));
	assert_false(peer_allowed(&other, &def));
	assert_false(peer_allowed(&none, &def));
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowlist_parse_and_format),
		cmocka_unit_test(test_vsock_peers_by_cid),
		cmocka_unit_test(test_unix_peers_by_uid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
