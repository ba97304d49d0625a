// SPDX-License-Identifier: GPL-2.0
/*
 * teredod show [[dev] DEV]: state and counters of a Teredo device
 * teredod show peers [[dev] DEV]: its peers, one a line
 *
 * Over the "teredo" generic netlink family (TEREDO_CMD_GET_DEV, a do, and
 * TEREDO_CMD_GET_PEER, a dump); -j/--json prints JSON instead. Attributes
 * we do not know are ignored, and missing ones print as "?" (null in JSON),
 * so this works with older and newer kernel modules.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/teredo.h>

#include "genl.h"
#include "proto.h"
#include "rtnl.h"
#include "server.h"
#include "teredod.h"
#include "util.h"

#define HAVE(x, attr)	((x)->have & (1U << (attr)))

static const char *const mode_names[] = {
	[TEREDO_MODE_RELAY]	= "relay",
	[TEREDO_MODE_CLIENT]	= "client",
};

/* a host-order integer of 1, 2, 4 or 8 bytes: the kernel picks the width */
static bool attr_uint(const struct nlattr *a, uint64_t *v)
{
	const void *p = mnl_attr_get_payload(a);
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	switch (mnl_attr_get_payload_len(a)) {
	case sizeof(u8):
		memcpy(&u8, p, sizeof(u8));
		*v = u8;
		return true;
	case sizeof(u16):
		memcpy(&u16, p, sizeof(u16));
		*v = u16;
		return true;
	case sizeof(u32):
		memcpy(&u32, p, sizeof(u32));
		*v = u32;
		return true;
	case sizeof(*v):
		memcpy(v, p, sizeof(*v));
		return true;
	}
	return false;
}

/* a string attribute, NUL-terminated or not, into buf (truncated) */
static void attr_str(const struct nlattr *a, char *buf, size_t size)
{
	const char *p = mnl_attr_get_payload(a);
	size_t len = strnlen(p, mnl_attr_get_payload_len(a));

	if (len >= size)
		len = size - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
}

/* exact-size binary attribute (addresses, big-endian numbers) */
static bool attr_bin(const struct nlattr *a, void *buf, size_t size)
{
	if (mnl_attr_get_payload_len(a) != size)
		return false;
	memcpy(buf, mnl_attr_get_payload(a), size);
	return true;
}

/* one TEREDO_STAT_A_ENTRY; an entry without a name or value is skipped */
static int stat_entry(const struct nlattr *nest, struct teredo_dev *d)
{
	const struct nlattr *a;
	const char *name = NULL;
	size_t len = 0;
	uint64_t value = 0;
	bool have_value = false;
	struct teredo_stat *stats;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TEREDO_STAT_A_NAME:
			name = mnl_attr_get_payload(a);
			len = strnlen(name, mnl_attr_get_payload_len(a));
			break;
		case TEREDO_STAT_A_VALUE:
			have_value = attr_uint(a, &value);
			break;
		}
	}
	if (!name || !have_value)
		return 0;

	stats = realloc(d->stats, (d->nstats + 1) * sizeof(*stats));
	if (!stats)
		return -ENOMEM;
	d->stats = stats;
	stats[d->nstats].name = strndup(name, len);
	if (!stats[d->nstats].name)
		return -ENOMEM;
	stats[d->nstats++].value = value;
	return 0;
}

/*
 * Parse a TEREDO_CMD_GET_DEV reply into d (zeroed, or ifname preset).
 * Returns 0, or -ENOMEM.
 */
