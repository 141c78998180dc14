/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>

#include "json.h"

void json_init(JsonWriter *w, FILE *f, bool pretty) {
	*w = (JsonWriter) { .f = f, .pretty = pretty };
}

static void indent(JsonWriter *w) {
	fputc('\n', w->f);
	for (unsigned i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Before any value or key: the comma and line break it needs. */
static void next_item(JsonWriter *w) {
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->has_items[w->depth - 1])
		fputc(',', w->f);
	w->has_items[w->depth - 1] = true;
	if (w->pretty)
		indent(w);
}

static void begin(JsonWriter *w, char c) {
	next_item(w);
	fputc(c, w->f);
	if (w->depth < JSON_DEPTH_MAX)
		w->has_items[w->depth] = false;
	w->depth++;
}

static void end(JsonWriter *w, char c) {
	bool had_items = w->depth <= JSON_DEPTH_MAX && w->has_items[w->depth - 1];

	w->depth--;
	if (w->pretty && had_items)
		indent(w);
	fputc(c, w->f);
}

void json_begin_object(JsonWriter *w) {
	begin(w, '{');
}

void json_end_object(JsonWriter *w) {
	end(w, '}');
}

void json_begin_array(JsonWriter *w) {
	begin(w, '[');
}

void json_end_array(JsonWriter *w) {
	end(w, ']');
}

static void write_string(JsonWriter *w, const char *s) {
	fputc('"', w->f);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
		switch (*p) {
		case '"':
			fputs("\\\"", w->f);
			break;
		case '\\':
			fputs("\\\\", w->f);
			break;
		case '\n':
			fputs("\\n", w->f);
			break;
		case '\r':
			fputs("\\r", w->f);
			break;
		case '\t':
			fputs("\\t", w->f);
			break;
		default:
			if (*p < 0x20)
				fprintf(w->f, "\\u%04x", *p);
			else
				fputc(*p, w->f);
		}
	fputc('"', w->f);
}

void json_key(JsonWriter *w, const char *key) {
	next_item(w);
	write_string(w, key);
	fputs(w->pretty ? ": " : ":", w->f);
	w->after_key = true;
}

void json_string(JsonWriter *w, const char *s) {
	next_item(w);
	write_string(w, s ?: "");
}

void json_uint(JsonWriter *w, uint64_t v) {
	next_item(w);
	fprintf(w->f, "%" PRIu64, v);
}

void json_bool(JsonWriter *w, bool b) {
	next_item(w);
	fputs(b ? "true" : "false", w->f);
}

void json_finish(JsonWriter *w) {
	fputc('\n', w->f);
}
