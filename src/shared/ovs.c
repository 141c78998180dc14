/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus.h"
#include "log.h"
#include "ovs.h"

/* What we keep of a command's output: enough for any error message. */
#define OVS_OUTPUT_MAX (64U * 1024U)
#define OVS_ARGS_MAX 32U
/* Our own timer allows ovs-vsctl this much beyond its --timeout. */
#define OVS_GRACE_SEC 2U

static void strv_freep(char ***l) {
	strv_free(*l);
}

typedef struct Output {
	int fd;
	sd_event_source *source;
	char *buf;
	size_t len;
} Output;

struct OvsCommand {
	char *program;          /* argv[0], for messages */
	pid_t pid;
	sd_event_source *child;
	sd_event_source *timer;
	Output out, err;
	int exec_fd;            /* the child's exec errno, if exec failed */
	OvsHandler handler;
	void *userdata;
};

/* Builds an argv from printf-style pieces; NULL ends the list. */
typedef struct Argv {
	char *args[OVS_ARGS_MAX + 1];
	size_t n;
	bool failed;
} Argv;

_printf_(2, 3) static void argv_add(Argv *a, const char *format, ...) {
	va_list ap;
	char *s;

	if (a->failed || a->n >= OVS_ARGS_MAX) {
		a->failed = true;
		return;
	}
	va_start(ap, format);
	if (vasprintf(&s, format, ap) < 0)
		a->failed = true;
	else
		a->args[a->n++] = s;
	va_end(ap);
}

static void argv_start_timeout(Argv *a, const OvsContext *ctx, unsigned timeout_sec) {
	*a = (Argv) {};
	argv_add(a, "%s", ctx->vsctl ?: OVS_VSCTL_DEFAULT);
	argv_add(a, "--timeout=%u", timeout_sec);
	if (ctx->db)
		argv_add(a, "--db=%s", ctx->db);
}

static void argv_start(Argv *a, const OvsContext *ctx) {
	argv_start_timeout(a, ctx, ctx->timeout_sec ?: OVS_TIMEOUT_SEC_DEFAULT);
}

static char **argv_finish(Argv *a) {
	char **l;

	if (a->failed) {
		for (size_t i = 0; i < a->n; i++)
			free(a->args[i]);
		return NULL;
	}
	l = calloc(a->n + 1, sizeof(char *));
	if (!l) {
		a->failed = true;
		return argv_finish(a);
	}
	memcpy(l, a->args, a->n * sizeof(char *));
	return l;
}

char **ovs_argv_add_port(const OvsContext *ctx, const OvsPort *p) {
	Argv a;

	argv_start(&a, ctx);
	argv_add(&a, "--may-exist");
	argv_add(&a, "add-port");
	argv_add(&a, "%s", p->bridge);
	argv_add(&a, "%s", p->name);
	if (p->vlan > 0)
		argv_add(&a, "tag=%u", p->vlan);
	argv_add(&a, "--");
	argv_add(&a, "set");
	argv_add(&a, "Interface");
	argv_add(&a, "%s", p->name);
	argv_add(&a, "type=internal");
	/* Values quoted: a MAC's colons are not ovs-vsctl syntax. */
	argv_add(&a, "external-ids:iface-id=\"%s\"", p->iface_id ?: p->name);
	argv_add(&a, "external-ids:" OVS_OWNER_KEY "=" OVS_OWNER_VALUE);
	/* The container's MAC is recorded, never given to the port device:
	 * with it, the host's stack would take the container's unicast
	 * frames for its own (and route them, if it forwards). */
	if (p->mac)
		argv_add(&a, "external-ids:attached-mac=\"%s\"", p->mac);
	if (p->network_id)
		argv_add(&a, "external-ids:arca-network-id=\"%s\"", p->network_id);
	if (p->container_id)
		argv_add(&a, "external-ids:arca-container-id=\"%s\"", p->container_id);
	if (p->mtu > 0)
		argv_add(&a, "mtu_request=%u", p->mtu);
	return argv_finish(&a);
}

char **ovs_argv_del_port(const OvsContext *ctx, const char *bridge, const char *name) {
	Argv a;

	argv_start(&a, ctx);
	argv_add(&a, "--if-exists");
	argv_add(&a, "del-port");
	if (bridge)
		argv_add(&a, "%s", bridge);
	argv_add(&a, "%s", name);
	return argv_finish(&a);
}

char **ovs_argv_br_exists(const OvsContext *ctx, const char *bridge) {
	Argv a;

	argv_start(&a, ctx);
	argv_add(&a, "br-exists");
	argv_add(&a, "%s", bridge);
	return argv_finish(&a);
}

