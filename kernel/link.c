// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink side of the Teredo device: ip link add/set/del/show.
 *
 * A change is all or nothing: everything is checked and what may fail is
 * prepared (a new socket bound and listening beside the old one, receive
 * handlers registered on new uplinks) while the device goes on as it was;
 * then it is committed in steps that cannot fail, or the prepared parts
 * are undone and the device is exactly as before.
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
	[IFLA_TEREDO_MODE]	= NLA_POLICY_MAX(NLA_U8, TEREDO_MODE_MAX),
	[IFLA_TEREDO_LOCAL]	= { .type = NLA_BE32 },
	[IFLA_TEREDO_PORT]	= NLA_POLICY_MIN(NLA_BE16, 1),
	[IFLA_TEREDO_LINK]	= { .type = NLA_U32 },
	/* checked with IFLA_MTU, which it stands for */
	[IFLA_TEREDO_MTU]	= { .type = NLA_U32 },
	[IFLA_TEREDO_MAX_PEERS]	= NLA_POLICY_MIN(NLA_U32, 1),
	[IFLA_TEREDO_FASTPATH]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_TEREDO_NATIVE]	= { .type = NLA_U32 },
	[IFLA_TEREDO_PROBE_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &teredo_probe_range),
	[IFLA_TEREDO_PROBE_TOTAL] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &teredo_probe_range),
	[IFLA_TEREDO_DISCOVERY]	= NLA_POLICY_MAX(NLA_U8, 1),
};

/* The bounds of the device's MTU, for IFLA_MTU and for IFLA_TEREDO_MTU
 * alike, before anything changes.
 */
static int teredo_mtu_check(const struct nlattr *a,
			    struct netlink_ext_ack *extack)
{
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
	return 0;
}

static int teredo_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	int err;

	err = teredo_mtu_check(tb[IFLA_MTU], extack);
	if (err || !data)
		return err;
	err = teredo_mtu_check(data[IFLA_TEREDO_MTU], extack);
	if (err)
		return err;
	a = data[IFLA_TEREDO_LOCAL];
	if (a && ipv4_is_multicast(nla_get_in_addr(a))) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "local address must be a unicast IPv4 address");
		return -EINVAL;
	}
	return 0;
}

/* Fill @cfg from the attributes, on top of what it holds. */
static void teredo_cfg_parse(struct nlattr *data[], struct teredo_cfg *cfg)
{
	if (!data)
		return;
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
	if (data[IFLA_TEREDO_DISCOVERY])
		cfg->discovery = nla_get_u8(data[IFLA_TEREDO_DISCOVERY]);
	if (data[IFLA_TEREDO_NATIVE])
		cfg->native = nla_get_u32(data[IFLA_TEREDO_NATIVE]);
	else if (!cfg->fastpath)
		cfg->native = 0;	/* "fastpath off" turns both off */
}

/* What of @cfg depends on the underlay namespace. */
static int teredo_cfg_check(struct teredo_dev *td, struct nlattr *data[],
			    const struct teredo_cfg *cfg,
			    struct netlink_ext_ack *extack)
{
	struct net *net = td->net;

	if (cfg->discovery && cfg->mode != TEREDO_MODE_CLIENT) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_TEREDO_DISCOVERY],
				    "local discovery is for client mode only");
		return -EINVAL;
	}
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

/* The attribute of the first change @cfg makes to what the device does in
 * its underlay namespace (its socket's binding, the fast path on its
 * underlay device), NULL if it makes none.
 */
static const struct nlattr *teredo_underlay_attr(const struct teredo_cfg *old,
						 const struct teredo_cfg *cfg,
						 struct nlattr *data[])
{
	if (cfg->local != old->local)
		return data[IFLA_TEREDO_LOCAL];
	if (cfg->port != old->port)
		return data[IFLA_TEREDO_PORT];
	if (cfg->link != old->link)
		return data[IFLA_TEREDO_LINK];
	if (cfg->fastpath != old->fastpath)
		return data[IFLA_TEREDO_FASTPATH];
	if (cfg->discovery != old->discovery)
		return data[IFLA_TEREDO_DISCOVERY];
	return NULL;
}