int teredo_dev_parse(const struct nlmsghdr *nlh, struct teredo_dev *d)
{
	const struct nlattr *a, *e;
	unsigned int type;
	bool ok;
	int err;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		type = mnl_attr_get_type(a);
		switch (type) {
		case TEREDO_A_IFINDEX:
			ok = attr_uint(a, &d->ifindex);
			break;
		case TEREDO_A_IFNAME:
			attr_str(a, d->ifname, sizeof(d->ifname));
			ok = true;
			break;
		case TEREDO_A_MODE:
			ok = attr_uint(a, &d->mode);
			break;
		case TEREDO_A_PEER_COUNT:
			ok = attr_uint(a, &d->peers);
			break;
		case TEREDO_A_MAX_PEERS:
			ok = attr_uint(a, &d->max_peers);
			break;
		case TEREDO_A_PEER_SIZE:
			ok = attr_uint(a, &d->peer_size);
			break;
		case TEREDO_A_QUEUED:
			ok = attr_uint(a, &d->queued);
			break;
		case TEREDO_A_QUALIFIED:
			ok = attr_uint(a, &d->qualified);
			break;
		case TEREDO_A_NAT:
			ok = attr_uint(a, &d->nat);
			break;
		case TEREDO_A_SERVER_AGE:
			ok = attr_uint(a, &d->server_age);
			break;
		case TEREDO_A_DORMANT:
			ok = attr_uint(a, &d->dormant);
			break;
		case TEREDO_A_IDLE_MS:
			ok = attr_uint(a, &d->idle_ms);
			break;
		case TEREDO_A_ADDR:
			ok = mnl_attr_get_payload_len(a) == sizeof(d->addr);
			if (ok)
				memcpy(&d->addr, mnl_attr_get_payload(a),
				       sizeof(d->addr));
			break;
		case TEREDO_A_LOCAL_IP:
			ok = mnl_attr_get_payload_len(a) == sizeof(d->local_ip);
			if (ok)
				memcpy(&d->local_ip, mnl_attr_get_payload(a),
				       sizeof(d->local_ip));
			break;
		case TEREDO_A_LOCAL_PORT:
			ok = mnl_attr_get_payload_len(a) == sizeof(uint16_t);
			if (ok)
				d->local_port = ntohs(mnl_attr_get_u16(a));
			break;
		case TEREDO_A_STATS:
			mnl_attr_for_each_nested(e, a) {
				if (mnl_attr_get_type(e) != TEREDO_STAT_A_ENTRY)
					continue;
				err = stat_entry(e, d);
				if (err)
					return err;
			}
			ok = true;
			break;
		default:
			ok = false;	/* unknown: ignored */
		}
		if (ok)
			d->have |= 1U << type;
	}
	return 0;
}

void teredo_dev_free(struct teredo_dev *d)
{
	size_t i;

	for (i = 0; i < d->nstats; i++)
		free(d->stats[i].name);
	free(d->stats);
	d->stats = NULL;
	d->nstats = 0;
}

/* a number, or what stands for a missing one */
static void put_num(FILE *f, bool have, uint64_t v, bool json)
{
	if (have)
		fprintf(f, "%llu", (unsigned long long)v);
	else
		fputs(json ? "null" : "?", f);
}

static void put_mode(FILE *f, const struct teredo_dev *d, bool json)
{
	char buf[24];
	const char *s = buf;

	if (!HAVE(d, TEREDO_A_MODE)) {
		fputs(json ? "null" : "?", f);
		return;
	}
	if (d->mode < ARRAY_SIZE(mode_names) && mode_names[d->mode])
		s = mode_names[d->mode];
	else
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)d->mode);
	if (json)
		json_print_str(f, s);
	else
		fputs(s, f);
}

static const char *const nat_names[] = {
	[TEREDO_NAT_UNKNOWN]	= "unknown",
	[TEREDO_NAT_NONE]	= "none",
	[TEREDO_NAT_CONE]	= "cone",
	[TEREDO_NAT_RESTRICTED]	= "restricted",
	[TEREDO_NAT_SYMMETRIC]	= "symmetric",
};

const char *teredo_nat_name(unsigned int nat)
{
	return nat < ARRAY_SIZE(nat_names) ? nat_names[nat] : "unknown";
}

/* RFC 6081 3.2: the address embeds a port the gateway maps (UPnP) */
static bool addr_upnp(const struct in6_addr *a)
{
	return (a->s6_addr[8] << 8 | a->s6_addr[9]) & TEREDO_FLAG_UPNP;
}

/* RFC 6081 5.4.3: is the mapped port our socket's own (a NAT that
 * preserves ports)? -1 if that says nothing: no NAT or not known yet, or
 * a gateway's mapping (UPnP chose its port).
 */
