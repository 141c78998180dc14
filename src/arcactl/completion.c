/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Writes arcactl's bash completion: the template (argv[1]) with what the
 * verb table says put in for @VERB_OPTIONS@ (each verb's options),
 * @OPTION_VALUES@ (the values of options that take a fixed few) and
 * @VERBS@ (the commands, and those of 'relay'). Run by the build, so the
 * completion offers exactly what --help shows.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "macro.h"

#define OPTION_VALUES_MAX 32U

typedef struct Words {
	FILE *f;
	const char *values[OPTION_VALUES_MAX][2];    /* option, its values */
	size_t n_values;
} Words;

static void add_word(const char *word, const char *values, void *userdata) {
	Words *w = userdata;
	size_t len = strcspn(word, "=");

	fprintf(w->f, " %s", word);
	if (!values || w->n_values >= OPTION_VALUES_MAX)
		return;
	for (size_t i = 0; i < w->n_values; i++)
		if (strncmp(w->values[i][0], word, len) == 0 && w->values[i][0][len] == '\0')
			return;
	w->values[w->n_values][0] = strndup(word, len);
	w->values[w->n_values++][1] = values;
}

int main(int argc, char *argv[]) {
	Words w = { .f = stdout };
	char line[1024];
	FILE *template;

	if (argc != 2) {
		fprintf(stderr, "usage: %s TEMPLATE\n", argv[0]);
		return EXIT_FAILURE;
	}
	template = fopen(argv[1], "re");
	if (!template) {
		perror(argv[1]);
		return EXIT_FAILURE;
	}

	while (fgets(line, sizeof(line), template)) {
		if (strstr(line, "@VERB_OPTIONS@")) {
			for (Verb v = VERB_NONE; v < _VERB_MAX; v++) {
				printf("\t\t[%s]='", v == VERB_NONE ? "none" : verb_to_string(v));
				cmdline_foreach_option(v, add_word, &w);
				printf(" '\n");
			}
		} else if (strstr(line, "@OPTION_VALUES@")) {
			for (size_t i = 0; i < w.n_values; i++)
				printf("\t\t[%s]='%s'\n", w.values[i][0], w.values[i][1]);
		} else if (strstr(line, "@VERBS@")) {
			printf("\tlocal verbs='");
			for (Verb v = VERB_NONE + 1; v < _VERB_MAX; v++)
				if (!strchr(verb_to_string(v), ' '))
					printf(" %s", verb_to_string(v));
			printf(" ' relay_verbs='");
			for (Verb v = VERB_NONE + 1; v < _VERB_MAX; v++)
				if (strncmp(verb_to_string(v), "relay ", 6) == 0)
					printf(" %s", verb_to_string(v) + 6);
			printf(" '\n");
		} else
			fputs(line, stdout);
	}
	fclose(template);
	for (size_t i = 0; i < w.n_values; i++)
		free((char *) w.values[i][0]);
	return ferror(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
}
