// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "teredo": device state, counters and the peer
 * list, for teredod and for the operator.
 */
#include <linux/jiffies.h>
#include <net/genetlink.h>

#include "teredo.h"

static struct genl_family teredo_genl_family;

static const struct nla_policy teredo_genl_policy[TEREDO_A_MAX + 1] = {
	[TEREDO_A_IFINDEX]	= { .type = NLA_U32 },
	[TEREDO_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

/* The teredo device a request names, with a reference. */
static struct net_device *teredo_nl_dev(struct net *net, struct nlattr **attrs,
					struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;

	if (attrs[TEREDO_A_IFINDEX])
		dev = dev_get_by_index(net, nla_get_u32(attrs[TEREDO_A_IFINDEX]));
	else if (attrs[TEREDO_A_IFNAME])
		dev = dev_get_by_name(net, nla_data(attrs[TEREDO_A_IFNAME]));
	else
		NL_SET_ERR_MSG(extack, "no device given (ifindex or ifname)");
	if (!dev) {
		if (attrs[TEREDO_A_IFINDEX] || attrs[TEREDO_A_IFNAME])
			NL_SET_ERR_MSG(extack, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (dev->rtnl_link_ops != &teredo_link_ops) {
		dev_put(dev);
		NL_SET_ERR_MSG(extack, "not a teredo device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

static int teredo_nl_put_stats(struct sk_buff *skb,
			       const struct teredo_dev *td)
{
	struct nlattr *stats, *entry;
	u64 data[TEREDO_STAT_MAX];
	int i;

	teredo_stats_read(td, data);
	stats = nla_nest_start(skb, TEREDO_A_STATS);
	if (!stats)
		return -EMSGSIZE;
	for (i = 0; i < TEREDO_STAT_MAX; i++) {
		entry = nla_nest_start(skb, TEREDO_STAT_A_ENTRY);
		if (!entry ||
		    nla_put_string(skb, TEREDO_STAT_A_NAME,
				   teredo_stat_names[i]) ||
		    nla_put_u64_64bit(skb, TEREDO_STAT_A_VALUE, data[i],
				      TEREDO_STAT_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, entry);
	}
	nla_nest_end(skb, stats);
	return 0;
}

static int teredo_nl_get_dev(struct sk_buff *skb, struct genl_info *info)
{
	struct teredo_dev *td;
	struct net_device *dev;
	struct sk_buff *msg;
	void *hdr;
	int err;

	dev = teredo_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	td = netdev_priv(dev);
	err = -ENOMEM;
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &teredo_genl_family, 0,
				TEREDO_CMD_GET_DEV);
	err = -EMSGSIZE;
	if (!hdr ||
	    nla_put_u32(msg, TEREDO_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(msg, TEREDO_A_IFNAME, dev->name) ||
	    nla_put_u8(msg, TEREDO_A_MODE, td->cfg.mode) ||
	    nla_put_u32(msg, TEREDO_A_PEER_COUNT,
			atomic_read(&td->peers.nelems)) ||
	    nla_put_u32(msg, TEREDO_A_MAX_PEERS, td->cfg.max_peers) ||
	    nla_put_u32(msg, TEREDO_A_PEER_SIZE, teredo_peer_size()) ||
	    teredo_nl_put_stats(msg, td)) {
		nlmsg_free(msg);
		goto out;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out:
	dev_put(dev);
	return err;
}

/* A peer dump keeps its device and its place in the table across calls. */
struct teredo_dump {
	struct net_device *dev;
	struct rhashtable_iter iter;
};

static int teredo_nl_peer_start(struct netlink_callback *cb)
{
	struct teredo_dump *st;
	struct net_device *dev;

	dev = teredo_nl_dev(sock_net(cb->skb->sk), teredo_dump_attrs(cb),
			    cb->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		dev_put(dev);
		return -ENOMEM;
	}
	st->dev = dev;
	rhashtable_walk_enter(&((struct teredo_dev *)netdev_priv(dev))->peers,
			      &st->iter);
	cb->args[0] = (long)st;
	return 0;
}

static int teredo_nl_peer_done(struct netlink_callback *cb)
{
	struct teredo_dump *st = (struct teredo_dump *)cb->args[0];

	if (st) {
		rhashtable_walk_exit(&st->iter);
		dev_put(st->dev);
		kfree(st);
	}
	return 0;
}

static int teredo_nl_fill_peer(struct sk_buff *skb, struct netlink_callback *cb,
			       struct net_device *dev,
			       const struct teredo_peer *p, u32 now)
{
	struct teredo_dev *td = netdev_priv(dev);
	unsigned int queued = 0;
	struct nlattr *nest;
	void *hdr;
	u8 flags;

	spin_lock_bh(&td->lock);
	flags = p->flags;
	if (!(flags & TEREDO_PEER_DEAD) && p->queue)
		queued = p->queue->bytes;
	spin_unlock_bh(&td->lock);

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &teredo_genl_family, NLM_F_MULTI,
			  TEREDO_CMD_GET_PEER);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, TEREDO_A_IFINDEX, dev->ifindex))
		goto cancel;
	nest = nla_nest_start(skb, TEREDO_A_PEER);
	if (!nest ||
	    nla_put_in6_addr(skb, TEREDO_PEER_A_ADDR, &p->addr) ||
	    nla_put_in_addr(skb, TEREDO_PEER_A_IP, READ_ONCE(p->ip)) ||
	    nla_put_be16(skb, TEREDO_PEER_A_PORT, READ_ONCE(p->port)) ||
	    ((flags & TEREDO_PEER_TRUSTED) &&
	     nla_put_flag(skb, TEREDO_PEER_A_TRUSTED)) ||
	    nla_put_u32(skb, TEREDO_PEER_A_RX_AGE,
			jiffies_to_msecs(now - READ_ONCE(p->last_rx))) ||
	    nla_put_u32(skb, TEREDO_PEER_A_TX_AGE,
			jiffies_to_msecs(now - READ_ONCE(p->last_tx))) ||
	    nla_put_u32(skb, TEREDO_PEER_A_QUEUE, queued) ||
	    nla_put_u8(skb, TEREDO_PEER_A_BUBBLES, READ_ONCE(p->bubbles)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int teredo_nl_get_peer(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct teredo_dump *st = (struct teredo_dump *)cb->args[0];
	struct teredo_peer *p;
	u32 now = teredo_now();

	rhashtable_walk_start(&st->iter);
	while ((p = rhashtable_walk_peek(&st->iter))) {
		if (IS_ERR(p)) {
			if (PTR_ERR(p) == -EAGAIN)
				continue;
			break;
		}
		if (teredo_nl_fill_peer(skb, cb, st->dev, p, now))
			break;
		rhashtable_walk_next(&st->iter);
	}
	rhashtable_walk_stop(&st->iter);
	return skb->len;
}

static const struct genl_ops teredo_genl_ops[] = {
	{
		.cmd	= TEREDO_CMD_GET_DEV,
		.doit	= teredo_nl_get_dev,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= TEREDO_CMD_GET_PEER,
		.start	= teredo_nl_peer_start,
		.dumpit	= teredo_nl_get_peer,
		.done	= teredo_nl_peer_done,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family teredo_genl_family __ro_after_init = {
	.name		= TEREDO_GENL_NAME,
	.version	= TEREDO_GENL_VERSION,
	.maxattr	= TEREDO_A_MAX,
	.policy		= teredo_genl_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= teredo_genl_ops,
	.n_ops		= ARRAY_SIZE(teredo_genl_ops),
};

int __init teredo_genl_init(void)
{
	return genl_register_family(&teredo_genl_family);
}

void teredo_genl_exit(void)
{
	genl_unregister_family(&teredo_genl_family);
}
