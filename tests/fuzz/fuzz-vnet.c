/* SPDX-License-Identifier: Apache-2.0 */

/*
 * The virtio net header and the checksum it asks for, from what a device
 * hands over: the input is a 10-byte header and the frame behind it, then
 * a byte saying where to split the frame for a second, piecewise sum.
 *
 * - Writing a parsed header gives back the same 10 bytes.
 * - vnet_complete_checksum() refuses exactly the offsets outside the frame,
 *   changes no byte but the checksum field, and leaves a checksum that
 *   holds: the field held the pseudo-header's sum, which the region now
 *   sums to the complement of (for a field at an even offset from the
 *   start, as one must be to mean anything).
 * - checksum_add() over any even split sums as over the whole, and agrees
 *   with reference.c's word-by-word sum.
 */

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "reference.h"
#include "vnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_header_round_trip(const uint8_t raw[static VNET_HDR_BYTES], VnetHeader *ret) {
	uint8_t again[VNET_HDR_BYTES];

	vnet_header_parse(raw, ret);
	vnet_header_write(ret, again);
	assert(memcmp(raw, again, VNET_HDR_BYTES) == 0);
}

static void check_completion(const VnetHeader *h, const uint8_t *frame, size_t len) {
	size_t start = h->csum_start, field = start + h->csum_offset;
	uint8_t *copy = malloc(len + 1);
	int r;

	assert(copy);
	memcpy(copy, frame, len);
	r = vnet_complete_checksum(h, copy, len);

	if (!(h->flags & VNET_HDR_F_NEEDS_CSUM) || start >= len || field + 2 > len) {
		assert(r == ((h->flags & VNET_HDR_F_NEEDS_CSUM) ? -EINVAL : 0));
		assert(memcmp(copy, frame, len) == 0);
		free(copy);
		return;
	}
	assert(r == 0);
	assert(memcmp(copy, frame, field) == 0);
	assert(memcmp(copy + field + 2, frame + field + 2, len - field - 2) == 0);
	/* Never the zero that means "no checksum" to UDP. */
	assert(copy[field] != 0 || copy[field + 1] != 0);
	if (h->csum_offset % 2 == 0)
		assert(ref_sum((uint32_t) (frame[field] << 8 | frame[field + 1]), copy + start, len - start) == 0xffff);
	free(copy);
}

static void check_sums(const uint8_t *p, size_t len, size_t split) {
	uint16_t whole = checksum_fold(checksum_add(0, p, len));
	uint16_t ref = ref_sum(0, p, len);
	uint8_t stored[2];

	split &= ~(size_t) 1;
	if (split <= len)
		assert(checksum_fold(checksum_add(checksum_add(0, p, split), p + split, len - split)) == whole);
	/* The host's order, stored as it is, gives the frame's bytes. */
	memcpy(stored, &whole, sizeof(stored));
	assert((uint16_t) (stored[0] << 8 | stored[1]) == ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	VnetHeader h;
	size_t split;

	if (size < VNET_HDR_BYTES + 1)
		return 0;
	split = data[0];
	data++, size--;

	check_header_round_trip(data, &h);
	check_completion(&h, data + VNET_HDR_BYTES, size - VNET_HDR_BYTES);
	check_sums(data + VNET_HDR_BYTES, size - VNET_HDR_BYTES, split);
	return 0;
}
