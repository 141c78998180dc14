/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "checksum.h"
#include "unaligned.h"
#include "vnet.h"

void vnet_header_parse(const uint8_t raw[static VNET_HDR_BYTES], VnetHeader *ret) {
	*ret = (VnetHeader) {
		.flags = raw[0],
		.gso_type = raw[1],
		.hdr_len = unaligned_read_le16(raw + 2),
		.gso_size = unaligned_read_le16(raw + 4),
		.csum_start = unaligned_read_le16(raw + 6),
		.csum_offset = unaligned_read_le16(raw + 8),
	};
}

void vnet_header_write(const VnetHeader *h, uint8_t raw[static VNET_HDR_BYTES]) {
	raw[0] = h->flags;
	raw[1] = h->gso_type;
	unaligned_write_le16(raw + 2, h->hdr_len);
	unaligned_write_le16(raw + 4, h->gso_size);
	unaligned_write_le16(raw + 6, h->csum_start);
	unaligned_write_le16(raw + 8, h->csum_offset);
}

int vnet_complete_checksum(const VnetHeader *h, uint8_t *frame, size_t len) {
	size_t start = h->csum_start, field = (size_t) h->csum_start + h->csum_offset;
	uint16_t sum;

	if (!(h->flags & VNET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start >= len || field + 2 > len)
		return -EINVAL;

	/* The field holds the pseudo-header's sum already: it is summed too. */
	sum = (uint16_t) ~checksum_fold(checksum_add(0, frame + start, len - start));
	/* 0xffff is zero too, and UDP reads a zero as "no checksum". */
	if (sum == 0)
		sum = 0xffff;
	memcpy(frame + field, &sum, sizeof(sum));
	return 0;
}
