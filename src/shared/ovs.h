/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Open vSwitch through ovs-vsctl, as libvirt drives it, but never blocking
 * the loop: each command is a child process (argv, no shell) watched by
 * sd-event, its output collected through pipes, bounded by --timeout and by
 * a timer of our own that kills a child which hangs anyway.
 *
 * The argv builders are pure functions, so what we ask of OVS is tested
 * without it.
 */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"

#define OVS_VSCTL_DEFAULT "ovs-vsctl"
#define OVS_TIMEOUT_SEC_DEFAULT 5
/* How long OVN may take to install a port's flows before the port's owner
 * hears of it: ovn-controller does it in well under a second once it sees
 * the port. */
#define OVS_OVN_READY_SEC_DEFAULT 30
/* external-ids:arca-owner on every port we make, to find ours after a crash. */
#define OVS_OWNER_KEY "arca-owner"
#define OVS_OWNER_VALUE "arca-relayd"

typedef struct OvsContext {
	const char *vsctl;      /* NULL: OVS_VSCTL_DEFAULT from $PATH */
	const char *db;         /* NULL: ovs-vsctl's own default */
	unsigned timeout_sec;   /* 0: OVS_TIMEOUT_SEC_DEFAULT */
	unsigned ovn_ready_sec; /* 0: OVS_OVN_READY_SEC_DEFAULT */
} OvsContext;

typedef struct OvsPort {
	const char *bridge;
	const char *name;
	uint32_t vlan;          /* 0: untagged */
	const char *mac;        /* the container's, for external-ids:attached-mac; NULL: none */
	uint32_t mtu;           /* 0: leave */
	const char *iface_id;
	const char *network_id; /* NULL: none */
	const char *container_id;
} OvsPort;

/* NULL-terminated argv, free with strv_free(); NULL on out of memory. */
char **ovs_argv_add_port(const OvsContext *ctx, const OvsPort *port);
char **ovs_argv_del_port(const OvsContext *ctx, const char *bridge, const char *name);
char **ovs_argv_br_exists(const OvsContext *ctx, const char *bridge);
char **ovs_argv_list_owned(const OvsContext *ctx);
/* external-ids:ovn-remote and ovn-encap-ip of the switch, a line each
 * (quoted), empty where not set: no remote, no OVN. */
char **ovs_argv_get_ovn_config(const OvsContext *ctx);
/* Returns once ovn-controller has installed the flows of the port's
 * logical port (it sets external-ids:ovn-installed), or after timeout_sec. */
char **ovs_argv_wait_ovn_installed(const OvsContext *ctx, const char *name, unsigned timeout_sec);

typedef struct OvsCommand OvsCommand;

/*
 * status: the exit status (0 success; br-exists says 2 for "no such
 * bridge"), or a negative errno: why the program could not be run
 * (-ENOENT when there is no such program, -EACCES, ...), -ETIMEDOUT when it
 * had to be killed, -EINTR when something else killed it. out and err hold
 * what it printed (NUL-terminated, trailing newlines removed); they belong
 * to the command, so free it only when done with them (it may be freed in
 * the handler).
 */
typedef void (*OvsHandler)(OvsCommand *c, int status, const char *out, const char *err,
                           void *userdata);

/* Runs argv[0] (looked up in $PATH) with argv; takes argv. SIGCHLD must be
 * blocked, as daemon_event_new() does, for sd-event to watch the child. */
int ovs_command_run(OvsCommand **ret, sd_event *event, char **argv, unsigned timeout_sec,
                    OvsHandler handler, void *userdata);

/* Runs argv to its end on a loop of its own, for when no loop runs yet or
 * any more (start-up, shutdown); takes argv. Returns the status as the
 * handler would get it; *ret_err (may be NULL) gets what it printed on
 * stderr, *ret_out (may be NULL) on stdout; free both. */
int ovs_command_run_sync(char **argv, unsigned timeout_sec, char **ret_out, char **ret_err);

/* Kills a command still running; its handler is not called. */
OvsCommand *ovs_command_free(OvsCommand *c);
DEFINE_POINTER_CLEANUP(OvsCommand, ovs_command_free);