static int port_preserving(const struct teredo_dev *d)
{
	unsigned int mapped;

	if (!HAVE(d, TEREDO_A_ADDR) || !HAVE(d, TEREDO_A_LOCAL_PORT) ||
	    !HAVE(d, TEREDO_A_NAT) || addr_upnp(&d->addr) ||
	    (d->nat != TEREDO_NAT_CONE && d->nat != TEREDO_NAT_RESTRICTED &&
	     d->nat != TEREDO_NAT_SYMMETRIC))
		return -1;
	mapped = (d->addr.s6_addr[10] << 8 | d->addr.s6_addr[11]) ^ 0xffff;
	return mapped == d->local_port;
}

/* socket and client state, JSON members after the others */
static void put_client_json(FILE *f, const struct teredo_dev *d)
{
	char buf[INET6_ADDRSTRLEN];

	if (HAVE(d, TEREDO_A_LOCAL_IP) && HAVE(d, TEREDO_A_LOCAL_PORT))
		fprintf(f, ",\"local\":\"%s\",\"local_port\":%u",
			inet_ntop(AF_INET, &d->local_ip, buf, sizeof(buf)),
			d->local_port);
	if (!HAVE(d, TEREDO_A_QUALIFIED))
		return;
	fprintf(f, ",\"qualified\":%s", d->qualified ? "true" : "false");
	if (HAVE(d, TEREDO_A_ADDR)) {
		struct in_addr server;

		memcpy(&server, &d->addr.s6_addr[4], sizeof(server));
		fprintf(f, ",\"address\":\"%s\"",
			inet_ntop(AF_INET6, &d->addr, buf, sizeof(buf)));
		fprintf(f, ",\"server\":\"%s\"",
			inet_ntop(AF_INET, &server, buf, sizeof(buf)));
		fprintf(f, ",\"upnp\":%s", addr_upnp(&d->addr) ?
			"true" : "false");
	}
	if (HAVE(d, TEREDO_A_NAT))
		fprintf(f, ",\"nat\":\"%s\"", teredo_nat_name(d->nat));
	if (port_preserving(d) >= 0)
		fprintf(f, ",\"port_preserving\":%s",
			port_preserving(d) ? "true" : "false");
	if (HAVE(d, TEREDO_A_SERVER_AGE))
		fprintf(f, ",\"server_age_ms\":%llu",
			(unsigned long long)d->server_age);
	if (HAVE(d, TEREDO_A_DORMANT))
		fprintf(f, ",\"dormant\":%s", d->dormant ? "true" : "false");
	if (HAVE(d, TEREDO_A_IDLE_MS))
		fprintf(f, ",\"idle_ms\":%llu", (unsigned long long)d->idle_ms);
}

static void put_client_text(FILE *f, const struct teredo_dev *d)
{
	char buf[INET6_ADDRSTRLEN], age[AGE_BUFSZ];
	struct in_addr server;

	if (HAVE(d, TEREDO_A_LOCAL_IP) && HAVE(d, TEREDO_A_LOCAL_PORT))
		fprintf(f, "    socket %s:%u\n",
			inet_ntop(AF_INET, &d->local_ip, buf, sizeof(buf)),
			d->local_port);
	if (!HAVE(d, TEREDO_A_QUALIFIED))
		return;
	if (!d->qualified || !HAVE(d, TEREDO_A_ADDR)) {
		fputs("    not qualified\n", f);
		return;
	}
	memcpy(&server, &d->addr.s6_addr[4], sizeof(server));
	fprintf(f, "    qualified%s, address %s\n",
		HAVE(d, TEREDO_A_DORMANT) && d->dormant ? " (dormant)" : "",
		inet_ntop(AF_INET6, &d->addr, buf, sizeof(buf)));
	fprintf(f, "    server %s, NAT %s", inet_ntop(AF_INET, &server, buf,
						     sizeof(buf)),
		teredo_nat_name(HAVE(d, TEREDO_A_NAT) ? d->nat : 0));
	if (addr_upnp(&d->addr))
		fputs(", UPnP mapping", f);
	if (port_preserving(d) > 0)
		fputs(", port-preserving", f);
	if (HAVE(d, TEREDO_A_SERVER_AGE))
		fprintf(f, ", last heard %s ago",
			fmt_age(age, sizeof(age), d->server_age));
	putc('\n', f);
}

