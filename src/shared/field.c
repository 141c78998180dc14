/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "field.h"
#include "macro.h"

/* More rows than any table has, includes flattened. */
#define FIELDS_MAX 64U
#define FIELD_ARGS_MAX 16U

typedef struct Row {
	const Field *field;
	size_t offset;
} Row;

/* The rows of table with all of `flags`, flattened, in table order. */
static size_t fields_flatten(const Field *table, size_t base, unsigned flags, Row *rows, size_t n) {
	for (const Field *f = table; f->name || f->include; f++) {
		if (f->include)
			n = fields_flatten(f->include, base + f->offset, flags, rows, n);
		else if ((f->flags & flags) == flags && n < FIELDS_MAX)
			rows[n++] = (Row) { f, base + f->offset };
	}
	return n;
}

int fields_foreach(const Field *table, unsigned flags, FieldVisitor fn, void *userdata) {
	Row rows[FIELDS_MAX];
	size_t n = fields_flatten(table, 0, flags, rows, 0);
	int r;

	for (size_t i = 0; i < n; i++) {
		r = fn(rows[i].field, rows[i].offset, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

const Field *fields_find(const Field *table, unsigned flags, const char *name, size_t *ret_offset) {
	Row rows[FIELDS_MAX];
	size_t n = fields_flatten(table, 0, flags, rows, 0);

	for (size_t i = 0; i < n; i++) {
		const Field *f = rows[i].field;

		if (strcmp(f->name, name) == 0 ||
		    ((flags & FIELD_SETTING) && f->alias && strcmp(f->alias, name) == 0)) {
			if (ret_offset)
				*ret_offset = rows[i].offset;
			return f;
		}
	}
	return NULL;
}

static void *value_at(void *data, size_t offset) {
	return (uint8_t *) data + offset;
}

static const void *const_value_at(const void *data, size_t offset) {
	return (const uint8_t *) data + offset;
}

static int init_one(const Field *f, size_t offset, void *data) {
	if (f->type->init)
		f->type->init(value_at(data, offset));
	return 0;
}

void fields_init(const Field *table, void *data) {
	(void) fields_foreach(table, 0, init_one, data);
}

static int done_one(const Field *f, size_t offset, void *data) {
	if (f->type->done)
		f->type->done(value_at(data, offset));
	return init_one(f, offset, data);
}

void fields_done(const Field *table, void *data) {
	(void) fields_foreach(table, 0, done_one, data);
}

/* The arguments of the create method, by position. */
static size_t fields_args(const Field *table, Row args[static FIELD_ARGS_MAX]) {
	Row rows[FIELDS_MAX];
	size_t n = fields_flatten(table, 0, 0, rows, 0), count = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned arg = rows[i].field->arg;

		if (arg > 0 && arg <= FIELD_ARGS_MAX) {
			args[arg - 1] = rows[i];
			count = MAX(count, (size_t) arg);
		}
	}
	return count;
}

static int read_option(sd_bus_message *m, Row *rows, size_t n, bool seen[static FIELDS_MAX], void *data,
                       sd_bus_error *error) {
	const Field *f = NULL;
	const char *name;
	size_t i;
	int r;

	r = sd_bus_message_read(m, "s", &name);
	if (r < 0)
		return r;
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].field->name, name) == 0) {
			f = rows[i].field;
			break;
		}
	if (!f) {
		char known[512] = "";

		for (size_t k = 0; k < n; k++) {
			if (k > 0)
				strncat(known, ", ", sizeof(known) - strlen(known) - 1);
			strncat(known, rows[k].field->name, sizeof(known) - strlen(known) - 1);
		}
		return sd_bus_error_setf(error, BUS_ERROR_UNKNOWN_OPTION, "Unknown option '%s'. Known options: %s.",
		                         name, known);
	}
	if (seen[i])
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Option '%s' is given more than once.", name);
	seen[i] = true;

	r = sd_bus_message_enter_container(m, 'v', f->type->signature);
	if (r == -ENXIO) {
		const char *contents = NULL;

		(void) sd_bus_message_peek_type(m, NULL, &contents);
		return sd_bus_error_setf(error, BUS_ERROR_INVALID_ARGUMENT, "Option '%s' must be of type '%s', not '%s'.",
		                         name, f->type->signature, contents ?: "?");
	}
	if (r < 0)
		return r;
	r = f->type->read(m, f, value_at(data, rows[i].offset), error);
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

