// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the Teredo server's handling of received datagrams,
 * srv_process() (server_pkt.c) with its rate limits (server_rl.c). The
 * input is a sequence of datagrams and where they came from:
 *
 *	flags (1) | source IPv4 (4) | source port (2) | 10 ms ticks since
 *	the previous one (1) | length (2, big endian) | UDP payload
 *
 * the last one taking what is left if shorter. flags: 1 arrived on the
 * secondary address, 2 truncated (longer than the receive buffer), 4
 * without a raw IPv6 socket, 8 fix the ICMPv6 checksum first (so that
 * mutated router solicitations get past it).
 *
 * What the server would send is checked, as the security notes ask: at
 * most SRV_TX_MAX bytes and never more than 8 bytes over what came in
 * (an RA: at most SRV_RA_LEN); UDP only to a global unicast IPv4 address
 * and port that is not ours; raw IPv6 only to a global, non-Teredo
 * address with a non-zero hop limit; relayed packets untouched, with the
 * right origin indication; RAs that teredod's own client parser accepts;
 * no source or destination sent more than its rate allows, whatever
 * shares its slot, nor more RAs in all than the server's budget; each
 * datagram counted once.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conf.h"
#include "proto.h"
#include "server.h"

#define PRIMARY		0xc0000201	/* 192.0.2.1 */
#define SECONDARY	0xc0000202
#define RATE		2		/* packets per second */
#define BURST		3
#define SLOTS		8
#define TOTAL		5		/* RAs per second in all */
#define MAX_DG		64		/* datagrams per input */
#define HDR_LEN		10

#define F_SECONDARY	1
#define F_TRUNCATED	2
#define F_NO_NATIVE	4
#define F_FIX_CSUM	8

#define check(x)	((x) ? (void)0 : fail(#x, __LINE__))

static void fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_server.c:%d: invariant violated: %s\n", line,
		what);
	abort();
}

/* Packets sent because of an IPv4 address (as source or destination). */
struct budget {
	uint32_t ip;
	uint64_t first;		/* ms of its first packet */
	unsigned int sent;
};

static struct budget budgets[2][MAX_DG];
static struct budget all_ra;	/* RAs in all: TOTAL a second */

static void charge(struct budget *b, uint32_t ip, uint64_t now)
{
	size_t i;

	for (i = 0; i < MAX_DG && b[i].ip && b[i].ip != ip; i++)
		;
	check(i < MAX_DG);
	if (!b[i].ip) {
		b[i].ip = ip;
		b[i].first = now;
	}
	b[i].sent++;
	/* a token bucket: a burst, then RATE a second; a slot shared with
	 * other addresses only lowers that, nothing restores it
	 */
	check(b[i].sent <= BURST + (now - b[i].first) * RATE / 1000);
}

/* The checksum of an ICMPv6 message after [auth] [origin] IPv6, if any. */
static void fix_csum(uint8_t *p, size_t len)
{
	struct in6_addr src, dst;
	size_t off = 0, plen;
	uint16_t c;

	if (len >= 4 && p[0] == 0 && p[1] == 1)
		off = 13 + (size_t)p[2] + p[3];
	if (len >= off + 2 && p[off] == 0 && p[off + 1] == 0)
		off += 8;
	if (len < off + 40)
		return;
	plen = (size_t)p[off + 4] << 8 | p[off + 5];
	if (p[off + 6] != 58 || plen < 4 || len < off + 40 + plen)
		return;
	memcpy(&src, p + off + 8, 16);
	memcpy(&dst, p + off + 24, 16);
	p[off + 42] = 0;
	p[off + 43] = 0;
	c = teredo_icmp6_csum(&src, &dst, p + off + 40, plen);
	p[off + 42] = c >> 8;
	p[off + 43] = c & 0xff;
}

static bool own(uint32_t ip)
{
	return ip == htonl(PRIMARY) || ip == htonl(SECONDARY);
}

/* RFC 4291: not multicast, link- or site-local, ::/96 (unspecified,
 * loopback, IPv4-compatible) or ::ffff:0:0/96; and not Teredo
 */
static bool ip6_global(const struct in6_addr *a)
{
	static const uint8_t zero[12], mapped[12] = { [10] = 0xff, 0xff };
	const uint8_t *b = a->s6_addr;

	return b[0] != 0xff && !(b[0] == 0xfe && (b[1] & 0x80)) &&
	       memcmp(b, zero, 12) && memcmp(b, mapped, 12) &&
	       !teredo_is_teredo(a);
}

/* An RA: what teredod's client makes of it. */
static void check_ra(const struct srv *s, const struct srv_rx *rx,
		     const struct srv_tx *tx)
{
	const uint8_t *nonce = tx->buf + 4;
	struct in6_addr dst;
	struct teredo_ra ra;
	const char *why;
	size_t off;
	bool cone;

	check(tx->len == SRV_RA_LEN || tx->len == SRV_RA_LEN - 13);
	check(tx->dst_ip == rx->src_ip && tx->dst_port == rx->src_port);
	off = tx->len == SRV_RA_LEN ? 13 : 0;
	memcpy(&dst, tx->buf + off + 8 + 24, 16);
	/* the answer comes from the other address to a cone source */
	cone = dst.s6_addr[8] & 0x80;
	check((tx->via == SRV_VIA_SECONDARY) == (rx->secondary != cone));
	if (!off || (memcmp(&dst, &teredo_ll_cone, 16) &&
		     memcmp(&dst, &teredo_ll_restricted, 16)))
		return;
	check(!teredo_ra_parse(tx->buf, tx->len, htons(SRV_PORT), nonce, &ra,
			       &why));
	check(ra.server == s->primary && ra.mapped_ip == rx->src_ip &&
	      ra.mapped_port == rx->src_port && ra.mtu == s->mtu);
}

