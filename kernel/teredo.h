/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Teredo tunnel device: private definitions shared by the module's files.
 */
#ifndef _TEREDO_H
#define _TEREDO_H

#include <linux/in.h>
#include <linux/netdevice.h>
#include <linux/ratelimit.h>
#include <linux/list.h>
#include <net/gro_cells.h>
#include <net/net_namespace.h>
#include <linux/teredo.h>

#include "compat.h"
#include "addr.h"
#include "peer.h"
#include "stats.h"

#define TEREDO_VERSION		"0.1"

/* Outer headers: IPv4 + UDP, and room for an origin indication. */
#define TEREDO_ORIGIN_LEN	8
#define TEREDO_ENCAP_LEN	(sizeof(struct iphdr) + sizeof(struct udphdr))
static_assert(IP_MAX_MTU - TEREDO_ENCAP_LEN == TEREDO_MAX_MTU);

/* What the link attributes configure: the RTNL side's view (fill_info,
 * changelink). The data path reads the binding from struct teredo_bind.
 */
struct teredo_cfg {
	enum teredo_mode mode;
	__be32 local;		/* bind address, 0 for any */
	__be16 port;		/* bind port, network order */
	int link;		/* ifindex of the underlay device, 0 for any */
	u32 max_peers;
	u32 probe_rate;		/* probes a second to one IPv4 address */
	u32 probe_total;	/* probes a second in all */
	bool fastpath;		/* relay: receive off the underlay device */
	bool discovery;		/* client: local client discovery */
	int native;		/* relay, fastpath: ifindex of the native
				 * side device to transmit off, 0 for none
				 */
};

/* Where the device's socket is bound: everything the data path reads about
 * it, published as a whole under RCU and never edited, so that a reader
 * sees one binding, old or new, and its socket with it (link.c).
 */
struct teredo_bind {
	struct socket *sock;	/* NULL once the device is going away */
	__be32 local;		/* bound address, 0 for any */
	__be16 port;		/* bound port, network order */
	int link;		/* bound device's ifindex, 0 for any */
	struct rcu_head rcu;
};

/* A qualified client (set by teredod), replaced as a whole under RCU. */
struct teredo_client {
	struct in6_addr addr;		/* our Teredo address */
	__be32 server;			/* our server, from the address */
	u8 nat;				/* enum teredo_nat, for show */
	bool dormant;			/* hold what is sent (dormant.c) */
	struct rcu_head rcu;
};

struct teredo_routes;
struct teredo_budget;
struct rtable;

/* Where a client's control packets may come from: the servers teredod
 * sent to lately. IPv4 address and deadline (jiffies) in one word.
 */
#define TEREDO_CONTROL_FROM	4

struct teredo_dev {
	struct net_device *dev;
	struct net *net;		/* underlay: where the socket lives */
	struct list_head list;		/* in teredo_net.devs, under RTNL */
	struct teredo_bind __rcu *bind;	/* never NULL once registered */
	struct teredo_cfg cfg;
	/* fast path: the devices whose receive handler we are, written
	 * under RTNL; the handler only compares them with skb->dev
	 */
	struct net_device *uplink;	/* the underlay: decapsulation */
	netdevice_tracker uplink_tracker;
	struct net_device *native;	/* the native side: encapsulation */
	netdevice_tracker native_tracker;
	struct gro_cells gro_cells;
	struct teredo_pcpu_stats __percpu *stats;
	struct teredo_routes *routes;	/* outer routes, cached (route.c) */

	struct rhashtable peers;
	struct llist_head dead;		/* unlinked peers, freed after RCU */
	spinlock_t lock;		/* peer table changes, queues */
	struct list_head pending;	/* queues waiting for an answer */
	unsigned int queued;		/* truesize of all queues */
	u32 retry_round;		/* of the worker, in queues */
	struct teredo_budget *budget;	/* of probes, under the lock */
	struct delayed_work gc;
	unsigned int gc_ticks;
	bool recheck_local;		/* a local IPv4 address was added */
	u32 unhinted;			/* jiffies: last route hint sweep */

