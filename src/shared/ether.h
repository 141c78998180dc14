/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Ethernet (MAC) addresses as users write them: 02:42:ac:12:00:02. */

#include <net/ethernet.h>
#include <stdbool.h>

#define ETHER_ADDR_STRING_MAX 18U

/* How much longer than its MTU a frame may be: the Ethernet header and one
 * VLAN tag. */
#define ETHER_MTU_OVERHEAD (ETH_HLEN + 4U)

/* Accepts six colon-separated hex octets. -EINVAL for anything else, and
 * for multicast (the group bit) and all-zero addresses, which no interface
 * may own. */
int ether_addr_parse(const char *s, struct ether_addr *ret);
void ether_addr_format(const struct ether_addr *a, char buf[static ETHER_ADDR_STRING_MAX]);

/* A random unicast, locally administered address. */
int ether_addr_random(struct ether_addr *ret);

bool ether_addr_is_null(const struct ether_addr *a);
