/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teredod server: a Teredo server (RFC 4380 section 5.3, Miredo's
 * miredo-server behaviour). The packet processing (server_pkt.c) and the
 * rate limiter (server_rl.c) are pure and unit-tested by test_server; the
 * control socket (server_ctl.c) carries the state to "teredod show server";
 * server.c holds the sockets and the event loop.
 */
#ifndef TEREDOD_SERVER_H
#define TEREDOD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "teredod.h"

#define SRV_PORT		3544
#define SRV_ICMP_MAX		88	/* largest ICMPv6 payload relayed */
#define SRV_TRAILER_MAX		128	/* RFC 6081 trailers kept on bubbles */
#define SRV_RX_MAX		2048	/* larger datagrams: dropped */
#define SRV_TX_MAX		512	/* the largest datagram we send */
#define SRV_RA_LEN		117	/* auth + origin + IPv6 + RA + PIO + MTU */

/* Counters; each received datagram ends in exactly one of the results
 * from SRV_TX_RA on (a sent packet or a drop reason).
 */
enum srv_stat {
	SRV_RX_PRIMARY,		/* datagrams received on the primary address */
	SRV_RX_SECONDARY,	/* ... on the secondary */
	SRV_TX_ERRORS,		/* sends the kernel refused */
	SRV_RX_ERRORS,		/* receive errors */
	/* results */
	SRV_TX_RA,		/* router advertisements */
	SRV_TX_RA_OTHER,	/* (of which from the other address: cone) */
	SRV_TX_CLIENT,		/* relayed to a client of ours, origin ind. */
	SRV_TX_TEREDO,		/* relayed to a client of another server */
	SRV_TX_NATIVE,		/* forwarded to native IPv6 */
	SRV_DROP_MALFORMED,	/* 5.3.1 case 1: not a well-formed packet */
	SRV_DROP_TOO_BIG,	/* larger than SRV_RX_MAX, or trailers */
	SRV_DROP_NOT_ALLOWED,	/* case 2: neither bubble nor ICMPv6 */
	SRV_DROP_SRC_NOT_GLOBAL,/* case 3: IPv4 source not global unicast */
	SRV_DROP_BAD_SOURCE,	/* case 7: not an RS, not a Teredo source
				 * matching the UDP source, not native to ours
				 */
	SRV_DROP_LOOP,		/* UDP source is one of our addresses:3544 */
	SRV_DROP_BAD_RS,	/* RS: bad code, checksum, hop limit, auth */
	SRV_DROP_LOCAL,		/* to us (ff02::2, our link-local), not an RS */
	SRV_DROP_DST_SCOPE,	/* IPv6 destination not global */
	SRV_DROP_ICMP_SIZE,	/* ICMPv6 payload above SRV_ICMP_MAX */
	SRV_DROP_HOP_LIMIT,	/* hop limit 0, to native IPv6 */
	SRV_DROP_DST_NOT_GLOBAL,/* embedded IPv4 not global unicast */
	SRV_DROP_DST_OWN,	/* embedded IPv4 is one of our addresses */
	SRV_DROP_NO_NATIVE,	/* native IPv6 needed, no raw socket */
	SRV_DROP_RATE_SRC,	/* over the rate of its IPv4 source */
	SRV_DROP_RATE_DST,	/* over the rate of its IPv4 destination */
	SRV_DROP_RATE_TOTAL,	/* RA over the server's total budget */
	SRV_STAT_MAX,
};

extern const char *const srv_stat_names[SRV_STAT_MAX];

/* A token bucket: its deficit in 1/1000 packet (0: full) at @last ms. */
struct srv_bucket {
	uint64_t last;
	uint64_t deficit;
};

/*
 * Take one packet from @b, refilled at @rate packets a second up to
 * @burst: false if it is empty.
 */
bool srv_bucket_take(struct srv_bucket *b, uint32_t rate, uint32_t burst,
		     uint64_t now);

/*
 * Per-IPv4 token buckets in a fixed table (no allocation after init):
 * @rate packets per second, bursts of @burst; the slot of an address is
 * a keyed hash of it, and addresses that share a slot share its bucket
 * (never evicted: no address gets a new burst because others came).
 */
struct srv_rl_slot {
	uint32_t addr;		/* the last address seen, network order */
	struct srv_bucket b;
};

struct srv_rl {
	struct srv_rl_slot *slots;
	uint32_t mask;		/* slots - 1, a power of 2 minus 1 */
	uint32_t seed;
	uint32_t rate;		/* packets per second; 0: no limit */
	uint32_t burst;
	uint64_t shared;	/* an address found its slot last used by
				 * another one (collisions, counted)
				 */
};

/* @slots rounded up to a power of 2. 0 or -1 (ENOMEM). */
int srv_rl_init(struct srv_rl *rl, uint32_t slots, uint32_t rate,
		uint32_t burst, uint32_t seed);
