// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: what the client daemon makes of the servers' answers.
 * They come from the network through the kernel, as TEREDO_CMD_CONTROL
 * notifications: client_control_drain() (client.c) reads them with
 * client_read_control() (netdev.c: the netlink parsing), matches them
 * against its pending solicitations with teredo_ra_parse() (proto.c:
 * authentication, origin indication, IPv6, RA and its options), and
 * qualifies, refreshes or types the NAT, talking back to the kernel.
 *
 * The kernel is this file: teredod's netlink sockets are stood in for at
 * mnl_socket_sendto() and mnl_socket_recvfrom() (every request is acked
 * and checked), getrandom() is a counter so that the nonces of new
 * solicitations are the same from run to run, getifaddrs() gives one
 * address (203.0.113.200).
 *
 * Input: a mode byte, then
 *  - mode & 0x80: any bytes, as one datagram of the control socket;
 *  - else datagrams from servers, each made into a notification:
 *	source IPv4 (4) | source port (2) | length (2, big endian) | payload
 *    (the last one takes what is left if shorter).
 * mode & 3 is the state the daemon starts in: 0 qualifying (a
 * solicitation to each server), 1 qualified and refreshing, 2 testing the
 * secondary address, 3 qualifying after a down with the same server and
 * mapping as before (the random bits must come back).
 *
 * teredod's log goes to /dev/null, unless FUZZ_LOG is set.
 *
 * Checked: what teredod asks the kernel (solicitations of 61 bytes only
 * to a server's address and port 3544, a Teredo address with a
 * configured server's prefix and no cone bit, the same random bits while
 * the mapping holds, an MTU within 1280-65535) and its state afterwards.
 * Received bytes past the message are poisoned (ASan) so that reading
 * them is caught.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <sanitizer/asan_interface.h>

#include "client.h"
#include "log.h"

#define IFINDEX		7
#define FAMILY		0x1c	/* the teredo family's id */
#define MAX_DG		32	/* datagrams per input */
#define HDR_LEN		8

#define check(x)	((x) ? (void)0 : fail(#x, __LINE__))

static FILE *out;	/* stderr, for our reports */

static void fail(const char *what, int line)
{
	fprintf(out, "fuzz_client.c:%d: invariant violated: %s\n", line,
		what);
	abort();
}

/* Stand-ins for the sockets: only the wrappers below see them. */
static struct mnl_socket *const SOCK_G = (struct mnl_socket *)"g";
static struct mnl_socket *const SOCK_EV = (struct mnl_socket *)"ev";
static struct mnl_socket *const SOCK_RT = (struct mnl_socket *)"rt";

static struct client cl;
static struct teredod_conf conf;
static uint8_t *g_req, *g_rx, *ev_rx;

/* the kernel's side */
static struct {
	uint8_t ack[256];
	size_t ack_len;
	const uint8_t *in;	/* datagrams left to deliver */
	size_t in_len;
	bool raw;
	unsigned int rnd;
	struct in6_addr addr;	/* the last address set, if any */
	bool have_addr;
} k;
static uint8_t msg[GENL_RX_SIZE];	/* the notification being delivered */

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned int flags)
{
	uint8_t *p = buf;
	size_t i;

	(void)flags;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(0xa5 ^ k.rnd++);
	return (ssize_t)len;
}

int __wrap_getifaddrs(struct ifaddrs **ifap)
{
	static struct sockaddr_in sin = { .sin_family = AF_INET };
	static struct ifaddrs ifa = {
		.ifa_name = "eth0", .ifa_addr = (struct sockaddr *)&sin,
	};

	sin.sin_addr.s_addr = htonl(0xcb0071c8);	/* 203.0.113.200 */
	*ifap = &ifa;
	return 0;
}

void __wrap_freeifaddrs(struct ifaddrs *ifa)
{
	(void)ifa;
}

static bool server_addr(uint32_t ip, bool secondary_too)
{
	size_t i;

	for (i = 0; i < cl.conf.nservers; i++)
		if (ip == cl.conf.servers[i].primary.s_addr ||
		    (secondary_too &&
		     ip == cl.conf.servers[i].secondary.s_addr))
			return true;
	return false;
}

static void check_addr(const struct in6_addr *a)
{
	struct teredo_addr_parts p;

	check(teredo_is_teredo(a));
	teredo_addr_split(a, &p);
	check(server_addr(p.server, false));
	check(!(p.flags & ~TEREDO_RANDOM_MASK));
}

/* RFC 5991: the random bits are kept while the mapping holds. */
static void check_same_bits(const struct in6_addr *a)
{
	struct teredo_addr_parts p, q;

	if (k.have_addr) {
		teredo_addr_split(a, &p);
		teredo_addr_split(&k.addr, &q);
		if (p.server == q.server && p.ip == q.ip && p.port == q.port)
			check(p.flags == q.flags);
	}
	k.addr = *a;
	k.have_addr = true;
}

