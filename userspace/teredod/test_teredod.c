// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of teredod: the pure helpers, and show's parsers and printers
 * fed with forged netlink messages (unknown, missing, odd-sized and
 * truncated attributes included). Prints "ok DESC" or "not ok DESC" a
 * line (check.sh numbers them as TAP); exits 1 if any failed.
 *
 * test_teredod --samples prints JSON outputs one a line, for a validator.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/teredo.h>

#include "genl.h"
#include "nlack.h"
#include "proto.h"
#include "teredod.h"
#include "util.h"
#include "test_lib.h"
#include "upnp.h"

static char buf[8192] __attribute__((aligned(8)));

static void check_str(const char *desc, const char *got, const char *want)
{
	bool ok = !strcmp(got, want);

	result(ok, "%s", desc);
	if (ok)
		return;
	fputs("#   got:  ", stdout);
	json_print_str(stdout, got);
	fputs("\n#   want: ", stdout);
	json_print_str(stdout, want);
	putchar('\n');
}

/* output captured in a memory stream */
struct capture {
	FILE *f;
	char *s;
	size_t len;
};

static FILE *cap_open(struct capture *c)
{
	c->s = NULL;
	c->f = open_memstream(&c->s, &c->len);
	if (!c->f) {
		perror("open_memstream");
		exit(2);
	}
	return c->f;
}

static void cap_check(struct capture *c, const char *desc, const char *want)
{
	fclose(c->f);
	check_str(desc, c->s, want);
	free(c->s);
}

static void test_age(void)
{
	static const struct {
		uint64_t ms;
		const char *want;
	} t[] = {
		{ 0, "0.0" }, { 49, "0.0" }, { 50, "0.1" }, { 999, "1.0" },
		{ 1234, "1.2" }, { 1250, "1.3" }, { 59999, "60.0" },
		{ 4294967295ULL, "4294967.3" },
		{ 18446744073709551615ULL, "18446744073709551.6" },
	};
	char b[AGE_BUFSZ], desc[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		snprintf(desc, sizeof(desc), "fmt_age(%llu) = %s",
			 (unsigned long long)t[i].ms, t[i].want);
		check_str(desc, fmt_age(b, sizeof(b), t[i].ms), t[i].want);
	}
}

static void test_json_str(void)
{
	static const struct {
		const char *desc, *in, *want;
	} t[] = {
		{ "plain", "teredo0", "\"teredo0\"" },
		{ "empty", "", "\"\"" },
		{ "quote, backslash", "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "control characters", "\b\f\n\r\t\x01\x1f\x7f",
		  "\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"" },
		{ "UTF-8 kept", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		  "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		{ "invalid byte", "a\xff" "b", "\"a\\ufffdb\"" },
		{ "overlong", "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
		{ "overlong 3 bytes", "\xe0\x80\xaf",
		  "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "surrogate", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "above U+10FFFF", "\xf4\x90\x80\x80",
		  "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "truncated at the end", "x\xe2\x82", "\"x\\ufffd\\ufffd\"" },
		{ "lone continuation", "\x80z", "\"\\ufffdz\"" },
	};
	struct capture c;
	char desc[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		json_print_str(cap_open(&c), t[i].in);
		snprintf(desc, sizeof(desc), "json string: %s", t[i].desc);
		cap_check(&c, desc, t[i].want);
	}
}

static struct nlmsghdr *msg_start(uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));

	nlh->nlmsg_type = 0x20;
	gh->cmd = cmd;
	gh->version = TEREDO_GENL_VERSION;
	return nlh;
}

static void put_stat(struct nlmsghdr *nlh, const char *name, uint64_t v,
		     bool pad)
{
	struct nlattr *e = mnl_attr_nest_start(nlh, TEREDO_STAT_A_ENTRY);

	if (name)
		mnl_attr_put_strz(nlh, TEREDO_STAT_A_NAME, name);
	if (pad)
		mnl_attr_put(nlh, TEREDO_STAT_A_PAD, 0, NULL);
	mnl_attr_put_u32(nlh, 77, 1);		/* unknown */
	if (v != 42)
		mnl_attr_put_u64(nlh, TEREDO_STAT_A_VALUE, v);
	mnl_attr_nest_end(nlh, e);
}

