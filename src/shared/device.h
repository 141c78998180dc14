/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A device: the side of a host port (hostport.h) where frames leave for
 * the container or its network. The host port opens it when a host is
 * admitted and closes it when the host is gone; what opening and closing
 * mean is the provider's:
 *
 *   - a TAP device (device-tap.h) is made with the network and lives as
 *     long as it does: opening turns its carrier on, closing off;
 *   - an Open vSwitch internal port (device-ovs.h) or a Linux bridge port
 *     (device-bridge.h) exists only while a host does: opening makes it,
 *     closing deletes it.
 *
 * Both are asynchronous: the provider reports the end of each through
 * device_done(), right away or from the event loop later. An open that
 * fails says why (Device.error) and leaves the device closed, or closable.
 */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

struct nl_sock;

typedef struct Device Device;

/* An open or close finished: error 0 or a negative errno. */
typedef void (*DeviceDone)(Device *d, int error, void *userdata);

/* The device's fd in the service manager's fd store is "dev-OBJECT". */
#define DEVICE_FD_PREFIX "dev"

typedef struct DeviceOps {
	/* Made with its object and kept while it lives, not only while a
	 * host is there. */
	bool persistent;
	/* Makes the device ready to forward: fd, vnet_hdr and mtu set. A
	 * device that has its fd already (a restarted daemon adopted it)
	 * needs no more than what the host's arrival changes. */
	void (*open)(Device *d);
	/* Lets go of it. broken: its fd failed, the device may be gone; a
	 * persistent device then reports the error, for good. */
	void (*close)(Device *d, bool broken);
	/* The process ends with no loop to wait on and nobody to keep the
	 * fds: undoes now what closing the fd does not. */
	void (*shutdown)(Device *d);
	void (*free)(Device *d);
} DeviceOps;

struct Device {
	const DeviceOps *ops;
	int fd;                 /* -1 while closed */
	bool vnet_hdr;          /* fd reads and writes a virtio_net_hdr */
	/* fd may hand out GSO frames (TSO on), of TSO_SEGMENTS_MAX segments
	 * at most: a link to a length32 stream cuts them. */
	bool gso;
	uint32_t mtu;           /* for the link's length filter; 0: unknown */
	int ifindex;
	char *error;            /* why the last open or close failed */
	/* For messages, set by the provider: what it is, short ("port
	 * arca5001 on br-int"), and more about it, or NULL ("Open vSwitch,
	 * VLAN 100"). */
	char *what;
	char *details;
	bool busy;              /* an open or close is under way */
	/* Open is not yet ready: frames may not reach the network until the
	 * provider says ready (OVN installing the port's flows). A provider
	 * that never sets waits_for_ready is ready while open. */
	bool waits_for_ready;
	bool ready;

	DeviceDone done;
	void *userdata;
	/* Told when ready changes, and of a problem while open (error). */
	void (*ready_changed)(Device *d, void *userdata);
	void (*problem)(Device *d, void *userdata);
	void *owner;
};

/* For providers: the common part, the first member of theirs. */
void device_init(Device *d, const DeviceOps *ops);
/* For providers: the device became ready, or no longer is. */
void device_set_ready(Device *d, bool ready);
/* For providers: something went wrong while the device is open, which is
 * no open or close failing (readiness that never comes). */
void device_report(Device *d, const char *format, ...) _printf_(2, 3);
/* Whether frames through the open device reach the network. */
bool device_is_ready(const Device *d);

/* Sets what and details from formats; -ENOMEM if out of memory. */
int device_describe(Device *d, const char *what, const char *details_format, ...) _printf_(3, 4);
/* The MTU for the length filter: the configured one, else the device's. */
void device_set_mtu(Device *d, struct nl_sock *nl, uint32_t configured);
/* Reports the end of an open or close; the handler may free the device,
 * so return right after. */
void device_done(Device *d, int error);
/* The same for a failure, with what went wrong for Device.error and the
 * log. */
void device_fail(Device *d, int error, const char *format, ...) _printf_(3, 4);

void device_open(Device *d, DeviceDone done, void *userdata);
void device_close(Device *d, bool broken, DeviceDone done, void *userdata);
void device_shutdown(Device *d);
Device *device_free(Device *d);
DEFINE_POINTER_CLEANUP(Device, device_free);