	/* client mode */
	struct teredo_client __rcu *client;
	u32 server_rx;			/* jiffies: last packet from it */
	bool server_seen;
	u64 control_from[TEREDO_CONTROL_FROM];
	struct ratelimit_state control_rs; /* server packets to teredod */
	struct ratelimit_state punch_rs;   /* answers to relayed bubbles */
	/* local discovery (discovery.c): the socket on 224.0.0.253 and the
	 * group it joined, under RTNL; the device it joined on (0: off) and
	 * when the next discovery bubble goes, for the worker
	 */
	struct socket *disc_sock;
	struct ip_mreqn disc_mreq;
	int disc_ifindex;
	u32 disc_next;
	u32 disc_sent;			/* jiffies: our last discovery bubble */
	struct ratelimit_state disc_rs;	/* discovery bubbles taken */
	/* dormant (dormant.c): what the host sent meanwhile, under the
	 * queue's lock; when the first came and teredod was last told
	 */
	struct sk_buff_head wake_q;
	unsigned int wake_bytes;
	u32 wake_since;
	u32 wake_told;
	u32 last_xmit;			/* jiffies: the host last sent */

	/* open peer dumps, under teredo_dumps_lock (dump.c) */
	struct list_head dumps;
};

/* alternate addresses of a bubble kept (MS-TERE 2.2.2: SHOULD be at most
 * two, the local one and the UPnP one)
 */
#define TEREDO_ALT_MAX		2

/* An Alternate Address trailer of one address (MS-TERE 2.2.2), as we
 * send it.
 */
struct teredo_alt_trailer {
	u8 type;		/* TEREDO_TRAILER_ALT */
	u8 len;			/* of what follows */
	__be16 reserved;
	__be32 ip;
	__be16 port;
} __packed;

/* A Neighbor Discovery Option trailer (RFC 6081 section 4.4). */
struct teredo_nd_trailer {
	u8 type;		/* TEREDO_TRAILER_ND */
	u8 len;			/* of what follows: 4 */
	u8 discovery;		/* TEREDO_ND_SOLICIT or TEREDO_ND_ADVERT */
	u8 reserved[3];
} __packed;

/* trailer types (RFC 6081 section 4); the Random Port trailer is 0x05 in
 * the section that defines it (4.5), which is what is read, and 0x02 in
 * the draft's IANA table, which is passed over
 */
#define TEREDO_TRAILER_NONCE		0x01
#define TEREDO_TRAILER_RANDOM_PORT_IANA	0x02
#define TEREDO_TRAILER_ALT		0x03
#define TEREDO_TRAILER_ND		0x04
#define TEREDO_TRAILER_RANDOM_PORT	0x05
#define TEREDO_ND_SOLICIT		0
#define TEREDO_ND_ADVERT		1

/* What precedes the IPv6 packet in a received UDP payload, and what
 * follows a bubble.
 */
struct teredo_rx {
	unsigned int off;	/* of the IPv6 header, from the UDP header */
	bool auth;
	bool origin;
	bool nd;		/* a bubble has an ND option trailer */
	bool nd_solicit;	/* that solicits */
	u8 alt_n;		/* alternate addresses of a bubble's trailer */
	__be16 rport;		/* a bubble's Random Port trailer's, or 0 */
	__be16 origin_port;
	__be32 origin_ip;
	__be32 alt_ip[TEREDO_ALT_MAX];
	__be16 alt_port[TEREDO_ALT_MAX];
};

/* Where a packet built by the device goes, while it waits to be sent. */
struct teredo_skb_cb {
	__be32 ip;
	__be16 port;
	bool inbound;	/* held on receive, arrived from ip:port */
};