/* parse the message, print it as text and JSON */
static void check_dev(const char *desc, const struct nlmsghdr *nlh,
		      const char *preset, const char *text, const char *json)
{
	struct teredo_dev d;
	struct capture c;
	char what[128];
	int err;

	memset(&d, 0, sizeof(d));
	snprintf(d.ifname, sizeof(d.ifname), "%s", preset);
	err = teredo_dev_parse(nlh, &d);
	snprintf(what, sizeof(what), "dev %s: parsed", desc);
	result(!err, "%s", what);
	teredo_dev_print(cap_open(&c), &d, false);
	snprintf(what, sizeof(what), "dev %s: text", desc);
	cap_check(&c, what, text);
	teredo_dev_print(cap_open(&c), &d, true);
	snprintf(what, sizeof(what), "dev %s: JSON", desc);
	cap_check(&c, what, json);
	teredo_dev_free(&d);
}

static struct nlmsghdr *dev_full(void)
{
	struct nlmsghdr *nlh = msg_start(TEREDO_CMD_GET_DEV);
	struct nlattr *stats;

	mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, TEREDO_A_IFNAME, "teredo0");
	mnl_attr_put_u8(nlh, TEREDO_A_MODE, TEREDO_MODE_CLIENT);
	mnl_attr_put_u32(nlh, TEREDO_A_PEER_COUNT, 3);
	mnl_attr_put_u32(nlh, TEREDO_A_MAX_PEERS, 1048576);
	mnl_attr_put_u32(nlh, TEREDO_A_PEER_SIZE, 312);
	mnl_attr_put_u32(nlh, TEREDO_A_QUEUED, 4096);
	mnl_attr_put_u32(nlh, 200, 1);		/* unknown */
	stats = mnl_attr_nest_start(nlh, TEREDO_A_STATS);
	put_stat(nlh, "rx_drop_no_datapath", 5, true);
	put_stat(nlh, "tx_drop_no_datapath", 18446744073709551615ULL, false);
	put_stat(nlh, "no_value", 42, false);	/* skipped */
	put_stat(nlh, NULL, 9, false);		/* skipped */
	mnl_attr_put_u32(nlh, 99, 1);		/* unknown in the nest */
	put_stat(nlh, "rx_bubbles", 0, false);
	mnl_attr_nest_end(nlh, stats);
	return nlh;
}

static struct nlmsghdr *dev_odd(void)
{
	struct nlmsghdr *nlh = msg_start(TEREDO_CMD_GET_DEV);
	struct nlattr *stats;

	/* a name without its NUL, a u32 mode out of range, a u64 count */
	mnl_attr_put(nlh, TEREDO_A_IFNAME, 4, "t\"\xff" "1");
	mnl_attr_put_u32(nlh, TEREDO_A_MODE, 9);
	mnl_attr_put_u64(nlh, TEREDO_A_PEER_COUNT, 5000000000ULL);
	mnl_attr_put(nlh, TEREDO_A_MAX_PEERS, 3, "abc");	/* bad size */
	mnl_attr_put_u16(nlh, TEREDO_A_PEER_SIZE, 200);
	stats = mnl_attr_nest_start(nlh, TEREDO_A_STATS);
	put_stat(nlh, "a\"b", 1, false);
	mnl_attr_nest_end(nlh, stats);
	/* a last attribute cut by the end of the message: not read */
	mnl_attr_put_u32(nlh, TEREDO_A_PEER_COUNT, 1);
	nlh->nlmsg_len -= 4;
	return nlh;
}

/* a qualified client behind a NAT of kind @nat, its address with @flags
 * and the mapped port @mapped, its socket's port 41000
 */
static struct nlmsghdr *dev_client(uint8_t nat, uint16_t flags,
				   uint16_t mapped)
{
	struct nlmsghdr *nlh = msg_start(TEREDO_CMD_GET_DEV);
	struct in6_addr a;
	struct in_addr ip;

	inet_pton(AF_INET6, "2001:0:c612:1::39ed:ffe7", &a);
	a.s6_addr[8] = flags >> 8;
	a.s6_addr[9] = flags & 0xff;
	a.s6_addr[10] = (mapped ^ 0xffff) >> 8;
	a.s6_addr[11] = (mapped ^ 0xffff) & 0xff;
	inet_pton(AF_INET, "198.19.4.2", &ip);
	mnl_attr_put_strz(nlh, TEREDO_A_IFNAME, "teredo0");
	mnl_attr_put_u8(nlh, TEREDO_A_MODE, TEREDO_MODE_CLIENT);
	mnl_attr_put(nlh, TEREDO_A_LOCAL_IP, sizeof(ip), &ip);
	mnl_attr_put_u16(nlh, TEREDO_A_LOCAL_PORT, htons(41000));
	mnl_attr_put_u8(nlh, TEREDO_A_QUALIFIED, 1);
	mnl_attr_put(nlh, TEREDO_A_ADDR, sizeof(a), &a);
	mnl_attr_put_u8(nlh, TEREDO_A_NAT, nat);
	return nlh;
}

