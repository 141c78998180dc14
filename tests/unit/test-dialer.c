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
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "dialer.h"
#include "listener.h"

typedef struct Seen {
	sd_event *event;
	int connected;
	int failed;
	int fd;                         /* the last connection */
	Peer peer;
	char error[256];
} Seen;

static void on_connected(Dialer *d, int fd, const Peer *peer, void *userdata) {
	Seen *s = userdata;

	s->connected++;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	s->peer = *peer;
}

static void on_failed(Dialer *d, const char *error, void *userdata) {
	Seen *s = userdata;

	s->failed++;
	snprintf(s->error, sizeof(s->error), "%s", error);
}

/* Runs the loop until *counter is at least n; 10 s at most. */
static void run_until(sd_event *e, const int *counter, int n) {
	for (int i = 0; *counter < n && i < 1000; i++)
		assert_true(sd_event_run(e, 10 * USEC_PER_MSEC) >= 0);
	assert_true(*counter >= n);
}

static const DialerHandlers handlers = { .connected = on_connected, .failed = on_failed };

static int on_accept(Listener *l, int fd, const Peer *peer, void *userdata) {
	int *accepted = userdata;

	/* Kept open: the far end of the test's connection. */
	if (*accepted >= 0)
		close(*accepted);
	*accepted = fd;
	return 0;
}

static const char *temp_socket_path(void) {
	static char dir[] = "/tmp/arca-test-XXXXXX";
	static char path[128];

	if (!path[0]) {
		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/host.sock", dir);
	}
	return path;
}

static void test_dialer_connects_to_a_listening_host(void **state) {
	sd_event *e = NULL;
	Listener *l = NULL;
	Dialer *d = NULL;
	Seen s = { .fd = -1 };
	SocketAddress a;
	int accepted = -1;

	assert_int_equal(sd_event_new(&e), 0);
	s.event = e;
	assert_int_equal(socket_address_parse(&a, temp_socket_path()), 0);
	assert_int_equal(listener_new(&l, e, &a, on_accept, &accepted), 0);
	assert_int_equal(dialer_new(&d, e, temp_socket_path(), "test", &handlers, &s), 0);
	assert_int_equal(dialer_get_state(d), DIALER_IDLE);

	dialer_start(d);
	/* The first attempt is at once, from the loop. */
	assert_int_equal(dialer_get_state(d), DIALER_DIALING);
	assert_int_equal(s.connected, 0);
	run_until(e, &s.connected, 1);
	assert_int_equal(s.connected, 1);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.peer.family, AF_UNIX);
	assert_int_equal(s.peer.pid, getpid());
	assert_true(fcntl(s.fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(dialer_get_state(d), DIALER_IDLE);

	close(s.fd);
	close(accepted);
	dialer_free(d);
	listener_free(l);
	sd_event_unref(e);
}

static void test_dialer_waits_and_retries_until_the_host_listens(void **state) {
	sd_event *e = NULL;
	Listener *l = NULL;
	Dialer *d = NULL;
	Seen s = { .fd = -1 };
	SocketAddress a;
	char want[256];
	int accepted = -1;

	assert_int_equal(sd_event_new(&e), 0);
	s.event = e;
	(void) unlink(temp_socket_path());
	assert_int_equal(dialer_new(&d, e, temp_socket_path(), "test", &handlers, &s), 0);
	dialer_start(d);
	run_until(e, &s.failed, 1);
	assert_int_equal(s.failed, 1);
	snprintf(want, sizeof(want), "Cannot connect to %s: %s", temp_socket_path(), strerror(ENOENT));
	assert_string_equal(s.error, want);
	assert_int_equal(dialer_get_state(d), DIALER_WAITING);
	/* Starting a dialer under way changes nothing. */
	dialer_start(d);
	assert_int_equal(dialer_get_state(d), DIALER_WAITING);

	/* The host comes: the next attempt finds it. */
	assert_int_equal(socket_address_parse(&a, temp_socket_path()), 0);
	assert_int_equal(listener_new(&l, e, &a, on_accept, &accepted), 0);
	run_until(e, &s.connected, 1);
	assert_int_equal(s.connected, 1);
	assert_int_equal(dialer_get_state(d), DIALER_IDLE);

	close(s.fd);
	close(accepted);
	dialer_free(d);
	listener_free(l);
	sd_event_unref(e);
}

static void test_dialer_brief_connection_counts_as_a_failure(void **state) {
	sd_event *e = NULL;
	Listener *l = NULL;
	Dialer *d = NULL;
	Seen s = { .fd = -1 };
	SocketAddress a;
	int accepted = -1;

	assert_int_equal(sd_event_new(&e), 0);
	s.event = e;
	assert_int_equal(socket_address_parse(&a, temp_socket_path()), 0);
	assert_int_equal(listener_new(&l, e, &a, on_accept, &accepted), 0);
	assert_int_equal(dialer_new(&d, e, temp_socket_path(), "test", &handlers, &s), 0);
	dialer_start(d);
	run_until(e, &s.connected, 1);
	assert_int_equal(s.connected, 1);

	/* The host hung up at once: not dialed again at once, but later. */
	close(accepted);
	dialer_start(d);
	assert_int_equal(dialer_get_state(d), DIALER_WAITING);
	run_until(e, &s.connected, 2);
	assert_int_equal(s.connected, 2);

	/* A connection that lasted: dialed again at once. */
	usleep(DIALER_STABLE_USEC + 100 * USEC_PER_MSEC);
	close(accepted);
	dialer_start(d);
	assert_int_equal(dialer_get_state(d), DIALER_DIALING);

	/* Stopped, nothing is under way; freed, nothing is left. */
	dialer_stop(d);
	assert_int_equal(dialer_get_state(d), DIALER_IDLE);
	close(s.fd);
	dialer_free(d);
	listener_free(l);
	sd_event_unref(e);
}

static void test_dialer_refuses_what_is_no_address(void **state) {
	sd_event *e = NULL;
	Dialer *d = NULL;

	assert_int_equal(sd_event_new(&e), 0);
	assert_int_equal(dialer_new(&d, e, "relative.sock", "test", &handlers, NULL), -EINVAL);
	assert_int_equal(dialer_new(&d, e, "vsock:2", "test", &handlers, NULL), -EINVAL);
	assert_null(d);
	sd_event_unref(e);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dialer_connects_to_a_listening_host),
		cmocka_unit_test(test_dialer_waits_and_retries_until_the_host_listens),
		cmocka_unit_test(test_dialer_brief_connection_counts_as_a_failure),
		cmocka_unit_test(test_dialer_refuses_what_is_no_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
