/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "bus.h"
#include "ovs.h"

/* What a test's handler saw. */
typedef struct Done {
	int calls;
	int status;
	char *out;
	char *err;
	sd_event *event;
	bool free_in_handler;
	OvsCommand **command;
} Done;

static void done_clear(Done *d) {
	free(d->out);
	free(d->err);
}

static void on_done(OvsCommand *c, int status, const char *out, const char *err, void *userdata) {
	Done *d = userdata;

	d->calls++;
	d->status = status;
	d->out = strdup(out);
	d->err = strdup(err);
	if (d->free_in_handler)
		*d->command = ovs_command_free(*d->command);
	assert_int_equal(sd_event_exit(d->event, 0), 0);
}

static char **strv_of(const char *const *args) {
	size_t n = 0;
	char **l;

	while (args[n])
		n++;
	l = calloc(n + 1, sizeof(char *));
	assert_non_null(l);
	for (size_t i = 0; i < n; i++)
		assert_non_null(l[i] = strdup(args[i]));
	return l;
}

#define STRV(...) strv_of((const char *const[]) { __VA_ARGS__, NULL })

static void assert_argv(char **argv, const char *const *expected) {
	size_t i;

	assert_non_null(argv);
	for (i = 0; expected[i]; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], expected[i]);
	}
	assert_null(argv[i]);
	strv_free(argv);
}

#define ASSERT_ARGV(argv, ...) assert_argv(argv, (const char *const[]) { __VA_ARGS__, NULL })