char **ovs_argv_list_owned(const OvsContext *ctx) {
	Argv a;

	argv_start(&a, ctx);
	argv_add(&a, "--format=csv");
	argv_add(&a, "--data=bare");
	argv_add(&a, "--no-headings");
	argv_add(&a, "--columns=name");
	argv_add(&a, "find");
	argv_add(&a, "Interface");
	argv_add(&a, "external-ids:" OVS_OWNER_KEY "=" OVS_OWNER_VALUE);
	return argv_finish(&a);
}

char **ovs_argv_get_ovn_config(const OvsContext *ctx) {
	Argv a;

	argv_start(&a, ctx);
	argv_add(&a, "--if-exists");
	argv_add(&a, "get");
	argv_add(&a, "Open_vSwitch");
	argv_add(&a, ".");
	argv_add(&a, "external-ids:ovn-remote");
	argv_add(&a, "--");
	argv_add(&a, "--if-exists");
	argv_add(&a, "get");
	argv_add(&a, "Open_vSwitch");
	argv_add(&a, ".");
	argv_add(&a, "external-ids:ovn-encap-ip");
	return argv_finish(&a);
}

char **ovs_argv_wait_ovn_installed(const OvsContext *ctx, const char *name, unsigned timeout_sec) {
	Argv a;

	argv_start_timeout(&a, ctx, timeout_sec);
	argv_add(&a, "wait-until");
	argv_add(&a, "Interface");
	argv_add(&a, "%s", name);
	argv_add(&a, "external-ids:ovn-installed=true");
	return argv_finish(&a);
}

static void output_done(Output *o) {
	o->source = sd_event_source_disable_unref(o->source);
	o->fd = safe_close(o->fd);
}

/* Reads what is there; false once the pipe is at its end. */
static bool output_read(Output *o) {
	char buf[4096];
	ssize_t n;

	while ((n = read(o->fd, buf, sizeof(buf))) > 0) {
		size_t keep = MIN((size_t) n, OVS_OUTPUT_MAX - o->len);
		char *p = realloc(o->buf, o->len + keep + 1);

		if (!p)
			return false;
		o->buf = p;
		memcpy(o->buf + o->len, buf, keep);
		o->len += keep;
		o->buf[o->len] = '\0';
	}
	return n < 0 && errno == EAGAIN;
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	Output *o = userdata;

	if (!output_read(o))
		output_done(o);
	return 0;
}

static const char *output_text(Output *o) {
	while (o->len > 0 && o->buf[o->len - 1] == '\n')
		o->buf[--o->len] = '\0';
	return o->buf ?: "";
}

/* 0 when the child ran its program, else the errno that stopped it. */
static int command_exec_errno(OvsCommand *c) {
	int e = 0;

	if (c->exec_fd < 0 || read(c->exec_fd, &e, sizeof(e)) != sizeof(e))
		e = 0;
	c->exec_fd = safe_close(c->exec_fd);
	return e;
}

static void command_finish(OvsCommand *c, int status) {
	if (c->out.fd >= 0)
		(void) output_read(&c->out);
	if (c->err.fd >= 0)
		(void) output_read(&c->err);
	output_done(&c->out);
	output_done(&c->err);
	c->timer = sd_event_source_disable_unref(c->timer);
	c->pid = 0;
	c->handler(c, status, output_text(&c->out), output_text(&c->err), c->userdata);
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
	OvsCommand *c = userdata;
	int e = command_exec_errno(c), status;

	if (e > 0)
		status = -e;
	else if (si->si_code == CLD_EXITED)
		status = si->si_status;
	else
		status = c->timer && !sd_event_source_get_enabled(c->timer, NULL) ? -ETIMEDOUT : -EINTR;
	command_finish(c, status);
	return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
	OvsCommand *c = userdata;

	log_warning("%s (pid %d) did not finish in time, killing it.", c->program, (int) c->pid);
	(void) kill(c->pid, SIGKILL);
	/* on_child reports it; the disabled timer tells it why. */
	(void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
	return 0;
}

/* A pipe whose read end (ours) is non-blocking and whose write end (the
 * child's stdout or stderr) is not: a program may not expect EAGAIN. */
static int output_pipe(int fds[2]) {
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
		int r = -errno;

		fds[0] = safe_close(fds[0]);
		fds[1] = safe_close(fds[1]);
		return r;
	}
	return 0;
}

static int output_watch(Output *o, sd_event *event) {
	return sd_event_add_io(event, &o->source, o->fd, EPOLLIN, on_output, o);
}

/*
 * In the child, between fork and exec: never returns. Why the program could
 * not be run goes to exec_fd as an errno (and to stderr for a person): the
 * exit status cannot tell a missing program from one that exits 127, nor
 * survive a wrapper that sets its own (valgrind's --error-exitcode).
 */
