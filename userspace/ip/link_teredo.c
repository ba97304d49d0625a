// SPDX-License-Identifier: GPL-2.0
/*
 * link_teredo.so: iproute2 plugin for the "teredo" link kind.
 *
 * ip(8) dlopen()s $IP_LIB_DIR/link_teredo.so and looks up teredo_link_util.
 * iproute2 ships no development headers, so the few declarations needed are
 * repeated here; every helper below resolves against /usr/sbin/ip at load
 * time (same prototypes in iproute2 6.1 .. 7.1).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/teredo.h>

/* ip/ip_common.h */
struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *, int, char **, struct nlmsghdr *);
	void (*print_opt)(struct link_util *, FILE *, struct rtattr *[]);
	void (*print_xstats)(struct link_util *, FILE *, struct rtattr *);
	void (*print_help)(struct link_util *, int, char **, FILE *);
	int (*parse_ifla_xstats)(struct link_util *, int, char **);
	int (*print_ifla_xstats)(struct nlmsghdr *, void *);
};

/* include/utils.h, include/libnetlink.h, include/ll_map.h */
void invarg(const char *msg, const char *arg) __attribute__((noreturn));
void duparg(const char *key, const char *arg) __attribute__((noreturn));
void incomplete_command(void) __attribute__((noreturn));
int get_u16(__u16 *val, const char *arg, int base);
int get_u32(__u32 *val, const char *arg, int base);
int addattr8(struct nlmsghdr *n, int maxlen, int type, __u8 data);
int addattr16(struct nlmsghdr *n, int maxlen, int type, __u16 data);
int addattr32(struct nlmsghdr *n, int maxlen, int type, __u32 data);
unsigned int ll_name_to_index(const char *name);
const char *ll_index_to_name(unsigned int idx);

/* include/color.h, include/json_print.h */
enum color_attr {
	COLOR_IFNAME,
	COLOR_MAC,
	COLOR_INET,
	COLOR_INET6,
	COLOR_OPERSTATE_UP,
	COLOR_OPERSTATE_DOWN,
	COLOR_NONE
};

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 4,
};

int print_color_string(enum output_type t, enum color_attr color,
		       const char *key, const char *fmt, const char *value);
int print_color_uint(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, unsigned int value);
int print_color_bool(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, bool value);

#define NEXT_ARG() do { argv++; if (--argc <= 0) incomplete_command(); } while (0)

static const char * const teredo_modes[] = {
	[TEREDO_MODE_RELAY]	= "relay",
	[TEREDO_MODE_CLIENT]	= "client",
};

static void print_explain(FILE *f)
{
	fprintf(f,
		"Usage: ... teredo [ mode { relay | client } ] [ local ADDR ] [ port PORT ]\n"
		"                  [ dev PHYS_DEV ] [ mtu MTU ] [ maxpeers NUMBER ]\n"
		"                  [ fastpath { on | off } ] [ native { NATIVE_DEV | none } ]\n"
		"                  [ proberate PPS ] [ probetotal PPS ]\n"
		"                  [ discovery { on | off } ]\n"
		"\n"
		"Where: ADDR := { IPV4_ADDRESS | any }\n"
		"       PORT := 1..65535 (default %u for a relay, random for a client)\n"
		"       MTU  := %u..%u (default %u), the device's MTU, as ip link's mtu\n"
		"       fastpath on: a relay takes its datagrams off PHYS_DEV as it\n"
		"                    receives them, before IPv4 routing, netfilter's\n"
		"                    ip/inet hooks and the socket (needs local ADDR\n"
		"                    and dev PHYS_DEV; default off)\n"
		"       native NATIVE_DEV: with fastpath on, a relay also takes the IPv6\n"
		"                    packets to trusted Teredo peers off NATIVE_DEV as\n"
		"                    it receives them and sends them at once, before\n"
		"                    IPv6 routing, forwarding and netfilter's ip6/inet\n"
		"                    hooks (default none; fastpath off clears it)\n"
		"       proberate PPS: at most PPS bubbles and echo requests a second\n"
		"                    to any one IPv4 address (a peer's server),\n"
		"                    a quarter of it for one sender's /48\n"
		"                    (1..%u, default %u)\n"
		"       probetotal PPS: at most PPS of them a second in all\n"
		"                    (1..%u, default %u)\n"
		"       discovery on: a client finds the clients behind its NAT on\n"
		"                    its link with bubbles to 224.0.0.253 and talks\n"
		"                    to them there (RFC 4380 local client discovery;\n"
		"                    default off)\n",
		TEREDO_PORT, TEREDO_MIN_MTU, TEREDO_MAX_MTU, TEREDO_MIN_MTU,
		TEREDO_MAX_PROBE_RATE, TEREDO_DEFAULT_PROBE_RATE,
		TEREDO_MAX_PROBE_RATE, TEREDO_DEFAULT_PROBE_TOTAL);
}

/* Remember which options were seen; duplicates are an error. */
static void check_dup(unsigned int *seen, int type, const char *key, const char *arg)
{
	if (*seen & (1U << type))
		duparg(key, arg);
	*seen |= 1U << type;
}

