// SPDX-License-Identifier: GPL-2.0
/*
 * Teredo packets as a client sees them: addresses (RFC 4380 section 4,
 * RFC 5991 flags), router solicitations and the checks of the router
 * advertisements that answer them (RFC 4380 5.2.1, as Miredo does them).
 */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <linux/teredo.h>

#include "proto.h"

#define AUTH_HDR_LEN	13	/* 00 01 ID-len AU-len nonce(8) conf(1) */
#define ORIGIN_LEN	8	/* 00 00 port(2) ip(4), obfuscated */
#define IP6_HDR_LEN	40
#define RA_LEN		16	/* ICMPv6 RA without its options */
#define ICMP6_RS_LEN	8
#define ND_OPT_PI_LEN	32	/* bytes of the options we read */
#define ND_OPT_MTU_LEN	8

const struct in6_addr teredo_ll_restricted = { { {
	0xfe, 0x80, 0, 0, 0, 0, 0, 0,
	0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
} } };

const struct in6_addr teredo_ll_cone = { { {
	0xfe, 0x80, 0, 0, 0, 0, 0, 0,
	0x80, 0x00, 'T', 'E', 'R', 'E', 'D', 'O',
} } };

static const struct in6_addr all_routers = { { {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
} } };

static const uint8_t teredo_prefix[4] = { 0x20, 0x01, 0x00, 0x00 };
static const uint8_t teredo_old_prefix[4] = { 0x3f, 0xfe, 0x83, 0x1f };

bool teredo_is_teredo(const struct in6_addr *a)
{
	return !memcmp(a->s6_addr, teredo_prefix, sizeof(teredo_prefix));
}

/* The 64-bit tail shared by Teredo and Teredo link-local addresses. */
static void teredo_put_iid(uint8_t *p, uint16_t flags, uint32_t ip,
			   uint16_t port)
{
	uint16_t f = htons(flags), x16 = port ^ 0xffff;
	uint32_t x32 = ip ^ 0xffffffff;

	memcpy(p, &f, 2);
	memcpy(p + 2, &x16, 2);
	memcpy(p + 4, &x32, 4);
}

void teredo_addr_build(struct in6_addr *a, const struct teredo_addr_parts *p)
{
	memcpy(a->s6_addr, teredo_prefix, 4);
	memcpy(a->s6_addr + 4, &p->server, 4);
	teredo_put_iid(a->s6_addr + 8, p->flags, p->ip, p->port);
}

void teredo_addr_split(const struct in6_addr *a, struct teredo_addr_parts *p)
{
	uint16_t f;

	memcpy(&p->server, a->s6_addr + 4, 4);
	memcpy(&f, a->s6_addr + 8, 2);
	memcpy(&p->port, a->s6_addr + 10, 2);
	memcpy(&p->ip, a->s6_addr + 12, 4);
	p->flags = ntohs(f);
	p->port ^= 0xffff;
	p->ip ^= 0xffffffff;
}

uint16_t teredo_flags_random(uint16_t random)
{
	return random & TEREDO_RANDOM_MASK;
}

void teredo_server_ll(struct in6_addr *a, uint32_t server)
{
	memset(a->s6_addr, 0, 8);
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	teredo_put_iid(a->s6_addr + 8, TEREDO_FLAG_CONE, server,
		       htons(TEREDO_PORT));
}

/* One's complement sum of big-endian 16-bit words (odd tail zero-padded). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t teredo_icmp6_csum(const struct in6_addr *src,
			   const struct in6_addr *dst, const uint8_t *msg,
			   size_t len)
{
	uint32_t sum;

	sum = csum_add(0, src->s6_addr, 16);
	sum = csum_add(sum, dst->s6_addr, 16);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	sum += IPPROTO_ICMPV6;
	sum = csum_add(sum, msg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t teredo_rs_build(uint8_t *buf, const uint8_t nonce[TEREDO_NONCE_LEN],
		       bool cone)
{
	const struct in6_addr *src = cone ? &teredo_ll_cone :
					    &teredo_ll_restricted;
	uint8_t *ip6 = buf + AUTH_HDR_LEN;
	uint8_t *rs = ip6 + IP6_HDR_LEN;
	uint16_t cs;

	memset(buf, 0, TEREDO_RS_LEN);
	buf[1] = 1;				/* auth, ID-len AU-len 0 */
	memcpy(buf + 4, nonce, TEREDO_NONCE_LEN);
	ip6[0] = 0x60;
	ip6[5] = ICMP6_RS_LEN;			/* payload length */
	ip6[6] = IPPROTO_ICMPV6;
	ip6[7] = 255;				/* hop limit */
	memcpy(ip6 + 8, src, 16);
	memcpy(ip6 + 24, &all_routers, 16);
	rs[0] = ND_ROUTER_SOLICIT;
	cs = teredo_icmp6_csum(src, &all_routers, rs, ICMP6_RS_LEN);
	rs[2] = cs >> 8;
	rs[3] = cs & 0xff;
	return TEREDO_RS_LEN;
}

/*
 * Router advertisement checks. Each step reads from @p, @len bytes left,
 * and returns the offset of what follows or -1 with the reason in *why.
 */
static long ra_auth(const uint8_t *p, size_t len,
		    const uint8_t nonce[TEREDO_NONCE_LEN], const char **why)
{
	size_t n;

	if (len < 2) {
		*why = "truncated";
		return -1;
	}
	if (p[0] != 0 || p[1] != 1) {
		*why = "no authentication header";
		return -1;
	}
	if (len < 4) {
		*why = "truncated";
		return -1;
	}
	n = 4 + (size_t)p[2] + p[3];		/* client id, auth value */
	if (len < n + TEREDO_NONCE_LEN + 1) {
		*why = "truncated";
		return -1;
	}
	if (memcmp(p + n, nonce, TEREDO_NONCE_LEN)) {
		*why = "nonce mismatch";
		return -1;
	}
	if (p[n + TEREDO_NONCE_LEN]) {
		*why = "confirmation byte set";
		return -1;
	}
	return (long)(n + TEREDO_NONCE_LEN + 1);
}

