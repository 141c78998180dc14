/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus.h"
#include "conffile.h"
#include "macro.h"

#define CONF_LINE_MAX 4096U
#define CONF_KEYS_MAX 64U

static char *strip(char *s) {
	char *end;

	while (isspace((unsigned char) *s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char) end[-1]))
		*--end = '\0';
	return s;
}

int conf_parse_stream_with(FILE *f, const char *name, ConfSetter set, void *userdata,
                           char error[static CONF_ERROR_MAX]) {
	char line[CONF_LINE_MAX];
	unsigned n = 0;

	while (fgets(line, sizeof(line), f)) {
		char *key, *value, *eq;
		int r;

		n++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(error, CONF_ERROR_MAX, "%s:%u: line too long", name, n);
			return -EINVAL;
		}
		key = strip(line);
		if (*key == '\0' || *key == '#' || *key == ';')
			continue;

		eq = strchr(key, '=');
		if (!eq) {
			snprintf(error, CONF_ERROR_MAX, "%s:%u: expected KEY=VALUE, got '%s'", name, n, key);
			return -EINVAL;
		}
		*eq = '\0';
		key = strip(key);
		value = strip(eq + 1);

		r = set(key, value, userdata);
		if (r == -ENOKEY)
			snprintf(error, CONF_ERROR_MAX, "%s:%u: unknown key '%s'", name, n, key);
		else if (r == -EEXIST)
			snprintf(error, CONF_ERROR_MAX, "%s:%u: '%s' is set twice", name, n, key);
		else if (r < 0)
			snprintf(error, CONF_ERROR_MAX, "%s:%u: invalid value '%s' for %s", name, n, value, key);
		if (r < 0)
			return -EINVAL;
	}

	if (ferror(f)) {
		snprintf(error, CONF_ERROR_MAX, "%s: read error", name);
		return -EIO;
	}
	return 0;
}

int conf_parse_file_with(const char *path, ConfSetter set, void *userdata,
                         char error[static CONF_ERROR_MAX]) {
	FILE *f;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		snprintf(error, CONF_ERROR_MAX, "%s: %s", path, strerror(-r));
		return r;
	}
	r = conf_parse_stream_with(f, path, set, userdata, error);
	fclose(f);
	return r;
}

typedef struct TableContext {
	const ConfItem *table;
	void *data;
	bool seen[CONF_KEYS_MAX];
} TableContext;

static int set_from_table(const char *key, const char *value, void *userdata) {
	TableContext *c = userdata;
	const ConfItem *item;
	size_t i;

	for (item = c->table, i = 0; item->key; item++, i++)
		if (strcmp(item->key, key) == 0)
			break;
	if (!item->key)
		return -ENOKEY;
	if (i >= CONF_KEYS_MAX || c->seen[i])
		return -EEXIST;
	c->seen[i] = true;
	return item->parse(value, (uint8_t *) c->data + item->offset) < 0 ? -EINVAL : 0;
}

int conf_parse_stream(FILE *f, const char *name, const ConfItem *table, void *data,
                      char error[static CONF_ERROR_MAX]) {
	return conf_parse_stream_with(f, name, set_from_table, &(TableContext) { .table = table, .data = data },
	                              error);
}

int conf_parse_file(const char *path, const ConfItem *table, void *data,
                    char error[static CONF_ERROR_MAX]) {
	return conf_parse_file_with(path, set_from_table, &(TableContext) { .table = table, .data = data }, error);
}

int conf_parse_string(const char *value, void *field) {
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*(char **) field);
	*(char **) field = copy;
	return 0;
}

int conf_parse_u64(const char *value, void *field) {
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char) value[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*(uint64_t *) field = v;
	return 0;
}

int conf_parse_u32(const char *value, void *field) {
	uint64_t v;

	if (conf_parse_u64(value, &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	*(uint32_t *) field = (uint32_t) v;
	return 0;
}

int conf_parse_bool(const char *value, void *field) {
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*(int *) field = 1;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*(int *) field = 0;
			return 0;
		}
	}
	return -EINVAL;
}

int conf_parse_strv(const char *value, void *field) {
	_cleanup_free_ char *copy = strdup(value);
	char **l, *word, *save = NULL;
	size_t n = 0;

	if (!copy)
		return -ENOMEM;
	l = calloc(strlen(value) / 2 + 2, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (word = strtok_r(copy, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		l[n] = strdup(word);
		if (!l[n++]) {
			strv_free(l);
			return -ENOMEM;
		}
	}
	strv_free(*(char ***) field);
	*(char ***) field = l;
	return 0;
}

int conf_write_file(const char *path, const ConfEntry *entries, size_t n) {
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r = 0;

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (entries[i].value)
			fprintf(f, "%s=%s\n", entries[i].key, entries[i].value);
	if (fclose(f) != 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	return write_file_atomic(path, buf, len);
}

int write_file_atomic(const char *path, const void *data, size_t len) {
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	const char *p = data;
	int r = 0;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		p += n;
		len -= (size_t) n;
	}
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void) unlink(tmp);
	return r;
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_len) {
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;

	for (;;) {
		ssize_t n = read(fd, buf + len, max + 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t) n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int mkdir_parents(const char *path, unsigned mode) {
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *slash = strchr(p + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		if (!slash)
			return 0;
		*slash = '/';
	}
}

static int state_file_filter(const struct dirent *de) {
	size_t len = strlen(de->d_name);

	return len > 5 && strcmp(de->d_name + len - 5, ".conf") == 0;
}

void conf_load_state_dir(const char *dir, ConfStateLoader load, void *userdata) {
	struct dirent **list = NULL;
	int n;

	n = scandir(dir, &list, state_file_filter, alphasort);
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s/%s", dir, list[i]->d_name) >= 0 && load(path, userdata) < 0)
			(void) unlink(path);
		free(list[i]);
	}
	free(list);
}