static int teredo_parse_opt(struct link_util *lu, int argc, char **argv,
			    struct nlmsghdr *n)
{
	const int maxlen = 1024;	/* sizeof(struct iplink_req) */
	unsigned int seen = 0;
	struct in_addr addr;
	__u32 u32;
	__u16 u16;
	__u8 mode;

	(void)lu;
	while (argc > 0) {
		const char *key = *argv;

		if (!strcmp(key, "mode")) {
			NEXT_ARG();
			check_dup(&seen, IFLA_TEREDO_MODE, key, *argv);
			for (mode = 0; mode <= TEREDO_MODE_MAX; mode++)
				if (!strcmp(*argv, teredo_modes[mode]))
					break;
			if (mode > TEREDO_MODE_MAX)
				invarg("invalid mode, expected \"relay\" or \"client\"", *argv);
			addattr8(n, maxlen, IFLA_TEREDO_MODE, mode);
		} else if (!strcmp(key, "local")) {
			NEXT_ARG();
			check_dup(&seen, IFLA_TEREDO_LOCAL, key, *argv);
			if (!strcmp(*argv, "any"))
				addr.s_addr = htonl(INADDR_ANY);
			else if (inet_pton(AF_INET, *argv, &addr) != 1)
				invarg("invalid local address, expected IPv4 address or \"any\"",
				       *argv);
			addattr32(n, maxlen, IFLA_TEREDO_LOCAL, addr.s_addr);
		} else if (!strcmp(key, "port")) {
			NEXT_ARG();
			check_dup(&seen, IFLA_TEREDO_PORT, key, *argv);
			/* 0 is left for the kernel to refuse */
			if (get_u16(&u16, *argv, 0))
				invarg("invalid port", *argv);
			addattr16(n, maxlen, IFLA_TEREDO_PORT, htons(u16));
		} else if (!strcmp(key, "dev")) {
			NEXT_ARG();
			check_dup(&seen, IFLA_TEREDO_LINK, key, *argv);
			u32 = ll_name_to_index(*argv);
			if (!u32)
				invarg("invalid dev, no such device", *argv);
			addattr32(n, maxlen, IFLA_TEREDO_LINK, u32);
		} else if (!strcmp(key, "mtu")) {
			NEXT_ARG();
			check_dup(&seen, IFLA_TEREDO_MTU, key, *argv);
			if (get_u32(&u32, *argv, 0))
				invarg("invalid mtu", *argv);
			addattr32(n, maxlen, IFLA_TEREDO_MTU, u32);
		} else if (!strcmp(key, "maxpeers")) {
			NEXT_ARG();
			check_dup(&seen, IFLA_TEREDO_MAX_PEERS, key, *argv);
			if (get_u32(&u32, *argv, 0))
				invarg("invalid maxpeers", *argv);
			addattr32(n, maxlen, IFLA_TEREDO_MAX_PEERS, u32);
		} else if (!strcmp(key, "fastpath")) {
			NEXT_ARG();
			check_dup(&seen, IFLA_TEREDO_FASTPATH, key, *argv);
			if (!strcmp(*argv, "on"))
				mode = 1;
			else if (!strcmp(*argv, "off"))
				mode = 0;
			else
				invarg("invalid fastpath, expected \"on\" or \"off\"", *argv);
			addattr8(n, maxlen, IFLA_TEREDO_FASTPATH, mode);
		} else if (!strcmp(key, "discovery")) {
			NEXT_ARG();
			check_dup(&seen, IFLA_TEREDO_DISCOVERY, key, *argv);
			if (!strcmp(*argv, "on"))
				mode = 1;
			else if (!strcmp(*argv, "off"))
				mode = 0;
			else
				invarg("invalid discovery, expected \"on\" or \"off\"", *argv);
			addattr8(n, maxlen, IFLA_TEREDO_DISCOVERY, mode);
		} else if (!strcmp(key, "native")) {
			NEXT_ARG();
			check_dup(&seen, IFLA_TEREDO_NATIVE, key, *argv);
			u32 = strcmp(*argv, "none") ? ll_name_to_index(*argv) : 0;
			if (!u32 && strcmp(*argv, "none"))
				invarg("invalid native, no such device", *argv);
			addattr32(n, maxlen, IFLA_TEREDO_NATIVE, u32);
		} else if (!strcmp(key, "proberate") || !strcmp(key, "probetotal")) {
			int type = strcmp(key, "proberate") ? IFLA_TEREDO_PROBE_TOTAL :
				   IFLA_TEREDO_PROBE_RATE;

			NEXT_ARG();
			check_dup(&seen, type, key, *argv);
			/* the range is the kernel's to refuse, with its message */
			if (get_u32(&u32, *argv, 0))
				invarg(type == IFLA_TEREDO_PROBE_RATE ? "invalid proberate" :
				       "invalid probetotal", *argv);
			addattr32(n, maxlen, type, u32);
		} else if (!strcmp(key, "help")) {
			print_explain(stdout);
			return -1;
		} else {
			fprintf(stderr, "teredo: unknown option \"%s\"?\n", key);
			print_explain(stderr);
			return -1;
		}
		argc--;
		argv++;
	}
	return 0;
}

