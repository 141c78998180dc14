/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define TUN_DEVICE_PATH "/dev/net/tun"
#define CONNECT_RETRY_NSEC (10 * 1000 * 1000L)

volatile sig_atomic_t bench_stop;
volatile sig_atomic_t bench_snapshot_wanted;

static void on_signal(int sig) {
	if (sig == SIGUSR1)
		bench_snapshot_wanted = 1;
	else
		bench_stop = 1;
}

void bench_signals_setup(void) {
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: blocking calls return EINTR so loops see the flags. */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

uint64_t bench_now_ns(void) {
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

void bench_snapshot_print(const BenchCounter *c) {
	char line[128];
	int n;

	n = snprintf(line, sizeof(line), "snapshot %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
	             bench_now_ns(), c->frames, c->bytes);
	/* Unbuffered, so the harness sees the line as soon as it asked. */
	if (write(STDOUT_FILENO, line, (size_t) n) < 0)
		return;
}

void bench_snapshot_poll(const BenchCounter *c) {
	if (!bench_snapshot_wanted)
		return;
	bench_snapshot_wanted = 0;
	bench_snapshot_print(c);
}

int bench_tap_attach(const char *name, bool nonblock) {
	struct ifreq ifr = {};
	int fd;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;

	fd = open(TUN_DEVICE_PATH, O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
	if (fd < 0)
		return -errno;

	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETOFFLOAD, 0UL) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int unix_address(struct sockaddr_un *sun, const char *path) {
	*sun = (struct sockaddr_un) { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

int bench_unix_accept_one(const char *path) {
	struct sockaddr_un sun;
	int fd, conn, r;

	r = unix_address(&sun, path);
	if (r < 0)
		return r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void) unlink(path);
	if (bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0 || listen(fd, 1) < 0) {
		r = -errno;
		close(fd);
		return r;
	}

	do
		conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR && !bench_stop);
	r = conn < 0 ? -errno : conn;
	close(fd);
	(void) unlink(path);
	return r;
}

int bench_unix_connect(const char *path, unsigned timeout_ms) {
	const struct timespec retry = { .tv_nsec = CONNECT_RETRY_NSEC };
	uint64_t deadline = bench_now_ns() + (uint64_t) timeout_ms * 1000000ULL;
	struct sockaddr_un sun;
	int r;

	r = unix_address(&sun, path);
	if (r < 0)
		return r;

	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) == 0)
			return fd;
		r = -errno;
		close(fd);
		if ((r != -ENOENT && r != -ECONNREFUSED) || bench_stop || bench_now_ns() > deadline)
			return r;
		nanosleep(&retry, NULL);
	}
}

uint64_t bench_parse_u64(const char *option, const char *s) {
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0) {
		fprintf(stderr, "Invalid %s '%s': give a positive integer.\n", option, s);
		exit(EXIT_FAILURE);
	}
	return v;
}

double bench_parse_seconds(const char *option, const char *s) {
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0)) {
		fprintf(stderr, "Invalid %s '%s': give a positive number of seconds.\n", option, s);
		exit(EXIT_FAILURE);
	}
	return v;
}