/* A teredo family request: TEREDO_CMD_SEND, TEREDO_CMD_SET_CLIENT. */
static void check_genl(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *tb[TEREDO_A_MAX + 1] = { NULL };

	check(nlh->nlmsg_type == FAMILY);
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) <= TEREDO_A_MAX)
			tb[mnl_attr_get_type(a)] = a;
	check(tb[TEREDO_A_IFINDEX] &&
	      mnl_attr_get_u32(tb[TEREDO_A_IFINDEX]) == IFINDEX);
	if (gh->cmd == TEREDO_CMD_SEND) {
		check(tb[TEREDO_A_REMOTE_IP] && tb[TEREDO_A_REMOTE_PORT] &&
		      tb[TEREDO_A_PAYLOAD]);
		check(server_addr(mnl_attr_get_u32(tb[TEREDO_A_REMOTE_IP]),
				  true));
		check(mnl_attr_get_u16(tb[TEREDO_A_REMOTE_PORT]) ==
		      htons(TEREDO_PORT));
		check(mnl_attr_get_payload_len(tb[TEREDO_A_PAYLOAD]) ==
		      TEREDO_RS_LEN);
	} else if (gh->cmd == TEREDO_CMD_SET_CLIENT) {
		check(tb[TEREDO_A_QUALIFIED]);
		if (!mnl_attr_get_u8(tb[TEREDO_A_QUALIFIED]))
			return;
		check(tb[TEREDO_A_ADDR] && tb[TEREDO_A_NAT]);
		check(mnl_attr_get_payload_len(tb[TEREDO_A_ADDR]) == 16);
		check_addr(mnl_attr_get_payload(tb[TEREDO_A_ADDR]));
		check_same_bits(mnl_attr_get_payload(tb[TEREDO_A_ADDR]));
		check(mnl_attr_get_u8(tb[TEREDO_A_NAT]) <= TEREDO_NAT_MAX);
	} else {
		check(gh->cmd == TEREDO_CMD_GET_DEV);
	}
}

/* rtnetlink: the MTU and the addresses set on the device. */
static void check_rtnl(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	if (nlh->nlmsg_type == RTM_NEWLINK) {
		mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
			if (mnl_attr_get_type(a) == IFLA_MTU)
				check(mnl_attr_get_u32(a) >= TEREDO_MIN_MTU &&
				      mnl_attr_get_u32(a) <= 65535);
	} else if (nlh->nlmsg_type == RTM_NEWADDR) {
		const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

		mnl_attr_for_each(a, nlh, sizeof(*ifa))
			if (mnl_attr_get_type(a) == IFA_LOCAL &&
			    ifa->ifa_prefixlen == 32)
				check_addr(mnl_attr_get_payload(a));
	}
}

/* Every request is checked, then acked. */
ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl,
				 const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	struct nlmsghdr *ack;
	struct nlmsgerr *e;

	check(nl == SOCK_G || nl == SOCK_RT);
	check(len >= sizeof(*nlh) && nlh->nlmsg_len == len);
	check(nlh->nlmsg_flags & NLM_F_ACK);
	if (nl == SOCK_G)
		check_genl(nlh);
	else
		check_rtnl(nlh);
	ack = mnl_nlmsg_put_header(k.ack);
	ack->nlmsg_type = NLMSG_ERROR;
	ack->nlmsg_flags = NLM_F_CAPPED;
	ack->nlmsg_seq = nlh->nlmsg_seq;
	e = mnl_nlmsg_put_extra_header(ack, sizeof(*e));
	e->error = 0;
	e->msg = *nlh;
	k.ack_len = ack->nlmsg_len;
	return (ssize_t)len;
}