static void test_dev(void)
{
	check_dev("all attributes", dev_full(), "asked",
		  "teredo0: mode client, peers 3/1048576, 312 bytes per peer, 4096 queued\n"
		  "    rx_drop_no_datapath 5\n"
		  "    tx_drop_no_datapath 18446744073709551615\n"
		  "    rx_bubbles          0\n",
		  "{\"ifname\":\"teredo0\",\"mode\":\"client\",\"peers\":3,"
		  "\"max_peers\":1048576,\"peer_size\":312,\"queued\":4096,"
		  "\"stats\":{"
		  "\"rx_drop_no_datapath\":5,"
		  "\"tx_drop_no_datapath\":18446744073709551615,"
		  "\"rx_bubbles\":0}}\n");
	check_dev("no attributes", msg_start(TEREDO_CMD_GET_DEV), "teredo0",
		  "teredo0: mode ?, peers ?/?, ? bytes per peer, ? queued\n",
		  "{\"ifname\":\"teredo0\",\"mode\":null,\"peers\":null,"
		  "\"max_peers\":null,\"peer_size\":null,\"queued\":null,"
		  "\"stats\":{}}\n");
	/* RFC 6081 5.4.3: the mapped port is the socket's */
	check_dev("a client behind a port-preserving NAT",
		  dev_client(TEREDO_NAT_RESTRICTED, 0, 41000), "",
		  "teredo0: mode client, peers ?/?, ? bytes per peer, ? queued\n"
		  "    socket 198.19.4.2:41000\n"
		  "    qualified, address 2001:0:c612:1:0:5fd7:39ed:ffe7\n"
		  "    server 198.18.0.1, NAT restricted, port-preserving\n",
		  "{\"ifname\":\"teredo0\",\"mode\":\"client\",\"peers\":null,"
		  "\"max_peers\":null,\"peer_size\":null,\"queued\":null,"
		  "\"local\":\"198.19.4.2\",\"local_port\":41000,"
		  "\"qualified\":true,"
		  "\"address\":\"2001:0:c612:1:0:5fd7:39ed:ffe7\","
		  "\"server\":\"198.18.0.1\",\"upnp\":false,"
		  "\"nat\":\"restricted\",\"port_preserving\":true,"
		  "\"stats\":{}}\n");
	check_dev("a client behind a symmetric NAT that took another port",
		  dev_client(TEREDO_NAT_SYMMETRIC, 0, 52000), "",
		  "teredo0: mode client, peers ?/?, ? bytes per peer, ? queued\n"
		  "    socket 198.19.4.2:41000\n"
		  "    qualified, address 2001:0:c612:1:0:34df:39ed:ffe7\n"
		  "    server 198.18.0.1, NAT symmetric\n",
		  "{\"ifname\":\"teredo0\",\"mode\":\"client\",\"peers\":null,"
		  "\"max_peers\":null,\"peer_size\":null,\"queued\":null,"
		  "\"local\":\"198.19.4.2\",\"local_port\":41000,"
		  "\"qualified\":true,"
		  "\"address\":\"2001:0:c612:1:0:34df:39ed:ffe7\","
		  "\"server\":\"198.18.0.1\",\"upnp\":false,"
		  "\"nat\":\"symmetric\",\"port_preserving\":false,"
		  "\"stats\":{}}\n");
	/* a gateway's mapping of the same port says nothing of the NAT */
	check_dev("a client with a UPnP mapping of its port",
		  dev_client(TEREDO_NAT_CONE, TEREDO_FLAG_UPNP, 41000), "",
		  "teredo0: mode client, peers ?/?, ? bytes per peer, ? queued\n"
		  "    socket 198.19.4.2:41000\n"
		  "    qualified, address 2001:0:c612:1:200:5fd7:39ed:ffe7\n"
		  "    server 198.18.0.1, NAT cone, UPnP mapping\n",
		  "{\"ifname\":\"teredo0\",\"mode\":\"client\",\"peers\":null,"
		  "\"max_peers\":null,\"peer_size\":null,\"queued\":null,"
		  "\"local\":\"198.19.4.2\",\"local_port\":41000,"
		  "\"qualified\":true,"
		  "\"address\":\"2001:0:c612:1:200:5fd7:39ed:ffe7\","
		  "\"server\":\"198.18.0.1\",\"upnp\":true,"
		  "\"nat\":\"cone\",\"stats\":{}}\n");
	check_dev("odd attributes", dev_odd(), "",
		  "t\"\xff" "1: mode 9, peers 5000000000/?, 200 bytes per peer, ? queued\n"
		  "    a\"b 1\n",
		  "{\"ifname\":\"t\\\"\\ufffd1\",\"mode\":\"9\","
		  "\"peers\":5000000000,\"max_peers\":null,\"peer_size\":200,"
		  "\"queued\":null,\"stats\":{\"a\\\"b\":1}}\n");
}