/* May the caller act in the device's underlay namespace? The device may
 * have been moved into a namespace of another user namespace (a
 * container's), whose root must not rebind, attach or send from a socket
 * that lives in the host's network. As WireGuard checks its creating
 * namespace.
 */
bool teredo_underlay_capable(const struct teredo_dev *td,
			     const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	if (ns_capable(td->net->user_ns, CAP_NET_ADMIN))
		return true;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "needs CAP_NET_ADMIN in the device's underlay namespace (link-netns), where its socket lives");
	return false;
}

/* Published when the device goes away: sends nothing, matches nothing. */
static struct teredo_bind teredo_unbound;

static bool teredo_same_bind(const struct teredo_cfg *cfg,
			     const struct teredo_bind *b)
{
	return cfg->local == b->local && cfg->port == b->port &&
	       cfg->link == b->link;
}

/* Does @cfg want an address and port that @b holds (UDP's rules: a
 * wildcard address or device covers any)?
 */
static bool teredo_bind_overlaps(const struct teredo_bind *b,
				 const struct teredo_cfg *cfg)
{
	return cfg->port == b->port &&
	       (!cfg->local || !b->local || cfg->local == b->local) &&
	       (!cfg->link || !b->link || cfg->link == b->link);
}

/* A binding as @cfg says, its socket bound and delivering to the device,
 * beside the current one.
 */
static int teredo_bind_prepare(struct teredo_dev *td,
			       const struct teredo_cfg *cfg,
			       struct teredo_bind **nbp,
			       struct netlink_ext_ack *extack)
{
	struct teredo_bind *old = rtnl_dereference(td->bind), *nb;
	struct socket *shared = NULL;
	int err;

	nb = kzalloc(sizeof(*nb), GFP_KERNEL);
	if (!nb)
		return -ENOMEM;
	if (old && old->sock && teredo_bind_overlaps(old, cfg))
		shared = old->sock;
	err = teredo_sock_open(td, cfg, shared, &nb->sock, extack);
	if (err) {
		kfree(nb);
		return err;
	}
	nb->local = cfg->local;
	nb->port = cfg->port ?: inet_sk(nb->sock->sk)->inet_sport;
	nb->link = cfg->link;
	*nbp = nb;
	return 0;
}

static void teredo_bind_abort(struct teredo_bind *nb)
{
	teredo_sock_close(nb->sock);
	kfree(nb);
}

/* Make @nb the device's binding. Under RTNL; cannot fail. */
static void teredo_bind_commit(struct teredo_dev *td, struct teredo_bind *nb)
{
	struct teredo_bind *old = rtnl_dereference(td->bind);

	rcu_assign_pointer(td->bind, nb);
	if (old && old != &teredo_unbound) {
		if (nb->sock)
			teredo_sock_unhash(old->sock);
		/* waits for the readers of @old, the data path's included */
		teredo_sock_close(old->sock);
		kfree_rcu(old, rcu);
	}
}

