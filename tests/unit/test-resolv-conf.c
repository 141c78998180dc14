/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conffile.h"
#include "resolv-conf.h"

typedef struct Paths {
	char dir[64];
	char resolv[96];
	char state[96];
} Paths;

static int setup(void **state) {
	Paths *p = calloc(1, sizeof(*p));

	strcpy(p->dir, "/tmp/arca-test-resolv-XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->resolv, sizeof(p->resolv), "%s/resolv.conf", p->dir);
	/* Made by the first write, as the daemon's state directory is. */
	snprintf(p->state, sizeof(p->state), "%s/state/forwarder", p->dir);
	*state = p;
	return 0;
}

static int teardown(void **state) {
	Paths *p = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
	assert_int_equal(system(cmd), 0);
	free(p);
	return 0;
}

static char *contents(const char *path) {
	char *data = NULL;

	if (read_file(path, 4096, &data, NULL) < 0)
		return NULL;
	return data;
}

static size_t entries(const char *dir) {
	char cmd[160];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null | wc -l", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return (size_t) n;
}

static char *const servers[] = { "10.0.0.53", "fd00::53", NULL };
static const char expected[] =
	"# Written by arca-forwarderd from the DNS servers of the attached networks.\n"
	"nameserver 10.0.0.53\n"
	"nameserver fd00::53\n";

static void test_file_comes_back(void **state) {
	Paths *p = *state;
	char *s;

	assert_int_equal(write_file_atomic(p->resolv, "nameserver 192.0.2.1\n", 21), 0);
	assert_int_equal(resolv_conf_write(p->resolv, p->state, servers), 0);
	assert_string_equal(s = contents(p->resolv), expected);
	free(s);

	/* A second write (another network) keeps the first saved copy. */
	assert_int_equal(resolv_conf_write(p->resolv, p->state, servers + 1), 0);
	assert_int_equal(resolv_conf_restore(p->resolv, p->state), 0);
	assert_string_equal(s = contents(p->resolv), "nameserver 192.0.2.1\n");
	free(s);
	assert_int_equal(entries(p->state), 0);

	/* Restoring twice changes nothing. */
	assert_int_equal(resolv_conf_restore(p->resolv, p->state), 0);
	assert_string_equal(s = contents(p->resolv), "nameserver 192.0.2.1\n");
	free(s);
}

/* The file comes back with its mode and owner, not ours. */
static void test_file_comes_back_with_its_mode_and_owner(void **state) {
	Paths *p = *state;
	struct stat st;

	if (geteuid() != 0) {
		print_message("skipped: giving a file to another owner needs root\n");
		skip();
	}
	assert_int_equal(write_file_atomic(p->resolv, "nameserver 192.0.2.1\n", 21), 0);
	assert_int_equal(chmod(p->resolv, 0755), 0);
	assert_int_equal(chown(p->resolv, 65534, 65534), 0);
	assert_int_equal(resolv_conf_write(p->resolv, p->state, servers), 0);
	assert_int_equal(resolv_conf_restore(p->resolv, p->state), 0);
	assert_int_equal(stat(p->resolv, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 65534);
}

static void test_absent_file_is_removed_again(void **state) {
	Paths *p = *state;
	char *s;

	assert_int_equal(resolv_conf_write(p->resolv, p->state, servers), 0);
	assert_string_equal(s = contents(p->resolv), expected);
	free(s);
	assert_int_equal(resolv_conf_restore(p->resolv, p->state), 0);
	assert_int_equal(access(p->resolv, F_OK), -1);
	assert_int_equal(entries(p->state), 0);
}

static void test_symlink_comes_back(void **state) {
	Paths *p = *state;
	char target[PATH_MAX] = "";
	struct stat st;
	char *s;

	assert_int_equal(symlink("../run/systemd/resolve/stub-resolv.conf", p->resolv), 0);
	assert_int_equal(resolv_conf_write(p->resolv, p->state, servers), 0);
	assert_int_equal(lstat(p->resolv, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(s = contents(p->resolv), expected);
	free(s);

	assert_int_equal(resolv_conf_restore(p->resolv, p->state), 0);
	assert_true(readlink(p->resolv, target, sizeof(target) - 1) > 0);
	assert_string_equal(target, "../run/systemd/resolve/stub-resolv.conf");
}

static void test_never_written_is_never_touched(void **state) {
	Paths *p = *state;
	char *s;

	assert_int_equal(write_file_atomic(p->resolv, "search example\n", 15), 0);
	assert_int_equal(resolv_conf_restore(p->resolv, p->state), 0);
	assert_string_equal(s = contents(p->resolv), "search example\n");
	free(s);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_comes_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_comes_back_with_its_mode_and_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent_file_is_removed_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_comes_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_written_is_never_touched, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
