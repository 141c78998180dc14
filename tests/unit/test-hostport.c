/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The host port between real sockets: a host connects to its unix
 * listener and speaks length32, the device is one end of a SOCK_SEQPACKET
 * pair (one message, one frame) made by a small provider of this test,
 * which can make its open wait for the test, and live across hosts as a
 * TAP does. The fd store is a datagram socket in NOTIFY_SOCKET, read
 * back as the service manager would.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "bus.h"
#include "fieldtype.h"
#include "hostport.h"
#include "unaligned.h"

#define FRAME_BYTES 60U
#define LOOP_ROUNDS 2000

static char dir[] = "/tmp/arca-hostport-XXXXXX";
static char listen_path[sizeof(((struct sockaddr_un *) 0)->sun_path)];
static int store_fd = -1;
static char store_log[8192];

/* The test's device. */
typedef struct TestDevice {
	Device device;
	bool persistent_ops;
	bool hold_open;         /* open waits for finish_open() */
	int peer;               /* the test's end */
	unsigned opens, closes;
} TestDevice;

static void test_device_make(TestDevice *t) {
	int fds[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
	t->device.fd = fds[0];
	t->peer = fds[1];
}

static void test_device_open(Device *d) {
	TestDevice *t = (TestDevice *) d;

	t->opens++;
	if (d->fd >= 0)
		return device_done(d, 0);
	if (t->hold_open)
		return;
	test_device_make(t);
	device_done(d, 0);
}

static void finish_open(TestDevice *t) {
	test_device_make(t);
	device_done(&t->device, 0);
}

static void test_device_close(Device *d, bool broken) {
	TestDevice *t = (TestDevice *) d;

	t->closes++;
	if (t->persistent_ops) {
		if (broken)
			return device_fail(d, -ENODEV, "The device is gone.");
		return device_done(d, 0);
	}
	d->fd = safe_close(d->fd);
	t->peer = safe_close(t->peer);
	device_done(d, 0);
}

static void test_device_free(Device *d) {
	TestDevice *t = (TestDevice *) d;

	safe_close(t->peer);
	free(t);
}

static const DeviceOps test_device_ops = {
	.open = test_device_open,
	.close = test_device_close,
	.free = test_device_free,
};

static const DeviceOps test_persistent_ops = {
	.persistent = true,
	.open = test_device_open,
	.close = test_device_close,
	.free = test_device_free,
};

typedef struct Fixture {
	sd_event *event;
	HostPortSettings settings;
	TestDevice *device;
	HostPort *port;
	unsigned changed, stopped;
} Fixture;

static void on_changed(HostPort *p, void *userdata) {
	((Fixture *) userdata)->changed++;
}

static void on_stopped(HostPort *p, void *userdata) {
	((Fixture *) userdata)->stopped++;
}

static TestDevice *test_device_new(bool persistent) {
	TestDevice *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	device_init(&t->device, persistent ? &test_persistent_ops : &test_device_ops);
	t->persistent_ops = persistent;
	t->peer = -1;
	if (persistent)
		test_device_make(t);
	return t;
}

/* connect: dial a host listening at listen_path, instead of listening there. */
static void fixture_start_as(Fixture *f, TestDevice *device, const HostPortAdopt *adopt, bool connect) {
	sd_bus_error error = SD_BUS_ERROR_NULL;
	HostPortConfig config = {
		.name = "test",
		.fd_name = "t1",
		.settings = &f->settings,
		.container_side = LINK_SIDE_DEVICE,
		.changed = on_changed,
		.stopped = on_stopped,
		.userdata = f,
	};

	f->settings = (HostPortSettings) { .listen_fd = -1, .lock_mac = -1, .framing = -1 };
	if (connect)
		f->settings.connect = strdup(listen_path);
	else
		f->settings.listen = strdup(listen_path);
	assert_int_equal(host_port_settings_complete(&f->settings, 7, false, &error), 0);
	f->device = device;
	assert_int_equal(host_port_new(&f->port, f->event, &config, &device->device, adopt, &error), 0);
	assert_false(sd_bus_error_is_set(&error));
}

static void fixture_start(Fixture *f, TestDevice *device, const HostPortAdopt *adopt) {
	fixture_start_as(f, device, adopt, false);
}

static void fixture_done(Fixture *f) {
	f->port = host_port_free(f->port);
	free(f->settings.listen);
	free(f->settings.connect);
	(void) unlink(listen_path);
}

/* Runs the loop until cond holds; fails the test if it never does. */
#define run_until(f, cond)                                                      \
	do {                                                                    \
		int _i;                                                         \
		for (_i = 0; _i < LOOP_ROUNDS && !(cond); _i++)                 \
			assert_true(sd_event_run((f)->event, 1000) >= 0);       \
		if (!(cond))                                                    \
			fail_msg("never: %s", #cond);                           \
	} while (0)

static void run_a_while(Fixture *f) {
	for (int i = 0; i < 50; i++)
		assert_true(sd_event_run(f->event, 1000) >= 0);
}

static int host_connect(void) {
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", listen_path);
	assert_int_equal(connect(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	return fd;
}

static void fill_frame(uint8_t frame[static FRAME_BYTES], uint8_t tag) {
	memset(frame, tag, FRAME_BYTES);
	frame[0] = 0x02;        /* unicast destination */
	frame[6] = 0x02;        /* unicast source */
}

/* A frame from the device reaches the host, and one from the host the
 * device. */
static void check_forwarding(Fixture *f, int host, uint8_t tag) {
	uint8_t frame[FRAME_BYTES], got[4 + FRAME_BYTES], wire[4 + FRAME_BYTES];
	ssize_t n = 0;

	fill_frame(frame, tag);
	assert_int_equal(write(f->device->peer, frame, sizeof(frame)), sizeof(frame));
	for (int i = 0; i < LOOP_ROUNDS && n < (ssize_t) sizeof(got); i++) {
		ssize_t k;

		assert_true(sd_event_run(f->event, 1000) >= 0);
		k = recv(host, got + n, sizeof(got) - (size_t) n, MSG_DONTWAIT);
		if (k > 0)
			n += k;
	}
	assert_int_equal(n, sizeof(got));
	assert_int_equal(unaligned_read_be32(got), FRAME_BYTES);
	assert_memory_equal(got + 4, frame, FRAME_BYTES);

	fill_frame(frame, tag + 1);
	unaligned_write_be32(wire, FRAME_BYTES);
	memcpy(wire + 4, frame, FRAME_BYTES);
	assert_int_equal(write(host, wire, sizeof(wire)), sizeof(wire));
	n = -1;
	for (int i = 0; i < LOOP_ROUNDS && n < 0; i++) {
		assert_true(sd_event_run(f->event, 1000) >= 0);
		n = recv(f->device->peer, got, sizeof(got), MSG_DONTWAIT);
	}
	assert_int_equal(n, FRAME_BYTES);
	assert_memory_equal(got, frame, FRAME_BYTES);
}

/* What the service manager was told, as "+NAME" (kept) and "-NAME"
 * (dropped) lines; fds it got are closed. */
static const char *store_read(void) {
	for (;;) {
		char buf[512], control[CMSG_SPACE(sizeof(int) * 4)];
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
		                      .msg_controllen = sizeof(control) };
		const char *name;
		ssize_t n = recvmsg(store_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0)
			return store_log;
		buf[n] = '\0';
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_type == SCM_RIGHTS)
				for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
					close(((int *) CMSG_DATA(c))[i]);
		name = strstr(buf, "FDNAME=");
		if (!name)
			continue;
		snprintf(store_log + strlen(store_log), sizeof(store_log) - strlen(store_log), "%c%s\n",
		         strstr(buf, "FDSTOREREMOVE=1") ? '-' : '+', name + strlen("FDNAME="));
	}
}

static int setup(void **state) {
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	Fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_non_null(mkdtemp(dir));
	assert_true(snprintf(listen_path, sizeof(listen_path), "%s/host.sock", dir) < (int) sizeof(listen_path));
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/notify.sock", dir);
	store_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(store_fd >= 0);
	assert_int_equal(bind(store_fd, (struct sockaddr *) &a, sizeof(a)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", a.sun_path, 1), 0);
	assert_int_equal(sd_event_new(&f->event), 0);
	*state = f;
	return 0;
}

static int teardown(void **state) {
	Fixture *f = *state;
	char cmd[64];

	sd_event_unref(f->event);
	free(f);
	close(store_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void fixture_reset(Fixture *f) {
	sd_event *e = f->event;

	*f = (Fixture) { .event = e };
	store_read();
	store_log[0] = '\0';
}

static void test_admitted_host_forwards_both_ways(void **state) {
	Fixture *f = *state;
	int host;

	fixture_reset(f);
	fixture_start(f, test_device_new(false), NULL);
	assert_int_equal(host_port_get_state(f->port), HOST_PORT_LISTENING);
	/* Where it listens, as the state file will say. */
	assert_string_equal(f->settings.listen, listen_path);

	host = host_connect();
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTED);
	assert_true(host_port_has_host(f->port));
	assert_int_equal(f->device->opens, 1);
	check_forwarding(f, host, 0x11);
	assert_int_equal(host_port_get_stats(f->port)->to_stream.frames, 1);
	assert_int_equal(host_port_get_stats(f->port)->to_device.frames, 1);
	assert_true(f->changed > 0);
	assert_string_equal(store_read(), "+listen-t1\n+conn-t1\n+dev-t1\n");

	close(host);
	fixture_done(f);
}

static void test_second_host_refused_and_counted(void **state) {
	Fixture *f = *state;
	char c;
	int host, second;

	fixture_reset(f);
	fixture_start(f, test_device_new(false), NULL);
	host = host_connect();
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTED);

	second = host_connect();
	run_until(f, host_port_get_refused(f->port) == 1);
	/* The second host hears nothing but the end. */
	assert_int_equal(read(second, &c, 1), 0);
	check_forwarding(f, host, 0x21);
	assert_int_equal(f->device->opens, 1);

	close(second);
	close(host);
	fixture_done(f);
}

static void test_host_leaves_and_comes_back(void **state) {
	Fixture *f = *state;
	int host;

	fixture_reset(f);
	fixture_start(f, test_device_new(false), NULL);
	host = host_connect();
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTED);
	close(host);
	run_until(f, host_port_get_state(f->port) == HOST_PORT_LISTENING);
	/* Closed with the host, and the fd store told. */
	assert_int_equal(f->device->closes, 1);
	assert_string_equal(store_read(), "+listen-t1\n+conn-t1\n+dev-t1\n-conn-t1\n-dev-t1\n");

	host = host_connect();
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTED);
	assert_int_equal(f->device->opens, 2);
	check_forwarding(f, host, 0x31);
	/* Counters go on across hosts. */
	assert_int_equal(host_port_get_stats(f->port)->to_stream.frames, 1);
	assert_int_equal(host_port_get_refused(f->port), 0);

	close(host);
	fixture_done(f);
}

static void test_host_back_before_its_end_was_read(void **state) {
	Fixture *f = *state;
	int first, second;

	fixture_reset(f);
	fixture_start(f, test_device_new(false), NULL);
	f->device->hold_open = true;
	first = host_connect();
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTING);

	/* The first hangs up while its device is being made, and is back at
	 * once: the one that waits is the second, not refused. */
	close(first);
	second = host_connect();
	run_a_while(f);
	assert_int_equal(host_port_get_refused(f->port), 0);
	assert_int_equal(host_port_get_state(f->port), HOST_PORT_CONNECTING);

	finish_open(f->device);
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTED);
	check_forwarding(f, second, 0x41);

	close(second);
	fixture_done(f);
}

