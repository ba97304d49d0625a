/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Teredo addresses (RFC 4380 section 4, RFC 5991):
 * 2001:0000:SSSS:SSSS:FFFF:PPPP:CCCC:CCCC with S the server IPv4, F the
 * flags, P the mapped port and C the mapped IPv4, both bit-inverted.
 */
#ifndef _TEREDO_ADDR_H
#define _TEREDO_ADDR_H

#include <linux/in.h>
#include <linux/in6.h>
#include <net/ipv6.h>

#define TEREDO_PREFIX		htonl(0x20010000)
#define TEREDO_FLAG_CONE	0x8000

static inline bool teredo_addr_is_teredo(const struct in6_addr *a)
{
	return a->s6_addr32[0] == TEREDO_PREFIX;
}

static inline __be32 teredo_addr_server(const struct in6_addr *a)
{
	return a->s6_addr32[1];
}

static inline __be32 teredo_addr_ip(const struct in6_addr *a)
{
	return ~a->s6_addr32[3];
}

static inline __be16 teredo_addr_port(const struct in6_addr *a)
{
	return ~a->s6_addr16[5];
}

/* The checks of RFC 4380 section 5.2.4 before sending to an IPv4 address
 * taken from an IPv6 address: not "this network", loopback, private,
 * link-local, the 6to4 anycast prefix, multicast, reserved or broadcast.
 * "This network" is all of 0.0.0.0/8: ipv4_is_zeronet() is 0.0.0.0 alone
 * from Linux 5.3 on.
 */
/* 100.64.0.0/10, shared address space (RFC 6598): a carrier-grade NAT's
 * inside.
 */
static inline bool teredo_ipv4_is_shared(__be32 a)
{
	return (a & htonl(0xffc00000)) == htonl(0x64400000);
}

static inline bool teredo_ipv4_is_global(__be32 a)
{
	return !(!(a & htonl(0xff000000)) || ipv4_is_loopback(a) ||
		 ipv4_is_private_10(a) || ipv4_is_private_172(a) ||
		 ipv4_is_private_192(a) || ipv4_is_linklocal_169(a) ||
		 (a & htonl(0xffffff00)) == htonl(0xc0586300) ||
		 ipv4_is_multicast(a) || ipv4_is_lbcast(a) ||
		 (a & htonl(0xf0000000)) == htonl(0xf0000000));
}

#endif /* _TEREDO_ADDR_H */
