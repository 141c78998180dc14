/* SPDX-License-Identifier: Apache-2.0 */

/*
 * Runs a fuzz target over files and directories of inputs, once each: the
 * corpus replay that `meson test --suite fuzz` does in any build, with or
 * without libFuzzer.
 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc((size_t) size + 1);
	if (!buf || fread(buf, 1, (size_t) size, f) != (size_t) size) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t) size);
	free(buf);
	return 0;
}

int main(int argc, char *argv[]) {
	unsigned n = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **list;
		int k;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: no such input %s\n", argv[i]);
			return EXIT_FAILURE;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) < 0)
				return EXIT_FAILURE;
			n++;
			continue;
		}
		k = scandir(argv[i], &list, NULL, alphasort);
		for (int j = 0; j < k; j++) {
			char path[4096];

			if (list[j]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i], list[j]->d_name);
				if (run_file(path) < 0)
					return EXIT_FAILURE;
				n++;
			}
			free(list[j]);
		}
		free(list);
	}
	printf("replay: %u inputs, no crash\n", n);
	return n > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