/*
 * text:
 *	teredo0: mode relay, peers 3/1048576, 312 bytes per peer, 0 queued
 *	    rx_drop_no_datapath 0
 *	    ...
 * JSON (one line):
 *	{"ifname":"teredo0","mode":"relay","peers":3,"max_peers":1048576,
 *	 "peer_size":312,"queued":0,"stats":{"rx_drop_no_datapath":0,...}}
 */
void teredo_dev_print(FILE *f, const struct teredo_dev *d, bool json)
{
	const char *name = d->ifname[0] ? d->ifname : "?";
	size_t i, w = 0;

	if (json) {
		fputs("{\"ifname\":", f);
		json_print_str(f, name);
		fputs(",\"mode\":", f);
		put_mode(f, d, true);
		fputs(",\"peers\":", f);
		put_num(f, HAVE(d, TEREDO_A_PEER_COUNT), d->peers, true);
		fputs(",\"max_peers\":", f);
		put_num(f, HAVE(d, TEREDO_A_MAX_PEERS), d->max_peers, true);
		fputs(",\"peer_size\":", f);
		put_num(f, HAVE(d, TEREDO_A_PEER_SIZE), d->peer_size, true);
		fputs(",\"queued\":", f);
		put_num(f, HAVE(d, TEREDO_A_QUEUED), d->queued, true);
		put_client_json(f, d);
		fputs(",\"stats\":{", f);
		for (i = 0; i < d->nstats; i++) {
			if (i)
				putc(',', f);
			json_print_str(f, d->stats[i].name);
			fprintf(f, ":%llu", (unsigned long long)d->stats[i].value);
		}
		fputs("}}\n", f);
		return;
	}

	fprintf(f, "%s: mode ", name);
	put_mode(f, d, false);
	fputs(", peers ", f);
	put_num(f, HAVE(d, TEREDO_A_PEER_COUNT), d->peers, false);
	putc('/', f);
	put_num(f, HAVE(d, TEREDO_A_MAX_PEERS), d->max_peers, false);
	fputs(", ", f);
	put_num(f, HAVE(d, TEREDO_A_PEER_SIZE), d->peer_size, false);
	fputs(" bytes per peer, ", f);
	put_num(f, HAVE(d, TEREDO_A_QUEUED), d->queued, false);
	fputs(" queued\n", f);
	put_client_text(f, d);

	for (i = 0; i < d->nstats; i++)
		if (strlen(d->stats[i].name) > w)
			w = strlen(d->stats[i].name);
	for (i = 0; i < d->nstats; i++)
		fprintf(f, "    %-*s %llu\n", (int)w, d->stats[i].name,
			(unsigned long long)d->stats[i].value);
}

/* Parse a TEREDO_A_PEER nest into p. */
void teredo_peer_parse(const struct nlattr *nest, struct teredo_peer *p)
{
	const struct nlattr *a;
	unsigned int type;
	uint16_t port;
	bool ok;

	memset(p, 0, sizeof(*p));
	mnl_attr_for_each_nested(a, nest) {
		type = mnl_attr_get_type(a);
		switch (type) {
		case TEREDO_PEER_A_ADDR:
			ok = attr_bin(a, &p->addr, sizeof(p->addr));
			break;
		case TEREDO_PEER_A_IP:
			ok = attr_bin(a, &p->ip, sizeof(p->ip));
			break;
		case TEREDO_PEER_A_PORT:
			ok = attr_bin(a, &port, sizeof(port));
			p->port = ntohs(port);
			break;
		case TEREDO_PEER_A_TRUSTED:
		case TEREDO_PEER_A_LOCAL:
			ok = true;	/* a flag: present means set */
			break;
		case TEREDO_PEER_A_RX_AGE:
			ok = attr_uint(a, &p->rx_age);
			break;
		case TEREDO_PEER_A_TX_AGE:
			ok = attr_uint(a, &p->tx_age);
			break;
		case TEREDO_PEER_A_QUEUE:
			ok = attr_uint(a, &p->queue);
			break;
		case TEREDO_PEER_A_BUBBLES:
			ok = attr_uint(a, &p->bubbles);
			break;
		default:
			ok = false;	/* unknown: ignored */
		}
		if (ok)
			p->have |= 1U << type;
	}
}

