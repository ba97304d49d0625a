// SPDX-License-Identifier: GPL-2.0
/*
 * teredod server: what to do with one datagram (RFC 4380 section 5.3.1,
 * and Miredo's server). Pure: no I/O; the caller sends what srv_process()
 * puts in its srv_tx.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conf.h"
#include "proto.h"
#include "server.h"

#define IPV6_HLEN	40
#define NH_ICMPV6	58
#define NH_NONE		59
#define ICMP_RS		133
#define ICMP_RA		134

const char *const srv_stat_names[SRV_STAT_MAX] = {
	[SRV_RX_PRIMARY]		= "rx_primary",
	[SRV_RX_SECONDARY]		= "rx_secondary",
	[SRV_TX_ERRORS]			= "tx_errors",
	[SRV_RX_ERRORS]			= "rx_errors",
	[SRV_TX_RA]			= "tx_ra",
	[SRV_TX_RA_OTHER]		= "tx_ra_other_address",
	[SRV_TX_CLIENT]			= "tx_relay_client",
	[SRV_TX_TEREDO]			= "tx_relay_teredo",
	[SRV_TX_NATIVE]			= "tx_native",
	[SRV_DROP_MALFORMED]		= "drop_malformed",
	[SRV_DROP_TOO_BIG]		= "drop_too_big",
	[SRV_DROP_NOT_ALLOWED]		= "drop_not_bubble_or_icmp",
	[SRV_DROP_SRC_NOT_GLOBAL]	= "drop_src_not_global",
	[SRV_DROP_BAD_SOURCE]		= "drop_bad_source",
	[SRV_DROP_LOOP]			= "drop_loop",
	[SRV_DROP_BAD_RS]		= "drop_bad_rs",
	[SRV_DROP_LOCAL]		= "drop_local_not_rs",
	[SRV_DROP_DST_SCOPE]		= "drop_dst_not_global6",
	[SRV_DROP_ICMP_SIZE]		= "drop_icmp_too_big",
	[SRV_DROP_HOP_LIMIT]		= "drop_hop_limit",
	[SRV_DROP_DST_NOT_GLOBAL]	= "drop_dst_not_global4",
	[SRV_DROP_DST_OWN]		= "drop_dst_own_address",
	[SRV_DROP_NO_NATIVE]		= "drop_no_native",
	[SRV_DROP_RATE_SRC]		= "drop_rate_source",
	[SRV_DROP_RATE_DST]		= "drop_rate_destination",
	[SRV_DROP_RATE_TOTAL]		= "drop_rate_total",
};

static const uint8_t all_routers[16] = {
	0xff, 0x02, [15] = 0x02
};

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* 00 00 | port ^ 0xffff | IPv4 ^ 0xffffffff; ip and port network order */
void srv_origin_encode(uint8_t oi[8], uint32_t ip, uint16_t port)
{
	const uint8_t *pp = (const uint8_t *)&port, *ipp = (const uint8_t *)&ip;
	int i;

	oi[0] = 0;
	oi[1] = 0;
	for (i = 0; i < 2; i++)
		oi[2 + i] = ~pp[i];
	for (i = 0; i < 4; i++)
		oi[4 + i] = ~ipp[i];
}

/*
 * The router advertisement (Miredo's server, byte for byte): auth header
 * echoing @nonce (confirmation 0) when the RS had one, origin indication of
 * the client's mapping, IPv6 from our link-local to @dst (hop limit 255),
 * RA with router lifetime 0 and retrans timer 2000 ms, one prefix option
 * 2001:0:<primary>::/64 (A flag, infinite lifetimes), MTU option.
 */
