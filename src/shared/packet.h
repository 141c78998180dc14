/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * An AF_PACKET socket bound to one interface: the device side of a relay
 * link. One read returns one frame the interface received, one write
 * sends one frame out of it; our own writes are not read back
 * (PACKET_IGNORE_OUTGOING), so nothing loops.
 */

#include <stdbool.h>

/* Returns the non-blocking socket, or a negative errno. With vnet_hdr,
 * every read and write starts with a virtio_net_hdr (PACKET_VNET_HDR), so
 * checksum-offloaded and GSO frames pass whole. */
int packet_open(int ifindex, bool vnet_hdr);
