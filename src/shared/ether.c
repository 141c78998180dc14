/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "ether.h"

static int hex_digit(char c) {
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char) tolower((unsigned char) c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ether_addr_parse(const char *s, struct ether_addr *ret) {
	struct ether_addr a;

	if (!s || strlen(s) != ETHER_ADDR_STRING_MAX - 1)
		return -EINVAL;

	for (unsigned i = 0; i < ETH_ALEN; i++) {
		const char *p = s + i * 3;
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);

		if (hi < 0 || lo < 0 || (i < ETH_ALEN - 1 && p[2] != ':'))
			return -EINVAL;
		a.ether_addr_octet[i] = (uint8_t) (hi << 4 | lo);
	}

	if ((a.ether_addr_octet[0] & 0x01) || ether_addr_is_null(&a))
		return -EINVAL;

	*ret = a;
	return 0;
}

void ether_addr_format(const struct ether_addr *a, char buf[static ETHER_ADDR_STRING_MAX]) {
	const uint8_t *o = a->ether_addr_octet;

	snprintf(buf, ETHER_ADDR_STRING_MAX, "%02x:%02x:%02x:%02x:%02x:%02x",
	         o[0], o[1], o[2], o[3], o[4], o[5]);
}

int ether_addr_random(struct ether_addr *ret) {
	if (getrandom(ret->ether_addr_octet, ETH_ALEN, 0) != ETH_ALEN)
		return -errno;
	ret->ether_addr_octet[0] &= 0xfe;       /* unicast */
	ret->ether_addr_octet[0] |= 0x02;       /* locally administered */
	return 0;
}

bool ether_addr_is_null(const struct ether_addr *a) {
	static const struct ether_addr zero;

	return memcmp(a, &zero, sizeof(zero)) == 0;
}
