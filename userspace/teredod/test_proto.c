// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of proto.c: Teredo addresses and flags, the router
 * solicitation (byte for byte) and the checks of router advertisements,
 * fed with a valid one as Miredo's server sends it and each single
 * corruption of it. Prints "ok DESC" or "not ok DESC" a line (check.sh
 * numbers them as TAP); exits 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "proto.h"
#include "test_lib.h"


static uint32_t in4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "bad test address %s\n", s);
		exit(2);
	}
	return a.s_addr;
}

static void check_in6(const char *desc, const struct in6_addr *got,
		      const char *want)
{
	struct in6_addr w = in6(want);
	char s[INET6_ADDRSTRLEN];
	bool ok = !memcmp(got, &w, sizeof(w));

	result(ok, "%s", desc);
	if (!ok)
		printf("#   got:  %s\n#   want: %s\n",
		       inet_ntop(AF_INET6, got, s, sizeof(s)), want);
}

static void check_bytes(const char *desc, const uint8_t *got,
			const uint8_t *want, size_t len)
{
	bool ok = !memcmp(got, want, len);
	size_t i;

	result(ok, "%s", desc);
	for (i = 0; !ok && i < len; i++)
		if (got[i] != want[i])
			printf("#   byte %zu: got 0x%02x, want 0x%02x\n", i,
			       got[i], want[i]);
}

/* Appendix A: address -> server, flags, mapped port and IPv4 */
static void check_addr(const char *addr, const char *server, uint16_t flags,
		       uint16_t port, const char *ip)
{
	struct teredo_addr_parts p, w = {
		.server = in4(server), .flags = flags, .port = htons(port),
		.ip = in4(ip),
	};
	struct in6_addr a = in6(addr), b;
	char desc[160];
	bool ok;

	snprintf(desc, sizeof(desc), "addr %s is Teredo", addr);
	result(teredo_is_teredo(&a), "%s", desc);
	teredo_addr_split(&a, &p);
	ok = p.server == w.server && p.flags == w.flags &&
	     p.port == w.port && p.ip == w.ip;
	snprintf(desc, sizeof(desc), "addr %s -> server %s, flags 0x%04x, "
		 "%s:%u", addr, server, flags, ip, port);
	result(ok, "%s", desc);
	if (!ok)
		printf("#   got: server %08x flags %04x port %u ip %08x\n",
		       ntohl(p.server), p.flags, ntohs(p.port), ntohl(p.ip));
	teredo_addr_build(&b, &w);
	snprintf(desc, sizeof(desc), "addr built from its parts: %s", addr);
	check_in6(desc, &b, addr);
}

static void test_addr(void)
{
	struct in6_addr a;

	check_addr("2001:0:4136:e378:8000:63bf:3fff:fdd2", "65.54.227.120",
		   0x8000, 40000, "192.0.2.45");
	check_addr("2001:0:c000:201:8000:cfc6:3fff:fd74", "192.0.2.1",
		   0x8000, 12345, "192.0.2.139");
	check_addr("2001:0:c612:1:1234:0:ffff:ffff", "198.18.0.1",
		   0x1234, 65535, "0.0.0.0");
	a = in6("2002:c000:201::1");
	result(!teredo_is_teredo(&a), "addr 2002:c000:201::1 is not Teredo");
	a = in6("2001:1::1");
	result(!teredo_is_teredo(&a), "addr 2001:1::1 is not Teredo");
	a = in6("3ffe:831f::1");
	result(!teredo_is_teredo(&a), "addr 3ffe:831f::1 is not Teredo");
}

static void test_flags(void)
{
	unsigned int r, bad = 0x10000;

	for (r = 0; r <= 0xffff && bad > 0xffff; r++)
		if (teredo_flags_random(r) != (r & 0x3cff))
			bad = r;
	result(bad > 0xffff, "flags: random bits masked by 0x3cff, all inputs");
	if (bad <= 0xffff)
		printf("#   0x%04x -> 0x%04x\n", bad, teredo_flags_random(bad));
	result(teredo_flags_random(0xffff) == 0x3cff,
	       "flags: 0xffff -> 0x3cff (no cone, R, U, G bits)");
	result(!(teredo_flags_random(0x8000) & TEREDO_FLAG_CONE),
	       "flags: cone bit never set");
}