static const struct nlattr *peer_full(void)
{
	struct nlmsghdr *nlh = msg_start(TEREDO_CMD_GET_PEER);
	struct nlattr *nest;
	struct in6_addr a6;
	struct in_addr a4;

	inet_pton(AF_INET6, "2001:0:c612:1:8000:f05f:3ded:fffe", &a6);
	inet_pton(AF_INET, "198.18.0.1", &a4);
	mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, 7);
	nest = mnl_attr_nest_start(nlh, TEREDO_A_PEER);
	mnl_attr_put(nlh, TEREDO_PEER_A_ADDR, sizeof(a6), &a6);
	mnl_attr_put(nlh, TEREDO_PEER_A_IP, sizeof(a4), &a4);
	mnl_attr_put_u16(nlh, TEREDO_PEER_A_PORT, htons(4000));
	mnl_attr_put(nlh, TEREDO_PEER_A_TRUSTED, 0, NULL);
	mnl_attr_put(nlh, TEREDO_PEER_A_LOCAL, 0, NULL);
	mnl_attr_put_u32(nlh, TEREDO_PEER_A_RX_AGE, 300);
	mnl_attr_put_u32(nlh, TEREDO_PEER_A_TX_AGE, 1234);
	mnl_attr_put_u32(nlh, 50, 1);		/* unknown */
	mnl_attr_put_u32(nlh, TEREDO_PEER_A_QUEUE, 1500);
	mnl_attr_put_u8(nlh, TEREDO_PEER_A_BUBBLES, 2);
	mnl_attr_nest_end(nlh, nest);
	return nest;
}

static const struct nlattr *peer_partial(void)
{
	struct nlmsghdr *nlh = msg_start(TEREDO_CMD_GET_PEER);
	struct nlattr *nest;
	struct in6_addr a6;

	inet_pton(AF_INET6, "2001::1", &a6);
	nest = mnl_attr_nest_start(nlh, TEREDO_A_PEER);
	mnl_attr_put(nlh, TEREDO_PEER_A_ADDR, sizeof(a6), &a6);
	mnl_attr_put(nlh, TEREDO_PEER_A_IP, 3, "abc");	/* bad size */
	mnl_attr_put_u16(nlh, TEREDO_PEER_A_PORT, htons(65535));
	mnl_attr_put_u32(nlh, TEREDO_PEER_A_RX_AGE, 0);
	mnl_attr_nest_end(nlh, nest);
	return nest;
}

static void check_peer(const char *desc, const struct nlattr *nest,
		       const char *text, const char *json)
{
	struct teredo_peer p;
	struct capture c;
	char what[128];

	teredo_peer_parse(nest, &p);
	teredo_peer_print(cap_open(&c), &p, false);
	snprintf(what, sizeof(what), "peer %s: text", desc);
	cap_check(&c, what, text);
	teredo_peer_print(cap_open(&c), &p, true);
	snprintf(what, sizeof(what), "peer %s: JSON", desc);
	cap_check(&c, what, json);
}

