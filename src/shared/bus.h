/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What both daemons need from D-Bus around their objects' vtables
 * (object.h):
 *
 * - BusServer serves the daemon's objects either on the system bus under
 *   a well-known name, or peer-to-peer on a unix socket (--bus=PATH) for
 *   VMs without dbus-daemon; the daemon's setup function registers its
 *   vtables on each connection, so both modes see the same objects.
 * - bus_verify_root(): mutating methods are for root, checked here and not
 *   only in the bus policy.
 * - bus_method_capture(): the Capture method of networks and relays.
 * - The org.arca.Error.* names.
 */

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "capture.h"
#include "macro.h"

#define BUS_ERROR_INVALID_ARGUMENT "org.arca.Error.InvalidArgument"
#define BUS_ERROR_UNKNOWN_OPTION "org.arca.Error.UnknownOption"
#define BUS_ERROR_ACCESS_DENIED "org.arca.Error.AccessDenied"
#define BUS_ERROR_ALREADY_ATTACHED "org.arca.Error.AlreadyAttached"
#define BUS_ERROR_NO_SUCH_NETWORK "org.arca.Error.NoSuchNetwork"
#define BUS_ERROR_PORT_IN_USE "org.arca.Error.PortInUse"
#define BUS_ERROR_DEVICE_FAILED "org.arca.Error.DeviceFailed"
#define BUS_ERROR_ALREADY_STARTED "org.arca.Error.AlreadyStarted"
#define BUS_ERROR_NO_SUCH_RELAY "org.arca.Error.NoSuchRelay"
#define BUS_ERROR_NO_SUCH_BRIDGE "org.arca.Error.NoSuchBridge"
#define BUS_ERROR_OVS_FAILED "org.arca.Error.OvsFailed"
#define BUS_ERROR_CAPTURE_RUNNING "org.arca.Error.CaptureRunning"

typedef struct BusServer BusServer;

/* Registers the daemon's objects on one connection. */
typedef int (*BusSetup)(sd_bus *bus, void *userdata);

/*
 * p2p_fd >= 0: serve each connection to that listening socket (socket
 * activation) peer-to-peer; it is taken over. Else p2p_path: listen there
 * and do the same. Else connect to the system bus, register, own `name`.
 */
int bus_server_new(BusServer **ret, sd_event *event, const char *name,
                   const char *p2p_path, int p2p_fd, BusSetup setup, void *userdata);
BusServer *bus_server_free(BusServer *s);
DEFINE_POINTER_CLEANUP(BusServer, bus_server_free);

/* Signals go to every connection: the bus, or each peer. */
void bus_server_emit_properties_changed_strv(BusServer *s, const char *path,
                                             const char *interface, char **names);
#define bus_server_emit_properties_changed(s, path, interface, ...) \
	bus_server_emit_properties_changed_strv(s, path, interface, (char *[]) { __VA_ARGS__, NULL })
void bus_server_emit_object_added(BusServer *s, const char *path);
void bus_server_emit_object_removed(BusServer *s, const char *path);

/* 0 if the caller is root; otherwise sets AccessDenied and returns < 0. */
int bus_verify_root(sd_bus_message *m, const char *action, sd_bus_error *error);

/*
 * Capture(a{sv} options) -> h of a network or relay, `name` in messages:
 * for root only; reads MaxFrames, MaxBytes and SnapLength, makes a pipe and
 * a Capture into its write end, stores it in *slot and replies with the
 * read end. One capture at a time: *slot must be NULL. The slot is what the
 * owner's links read (LinkConfig.capture); when the capture ends, it is
 * freed and the slot emptied. The owner frees what is in the slot when it
 * goes itself.
 */
int bus_method_capture(sd_bus_message *m, sd_event *event, const char *name, Capture **slot,
                       sd_bus_error *error);

void strv_free(char **l);
size_t strv_length(char *const *l);
