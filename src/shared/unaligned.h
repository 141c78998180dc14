/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Integers of a given byte order at any address in a frame or a header,
 * where a cast would read misaligned memory: network order (big-endian)
 * for the length32 header and IP/TCP, little-endian for virtio.
 */

#include <stdint.h>

static inline uint16_t unaligned_read_be16(const uint8_t *p) {
	return (uint16_t) (p[0] << 8 | p[1]);
}

static inline uint32_t unaligned_read_be32(const uint8_t *p) {
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static inline uint16_t unaligned_read_le16(const uint8_t *p) {
	return (uint16_t) (p[0] | p[1] << 8);
}

static inline void unaligned_write_be16(uint8_t *p, uint16_t v) {
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

static inline void unaligned_write_be32(uint8_t *p, uint32_t v) {
	unaligned_write_be16(p, (uint16_t) (v >> 16));
	unaligned_write_be16(p + 2, (uint16_t) v);
}

static inline void unaligned_write_le16(uint8_t *p, uint16_t v) {
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
}
