/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * An AF_PACKET socket bound to one interface: the device side of a relay
 * link. One read returns one frame the interface received, one write
 * sends one frame out of it; our own writes are not read back
 * (PACKET_IGNORE_OUTGOING), so nothing loops.
 */

/* Returns the non-blocking socket, or a negative errno. */
int packet_open(int ifindex);