static void test_peer(void)
{
	check_peer("all attributes", peer_full(),
		   "2001:0:c612:1:8000:f05f:3ded:fffe       198.18.0.1:4000       "
		   "trusted   rx 0.3s tx 1.2s queue 1500 bubbles 2 local\n",
		   "{\"address\":\"2001:0:c612:1:8000:f05f:3ded:fffe\","
		   "\"ip\":\"198.18.0.1\",\"port\":4000,\"trusted\":true,"
		   "\"rx_age_ms\":300,\"tx_age_ms\":1234,\"queue\":1500,"
		   "\"bubbles\":2,\"local\":true}");
	check_peer("missing and odd attributes", peer_partial(),
		   "2001::1                                 ?:65535               "
		   "untrusted rx 0.0s tx ? queue ? bubbles ?\n",
		   "{\"address\":\"2001::1\",\"ip\":null,\"port\":65535,"
		   "\"trusted\":false,\"rx_age_ms\":0,\"tx_age_ms\":null,"
		   "\"queue\":null,\"bubbles\":null,\"local\":false}");
}

/* an NLMSG_ERROR as the kernel builds it: capped or with our request */
static struct nlmsghdr *ack(int error, bool capped, const char *msg,
			    int miss)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;
	size_t reqlen = 24;	/* a request with 8 bytes of payload */

	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = sizeof(e->msg) + reqlen;
	if (capped)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	else
		memset(mnl_nlmsg_put_extra_header(nlh, reqlen), 0x55, reqlen);
	if (msg || miss >= 0)
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (miss >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, miss);
	return nlh;
}

static void check_ack(const char *desc, const struct nlmsghdr *nlh,
		      int status, const char *msg, int miss)
{
	struct genl g;
	char what[128];

	memset(&g, 0, sizeof(g));
	g.ext_miss = -1;
	snprintf(what, sizeof(what), "ack %s: status %d, \"%s\", miss %d",
		 desc, status, msg, miss);
	result(genl_ack_status(&g, nlh) == status &&
	       !strcmp(g.ext_msg, msg) && g.ext_miss == miss, "%s", what);
}

/* A dump that met a resize of the kernel's table: duplicates, the last
 * received kept, sorted by address.
 */
static void test_peers_unique(void)
{
	struct teredo_peer v[6] = {};
	const unsigned char order[6] = { 3, 1, 3, 2, 1, 3 };
	size_t i, n;
	bool sorted = true;

	for (i = 0; i < 6; i++) {
		v[i].addr.s6_addr[15] = order[i];
		v[i].rx_age = i;	/* which one was kept */
	}
	n = teredo_peers_unique(v, 6);
	result(n == 3, "peer dump: 6 entries of 3 peers give 3");
	for (i = 1; i < n; i++)
		sorted &= v[i - 1].addr.s6_addr[15] < v[i].addr.s6_addr[15];
	result(sorted, "peer dump: sorted by address");
	result(v[0].rx_age == 4 && v[1].rx_age == 3 && v[2].rx_age == 5,
	       "peer dump: of each peer, the entry received last");
	result(teredo_peers_unique(v, 1) == 1 && teredo_peers_unique(v, 0) == 0,
	       "peer dump: one entry, none");
}

static void test_ack(void)
{
	struct nlmsghdr *nlh;
	int st = -ENODEV;

	check_ack("ok", ack(0, true, NULL, -1), 0, "", -1);
	check_ack("error, no TLVs", ack(-ENODEV, false, NULL, -1),
		  -ENODEV, "", -1);
	check_ack("error, capped", ack(-EINVAL, true, "not a teredo device", -1),
		  -EINVAL, "not a teredo device", -1);
	check_ack("error after the request",
		  ack(-EINVAL, false, "not a teredo device\n", -1),
		  -EINVAL, "not a teredo device", -1);
	check_ack("missing attribute", ack(-EINVAL, true, NULL, 1),
		  -EINVAL, "", 1);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	check_ack("done, no status", nlh, 0, "", -1);
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(st)), &st, sizeof(st));
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "gone");
	check_ack("done with an error", nlh, -ENODEV, "gone", -1);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	mnl_nlmsg_put_extra_header(nlh, 2);
	check_ack("truncated error", nlh, -EBADMSG, "", -1);
}