static void put_age(FILE *f, bool have, uint64_t ms, bool json)
{
	char buf[AGE_BUFSZ];

	if (json)
		put_num(f, have, ms, true);
	else if (have)
		fprintf(f, "%ss", fmt_age(buf, sizeof(buf), ms));
	else
		putc('?', f);
}

/*
 * text (address and IPv4:port padded to 39 and 21 columns; "local": at its
 * address on our link, local discovery):
 *	2001:0:c612:1:0:f05f:3ded:fffe 198.18.0.1:4000 trusted rx 0.3s tx 1.2s queue 0 bubbles 0
 * JSON (one object, no newline; the caller makes the array):
 *	{"address":"2001:0:c612:1:0:f05f:3ded:fffe","ip":"198.18.0.1",
 *	 "port":4000,"trusted":true,"rx_age_ms":300,"tx_age_ms":1200,
 *	 "queue":0,"bubbles":0,"local":false}
 */
void teredo_peer_print(FILE *f, const struct teredo_peer *p, bool json)
{
	char addr[INET6_ADDRSTRLEN] = "?", ip[INET_ADDRSTRLEN] = "?";
	char ep[INET_ADDRSTRLEN + 8] = "?";
	bool trusted = HAVE(p, TEREDO_PEER_A_TRUSTED);

	if (HAVE(p, TEREDO_PEER_A_ADDR))
		inet_ntop(AF_INET6, &p->addr, addr, sizeof(addr));
	if (HAVE(p, TEREDO_PEER_A_IP))
		inet_ntop(AF_INET, &p->ip, ip, sizeof(ip));

	if (json) {
		fputs("{\"address\":", f);
		if (HAVE(p, TEREDO_PEER_A_ADDR))
			json_print_str(f, addr);
		else
			fputs("null", f);
		fputs(",\"ip\":", f);
		if (HAVE(p, TEREDO_PEER_A_IP))
			json_print_str(f, ip);
		else
			fputs("null", f);
		fputs(",\"port\":", f);
		put_num(f, HAVE(p, TEREDO_PEER_A_PORT), p->port, true);
		fprintf(f, ",\"trusted\":%s,\"rx_age_ms\":",
			trusted ? "true" : "false");
		put_age(f, HAVE(p, TEREDO_PEER_A_RX_AGE), p->rx_age, true);
		fputs(",\"tx_age_ms\":", f);
		put_age(f, HAVE(p, TEREDO_PEER_A_TX_AGE), p->tx_age, true);
		fputs(",\"queue\":", f);
		put_num(f, HAVE(p, TEREDO_PEER_A_QUEUE), p->queue, true);
		fputs(",\"bubbles\":", f);
		put_num(f, HAVE(p, TEREDO_PEER_A_BUBBLES), p->bubbles, true);
		fprintf(f, ",\"local\":%s}",
			HAVE(p, TEREDO_PEER_A_LOCAL) ? "true" : "false");
		return;
	}

	if (HAVE(p, TEREDO_PEER_A_IP) || HAVE(p, TEREDO_PEER_A_PORT)) {
		if (HAVE(p, TEREDO_PEER_A_PORT))
			snprintf(ep, sizeof(ep), "%s:%u", ip, p->port);
		else
			snprintf(ep, sizeof(ep), "%s:?", ip);
	}
	fprintf(f, "%-39s %-21s %-9s rx ", addr, ep,
		trusted ? "trusted" : "untrusted");
	put_age(f, HAVE(p, TEREDO_PEER_A_RX_AGE), p->rx_age, false);
	fputs(" tx ", f);
	put_age(f, HAVE(p, TEREDO_PEER_A_TX_AGE), p->tx_age, false);
	fputs(" queue ", f);
	put_num(f, HAVE(p, TEREDO_PEER_A_QUEUE), p->queue, false);
	fputs(" bubbles ", f);
	put_num(f, HAVE(p, TEREDO_PEER_A_BUBBLES), p->bubbles, false);
	fputs(HAVE(p, TEREDO_PEER_A_LOCAL) ? " local\n" : "\n", f);
}

struct show_ctx {
	FILE *f;
	bool json;
	uint32_t ifindex;
	bool got;			/* GET_DEV: reply parsed */
	struct teredo_dev dev;
	struct teredo_peer *peers;	/* GET_PEER: as received */
	size_t count, room;
};

