/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "device-ovs.h"
#include "log.h"
#include "netdev.h"
#include "packet.h"

/* How long an internal port may take to show up as a device. */
#define OVS_PORT_APPEAR_USEC (10 * USEC_PER_SEC)
/* What Geneve adds to a frame on the underlay: outer Ethernet, IPv4, UDP,
 * Geneve header and OVN's option. */
#define OVS_GENEVE_OVERHEAD_BYTES 58U

typedef struct OvsDevice OvsDevice;
struct OvsDevice {
	Device device;
	sd_event *event;
	struct nl_sock *nl;
	const OvsContext *ovs;
	OvsPort port;
	OvsCommand *command;    /* add-port or del-port under way */
	OvsCommand *ready_check; /* is OVN there; has it installed the flows */
	NetdevWatch *watch;     /* waiting for the port's device */
	bool made;              /* the port exists and is ours to delete */
	OvsDevice *next;
};

/* Every port this process has or is making, for the sweep. */
static OvsDevice *ovs_devices;

static unsigned ovs_timeout(const OvsContext *ovs) {
	return ovs->timeout_sec ?: OVS_TIMEOUT_SEC_DEFAULT;
}

static unsigned ovn_ready_timeout(const OvsContext *ovs) {
	return ovs->ovn_ready_sec ?: OVS_OVN_READY_SEC_DEFAULT;
}

static void ovs_device_wait_installed(OvsDevice *o);

static void on_ovn_installed(OvsCommand *c, int status, const char *out, const char *err, void *userdata) {
	OvsDevice *o = userdata;
	_cleanup_(ovs_command_freep) _unused_ OvsCommand *done = TAKE_PTR(o->ready_check);
	const char *iface_id = o->port.iface_id ?: o->port.name;

	if (status == 0)
		return device_set_ready(&o->device, true);
	/* Out of time (ovs-vsctl dies of its own --timeout alarm, or our
	 * timer kills it): said, and waited for on, since OVN may come late. */
	if (status == -ETIMEDOUT || status == -EINTR) {
		device_report(&o->device, "OVN has not installed the flows of port %s within %u s: is "
		              "ovn-controller running, and is %s a port of a logical switch? Still waiting.",
		              o->port.name, ovn_ready_timeout(o->ovs), iface_id);
		return ovs_device_wait_installed(o);
	}
	device_report(&o->device, "Failed to wait for OVN to install the flows of port %s: %s", o->port.name,
	              status < 0 ? strerror(-status) : (err[0] ? err : "ovs-vsctl failed"));
}

static void ovs_device_wait_installed(OvsDevice *o) {
	unsigned timeout = ovn_ready_timeout(o->ovs);
	int r;

	r = ovs_command_run(&o->ready_check, o->event, ovs_argv_wait_ovn_installed(o->ovs, o->port.name, timeout),
	                    timeout, on_ovn_installed, o);
	if (r < 0)
		device_report(&o->device, "Failed to run ovs-vsctl to wait for OVN: %s", strerror(-r));
}

/* One line of ovs-vsctl's output, without its quotes; *text moves on. */
static char *next_value(char **text, char buf[static 256]) {
	size_t len = strcspn(*text, "\n");
	char *v = buf;

	snprintf(buf, 256, "%.*s", (int) len, *text);
	*text += len + ((*text)[len] == '\n');
	if (v[0] == '"') {
		v++;
		v[strcspn(v, "\"")] = '\0';
	}
	return v;
}

/* Geneve wraps each frame in 58 bytes: the port's frames must fit the
 * underlay's MTU with them, or the big ones are lost on the way. */
static void check_geneve_mtu(OvsDevice *o, const char *encap_ip) {
	union in_addr_union a;
	int family = AF_INET, ifindex, underlay;

	if (inet_pton(AF_INET, encap_ip, &a) != 1) {
		family = AF_INET6;
		if (inet_pton(AF_INET6, encap_ip, &a) != 1)
			return;
	}
	ifindex = netdev_find_address(o->nl, family, &a);
	underlay = ifindex < 0 ? ifindex : netdev_get_mtu(o->nl, ifindex);
	if (underlay <= 0 || o->device.mtu == 0 || o->device.mtu + OVS_GENEVE_OVERHEAD_BYTES <= (uint32_t) underlay)
		return;
	log_warning("Port %s: MTU %u and Geneve's %u bytes do not fit the underlay's MTU %d at %s.", o->port.name,
	            o->device.mtu, OVS_GENEVE_OVERHEAD_BYTES, underlay, encap_ip);
	device_report(&o->device, "The MTU of port %s, %u, with Geneve's %u bytes does not fit the MTU %d of the "
	              "underlay at %s (ovn-encap-ip): frames above %u bytes are lost. Start the relay with "
	              "MTU=%u, or raise the underlay's MTU to %u.", o->port.name, o->device.mtu,
	              OVS_GENEVE_OVERHEAD_BYTES, underlay, encap_ip, underlay - OVS_GENEVE_OVERHEAD_BYTES,
	              underlay - OVS_GENEVE_OVERHEAD_BYTES, o->device.mtu + OVS_GENEVE_OVERHEAD_BYTES);
}