static void test_adopted_connection_forwards_at_once(void **state) {
	Fixture *f = *state;
	TestDevice *device = test_device_new(false);
	int pair[2], adopted_dev;

	fixture_reset(f);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
	/* As a restarted daemon finds them: both in the store, the device
	 * taken by its provider. */
	test_device_make(device);
	adopted_dev = device->device.fd;
	fixture_start(f, device, &(HostPortAdopt) { .conn_fd = pair[0], .dev_fd = adopted_dev, .handover_fd = -1 });
	assert_int_equal(host_port_get_state(f->port), HOST_PORT_CONNECTED);
	check_forwarding(f, pair[1], 0x51);
	/* Nothing the store has was dropped, or given twice. */
	assert_string_equal(store_read(), "+listen-t1\n");

	close(pair[1]);
	fixture_done(f);
}

static void test_adopted_device_without_host_is_closed(void **state) {
	Fixture *f = *state;
	TestDevice *device = test_device_new(false);

	fixture_reset(f);
	test_device_make(device);
	fixture_start(f, device, &(HostPortAdopt) { .conn_fd = -1, .dev_fd = device->device.fd, .handover_fd = -1 });
	run_until(f, host_port_get_state(f->port) == HOST_PORT_LISTENING);
	assert_int_equal(f->device->closes, 1);
	assert_string_equal(store_read(), "+listen-t1\n-dev-t1\n");
	fixture_done(f);
}

