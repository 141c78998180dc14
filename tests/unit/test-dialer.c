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

/* One test's world: a loop, a dialer to the temporary path, and, once a
 * host listens there, its listener and the last connection it took. */
typedef struct Fixture {
	sd_event *event;
	Seen seen;
	Listener *listener;
	Dialer *dialer;
	int accepted;
} Fixture;

static void host_listens(Fixture *f) {
	SocketAddress a;

	assert_int_equal(socket_address_parse(&a, temp_socket_path()), 0);
	assert_int_equal(listener_new(&f->listener, f->event, &a, on_accept, &f->accepted), 0);
}

static int setup(void **state) {
	Fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sd_event_new(&f->event), 0);
	f->seen = (Seen) { .event = f->event, .fd = -1 };
	f->accepted = -1;
	(void) unlink(temp_socket_path());
	assert_int_equal(dialer_new(&f->dialer, f->event, temp_socket_path(), "test", &handlers, &f->seen), 0);
	*state = f;
	return 0;
}

static int teardown(void **state) {
	Fixture *f = *state;

	if (f->seen.fd >= 0)
		close(f->seen.fd);
	if (f->accepted >= 0)
		close(f->accepted);
	dialer_free(f->dialer);
	listener_free(f->listener);
	sd_event_unref(f->event);
	free(f);
	return 0;
}

static void test_dialer_connects_to_a_listening_host(void **state) {
	Fixture *f = *state;

	host_listens(f);
	assert_int_equal(dialer_get_state(f->dialer), DIALER_IDLE);
	dialer_start(f->dialer);
	/* The first attempt is at once, from the loop. */
	assert_int_equal(dialer_get_state(f->dialer), DIALER_DIALING);
	assert_int_equal(f->seen.connected, 0);
	run_until(f->event, &f->seen.connected, 1);
	assert_int_equal(f->seen.failed, 0);
	assert_int_equal(f->seen.peer.family, AF_UNIX);
	assert_int_equal(f->seen.peer.pid, getpid());
	assert_true(fcntl(f->seen.fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(dialer_get_state(f->dialer), DIALER_IDLE);
}

static void test_dialer_waits_and_retries_until_the_host_listens(void **state) {
	Fixture *f = *state;
	char want[256];

	dialer_start(f->dialer);
	run_until(f->event, &f->seen.failed, 1);
	snprintf(want, sizeof(want), "Cannot connect to %s: %s", temp_socket_path(), strerror(ENOENT));
	assert_string_equal(f->seen.error, want);
	assert_int_equal(dialer_get_state(f->dialer), DIALER_WAITING);
	/* Starting a dialer under way changes nothing. */
	dialer_start(f->dialer);
	assert_int_equal(dialer_get_state(f->dialer), DIALER_WAITING);

	/* The host comes: the next attempt finds it. */
	host_listens(f);
	run_until(f->event, &f->seen.connected, 1);
	assert_int_equal(dialer_get_state(f->dialer), DIALER_IDLE);
}

static void test_dialer_brief_connection_counts_as_a_failure(void **state) {
	Fixture *f = *state;

	host_listens(f);
	dialer_start(f->dialer);
	run_until(f->event, &f->seen.connected, 1);

	/* The host hung up at once: not dialed again at once, but later. */
	dialer_start(f->dialer);
	assert_int_equal(dialer_get_state(f->dialer), DIALER_WAITING);
	run_until(f->event, &f->seen.connected, 2);

	/* A connection that lasted: dialed again at once. */
	usleep(DIALER_STABLE_USEC + 100 * USEC_PER_MSEC);
	dialer_start(f->dialer);
	assert_int_equal(dialer_get_state(f->dialer), DIALER_DIALING);

	/* Stopped, nothing is under way. */
	dialer_stop(f->dialer);
	assert_int_equal(dialer_get_state(f->dialer), DIALER_IDLE);
}

static void test_dialer_refuses_what_is_no_address(void **state) {
	Fixture *f = *state;
	Dialer *d = NULL;

	assert_int_equal(dialer_new(&d, f->event, "relative.sock", "test", &handlers, NULL), -EINVAL);
	assert_int_equal(dialer_new(&d, f->event, "vsock:2", "test", &handlers, NULL), -EINVAL);
	assert_null(d);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dialer_connects_to_a_listening_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialer_waits_and_retries_until_the_host_listens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialer_brief_connection_counts_as_a_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialer_refuses_what_is_no_address, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