size_t srv_ra_build(const struct srv *s, uint8_t *buf, const uint8_t *nonce,
		    uint32_t client_ip, uint16_t client_port,
		    const struct in6_addr *dst)
{
	uint8_t *p = buf, *ip6, *ra;
	struct in6_addr src = s->ll;

	if (nonce) {
		p[0] = 0;
		p[1] = 1;
		p[2] = 0;	/* no client identifier */
		p[3] = 0;	/* no authentication value */
		memcpy(p + 4, nonce, 8);
		p[12] = 0;	/* confirmation: the key is still valid */
		p += 13;
	}
	srv_origin_encode(p, client_ip, client_port);
	p += 8;

	ip6 = p;
	memset(ip6, 0, IPV6_HLEN + 56);
	ip6[0] = 0x60;
	put16(ip6 + 4, 56);
	ip6[6] = NH_ICMPV6;
	ip6[7] = 255;
	memcpy(ip6 + 8, &src, 16);
	memcpy(ip6 + 24, dst, 16);

	ra = ip6 + IPV6_HLEN;
	/* code, checksum, hop limit, flags, lifetime, reachable: 0 */
	ra[0] = ICMP_RA;
	put32(ra + 12, 2000);		/* retrans timer */
	ra[16] = 3;			/* prefix information */
	ra[17] = 4;
	ra[18] = 64;
	ra[19] = 0x40;			/* A: autonomous configuration */
	put32(ra + 20, 0xffffffff);	/* valid lifetime */
	put32(ra + 24, 0xffffffff);	/* preferred lifetime */
	put32(ra + 32, s->prefix);
	memcpy(ra + 36, &s->primary, 4);
	ra[48] = 5;			/* MTU */
	ra[49] = 1;
	put32(ra + 52, s->mtu);
	put16(ra + 2, teredo_icmp6_csum(&src, dst, ra, 56));
	return (size_t)(ra + 56 - buf);
}

int srv_init(struct srv *s, uint32_t primary, uint32_t secondary,
	     unsigned int mtu, uint32_t rate, uint32_t burst, uint32_t total,
	     uint32_t slots)
{
	uint32_t seed = (uint32_t)random();

	memset(s, 0, sizeof(*s));
	s->primary = primary;
	s->secondary = secondary;
	s->prefix = 0x20010000;
	s->mtu = mtu ? mtu : TEREDO_MIN_MTU;
	s->ra_total = total;
	teredo_server_ll(&s->ll, primary);
	if (srv_rl_init(&s->rl_src, slots, rate, burst, seed) ||
	    srv_rl_init(&s->rl_dst, slots, rate, burst, seed ^ 0x5bd1e995)) {
		srv_free(s);
		return -1;
	}
	return 0;
}

void srv_free(struct srv *s)
{
	srv_rl_free(&s->rl_src);
	srv_rl_free(&s->rl_dst);
}

/* RFC 4291 scopes: what a server must not forward */
static bool ip6_is_global(const uint8_t *a)
{
	static const uint8_t zero[12];

	if (a[0] == 0xff)				/* multicast */
		return false;
	if (a[0] == 0xfe && (a[1] & 0x80))		/* fe80::/10, fec0::/10 */
		return false;
	if (!memcmp(a, zero, 10) && (a[10] == 0xff && a[11] == 0xff))
		return false;				/* ::ffff:0:0/96 */
	if (!memcmp(a, zero, 12))			/* ::/96: ::, ::1, ... */
		return false;
	return true;
}

static bool own_ip(const struct srv *s, uint32_t ip)
{
	return ip == s->primary || ip == s->secondary;
}

static enum srv_stat result(struct srv *s, enum srv_stat st)
{
	s->stats[st]++;
	return st;
}