struct peer_seen {
	struct teredo_peer p;
	size_t seq;			/* the order it was received in */
};

static int peer_seen_cmp(const void *a, const void *b)
{
	const struct peer_seen *x = a, *y = b;
	int d = memcmp(&x->p.addr, &y->p.addr, sizeof(x->p.addr));

	if (d)
		return d;
	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

/* The kernel walks its peer table across the dump's calls, and a walk
 * that meets a resize of the table starts it again: a peer may come
 * twice. Sort @v by address and keep, of each address, the entry received
 * last (the freshest). Returns how many are left; @v unchanged if memory
 * is short.
 */
size_t teredo_peers_unique(struct teredo_peer *v, size_t n)
{
	struct peer_seen *s;
	size_t i, k = 0;

	if (n < 2)
		return n;
	s = calloc(n, sizeof(*s));
	if (!s)
		return n;
	for (i = 0; i < n; i++) {
		s[i].p = v[i];
		s[i].seq = i;
	}
	qsort(s, n, sizeof(*s), peer_seen_cmp);
	for (i = 0; i < n; i++)
		if (!k || memcmp(&s[i].p.addr, &v[k - 1].addr,
				 sizeof(v[k - 1].addr)))
			v[k++] = s[i].p;
	free(s);
	return k;
}

static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_ctx *c = data;
	int err;

	if (c->got)
		return MNL_CB_OK;	/* one reply expected: keep the first */
	err = teredo_dev_parse(nlh, &c->dev);
	if (err) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	c->got = true;
	return MNL_CB_OK;
}

static int peer_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_ctx *c = data;
	const struct nlattr *a;
	struct teredo_peer p;
	uint64_t ifindex;

	/* a message about another device is not ours to print */
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == TEREDO_A_IFINDEX &&
		    attr_uint(a, &ifindex) && ifindex != c->ifindex)
			return MNL_CB_OK;

	/* one TEREDO_A_PEER a message, but take any number */
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != TEREDO_A_PEER)
			continue;
		teredo_peer_parse(a, &p);
		if (c->count == c->room) {
			size_t room = c->room ? 2 * c->room : 256;
			struct teredo_peer *v;

			v = reallocarray(c->peers, room, sizeof(*v));
			if (!v) {
				errno = ENOMEM;
				return MNL_CB_ERROR;
			}
			c->peers = v;
			c->room = room;
		}
		c->peers[c->count++] = p;
	}
	return MNL_CB_OK;
}

/* What a peer dump received, sorted by address, each peer once. */
static void peers_print(struct show_ctx *c)
{
	size_t i, n = teredo_peers_unique(c->peers, c->count);

	for (i = 0; i < n; i++) {
		if (c->json)
			putc(i ? ',' : '[', c->f);
		teredo_peer_print(c->f, &c->peers[i], c->json);
	}
	if (c->json)
		fputs(n ? "]" : "[]", c->f);
}

void show_usage(FILE *f)
{
	fputs("  teredod show [[dev] DEV]        state and counters of a Teredo device\n"
	      "  teredod show peers [[dev] DEV]  its peers, one a line\n"
	      "  teredod show server [ADDRESS]   state and counters of a teredod server\n", f);
}

static int show_bad_usage(void)
{
	fputs("Usage: teredod show [peers] [[dev] DEV] [-j|--json]\n", stderr);
	return 2;
}

/* One device: its state, or its peers. 0 or a negative errno (printed). */
static int show_one(struct genl *g, const char *dev, int ifindex, bool peers,
		    bool json)
{
	struct show_ctx c = { .f = stdout, .json = json, .ifindex = ifindex };
	struct nlmsghdr *nlh;
	int err;

	if (peers) {
		nlh = genl_request(g, TEREDO_CMD_GET_PEER, NLM_F_DUMP);
		mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, c.ifindex);
		err = genl_run(g, nlh, peer_cb, &c);
		/* what came, even after an error mid-dump (valid JSON) */
		if (c.count || !err)
			peers_print(&c);
		free(c.peers);
	} else {
		snprintf(c.dev.ifname, sizeof(c.dev.ifname), "%s", dev);
		nlh = genl_request(g, TEREDO_CMD_GET_DEV, 0);
		mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, c.ifindex);
		err = genl_run(g, nlh, dev_cb, &c);
		if (!err && c.got)
			teredo_dev_print(stdout, &c.dev, c.json);
		teredo_dev_free(&c.dev);
	}
	if (err == -EPERM) {
		warnx("%s: %s (CAP_NET_ADMIN is needed)", dev, strerror(-err));
	} else if (err) {
		genl_perror(g, dev, err);
	} else if (!peers && !c.got) {
		warnx("%s: no reply from the kernel", dev);
		err = -EPROTO;
	}
	return err;
}