static void test_persistent_device_failure_is_final(void **state) {
	Fixture *f = *state;
	unsigned connections;
	int host, next;

	fixture_reset(f);
	fixture_start(f, test_device_new(true), NULL);
	host = host_connect();
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTED);

	/* The device goes: for a device that lives with its object, that is
	 * the end; the next host is not even accepted. */
	f->device->peer = safe_close(f->device->peer);
	run_until(f, host_port_get_state(f->port) == HOST_PORT_FAILED);
	assert_false(host_port_has_host(f->port));
	connections = f->device->opens;
	next = host_connect();
	run_a_while(f);
	assert_int_equal(f->device->opens, connections);
	assert_int_equal(host_port_get_refused(f->port), 0);

	close(next);
	close(host);
	fixture_done(f);
}

static void test_stop_closes_the_device_and_forgets(void **state) {
	Fixture *f = *state;
	int host;

	fixture_reset(f);
	fixture_start(f, test_device_new(false), NULL);
	host = host_connect();
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTED);

	host_port_stop(f->port);
	run_until(f, f->stopped == 1);
	assert_int_equal(f->device->closes, 1);
	assert_string_equal(store_read(), "+listen-t1\n+conn-t1\n+dev-t1\n-listen-t1\n-conn-t1\n-dev-t1\n");
	/* No listener any more. */
	assert_int_equal(access(listen_path, F_OK), -1);

	close(host);
	fixture_done(f);
}

