/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * IP addresses with a prefix length, as a device carries them
 * ("10.88.0.2/16", "fd00::2/64"): parsed, written and compared in one
 * place, so the settings' rule and the device's configuration agree on
 * what an address and its network are. A gateway is such an address
 * without a prefix (prefix_len 0).
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>

union in_addr_union {
	struct in_addr in;
	struct in6_addr in6;
};

typedef struct InAddrPrefix {
	int family;                     /* AF_INET or AF_INET6 */
	union in_addr_union address;
	unsigned prefix_len;            /* 0: none given */
} InAddrPrefix;

/* "fd00:1234::abcd/128" and the NUL, with room for any unsigned. */
#define IN_ADDR_PREFIX_STRING_MAX (INET6_ADDRSTRLEN + 12)
#define IN_ADDR_PREFIX_MAX_IPV4 32U
#define IN_ADDR_PREFIX_MAX_IPV6 128U

/* An IPv4 or IPv6 address, with "/PREFIX" after it or without: -EINVAL
 * for anything else, a prefix of 0 or beyond the family's bits too. */
int in_addr_prefix_parse(const char *text, InAddrPrefix *ret);

/* Its normal form: "fd00::2/64", or without "/PREFIX" while it is 0. */
void in_addr_prefix_format(const InAddrPrefix *p, char buf[static IN_ADDR_PREFIX_STRING_MAX]);

/* The address alone, without its prefix. */
void in_addr_format(const InAddrPrefix *p, char buf[static INET6_ADDRSTRLEN]);

unsigned in_addr_prefix_max(int family);

/* "IPv4" or "IPv6", for messages. */
const char *in_addr_family_name(int family);

/* The same address, whatever the prefixes. */
bool in_addr_equal(const InAddrPrefix *a, const InAddrPrefix *b);

/* Whether a lies on the network of p (its address and prefix length). */
bool in_addr_prefix_covers(const InAddrPrefix *p, const InAddrPrefix *a);