__attribute__((noreturn)) static void child_exec(char **argv, int out, int err, int exec_fd) {
	sigset_t none;
	int null, e;

	/* The daemon blocks the signals it takes through the loop, and
	 * ignores SIGPIPE; the program gets the defaults. */
	sigemptyset(&none);
	(void) sigprocmask(SIG_SETMASK, &none, NULL);
	(void) signal(SIGPIPE, SIG_DFL);

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0 && dup2(null, STDIN_FILENO) >= 0 && dup2(out, STDOUT_FILENO) >= 0 &&
	    dup2(err, STDERR_FILENO) >= 0)
		execvp(argv[0], argv);
	e = errno;
	dprintf(STDERR_FILENO, "Failed to execute %s: %s\n", argv[0], strerror(e));
	/* The parent reads why; should that fail, the exit status says enough. */
	ssize_t n = write(exec_fd, &e, sizeof(e));
	(void) n;
	_exit(EXIT_FAILURE);
}

int ovs_command_run(OvsCommand **ret, sd_event *event, char **argv, unsigned timeout_sec,
                    OvsHandler handler, void *userdata) {
	_cleanup_(strv_freep) char **args = argv;
	_cleanup_(ovs_command_freep) OvsCommand *c = NULL;
	_cleanup_close_ int out_w = -1, err_w = -1, exec_w = -1;
	int fds[2], r;

	if (!args)
		return -ENOMEM;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->out.fd = c->err.fd = c->exec_fd = -1;
	c->handler = handler;
	c->userdata = userdata;
	c->program = strdup(args[0]);
	if (!c->program)
		return -ENOMEM;

	/* Each read end belongs to c at once, so every error path closes it. */
	r = output_pipe(fds);
	if (r < 0)
		return r;
	c->out.fd = fds[0], out_w = fds[1];
	r = output_pipe(fds);
	if (r < 0)
		return r;
	c->err.fd = fds[0], err_w = fds[1];
	/* Close-on-exec: a successful exec leaves it empty. */
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	c->exec_fd = fds[0], exec_w = fds[1];

	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (c->pid == 0)
		child_exec(args, out_w, err_w, exec_w);

	r = output_watch(&c->out, event);
	if (r < 0)
		return r;
	r = output_watch(&c->err, event);
	if (r < 0)
		return r;
	/* -EBUSY unless SIGCHLD is blocked (daemon_event_new() does that). */
	r = sd_event_add_child(event, &c->child, c->pid, WEXITED, on_child, c);
	if (r < 0)
		return r;
	r = sd_event_add_time_relative(event, &c->timer, CLOCK_MONOTONIC,
	                               (uint64_t) (timeout_sec + OVS_GRACE_SEC) * USEC_PER_SEC, 0,
	                               on_timeout, c);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(c);
	return 0;
}

OvsCommand *ovs_command_free(OvsCommand *c) {
	if (!c)
		return NULL;

	if (c->pid > 0) {
		(void) kill(c->pid, SIGKILL);
		/* Reap it now: nobody else will. */
		(void) waitpid(c->pid, NULL, 0);
	}
	sd_event_source_disable_unref(c->child);
	sd_event_source_disable_unref(c->timer);
	output_done(&c->out);
	output_done(&c->err);
	safe_close(c->exec_fd);
	free(c->out.buf);
	free(c->err.buf);
	free(c->program);
	free(c);
	return NULL;
}

typedef struct SyncResult {
	int status;
	char *out;
	char *err;
} SyncResult;

static void on_sync_done(OvsCommand *c, int status, const char *out, const char *err, void *userdata) {
	SyncResult *result = userdata;

	result->status = status;
	result->out = strdup(out);
	result->err = strdup(err);
	(void) sd_event_exit(sd_event_source_get_event(c->child), 0);
}

int ovs_command_run_sync(char **argv, unsigned timeout_sec, char **ret_out, char **ret_err) {
	_cleanup_(sd_event_unrefp) sd_event *event = NULL;
	_cleanup_(ovs_command_freep) OvsCommand *c = NULL;
	SyncResult result = { .status = -EIO };
	int r;

	r = sd_event_new(&event);
	if (r < 0) {
		strv_free(argv);
		return r;
	}
	r = ovs_command_run(&c, event, argv, timeout_sec, on_sync_done, &result);
	if (r < 0)
		return r;
	r = sd_event_loop(event);
	if (r < 0)
		result.status = r;

	if (ret_out)
		*ret_out = TAKE_PTR(result.out);
	if (ret_err)
		*ret_err = TAKE_PTR(result.err);
	free(result.out);
	free(result.err);
	return result.status;
}
