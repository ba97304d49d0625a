// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink side of the Teredo device: ip link add/set/del/show.
 */
#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/route.h>

#include "teredo.h"

/* not const: 6.1's policy points to it without const */
static struct netlink_range_validation teredo_probe_range = {
	.min = 1,
	.max = TEREDO_MAX_PROBE_RATE,
};

static const struct nla_policy teredo_policy[IFLA_TEREDO_MAX + 1] = {
	[IFLA_TEREDO_MODE]	= { .type = NLA_U8 },
	[IFLA_TEREDO_LOCAL]	= { .type = NLA_BE32 },
	[IFLA_TEREDO_PORT]	= { .type = NLA_BE16 },
	[IFLA_TEREDO_LINK]	= { .type = NLA_U32 },
	[IFLA_TEREDO_MTU]	= { .type = NLA_U32 },
	[IFLA_TEREDO_MAX_PEERS]	= { .type = NLA_U32 },
	[IFLA_TEREDO_FASTPATH]	= { .type = NLA_U8 },
	[IFLA_TEREDO_NATIVE]	= { .type = NLA_U32 },
	[IFLA_TEREDO_PROBE_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &teredo_probe_range),
	[IFLA_TEREDO_PROBE_TOTAL] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &teredo_probe_range),
};

static int teredo_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct nlattr *a;

	if (!data)
		return 0;
	a = data[IFLA_TEREDO_MODE];
	if (a && nla_get_u8(a) > TEREDO_MODE_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "unknown Teredo mode (relay or client)");
		return -EINVAL;
	}
	a = data[IFLA_TEREDO_PORT];
	if (a && !nla_get_be16(a)) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "UDP port 0 is not valid (default 3544)");
		return -EINVAL;
	}
	a = data[IFLA_TEREDO_LOCAL];
	if (a && ipv4_is_multicast(nla_get_in_addr(a))) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "local address must be a unicast IPv4 address");
		return -EINVAL;
	}
	a = data[IFLA_TEREDO_MTU];
	if (a && nla_get_u32(a) < TEREDO_MIN_MTU) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "MTU below 1280, the IPv6 minimum");
		return -EINVAL;
	}
	if (a && nla_get_u32(a) > TEREDO_MAX_MTU) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "MTU above 65507, the largest UDP payload");
		return -EINVAL;
	}
	a = data[IFLA_TEREDO_MAX_PEERS];
	if (a && !nla_get_u32(a)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "maxpeers must be at least 1");
		return -EINVAL;
	}
	a = data[IFLA_TEREDO_FASTPATH];
	if (a && nla_get_u8(a) > 1) {
		NL_SET_ERR_MSG_ATTR(extack, a, "fastpath is 1 (on) or 0 (off)");
		return -EINVAL;
	}
	return 0;
}

/* Fill @cfg from the attributes, on top of what it holds; check what
 * depends on the underlay namespace.
 */
static int teredo_parse(struct teredo_dev *td, struct nlattr *data[],
			struct teredo_cfg *cfg, struct netlink_ext_ack *extack)
{
	struct net *net = td->net;

	if (!data)
		return 0;
	if (data[IFLA_TEREDO_MODE])
		cfg->mode = nla_get_u8(data[IFLA_TEREDO_MODE]);
	if (data[IFLA_TEREDO_LOCAL])
		cfg->local = nla_get_in_addr(data[IFLA_TEREDO_LOCAL]);
	if (data[IFLA_TEREDO_PORT])
		cfg->port = nla_get_be16(data[IFLA_TEREDO_PORT]);
	if (data[IFLA_TEREDO_LINK])
		cfg->link = nla_get_u32(data[IFLA_TEREDO_LINK]);
	if (data[IFLA_TEREDO_MAX_PEERS])
		cfg->max_peers = nla_get_u32(data[IFLA_TEREDO_MAX_PEERS]);
	if (data[IFLA_TEREDO_FASTPATH])
		cfg->fastpath = nla_get_u8(data[IFLA_TEREDO_FASTPATH]);
	if (data[IFLA_TEREDO_PROBE_RATE])
		cfg->probe_rate = nla_get_u32(data[IFLA_TEREDO_PROBE_RATE]);
	if (data[IFLA_TEREDO_PROBE_TOTAL])
		cfg->probe_total = nla_get_u32(data[IFLA_TEREDO_PROBE_TOTAL]);
	if (data[IFLA_TEREDO_NATIVE])
		cfg->native = nla_get_u32(data[IFLA_TEREDO_NATIVE]);
	else if (!cfg->fastpath)
		cfg->native = 0;	/* "fastpath off" turns both off */

