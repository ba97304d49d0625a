// SPDX-License-Identifier: GPL-2.0
/*
 * Local client discovery (RFC 4380 section 5.2.8), client mode, opt-in:
 * clients behind one NAT find each other with bubbles to 224.0.0.253 and
 * then talk over their link, not through the NAT (which may not hairpin)
 * nor through a relay.
 *
 * A client is taken as local only from a neighbour on the link discovery
 * joined (a connected subnet of that device, the packet arriving there),
 * and only if its Teredo address embeds our NAT's IPv4 address (as
 * Miredo's unreleased code does): whoever can send from our link can
 * already do worse there, and nobody else is believed.
 */
#include <linux/igmp.h>
#include <linux/random.h>
#include <net/ip_fib.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "teredo.h"
#include "rx.h"

#define TEREDO_DISCOVERY_GROUP	cpu_to_be32(0xe00000fd)	/* 224.0.0.253 */
/* new local peers a second: what a flood on the link may cost */
#define TEREDO_DISCOVERY_RATE	20
/* between our discovery bubbles: 200 to 300 s */
#define TEREDO_DISCOVERY_MIN	(200 * HZ)
#define TEREDO_DISCOVERY_SPREAD	(100 * HZ)

static const struct in6_addr teredo_all_nodes = IN6ADDR_LINKLOCAL_ALLNODES_INIT;

void teredo_discovery_init(struct teredo_dev *td)
{
	ratelimit_state_init(&td->disc_rs, HZ, TEREDO_DISCOVERY_RATE);
	ratelimit_set_flags(&td->disc_rs, RATELIMIT_MSG_ON_RELEASE);
}

/* Did @ip come in on the link discovery joined (@iif), from a neighbour
 * there: in a connected subnet of that device (not a default route
 * without a gateway, as a VPN's, nor a point-to-point link), not one of
 * our own addresses nor a broadcast? Under RCU.
 */
static bool teredo_discovery_onlink(struct teredo_dev *td, __be32 ip, int iif)
{
	int ifindex = READ_ONCE(td->disc_ifindex);
	struct flowi4 fl4 = { .daddr = ip };
	struct fib_result res;
	struct net_device *dev;

	if (!ifindex || iif != ifindex || ipv4_is_multicast(ip) ||
	    ipv4_is_lbcast(ip) || ipv4_is_zeronet(ip) || ipv4_is_loopback(ip))
		return false;
	if (fib_lookup(td->net, &fl4, &res, 0))
		return false;
	dev = res.nhc->nhc_dev;
	return res.type == RTN_UNICAST && res.prefixlen &&
	       !res.nhc->nhc_gw_family && dev && dev->ifindex == ifindex &&
	       !(dev->flags & (IFF_POINTOPOINT | IFF_NOARP));
}

/* @src, a client behind our NAT, at @ip:@port on our link: its entry goes
 * there, and it is told where we are with a bubble if @answer. In
 * softirq. The entry, or NULL if there is no room.
 */
static struct teredo_peer *teredo_discovery_learn(struct teredo_dev *td,
						  const struct teredo_client *c,
						  const struct in6_addr *src,
						  __be32 ip, __be16 port,
						  bool answer)
{
	struct teredo_peer *p;
	struct sk_buff *skb;

	p = teredo_peer_find_or_new(td, src, ip, port);
	if (!p)
		return NULL;
	/* before the entry moves: a bubble to another mapping goes at once;
	 * a dormant client learns, but sends nothing by itself
	 */
	answer = answer && !c->dormant &&
		 teredo_peer_bubble_due(td, p, ip, port);
	spin_lock(&td->lock);
	if (!(p->flags & TEREDO_PEER_DEAD)) {
		if (p->ip != ip || p->port != port) {
			/* trusted at its old mapping, not at this one yet:
			 * no reader may see the new one trusted; nor at an
			 * alternate address (hairpin.c) any more
			 */
			WRITE_ONCE(p->flags, p->flags & ~TEREDO_PEER_TRUSTED);
			/* pairs with the acquire of teredo_peer_trusted() */
			smp_wmb();
			WRITE_ONCE(p->ip, ip);
			WRITE_ONCE(p->port, port);
			WRITE_ONCE(p->flags, p->flags & ~TEREDO_PEER_HAIRPIN);
		}
		WRITE_ONCE(p->flags, p->flags | TEREDO_PEER_LOCAL);
	}
	spin_unlock(&td->lock);
	if (answer) {
		skb = teredo_bubble(td, &c->addr, src, ip, port);
		if (skb) {
			teredo_stat_inc(td, TEREDO_STAT_TX_BUBBLE);
			teredo_encap(td, skb, ip, port);
		}
	}
	return p;
}

