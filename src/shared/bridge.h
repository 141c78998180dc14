/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A port of a Linux bridge, the device side of a relay with Backend=bridge,
 * made through rtnetlink (libnl-route), never the `ip` command.
 *
 * The port is a TAP device enslaved to the bridge, and the relay reads and
 * writes frames on the TAP's fd. The TAP is not persistent: it lives
 * exactly as long as that fd, so closing the fd deletes the port, and a
 * daemon that dies, even by SIGKILL, leaves no port behind. Unlike OVS
 * ports these need no sweep at start-up. (A veth pair would outlive us, and
 * need an AF_PACKET socket on its other end for the same frames.)
 *
 * The port keeps the MAC the kernel gave it and has no IPv6 link-local
 * address: the frames on it are the container's, from the container's
 * MAC, and a bridge drops frames that come in carrying its own port's
 * address as source; the host's stack has nothing to say on the port.
 */

#include <stdbool.h>
#include <stdint.h>

#include "tap.h"

struct nl_sock;

/*
 * Makes the TAP device `port` (MTU mtu, or the kernel's default for 0), a
 * port of `bridge`, up, and returns its fd: non-blocking, one read or write
 * is one frame (after a virtio_net_hdr unless vnet is TAP_VNET_NONE, see
 * tap_open()). With TAP_VNET_OFFLOAD its GSO frames stand for at most
 * TSO_SEGMENTS_MAX segments.
 * *ret_ifindex (may be NULL) gets the port's ifindex.
 *
 * -ENODEV when there is no device `bridge`, -ENOTDIR when it is not a
 * Linux bridge, -EEXIST when a device called `port` exists already (it is
 * never taken over). On any error nothing is left behind.
 */
int bridge_port_open(struct nl_sock *sk, const char *bridge, const char *port, uint32_t mtu,
                     TapVnet vnet, int *ret_ifindex);