static const uint8_t nonce[TEREDO_NONCE_LEN] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

static void test_rs(void)
{
	static const uint8_t want[TEREDO_RS_LEN] = {
		0x00, 0x01, 0x00, 0x00,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00,
		0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0xff,
		0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		0x85, 0x00, 0x7d, 0x37, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t cone_src[16] = {
		0xfe, 0x80, 0, 0, 0, 0, 0, 0,
		0x80, 0x00, 0x54, 0x45, 0x52, 0x45, 0x44, 0x4f,
	};
	uint8_t rs[TEREDO_RS_LEN + 4];

	memset(rs, 0xaa, sizeof(rs));
	result(teredo_rs_build(rs, nonce, false) == TEREDO_RS_LEN,
	       "RS: 61 bytes");
	check_bytes("RS non-cone: bytes of Appendix A", rs, want,
		    TEREDO_RS_LEN);
	result(rs[TEREDO_RS_LEN] == 0xaa, "RS: nothing written past 61 bytes");
	result(rs[55] == 0x7d && rs[56] == 0x37, "RS non-cone: checksum 0x7d37");

	teredo_rs_build(rs, nonce, true);
	check_bytes("RS cone: source fe80::8000:5445:5245:444f", rs + 21,
		    cone_src, sizeof(cone_src));
	result(rs[55] == 0x12 && rs[56] == 0x5d, "RS cone: checksum 0x125d");
	check_bytes("RS cone: the rest as non-cone", rs, want, 21);
	check_in6("link-local restricted", &teredo_ll_restricted,
		  "fe80::ffff:ffff:ffff");
	check_in6("link-local cone", &teredo_ll_cone,
		  "fe80::8000:5445:5245:444f");
}

static void test_server_ll(void)
{
	struct in6_addr a;

	teredo_server_ll(&a, in4("192.0.2.1"));
	check_in6("server link-local of 192.0.2.1", &a,
		  "fe80::8000:f227:3fff:fdfe");
	teredo_server_ll(&a, in4("65.54.227.120"));
	check_in6("server link-local of 65.54.227.120", &a,
		  "fe80::8000:f227:bec9:1c87");
}

/*
 * A router advertisement as Miredo's server sends it (117 bytes): auth
 * header, origin indication (192.0.2.45:40000), IPv6 from the server's
 * link-local to fe80::ffff:ffff:ffff, RA (lifetime 0, retrans 2000 ms;
 * checksum left 0: not checked, as in Miredo), prefix 2001:0:c000:201::/64,
 * MTU 1280.
 */
#define OFF_ORIGIN	13
#define OFF_IP6		21
#define OFF_RA		61
#define OFF_PIO		77
#define OFF_MTU		109
#define RA_FULL		117
#define RA_MAX		512

static const uint8_t pio[32] = {
	0x03, 0x04, 0x40, 0x40, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01,
	0, 0, 0, 0, 0, 0, 0, 0,
};

static size_t ra_valid(uint8_t *b)
{
	static const uint8_t origin[8] = {
		0x00, 0x00, 0x63, 0xbf, 0x3f, 0xff, 0xfd, 0xd2,
	};
	static const uint8_t ra[16] = {
		0x86, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0xd0,
	};
	static const uint8_t mtu[8] = { 0x05, 0x01, 0, 0, 0, 0, 0x05, 0x00 };
	uint8_t *ip6 = b + OFF_IP6;
	struct in6_addr src;

	memset(b, 0, RA_MAX);
	b[1] = 1;
	memcpy(b + 4, nonce, sizeof(nonce));
	memcpy(b + OFF_ORIGIN, origin, sizeof(origin));
	ip6[0] = 0x60;
	ip6[5] = 56;
	ip6[6] = 58;
	ip6[7] = 255;
	teredo_server_ll(&src, in4("192.0.2.1"));
	memcpy(ip6 + 8, &src, 16);
	memcpy(ip6 + 24, &teredo_ll_restricted, 16);
	memcpy(b + OFF_RA, ra, sizeof(ra));
	memcpy(b + OFF_PIO, pio, sizeof(pio));
	memcpy(b + OFF_MTU, mtu, sizeof(mtu));
	return RA_FULL;
}

/* remove @n bytes at @off, or insert @n bytes of @p there */
static size_t ra_cut(uint8_t *b, size_t len, size_t off, size_t n)
{
	memmove(b + off, b + off + n, len - off - n);
	return len - n;
}

static size_t ra_insert(uint8_t *b, size_t len, size_t off,
			const uint8_t *p, size_t n)
{
	memmove(b + off + n, b + off, len - off);
	memcpy(b + off, p, n);
	return len + n;
}

static void ra_set_plen(uint8_t *b, size_t ip6off, unsigned int plen)
{
	b[ip6off + 4] = plen >> 8;
	b[ip6off + 5] = plen & 0xff;
}

static void ra_set_mtu(uint8_t *b, uint32_t mtu)
{
	mtu = htonl(mtu);
	memcpy(b + OFF_MTU + 4, &mtu, 4);
}

/*
 * Parse @len bytes of @b (copied to a buffer of exactly that size, so
 * that a read past the end shows under a memory checker); @want is the
 * expected reason, NULL for acceptance.
 */
static int ra_try(const uint8_t *b, size_t len, uint16_t port,
		  struct teredo_ra *ra, const char **why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	if (!copy) {
		perror("malloc");
		exit(2);
	}
	memcpy(copy, b, len);
	*why = NULL;
	ret = teredo_ra_parse(copy, len, port, nonce, ra, why);
	free(copy);
	return ret;
}

static void check_ra(const char *desc, const uint8_t *b, size_t len,
		     uint16_t port, const char *want, struct teredo_ra *ra)
{
	char what[160];
	const char *why;
	int ret = ra_try(b, len, port, ra, &why);
	bool ok;

	if (want) {
		ok = ret == -1 && why && !strcmp(why, want);
		snprintf(what, sizeof(what), "RA %s: rejected, \"%s\"",
			 desc, want);
	} else {
		ok = ret == 0;
		snprintf(what, sizeof(what), "RA %s: accepted", desc);
	}
	result(ok, "%s", what);
	if (!ok)
		printf("#   got: %d, \"%s\"\n", ret, why ? why : "(null)");
}

static const uint16_t port3544 = 0xd80d;	/* htons(3544) */

static void check_ra_fields(const char *desc, const struct teredo_ra *ra,
			    const char *server, unsigned int mtu, bool cone)
{
	bool ok = ra->server == in4(server) &&
		  ra->mapped_ip == in4("192.0.2.45") &&
		  ra->mapped_port == htons(40000) && ra->mtu == mtu &&
		  ra->cone == cone;
	char what[160];

	snprintf(what, sizeof(what), "RA %s: server %s, 192.0.2.45:40000, "
		 "mtu %u, %s", desc, server, mtu, cone ? "cone" : "not cone");
	result(ok, "%s", what);
	if (!ok)
		printf("#   got: server %08x, %08x:%u, mtu %u, cone %d\n",
		       ntohl(ra->server), ntohl(ra->mapped_ip),
		       ntohs(ra->mapped_port), ra->mtu, ra->cone);
}

static void test_ra_valid(void)
{
	static const uint8_t trailer[8] = { 0x03, 0x06, 0, 0, 1, 2, 3, 4 };
	static const uint8_t idau[5] = { 'i', 'd', 'a', 'u', '!' };
	static const uint8_t sll[8] = { 0x01, 0x01, 1, 2, 3, 4, 5, 6 };
	uint8_t b[RA_MAX];
	struct teredo_ra ra;
	size_t len;

	len = ra_valid(b);
	check_ra("as Miredo's server sends it", b, len, port3544, NULL, &ra);
	check_ra_fields("as Miredo's server sends it", &ra, "192.0.2.1", 1280,
			false);

	len = ra_valid(b);
	len = ra_insert(b, len, len, trailer, sizeof(trailer));
	check_ra("with trailing bytes (RFC 6081 trailer)", b, len, port3544,
		 NULL, &ra);

	len = ra_valid(b);
	memcpy(b + OFF_IP6 + 24, &teredo_ll_cone, 16);
	check_ra("to the cone link-local", b, len, port3544, NULL, &ra);
	check_ra_fields("to the cone link-local", &ra, "192.0.2.1", 1280,
			true);

	len = ra_insert(b, ra_valid(b), 4, idau, sizeof(idau));
	b[2] = 2;
	b[3] = 3;
	check_ra("with ID-len 2, AU-len 3", b, len, port3544, NULL, &ra);
	check_ra_fields("with ID-len 2, AU-len 3", &ra, "192.0.2.1", 1280,
			false);

	len = ra_valid(b);
	memcpy(b + OFF_PIO + 16, "\x3f\xfe\x83\x1f", 4);
	check_ra("with prefix 3ffe:831f::/32", b, len, port3544, NULL, &ra);
	check_ra_fields("with prefix 3ffe:831f::/32", &ra, "192.0.2.1", 1280,
			false);

	len = ra_cut(b, ra_valid(b), OFF_MTU, 8);
	ra_set_plen(b, OFF_IP6, 48);
	check_ra("without MTU option", b, len, port3544, NULL, &ra);
	check_ra_fields("without MTU option", &ra, "192.0.2.1", 0, false);

	len = ra_valid(b);
	ra_set_mtu(b, 65535);
	check_ra("with MTU 65535", b, len, port3544, NULL, &ra);
	check_ra_fields("with MTU 65535", &ra, "192.0.2.1", 65535, false);

	len = ra_insert(b, ra_valid(b), OFF_PIO, sll, sizeof(sll));
	ra_set_plen(b, OFF_IP6, 64);
	check_ra("with an unknown option before the prefix", b, len,
		 port3544, NULL, &ra);
}

/* every length short of the full packet: rejected, nothing read past it */
static void test_ra_cut(void)
{
	uint8_t b[RA_MAX];
	struct teredo_ra ra;
	const char *why;
	size_t len, n, bad = 0;

	len = ra_valid(b);
	for (n = 0; n < len; n++)
		if (ra_try(b, n, port3544, &ra, &why) != -1 || !why)
			bad = n + 1;
	result(!bad, "RA cut at each length 0..116: rejected");
	if (bad)
		printf("#   accepted or no reason at %zu bytes\n", bad - 1);
	result(ra_try(b, 70, port3544, &ra, &why) == -1 && why &&
	       !strcmp(why, "truncated"),
	       "RA cut in the ICMPv6 part: \"truncated\"");
}

static void test_ra_bad_headers(void)
{
	uint8_t b[RA_MAX];
	struct teredo_ra ra;
	size_t len;

	len = ra_valid(b);
	check_ra("from port 3545", b, len, htons(3545), "not from port 3544",
		 &ra);
	check_ra("without auth header", b + OFF_ORIGIN, len - OFF_ORIGIN,
		 port3544, "no authentication header", &ra);
	b[11] ^= 1;
	check_ra("with another nonce", b, len, port3544, "nonce mismatch", &ra);
	len = ra_valid(b);
	b[12] = 1;
	check_ra("with confirmation byte 1", b, len, port3544,
		 "confirmation byte set", &ra);
	len = ra_cut(b, ra_valid(b), OFF_ORIGIN, 8);
	check_ra("without origin indication", b, len, port3544,
		 "no origin indication", &ra);
	len = ra_valid(b);
	b[2] = 200;
	check_ra("with an ID-len past the end", b, len, port3544,
		 "truncated", &ra);
	len = ra_valid(b);
	b[OFF_IP6] = 0x40;
	check_ra("with IP version 4", b, len, port3544, "not IPv6", &ra);
	len = ra_valid(b);
	ra_set_plen(b, OFF_IP6, 57);
	check_ra("with payload length 57 (56 received)", b, len, port3544,
		 "truncated", &ra);
	len = ra_valid(b);
	b[OFF_IP6 + 6] = 59;
	check_ra("with next header 59", b, len, port3544, "not ICMPv6", &ra);
	len = ra_valid(b);
	memcpy(b + OFF_IP6 + 24, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	check_ra("to fe80::1", b, len, port3544, "wrong destination", &ra);
	len = ra_valid(b);
	b[OFF_RA] = 133;
	check_ra("of type 133", b, len, port3544, "not a router advertisement",
		 &ra);
	len = ra_valid(b);
	b[OFF_RA + 1] = 1;
	check_ra("of code 1", b, len, port3544, "not a router advertisement",
		 &ra);
}

static void test_ra_bad_options(void)
{
	uint8_t b[RA_MAX];
	struct teredo_ra ra;
	size_t len;

	len = ra_valid(b);
	b[OFF_MTU + 1] = 0;
	check_ra("with an option of length 0", b, len, port3544,
		 "zero-length option", &ra);
	len = ra_valid(b);
	b[OFF_MTU + 1] = 2;
	check_ra("with an option past the end", b, len, port3544,
		 "option past the end", &ra);
	len = ra_valid(b);
	ra_set_plen(b, OFF_IP6, 55);
	check_ra("with 7 bytes of the last option", b, len, port3544,
		 "option past the end", &ra);
	len = ra_cut(b, ra_valid(b), OFF_PIO, 32);
	ra_set_plen(b, OFF_IP6, 24);
	check_ra("without prefix option", b, len, port3544, "no prefix option",
		 &ra);
	len = ra_insert(b, ra_valid(b), OFF_MTU, pio, sizeof(pio));
	ra_set_plen(b, OFF_IP6, 88);
	check_ra("with 2 prefix options", b, len, port3544, "2 prefix options",
		 &ra);
	len = ra_valid(b);
	b[OFF_PIO + 2] = 48;
	check_ra("with prefix length 48", b, len, port3544,
		 "prefix length not 64", &ra);
	len = ra_valid(b);
	b[OFF_PIO + 17] = 0x02;
	check_ra("with prefix 2002:0::/32", b, len, port3544,
		 "prefix not 2001:0::/32", &ra);
	len = ra_valid(b);
	b[OFF_PIO + 1] = 5;
	ra_set_plen(b, OFF_IP6, 64);
	check_ra("with a prefix option of 40 bytes", b, len + 8, port3544,
		 "bad prefix option", &ra);
	len = ra_valid(b);
	ra_set_mtu(b, 1000);
	check_ra("with MTU 1000", b, len, port3544, "bad MTU option", &ra);
	ra_set_mtu(b, 1279);
	check_ra("with MTU 1279", b, len, port3544, "bad MTU option", &ra);
	ra_set_mtu(b, 70000);
	check_ra("with MTU 70000", b, len, port3544, "bad MTU option", &ra);
	len = ra_valid(b);
	b[OFF_MTU + 1] = 2;
	ra_set_plen(b, OFF_IP6, 64);
	check_ra("with an MTU option of 16 bytes", b, len + 8, port3544,
		 "bad MTU option", &ra);
}

int main(void)
{
	test_addr();
	test_flags();
	test_rs();
	test_server_ll();
	test_ra_valid();
	test_ra_cut();
	test_ra_bad_headers();
	test_ra_bad_options();
	puts("# end of the tests");	/* check.sh: it ran to its end */
	return failed;
}