/* A unicast packet from the Teredo address @src at @ip:@port (arrived on
 * @iif), not at the mapping in @src nor at @p's trusted one: is it a
 * client behind our NAT at its address on our link? A bubble may say so
 * (within the rate of new local peers); other packets only from where a
 * bubble said it is. The entry it belongs to then, learnt, answered with
 * a bubble if the sender may not know where we are (we are not waiting
 * for it ourselves, it was not here before, and none went to it in the
 * last 2 s: two hosts answering from other addresses than they were sent
 * to cannot keep each other busy); NULL if it is not one. In softirq.
 */
struct teredo_peer *teredo_discovery_peer(struct teredo_dev *td,
					  const struct teredo_client *c,
					  struct teredo_peer *p,
					  const struct in6_addr *src,
					  __be32 ip, __be16 port, int iif,
					  bool bubble)
{
	bool here, answer;

	if (!READ_ONCE(td->disc_ifindex) || ipv6_addr_equal(src, &c->addr) ||
	    teredo_addr_ip(src) != teredo_addr_ip(&c->addr))
		return NULL;
	here = p && READ_ONCE(p->flags) & TEREDO_PEER_LOCAL &&
	       READ_ONCE(p->ip) == ip && READ_ONCE(p->port) == port;
	if ((!bubble && !here) || !teredo_discovery_onlink(td, ip, iif))
		return NULL;
	if (!here && !__ratelimit(&td->disc_rs))
		return NULL;
	answer = bubble && !here && !(p && READ_ONCE(p->queue)) &&
		 (!p || teredo_since(teredo_now(), READ_ONCE(p->last_tx)) >=
			TEREDO_BUBBLE_GAP);
	return teredo_discovery_learn(td, c, src, ip, port, answer);
}

/* encap_rcv of the discovery socket: a bubble to 224.0.0.253 from a
 * client on our link. In softirq, under RCU. Consumes @skb.
 */
static int teredo_discovery_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct teredo_dev *td = rcu_dereference_sk_user_data(sk);
	const struct teredo_client *c;
	const struct ipv6hdr *ip6h;
	struct teredo_rx rx = {};
	enum teredo_stat why;
	struct in6_addr src;
	__be32 saddr;
	__be16 sport;

	if (unlikely(!td)) {
		kfree_skb(skb);
		return 0;
	}
	why = teredo_parse(skb, &rx, false);
	if (why != TEREDO_STAT_MAX)
		return teredo_rx_drop(td, skb, why);
	c = rcu_dereference(td->client);
	if (!c || !(td->dev->flags & IFF_UP))
		return teredo_rx_drop(td, skb, TEREDO_STAT_RX_OFFLINE);
	ip6h = (const struct ipv6hdr *)(skb->data + rx.off);
	src = ip6h->saddr;
	saddr = ip_hdr(skb)->saddr;
	sport = udp_hdr(skb)->source;
	/* ours, looped back by the stack */
	if (ipv6_addr_equal(&src, &c->addr) &&
	    inet_addr_type(td->net, saddr) == RTN_LOCAL) {
		consume_skb(skb);
		return 0;
	}
	if (rx.auth || rx.origin || !teredo_is_bubble(ip6h) ||
	    !ipv6_addr_equal(&ip6h->daddr, &teredo_all_nodes) ||
	    !teredo_addr_is_teredo(&src) || ipv6_addr_equal(&src, &c->addr) ||
	    teredo_addr_ip(&src) != teredo_addr_ip(&c->addr) ||
	    !teredo_discovery_onlink(td, saddr, inet_iif(skb)) ||
	    !__ratelimit(&td->disc_rs))
		return teredo_rx_drop(td, skb, TEREDO_STAT_RX_DISCOVERY_REFUSED);
	consume_skb(skb);
	if (teredo_discovery_learn(td, c, &src, saddr, sport, true))
		teredo_stat_inc(td, TEREDO_STAT_RX_DISCOVERY);
	return 0;
}