static void on_ovn_config(OvsCommand *c, int status, const char *out, const char *err, void *userdata) {
	OvsDevice *o = userdata;
	_cleanup_(ovs_command_freep) _unused_ OvsCommand *done = TAKE_PTR(o->ready_check);
	char remote[256], encap[256], *text = (char *) out;
	const char *encap_ip;

	/* No OVN on this switch: the port is ready as it is up. */
	if (status != 0 || next_value(&text, remote)[0] == '\0')
		return device_set_ready(&o->device, true);
	encap_ip = next_value(&text, encap);
	if (encap_ip[0] != '\0')
		check_geneve_mtu(o, encap_ip);
	ovs_device_wait_installed(o);
}

/* Ready once OVN, where the switch has it, has installed the port's
 * flows: before that, what the host sends would go nowhere. */
static void ovs_device_wait_ready(OvsDevice *o) {
	int r;

	o->device.waits_for_ready = true;
	o->device.ready = false;
	r = ovs_command_run(&o->ready_check, o->event, ovs_argv_get_ovn_config(o->ovs), ovs_timeout(o->ovs),
	                    on_ovn_config, o);
	if (r < 0)
		o->device.waits_for_ready = false;
}

static void on_port_device(NetdevWatch *w, int ifindex, void *userdata) {
	OvsDevice *o = userdata;
	Device *d = &o->device;
	int r, fd;

	o->watch = netdev_watch_free(o->watch);
	if (ifindex < 0)
		return device_fail(d, ifindex, "Port %s was added but no such device appeared within %u s.",
		                   o->port.name, (unsigned) (OVS_PORT_APPEAR_USEC / USEC_PER_SEC));
	d->ifindex = ifindex;

	/* The port carries the container's frames, not ours. */
	r = netdev_set_ipv6_link_local(o->nl, ifindex, false);
	if (r >= 0)
		r = netdev_configure(o->nl, ifindex, NULL, 0, true);
	/* Always with the header: with length32 on the wire, the link
	 * completes the checksums local senders leave undone. */
	fd = r < 0 ? r : packet_open(ifindex, true);
	if (fd < 0)
		return device_fail(d, fd, "Failed to open port %s: %s", o->port.name, strerror(-fd));
	d->fd = fd;
	/* GSO frames come whole where Open vSwitch has userspace TSO on
	 * (other_config:userspace-tso-enable); the link cuts them. */
	d->vnet_hdr = d->gso = true;
	device_set_mtu(d, o->nl, o->port.mtu);
	ovs_device_wait_ready(o);
	device_done(d, 0);
}

static void on_add_port(OvsCommand *c, int status, const char *out, const char *err, void *userdata) {
	OvsDevice *o = userdata;
	Device *d = &o->device;
	/* Freed on return: out and err live in it. */
	_cleanup_(ovs_command_freep) _unused_ OvsCommand *done = TAKE_PTR(o->command);
	int r;

	if (status == -ENOENT)
		return device_fail(d, status, "Cannot run ovs-vsctl (%s): is Open vSwitch installed?",
		                   o->ovs->vsctl ?: OVS_VSCTL_DEFAULT);
	if (status == -ETIMEDOUT)
		return device_fail(d, status, "ovs-vsctl timed out adding port %s to %s: is ovs-vswitchd running?",
		                   o->port.name, o->port.bridge);
	if (status != 0)
		return device_fail(d, -EIO, "ovs-vsctl failed to add port %s to %s: %s", o->port.name,
		                   o->port.bridge, err[0] ? err : "no output");
	o->made = true;

	r = netdev_watch_new(&o->watch, o->event, o->port.name, OVS_PORT_APPEAR_USEC, on_port_device, o);
	if (r < 0)
		device_fail(d, r, "Failed to watch for port %s: %s", o->port.name, strerror(-r));
}

