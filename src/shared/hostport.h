/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A host port: where the host connects to a network or relay, and what
 * happens between the host and the object's device. One per object, the
 * same in both daemons:
 *
 *   listening --host admitted--> connecting --device open--> connected
 *       ^                                                       |
 *       |                         host gone, or device failed   v
 *       +------- device closed ----------------------- disconnecting
 *
 * Ready: connected, and the device ready too; a device may take longer
 * than its open (an OVS port waits for OVN to install its flows).
 *
 * stopping: the object goes; the device is closed, then the owner told.
 * failed: a device that lives with its object (a TAP) broke: nothing
 * more is forwarded and nobody is admitted.
 *
 * Admission: a host must be in AllowedPeers (vsock) or root or our own
 * user (unix), and one host at a time: a second is refused and counted,
 * unless the first has hung up and its end is only still unread, when the
 * first is let go. A host that comes while the device is still being
 * closed waits for that, then gets the device opened again.
 *
 * While a host is there, a Link forwards between its connection and the
 * device with the one configuration both daemons share: the framing, the
 * MTU filter both ways, LockMAC on the frames from the container's side,
 * the rate limit both ways and the capture. Counters continue across
 * hosts.
 *
 * A host that listens instead is dialed (Connect=, dialer.h): no listener
 * then, and where a listening port waits for its host, a dialing one
 * connects, or waits to try again (states dialing and waiting); a host
 * that goes is dialed again. Its connection is a host as any other.
 *
 * The listener, the host's connection and the device's fd are kept in the
 * service manager's fd store while they exist ("listen-NAME",
 * "conn-NAME", "dev-NAME"), so that a restarted daemon adopts them and
 * the host never notices.
 */

#include <stdbool.h>
#include <stdint.h>
#include <net/ethernet.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "device.h"
#include "field.h"
#include "link.h"
#include "listener.h"
#include "stream.h"

/* The settings of a host port, the part of its object's settings that
 * host_port_fields describes. */
typedef struct HostPortSettings {
	int framing;                    /* Framing; -1: not given */
	char *listen;                   /* Listen; once listening, where */
	int listen_fd;                  /* ListenFD */
	char *connect;                  /* Connect: dial the host there instead */
	uint64_t rate_limit;            /* RateLimit: bytes per second each way; 0: none */
	int lock_mac;                   /* LockMAC; -1: not given */
	PeerAllowlist allowed_peers;    /* AllowedPeers; none: the host */
	uint32_t tx_queue_length;       /* TxQueueLength, frames; 0: not given */
} HostPortSettings;

/* Frames the device may queue for whoever reads it (txqueuelen): room for
 * the bursts of a TCP window while the reader catches up. */
#define HOST_PORT_TX_QUEUE_LENGTH_DEFAULT 10000U

extern const Field host_port_fields[];

/*
 * Checks the settings and fills in what was not given: length32 framing,
 * listening on vsock::vsock_port (unless it connects), LockMAC where the
 * container's MAC is known. On a bad combination sets an InvalidArgument
 * error.
 */
int host_port_settings_complete(HostPortSettings *s, uint32_t vsock_port, bool have_mac,
                                sd_bus_error *error);

typedef enum HostPortState {
	HOST_PORT_LISTENING,
	HOST_PORT_CONNECTING,
	HOST_PORT_CONNECTED,
	HOST_PORT_DISCONNECTING,
	HOST_PORT_STOPPING,
	HOST_PORT_FAILED,
	/* Where a port that connects (Connect=) has no host: a connect under
	 * way, or the last failed and the next is due later. */
	HOST_PORT_DIALING,
	HOST_PORT_WAITING,
	_HOST_PORT_STATE_MAX,
} HostPortState;

const char *host_port_state_to_string(HostPortState s);
HostPortState host_port_state_from_string(const char *s);

typedef struct HostPort HostPort;

typedef struct HostPortConfig {
	const char *name;               /* in messages: "eth0", "relay 5001" */
	const char *fd_name;            /* in fd store names: "eth0", "5001" */
	/* Completed settings, borrowed for the port's life; listen_fd is
	 * taken and listen becomes where it listens. */
	HostPortSettings *settings;
	const char *mac;                /* the container's, or NULL */
	struct nl_sock *nl;             /* for the device's kernel counters */
	/* Where the container's frames come from, for LockMAC: the device
	 * (a TAP in its VM) or the stream (the host relays them). */
	LinkSide container_side;
	/* Called once after anything of the port's properties changed (see
	 * host_port_changed_properties), from the loop. */
	void (*changed)(HostPort *p, void *userdata);
	/* host_port_stop() is done; the port may be freed. */
	void (*stopped)(HostPort *p, void *userdata);
	void *userdata;
} HostPortConfig;

/* What a restarted daemon got back from the fd store, -1 where nothing:
 * the host's connection, the number the device's fd had when it was
 * handed to the device's provider (who took it, or found it no good and
 * closed it), and the last daemon's handover (handover.h). */
typedef struct HostPortAdopt {
	int conn_fd;
	int dev_fd;
	int handover_fd;
} HostPortAdopt;

/*
 * Starts listening (or dialing) and takes the device. With an adopted connection,
 * forwarding resumes as soon as the device is open; an adopted device
 * without a host is closed, unless it lives with the object. On failure
 * (the address is in use, ListenFD is no listener) error says why and
 * nothing is left; device and conn_fd are consumed either way.
 */
int host_port_new(HostPort **ret, sd_event *event, const HostPortConfig *config, Device *device,
                  const HostPortAdopt *adopt, sd_bus_error *error);

/* The settings that may change while the port runs (RateLimit) changed:
 * the link under way follows at once, as later ones will. */
void host_port_settings_changed(HostPort *p);

/* The object goes: stops listening, lets the host go, closes the device,
 * then calls config.stopped. */
void host_port_stop(HostPort *p);

/* For a daemon's shutdown. With a service manager to keep the fds, frees
 * the port without a word to it, for the next daemon to adopt; without
 * one, also undoes what closing the fds does not (an OVS port). */
void host_port_shutdown(HostPort *p, bool restarting);

/* Frees at once; the fd store keeps what it has. */
HostPort *host_port_free(HostPort *p);
DEFINE_POINTER_CLEANUP(HostPort, host_port_free);

HostPortState host_port_get_state(const HostPort *p);
bool host_port_has_host(const HostPort *p);
/* Connected, and the device ready: frames reach the container's network. */
bool host_port_is_ready(const HostPort *p);
const LinkStats *host_port_get_stats(const HostPort *p);
uint64_t host_port_get_refused(const HostPort *p);
const char *host_port_get_name(const HostPort *p);

/* State, Ready, Peer, PeerCID, LastError, Connections, Refused, the
 * counters and Capture: the bus face every object has the same; userdata a HostPort. */
extern const sd_bus_vtable host_port_vtable[];
/* Those of them that signal their changes. */
extern char *const host_port_changed_properties[];