#define TEREDO_CB(skb) ((struct teredo_skb_cb *)(skb)->cb)

/* Per underlay namespace: the devices whose socket lives there. */
struct teredo_net {
	struct list_head devs;
};

/* With preemption disabled (bottom halves, a spinlock): the counter is
 * this CPU's.
 */
static inline void teredo_stat_add(struct teredo_dev *td,
				   enum teredo_stat stat, unsigned int n)
{
	struct teredo_pcpu_stats *s;
	unsigned long flags;

	lockdep_assert_preemption_disabled();
	s = this_cpu_ptr(td->stats);
	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_add(&s->cnt[stat], n);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
}

static inline void teredo_stat_inc(struct teredo_dev *td,
				   enum teredo_stat stat)
{
	teredo_stat_add(td, stat, 1);
}

/* The datagrams @skb stands for: a GSO packet's segments (a drop counts
 * each, whether GRO merged them or the stack has yet to cut them).
 */
static inline unsigned int teredo_skb_segs(const struct sk_buff *skb)
{
	if (!skb_is_gso(skb))
		return 1;
	return max_t(unsigned int, skb_shinfo(skb)->gso_segs, 1);
}

/* The binding, for the data path: under RCU or with bottom halves off
 * (or under RTNL, where it changes).
 */
static inline const struct teredo_bind *teredo_bind(const struct teredo_dev *td)
{
	return rcu_dereference_check(td->bind, rcu_read_lock_bh_held() ||
				     lockdep_rtnl_is_held());
}

extern unsigned int teredo_net_id;
extern struct rtnl_link_ops teredo_link_ops;

/* gro.c */
extern bool teredo_gro;
struct sk_buff *teredo_gro_receive(struct sock *sk, struct list_head *head,
				   struct sk_buff *skb);
int teredo_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff);

/* device.c */
void teredo_setup(struct net_device *dev);

/* rx.c */
int teredo_udp_rcv(struct sock *sk, struct sk_buff *skb);
int teredo_rx_drop(struct teredo_dev *td, struct sk_buff *skb,
		   enum teredo_stat why);
int teredo_deliver(struct teredo_dev *td, struct sk_buff *skb);

/* fastpath.c: the receive handler on the uplinks. A change is prepared
 * (checked, handlers registered on new devices), then committed (cannot
 * fail) or aborted.
 */
struct teredo_fast_plan {
	struct net_device *uplink;	/* wanted, or NULL */
	struct net_device *native;
	struct net_device *registered[2]; /* by the prepare, for the abort */
};

int teredo_fastpath_prepare(struct teredo_dev *td,
			    const struct teredo_cfg *cfg, struct nlattr *data[],
			    struct teredo_fast_plan *plan,
			    struct netlink_ext_ack *extack);
void teredo_fastpath_commit(struct teredo_dev *td,
			    const struct teredo_fast_plan *plan);
void teredo_fastpath_abort(struct teredo_dev *td,
			   const struct teredo_fast_plan *plan);
void teredo_fastpath_detach(struct teredo_dev *td);
int teredo_fastpath_init(void);
void teredo_fastpath_exit(void);

/* fastrx.c, fasttx.c: what it does with what arrives */
rx_handler_result_t teredo_fast_rx(struct teredo_dev *td,
				   struct sk_buff **pskb);
rx_handler_result_t teredo_fast_tx(struct teredo_dev *td,
				   struct sk_buff **pskb);

/* budget.c */
int teredo_budget_init(struct teredo_dev *td, u32 rate, u32 total);
void teredo_budget_free(struct teredo_dev *td);
void teredo_budget_set(struct teredo_dev *td, u32 rate, u32 total);
#define TEREDO_BUDGET_ANYONE	U32_MAX	/* a probe no requester pays for */
u32 teredo_budget_who(const struct teredo_dev *td, const struct in6_addr *addr);
bool teredo_budget_take(struct teredo_dev *td, __be32 ip, u32 who, u32 now,
			bool charge);