static bool dialing(const Fixture *f) {
	HostPortState state = host_port_get_state(f->port);

	return state == HOST_PORT_DIALING || state == HOST_PORT_WAITING;
}

/* A host that listens, as passt does. */
static int host_listen(void) {
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", listen_path);
	(void) unlink(listen_path);
	assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

/* The port's connection, once it dials. */
static int host_accept(Fixture *f, int listening) {
	int fd = -1;

	for (int i = 0; i < LOOP_ROUNDS && fd < 0; i++) {
		assert_true(sd_event_run(f->event, 1000) >= 0);
		fd = accept4(listening, NULL, NULL, SOCK_CLOEXEC);
	}
	assert_true(fd >= 0);
	return fd;
}

static void test_connect_dials_the_host_and_again_when_it_goes(void **state) {
	Fixture *f = *state;
	int listening, host = -1;

	fixture_reset(f);
	(void) unlink(listen_path);
	fixture_start_as(f, test_device_new(false), NULL, true);
	/* Nobody there yet: it says so, and tries again. */
	run_until(f, host_port_get_state(f->port) == HOST_PORT_WAITING);
	assert_false(host_port_has_host(f->port));

	listening = host_listen();
	host = host_accept(f, listening);
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTED);
	check_forwarding(f, host, 0x51);

	/* The host goes: dialed again, and the same path as any host's. */
	close(host);
	run_until(f, dialing(f));
	host = host_accept(f, listening);
	run_until(f, host_port_get_state(f->port) == HOST_PORT_CONNECTED);
	check_forwarding(f, host, 0x61);
	assert_int_equal(f->device->opens, 2);
	/* No listener: only the connection and the device are kept. */
	assert_string_equal(store_read(), "+conn-t1\n+dev-t1\n-conn-t1\n-dev-t1\n+conn-t1\n+dev-t1\n");

	/* Stopped while connected: nothing dials any more. */
	host_port_stop(f->port);
	run_until(f, f->stopped == 1);
	run_a_while(f);
	assert_int_equal(accept4(listening, NULL, NULL, SOCK_CLOEXEC), -1);

	close(host);
	close(listening);
	fixture_done(f);
}

static void test_connect_refused_with_listen_or_a_cid_not_allowed(void **state) {
	sd_bus_error error = SD_BUS_ERROR_NULL;
	HostPortSettings s = { .listen_fd = -1, .lock_mac = -1, .framing = -1 };

	s.connect = (char *) "/run/passt.sock";
	s.listen = (char *) "/run/arca.sock";
	assert_true(host_port_settings_complete(&s, 7, false, &error) < 0);
	assert_string_equal(error.name, BUS_ERROR_INVALID_ARGUMENT);
	assert_non_null(strstr(error.message, "Give either Connect or Listen/ListenFD, not both"));
	sd_bus_error_free(&error);

	s.listen = NULL;
	s.connect = (char *) "vsock:3:5000";
	assert_true(host_port_settings_complete(&s, 7, false, &error) < 0);
	assert_non_null(strstr(error.message, "AllowedPeers does not allow"));
	sd_bus_error_free(&error);

	/* Allowed, and then nothing listens by default. */
	s.allowed_peers = (PeerAllowlist) { .cids = { 3 }, .n = 1 };
	assert_int_equal(host_port_settings_complete(&s, 7, false, &error), 0);
	assert_null(s.listen);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admitted_host_forwards_both_ways),
		cmocka_unit_test(test_second_host_refused_and_counted),
		cmocka_unit_test(test_host_leaves_and_comes_back),
		cmocka_unit_test(test_host_back_before_its_end_was_read),
		cmocka_unit_test(test_adopted_connection_forwards_at_once),
		cmocka_unit_test(test_adopted_device_without_host_is_closed),
		cmocka_unit_test(test_persistent_device_failure_is_final),
		cmocka_unit_test(test_stop_closes_the_device_and_forgets),
		cmocka_unit_test(test_connect_dials_the_host_and_again_when_it_goes),
		cmocka_unit_test(test_connect_refused_with_listen_or_a_cid_not_allowed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