static long ra_origin(const uint8_t *p, size_t len, struct teredo_ra *ra,
		      const char **why)
{
	if (len < 2) {
		*why = "truncated";
		return -1;
	}
	if (p[0] != 0 || p[1] != 0) {
		*why = "no origin indication";
		return -1;
	}
	if (len < ORIGIN_LEN) {
		*why = "truncated";
		return -1;
	}
	memcpy(&ra->mapped_port, p + 2, 2);
	memcpy(&ra->mapped_ip, p + 4, 4);
	ra->mapped_port ^= 0xffff;
	ra->mapped_ip ^= 0xffffffff;
	return ORIGIN_LEN;
}

/* The IPv6 header; *plen gets the payload length (trailers ignored). */
static long ra_ipv6(const uint8_t *p, size_t len, size_t *plen,
		    struct teredo_ra *ra, const char **why)
{
	if (len < 1) {
		*why = "truncated";
		return -1;
	}
	if (p[0] >> 4 != 6) {
		*why = "not IPv6";
		return -1;
	}
	if (len < IP6_HDR_LEN) {
		*why = "truncated";
		return -1;
	}
	*plen = (size_t)p[4] << 8 | p[5];
	if (*plen > len - IP6_HDR_LEN) {
		*why = "truncated";
		return -1;
	}
	if (p[6] != IPPROTO_ICMPV6) {
		*why = "not ICMPv6";
		return -1;
	}
	if (!memcmp(p + 24, &teredo_ll_cone, 16)) {
		ra->cone = true;
	} else if (memcmp(p + 24, &teredo_ll_restricted, 16)) {
		*why = "wrong destination";
		return -1;
	}
	return IP6_HDR_LEN;
}

/* Prefix Information: /64 under the Teredo prefix; the server follows. */
static int ra_prefix(const uint8_t *opt, size_t optlen, struct teredo_ra *ra,
		     const char **why)
{
	const uint8_t *prefix = opt + 16;

	if (optlen != ND_OPT_PI_LEN) {
		*why = "bad prefix option";
		return -1;
	}
	if (opt[2] != 64) {
		*why = "prefix length not 64";
		return -1;
	}
	if (memcmp(prefix, teredo_prefix, 4) &&
	    memcmp(prefix, teredo_old_prefix, 4)) {
		*why = "prefix not 2001:0::/32";
		return -1;
	}
	memcpy(&ra->server, prefix + 4, 4);
	return 0;
}

static int ra_mtu(const uint8_t *opt, size_t optlen, struct teredo_ra *ra,
		  const char **why)
{
	uint32_t mtu;

	if (optlen != ND_OPT_MTU_LEN) {
		*why = "bad MTU option";
		return -1;
	}
	memcpy(&mtu, opt + 4, 4);
	mtu = ntohl(mtu);
	if (!teredo_mtu_valid(mtu)) {
		*why = "bad MTU option";
		return -1;
	}
	ra->mtu = mtu;
	return 0;
}

/* The ND options of the RA: exactly one prefix, an optional MTU. */
static int ra_options(const uint8_t *p, size_t len, struct teredo_ra *ra,
		      const char **why)
{
	unsigned int prefixes = 0;
	size_t optlen;

	while (len) {
		if (len < 2) {
			*why = "option past the end";
			return -1;
		}
		optlen = (size_t)p[1] * 8;
		if (!optlen) {
			*why = "zero-length option";
			return -1;
		}
		if (optlen > len) {
			*why = "option past the end";
			return -1;
		}
		if (p[0] == ND_OPT_PREFIX_INFORMATION) {
			if (++prefixes > 1) {
				*why = "2 prefix options";
				return -1;
			}
			if (ra_prefix(p, optlen, ra, why))
				return -1;
		} else if (p[0] == ND_OPT_MTU && ra_mtu(p, optlen, ra, why)) {
			return -1;
		}
		p += optlen;
		len -= optlen;
	}
	if (!prefixes) {
		*why = "no prefix option";
		return -1;
	}
	return 0;
}

static int ra_icmp(const uint8_t *p, size_t len, struct teredo_ra *ra,
		   const char **why)
{
	if (len < RA_LEN) {
		*why = "truncated";
		return -1;
	}
	if (p[0] != ND_ROUTER_ADVERT || p[1] != 0) {
		*why = "not a router advertisement";
		return -1;
	}
	return ra_options(p + RA_LEN, len - RA_LEN, ra, why);
}

int teredo_ra_parse(const uint8_t *buf, size_t len, uint16_t src_port,
		    const uint8_t nonce[TEREDO_NONCE_LEN],
		    struct teredo_ra *ra, const char **why)
{
	size_t off = 0, plen;
	long n;

	memset(ra, 0, sizeof(*ra));
	if (src_port != htons(TEREDO_PORT)) {
		*why = "not from port 3544";
		return -1;
	}
	n = ra_auth(buf, len, nonce, why);
	if (n < 0)
		return -1;
	off += (size_t)n;
	n = ra_origin(buf + off, len - off, ra, why);
	if (n < 0)
		return -1;
	off += (size_t)n;
	n = ra_ipv6(buf + off, len - off, &plen, ra, why);
	if (n < 0)
		return -1;
	off += (size_t)n;
	/* bytes after the IPv6 packet (RFC 6081 trailers) are ignored */
	return ra_icmp(buf + off, plen, ra, why);
}
