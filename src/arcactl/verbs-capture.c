/* SPDX-License-Identifier: Apache-2.0 */

/*
 * capture: what a network or relay forwards, as a pcap file. The daemon
 * writes the records into a pipe (its Capture method); arcactl copies them
 * to the file, and ends at a record's end when interrupted.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "client.h"
#include "pcap-copy.h"
#include "verbs.h"

static int call_capture(sd_bus *bus, const Command *c, const ObjectSchema *s, const char *path, int *ret_fd) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	int fd, r;

	r = new_call(bus, s, path, s->interface, "Capture", false, &m);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0 && c->capture_frames > 0)
		r = sd_bus_message_append(m, "{sv}", "MaxFrames", "t", c->capture_frames);
	if (r >= 0 && c->capture_bytes > 0)
		r = sd_bus_message_append(m, "{sv}", "MaxBytes", "t", c->capture_bytes);
	if (r >= 0 && c->snap_bytes > 0)
		r = sd_bus_message_append(m, "{sv}", "SnapLength", "u", c->snap_bytes);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r < 0)
		return fail(r, "Failed to build the Capture call: %m");

	r = sd_bus_call(bus, m, 0, &error, &reply);
	if (r >= 0)
		r = sd_bus_message_read(reply, "h", &fd);
	if (r < 0)
		return fail_bus(c, s, &error, r);
	/* The reply owns fd. */
	*ret_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (*ret_fd < 0)
		return fail(-errno, "Failed to keep the capture's pipe: %m");
	return 0;
}

int verb_capture(sd_bus *bus, const Command *c) {
	_cleanup_close_ int pipe_fd = -1, file_fd = -1, signal_fd = -1;
	_cleanup_free_ char *path = NULL;
	bool to_stdout = strcmp(c->capture_file, "-") == 0;
	const char *shown = to_stdout ? "stdout" : c->capture_file;
	const ObjectSchema *s = NULL;
	PcapCopyResult result;
	sigset_t mask;
	int r;

	r = find_object(bus, c, &s, &path);
	if (r < 0)
		return r;

	/* Interrupting stops at the end of a frame, so the file stays whole. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (signal_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0)
		return fail(-errno, "Failed to watch for signals: %m");
	(void) signal(SIGPIPE, SIG_IGN);

	r = call_capture(bus, c, s, path, &pipe_fd);
	if (r < 0)
		return r;

	/* Only now: a refused capture leaves no empty file behind. Closing the
	 * pipe on the way out ends the capture. */
	if (!to_stdout) {
		/* Captured traffic is nobody else's business. */
		file_fd = open(c->capture_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (file_fd < 0)
			return fail(-errno, "Failed to create %s: %m", c->capture_file);
	}

	r = pcap_copy(pipe_fd, to_stdout ? STDOUT_FILENO : file_fd, signal_fd, &result);
	pipe_fd = safe_close(pipe_fd);
	if (r == -EBADMSG)
		return fail(r, "%s sent no valid pcap stream; %s is cut short.", s->program, shown);
	if (r < 0)
		return fail(r, "Failed to write %s: %m", shown);
	if (!to_stdout && close(TAKE_FD(file_fd)) < 0)
		return fail(-errno, "Failed to write %s: %m", shown);

	fprintf(stderr, "%" PRIu64 " frame%s captured.\n", result.frames, result.frames == 1 ? "" : "s");
	return 0;
}