/* A relayed packet: the IPv6 packet and its trailers as received. */
static void check_relay(const struct srv_rx *rx, const struct srv_tx *tx,
			enum srv_stat r)
{
	size_t off = r == SRV_TX_CLIENT ? 8 : 0, n = tx->len - off;
	uint8_t oi[8];
	uint32_t ip;
	uint16_t port;

	check(tx->len >= off + 40 && n <= rx->len);
	check(!memcmp(tx->buf + off, rx->buf + rx->len - n, n));
	if (off) {
		srv_origin_encode(oi, rx->src_ip, rx->src_port);
		check(!memcmp(tx->buf, oi, 8));
	}
	/* to the mapping in the IPv6 destination */
	memcpy(&port, tx->buf + off + 24 + 10, 2);
	memcpy(&ip, tx->buf + off + 24 + 12, 4);
	check(tx->dst_ip == ~ip && tx->dst_port == (uint16_t)~port);
	check(tx->via == SRV_VIA_PRIMARY);
}

static void check_tx(struct srv *s, const struct srv_rx *rx,
		     const struct srv_tx *tx, enum srv_stat r, uint64_t now)
{
	const uint8_t *ip6 = tx->buf;

	check(r >= SRV_TX_RA && r < SRV_STAT_MAX && r != SRV_TX_RA_OTHER);
	check((tx->via == SRV_VIA_NONE) == (r >= SRV_DROP_MALFORMED));
	if (tx->via == SRV_VIA_NONE) {
		check(tx->len == 0);
		return;
	}
	check(tx->len > 0 && tx->len <= SRV_TX_MAX);
	/* no amplification beyond the origin indication, or the RA */
	check(tx->len <= rx->len + 8 ||
	      (r == SRV_TX_RA && tx->len <= SRV_RA_LEN));
	charge(budgets[0], rx->src_ip, now);
	if (tx->via == SRV_VIA_RAW) {
		check(r == SRV_TX_NATIVE && s->native);
		check(ip6_global(&tx->dst6));
		check(tx->len >= 40 && tx->len <= 40 + SRV_ICMP_MAX);
		check(!memcmp(ip6 + 24, &tx->dst6, 16) && ip6[7] != 0);
		return;
	}
	check(ipv4_is_global(tx->dst_ip) && tx->dst_port && !own(tx->dst_ip));
	if (r == SRV_TX_RA) {
		if (!all_ra.sent++)
			all_ra.first = now;
		check(all_ra.sent <= TOTAL +
		      (now - all_ra.first) * TOTAL / 1000);
		check_ra(s, rx, tx);
		return;
	}
	check(r == SRV_TX_CLIENT || r == SRV_TX_TEREDO);
	check_relay(rx, tx, r);
	charge(budgets[1], tx->dst_ip, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t txbuf[SRV_TX_MAX];
	uint64_t now = 1000000, counted, total = 0;
	struct srv_tx tx = { .buf = txbuf };
	struct srv_rx rx;
	enum srv_stat r;
	struct srv s;
	size_t len, i, n;
	uint8_t flags, *buf;

	srandom(1);		/* the rate limiter's hash seed */
	if (srv_init(&s, htonl(PRIMARY), htonl(SECONDARY), 0, RATE, BURST,
		     TOTAL, SLOTS))
		abort();
	memset(budgets, 0, sizeof(budgets));
	memset(&all_ra, 0, sizeof(all_ra));
	for (n = 0; n < MAX_DG && size >= HDR_LEN; n++) {
		flags = data[0];
		memset(&rx, 0, sizeof(rx));
		memcpy(&rx.src_ip, data + 1, 4);
		memcpy(&rx.src_port, data + 5, 2);
		now += data[7] * 10;
		len = (size_t)data[8] << 8 | data[9];
		data += HDR_LEN;
		size -= HDR_LEN;
		if (len > size)
			len = size;
		if (len > SRV_RX_MAX)
			len = SRV_RX_MAX;
		/* a copy of its own size, so that reads past it are caught */
		buf = malloc(len ? len : 1);
		if (!buf)
			abort();
		memcpy(buf, data, len);
		if (flags & F_FIX_CSUM)
			fix_csum(buf, len);
		rx.buf = buf;
		rx.len = len;
		rx.truncated = flags & F_TRUNCATED;
		rx.secondary = flags & F_SECONDARY;
		s.native = !(flags & F_NO_NATIVE);
		r = srv_process(&s, &rx, &tx, now);
		check_tx(&s, &rx, &tx, r, now);
		free(buf);
		data += len;
		size -= len;
		total++;
	}
	for (counted = 0, i = SRV_TX_RA; i < SRV_STAT_MAX; i++)
		counted += i == SRV_TX_RA_OTHER ? 0 : s.stats[i];
	check(counted == total);
	srv_free(&s);
	return 0;
}