static void ovs_device_open(Device *d) {
	OvsDevice *o = (OvsDevice *) d;
	int r;

	if (d->fd >= 0) {
		/* Adopted: OVN may have installed its flows long ago, and says so
		 * at once. */
		if (!o->ready_check && !d->ready)
			ovs_device_wait_ready(o);
		return device_done(d, 0);
	}
	r = ovs_command_run(&o->command, o->event, ovs_argv_add_port(o->ovs, &o->port), ovs_timeout(o->ovs),
	                    on_add_port, o);
	if (r < 0)
		device_fail(d, r, "Failed to run ovs-vsctl: %s", strerror(-r));
}

static void on_del_port(OvsCommand *c, int status, const char *out, const char *err, void *userdata) {
	OvsDevice *o = userdata;
	_cleanup_(ovs_command_freep) _unused_ OvsCommand *done = TAKE_PTR(o->command);

	/* Left behind if it failed; the next start-up's sweep deletes it. */
	o->made = false;
	if (status != 0)
		return device_fail(&o->device, status < 0 ? status : -EIO, "Failed to delete port %s from %s (%s): %s",
		                   o->port.name, o->port.bridge, status < 0 ? strerror(-status) : "ovs-vsctl failed",
		                   err[0] ? err : "no output");
	device_done(&o->device, 0);
}

static void ovs_device_close(Device *d, bool broken) {
	OvsDevice *o = (OvsDevice *) d;
	int r;

	d->fd = safe_close(d->fd);
	o->watch = netdev_watch_free(o->watch);
	o->ready_check = ovs_command_free(o->ready_check);
	device_set_ready(d, false);
	if (o->command) {
		/* An add-port cut short may have gone through: delete to be sure. */
		o->command = ovs_command_free(o->command);
		o->made = true;
	}
	if (!o->made)
		return device_done(d, 0);

	r = ovs_command_run(&o->command, o->event, ovs_argv_del_port(o->ovs, o->port.bridge, o->port.name),
	                    ovs_timeout(o->ovs), on_del_port, o);
	if (r < 0)
		device_fail(d, r, "Failed to run ovs-vsctl to delete port %s: %s", o->port.name, strerror(-r));
}

static void ovs_device_shutdown(Device *d) {
	OvsDevice *o = (OvsDevice *) d;
	_cleanup_free_ char *err = NULL;
	int status;

	if (!o->made && !o->command)
		return;
	o->command = ovs_command_free(o->command);
	status = ovs_command_run_sync(ovs_argv_del_port(o->ovs, o->port.bridge, o->port.name), ovs_timeout(o->ovs),
	                              NULL, &err);
	if (status == 0)
		log_info("Port %s deleted on shutdown.", o->port.name);
	else
		log_warning("Failed to delete port %s on shutdown: %s", o->port.name,
		            err && err[0] ? err : "ovs-vsctl failed");
	o->made = false;
}

static void ovs_device_free(Device *d) {
	OvsDevice *o = (OvsDevice *) d;

	for (OvsDevice **i = &ovs_devices; *i; i = &(*i)->next)
		if (*i == o) {
			*i = o->next;
			break;
		}
	ovs_command_free(o->command);
	ovs_command_free(o->ready_check);
	netdev_watch_free(o->watch);
	sd_event_unref(o->event);
	free(o);
}

static const DeviceOps ovs_device_ops = {
	.open = ovs_device_open,
	.close = ovs_device_close,
	.shutdown = ovs_device_shutdown,
	.free = ovs_device_free,
};

int device_ovs_new(Device **ret, sd_event *event, struct nl_sock *nl, const OvsContext *ovs,
                   const OvsPort *port, int adopt_fd) {
	_cleanup_close_ int fd = adopt_fd;
	_cleanup_free_ char *what = NULL;
	OvsDevice *o;

	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	device_init(&o->device, &ovs_device_ops);
	o->event = sd_event_ref(event);
	o->nl = nl;
	o->ovs = ovs;
	o->port = *port;
	o->next = ovs_devices;
	ovs_devices = o;
	if (asprintf(&what, "port %s on %s", port->name, port->bridge) < 0 ||
	    device_describe(&o->device, what, "Open vSwitch, VLAN %u%s%s", port->vlan,
	                    port->iface_id ? ", iface-id " : "", port->iface_id ?: "") < 0) {
		device_free(&o->device);
		return -ENOMEM;
	}

	if (fd >= 0) {
		int ifindex = netdev_get_ifindex(nl, port->name);

		/* A port that went while nobody watched is not taken. */
		if (ifindex >= 0) {
			o->device.fd = TAKE_FD(fd);
			o->device.ifindex = ifindex;
			o->device.vnet_hdr = o->device.gso = true;
			device_set_mtu(&o->device, nl, port->mtu);
			o->made = true;
		}
	}
	*ret = &o->device;
	return 0;
}

