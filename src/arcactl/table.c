/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define TABLE_COLUMNS_MAX 16U

struct Table {
	size_t n_columns;
	const char *headers[TABLE_COLUMNS_MAX];
	bool right[TABLE_COLUMNS_MAX];
	char **cells;           /* row-major */
	size_t n_cells;
	size_t allocated;
};

Table *table_new(const char *const *headers) {
	Table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	for (; headers[t->n_columns] && t->n_columns < TABLE_COLUMNS_MAX; t->n_columns++) {
		const char *h = headers[t->n_columns];

		t->right[t->n_columns] = h[0] == '>';
		t->headers[t->n_columns] = h + (h[0] == '>');
	}
	return t;
}

Table *table_free(Table *t) {
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n_cells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
	return NULL;
}

int table_add(Table *t, const char *cell) {
	char *copy;

	if (t->n_cells == t->allocated) {
		size_t n = t->allocated ? t->allocated * 2 : t->n_columns * 8;
		char **cells = realloc(t->cells, n * sizeof(char *));

		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		t->allocated = n;
	}
	copy = strdup(isempty_str(cell) ? "-" : cell);
	if (!copy)
		return -ENOMEM;
	t->cells[t->n_cells++] = copy;
	return 0;
}

int table_addf(Table *t, const char *format, ...) {
	_cleanup_free_ char *cell = NULL;
	va_list ap;
	int r;

	va_start(ap, format);
	r = vasprintf(&cell, format, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return table_add(t, cell);
}

size_t table_rows(const Table *t) {
	return t->n_columns ? t->n_cells / t->n_columns : 0;
}

static void print_line(const Table *t, FILE *f, const size_t *width, const char *const *cells) {
	for (size_t c = 0; c < t->n_columns; c++) {
		bool last = c + 1 == t->n_columns;
		int w = (int) width[c];

		if (c > 0)
			fputc(' ', f);
		if (t->right[c])
			fprintf(f, "%*s", w, cells[c]);
		else if (last)
			fputs(cells[c], f);
		else
			fprintf(f, "%-*s", w, cells[c]);
	}
	fputc('\n', f);
}

int table_print(const Table *t, FILE *f, bool header) {
	size_t width[TABLE_COLUMNS_MAX] = {};

	for (size_t c = 0; c < t->n_columns; c++)
		width[c] = header ? strlen(t->headers[c]) : 0;
	for (size_t i = 0; i < t->n_cells; i++)
		width[i % t->n_columns] = MAX(width[i % t->n_columns], strlen(t->cells[i]));

	if (header)
		print_line(t, f, width, t->headers);
	for (size_t i = 0; i + t->n_columns <= t->n_cells; i += t->n_columns)
		print_line(t, f, width, (const char *const *) t->cells + i);

	return ferror(f) ? -EIO : 0;
}
