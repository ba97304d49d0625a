// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the Teredo server's packet processing (server_pkt.c), rate
 * limiter (server_rl.c) and state message (server_ctl.c), fed with forged
 * datagrams: every check of RFC 4380 5.3.1 in order, the reply address
 * for cone and restricted clients, the origin indication, the RA byte for
 * byte, loops, rate limits. Prints "ok DESC" or "not ok DESC" a line;
 * exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include "proto.h"
#include "server.h"
#include "test_lib.h"


static void hexdump(const char *what, const uint8_t *p, size_t len)
{
	size_t i;

	printf("#   %s:", what);
	for (i = 0; i < len; i++)
		printf("%s%02x", i % 16 ? " " : "\n#     ", p[i]);
	putchar('\n');
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

/* the test network: server 192.0.2.1 and .2, two clients */
#define PRIMARY		"192.0.2.1"
#define SECONDARY	"192.0.2.2"
#define A_IP		"203.0.113.5"	/* client A, mapped port 40000 */
#define A_PORT		40000
#define B_IP		"198.51.100.7"	/* client B, mapped port 50000 */
#define B_PORT		50000

/* Teredo address: 2001:0:<server>:<flags>:<~port>:<~ip> */
static struct in6_addr teredo(const char *server, uint16_t flags,
			      const char *ip, uint16_t port)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01 } };
	uint32_t sv = ip4(server), cl = ~ip4(ip);
	uint16_t p = htons((uint16_t)~port);

	memcpy(a.s6_addr + 4, &sv, 4);
	a.s6_addr[8] = flags >> 8;
	a.s6_addr[9] = flags & 0xff;
	memcpy(a.s6_addr + 10, &p, 2);
	memcpy(a.s6_addr + 12, &cl, 4);
	return a;
}

static struct in6_addr A6, B6, OTHER6;

/* A datagram under construction. */
struct dg {
	uint8_t b[SRV_RX_MAX];
	size_t len;
};

static uint8_t *dg_ip6(struct dg *d, const struct in6_addr *src,
		       const struct in6_addr *dst, uint8_t nh, uint8_t hlim,
		       size_t plen)
{
	uint8_t *p = d->b + d->len;

	memset(p, 0, 40 + plen);
	p[0] = 0x60;
	p[4] = plen >> 8;
	p[5] = plen & 0xff;
	p[6] = nh;
	p[7] = hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	d->len += 40 + plen;
	return p;
}

static void dg_auth(struct dg *d, const uint8_t nonce[8])
{
	uint8_t *p = d->b + d->len;

	memset(p, 0, 13);
	p[1] = 1;
	memcpy(p + 4, nonce, 8);
	d->len += 13;
}

/* ICMPv6 of @type with @body_len bytes of body (pattern), checksummed */
static uint8_t *dg_icmp(struct dg *d, const struct in6_addr *src,
			const struct in6_addr *dst, uint8_t type,
			uint8_t hlim, size_t body_len)
{
	uint8_t *ip6 = dg_ip6(d, src, dst, 58, hlim, 4 + body_len), *icmp;
	uint16_t c;
	size_t i;

	icmp = ip6 + 40;
	icmp[0] = type;
	for (i = 0; i < body_len; i++)
		icmp[4 + i] = (uint8_t)i;
	c = teredo_icmp6_csum(src, dst, icmp, 4 + body_len);
	icmp[2] = c >> 8;
	icmp[3] = c & 0xff;
	return ip6;
}

