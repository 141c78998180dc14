/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include "dialer.h"
#include "log.h"

/* The timer may fire this much late: a retry is no deadline. */
#define DIALER_TIMER_ACCURACY_USEC (10 * USEC_PER_MSEC)

struct Dialer {
	sd_event *event;
	SocketAddress address;
	char *name;
	DialerHandlers handlers;
	void *userdata;

	DialerState state;
	int fd;                         /* the connect under way */
	sd_event_source *io_source;
	sd_event_source *timer_source;
	/* Attempts in a row that failed (or connected only briefly). */
	unsigned failures;
	int last_errno;                 /* of the last failure, to log a repeat quietly */
	uint64_t connected_usec;        /* CLOCK_MONOTONIC; 0: never connected */
};

static uint64_t now_usec(void) {
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

/* The wait before the attempt after `failures` failed ones: none, then
 * DIALER_RETRY_FIRST_USEC, doubling to DIALER_RETRY_MAX_USEC. */
static uint64_t dialer_delay(unsigned failures) {
	uint64_t delay = DIALER_RETRY_FIRST_USEC;

	if (failures == 0)
		return 0;
	for (unsigned i = 1; i < failures && delay < DIALER_RETRY_MAX_USEC; i++)
		delay *= 2;
	return MIN(delay, DIALER_RETRY_MAX_USEC);
}

static void dialer_set_state(Dialer *d, DialerState state) {
	if (d->state == state)
		return;
	d->state = state;
	if (d->handlers.changed)
		d->handlers.changed(d, d->userdata);
}

static void dialer_cancel(Dialer *d) {
	d->io_source = sd_event_source_disable_unref(d->io_source);
	d->timer_source = sd_event_source_disable_unref(d->timer_source);
	d->fd = safe_close(d->fd);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

/* Arms the next attempt after delay; a dialer that cannot even do that
 * says so and stays idle: its owner still has the error. */
static void dialer_schedule(Dialer *d, uint64_t delay) {
	char text[SOCKET_ADDRESS_STRING_MAX], message[256];
	int r;

	d->timer_source = sd_event_source_disable_unref(d->timer_source);
	r = sd_event_add_time_relative(d->event, &d->timer_source, CLOCK_MONOTONIC, delay,
	                               DIALER_TIMER_ACCURACY_USEC, on_timer, d);
	if (r < 0) {
		socket_address_format(&d->address, text, sizeof(text));
		snprintf(message, sizeof(message), "Cannot schedule a connect to %s: %s", text, strerror(-r));
		dialer_set_state(d, DIALER_IDLE);
		if (d->handlers.failed)
			d->handlers.failed(d, message, d->userdata);
		return;
	}
	dialer_set_state(d, delay == 0 ? DIALER_DIALING : DIALER_WAITING);
}

static void dialer_fail(Dialer *d, int error) {
	char text[SOCKET_ADDRESS_STRING_MAX], message[256];
	uint64_t delay;

	dialer_cancel(d);
	d->failures++;
	delay = dialer_delay(d->failures);
	socket_address_format(&d->address, text, sizeof(text));
	snprintf(message, sizeof(message), "Cannot connect to %s: %s", text, strerror(-error));
	/* Once per cause: a host that stays away is no news every 5 s. */
	log_full_errno(error == d->last_errno ? LOG_DEBUG : LOG_WARNING, error,
	               "%s: cannot connect to %s: %m; trying again in %" PRIu64 " ms.", d->name, text,
	               (uint64_t) (delay / USEC_PER_MSEC));
	d->last_errno = error;
	dialer_schedule(d, delay);
	if (d->handlers.failed)
		d->handlers.failed(d, message, d->userdata);
}

static void dialer_done(Dialer *d) {
	_cleanup_close_ int fd = TAKE_FD(d->fd);
	Peer peer;
	int r;

	dialer_cancel(d);
	r = stream_get_peer(fd, &peer);
	if (r >= 0)
		r = stream_prepare(fd);
	if (r < 0)
		return dialer_fail(d, r);

	d->last_errno = 0;
	d->connected_usec = now_usec();
	dialer_set_state(d, DIALER_IDLE);
	d->handlers.connected(d, TAKE_FD(fd), &peer, d->userdata);
}

static int on_connected(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	Dialer *d = userdata;
	int error = 0;
	socklen_t len = sizeof(error);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
		error = errno;
	if (error != 0)
		dialer_fail(d, -error);
	else
		dialer_done(d);
	return 0;
}

static void dialer_attempt(Dialer *d) {
	int r;

	dialer_set_state(d, DIALER_DIALING);
	d->fd = socket(d->address.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0)
		return dialer_fail(d, -errno);
	if (connect(d->fd, &d->address.sa, d->address.size) >= 0)
		return dialer_done(d);
	/* A unix listener with a full backlog says EAGAIN: a failed
	 * attempt like any other. */
	if (errno != EINPROGRESS)
		return dialer_fail(d, -errno);
	r = sd_event_add_io(d->event, &d->io_source, d->fd, EPOLLOUT, on_connected, d);
	if (r < 0)
		return dialer_fail(d, r);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
	Dialer *d = userdata;

	d->timer_source = sd_event_source_disable_unref(d->timer_source);
	dialer_attempt(d);
	return 0;
}

int dialer_new(Dialer **ret, sd_event *event, const char *address, const char *name,
               const DialerHandlers *handlers, void *userdata) {
	_cleanup_(dialer_freep) Dialer *d = NULL;
	SocketAddress a;

	if (socket_address_parse(&a, address) < 0)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = -1;
	d->event = sd_event_ref(event);
	d->address = a;
	d->handlers = *handlers;
	d->userdata = userdata;
	d->name = strdup(name);
	if (!d->name)
		return -ENOMEM;
	*ret = TAKE_PTR(d);
	return 0;
}

Dialer *dialer_free(Dialer *d) {
	if (!d)
		return NULL;
	dialer_cancel(d);
	sd_event_unref(d->event);
	free(d->name);
	free(d);
	return NULL;
}

void dialer_start(Dialer *d) {
	if (!d || d->state != DIALER_IDLE)
		return;
	/* After a connection that lasted, at once; after a brief one, as
	 * after a failed attempt. */
	if (d->connected_usec > 0 && now_usec() - d->connected_usec < DIALER_STABLE_USEC)
		d->failures++;
	else
		d->failures = 0;
	dialer_schedule(d, dialer_delay(d->failures));
}

void dialer_stop(Dialer *d) {
	if (!d)
		return;
	dialer_cancel(d);
	dialer_set_state(d, DIALER_IDLE);
}

DialerState dialer_get_state(const Dialer *d) {
	return d->state;
}

const SocketAddress *dialer_get_address(const Dialer *d) {
	return &d->address;
}