/* The device is going away: no socket from now on. Under RTNL. */
void teredo_bind_release(struct teredo_dev *td)
{
	struct teredo_bind *b = rtnl_dereference(td->bind);

	if (b && b != &teredo_unbound)
		teredo_bind_commit(td, &teredo_unbound);
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
	struct teredo_disc_plan disc;
	struct teredo_fast_plan plan;
	struct teredo_bind *b;
	struct inet6_dev *idev;
	int err;

	td->dev = dev;
	td->net = net;
	teredo_cfg_parse(data, &cfg);
	err = teredo_cfg_check(td, data, &cfg, extack);
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
	err = teredo_fastpath_prepare(td, &cfg, data, &plan, extack);
	if (err)
		return err;
	err = teredo_bind_prepare(td, &cfg, &b, extack);
	if (err) {
		teredo_fastpath_abort(td, &plan);
		return err;
	}
	err = teredo_discovery_prepare(td, &cfg, true, &disc, extack);
	if (err) {
		teredo_bind_abort(b);
		teredo_fastpath_abort(td, &plan);
		return err;
	}
	cfg.port = b->port;
	td->cfg = cfg;
	rcu_assign_pointer(td->bind, b);

	err = register_netdevice(dev);
	if (err) {
		teredo_discovery_abort(&disc);
		teredo_fastpath_abort(td, &plan);
		/* ndo_uninit released the binding if ndo_init had run */
		teredo_bind_release(td);
		return err;
	}
	teredo_sock_attach(td, b->sock);
	teredo_discovery_commit(td, &disc);
	teredo_fastpath_commit(td, &plan);
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

static int teredo_changelink(struct net_device *dev, struct nlattr *tb[],
			     struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	struct teredo_dev *td = netdev_priv(dev);
	struct teredo_cfg cfg = td->cfg;
	struct teredo_bind *nb = NULL;
	struct teredo_disc_plan disc;
	struct teredo_fast_plan plan;
	const struct nlattr *a;
	int err;

	/* check */
	teredo_cfg_parse(data, &cfg);
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
	/* before anything is looked up there */
	a = teredo_underlay_attr(&td->cfg, &cfg, data);
	if (a && !teredo_underlay_capable(td, a, extack))
		return -EPERM;
	err = teredo_cfg_check(td, data, &cfg, extack);
	if (err)
		return err;

	/* prepare, beside what works */
	err = teredo_fastpath_prepare(td, &cfg, data, &plan, extack);
	if (err)
		return err;
	if (!teredo_same_bind(&cfg, rtnl_dereference(td->bind))) {
		err = teredo_bind_prepare(td, &cfg, &nb, extack);
		if (err)
			goto abort;
		teredo_sock_attach(td, nb->sock);
	}
	err = teredo_discovery_prepare(td, &cfg, nb, &disc, extack);
	if (err)
		goto abort;
	/* the one step that may still fail (a notifier's veto) goes first */
	if (data && data[IFLA_TEREDO_MTU]) {
		err = dev_set_mtu(dev, nla_get_u32(data[IFLA_TEREDO_MTU]));
		if (err) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_TEREDO_MTU],
					    "the MTU change was refused");
			goto abort_disc;
		}
	}

	/* commit: nothing fails from here on */
	if (nb) {
		teredo_bind_commit(td, nb);
		/* routes cached by readers of the old binding went with it */
		teredo_routes_reset(td);
	}
	teredo_fastpath_commit(td, &plan);
	teredo_discovery_commit(td, &disc);
	td->cfg.discovery = cfg.discovery;
	td->cfg.local = cfg.local;
	td->cfg.port = cfg.port;
	td->cfg.link = cfg.link;
	td->cfg.fastpath = cfg.fastpath;
	td->cfg.native = cfg.native;
	WRITE_ONCE(td->cfg.max_peers, cfg.max_peers);
	td->cfg.probe_rate = cfg.probe_rate;
	td->cfg.probe_total = cfg.probe_total;
	teredo_budget_set(td, cfg.probe_rate, cfg.probe_total);
	return 0;

abort_disc:
	teredo_discovery_abort(&disc);
abort:
	if (nb)
		teredo_bind_abort(nb);
	teredo_fastpath_abort(td, &plan);
	return err;
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
	       nla_total_size(sizeof(u32)) +	/* IFLA_TEREDO_PROBE_TOTAL */
	       nla_total_size(sizeof(u8));	/* IFLA_TEREDO_DISCOVERY */
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
	    nla_put_u32(skb, IFLA_TEREDO_PROBE_TOTAL, cfg->probe_total) ||
	    nla_put_u8(skb, IFLA_TEREDO_DISCOVERY, cfg->discovery))
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
