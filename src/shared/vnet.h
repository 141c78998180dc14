/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The virtio net header (struct virtio_net_hdr, little-endian) that TAP
 * devices with IFF_VNET_HDR and AF_PACKET sockets with PACKET_VNET_HDR put
 * before each frame, and what it takes to send such a frame where no
 * header goes: a checksum the sender left to the hardware is filled in.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define VNET_HDR_F_NEEDS_CSUM 1U
#define VNET_HDR_GSO_NONE 0U
#define VNET_HDR_GSO_TCPV4 1U
#define VNET_HDR_GSO_TCPV6 4U

typedef struct VnetHeader {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
} VnetHeader;

void vnet_header_parse(const uint8_t raw[static VNET_HDR_BYTES], VnetHeader *ret);
void vnet_header_write(const VnetHeader *h, uint8_t raw[static VNET_HDR_BYTES]);

/* Completes the checksum the header says the frame still needs: the
 * Internet checksum of frame[csum_start..len), stored at csum_start +
 * csum_offset. -EINVAL when those point outside the frame. */
int vnet_complete_checksum(const VnetHeader *h, uint8_t *frame, size_t len);