/* local.c */
int teredo_local_init(void);
void teredo_local_exit(void);

/* client.c */
int teredo_client_rcv(struct teredo_dev *td, struct sk_buff *skb,
		      const struct teredo_rx *rx, __be32 saddr, __be16 sport);
netdev_tx_t teredo_client_xmit(struct teredo_dev *td, struct sk_buff *skb);
void teredo_client_probe(struct teredo_dev *td, struct teredo_peer *p,
			 struct sk_buff_head *out);
int teredo_client_set(struct teredo_dev *td, const struct in6_addr *addr,
		      u8 nat, bool dormant);
void teredo_client_init(struct teredo_dev *td);
void teredo_client_expect(struct teredo_dev *td, __be32 ip);
void teredo_client_exit(struct teredo_dev *td);

/* ping.c */
struct sk_buff *teredo_ping(struct teredo_dev *td, const struct in6_addr *src,
			    const struct in6_addr *dst, u64 nonce,
			    __be32 ip);
bool teredo_ping_reply(struct sk_buff *skb, u64 *nonce);

/* route.c */
int teredo_routes_init(struct teredo_dev *td);
void teredo_routes_destroy(struct teredo_dev *td);
void teredo_routes_reset(struct teredo_dev *td);
struct rtable *teredo_route(struct teredo_dev *td,
			    const struct teredo_bind *b, __be32 ip, __be16 port,
			    __be32 *saddr);
struct rtable *teredo_route_peer(struct teredo_dev *td,
				 const struct teredo_bind *b,
				 struct teredo_peer *p, __be32 ip, __be16 port,
				 __be32 *saddr);
bool teredo_routes_sweep_begin(struct teredo_dev *td);
void teredo_routes_sweep_end(struct teredo_dev *td);

/* tx.c */
netdev_tx_t teredo_xmit(struct sk_buff *skb, struct net_device *dev);
void teredo_tx_drop(struct teredo_dev *td, struct sk_buff *skb,
		    enum teredo_stat why);
bool teredo_tx_trusted(struct teredo_dev *td, struct sk_buff *skb,
		       const struct in6_addr *dst);
struct teredo_peer *teredo_tx_target(struct teredo_dev *td,
				     const struct in6_addr *dst,
				     __be32 *ip, __be16 *port);
struct sk_buff *teredo_gso_segment(struct teredo_dev *td, struct sk_buff *skb,
				   bool tx);
void teredo_encap_bh(struct teredo_dev *td, struct sk_buff *skb,
		     struct teredo_peer *p, __be32 ip, __be16 port);
bool teredo_tx_teredo_ok(struct teredo_dev *td, struct sk_buff *skb,
			 const struct in6_addr *dst);
int teredo_send_raw(struct teredo_dev *td, const void *data,
		    unsigned int len, __be32 ip, __be16 port);
void teredo_encap(struct teredo_dev *td, struct sk_buff *skb,
		  __be32 ip, __be16 port);
void teredo_encap_rt(struct teredo_dev *td, struct sk_buff *skb,
		     const struct teredo_bind *b, struct rtable *rt,
		     __be32 saddr, __be32 ip, __be16 port, u8 ttl);
struct sk_buff *teredo_bubble(struct teredo_dev *td,
			      const struct in6_addr *src,
			      const struct in6_addr *dst,
			      __be32 ip, __be16 port);

/* netlink.c */
int teredo_genl_init(void);
void teredo_genl_exit(void);
void teredo_control_notify(struct teredo_dev *td, struct sk_buff *skb,
			   __be32 saddr, __be16 sport);
void teredo_wake_notify(struct teredo_dev *td);
struct net_device *teredo_nl_dev(struct net *net, struct nlattr **attrs,
				 struct netlink_ext_ack *extack);

