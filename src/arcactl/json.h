/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A streaming JSON writer for arcactl's --json output: "short" is one
 * line without spaces, "pretty" is indented by two spaces per level. The
 * writer places commas and indentation; callers only say what comes next.
 * Keys and strings are escaped as RFC 8259 asks; bytes >= 0x80 are passed
 * through, so UTF-8 stays UTF-8.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 16U

typedef struct JsonWriter {
	FILE *f;
	bool pretty;
	unsigned depth;
	bool has_items[JSON_DEPTH_MAX];
	bool after_key;
} JsonWriter;

void json_init(JsonWriter *w, FILE *f, bool pretty);

void json_begin_object(JsonWriter *w);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w);
void json_end_array(JsonWriter *w);

/* Inside an object: the key of the value that follows. */
void json_key(JsonWriter *w, const char *key);

void json_string(JsonWriter *w, const char *s);
void json_uint(JsonWriter *w, uint64_t v);
void json_bool(JsonWriter *w, bool b);

/* Ends the document with a newline. */
void json_finish(JsonWriter *w);