static const uint8_t NONCE[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* an RS as Miredo sends it: auth, link-local (cone or not) to ff02::2 */
static uint8_t *dg_rs(struct dg *d, bool auth, bool cone)
{
	struct in6_addr ff02_2 = in6("ff02::2");

	d->len = 0;
	if (auth)
		dg_auth(d, NONCE);
	return dg_icmp(d, cone ? &teredo_ll_cone : &teredo_ll_restricted,
		       &ff02_2, 133, 255, 4);
}

static struct srv S;
static uint8_t txbuf[SRV_TX_MAX];
static struct srv_tx TX;
static uint64_t NOW = 1000000;

static enum srv_stat run(const struct dg *d, const char *src_ip,
			 uint16_t src_port, bool secondary)
{
	struct srv_rx rx = {
		.buf = d->b, .len = d->len, .src_ip = ip4(src_ip),
		.src_port = htons(src_port), .secondary = secondary,
	};

	TX.buf = txbuf;
	return srv_process(&S, &rx, &TX, NOW);
}

static void expect(const char *desc, enum srv_stat got, enum srv_stat want)
{
	result(got == want, "%s: %s", desc, srv_stat_names[want]);
	if (got != want)
		printf("#   got %s\n", srv_stat_names[got]);
}

static void setup_total(uint32_t rate, uint32_t burst, uint32_t total)
{
	srv_free(&S);
	if (srv_init(&S, ip4(PRIMARY), ip4(SECONDARY), 0, rate, burst, total,
		     65536))
		abort();
	S.native = true;
}

static void setup(uint32_t rate, uint32_t burst)
{
	setup_total(rate, burst, 0);
}

static void test_vectors(void)
{
	static const uint8_t oi_want[8] = {
		0, 0, 0xfe, 0xae, 0xfe, 0xfd, 0xfc, 0xfb
	};
	struct in6_addr ll, want = in6("fe80::8000:f227:3fff:fdfe");
	struct in6_addr ff02_2 = in6("ff02::2");
	uint8_t oi[8], rs[8] = { 133 };

	srv_origin_encode(oi, ip4("1.2.3.4"), htons(337));
	result(!memcmp(oi, oi_want, 8),
	       "origin indication of 1.2.3.4:337 is 0000feaefefdfcfb");
	teredo_server_ll(&ll, ip4("192.0.2.1"));
	result(!memcmp(&ll, &want, 16),
	       "link-local of server 192.0.2.1 is fe80::8000:f227:3fff:fdfe");
	result(teredo_icmp6_csum(&teredo_ll_restricted, &ff02_2, rs, 8) == 0x7d37,
	       "RS checksum from fe80::ffff:ffff:ffff is 0x7d37");
	result(teredo_icmp6_csum(&teredo_ll_cone, &ff02_2, rs, 8) == 0x125d,
	       "RS checksum from the cone link-local is 0x125d");
}

/* The RA, byte for byte (Miredo's server sends the same 117 bytes). */
static void test_ra_bytes(void)
{
	static const uint8_t want[SRV_RA_LEN] = {
		/* auth: nonce echoed, confirmation 0 */
		0x00, 0x01, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 0x00,
		/* origin: 203.0.113.5:40000 */
		0x00, 0x00, 0x63, 0xbf, 0x34, 0xff, 0x8e, 0xfa,
		/* IPv6: payload 56, ICMPv6, hop limit 255 */
		0x60, 0, 0, 0, 0x00, 0x38, 0x3a, 0xff,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0,	/* fe80::8000:f227:3fff:fdfe */
		0x80, 0x00, 0xf2, 0x27, 0x3f, 0xff, 0xfd, 0xfe,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0,	/* fe80::ffff:ffff:ffff */
		0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		/* RA: checksum later, lifetime 0, reachable 0, retrans 2000 */
		0x86, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0xd0,
		/* prefix 2001:0:c000:201::/64, A, infinite lifetimes */
		0x03, 0x04, 0x40, 0x40, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		0x20, 0x01, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01,
		0, 0, 0, 0, 0, 0, 0, 0,
		/* MTU 1280 */
		0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
	};
	uint8_t buf[SRV_TX_MAX], exp[SRV_RA_LEN];
	struct in6_addr dst = teredo_ll_restricted;
	struct teredo_ra ra;
	const char *why = "";
	size_t len;
	uint16_t c;

	setup(0, 0);
	memcpy(exp, want, sizeof(exp));
	c = teredo_icmp6_csum(&S.ll, &dst, exp + 61, 56);
	exp[63] = c >> 8;
	exp[64] = c & 0xff;
	len = srv_ra_build(&S, buf, NONCE, ip4(A_IP), htons(A_PORT), &dst);
	result(len == SRV_RA_LEN && !memcmp(buf, exp, SRV_RA_LEN),
	       "RA: 117 bytes, auth + origin + IPv6 + RA + prefix + MTU");
	if (len != SRV_RA_LEN || memcmp(buf, exp, SRV_RA_LEN)) {
		hexdump("got", buf, len);
		hexdump("want", exp, sizeof(exp));
	}
	result(teredo_icmp6_csum(&S.ll, &dst, buf + 61, 56) == 0,
	       "RA: ICMPv6 checksum valid");
	len = srv_ra_build(&S, buf, NULL, ip4(A_IP), htons(A_PORT), &dst);
	result(len == SRV_RA_LEN - 13 && !memcmp(buf, want + 13, 8),
	       "RA without nonce: no auth header, origin first (104 bytes)");

	/* what the client side of teredod (proto.c) makes of it */
	len = srv_ra_build(&S, buf, NONCE, ip4(A_IP), htons(A_PORT), &dst);
	memset(&ra, 0, sizeof(ra));
	result(!teredo_ra_parse(buf, len, htons(SRV_PORT), NONCE, &ra, &why) &&
	       ra.server == ip4(PRIMARY) && ra.mapped_ip == ip4(A_IP) &&
	       ra.mapped_port == htons(A_PORT) && ra.mtu == 1280 && !ra.cone,
	       "RA accepted by teredod's client parser (server, mapping, MTU)");
	if (why && *why)
		printf("#   teredo_ra_parse: %s\n", why);

	srv_free(&S);
	if (srv_init(&S, ip4(PRIMARY), ip4(SECONDARY), 1400, 0, 0, 0, 64))
		abort();
	len = srv_ra_build(&S, buf, NONCE, ip4(A_IP), htons(A_PORT), &dst);
	result(buf[len - 2] == 0x05 && buf[len - 1] == 0x78,
	       "RA: MTU option carries InterfaceMTU (1400)");
}

static void test_rs(void)
{
	struct dg d;
	uint8_t *ip6;
	enum srv_stat r;

	setup(0, 0);
	dg_rs(&d, true, false);
	r = run(&d, A_IP, A_PORT, false);
	expect("RS on the primary, restricted source", r, SRV_TX_RA);
	result(TX.via == SRV_VIA_PRIMARY && TX.dst_ip == ip4(A_IP) &&
	       TX.dst_port == htons(A_PORT) && TX.len == SRV_RA_LEN,
	       "... answered from the primary to the UDP source");
	result(!memcmp(TX.buf + 4, NONCE, 8) && TX.buf[12] == 0,
	       "... nonce echoed, confirmation byte 0");
	result(!memcmp(TX.buf + 13 + 8 + 24, &teredo_ll_restricted, 16),
	       "... IPv6 destination is the RS source");

	dg_rs(&d, true, true);
	r = run(&d, A_IP, A_PORT, false);
	result(r == SRV_TX_RA && TX.via == SRV_VIA_SECONDARY,
	       "RS on the primary, cone source: answered from the secondary");
	r = run(&d, A_IP, A_PORT, true);
	result(r == SRV_TX_RA && TX.via == SRV_VIA_PRIMARY,
	       "RS on the secondary, cone source: answered from the primary");
	dg_rs(&d, true, false);
	r = run(&d, A_IP, A_PORT, true);
	result(r == SRV_TX_RA && TX.via == SRV_VIA_SECONDARY,
	       "RS on the secondary, restricted source: from the secondary");
	result(S.stats[SRV_TX_RA_OTHER] == 2,
	       "tx_ra_other_address counts the 2 cone answers");

	dg_rs(&d, false, false);
	r = run(&d, A_IP, A_PORT, false);
	result(r == SRV_TX_RA && TX.len == SRV_RA_LEN - 13 &&
	       TX.buf[0] == 0 && TX.buf[1] == 0,
	       "RS without auth header: RA without one");

	/* an RS with a client identifier and an auth value: nonce found */
	d.len = 0;
	memcpy(d.b, "\x00\x01\x02\x03" "ID" "AUV", 9);
	memcpy(d.b + 9, NONCE, 8);
	d.b[17] = 0;
	d.len = 18;
	dg_icmp(&d, &teredo_ll_restricted, &(struct in6_addr){
		.s6_addr = { 0xff, 2, [15] = 2 } }, 133, 255, 4);
	r = run(&d, A_IP, A_PORT, false);
	result(r == SRV_TX_RA && !memcmp(TX.buf + 4, NONCE, 8),
	       "RS with ID and AU lengths: the nonce after them is echoed");

	/* an origin indication in an RS is skipped */
	d.len = 0;
	dg_auth(&d, NONCE);
	memcpy(d.b + d.len, "\0\0\1\2\3\4\5\6", 8);
	d.len += 8;
	dg_icmp(&d, &teredo_ll_restricted, &(struct in6_addr){
		.s6_addr = { 0xff, 2, [15] = 2 } }, 133, 255, 4);
	expect("RS with auth and origin indication", run(&d, A_IP, A_PORT,
							 false), SRV_TX_RA);

	/* RFC 4861 checks */
	ip6 = dg_rs(&d, true, false);
	ip6[41] = 1;
	expect("RS with code 1", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_BAD_RS);
	ip6 = dg_rs(&d, true, false);
	ip6[7] = 64;
	expect("RS with hop limit 64", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_BAD_RS);
	ip6 = dg_rs(&d, true, false);
	ip6[42] ^= 0x10;
	expect("RS with a bad checksum", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_BAD_RS);
	result(TX.via == SRV_VIA_NONE && TX.len == 0, "... nothing sent");

	/* an RS to our link-local address from a Teredo client: answered */
	d.len = 0;
	dg_auth(&d, NONCE);
	dg_icmp(&d, &A6, &S.ll, 133, 255, 4);
	expect("RS from a Teredo client to our link-local",
	       run(&d, A_IP, A_PORT, false), SRV_TX_RA);
	/* an echo request to our link-local: not processed */
	d.len = 0;
	dg_icmp(&d, &A6, &S.ll, 128, 64, 8);
	expect("echo request to our link-local", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_LOCAL);
	d.len = 0;
	dg_icmp(&d, &A6, &(struct in6_addr){
		.s6_addr = { 0xff, 2, [15] = 2 } }, 134, 255, 4);
	expect("RA from a client to ff02::2", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_LOCAL);
}

/* RFC 4380 5.3.1, cases 1 to 7, in that order */
static void test_checks(void)
{
	struct in6_addr ff02_2 = in6("ff02::2");
	static const char *const local4[] = {
		"0.1.2.3", "10.1.2.3", "127.0.0.1", "169.254.1.1",
		"172.16.0.1", "172.31.255.255", "192.168.1.1", "192.88.99.1",
		"224.0.0.1", "239.255.255.255", "255.255.255.255",
	};
	struct dg d;
	uint8_t *ip6;
	size_t i;

	setup(0, 0);
	/* case 1 */
	d.len = 39;
	memset(d.b, 0x60, d.len);
	expect("39 bytes", run(&d, A_IP, A_PORT, false), SRV_DROP_MALFORMED);
	ip6 = dg_rs(&d, true, false);
	ip6[0] = 0x40;
	expect("IP version 4 inside", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_MALFORMED);
	dg_rs(&d, true, false);
	d.b[2] = 200;	/* ID-len past the end */
	expect("auth ID-len past the end", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_MALFORMED);
	d.len = 3;
	expect("3-byte auth header", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_MALFORMED);
	d.len = 5;
	memset(d.b, 0, 5);
	expect("5-byte origin indication", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_MALFORMED);
	ip6 = dg_rs(&d, true, false);
	ip6[5] = 9;
	expect("payload length past the end", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_MALFORMED);
	dg_rs(&d, true, false);
	d.b[d.len++] = 0;
	expect("a byte after an RS", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_MALFORMED);
	d.len = 0;
	dg_ip6(&d, &A6, &B6, 59, 0, 0);
	memset(d.b + d.len, 0x01, SRV_TRAILER_MAX + 1);
	d.len += SRV_TRAILER_MAX + 1;
	expect("bubble with 129 bytes of trailers", run(&d, A_IP, A_PORT,
							false),
	       SRV_DROP_TOO_BIG);
	{
		struct srv_rx rx = {
			.buf = d.b, .len = 64, .truncated = true,
			.src_ip = ip4(A_IP), .src_port = htons(A_PORT),
		};

		TX.buf = txbuf;
		expect("datagram larger than the buffer",
		       srv_process(&S, &rx, &TX, NOW), SRV_DROP_TOO_BIG);
	}

	/* case 2 */
	d.len = 0;
	dg_ip6(&d, &A6, &B6, 17, 64, 16);
	expect("UDP inside (case 2)", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_NOT_ALLOWED);
	d.len = 0;
	dg_ip6(&d, &A6, &B6, 59, 64, 8);
	expect("next header 59 with a payload (not a bubble)",
	       run(&d, A_IP, A_PORT, false), SRV_DROP_NOT_ALLOWED);

	/* case 3: before anything else is looked at */
	dg_rs(&d, true, false);
	for (i = 0; i < sizeof(local4) / sizeof(local4[0]); i++) {
		char desc[64];

		snprintf(desc, sizeof(desc), "RS from %s (case 3)", local4[i]);
		expect(desc, run(&d, local4[i], A_PORT, false),
		       SRV_DROP_SRC_NOT_GLOBAL);
	}

	/* case 5: a Teredo source must match the UDP source */
	d.len = 0;
	dg_ip6(&d, &A6, &B6, 59, 0, 0);
	expect("bubble from A's address, A's mapping", run(&d, A_IP, A_PORT,
							 false),
	       SRV_TX_CLIENT);
	expect("bubble from A's address, another port (case 5/7)",
	       run(&d, A_IP, A_PORT + 1, false), SRV_DROP_BAD_SOURCE);
	expect("bubble from A's address, another IPv4 (case 5/7)",
	       run(&d, B_IP, A_PORT, false), SRV_DROP_BAD_SOURCE);

	/* case 6: a native source only to a client of ours */
	{
		struct in6_addr relay_ll = in6("fe80::1234:5678");
		struct in6_addr native = in6("2001:db8::1");

		d.len = 0;
		dg_ip6(&d, &relay_ll, &A6, 59, 0, 0);
		expect("bubble from a relay's link-local to a client of ours (case 6)",
		       run(&d, "198.18.0.10", 3544, false), SRV_TX_CLIENT);
		d.len = 0;
		dg_ip6(&d, &relay_ll, &OTHER6, 59, 0, 0);
		expect("... to a client of another server (case 7)",
		       run(&d, "198.18.0.10", 3544, false),
		       SRV_DROP_BAD_SOURCE);
		d.len = 0;
		dg_icmp(&d, &native, &native, 128, 64, 8);
		expect("native to native (case 7)",
		       run(&d, "198.18.0.10", 3544, false),
		       SRV_DROP_BAD_SOURCE);
		d.len = 0;
		dg_icmp(&d, &teredo_ll_restricted, &ff02_2, 128, 255, 8);
		expect("link-local echo request to ff02::2 (not an RS: case 7)",
		       run(&d, A_IP, A_PORT, false), SRV_DROP_BAD_SOURCE);
	}
}

static void test_forwarding(void)
{
	struct in6_addr native = in6("2001:db8::100");
	struct dg d;
	uint8_t oi[8], *ip6;
	size_t blen;

	setup(0, 0);
	/* a bubble with an RFC 6081 trailer, A -> B (ours) */
	d.len = 0;
	dg_ip6(&d, &A6, &B6, 59, 0, 0);
	memcpy(d.b + d.len, "\x03\x06\x00\x00\xc6\x12\x00\x01", 8);
	d.len += 8;
	blen = d.len;
	expect("bubble with a trailer, A to B", run(&d, A_IP, A_PORT, false),
	       SRV_TX_CLIENT);
	srv_origin_encode(oi, ip4(A_IP), htons(A_PORT));
	result(TX.via == SRV_VIA_PRIMARY && TX.dst_ip == ip4(B_IP) &&
	       TX.dst_port == htons(B_PORT),
	       "... sent from the primary to B's mapping");
	result(TX.len == 8 + blen && !memcmp(TX.buf, oi, 8) &&
	       !memcmp(TX.buf + 8, d.b, blen),
	       "... origin indication of A, then the bubble and trailer untouched");
	expect("... the same bubble arriving on the secondary",
	       run(&d, A_IP, A_PORT, true), SRV_TX_CLIENT);
	result(TX.via == SRV_VIA_PRIMARY, "... still sent from the primary");

	/* to a client of another server: no origin indication */
	d.len = 0;
	dg_ip6(&d, &A6, &OTHER6, 59, 0, 0);
	expect("bubble to a client of another server",
	       run(&d, A_IP, A_PORT, false), SRV_TX_TEREDO);
	result(TX.len == 40 && !memcmp(TX.buf, d.b, 40) &&
	       TX.dst_ip == ip4("198.51.100.99") && TX.dst_port == htons(4000),
	       "... as it came, to its mapping, no origin indication");

	/* small ICMPv6 between clients, and to native IPv6 */
	d.len = 0;
	dg_icmp(&d, &A6, &B6, 128, 64, 84);
	expect("echo request A to B, 88 bytes of ICMPv6",
	       run(&d, A_IP, A_PORT, false), SRV_TX_CLIENT);
	d.len = 0;
	dg_icmp(&d, &A6, &B6, 128, 64, 85);
	expect("echo request A to B, 89 bytes of ICMPv6",
	       run(&d, A_IP, A_PORT, false), SRV_DROP_ICMP_SIZE);
	d.len = 0;
	dg_icmp(&d, &A6, &native, 128, 64, 84);
	expect("connectivity test: echo request A to native IPv6",
	       run(&d, A_IP, A_PORT, false), SRV_TX_NATIVE);
	result(TX.via == SRV_VIA_RAW && TX.len == d.len &&
	       !memcmp(TX.buf, d.b, d.len) && !memcmp(&TX.dst6, &native, 16),
	       "... the IPv6 packet as it came, to the raw socket");
	d.len = 0;
	dg_icmp(&d, &A6, &native, 128, 64, 85);
	expect("... 89 bytes of ICMPv6", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_ICMP_SIZE);
	d.len = 0;
	ip6 = dg_icmp(&d, &A6, &native, 128, 64, 8);
	ip6[7] = 0;
	expect("... hop limit 0", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_HOP_LIMIT);
	d.len = 0;
	dg_icmp(&d, &A6, &native, 128, 64, 8);
	S.native = false;
	expect("... no raw socket", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_NO_NATIVE);
	S.native = true;

	/* destinations a server must not forward to */
	{
		static const char *const scope[] = {
			"fe80::1", "fec0::1", "ff02::1", "ff0e::1", "::1", "::",
			"::ffff:198.18.0.1", "::198.18.0.1",
		};
		size_t i;

		for (i = 0; i < sizeof(scope) / sizeof(scope[0]); i++) {
			struct in6_addr dst = in6(scope[i]);
			char desc[80];

			d.len = 0;
			dg_icmp(&d, &A6, &dst, 128, 64, 8);
			snprintf(desc, sizeof(desc), "echo request to %s",
				 scope[i]);
			expect(desc, run(&d, A_IP, A_PORT, false),
			       SRV_DROP_DST_SCOPE);
		}
	}
}

static void test_loops(void)
{
	struct in6_addr to_self = teredo(PRIMARY, 0, PRIMARY, SRV_PORT);
	struct in6_addr to_self2 = teredo(PRIMARY, 0, SECONDARY, 1234);
	struct in6_addr to_private = teredo(PRIMARY, 0, "10.0.0.1", 1234);
	struct in6_addr to_port0 = teredo(PRIMARY, 0, B_IP, 0);
	struct in6_addr from_self = teredo(PRIMARY, 0, PRIMARY, SRV_PORT);
	struct dg d;

	setup(0, 0);
	dg_rs(&d, true, false);
	expect("RS from our primary:3544", run(&d, PRIMARY, SRV_PORT, false),
	       SRV_DROP_LOOP);
	expect("RS from our secondary:3544", run(&d, SECONDARY, SRV_PORT,
						 true), SRV_DROP_LOOP);
	expect("RS from our primary, another port (never send to us)",
	       run(&d, PRIMARY, 5000, false), SRV_DROP_DST_OWN);
	d.len = 0;
	dg_ip6(&d, &from_self, &B6, 59, 0, 0);
	expect("bubble from a Teredo address of our own primary:3544",
	       run(&d, PRIMARY, SRV_PORT, false), SRV_DROP_LOOP);
	d.len = 0;
	dg_ip6(&d, &A6, &to_self, 59, 0, 0);
	expect("bubble to a Teredo address mapped to our primary:3544",
	       run(&d, A_IP, A_PORT, false), SRV_DROP_DST_OWN);
	d.len = 0;
	dg_ip6(&d, &A6, &to_self2, 59, 0, 0);
	expect("bubble to a Teredo address mapped to our secondary",
	       run(&d, A_IP, A_PORT, false), SRV_DROP_DST_OWN);
	d.len = 0;
	dg_ip6(&d, &A6, &to_private, 59, 0, 0);
	expect("bubble to a Teredo address mapped to 10.0.0.1",
	       run(&d, A_IP, A_PORT, false), SRV_DROP_DST_NOT_GLOBAL);
	d.len = 0;
	dg_ip6(&d, &A6, &to_port0, 59, 0, 0);
	expect("bubble to a Teredo address mapped to port 0",
	       run(&d, A_IP, A_PORT, false), SRV_DROP_DST_NOT_GLOBAL);
}

static void test_rate(void)
{
	struct srv_rl rl;
	struct dg d;
	uint64_t sum = 0;
	int i, ok;

	setup(10, 5);
	dg_rs(&d, true, false);
	for (i = ok = 0; i < 5; i++)
		ok += run(&d, A_IP, A_PORT + i, false) == SRV_TX_RA;
	result(ok == 5, "rate 10/s burst 5: 5 RS from one IPv4 answered");
	expect("... the 6th", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_RATE_SRC);
	expect("... another IPv4 meanwhile", run(&d, B_IP, B_PORT, false),
	       SRV_TX_RA);
	NOW += 100;
	expect("... 100 ms later: one more", run(&d, A_IP, A_PORT, false),
	       SRV_TX_RA);
	expect("... and not two", run(&d, A_IP, A_PORT, false),
	       SRV_DROP_RATE_SRC);
	NOW += 10000;
	for (i = ok = 0; i < 6; i++)
		ok += run(&d, A_IP, A_PORT, false) == SRV_TX_RA;
	result(ok == 5, "... 10 s later: a burst of 5 again, not more");

	/* the destination's limit: many sources, one victim */
	d.len = 0;
	for (i = ok = 0; i < 8; i++) {
		char src[32];
		struct in6_addr s6;

		snprintf(src, sizeof(src), "203.0.113.%d", 100 + i);
		s6 = teredo(PRIMARY, 0, src, 1000);
		d.len = 0;
		dg_ip6(&d, &s6, &B6, 59, 0, 0);
		ok += run(&d, src, 1000, false) == SRV_TX_CLIENT;
	}
	result(ok == 5 && S.stats[SRV_DROP_RATE_DST] == 3,
	       "bubbles from 8 sources to one client: 5 relayed, 3 dropped (rate_destination)");

	for (i = 0; i < SRV_STAT_MAX; i++)
		if (i >= SRV_TX_RA && i != SRV_TX_RA_OTHER)
			sum += S.stats[i];
	result(sum == 5 + 1 + 1 + 1 + 1 + 6 + 8,
	       "every datagram counted once, in one result");

	/* the table: addresses that share a slot share its bucket */
	if (srv_rl_init(&rl, 1, 1, 2, 42))
		abort();
	result(rl.mask == 0, "a table of 1 slot has 1");
	result(srv_rl_allow(&rl, htonl(0x0a000001), 1000) &&
	       srv_rl_allow(&rl, htonl(0x0a000002), 1000) &&
	       !srv_rl_allow(&rl, htonl(0x0a000003), 1000) &&
	       !srv_rl_allow(&rl, htonl(0x0a000001), 1000),
	       "3 addresses in one slot of burst 2: 2 packets in all");
	result(rl.shared == 3 && srv_rl_used(&rl) == 1,
	       "... the sharing counted, the table bounded");
	srv_rl_free(&rl);
	if (srv_rl_init(&rl, 16, 0, 0, 1))
		abort();
	for (i = ok = 0; i < 1000; i++)
		ok += srv_rl_allow(&rl, htonl(0xc6120001), 5);
	result(ok == 1000 && srv_rl_used(&rl) == 0, "rate 0: no limit");
	srv_rl_free(&rl);
}

/*
 * A victim's address spoofed in RSs: its burst, then its rate, whatever
 * else comes. 300 000 other sources must not give it a new burst (with
 * eviction they did: its slot went to another address and came back
 * full). RS 48 bytes of UDP payload (no authentication), RA 104 bytes.
 */
static void test_spray(void)
{
	struct dg d;
	unsigned int ra_victim = 0, bytes_in = 0, bytes_out = 0, i;
	char src[32];

	setup(100, 200);
	dg_rs(&d, false, false);
	for (i = 0; i < 300; i++)
		if (run(&d, A_IP, A_PORT, false) == SRV_TX_RA) {
			ra_victim++;
			bytes_in += d.len;
			bytes_out += TX.len;
		}
	result(ra_victim == 200, "victim: 300 RS, 200 RAs (its burst)");
	result(d.len == 48 && bytes_out == 200 * 104,
	       "... RS of 48 bytes, RA of 104 (2.2x, as RFC 4380 5.3.1 has it)");
	for (i = 0; i < 300000; i++) {
		snprintf(src, sizeof(src), "100.%u.%u.%u", 64 + (i >> 16),
			 (i >> 8) & 0xff, i & 0xff);
		run(&d, src, 1000, false);
	}
	result(S.rl_src.shared > 0,
	       "300 000 other sources: they share slots (%llu times)",
	       (unsigned long long)S.rl_src.shared);
	for (i = 0; i < 300; i++)
		ra_victim += run(&d, A_IP, A_PORT, false) == SRV_TX_RA;
	result(ra_victim == 200,
	       "... the victim gets no new burst: still 200 RAs (got %u)",
	       ra_victim);
	NOW += 1000;
	for (i = 0; i < 300; i++)
		ra_victim += run(&d, A_IP, A_PORT, false) == SRV_TX_RA;
	result(ra_victim <= 300,
	       "... a second later, at most its rate more: %u <= 300",
	       ra_victim);

	/* the whole server: at most --total RAs a second */
	setup_total(100, 200, 50);
	for (i = ra_victim = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "198.18.%u.%u", i >> 8, i & 0xff);
		ra_victim += run(&d, src, 1000, false) == SRV_TX_RA;
	}
	result(ra_victim == 50 && S.stats[SRV_DROP_RATE_TOTAL] == 50,
	       "total 50/s: 100 sources, 50 RAs, 50 drop_rate_total");
	NOW += 1000;
	for (i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "198.18.%u.%u", i >> 8, i & 0xff);
		ra_victim += run(&d, src, 1000, false) == SRV_TX_RA;
	}
	result(ra_victim == 100, "... a second later, 50 more");
	(void)bytes_in;
}

