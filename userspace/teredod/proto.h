/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Teredo packets as a client sees them (RFC 4380 sections 4, 5.1, 5.2;
 * RFC 5991): addresses, router solicitations, router advertisements.
 * Pure functions, unit-tested by test_proto.
 */
#ifndef TEREDOD_PROTO_H
#define TEREDOD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/teredo.h>

#define TEREDO_NONCE_LEN	8
#define TEREDO_RS_LEN		61	/* auth (13) + IPv6 (40) + RS (8) */
#define TEREDO_FLAG_CONE	0x8000
#define TEREDO_FLAG_UPNP	0x0200	/* RFC 6081: mapped with UPnP */
#define TEREDO_RANDOM_MASK	0x3cff	/* RFC 5991: the 12 random bits */

/* fe80::ffff:ffff:ffff, and fe80::8000:5445:5245:444f with the cone bit */
extern const struct in6_addr teredo_ll_restricted;
extern const struct in6_addr teredo_ll_cone;

/* The parts of a Teredo address; ip and port are the real (mapped) ones,
 * all in network order.
 */
struct teredo_addr_parts {
	uint32_t server;
	uint16_t flags;		/* host order */
	uint32_t ip;
	uint16_t port;
};

bool teredo_is_teredo(const struct in6_addr *a);	/* 2001:0::/32 */
void teredo_addr_build(struct in6_addr *a, const struct teredo_addr_parts *p);
void teredo_addr_split(const struct in6_addr *a, struct teredo_addr_parts *p);

/* RFC 5991 flags: cone 0, the 12 random bits from @random. */
uint16_t teredo_flags_random(uint16_t random);

/*
 * A router solicitation (UDP payload, TEREDO_RS_LEN bytes into @buf):
 * authentication header with @nonce, IPv6 from the link-local address with
 * or without the cone bit to ff02::2, ICMPv6 RS with its checksum.
 */
size_t teredo_rs_build(uint8_t *buf, const uint8_t nonce[TEREDO_NONCE_LEN],
		       bool cone);

/* What a valid router advertisement tells. */
struct teredo_ra {
	uint32_t server;	/* from the prefix, network order */
	uint32_t mapped_ip;	/* from the origin indication, network order */
	uint16_t mapped_port;	/* network order */
	unsigned int mtu;	/* MTU option, or 0 */
	bool cone;		/* destination was the cone link-local */
};

/*
 * Check a UDP payload received from a server at @src_port (network order)
 * as the answer to the solicitation with @nonce (RFC 4380 5.2.1, Miredo's
 * rules): source port 3544, authentication header with the nonce and a
 * zero confirmation byte, origin indication, IPv6 to one of our link-local
 * addresses, ICMPv6 RA code 0, exactly one prefix option of length 64
 * under 2001:0::/32 (3ffe:831f::/32 accepted too), MTU option within
 * 1280..65535. Returns 0 and fills @ra, or -1 with the reason in @why
 * ("nonce mismatch", "2 prefix options", ...).
 */
int teredo_ra_parse(const uint8_t *buf, size_t len, uint16_t src_port,
		    const uint8_t nonce[TEREDO_NONCE_LEN],
		    struct teredo_ra *ra, const char **why);

/* Link-local address of a server (cone bit, port 3544, its IPv4):
 * fe80::8000:<~3544>:<~server>, the source of its RAs.
 */
void teredo_server_ll(struct in6_addr *a, uint32_t server);

/*
 * ICMPv6 checksum (RFC 4443 2.3) of @len bytes at @msg from @src to @dst:
 * the value to store when the checksum field is zero, 0 when @msg carries
 * a correct one.
 */
uint16_t teredo_icmp6_csum(const struct in6_addr *src,
			   const struct in6_addr *dst, const uint8_t *msg,
			   size_t len);

/* The MTU a Teredo node may advertise or use (RFC 4380 5.1.1: IPv6's
 * minimum, up to the largest IPv6 packet), and what a device takes: a
 * UDP payload over IPv4 (65535 - 28).
 */
#define TEREDO_PROTO_MAX_MTU	65535
#define TEREDO_DEV_MAX_MTU	65507
static inline bool teredo_mtu_valid(unsigned long mtu)
{
	return mtu >= TEREDO_MIN_MTU && mtu <= TEREDO_PROTO_MAX_MTU;
}

#endif /* TEREDOD_PROTO_H */
