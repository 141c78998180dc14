/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A TAP device: the device side of a forwarder link. The device is not
 * persistent, so it lives exactly as long as its fd (wherever that fd is:
 * in the daemon, or in its fd store across a restart), and a crash can
 * never leave it behind.
 */

#include <stdbool.h>

/* Creates the TAP device `name` (IFF_TAP | IFF_NO_PI) and returns its fd,
 * non-blocking. -EEXIST if a device of that name exists already: we never
 * take over a device we did not make.
 *
 * With vnet_hdr, every read and write starts with a virtio_net_hdr
 * (little-endian, VNET_HDR_BYTES) and the device takes and hands out
 * checksum-offloaded and TSO frames of up to 64 KiB (TUNSETOFFLOAD). */
int tap_open(const char *name, bool vnet_hdr);

/* Carrier on while a host is connected, so the container sees link down
 * otherwise. */
int tap_set_carrier(int fd, bool on);
