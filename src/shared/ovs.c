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
/* Exit status of the child when exec fails. */
#define OVS_EXEC_FAILED 127

typedef struct Output {
	int fd;
	sd_event_source *source;
	char *buf;
	size_t len;
} Output;

struct OvsCommand {
	pid_t pid;
	sd_event_source *child;
	sd_event_source *timer;
	Output out, err;
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

static void argv_start(Argv *a, const OvsContext *ctx) {
	*a = (Argv) {};
	argv_add(a, "%s", ctx->vsctl ?: OVS_VSCTL_DEFAULT);
	argv_add(a, "--timeout=%u", ctx->timeout_sec ?: OVS_TIMEOUT_SEC_DEFAULT);
	if (ctx->db)
		argv_add(a, "--db=%s", ctx->db);
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
	if (p->mac) {
		argv_add(&a, "external-ids:attached-mac=\"%s\"", p->mac);
		argv_add(&a, "mac=\"%s\"", p->mac);
	}
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
	int status;

	if (si->si_code == CLD_EXITED)
		status = si->si_status == OVS_EXEC_FAILED ? -ENOENT : si->si_status;
	else
		status = c->timer && !sd_event_source_get_enabled(c->timer, NULL) ? -ETIMEDOUT : -EINTR;
	command_finish(c, status);
	return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
	OvsCommand *c = userdata;

	log_warning("%s (pid %d) did not finish in time, killing it.", "ovs-vsctl", (int) c->pid);
	(void) kill(c->pid, SIGKILL);
	/* on_child reports it; the disabled timer tells it why. */
	(void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
	return 0;
}

static int output_open(Output *o, int pipefd[2], sd_event *event) {
	o->fd = pipefd[0];
	return sd_event_add_io(event, &o->source, o->fd, EPOLLIN, on_output, o);
}

int ovs_command_run(OvsCommand **ret, sd_event *event, char **argv, unsigned timeout_sec,
                    OvsHandler handler, void *userdata) {
	_cleanup_(ovs_command_freep) OvsCommand *c = NULL;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, r;
	sigset_t all;

	if (!argv)
		return -ENOMEM;

	c = calloc(1, sizeof(*c));
	if (!c) {
		strv_free(argv);
		return -ENOMEM;
	}
	c->out.fd = c->err.fd = -1;
	c->handler = handler;
	c->userdata = userdata;

	if (pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(err, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = -errno;
		safe_close(out[0]);
		safe_close(out[1]);
		strv_free(argv);
		return r;
	}

	c->pid = fork();
	if (c->pid < 0) {
		r = -errno;
		safe_close(out[0]), safe_close(out[1]), safe_close(err[0]), safe_close(err[1]);
		strv_free(argv);
		return r;
	}
	if (c->pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* The daemon blocks signals it handles through the loop. */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 ||
		    dup2(err[1], STDERR_FILENO) < 0)
			_exit(OVS_EXEC_FAILED);
		fcntl(STDOUT_FILENO, F_SETFL, 0);
		fcntl(STDERR_FILENO, F_SETFL, 0);
		execvp(argv[0], argv);
		_exit(OVS_EXEC_FAILED);
	}

	strv_free(argv);
	safe_close(out[1]);
	safe_close(err[1]);

	r = output_open(&c->out, out, event);
	if (r < 0) {
		safe_close(err[0]);
		return r;
	}
	r = output_open(&c->err, err, event);
	if (r < 0)
		return r;

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
	free(c->out.buf);
	free(c->err.buf);
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