static void test_ctl(void)
{
	char msg[SRV_CTL_MAX], *out = NULL;
	size_t len, olen;
	FILE *f;

	setup(100, 200);
	S.stats[SRV_TX_RA] = 7;
	len = srv_ctl_format(&S, 1234, msg, sizeof(msg));
	result(len > 0 && strstr(msg, "primary 192.0.2.1\n") &&
	       strstr(msg, "secondary 192.0.2.2\n") &&
	       strstr(msg, "prefix 2001:0:c000:201::/64\n") &&
	       strstr(msg, "stat tx_ra 7\n"),
	       "state message: addresses, prefix, counters");
	f = open_memstream(&out, &olen);
	result(!srv_ctl_print(f, msg, len, true) && !fclose(f) &&
	       !strncmp(out, "{\"primary\":\"192.0.2.1\",", 23) &&
	       strstr(out, ",\"mtu\":1280,") &&
	       strstr(out, ",\"native\":true,") &&
	       strstr(out, "\"stats\":{\"rx_primary\":0,") &&
	       strstr(out, "\"tx_ra\":7,") && !strcmp(out + olen - 3, "}}\n"),
	       "JSON: strings, numbers, booleans, stats object");
	free(out);
	f = open_memstream(&out, &olen);
	result(!srv_ctl_print(f, msg, len, false) && !fclose(f) &&
	       strstr(out, "link_local fe80::8000:f227:3fff:fdfe\n") &&
	       strstr(out, "stats:\n") && strstr(out, "    tx_ra "),
	       "text: KEY VALUE lines, then the counters");
	free(out);
	f = open_memstream(&out, &olen);
	result(srv_ctl_print(f, "garbage", 7, true) == -1 && !fclose(f),
	       "a malformed message is refused");
	free(out);
	f = open_memstream(&out, &olen);
	result(!srv_ctl_print(f, "mtu 01280\nstat tx_ra 0\n", 23, true) &&
	       !fclose(f) && !strcmp(out, "{\"mtu\":\"01280\",\"stats\":{\"tx_ra\":0}}\n"),
	       "JSON: a number with a leading zero is a string (RFC 8259)");
	free(out);
	/* a line without a value after good ones: no half JSON object */
	f = open_memstream(&out, &olen);
	result(srv_ctl_print(f, "primary 192.0.2.1\nmtu", 21, true) == -1 &&
	       !fclose(f) && olen == 0,
	       "a malformed message prints nothing, even after good lines");
	free(out);
}

