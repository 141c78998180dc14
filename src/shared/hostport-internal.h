/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Between hostport.c and hostport-bus.c, for them alone. */

#include <sys/types.h>

#include "capture.h"
#include "dialer.h"
#include "handover.h"
#include "hostport.h"

struct HostPort {
	sd_event *event;
	char *name;
	char *fd_name;
	HostPortSettings *settings;
	bool have_mac;
	struct ether_addr mac;
	LinkSide container_side;
	Listener *listener;
	Dialer *dialer;                 /* instead of the listener, with Connect */
	Device *device;
	bool closing;                   /* device_close() under way */
	bool device_was_open;           /* when it began */

	HostPortState state;
	int conn_fd;
	Peer peer;
	Link *link;
	Capture *capture;               /* arcactl capture, across hosts; while no
	                                 * host is there, it waits for one */
	/* Across hosts, and restarts through the fd store. */
	PortCounters counters;
	/* What the last daemon's link left unfinished on the host's stream,
	 * for this host's link to go on with. */
	LinkUnfinished unfinished;
	ino_t unfinished_inode;         /* on this connection */
	struct nl_sock *nl;             /* for device_kernel_drops() */
	char *last_error;

	/* What the fd store holds for us: whether, and which fd. */
	bool conn_kept, dev_kept;
	int conn_kept_fd, dev_kept_fd;

	sd_event_source *changed_source;
	void (*changed)(HostPort *p, void *userdata);
	void (*stopped)(HostPort *p, void *userdata);
	void *userdata;
};

/* All the kernel lost, of this device and of those gone before, per
 * direction. */
void host_port_kernel_drops(HostPort *p, uint64_t *ret_to_host, uint64_t *ret_from_host);
