/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "fdstore.h"
#include "log.h"

struct FdStore {
	int *fds;
	char **names;
	size_t n;
};

int fdstore_receive(FdStore **ret) {
	FdStore *s;
	char **names = NULL;
	int n;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;

	n = sd_listen_fds_with_names(true, &names);
	if (n < 0)
		log_warning_errno(n, "Ignoring passed file descriptors: %m");
	if (n > 0) {
		s->fds = calloc((size_t) n, sizeof(int));
		if (!s->fds) {
			for (int i = 0; names && names[i]; i++)
				free(names[i]);
			free(names);
			free(s);
			return -ENOMEM;
		}
		for (int i = 0; i < n; i++)
			s->fds[i] = SD_LISTEN_FDS_START + i;
		s->names = names;
		s->n = (size_t) n;
		log_debug("Received %d file descriptors.", n);
	} else
		free(names);

	*ret = s;
	return 0;
}

FdStore *fdstore_free(FdStore *s) {
	if (!s)
		return NULL;

	for (size_t i = 0; i < s->n; i++) {
		if (s->fds[i] >= 0) {
			log_info("Dropping unclaimed file descriptor '%s'.", s->names[i]);
			safe_close(s->fds[i]);
			(void) fdstore_drop(s->names[i]);
		}
		free(s->names[i]);
	}
	free(s->names);
	free(s->fds);
	free(s);
	return NULL;
}

int fdstore_take(FdStore *s, const char *name) {
	for (size_t i = 0; i < s->n; i++)
		if (s->fds[i] >= 0 && strcmp(s->names[i], name) == 0)
			return TAKE_FD(s->fds[i]);
	return -ENOENT;
}

void fdstore_name(char buf[static FDSTORE_NAME_MAX], const char *prefix, const char *object) {
	snprintf(buf, FDSTORE_NAME_MAX, "%s-%s", prefix, object);
}

bool fdstore_available(void) {
	return !isempty_str(getenv("NOTIFY_SOCKET"));
}

int fdstore_keep(int fd, const char *name) {
	int r;

	if (!fdstore_available())
		return 0;
	char msg[sizeof("FDSTORE=1\nFDNAME=") + FDSTORE_NAME_MAX];
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
	r = sd_pid_notify_with_fds(0, false, msg, &fd, 1);
	if (r < 0)
		return log_warning_errno(r, "Failed to keep '%s' in the fd store: %m", name);
	return 0;
}

int fdstore_drop(const char *name) {
	int r;

	if (!fdstore_available())
		return 0;
	r = sd_notifyf(false, "FDSTOREREMOVE=1\nFDNAME=%s", name);
	if (r < 0)
		return log_warning_errno(r, "Failed to drop '%s' from the fd store: %m", name);
	return 0;
}