static int prom_str(FILE *f, const char *msg)
{
	return srv_ctl_print_prom(f, msg, strlen(msg));
}

/* the same message in the Prometheus text format (server_prom.c) */
static void test_ctl_prom(void)
{
	char msg[SRV_CTL_MAX], *out = NULL, *line, *save = NULL;
	size_t len, olen, bad = 0, samples = 0;
	FILE *f;

	setup(100, 200);
	S.stats[SRV_TX_RA] = 7;
	S.stats[SRV_DROP_RATE_SRC] = 3;
	len = srv_ctl_format(&S, 12345, msg, sizeof(msg));
	f = open_memstream(&out, &olen);
	result(!srv_ctl_print_prom(f, msg, len) && !fclose(f) &&
	       strstr(out, "# TYPE teredod_server_tx_ra_total counter\n"
			   "teredod_server_tx_ra_total{primary=\"192.0.2.1\"} 7\n") &&
	       strstr(out, "teredod_server_drop_rate_source_total{primary=\"192.0.2.1\"} 3\n") &&
	       strstr(out, "# TYPE teredod_server_mtu gauge\n"
			   "teredod_server_mtu{primary=\"192.0.2.1\"} 1280\n") &&
	       strstr(out, "teredod_server_uptime_seconds{primary=\"192.0.2.1\"} 12.345\n") &&
	       strstr(out, "# TYPE teredod_server_rate_source_shared_total counter\n") &&
	       strstr(out, "teredod_server_info{primary=\"192.0.2.1\",secondary=\"192.0.2.2\","
			   "prefix=\"2001:0:c000:201::/64\",link_local=\"fe80::8000:f227:3fff:fdfe\","
			   "native=\"true\"} 1\n"),
	       "Prometheus: counters _total, gauges, uptime in seconds, an info series");
	/* every line a comment or NAME{primary="..."} VALUE */
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP teredod_server_", 22) ||
		    !strncmp(line, "# TYPE teredod_server_", 22))
			continue;
		samples++;
		if (strncmp(line, "teredod_server_", 15) ||
		    !strstr(line, "{primary=\"192.0.2.1\"") ||
		    !strstr(line, "} "))
			bad++;
	}
	result(!bad && samples == SRV_STAT_MAX + 11,
	       "Prometheus: every sample labelled with the primary address");
	free(out);
	f = open_memstream(&out, &olen);
	result(prom_str(f, "primary 192.0.2.1\nstat tx_ra x\n") == -1 &&
	       !fclose(f) && olen == 0,
	       "Prometheus: a counter that is not a number: nothing printed");
	free(out);
	f = open_memstream(&out, &olen);
	result(prom_str(f, "primary 192.0.2.1\nmtu 1\nmtu 2\n") == -1 &&
	       !fclose(f) && olen == 0, "Prometheus: a key twice: nothing printed");
	free(out);
	f = open_memstream(&out, &olen);
	result(prom_str(f, "primary 192.0.2.1\nx_shared 1\nstat x_shared 2\n") == -1 &&
	       !fclose(f) && olen == 0,
	       "Prometheus: two keys for one metric name: nothing printed");
	free(out);
	f = open_memstream(&out, &olen);
	result(prom_str(f, "mtu 1280\n") == -1 && !fclose(f) &&
	       olen == 0, "Prometheus: no primary address: nothing printed");
	free(out);
	f = open_memstream(&out, &olen);
	result(prom_str(f, "primary a\"b\\c\nBad-Key 1\n") == -1 &&
	       !fclose(f) && olen == 0, "Prometheus: a bad name: nothing printed");
	free(out);
	f = open_memstream(&out, &olen);
	result(!prom_str(f, "primary a\"b\\c\n") && !fclose(f) &&
	       strstr(out, "teredod_server_info{primary=\"a\\\"b\\\\c\"} 1\n"),
	       "Prometheus: label values escaped");
	free(out);
}