static void teredo_discovery_close(struct socket *sock, struct ip_mreqn *mreq)
{
	/* under RTNL: the socket's release would take it to leave */
	lock_sock(sock->sk);
	ip_mc_leave_group(sock->sk, mreq);
	release_sock(sock->sk);
	teredo_udp_tunnel_sock_release(sock);
}

/* A socket on 224.0.0.253, port 3544, in the underlay namespace, joined
 * on the device @cfg binds to (its link, or the one of its address, or
 * the one routing to the group). Under RTNL.
 */
static int teredo_discovery_open(struct teredo_dev *td,
				 const struct teredo_cfg *cfg,
				 struct teredo_disc_plan *plan,
				 struct netlink_ext_ack *extack)
{
	struct sockaddr_in sin = {
		.sin_family		= AF_INET,
		.sin_addr.s_addr	= TEREDO_DISCOVERY_GROUP,
		.sin_port		= htons(TEREDO_PORT),
	};
	struct socket *sock;
	bool joining = false;
	int zero = 0, err;

	err = sock_create_kern(td->net, AF_INET, SOCK_DGRAM, 0, &sock);
	if (err)
		goto out;
	/* other clients of this namespace listen there too */
	sock->sk->sk_reuse = SK_CAN_REUSE;
	/* only the group it joined, on the device it joined on (a field in
	 * 6.1, a flag bit since 6.6: the socket option knows both)
	 */
	err = sock->ops->setsockopt(sock, SOL_IP, IP_MULTICAST_ALL,
				    KERNEL_SOCKPTR(&zero), sizeof(zero));
	if (err)
		goto release;
	if (cfg->link) {
		err = sock_bindtoindex(sock->sk, cfg->link, true);
		if (err)
			goto release;
	}
	err = teredo_kernel_bind(sock, &sin);
	if (err)
		goto release;
	joining = true;
	memset(&plan->mreq, 0, sizeof(plan->mreq));
	plan->mreq.imr_multiaddr.s_addr = TEREDO_DISCOVERY_GROUP;
	plan->mreq.imr_address.s_addr = cfg->local;
	plan->mreq.imr_ifindex = cfg->link;
	lock_sock(sock->sk);
	/* fills in the device it chose, which leaving it names */
	err = ip_mc_join_group(sock->sk, &plan->mreq);
	release_sock(sock->sk);
	if (err)
		goto release;
	plan->sock = sock;
	return 0;

release:
	sock_release(sock);
out:
	if (err == -ENODEV)
		NL_SET_ERR_MSG(extack,
			       "local discovery: no device to join 224.0.0.253 on (set link or local)");
	else if (joining)
		NL_SET_ERR_MSG(extack,
			       "local discovery: cannot join 224.0.0.253");
	else if (err == -EADDRINUSE)
		NL_SET_ERR_MSG(extack,
			       "local discovery: UDP port 3544 is taken in the underlay namespace (a relay, or a socket without SO_REUSEADDR)");
	else
		NL_SET_ERR_MSG(extack,
			       "local discovery: cannot listen on 224.0.0.253 port 3544");
	return err;
}

/* What @cfg asks of discovery, prepared beside what runs: a socket if it
 * is to be on and there is none yet, or the binding changes (@rebind).
 */
int teredo_discovery_prepare(struct teredo_dev *td,
			     const struct teredo_cfg *cfg, bool rebind,
			     struct teredo_disc_plan *plan,
			     struct netlink_ext_ack *extack)
{
	memset(plan, 0, sizeof(*plan));
	plan->close = !cfg->discovery && td->disc_sock;
	if (!cfg->discovery || (td->disc_sock && !rebind))
		return 0;
	return teredo_discovery_open(td, cfg, plan, extack);
}

static void teredo_discovery_attach(struct teredo_dev *td,
				    struct socket *sock)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data	= td,
		.encap_type	= 1,
		.encap_rcv	= teredo_discovery_rcv,
	};

	teredo_setup_udp_tunnel_sock(td->net, sock, &tcfg);
}

