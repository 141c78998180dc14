/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <signal.h>

#include "daemon.h"
#include "log.h"
#include "macro.h"

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
	log_info("Received %s, shutting down.", si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

int daemon_event_new(sd_event **ret) {
	_cleanup_(sd_event_unrefp) sd_event *e = NULL;
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_error_errno(-errno, "Failed to block signals: %m");
	/* A host that hangs up mid-write must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	r = sd_event_default(&e);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate event loop: %m");

	r = sd_event_add_signal(e, NULL, SIGTERM, on_exit_signal, NULL);
	if (r >= 0)
		r = sd_event_add_signal(e, NULL, SIGINT, on_exit_signal, NULL);
	if (r < 0)
		return log_error_errno(r, "Failed to watch signals: %m");

	r = sd_event_set_watchdog(e, true);
	if (r < 0)
		return log_error_errno(r, "Failed to enable watchdog: %m");

	*ret = TAKE_PTR(e);
	return 0;
}

int daemon_set_log_level(const char *arg) {
	int level = log_level_from_string(arg);

	if (level < 0)
		return log_error_errno(level, "Unknown log level '%s': use err, warning, notice, info or debug.", arg);
	log_max_level = level;
	return 0;
}
