/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The Internet checksum (RFC 1071), summed in the host's byte order: a one's
 * complement sum does not depend on it, so what checksum_fold() returns can
 * be stored into a frame as it is, with memcpy, and a region that holds a
 * valid checksum sums to 0xffff either way.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Adds len bytes at data to sum. An odd len pads with a zero byte, so only
 * the last region summed may have an odd length. */
uint64_t checksum_add(uint64_t sum, const void *data, size_t len);

/* The 16-bit one's complement sum, not inverted. */
uint16_t checksum_fold(uint64_t sum);

/* The sum of TCP's pseudo-header, for a TCP segment of tcp_len bytes in
 * the IPv4 or IPv6 packet whose header is at ip (the addresses are read
 * from it). */
uint64_t checksum_tcp_pseudo_header(const uint8_t *ip, bool ipv6, size_t tcp_len);