/* dump.c: the peer dump */
extern struct genl_family teredo_genl_family;
int teredo_dump_start(struct netlink_callback *cb);
int teredo_dump_peers(struct sk_buff *skb, struct netlink_callback *cb);
int teredo_dump_done(struct netlink_callback *cb);
void teredo_dumps_end(struct teredo_dev *td);

/* socket.c */
int teredo_sock_open(struct teredo_dev *td, const struct teredo_cfg *cfg,
		     struct socket *shared, struct socket **sockp,
		     struct netlink_ext_ack *extack);
void teredo_sock_attach(struct teredo_dev *td, struct socket *sock);
void teredo_sock_unhash(struct socket *sock);
void teredo_sock_close(struct socket *sock);

/* discovery.c: local client discovery (RFC 4380 section 5.2.8) */
struct teredo_disc_plan {
	struct socket *sock;	/* the new socket, or NULL */
	struct ip_mreqn mreq;	/* the group it joined */
	bool close;		/* the device's goes */
};

void teredo_discovery_init(struct teredo_dev *td);
int teredo_discovery_prepare(struct teredo_dev *td,
			     const struct teredo_cfg *cfg, bool rebind,
			     struct teredo_disc_plan *plan,
			     struct netlink_ext_ack *extack);
void teredo_discovery_commit(struct teredo_dev *td,
			     struct teredo_disc_plan *plan);
void teredo_discovery_abort(struct teredo_disc_plan *plan);
void teredo_discovery_release(struct teredo_dev *td);
void teredo_discovery_tick(struct teredo_dev *td, u32 now);
void teredo_discovery_soon(struct teredo_dev *td);
bool teredo_discovery_behind_us(struct teredo_dev *td,
				const struct teredo_client *c,
				const struct in6_addr *peer);
void teredo_discovery_ask(struct teredo_dev *td,
			  const struct teredo_client *c,
			  const struct in6_addr *peer);
struct teredo_peer *teredo_discovery_peer(struct teredo_dev *td,
					  const struct teredo_client *c,
					  struct teredo_peer *p,
					  const struct in6_addr *src,
					  __be32 ip, __be16 port, int iif,
					  bool bubble);
/* trailer.c */
bool teredo_parse_trailers(const struct sk_buff *skb, unsigned int off,
			   struct teredo_rx *rx);
void teredo_trailer_nd(struct sk_buff *skb, u8 discovery);
/* hairpin.c */
bool teredo_hairpin_behind_us(const struct teredo_client *c,
			      const struct in6_addr *peer);
struct sk_buff *teredo_hairpin_bubble(struct teredo_dev *td,
				      const struct teredo_client *c,
				      const struct in6_addr *peer,
				      __be32 ip, __be16 port);
bool teredo_hairpin_learn(struct teredo_dev *td,
			  const struct teredo_client *c,
			  struct teredo_peer *p, const struct in6_addr *peer,
			  const struct teredo_rx *rx,
			  __be32 *ip, __be16 *port, bool *tell);
/* randport.c */
void teredo_randport_learn(struct teredo_dev *td,
			   const struct teredo_client *c,
			   struct teredo_peer *p, const struct in6_addr *peer,
			   const struct teredo_rx *rx);

/* dormant.c: on-demand qualification */
void teredo_dormant_init(struct teredo_dev *td);
bool teredo_dormant_hold(struct teredo_dev *td, struct sk_buff *skb);
void teredo_dormant_poke(struct teredo_dev *td);
void teredo_dormant_release(struct teredo_dev *td, bool send);
void teredo_dormant_tick(struct teredo_dev *td, u32 now);
void teredo_dormant_purge(struct teredo_dev *td);

/* link.c */
void teredo_bind_release(struct teredo_dev *td);
bool teredo_underlay_capable(const struct teredo_dev *td,
			     const struct nlattr *attr,
			     struct netlink_ext_ack *extack);

#endif /* _TEREDO_H */