/* The RS part of srv_process(): checks, then the RA. */
static enum srv_stat answer_rs(struct srv *s, const struct srv_rx *rx,
			       struct srv_tx *tx, const uint8_t *ip6,
			       size_t plen, const uint8_t *nonce,
			       uint64_t now)
{
	struct in6_addr src, dst;
	bool other;

	memcpy(&src, ip6 + 8, 16);
	memcpy(&dst, ip6 + 24, 16);
	/* RFC 4861 6.1.1: code 0, hop limit 255, valid checksum */
	if (ip6[IPV6_HLEN + 1] != 0 || ip6[7] != 255 ||
	    teredo_icmp6_csum(&src, &dst, ip6 + IPV6_HLEN, plen) != 0)
		return result(s, SRV_DROP_BAD_RS);
	/* checked again right before the send (RFC 4380 5.3.1) */
	if (!ipv4_is_global(rx->src_ip) || !rx->src_port)
		return result(s, SRV_DROP_DST_NOT_GLOBAL);
	if (own_ip(s, rx->src_ip))
		return result(s, SRV_DROP_DST_OWN);
	/* what spoofed sources, each within its own rate, add up to */
	if (s->ra_total &&
	    !srv_bucket_take(&s->ra_all, s->ra_total, s->ra_total, now))
		return result(s, SRV_DROP_RATE_TOTAL);

	/* cone bit in the RS source: from the other address */
	other = src.s6_addr[8] & 0x80;
	tx->len = srv_ra_build(s, tx->buf, nonce, rx->src_ip, rx->src_port,
			       &src);
	tx->via = rx->secondary != other ? SRV_VIA_SECONDARY : SRV_VIA_PRIMARY;
	tx->dst_ip = rx->src_ip;
	tx->dst_port = rx->src_port;
	if (other)
		s->stats[SRV_TX_RA_OTHER]++;
	return result(s, SRV_TX_RA);
}

enum srv_stat srv_process(struct srv *s, const struct srv_rx *rx,
			  struct srv_tx *tx, uint64_t now)
{
	const uint8_t *p = rx->buf, *nonce = NULL, *ip6, *src, *dst;
	size_t len = rx->len, n, plen, total;
	uint32_t ip;
	uint16_t port;
	bool bubble, ours;
	uint8_t nh;

	tx->via = SRV_VIA_NONE;
	tx->len = 0;
	if (rx->truncated)
		return result(s, SRV_DROP_TOO_BIG);

	/* case 1: [authentication] [origin indication] IPv6 [trailers] */
	if (len >= 2 && p[0] == 0 && p[1] == 1) {
		if (len < 4)
			return result(s, SRV_DROP_MALFORMED);
		n = 13 + (size_t)p[2] + p[3];
		if (len < n)
			return result(s, SRV_DROP_MALFORMED);
		nonce = p + 4 + p[2] + p[3];
		p += n;
		len -= n;
	}
	if (len >= 2 && p[0] == 0 && p[1] == 0) {
		if (len < 8)
			return result(s, SRV_DROP_MALFORMED);
		p += 8;
		len -= 8;
	}
	if (len < IPV6_HLEN || p[0] >> 4 != 6)
		return result(s, SRV_DROP_MALFORMED);
	ip6 = p;
	plen = get16(ip6 + 4);
	nh = ip6[6];
	src = ip6 + 8;
	dst = ip6 + 24;
	if (len < IPV6_HLEN + plen)
		return result(s, SRV_DROP_MALFORMED);
	bubble = nh == NH_NONE && plen == 0;
	total = IPV6_HLEN + plen;
	if (len > total) {
		/* RFC 6081 trailers: after bubbles only, kept as they are */
		if (!bubble)
			return result(s, SRV_DROP_MALFORMED);
		if (len - total > SRV_TRAILER_MAX)
			return result(s, SRV_DROP_TOO_BIG);
		total = len;
	}

	/* case 2: bubbles and ICMPv6 only */
	if (!bubble && nh != NH_ICMPV6)
		return result(s, SRV_DROP_NOT_ALLOWED);
	/* case 3 */
	if (!ipv4_is_global(rx->src_ip))
		return result(s, SRV_DROP_SRC_NOT_GLOBAL);