int fields_read_call(sd_bus_message *m, const Field *table, void *data, sd_bus_error *error) {
	Row args[FIELD_ARGS_MAX], rows[FIELDS_MAX];
	bool seen[FIELDS_MAX] = {};
	size_t n_args = fields_args(table, args);
	size_t n = fields_flatten(table, 0, FIELD_OPTION, rows, 0);
	int r;

	for (size_t i = 0; i < n_args; i++) {
		r = args[i].field->type->read(m, args[i].field, value_at(data, args[i].offset), error);
		if (r < 0)
			return r;
	}

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = read_option(m, rows, n, seen, data, error);
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int append_option(sd_bus_message *m, const Field *f, const void *value) {
	int r;

	if (!f->type->is_set(value))
		return 0;
	r = sd_bus_message_open_container(m, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", f->name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', f->type->signature);
	if (r >= 0)
		r = f->type->append(m, value);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

int fields_append_call(sd_bus_message *m, const Field *table, const void *data) {
	Row args[FIELD_ARGS_MAX], rows[FIELDS_MAX];
	size_t n_args = fields_args(table, args);
	size_t n = fields_flatten(table, 0, FIELD_OPTION, rows, 0);
	int r;

	for (size_t i = 0; i < n_args; i++) {
		r = args[i].field->type->append(m, const_value_at(data, args[i].offset));
		if (r < 0)
			return r;
	}
	r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = append_option(m, rows[i].field, const_value_at(data, rows[i].offset));
		if (r < 0)
			return r;
	}
	return sd_bus_message_close_container(m);
}

int fields_call_signature(const Field *table, char **ret_signature, char **ret_names, size_t *ret_names_len) {
	_cleanup_free_ char *signature = NULL, *names = NULL;
	Row args[FIELD_ARGS_MAX];
	size_t n_args = fields_args(table, args), sig_len = 0, names_len = 0;
	FILE *s, *n;
	int r;

	s = open_memstream(&signature, &sig_len);
	if (!s)
		return -ENOMEM;
	n = open_memstream(&names, &names_len);
	if (!n) {
		fclose(s);
		return -ENOMEM;
	}
	/* Names are NUL-separated, as SD_BUS_PARAM() writes them. */
	for (size_t i = 0; i < n_args; i++) {
		fputs(args[i].field->type->signature, s);
		fputs(args[i].field->arg_name, n);
		fputc('\0', n);
	}
	fputs("a{sv}", s);
	fputs("options", n);
	fputc('\0', n);
	r = fclose(s);
	if (fclose(n) != 0 || r != 0)
		return -ENOMEM;
	*ret_signature = TAKE_PTR(signature);
	*ret_names = TAKE_PTR(names);
	*ret_names_len = names_len;
	return 0;
}

int field_format_value(const Field *f, const void *value, char **ret) {
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *s;
	int r;

	if (!f->type->is_set(value))
		return -ENODATA;
	s = open_memstream(&buf, &len);
	if (!s)
		return -ENOMEM;
	r = f->type->format(value, s);
	if (fclose(s) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	return 0;
}

int fields_set(const Field *table, unsigned flags, void *data, const char *key, const char *value) {
	size_t offset;
	const Field *f = fields_find(table, flags, key, &offset);

	if (!f)
		return -ENOKEY;
	return f->type->parse(value, value_at(data, offset)) < 0 ? -EINVAL : 0;
}

typedef struct FileContext {
	const Field *table;
	unsigned flags;
	void *data;
	const Field *seen[FIELDS_MAX];
	size_t n_seen;
} FileContext;

static int set_from_file(const char *key, const char *value, void *userdata) {
	FileContext *c = userdata;
	size_t offset;
	const Field *f = fields_find(c->table, c->flags, key, &offset);

	if (!f)
		return -ENOKEY;
	/* An alias and its name are one key. */
	for (size_t i = 0; i < c->n_seen; i++)
		if (c->seen[i] == f)
			return -EEXIST;
	if (c->n_seen < FIELDS_MAX)
		c->seen[c->n_seen++] = f;
	return f->type->parse(value, value_at(c->data, offset)) < 0 ? -EINVAL : 0;
}

int fields_parse_stream(FILE *f, const char *name, const Field *table, unsigned flags, void *data,
                        char error[static CONF_ERROR_MAX]) {
	FileContext c = { .table = table, .flags = flags, .data = data };

	return conf_parse_stream_with(f, name, set_from_file, &c, error);
}

int fields_parse_file(const char *path, const Field *table, unsigned flags, void *data,
                      char error[static CONF_ERROR_MAX]) {
	FileContext c = { .table = table, .flags = flags, .data = data };

	return conf_parse_file_with(path, set_from_file, &c, error);
}

typedef struct WriteContext {
	FILE *f;
	const void *data;
} WriteContext;

static int write_one(const Field *f, size_t offset, void *userdata) {
	WriteContext *w = userdata;
	const void *value = const_value_at(w->data, offset);
	int r;

	if (!f->type->is_set(value))
		return 0;
	fprintf(w->f, "%s=", f->name);
	r = f->type->format(value, w->f);
	if (r < 0)
		return r;
	fputc('\n', w->f);
	return 0;
}

int fields_write_file(const char *path, const Field *table, unsigned flags, const void *data) {
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	WriteContext w = { .data = data };
	int r;

	w.f = open_memstream(&buf, &len);
	if (!w.f)
		return -ENOMEM;
	r = fields_foreach(table, flags, write_one, &w);
	if (fclose(w.f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	return write_file_atomic(path, buf, len);
}

int fields_property_vtable(const Field *table, sd_bus_property_set_t set, sd_bus_vtable **ret) {
	Row rows[FIELDS_MAX];
	size_t n = fields_flatten(table, 0, FIELD_PROPERTY, rows, 0);
	sd_bus_vtable *v;

	v = calloc(n + 2, sizeof(sd_bus_vtable));
	if (!v)
		return -ENOMEM;
	v[0] = (sd_bus_vtable) SD_BUS_VTABLE_START(0);
	for (size_t i = 0; i < n; i++) {
		const Field *f = rows[i].field;

		if (f->flags & FIELD_WRITABLE)
			/* The setter checks who calls, as methods do. */
			v[i + 1] = (sd_bus_vtable) SD_BUS_WRITABLE_PROPERTY(
				f->name, f->type->signature, f->type->get, set, rows[i].offset,
				SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED);
		else
			v[i + 1] = (sd_bus_vtable) SD_BUS_PROPERTY(f->name, f->type->signature, f->type->get,
			                                           rows[i].offset, SD_BUS_VTABLE_PROPERTY_CONST);
	}
	v[n + 1] = (sd_bus_vtable) SD_BUS_VTABLE_END;
	*ret = v;
	return 0;
}
