/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conffile.h"
#include "log.h"
#include "macro.h"
#include "resolv-conf.h"

/* Larger is not a resolv.conf. */
#define RESOLV_CONF_MAX_BYTES (64U * 1024U)

/* In the state directory: a copy of the original (a symlink to the same
 * target when it was one), or a marker that there was none. */
#define SAVED_NAME "resolv.conf.orig"
#define ABSENT_NAME "resolv.conf.absent"

static int state_path(const char *dir, const char *name, char **ret) {
	return asprintf(ret, "%s/%s", dir, name) < 0 ? -ENOMEM : 0;
}

static int readlink_alloc(const char *path, char **ret) {
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

/* Makes path a symlink to target, replacing what is there at once. */
static int symlink_atomic(const char *target, const char *path) {
	_cleanup_free_ char *tmp = NULL;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	(void) unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, path) < 0) {
		int r = -errno;
		(void) unlink(tmp);
		return r;
	}
	return 0;
}

static int save_original(const char *path, const char *dir) {
	_cleanup_free_ char *saved = NULL, *absent = NULL, *data = NULL;
	struct stat st;
	size_t len;
	int r;

	if (state_path(dir, SAVED_NAME, &saved) < 0 || state_path(dir, ABSENT_NAME, &absent) < 0)
		return -ENOMEM;
	if (lstat(saved, &st) == 0 || access(absent, F_OK) == 0)
		return 0;   /* saved by an earlier write, maybe of an earlier run */

	r = mkdir_parents(dir, 0755);
	if (r < 0)
		return r;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		return write_file_atomic(absent, "", 0);
	}
	if (S_ISLNK(st.st_mode)) {
		r = readlink_alloc(path, &data);
		return r < 0 ? r : symlink_atomic(data, saved);
	}
	r = read_file(path, RESOLV_CONF_MAX_BYTES, &data, &len);
	if (r >= 0)
		r = write_file_atomic(saved, data, len);
	if (r < 0)
		return r;
	/* Its mode and owner come back with it. */
	if (chmod(saved, st.st_mode & 07777) < 0 || chown(saved, st.st_uid, st.st_gid) < 0)
		return -errno;
	return 0;
}

int resolv_conf_write(const char *path, const char *state_dir, char *const *servers) {
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	r = save_original(path, state_dir);
	if (r < 0)
		return log_warning_errno(r, "Failed to save %s before changing it, not writing it: %m", path);

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "# Written by arca-forwarderd from the DNS servers of the attached networks.\n");
	for (char *const *s = servers; *s; s++)
		fprintf(f, "nameserver %s\n", *s);
	if (fclose(f) != 0)
		return -ENOMEM;

	r = write_file_atomic(path, buf, len);
	if (r < 0)
		return log_warning_errno(r, "Failed to write %s: %m", path);
	log_info("Wrote DNS servers to %s.", path);
	return 0;
}

int resolv_conf_restore(const char *path, const char *state_dir) {
	_cleanup_free_ char *saved = NULL, *absent = NULL, *data = NULL;
	struct stat st;
	size_t len;
	int r;

	if (state_path(state_dir, SAVED_NAME, &saved) < 0 || state_path(state_dir, ABSENT_NAME, &absent) < 0)
		return -ENOMEM;

	if (lstat(saved, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			r = readlink_alloc(saved, &data);
			if (r >= 0)
				r = symlink_atomic(data, path);
		} else {
			r = read_file(saved, RESOLV_CONF_MAX_BYTES, &data, &len);
			if (r >= 0)
				r = write_file_atomic(path, data, len);
			if (r >= 0 && (chmod(path, st.st_mode & 07777) < 0 || chown(path, st.st_uid, st.st_gid) < 0))
				r = -errno;
		}
		if (r < 0)
			return log_warning_errno(r, "Failed to put back %s from %s: %m", path, saved);
		(void) unlink(saved);
	} else if (access(absent, F_OK) == 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			return log_warning_errno(-errno, "Failed to remove %s: %m", path);
		(void) unlink(absent);
	} else
		return 0;

	log_info("Put back %s as it was before the first network with DNS servers.", path);
	return 0;
}
