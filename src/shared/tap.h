/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A TAP device: the device side of a forwarder link. The device is not
 * persistent, so it lives exactly as long as its fd (wherever that fd is:
 * in the daemon, or in its fd store across a restart), and a crash can
 * never leave it behind.
 */

#include <stdbool.h>

/* What goes with each frame read from or written to a TAP device. */
typedef enum TapVnet {
	TAP_VNET_NONE,          /* the frame alone */
	/* A virtio_net_hdr (little-endian, VNET_HDR_BYTES) before each frame.
	 * Frames written may be GSO frames of up to 64 KiB or leave their
	 * checksum to the device; frames read are whole, checksums done. */
	TAP_VNET_HDR,
	/* Likewise, and the device hands out such frames too (TUNSETOFFLOAD:
	 * checksum, TSO4/6): for a peer that takes them, Framing=vnet. */
	TAP_VNET_OFFLOAD,
} TapVnet;

/* Creates the TAP device `name` (IFF_TAP | IFF_NO_PI) and returns its fd,
 * non-blocking. -EEXIST if a device of that name exists already: we never
 * take over a device we did not make. */
int tap_open(const char *name, TapVnet vnet);

/* 1 if the TAP device of fd reads and writes a virtio_net_hdr, 0 if not:
 * for a device adopted from an earlier daemon, which may have made it
 * otherwise. */
int tap_has_vnet_hdr(int fd);

/* Carrier on while a host is connected, so the container sees link down
 * otherwise. */
int tap_set_carrier(int fd, bool on);
