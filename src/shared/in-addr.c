/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conffile.h"
#include "in-addr.h"

unsigned in_addr_prefix_max(int family) {
	return family == AF_INET ? IN_ADDR_PREFIX_MAX_IPV4 : IN_ADDR_PREFIX_MAX_IPV6;
}

const char *in_addr_family_name(int family) {
	return family == AF_INET ? "IPv4" : "IPv6";
}

int in_addr_prefix_parse(const char *text, InAddrPrefix *ret) {
	char address[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t) (slash - text) : strlen(text);
	InAddrPrefix p = {};
	uint32_t prefix_len = 0;

	if (len == 0 || len >= sizeof(address))
		return -EINVAL;
	memcpy(address, text, len);
	address[len] = '\0';
	if (inet_pton(AF_INET, address, &p.address) == 1)
		p.family = AF_INET;
	else if (inet_pton(AF_INET6, address, &p.address) == 1)
		p.family = AF_INET6;
	else
		return -EINVAL;
	if (slash && (conf_parse_u32(slash + 1, &prefix_len) < 0 || prefix_len == 0 ||
	              prefix_len > in_addr_prefix_max(p.family)))
		return -EINVAL;
	p.prefix_len = prefix_len;
	*ret = p;
	return 0;
}

void in_addr_format(const InAddrPrefix *p, char buf[static INET6_ADDRSTRLEN]) {
	if (!inet_ntop(p->family, &p->address, buf, INET6_ADDRSTRLEN))
		buf[0] = '\0';
}

void in_addr_prefix_format(const InAddrPrefix *p, char buf[static IN_ADDR_PREFIX_STRING_MAX]) {
	char address[INET6_ADDRSTRLEN];

	in_addr_format(p, address);
	if (p->prefix_len > 0)
		snprintf(buf, IN_ADDR_PREFIX_STRING_MAX, "%s/%u", address, p->prefix_len);
	else
		snprintf(buf, IN_ADDR_PREFIX_STRING_MAX, "%s", address);
}

static size_t family_bytes(int family) {
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

bool in_addr_equal(const InAddrPrefix *a, const InAddrPrefix *b) {
	return a->family == b->family && memcmp(&a->address, &b->address, family_bytes(a->family)) == 0;
}

bool in_addr_prefix_covers(const InAddrPrefix *p, const InAddrPrefix *a) {
	const uint8_t *x = (const uint8_t *) &p->address, *y = (const uint8_t *) &a->address;

	if (p->family != a->family)
		return false;
	for (unsigned bit = 0; bit < p->prefix_len; bit++)
		if ((x[bit / 8] ^ y[bit / 8]) & (0x80U >> (bit % 8)))
			return false;
	return true;
}