static uint64_t now_usec(void) {
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

/* No child of ours is left, not even a zombie. */
static void assert_no_children(void) {
	siginfo_t si = {};

	assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_add_port_with_everything(void **state) {
	const OvsContext ctx = { .vsctl = "/opt/ovs/bin/ovs-vsctl", .db = "unix:/tmp/ovs/db.sock",
	                         .timeout_sec = 9 };
	const OvsPort port = {
		.bridge = "br-int", .name = "arca5001", .vlan = 100, .mac = "02:42:ac:12:00:02",
		.mtu = 1400, .iface_id = "lsp-1", .network_id = "net-1", .container_id = "ctr-1",
	};

	ASSERT_ARGV(ovs_argv_add_port(&ctx, &port),
	            "/opt/ovs/bin/ovs-vsctl", "--timeout=9", "--db=unix:/tmp/ovs/db.sock",
	            "--may-exist", "add-port", "br-int", "arca5001", "tag=100",
	            "--", "set", "Interface", "arca5001", "type=internal",
	            "external-ids:iface-id=\"lsp-1\"", "external-ids:arca-owner=arca-relayd",
	            "external-ids:attached-mac=\"02:42:ac:12:00:02\"",
	            "external-ids:arca-network-id=\"net-1\"", "external-ids:arca-container-id=\"ctr-1\"",
	            "mtu_request=1400");
}

static void test_add_port_untagged_with_defaults(void **state) {
	const OvsContext ctx = {};
	const OvsPort port = { .bridge = "br-int", .name = "arca5002" };

	/* No VLAN, MAC, MTU or ids: nothing of them on the command line, and
	 * OVN's iface-id is the port name. */
	ASSERT_ARGV(ovs_argv_add_port(&ctx, &port),
	            "ovs-vsctl", "--timeout=5", "--may-exist", "add-port", "br-int", "arca5002",
	            "--", "set", "Interface", "arca5002", "type=internal",
	            "external-ids:iface-id=\"arca5002\"", "external-ids:arca-owner=arca-relayd");
}

static void test_del_port_and_br_exists(void **state) {
	const OvsContext ctx = { .db = "unix:/x.sock" };

	ASSERT_ARGV(ovs_argv_del_port(&ctx, "br-int", "arca5001"),
	            "ovs-vsctl", "--timeout=5", "--db=unix:/x.sock", "--if-exists", "del-port",
	            "br-int", "arca5001");
	/* Without a bridge: the sweep knows only the port's name. */
	ASSERT_ARGV(ovs_argv_del_port(&ctx, NULL, "arca5001"),
	            "ovs-vsctl", "--timeout=5", "--db=unix:/x.sock", "--if-exists", "del-port",
	            "arca5001");
	ASSERT_ARGV(ovs_argv_br_exists(&ctx, "br-int"),
	            "ovs-vsctl", "--timeout=5", "--db=unix:/x.sock", "br-exists", "br-int");
}

static void test_list_owned_finds_our_mark(void **state) {
	const OvsContext ctx = {};

	ASSERT_ARGV(ovs_argv_list_owned(&ctx),
	            "ovs-vsctl", "--timeout=5", "--format=csv", "--data=bare", "--no-headings",
	            "--columns=name", "find", "Interface", "external-ids:arca-owner=arca-relayd");
}

static void test_ovn_readiness_commands(void **state) {
	const OvsContext ctx = { .timeout_sec = 2 };

	/* Whether OVN runs the switch, and where its tunnels start. */
	ASSERT_ARGV(ovs_argv_get_ovn_config(&ctx),
	            "ovs-vsctl", "--timeout=2", "--if-exists", "get", "Open_vSwitch", ".",
	            "external-ids:ovn-remote", "--", "--if-exists", "get", "Open_vSwitch", ".",
	            "external-ids:ovn-encap-ip");
	/* Its own timeout, longer than a command's. */
	ASSERT_ARGV(ovs_argv_wait_ovn_installed(&ctx, "arca5001", 30),
	            "ovs-vsctl", "--timeout=30", "wait-until", "Interface", "arca5001",
	            "external-ids:ovn-installed=true");
}

typedef struct Loop {
	sd_event *event;
	OvsCommand *command;
	Done done;
} Loop;

static int loop_setup(void **state) {
	Loop *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	assert_int_equal(sd_event_new(&l->event), 0);
	l->done.event = l->event;
	*state = l;
	return 0;
}

static int loop_teardown(void **state) {
	Loop *l = *state;

	ovs_command_free(l->command);
	sd_event_unref(l->event);
	done_clear(&l->done);
	free(l);
	assert_no_children();
	return 0;
}

static void loop_run(Loop *l, char **argv, unsigned timeout_sec) {
	assert_int_equal(ovs_command_run(&l->command, l->event, argv, timeout_sec, on_done, &l->done), 0);
	assert_int_equal(sd_event_loop(l->event), 0);
	assert_int_equal(l->done.calls, 1);
}

static void test_run_reports_status_and_both_outputs(void **state) {
	Loop *l = *state;

	loop_run(l, STRV("/bin/sh", "-c", "echo x; echo y >&2; echo z; exit 3"), 5);
	assert_int_equal(l->done.status, 3);
	/* Trailing newlines go, inner ones stay. */
	assert_string_equal(l->done.out, "x\nz");
	assert_string_equal(l->done.err, "y");
}

static void test_run_success_with_no_output(void **state) {
	Loop *l = *state;

	loop_run(l, STRV("true"), 5);
	assert_int_equal(l->done.status, 0);
	assert_string_equal(l->done.out, "");
	assert_string_equal(l->done.err, "");
}

static void test_run_missing_program_is_enoent(void **state) {
	Loop *l = *state;

	loop_run(l, STRV("/nonexistent/ovs-vsctl", "show"), 5);
	assert_int_equal(l->done.status, -ENOENT);
	/* What went wrong is also in what it "printed". */
	assert_non_null(strstr(l->done.err, "/nonexistent/ovs-vsctl"));
}

static void test_run_hanging_program_is_killed(void **state) {
	Loop *l = *state;
	uint64_t start = now_usec();

	loop_run(l, STRV("sleep", "30"), 1);
	assert_int_equal(l->done.status, -ETIMEDOUT);
	/* Killed after its timeout and our grace, not when it would have ended. */
	assert_true(now_usec() - start < 10 * USEC_PER_SEC);
}

static void test_run_output_beyond_pipe_size(void **state) {
	Loop *l = *state;

	/* More than a pipe holds: the child must never block on a full pipe,
	 * and what we keep is bounded. */
	loop_run(l, STRV("/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a; echo end >&2"), 5);
	assert_int_equal(l->done.status, 0);
	assert_int_equal(strlen(l->done.out), 64 * 1024);
	assert_string_equal(l->done.err, "end");
}

static void test_run_handler_may_free_the_command(void **state) {
	Loop *l = *state;

	l->done.free_in_handler = true;
	l->done.command = &l->command;
	loop_run(l, STRV("/bin/sh", "-c", "echo bye"), 5);
	assert_null(l->command);
	assert_int_equal(l->done.status, 0);
	assert_string_equal(l->done.out, "bye");
}

static void test_free_kills_a_running_command(void **state) {
	Loop *l = *state;

	assert_int_equal(ovs_command_run(&l->command, l->event, STRV("sleep", "30"), 5, on_done, &l->done), 0);
	l->command = ovs_command_free(l->command);
	/* Its handler never runs, and nothing is left to reap. */
	assert_int_equal(sd_event_run(l->event, 0), 0);
	assert_int_equal(l->done.calls, 0);
	assert_no_children();
}

static void test_run_sync_returns_output(void **state) {
	_cleanup_free_ char *out = NULL, *err = NULL;

	assert_int_equal(ovs_command_run_sync(STRV("/bin/sh", "-c", "echo a; echo b >&2; exit 2"), 5,
	                                      &out, &err), 2);
	assert_string_equal(out, "a");
	assert_string_equal(err, "b");
	assert_int_equal(ovs_command_run_sync(STRV("/nonexistent/ovs-vsctl"), 5, NULL, NULL), -ENOENT);
	assert_no_children();
}

static void test_run_without_argv_is_enomem(void **state) {
	Loop *l = *state;

	/* What an argv builder returns when out of memory. */
	assert_int_equal(ovs_command_run(&l->command, l->event, NULL, 5, on_done, &l->done), -ENOMEM);
	assert_null(l->command);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_port_with_everything),
		cmocka_unit_test(test_add_port_untagged_with_defaults),
		cmocka_unit_test(test_del_port_and_br_exists),
		cmocka_unit_test(test_list_owned_finds_our_mark),
		cmocka_unit_test(test_ovn_readiness_commands),
		cmocka_unit_test_setup_teardown(test_run_reports_status_and_both_outputs, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_run_success_with_no_output, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_run_missing_program_is_enoent, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_run_hanging_program_is_killed, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_run_output_beyond_pipe_size, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_run_handler_may_free_the_command, loop_setup, loop_teardown),
		cmocka_unit_test_setup_teardown(test_free_kills_a_running_command, loop_setup, loop_teardown),
		cmocka_unit_test(test_run_sync_returns_output),
		cmocka_unit_test_setup_teardown(test_run_without_argv_is_enomem, loop_setup, loop_teardown),
	};
	sigset_t mask;

	/* sd-event watches children only with SIGCHLD blocked, as the daemons
	 * block it (daemon_event_new()). */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