void srv_rl_free(struct srv_rl *rl);
/* May @addr send (or be sent) one more packet at @now (ms)? Takes a token. */
bool srv_rl_allow(struct srv_rl *rl, uint32_t addr, uint64_t now);
/* Slots in use. */
uint32_t srv_rl_used(const struct srv_rl *rl);

/* The server: configuration (network order) and state. */
struct srv {
	uint32_t primary;	/* ServerBindAddress */
	uint32_t secondary;	/* ServerBindAddress2 */
	uint32_t prefix;	/* the Teredo prefix, 0x20010000 (host order) */
	uint32_t mtu;		/* advertised MTU, host order */
	bool native;		/* a raw IPv6 socket is there */
	struct in6_addr ll;	/* our link-local address */
	struct srv_rl rl_src;	/* per IPv4 source */
	struct srv_rl rl_dst;	/* per IPv4 destination of relayed packets */
	uint32_t ra_total;	/* RAs per second in all (bursts of as many) */
	struct srv_bucket ra_all;
	uint64_t stats[SRV_STAT_MAX];
};

/* A received datagram. */
struct srv_rx {
	const uint8_t *buf;
	size_t len;
	bool truncated;		/* longer than the buffer */
	uint32_t src_ip;	/* network order */
	uint16_t src_port;	/* network order */
	bool secondary;		/* arrived on the secondary address */
};

enum srv_via {
	SRV_VIA_NONE,		/* dropped */
	SRV_VIA_PRIMARY,	/* UDP from the primary address */
	SRV_VIA_SECONDARY,	/* UDP from the secondary address */
	SRV_VIA_RAW,		/* raw IPv6 to dst6 */
};

/* What to send in answer: buf is the caller's, SRV_TX_MAX bytes. */
struct srv_tx {
	enum srv_via via;
	uint32_t dst_ip;	/* UDP: network order */
	uint16_t dst_port;	/* UDP: network order */
	struct in6_addr dst6;	/* raw */
	uint8_t *buf;
	size_t len;
};

/*
 * Set up @s for @primary/@secondary (network order), @mtu (0: 1280), rate
 * limits of @rate packets per second per IPv4 address with bursts of
 * @burst (rate 0: none) in tables of @slots entries, and at most @total
 * router advertisements per second in all (0: no limit). 0 or -1
 * (ENOMEM).
 */
int srv_init(struct srv *s, uint32_t primary, uint32_t secondary,
	     unsigned int mtu, uint32_t rate, uint32_t burst, uint32_t total,
	     uint32_t slots);
void srv_free(struct srv *s);

/*
 * Process one datagram (RFC 4380 5.3.1 in order, then Miredo's rules) at
 * @now_ms: fills @tx (via SRV_VIA_NONE when nothing is to be sent),
 * counts the result in s->stats and returns it (an enum srv_stat from
 * SRV_TX_RA on; SRV_TX_RA for both kinds of RA).
 */
enum srv_stat srv_process(struct srv *s, const struct srv_rx *rx,
			  struct srv_tx *tx, uint64_t now);

/* Building blocks, exposed for the unit tests. */
void srv_origin_encode(uint8_t oi[8], uint32_t ip, uint16_t port);
/* the RA for an RS: @nonce NULL for none; returns its length */
size_t srv_ra_build(const struct srv *s, uint8_t *buf, const uint8_t *nonce,
		    uint32_t client_ip, uint16_t client_port,
		    const struct in6_addr *dst);

/* The control socket: unix socket /run/teredod/server-PRIMARY[@NETNS].sock,
 * SOCK_SEQPACKET; on connect the server sends its state as "KEY VALUE"
 * lines (server_ctl.c).
 */
#define SRV_CTL_PREFIX	"server-"
#define SRV_CTL_SUFFIX	".sock"
#define SRV_CTL_MAX	8192

/* Its path. */
const char *srv_ctl_path(const struct srv *s, char *buf, size_t size);

/* Listening socket for @s (non-blocking): fd, or -1 with errno. */
int srv_ctl_listen(const struct srv *s);
/* Accept one client, send it the state, close it. */
void srv_ctl_serve(int lfd, const struct srv *s, uint64_t uptime_ms);
/* The state message ("KEY VALUE" lines); its length, truncated to @size. */
size_t srv_ctl_format(const struct srv *s, uint64_t uptime_ms, char *buf,
		      size_t size);
/* Print a state message as text or JSON: 0, or -1 if it is malformed
 * (and then nothing is printed).
 */
int srv_ctl_print(FILE *f, const char *msg, size_t len, bool json);
/* The same message in the Prometheus text format (server_prom.c). */
int srv_ctl_print_prom(FILE *f, const char *msg, size_t len);
/* @buf into @path, atomically (a temporary file renamed); mode 0644. */
int write_file_atomic(const char *path, const char *buf, size_t len);

/* teredod show server [ADDRESS] [-j]: argv[0] is "server". */
int cmd_show_server(int argc, char **argv, const struct opts *opts);

#endif /* TEREDOD_SERVER_H */