	if (cfg->link && !__dev_get_by_index(net, cfg->link)) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_TEREDO_LINK],
				    "underlay device not found");
		return -ENODEV;
	}
	if (cfg->local && inet_addr_type(net, cfg->local) != RTN_LOCAL) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_TEREDO_LOCAL],
				    "local address is not an address of this host");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/* teredo_validate() checked the range against min_mtu and max_mtu. */
static int teredo_set_mtu(struct net_device *dev, struct nlattr *data[])
{
	if (!data || !data[IFLA_TEREDO_MTU])
		return 0;
	return dev_set_mtu(dev, nla_get_u32(data[IFLA_TEREDO_MTU]));
}

static int teredo_newlink_common(struct net *net, struct net_device *dev,
				 struct nlattr *data[],
				 struct netlink_ext_ack *extack)
{
	struct teredo_net *tn = net_generic(net, teredo_net_id);
	struct teredo_dev *td = netdev_priv(dev);
	struct teredo_cfg cfg = {
		.mode		= TEREDO_MODE_RELAY,
		.port		= htons(TEREDO_PORT),
		.max_peers	= TEREDO_DEFAULT_MAX_PEERS,
		.probe_rate	= TEREDO_DEFAULT_PROBE_RATE,
		.probe_total	= TEREDO_DEFAULT_PROBE_TOTAL,
	};
	struct socket *sock;
	struct inet6_dev *idev;
	int err;

	td->dev = dev;
	td->net = net;
	err = teredo_parse(td, data, &cfg, extack);
	if (!err)
		err = teredo_fastpath_check(td, &cfg, data, extack);
	if (err)
		return err;
	/* a client's service port is random unless configured (RFC 4380
	 * section 5.2.1): several clients behind one NAT must differ
	 */
	if (cfg.mode == TEREDO_MODE_CLIENT && !(data && data[IFLA_TEREDO_PORT]))
		cfg.port = 0;
	if (data && data[IFLA_TEREDO_MTU])
		dev->mtu = nla_get_u32(data[IFLA_TEREDO_MTU]);

	/* Bind before registering, so that a taken port is a clean error.
	 * The receive hook is attached once the device is complete.
	 */
	err = teredo_sock_open(td, &cfg, &sock, extack);
	if (err)
		return err;
	if (!cfg.port)
		cfg.port = inet_sk(sock->sk)->inet_sport;
	td->cfg = cfg;
	rcu_assign_pointer(td->sock, sock);

	err = register_netdevice(dev);
	if (err) {
		/* ndo_uninit released the socket if ndo_init had run */
		teredo_sock_close(rtnl_dereference(td->sock));
		return err;
	}
	teredo_sock_attach(td, sock);
	teredo_fastpath_apply(td);
	teredo_peers_start(td);
	list_add(&td->list, &tn->devs);

	/* Addresses are configured explicitly (teredod, or the operator):
	 * no link-local from a random interface identifier.
	 */
	idev = __in6_dev_get(dev);
	if (idev)
		idev->cnf.addr_gen_mode = IN6_ADDR_GEN_MODE_NONE;
	return 0;
}

#ifdef TEREDO_NEWLINK_PARAMS
static int teredo_newlink(struct net_device *dev,
			  struct rtnl_newlink_params *params,
			  struct netlink_ext_ack *extack)
{
	return teredo_newlink_common(rtnl_newlink_link_net(params), dev,
				     params->data, extack);
}
#else
static int teredo_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	return teredo_newlink_common(src_net, dev, data, extack);
}
#endif

static bool teredo_same_bind(const struct teredo_cfg *a,
			     const struct teredo_cfg *b)
{
	return a->local == b->local && a->port == b->port &&
	       a->link == b->link;
}

/* Move the device to a socket bound as @cfg says. The old socket may hold
 * the very address the new one wants: then it is closed first, and reopened
 * if the new bind still fails.
 */
static int teredo_rebind(struct teredo_dev *td, const struct teredo_cfg *cfg,
			 struct netlink_ext_ack *extack)
{
	struct socket *old = rtnl_dereference(td->sock);
	struct socket *sock;
	int err;

	err = teredo_sock_open(td, cfg, &sock, extack);
	if (err == -EADDRINUSE && old) {
		RCU_INIT_POINTER(td->sock, NULL);
		teredo_sock_close(old);
		old = NULL;
		err = teredo_sock_open(td, cfg, &sock, extack);
		if (err) {
			if (!teredo_sock_open(td, &td->cfg, &sock, NULL)) {
				teredo_sock_attach(td, sock);
				rcu_assign_pointer(td->sock, sock);
			} else {
				netdev_warn(td->dev,
					    "lost its UDP socket while rebinding\n");
			}
			return err;
		}
	}
	if (err)
		return err;
	teredo_sock_attach(td, sock);
	rcu_assign_pointer(td->sock, sock);
	teredo_sock_close(old);
	return 0;
}