static bool ovs_port_owned(const char *name) {
	for (OvsDevice *o = ovs_devices; o; o = o->next)
		if ((o->made || o->command) && strcmp(o->port.name, name) == 0)
			return true;
	return false;
}

void device_ovs_sweep(const OvsContext *ovs) {
	_cleanup_free_ char *out = NULL, *err = NULL;
	int status;

	status = ovs_command_run_sync(ovs_argv_list_owned(ovs), ovs_timeout(ovs), &out, &err);
	if (status != 0) {
		/* No OVS here (a bridge-only helper VM) is no reason to fail. */
		log_info("Not looking for stale OVS ports: %s",
		         status == -ENOENT ? "ovs-vsctl not found" : (err && err[0] ? err : "ovs-vsctl failed"));
		return;
	}

	for (char *save = NULL, *name = strtok_r(out, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *derr = NULL;

		if (!name[0] || ovs_port_owned(name))
			continue;
		status = ovs_command_run_sync(ovs_argv_del_port(ovs, NULL, name), ovs_timeout(ovs), NULL, &derr);
		if (status == 0)
			log_notice("Deleted stale port %s left by an earlier arca-relayd.", name);
		else
			log_warning("Failed to delete stale port %s: %s", name, derr && derr[0] ? derr : "ovs-vsctl failed");
	}
}

struct OvsBridgeCheck {
	OvsCommand *command;
	const OvsContext *ovs;
	char *bridge;
	OvsBridgeChecked done;
	void *userdata;
};

static void on_bridge_checked(OvsCommand *command, int status, const char *out, const char *err, void *userdata) {
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	OvsBridgeCheck *c = userdata;
	const char *bridge = c->bridge;

	if (status == 2)
		(void) sd_bus_error_setf(&error, BUS_ERROR_NO_SUCH_BRIDGE,
		                         "Bridge '%s' does not exist in Open vSwitch; it must exist "
		                         "before relays use it (ovs-vsctl add-br %s).", bridge, bridge);
	else if (status == -ENOENT)
		(void) sd_bus_error_setf(&error, BUS_ERROR_OVS_FAILED,
		                         "Cannot run %s: install Open vSwitch, or start the relay "
		                         "with Backend=bridge.", c->ovs->vsctl ?: OVS_VSCTL_DEFAULT);
	else if (status == -ETIMEDOUT)
		(void) sd_bus_error_setf(&error, BUS_ERROR_OVS_FAILED, "ovs-vsctl timed out: is ovsdb-server running?");
	else if (status != 0) {
		log_error("ovs-vsctl br-exists %s failed: %s", bridge, err);
		(void) sd_bus_error_setf(&error, BUS_ERROR_OVS_FAILED, "ovs-vsctl failed checking bridge '%s': %s",
		                         bridge, err[0] ? err : "no output");
	}
	/* May free c, and with it the command, out and err: last. */
	c->done(c, status == 0 ? NULL : &error, c->userdata);
}

int ovs_bridge_check_new(OvsBridgeCheck **ret, sd_event *event, const OvsContext *ovs,
                         const char *bridge, OvsBridgeChecked done, void *userdata) {
	OvsBridgeCheck *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (OvsBridgeCheck) { .ovs = ovs, .bridge = strdup(bridge), .done = done, .userdata = userdata };
	if (!c->bridge) {
		free(c);
		return -ENOMEM;
	}
	r = ovs_command_run(&c->command, event, ovs_argv_br_exists(ovs, bridge), ovs_timeout(ovs),
	                    on_bridge_checked, c);
	if (r < 0) {
		ovs_bridge_check_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

OvsBridgeCheck *ovs_bridge_check_free(OvsBridgeCheck *c) {
	if (!c)
		return NULL;
	ovs_command_free(c->command);
	free(c->bridge);
	free(c);
	return NULL;
}