/* Without a device: every Teredo device of the namespace, as wg show. */
static int show_all(bool peers, bool json)
{
	struct rtnl_link links[256];
	struct rtnl r;
	struct genl g;
	int n, i, err, rc = 0;

	err = rtnl_open(&r);
	if (!err) {
		n = rtnl_links_of_kind(&r, "teredo", links,
				       ARRAY_SIZE(links));
		rtnl_close(&r);
		err = n < 0 ? n : 0;
	}
	if (err) {
		warnx("rtnetlink: %s", strerror(-err));
		return 1;
	}
	if (json)
		putc('[', stdout);
	if (n && genl_open(&g, TEREDO_GENL_NAME, TEREDO_GENL_VERSION)) {
		if (json)
			fputs("]\n", stdout);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (json && peers) {
			fputs(i ? ",{\"ifname\":" : "{\"ifname\":", stdout);
			json_print_str(stdout, links[i].name);
			fputs(",\"peers\":", stdout);
		} else if (json) {
			if (i)
				putc(',', stdout);
		} else if (peers) {
			printf("%s%s:\n", i ? "\n" : "", links[i].name);
		} else if (i) {
			putc('\n', stdout);
		}
		if (show_one(&g, links[i].name, links[i].ifindex, peers,
			     json)) {
			rc = 1;
			if (json)
				fputs(peers ? "[]" : "null", stdout);
		}
		if (json && peers)
			putc('}', stdout);
	}
	if (json)
		fputs("]\n", stdout);
	if (n)
		genl_close(&g);
	return rc;
}

int cmd_show(int argc, char **argv, const struct opts *opts)
{
	const char *dev = NULL, *arg;
	bool peers = false, json = opts->json;
	struct genl g;
	int i, err, ifindex;

	/* the server answers on its own socket (server_ctl.c) */
	if (argc > 1 && !strcmp(argv[1], "server"))
		return cmd_show_server(argc - 1, argv + 1, opts);

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (!strcmp(arg, "-j") || !strcmp(arg, "--json")) {
			json = true;
		} else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs("Usage:\n", stdout);
			show_usage(stdout);
			fputs("Without DEV: every Teredo device of the network namespace; -j, --json:\n"
			      "print JSON (an array of them without DEV).\n",
			      stdout);
			return 0;
		} else if (arg[0] == '-' && arg[1]) {
			warnx("show: unknown option \"%s\"", arg);
			return show_bad_usage();
		} else if (!strcmp(arg, "peers") && !peers) {
			peers = true;
		} else if (dev) {
			warnx("show: unexpected argument \"%s\"", arg);
			return show_bad_usage();
		} else if (!strcmp(arg, "dev")) {
			if (++i == argc) {
				warnx("show: \"dev\" needs a device name");
				return show_bad_usage();
			}
			dev = argv[i];
		} else {
			dev = arg;
		}
	}
	if (!dev) {
		err = show_all(peers, json);
	} else {
		if (genl_open(&g, TEREDO_GENL_NAME, TEREDO_GENL_VERSION))
			return 1;
		ifindex = if_nametoindex(dev);
		if (!ifindex) {
			if (errno == ENODEV || errno == ENXIO)
				warnx("%s: no such device", dev);
			else
				warn("%s", dev);
			genl_close(&g);
			return 1;
		}
		err = show_one(&g, dev, ifindex, peers, json);
		if (json && peers && !err)
			putc('\n', stdout);
		genl_close(&g);
	}
	if (fflush(stdout) || ferror(stdout)) {
		warnx("write error on standard output");
		return 1;
	}
	return err ? 1 : 0;
}
