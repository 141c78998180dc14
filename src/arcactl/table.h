/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * An aligned text table, as networkctl prints them: an upper-case header
 * line, one line per row, columns one space apart, numbers right-aligned,
 * no trailing white space. Cells are copied in, so callers may pass
 * temporary buffers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

typedef struct Table Table;

/* headers: NULL-terminated; a header starting with '>' names a
 * right-aligned column (the '>' is not printed). */
Table *table_new(const char *const *headers);
Table *table_free(Table *t);
DEFINE_POINTER_CLEANUP(Table, table_free);

/* Appends one cell, filling rows left to right; NULL or "" prints "-". */
int table_add(Table *t, const char *cell);
/* printf-style cell. */
int table_addf(Table *t, const char *format, ...) _printf_(2, 3);

size_t table_rows(const Table *t);

/* Prints the header (if header) and every row. */
int table_print(const Table *t, FILE *f, bool header);
