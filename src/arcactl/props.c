/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "props.h"

static void prop_done(Prop *p) {
	free(p->name);
	if (p->type == PROP_STRING)
		free(p->string);
	else if (p->type == PROP_STRV)
		strv_free(p->strv);
}

void props_done(Props *p) {
	for (size_t i = 0; i < p->n; i++)
		prop_done(&p->items[i]);
	free(p->items);
	*p = (Props) {};
}

void props_array_free(Props *array, size_t n) {
	for (size_t i = 0; array && i < n; i++)
		props_done(&array[i]);
	free(array);
}

static Prop *props_append(Props *p, const char *name, PropType type) {
	Prop *items, *new;

	items = realloc(p->items, (p->n + 1) * sizeof(Prop));
	if (!items)
		return NULL;
	p->items = items;
	new = &items[p->n];
	*new = (Prop) { .name = strdup(name), .type = type };
	if (!new->name)
		return NULL;
	p->n++;
	return new;
}

int props_add_string(Props *p, const char *name, const char *value) {
	Prop *new = props_append(p, name, PROP_STRING);

	if (!new)
		return -ENOMEM;
	new->string = strdup(value ?: "");
	return new->string ? 0 : -ENOMEM;
}

int props_add_number(Props *p, const char *name, uint64_t value) {
	Prop *new = props_append(p, name, PROP_NUMBER);

	if (!new)
		return -ENOMEM;
	new->number = value;
	return 0;
}

int props_add_bool(Props *p, const char *name, bool value) {
	Prop *new = props_append(p, name, PROP_BOOL);

	if (!new)
		return -ENOMEM;
	new->boolean = value;
	return 0;
}

int props_add_strv(Props *p, const char *name, char *const *value) {
	size_t n = strv_length(value);
	Prop *new = props_append(p, name, PROP_STRV);

	if (!new)
		return -ENOMEM;
	new->strv = calloc(n + 1, sizeof(char *));
	if (!new->strv)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		new->strv[i] = strdup(value[i]);
		if (!new->strv[i])
			return -ENOMEM;
	}
	return 0;
}

const Prop *props_find(const Props *p, const char *name) {
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].name, name) == 0)
			return &p->items[i];
	return NULL;
}

const char *props_string(const Props *p, const char *name) {
	const Prop *i = props_find(p, name);

	return i && i->type == PROP_STRING ? i->string : NULL;
}

bool props_number(const Props *p, const char *name, uint64_t *ret) {
	const Prop *i = props_find(p, name);

	if (!i || i->type != PROP_NUMBER)
		return false;
	*ret = i->number;
	return true;
}

bool props_bool(const Props *p, const char *name, bool *ret) {
	const Prop *i = props_find(p, name);

	if (!i || i->type != PROP_BOOL)
		return false;
	*ret = i->boolean;
	return true;
}

char *const *props_strv(const Props *p, const char *name) {
	const Prop *i = props_find(p, name);

	return i && i->type == PROP_STRV ? i->strv : NULL;
}

static int read_variant(sd_bus_message *m, Props *p, const char *name) {
	const char *contents;
	char type;
	int r;

	r = sd_bus_message_peek_type(m, &type, &contents);
	if (r < 0)
		return r;
	if (type != SD_BUS_TYPE_VARIANT)
		return -EBADMSG;

	if (strcmp(contents, "s") == 0 || strcmp(contents, "o") == 0) {
		const char *s;
		r = sd_bus_message_read(m, "v", contents, &s);
		return r < 0 ? r : props_add_string(p, name, s);
	}
	if (strcmp(contents, "u") == 0) {
		uint32_t u;
		r = sd_bus_message_read(m, "v", "u", &u);
		return r < 0 ? r : props_add_number(p, name, u);
	}
	if (strcmp(contents, "t") == 0) {
		uint64_t t;
		r = sd_bus_message_read(m, "v", "t", &t);
		return r < 0 ? r : props_add_number(p, name, t);
	}
	if (strcmp(contents, "b") == 0) {
		int b;
		r = sd_bus_message_read(m, "v", "b", &b);
		return r < 0 ? r : props_add_bool(p, name, b);
	}
	if (strcmp(contents, "as") == 0) {
		char **l = NULL;
		r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "as");
		if (r < 0)
			return r;
		r = sd_bus_message_read_strv(m, &l);
		if (r >= 0)
			r = props_add_strv(p, name, l);
		strv_free(l);
		if (r < 0)
			return r;
		return sd_bus_message_exit_container(m);
	}

	return sd_bus_message_skip(m, "v");
}

int props_read_all(sd_bus_message *m, Props *p) {
	int r;

	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
	if (r < 0)
		return r;

	while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
		const char *name;

		r = sd_bus_message_read(m, "s", &name);
		if (r < 0)
			return r;
		r = read_variant(m, p, name);
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
