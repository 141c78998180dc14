/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "vnet.h"

static uint16_t le16(const uint8_t *p) {
	return (uint16_t) (p[0] | p[1] << 8);
}

void vnet_header_parse(const uint8_t raw[static VNET_HDR_BYTES], VnetHeader *ret) {
	*ret = (VnetHeader) {
		.flags = raw[0],
		.gso_type = raw[1],
		.hdr_len = le16(raw + 2),
		.gso_size = le16(raw + 4),
		.csum_start = le16(raw + 6),
		.csum_offset = le16(raw + 8),
	};
}

int vnet_complete_checksum(const VnetHeader *h, uint8_t *frame, size_t len) {
	size_t start = h->csum_start, field = (size_t) h->csum_start + h->csum_offset;
	uint32_t sum = 0;

	if (!(h->flags & VNET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start >= len || field + 2 > len)
		return -EINVAL;

	/* The field holds the pseudo-header's sum already: it is summed too. */
	for (size_t i = start; i + 1 < len; i += 2)
		sum += (uint32_t) (frame[i] << 8 | frame[i + 1]);
	if ((len - start) % 2)
		sum += (uint32_t) frame[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	/* 0xffff is zero too, and UDP reads a zero as "no checksum". */
	if (sum == 0)
		sum = 0xffff;

	frame[field] = (uint8_t) (sum >> 8);
	frame[field + 1] = (uint8_t) sum;
	return 0;
}