/* what may go to mnl_cb_run(): whole messages only */
static void test_msgs(void)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf), *next;
	size_t len;

	mnl_nlmsg_put_extra_header(nlh, 6);
	next = mnl_nlmsg_put_header(buf + NLMSG_ALIGN(nlh->nlmsg_len));
	mnl_nlmsg_put_extra_header(next, 8);
	len = NLMSG_ALIGN(nlh->nlmsg_len) + next->nlmsg_len;
	result(nl_msgs_ok(buf, len), "messages: two whole ones");
	result(nl_msgs_ok(buf, len + 15),
	       "messages: bytes after the last, too few for a header");
	result(nl_msgs_ok(buf, 0), "messages: none");
	result(!nl_msgs_ok(buf, len - 1), "messages: the last one cut");
	next->nlmsg_len = 8;
	result(!nl_msgs_ok(buf, len), "messages: one shorter than its header");
	/* libmnl 1.0.4 compares lengths as signed ints: 2 GB passes there */
	next->nlmsg_len = 0x80000010;
	result(!nl_msgs_ok(buf, len), "messages: one of 2 GB");
	nlh->nlmsg_len = 0xa0a0a0a0;
	result(!nl_msgs_ok(buf, 16), "messages: a lone header claiming 2.7 GB");
}

static void samples(void)
{
	struct teredo_dev d;
	struct teredo_peer p;

	memset(&d, 0, sizeof(d));
	teredo_dev_parse(dev_full(), &d);
	teredo_dev_print(stdout, &d, true);
	teredo_dev_free(&d);
	memset(&d, 0, sizeof(d));
	teredo_dev_parse(dev_odd(), &d);
	teredo_dev_print(stdout, &d, true);
	teredo_dev_free(&d);

	putchar('[');
	teredo_peer_parse(peer_full(), &p);
	teredo_peer_print(stdout, &p, true);
	putchar(',');
	teredo_peer_parse(peer_partial(), &p);
	teredo_peer_print(stdout, &p, true);
	puts("]");
}

/* A child's answer about the gateway is checked before it is used. */
static void test_upnp_answer(void)
{
	struct upnp_answer a;
	const char *why;

	memset(&a, 0, sizeof(a));
	a.ext_port = 3545;
	a.int_port = 3545;
	inet_pton(AF_INET, "198.18.0.2", &a.ext_ip);
	inet_pton(AF_INET, "198.19.1.2", &a.lan_ip);
	snprintf(a.desc_url, sizeof(a.desc_url), "http://198.19.1.1:5000/rootDesc.xml");
	why = upnp_answer_check(&a);
	result(!why, "upnp: a mapping to a global address is taken (%s)",
	       why ? why : "ok");
	a.ext_port = 0;
	why = upnp_answer_check(&a);
	result(why && !strcmp(why, "port 0"), "upnp: external port 0 refused");
	a.ext_port = 3545;
	inet_pton(AF_INET, "192.168.1.1", &a.ext_ip);
	why = upnp_answer_check(&a);
	result(why && strstr(why, "not global"),
	       "upnp: a private external address refused");
	inet_pton(AF_INET, "198.18.0.2", &a.ext_ip);
	a.lan_ip = 0;
	result(upnp_answer_check(&a) != NULL, "upnp: no internal address refused");
	inet_pton(AF_INET, "198.19.1.2", &a.lan_ip);
	snprintf(a.desc_url, sizeof(a.desc_url), "file:///etc/passwd");
	result(upnp_answer_check(&a) != NULL, "upnp: a gateway URL not http:// refused");
	memset(a.desc_url, 'x', sizeof(a.desc_url));
	why = upnp_answer_check(&a);
	result(why && strstr(why, "unterminated"), "upnp: an unterminated URL refused");
	memset(&a, 0, sizeof(a));
	a.rc = -1;
	memset(a.detail, 'y', sizeof(a.detail));
	result(upnp_answer_check(&a) != NULL, "upnp: an unterminated reason refused");
	a.detail[5] = '\0';
	result(!upnp_answer_check(&a), "upnp: a failure with its reason is taken");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--samples")) {
		samples();
		return 0;
	}
	test_age();
	test_json_str();
	test_dev();
	test_peer();
	test_peers_unique();
	test_ack();
	test_msgs();
	test_upnp_answer();
	puts("# end of the tests");	/* check.sh: it ran to its end */
	return failed;
}