static void test_atomic_write(void)
{
	char dir[] = "/tmp/test_server.XXXXXX", path[64], victim[64], buf[16];
	struct stat st;
	FILE *f;
	size_t n;

	if (!mkdtemp(dir)) {
		result(false, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/teredod.prom", dir);
	result(!write_file_atomic(path, "a 1\n", 4) &&
	       !write_file_atomic(path, "b 2\n", 4) && !stat(path, &st) &&
	       (st.st_mode & 0777) == 0644 && st.st_size == 4,
	       "write_file_atomic: replaces the file, mode 0644");
	f = fopen(path, "r");
	n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	result(n == 4 && !memcmp(buf, "b 2\n", 4), "... with the new content");
	unlink(path);
	/* a symlink planted at FILE is replaced, its target left alone */
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	f = fopen(victim, "w");
	if (f)
		fclose(f);
	result(f && !symlink(victim, path) &&
	       !write_file_atomic(path, "c 3\n", 4) && !lstat(path, &st) &&
	       S_ISREG(st.st_mode) && !stat(victim, &st) && st.st_size == 0,
	       "... a symlink at FILE replaced, not followed");
	unlink(path);
	unlink(victim);
	snprintf(path, sizeof(path), "%s/no/such/dir", dir);
	result(write_file_atomic(path, "x", 1) == -1, "... and fails where it cannot write");
	rmdir(dir);
}

int main(void)
{
	A6 = teredo(PRIMARY, 0, A_IP, A_PORT);
	B6 = teredo(PRIMARY, 0, B_IP, B_PORT);
	OTHER6 = teredo("198.51.100.1", 0, "198.51.100.99", 4000);

	test_vectors();
	test_ra_bytes();
	test_rs();
	test_checks();
	test_forwarding();
	test_loops();
	test_rate();
	test_spray();
	test_ctl();
	test_ctl_prom();
	test_atomic_write();
	srv_free(&S);
	puts("# end of the tests");	/* check.sh: it ran to its end */
	return failed;
}
