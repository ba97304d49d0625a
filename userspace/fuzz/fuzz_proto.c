// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: proto.c's parsing of bytes from the network, alone
 * and against the server's code that builds the same things.
 *
 *	nonce (8) | source port (2) | UDP payload
 *
 * - teredo_ra_parse() of the payload as the answer to a solicitation with
 *   that nonce, from that port (authentication header with client id and
 *   auth value, origin indication, IPv6, RA, its options, RFC 6081
 *   trailers after the packet); what it accepts must be a well-formed RA.
 * - The first 16 bytes as an IPv6 address: teredo_addr_split() and
 *   teredo_addr_build() give it back when it is a Teredo address;
 *   teredo_server_ll() of its first 4 bytes (the source of the server's
 *   RAs) is fe80::/64 with the cone flag, port 3544 and that address.
 * - The first 17 bytes as what a server puts in an RA (nonce, client
 *   IPv4 and port, MTU, cone): srv_ra_build()'s RA is accepted by
 *   teredo_ra_parse() with those values (refused if the MTU is out of
 *   range), and the client's teredo_rs_build() solicitation is answered
 *   by srv_process().
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/teredo.h>

#include "proto.h"
#include "server.h"

#define check(x)	((x) ? (void)0 : fail(#x, __LINE__))

static void fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_proto.c:%d: invariant violated: %s\n", line,
		what);
	abort();
}

/* What a valid RA is made of, read again here from its bytes. */
static void check_ra(const uint8_t *p, size_t len, const struct teredo_ra *ra)
{
	size_t off = 13 + (size_t)p[2] + p[3] + 8, plen;

	check(len >= off + 40 + 16 + 32);
	check(p[off] >> 4 == 6 && p[off + 6] == 58);
	plen = (size_t)p[off + 4] << 8 | p[off + 5];
	check(plen >= 16 + 32 && off + 40 + plen <= len);
	check(p[off + 40] == 134 && p[off + 41] == 0);
	check(!memcmp(p + off + 24, ra->cone ? &teredo_ll_cone :
		      &teredo_ll_restricted, 16));
	check(!ra->mtu || (ra->mtu >= 1280 && ra->mtu <= 65535));
}

static void parse(const uint8_t *data, size_t size)
{
	struct teredo_ra ra;
	const char *why = NULL;
	uint16_t port;
	uint8_t *buf;

	if (size < 10)
		return;
	memcpy(&port, data + 8, 2);
	/* a buffer of its own size, so that reads past it are caught */
	buf = malloc(size - 10 + 1);
	if (!buf)
		abort();
	memcpy(buf, data + 10, size - 10);
	if (!teredo_ra_parse(buf, size - 10, port, data, &ra, &why)) {
		check(port == htons(TEREDO_PORT));
		check_ra(buf, size - 10, &ra);
	} else {
		check(why && *why);
	}
	free(buf);
}

static void addresses(const uint8_t *data, size_t size)
{
	struct teredo_addr_parts parts;
	struct in6_addr a, b, c;
	uint32_t server;

	if (size < 16)
		return;
	memcpy(&a, data, 16);
	teredo_addr_split(&a, &parts);
	teredo_addr_build(&b, &parts);
	check(!memcmp(&a, &b, 16) == teredo_is_teredo(&a));
	memcpy(&server, data, 4);
	teredo_server_ll(&b, server);
	memset(&c, 0, 8);
	c.s6_addr[0] = 0xfe;
	c.s6_addr[1] = 0x80;
	check(!memcmp(&b, &c, 8));
	teredo_addr_split(&b, &parts);
	check(parts.flags == TEREDO_FLAG_CONE &&
	      parts.port == htons(TEREDO_PORT) && parts.ip == server);
}

static struct srv srv;

/* The server's RA as the client reads it; the client's RS as the server
 * reads it.
 */
static void both_ends(const uint8_t *data, size_t size)
{
	uint8_t rs[TEREDO_RS_LEN], buf[SRV_TX_MAX];
	struct srv_tx tx = { .buf = buf };
	struct srv_rx rx = { .buf = rs };
	struct teredo_ra ra;
	const char *why;
	uint32_t ip, mtu;
	uint16_t port;
	size_t len;
	bool cone;

	if (size < 17)
		return;
	memcpy(&ip, data + 8, 4);
	memcpy(&port, data + 12, 2);
	mtu = (uint32_t)data[14] << 8 | data[15];
	cone = data[16] & 1;
	srv.mtu = mtu;
	len = srv_ra_build(&srv, buf, data, ip, port, cone ? &teredo_ll_cone :
			   &teredo_ll_restricted);
	check(len == SRV_RA_LEN);
	if (teredo_ra_parse(buf, len, htons(SRV_PORT), data, &ra, &why)) {
		check(mtu < 1280 && !strcmp(why, "bad MTU option"));
	} else {
		check(mtu >= 1280);
		check(ra.server == srv.primary && ra.mapped_ip == ip &&
		      ra.mapped_port == port && ra.mtu == mtu &&
		      ra.cone == cone);
	}

	rx.len = teredo_rs_build(rs, data, cone);
	rx.src_ip = htonl(0xcb007105);		/* 203.0.113.5:40000 */
	rx.src_port = htons(40000);
	check(srv_process(&srv, &rx, &tx, 1000) == SRV_TX_RA);
	check(tx.len == SRV_RA_LEN && !memcmp(buf + 4, data, 8));
	check(tx.via == (cone ? SRV_VIA_SECONDARY : SRV_VIA_PRIMARY));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* 192.0.2.1 and .2, no rate limit */
	if (srv_init(&srv, htonl(0xc0000201), htonl(0xc0000202), 0, 0, 0, 0,
		     4))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse(data, size);
	addresses(data, size);
	both_ends(data, size);
	return 0;
}