static int teredo_changelink(struct net_device *dev, struct nlattr *tb[],
			     struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	struct teredo_dev *td = netdev_priv(dev);
	struct teredo_cfg cfg = td->cfg;
	int err;

	err = teredo_parse(td, data, &cfg, extack);
	if (err)
		return err;
	if (cfg.mode != td->cfg.mode) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_TEREDO_MODE],
				    "the mode of a Teredo device cannot change: delete and add it again");
		return -EOPNOTSUPP;
	}
	/* the peer table's bucket array was sized for maxpeers at creation */
	if (cfg.max_peers > td->peers.max_elems) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_TEREDO_MAX_PEERS],
				    "maxpeers beyond what the peer table was sized for at creation: delete and add the device again");
		return -ERANGE;
	}
	err = teredo_fastpath_check(td, &cfg, data, extack);
	if (err)
		return err;
	err = teredo_set_mtu(dev, data);
	if (err)
		return err;
	if (!teredo_same_bind(&cfg, &td->cfg)) {
		err = teredo_rebind(td, &cfg, extack);
		if (err)
			return err;
	}
	td->cfg = cfg;
	teredo_budget_set(td, cfg.probe_rate, cfg.probe_total);
	teredo_fastpath_apply(td);
	teredo_routes_reset(td);
	return 0;
}

static void teredo_dellink(struct net_device *dev, struct list_head *head)
{
	struct teredo_dev *td = netdev_priv(dev);

	list_del(&td->list);
	unregister_netdevice_queue(dev, head);
}

static size_t teredo_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u8)) +	/* IFLA_TEREDO_MODE */
	       nla_total_size(sizeof(__be32)) +	/* IFLA_TEREDO_LOCAL */
	       nla_total_size(sizeof(__be16)) +	/* IFLA_TEREDO_PORT */
	       nla_total_size(sizeof(u32)) +	/* IFLA_TEREDO_LINK */
	       nla_total_size(sizeof(u32)) +	/* IFLA_TEREDO_MAX_PEERS */
	       nla_total_size(sizeof(u8)) +	/* IFLA_TEREDO_FASTPATH */
	       nla_total_size(sizeof(u32)) +	/* IFLA_TEREDO_NATIVE */
	       nla_total_size(sizeof(u32)) +	/* IFLA_TEREDO_PROBE_RATE */
	       nla_total_size(sizeof(u32));	/* IFLA_TEREDO_PROBE_TOTAL */
}

static int teredo_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct teredo_dev *td = netdev_priv(dev);
	const struct teredo_cfg *cfg = &td->cfg;

	if (nla_put_u8(skb, IFLA_TEREDO_MODE, cfg->mode) ||
	    nla_put_in_addr(skb, IFLA_TEREDO_LOCAL, cfg->local) ||
	    nla_put_be16(skb, IFLA_TEREDO_PORT, cfg->port) ||
	    (cfg->link && nla_put_u32(skb, IFLA_TEREDO_LINK, cfg->link)) ||
	    nla_put_u32(skb, IFLA_TEREDO_MAX_PEERS, cfg->max_peers) ||
	    nla_put_u8(skb, IFLA_TEREDO_FASTPATH, cfg->fastpath) ||
	    (cfg->native && nla_put_u32(skb, IFLA_TEREDO_NATIVE, cfg->native)) ||
	    nla_put_u32(skb, IFLA_TEREDO_PROBE_RATE, cfg->probe_rate) ||
	    nla_put_u32(skb, IFLA_TEREDO_PROBE_TOTAL, cfg->probe_total))
		return -EMSGSIZE;
	return 0;
}

static struct net *teredo_get_link_net(const struct net_device *dev)
{
	const struct teredo_dev *td = netdev_priv(dev);

	return td->net;
}

struct rtnl_link_ops teredo_link_ops __read_mostly = {
	.kind		= "teredo",
	.maxtype	= IFLA_TEREDO_MAX,
	.policy		= teredo_policy,
	.priv_size	= sizeof(struct teredo_dev),
	.setup		= teredo_setup,
	.validate	= teredo_validate,
	.newlink	= teredo_newlink,
	.changelink	= teredo_changelink,
	.dellink	= teredo_dellink,
	.get_size	= teredo_get_size,
	.fill_info	= teredo_fill_info,
	.get_link_net	= teredo_get_link_net,
};