	if (src[0] == 0xfe && (src[1] & 0xc0) == 0x80 &&
	    !memcmp(dst, all_routers, 16) && nh == NH_ICMPV6 && plen >= 8 &&
	    ip6[IPV6_HLEN] == ICMP_RS) {
		/* case 4: a router solicitation */
	} else if (get16(src) == s->prefix >> 16 &&
		   get16(src + 2) == (s->prefix & 0xffff)) {
		/* case 5: a Teredo source must be the UDP source */
		uint16_t mport = get16(src + 10) ^ 0xffff;
		uint32_t mip = get32(src + 12) ^ 0xffffffff;

		if (mport != ntohs(rx->src_port) || mip != ntohl(rx->src_ip))
			return result(s, SRV_DROP_BAD_SOURCE);
	} else if (!(get16(dst) == s->prefix >> 16 &&
		     get16(dst + 2) == (s->prefix & 0xffff) &&
		     !memcmp(dst + 4, &s->primary, 4))) {
		/* not case 6 (to one of our clients): case 7 */
		return result(s, SRV_DROP_BAD_SOURCE);
	}

	/* never from ourselves (MTFL-SA 0603: a forwarding loop) */
	if (own_ip(s, rx->src_ip) && rx->src_port == htons(SRV_PORT))
		return result(s, SRV_DROP_LOOP);

	/* to us: router solicitations only */
	if (!memcmp(dst, all_routers, 16) || !memcmp(dst, &s->ll, 16)) {
		if (nh != NH_ICMPV6 || plen < 8 || ip6[IPV6_HLEN] != ICMP_RS)
			return result(s, SRV_DROP_LOCAL);
		if (!srv_rl_allow(&s->rl_src, rx->src_ip, now))
			return result(s, SRV_DROP_RATE_SRC);
		return answer_rs(s, rx, tx, ip6, plen, nonce, now);
	}

	if (!ip6_is_global(dst))
		return result(s, SRV_DROP_DST_SCOPE);
	/* not an open relay: small ICMPv6 only (Miredo, Microsoft) */
	if (!bubble && plen > SRV_ICMP_MAX)
		return result(s, SRV_DROP_ICMP_SIZE);

	if (!(get16(dst) == s->prefix >> 16 &&
	      get16(dst + 2) == (s->prefix & 0xffff))) {
		/* native IPv6: the clients' connectivity test */
		if (!s->native)
			return result(s, SRV_DROP_NO_NATIVE);
		if (ip6[7] == 0)
			return result(s, SRV_DROP_HOP_LIMIT);
		if (!srv_rl_allow(&s->rl_src, rx->src_ip, now))
			return result(s, SRV_DROP_RATE_SRC);
		memcpy(tx->buf, ip6, IPV6_HLEN + plen);
		tx->len = IPV6_HLEN + plen;
		memcpy(&tx->dst6, dst, 16);
		tx->via = SRV_VIA_RAW;
		return result(s, SRV_TX_NATIVE);
	}

	/* a Teredo destination: its mapping, checked */
	memcpy(&port, dst + 10, 2);
	memcpy(&ip, dst + 12, 4);
	port = ~port;
	ip = ~ip;
	if (!ipv4_is_global(ip) || !port)
		return result(s, SRV_DROP_DST_NOT_GLOBAL);
	if (own_ip(s, ip))
		return result(s, SRV_DROP_DST_OWN);
	if (!srv_rl_allow(&s->rl_src, rx->src_ip, now))
		return result(s, SRV_DROP_RATE_SRC);
	if (!srv_rl_allow(&s->rl_dst, ip, now))
		return result(s, SRV_DROP_RATE_DST);

	ours = !memcmp(dst + 4, &s->primary, 4);
	n = 0;
	if (ours) {
		srv_origin_encode(tx->buf, rx->src_ip, rx->src_port);
		n = 8;
	}
	memcpy(tx->buf + n, ip6, total);
	tx->len = n + total;
	tx->via = SRV_VIA_PRIMARY;
	tx->dst_ip = ip;
	tx->dst_port = port;
	return result(s, ours ? SRV_TX_CLIENT : SRV_TX_TEREDO);
}
