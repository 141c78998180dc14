/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "listener.h"

typedef struct Accepted {
	int count;
	Peer peer;
	sd_event *event;
} Accepted;

static int on_accept(Listener *l, int fd, const Peer *peer, void *userdata) {
	Accepted *a = userdata;

	a->count++;
	a->peer = *peer;
	close(fd);
	/* Without an event to end, the test runs the loop until it idles. */
	return a->event ? sd_event_exit(a->event, 0) : 0;
}

static char *temp_socket_path(void) {
	static char dir[] = "/tmp/arca-test-XXXXXX";
	static char path[128];
	static bool made;

	if (!made) {
		assert_non_null(mkdtemp(dir));
		made = true;
	}
	snprintf(path, sizeof(path), "%s/listen.sock", dir);
	return path;
}

static void test_unix_accept_reports_credentials(void **state) {
	sd_event *e = NULL;
	Listener *l = NULL;
	Accepted a = {};
	SocketAddress addr;
	const char *path = temp_socket_path();
	int fd;

	assert_int_equal(sd_event_new(&e), 0);
	a.event = e;
	assert_int_equal(socket_address_parse(&addr, path), 0);
	assert_int_equal(listener_new(&l, e, &addr, on_accept, &a), 0);

	fd = stream_connect(&addr);
	assert_true(fd >= 0);
	assert_int_equal(sd_event_loop(e), 0);

	assert_int_equal(a.count, 1);
	assert_int_equal(a.peer.family, AF_UNIX);
	assert_int_equal(a.peer.pid, getpid());
	assert_int_equal(a.peer.uid, getuid());

	close(fd);
	listener_free(l);
	/* The listener made the socket file, so it removes it. */
	assert_int_equal(access(path, F_OK), -1);
	sd_event_unref(e);
}

static void test_address_in_use_and_stale_socket(void **state) {
	sd_event *e = NULL;
	Listener *l = NULL, *l2 = NULL;
	Accepted a = {};
	SocketAddress addr;
	const char *path = temp_socket_path();
	int fd;

	assert_int_equal(sd_event_new(&e), 0);
	assert_int_equal(socket_address_parse(&addr, path), 0);
	assert_int_equal(listener_new(&l, e, &addr, on_accept, &a), 0);

	/* A live listener is never replaced, and the probe that found it alive
	 * is not taken for a peer: only the real connection after it is. */
	assert_int_equal(listener_new(&l2, e, &addr, on_accept, NULL), -EADDRINUSE);
	assert_int_equal(access(path, F_OK), 0);
	fd = stream_connect(&addr);
	assert_true(fd >= 0);
	while (sd_event_run(e, 100 * 1000) > 0)
		;
	assert_int_equal(a.count, 1);
	close(fd);
	listener_free(l);

	/* A socket file left behind by a dead process is. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, &addr.sa, addr.size), 0);
	close(fd);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(listener_new(&l, e, &addr, on_accept, NULL), 0);
	listener_free(l);

	/* A regular file of that name is not ours to remove. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(listener_new(&l, e, &addr, on_accept, NULL), -EADDRINUSE);
	unlink(path);
	sd_event_unref(e);
}

static void test_adopt_listening_fd(void **state) {
	sd_event *e = NULL;
	Listener *l = NULL;
	Accepted a = {};
	SocketAddress addr;
	int lfd, fd;

	assert_int_equal(sd_event_new(&e), 0);
	a.event = e;
	assert_int_equal(socket_address_parse(&addr, "@arca-test-adopt"), 0);

	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, &addr.sa, addr.size), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(listener_new_from_fd(&l, e, lfd, on_accept, &a), 0);

	char buf[SOCKET_ADDRESS_STRING_MAX];
	socket_address_format(listener_get_address(l), buf, sizeof(buf));
	assert_string_equal(buf, "@arca-test-adopt");

	fd = stream_connect(&addr);
	assert_true(fd >= 0);
	while (sd_event_run(e, 100 * 1000) > 0)
		;
	assert_int_equal(a.count, 1);
	close(fd);
	listener_free(l);
	sd_event_unref(e);
}

static void test_adopt_refuses_non_listening(void **state) {
	sd_event *e = NULL;
	Listener *l = NULL;
	int sv[2];

	assert_int_equal(sd_event_new(&e), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(listener_new_from_fd(&l, e, sv[0], on_accept, NULL), -EINVAL);
	/* The fd was ours and has been closed. */
	assert_int_equal(fcntl(sv[0], F_GETFD), -1);
	close(sv[1]);

	int dgram = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_equal(listener_new_from_fd(&l, e, dgram, on_accept, NULL), -EINVAL);
	assert_int_equal(listener_new_from_fd(&l, e, 1000, on_accept, NULL), -EBADF);
	sd_event_unref(e);
}

static void test_vsock_listen(void **state) {
	sd_event *e = NULL;
	Listener *l = NULL, *l2 = NULL;
	SocketAddress addr;
	int probe, r;

	probe = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (probe < 0) {
		skip();   /* no vsock in this kernel */
	}
	close(probe);

	assert_int_equal(sd_event_new(&e), 0);
	assert_int_equal(socket_address_parse(&addr, "vsock::47811"), 0);
	r = listener_new(&l, e, &addr, on_accept, NULL);
	assert_int_equal(r, 0);
	assert_int_equal(listener_new(&l2, e, &addr, on_accept, NULL), -EADDRINUSE);
	listener_free(l);
	sd_event_unref(e);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unix_accept_reports_credentials),
		cmocka_unit_test(test_address_in_use_and_stale_socket),
		cmocka_unit_test(test_adopt_listening_fd),
		cmocka_unit_test(test_adopt_refuses_non_listening),
		cmocka_unit_test(test_vsock_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