static bool attr_ok(struct rtattr *tb[], int type, size_t len)
{
	return tb[type] && RTA_PAYLOAD(tb[type]) >= len;
}

static void teredo_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr addr;
	__u32 idx;
	__u8 mode;

	(void)lu;
	(void)f;
	if (!tb)
		return;

	if (attr_ok(tb, IFLA_TEREDO_MODE, sizeof(__u8))) {
		mode = *(__u8 *)RTA_DATA(tb[IFLA_TEREDO_MODE]);
		print_color_string(PRINT_ANY, COLOR_NONE, "mode", "mode %s ",
				   mode <= TEREDO_MODE_MAX ? teredo_modes[mode] : "unknown");
	}

	if (attr_ok(tb, IFLA_TEREDO_LOCAL, sizeof(__u32))) {
		memcpy(&addr, RTA_DATA(tb[IFLA_TEREDO_LOCAL]), sizeof(addr));
		if (addr.s_addr == htonl(INADDR_ANY))
			print_color_string(PRINT_ANY, COLOR_NONE, "local", "local %s ", "any");
		else
			print_color_string(PRINT_ANY, COLOR_INET, "local", "local %s ",
					   inet_ntop(AF_INET, &addr, buf, sizeof(buf)));
	}

	if (attr_ok(tb, IFLA_TEREDO_PORT, sizeof(__u16)))
		print_color_uint(PRINT_ANY, COLOR_NONE, "port", "port %u ",
				 ntohs(*(__u16 *)RTA_DATA(tb[IFLA_TEREDO_PORT])));

	if (attr_ok(tb, IFLA_TEREDO_LINK, sizeof(__u32))) {
		idx = *(__u32 *)RTA_DATA(tb[IFLA_TEREDO_LINK]);
		/* ll_index_to_name() falls back to "if<N>" */
		if (idx)
			print_color_string(PRINT_ANY, COLOR_IFNAME, "link", "dev %s ",
					   ll_index_to_name(idx));
	}

	if (attr_ok(tb, IFLA_TEREDO_MAX_PEERS, sizeof(__u32)))
		print_color_uint(PRINT_ANY, COLOR_NONE, "maxpeers", "maxpeers %u ",
				 *(__u32 *)RTA_DATA(tb[IFLA_TEREDO_MAX_PEERS]));

	if (attr_ok(tb, IFLA_TEREDO_FASTPATH, sizeof(__u8))) {
		bool on = *(__u8 *)RTA_DATA(tb[IFLA_TEREDO_FASTPATH]);

		print_color_bool(PRINT_JSON, COLOR_NONE, "fastpath", NULL, on);
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "fastpath %s ",
				   on ? "on" : "off");
	}

	if (attr_ok(tb, IFLA_TEREDO_NATIVE, sizeof(__u32))) {
		idx = *(__u32 *)RTA_DATA(tb[IFLA_TEREDO_NATIVE]);
		if (idx)
			print_color_string(PRINT_ANY, COLOR_IFNAME, "native", "native %s ",
					   ll_index_to_name(idx));
	}

	if (attr_ok(tb, IFLA_TEREDO_PROBE_RATE, sizeof(__u32)))
		print_color_uint(PRINT_ANY, COLOR_NONE, "proberate", "proberate %u ",
				 *(__u32 *)RTA_DATA(tb[IFLA_TEREDO_PROBE_RATE]));

	if (attr_ok(tb, IFLA_TEREDO_PROBE_TOTAL, sizeof(__u32)))
		print_color_uint(PRINT_ANY, COLOR_NONE, "probetotal", "probetotal %u ",
				 *(__u32 *)RTA_DATA(tb[IFLA_TEREDO_PROBE_TOTAL]));

	/* a client's setting: a relay has none */
	if (attr_ok(tb, IFLA_TEREDO_DISCOVERY, sizeof(__u8)) &&
	    attr_ok(tb, IFLA_TEREDO_MODE, sizeof(__u8)) &&
	    *(__u8 *)RTA_DATA(tb[IFLA_TEREDO_MODE]) == TEREDO_MODE_CLIENT) {
		bool on = *(__u8 *)RTA_DATA(tb[IFLA_TEREDO_DISCOVERY]);

		print_color_bool(PRINT_JSON, COLOR_NONE, "discovery", NULL, on);
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "discovery %s ",
				   on ? "on" : "off");
	}
}

static void teredo_print_help(struct link_util *lu, int argc, char **argv, FILE *f)
{
	(void)lu;
	(void)argc;
	(void)argv;
	print_explain(f);
}

struct link_util teredo_link_util = {
	.id		= "teredo",
	.maxattr	= IFLA_TEREDO_MAX,
	.parse_opt	= teredo_parse_opt,
	.print_opt	= teredo_print_opt,
	.print_help	= teredo_print_help,
};