/* The next datagram as a notification, in msg: its length or 0. */
static size_t next_notification(void)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;
	size_t len;
	uint32_t ip;
	uint16_t port;

	if (k.in_len < HDR_LEN)
		return 0;
	memcpy(&ip, k.in, 4);
	memcpy(&port, k.in + 4, 2);
	len = (size_t)k.in[6] << 8 | k.in[7];
	k.in += HDR_LEN;
	k.in_len -= HDR_LEN;
	if (len > k.in_len)
		len = k.in_len;
	if (len > sizeof(msg) - 64)
		len = sizeof(msg) - 64;
	nlh = mnl_nlmsg_put_header(msg);
	nlh->nlmsg_type = FAMILY;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = TEREDO_CMD_CONTROL;
	gh->version = TEREDO_GENL_VERSION;
	mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, IFINDEX);
	mnl_attr_put_u32(nlh, TEREDO_A_REMOTE_IP, ip);
	mnl_attr_put_u16(nlh, TEREDO_A_REMOTE_PORT, port);
	mnl_attr_put(nlh, TEREDO_A_PAYLOAD, len, k.in);
	k.in += len;
	k.in_len -= len;
	return nlh->nlmsg_len;
}

ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
				   size_t size)
{
	const void *src = k.ack;
	size_t len = k.ack_len;

	ASAN_UNPOISON_MEMORY_REGION(buf, size);
	if (nl == SOCK_EV) {
		if (k.raw) {
			src = k.in;
			len = k.in_len;
			k.in_len = 0;
		} else {
			src = msg;
			len = next_notification();
		}
		if (!len) {
			errno = EAGAIN;
			return -1;
		}
	} else {
		check(k.ack_len);	/* a request was sent */
		k.ack_len = 0;
	}
	if (len > size)
		len = size;
	memcpy(buf, src, len);
	/* reading past what was received is a bug (a stack buffer of
	 * rtnl.c is left alone: its frame is unpoisoned on return anyway)
	 */
	if (nl != SOCK_RT)
		ASAN_POISON_MEMORY_REGION((uint8_t *)buf + len, size - len);
	return (ssize_t)len;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[TEREDOD_ERRLEN];

	(void)argc;
	(void)argv;
	/* teredod logs every refusal to stderr: to /dev/null unless
	 * FUZZ_LOG is set (reports go to the real one)
	 */
	out = stderr;
	if (!getenv("FUZZ_LOG")) {
		stderr = fopen("/dev/null", "w");
		if (!stderr)
			abort();
		setvbuf(stderr, NULL, _IOFBF, 1 << 16);
	}
	g_req = malloc(GENL_REQ_SIZE);
	g_rx = malloc(GENL_RX_SIZE);
	ev_rx = malloc(GENL_RX_SIZE);
	if (!g_req || !g_rx || !ev_rx)
		abort();
	/* two servers, the second with its own secondary address */
	conf_defaults(&conf, CONF_CLIENT);
	if (conf_parse(&conf, "fuzz", "ServerAddress 192.0.2.1\n"
		       "ServerAddress 198.51.100.1\n"
		       "ServerAddress2 198.51.100.9\n", false, err,
		       sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	conf.hook[0] = '\0';	/* no hook to run */
	return 0;
}

static void probe(enum probe_kind kind, size_t server)
{
	struct probe *p = &cl.probes[kind == PROBE_QUALIFY ? server : 0];

	p->used = true;
	p->kind = kind;
	p->server = server;
	p->dst = kind == PROBE_SECONDARY ?
		 conf.servers[server].secondary.s_addr :
		 conf.servers[server].primary.s_addr;
	__wrap_getrandom(p->nonce, sizeof(p->nonce), 0);
	p->sent = now_ms();
	p->deadline = p->sent + 4000;
}

/* The state the daemon starts in. */
static void setup(unsigned int state)
{
	struct teredo_addr_parts parts = {
		.server = conf.servers[0].primary.s_addr,
		/* 203.0.113.5:40000 */
		.ip = htonl(0xcb007105), .port = htons(40000),
	};
	size_t i;

	memset(&cl, 0, sizeof(cl));
	memset(&k, 0, sizeof(k));
	cl.conf = conf;
	cl.conf_path = "fuzz";
	cl.g.nl = SOCK_G;
	cl.g.id = FAMILY;
	cl.g.version = TEREDO_GENL_VERSION;
	cl.g.req = (char *)g_req;
	cl.g.rx = (char *)g_rx;
	cl.g.ext_miss = -1;
	cl.ev.nl = SOCK_EV;
	cl.ev.rx = (char *)ev_rx;
	cl.rt.nl = SOCK_RT;
	cl.ifindex = IFINDEX;
	cl.random_bits = 0x1234 & TEREDO_RANDOM_MASK;
	parts.flags = cl.random_bits;
	teredo_addr_build(&cl.addr, &parts);
	cl.have_prev = true;
	cl.prev_server = parts.server;
	cl.prev_ip = parts.ip;
	cl.prev_port = parts.port;
	k.addr = cl.addr;
	k.have_addr = true;
	if (state == 0 || state == 3) {
		for (i = 0; i < conf.nservers; i++)
			probe(PROBE_QUALIFY, i);
		cl.tries = 1;
		if (state == 0) {
			cl.have_prev = false;
			k.have_addr = false;
		}
		return;
	}
	cl.up = true;
	cl.mapped_ip = parts.ip;
	cl.mapped_port = parts.port;
	cl.mtu = 1280;
	cl.last_ra = now_ms();
	probe(state == 1 ? PROBE_REFRESH : PROBE_SECONDARY, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	if (!size)
		return 0;
	setup(data[0] & 3);
	k.raw = data[0] & 0x80;
	k.in = data + 1;
	k.in_len = size - 1;
	if (!k.raw && k.in_len > MAX_DG * 1500)
		k.in_len = MAX_DG * 1500;
	client_control_drain(&cl);

	/* what the state machine is left with */
	check(cl.server < cl.conf.nservers);
	check(cl.nat <= TEREDO_NAT_MAX);
	if (cl.up) {
		check_addr(&cl.addr);
		check(cl.mtu >= TEREDO_MIN_MTU && cl.mtu <= 65535);
	}
	for (i = 0; i < CLIENT_MAX_PROBES; i++)
		check(!cl.probes[i].used ||
		      cl.probes[i].server < cl.conf.nservers);
	return 0;
}