/* Under RTNL, the device registered; cannot fail. */
void teredo_discovery_commit(struct teredo_dev *td,
			     struct teredo_disc_plan *plan)
{
	if (plan->sock || plan->close)
		teredo_discovery_release(td);
	if (!plan->sock)
		return;
	td->disc_sock = plan->sock;
	td->disc_mreq = plan->mreq;
	teredo_discovery_attach(td, plan->sock);
	WRITE_ONCE(td->disc_next, teredo_now());
	WRITE_ONCE(td->disc_ifindex, plan->mreq.imr_ifindex);
	plan->sock = NULL;
}

void teredo_discovery_abort(struct teredo_disc_plan *plan)
{
	if (plan->sock)
		teredo_discovery_close(plan->sock, &plan->mreq);
	plan->sock = NULL;
}

/* Discovery off, or the device going: under RTNL. */
void teredo_discovery_release(struct teredo_dev *td)
{
	WRITE_ONCE(td->disc_ifindex, 0);
	if (!td->disc_sock)
		return;
	teredo_discovery_close(td->disc_sock, &td->disc_mreq);
	td->disc_sock = NULL;
}

/* A new Teredo address: the next tick tells the link. */
void teredo_discovery_soon(struct teredo_dev *td)
{
	WRITE_ONCE(td->disc_next, teredo_now());
}

/* With discovery on, is @peer a client behind our own NAT? Its mapping
 * is then our NAT's address, which may not hairpin: it is found on the
 * link instead.
 */
bool teredo_discovery_behind_us(struct teredo_dev *td,
				const struct teredo_client *c,
				const struct in6_addr *peer)
{
	return READ_ONCE(td->disc_ifindex) &&
	       teredo_addr_ip(peer) == teredo_addr_ip(&c->addr);
}

/* We wait for a client behind our own NAT: what discovery taught us may
 * have expired with its entry (30 s idle), so tell the link again, at
 * most one discovery bubble every 2 s. Any context.
 */
void teredo_discovery_ask(struct teredo_dev *td,
			  const struct teredo_client *c,
			  const struct in6_addr *peer)
{
	u32 now = teredo_now();

	if (teredo_discovery_behind_us(td, c, peer) &&
	    teredo_since(now, READ_ONCE(td->disc_sent)) >= TEREDO_BUBBLE_GAP)
		WRITE_ONCE(td->disc_next, now);
}

static void teredo_discovery_send(struct teredo_dev *td,
				  const struct teredo_client *c, int ifindex)
{
	const struct teredo_bind *b = teredo_bind(td);
	struct flowi4 fl4 = {};
	struct sk_buff *skb;
	struct rtable *rt;

	if (!b->sock)
		return;
	skb = teredo_bubble(td, &c->addr, &teredo_all_nodes,
			    TEREDO_DISCOVERY_GROUP, htons(TEREDO_PORT));
	if (!skb)
		return;
	fl4.flowi4_oif = ifindex;
	fl4.flowi4_proto = IPPROTO_UDP;
	fl4.daddr = TEREDO_DISCOVERY_GROUP;
	fl4.saddr = b->local;
	fl4.fl4_dport = htons(TEREDO_PORT);
	fl4.fl4_sport = b->port;
	rt = ip_route_output_key(td->net, &fl4);
	if (IS_ERR(rt)) {
		teredo_tx_drop(td, skb, TEREDO_STAT_TX_NO_ROUTE);
		return;
	}
	teredo_stat_inc(td, TEREDO_STAT_TX_DISCOVERY);
	WRITE_ONCE(td->disc_sent, teredo_now());
	/* the group is link-local: no router takes it further */
	teredo_encap_rt(td, skb, b, rt, fl4.saddr, TEREDO_DISCOVERY_GROUP,
			htons(TEREDO_PORT), 1);
}

/* From the worker: a discovery bubble when one is due, while qualified. */
void teredo_discovery_tick(struct teredo_dev *td, u32 now)
{
	const struct teredo_client *c;
	int ifindex;

	if ((s32)(now - READ_ONCE(td->disc_next)) < 0)
		return;
	WRITE_ONCE(td->disc_next, now + TEREDO_DISCOVERY_MIN +
		   get_random_u32() % TEREDO_DISCOVERY_SPREAD);
	local_bh_disable();
	/* read with the binding, in the section release waits for */
	ifindex = READ_ONCE(td->disc_ifindex);
	c = rcu_dereference_bh(td->client);
	if (ifindex && c && !c->dormant && td->dev->flags & IFF_UP)
		teredo_discovery_send(td, c, ifindex);
	local_bh_enable();
}
