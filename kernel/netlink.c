// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "teredo": device state, counters and the peer
 * list, for teredod and for the operator; a client's control channel
 * (teredod's solicitations out, the servers' answers in).
 */
#include <linux/jiffies.h>
#include <linux/udp.h>
#include <net/inet_sock.h>
#include <net/genetlink.h>

#include "teredo.h"

static const struct nla_policy teredo_genl_policy[TEREDO_A_MAX + 1] = {
	[TEREDO_A_IFINDEX]	= { .type = NLA_U32 },
	[TEREDO_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[TEREDO_A_REMOTE_IP]	= { .type = NLA_BE32 },
	[TEREDO_A_REMOTE_PORT]	= { .type = NLA_BE16 },
	[TEREDO_A_PAYLOAD]	= { .type = NLA_BINARY,
				    .len = TEREDO_CONTROL_MAX },
	[TEREDO_A_QUALIFIED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[TEREDO_A_ADDR]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[TEREDO_A_NAT]		= NLA_POLICY_MAX(NLA_U8, TEREDO_NAT_MAX),
	[TEREDO_A_DORMANT]	= NLA_POLICY_MAX(NLA_U8, 1),
};

enum {
	TEREDO_MCGRP_CONTROL_ID,
};

static const struct genl_multicast_group teredo_mcgrps[] = {
	[TEREDO_MCGRP_CONTROL_ID] = {
		.name	= TEREDO_MCGRP_CONTROL,
		TEREDO_MCGRP_ADMIN_ONLY
	},
};

/* The teredo device a request names, with a reference. */
struct net_device *teredo_nl_dev(struct net *net, struct nlattr **attrs,
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

/* Client state and where the socket is bound. */
static int teredo_nl_put_client(struct sk_buff *skb, struct teredo_dev *td)
{
	const struct teredo_client *c;
	const struct socket *sock;
	int err = 0;
	u32 age, idle;

	rcu_read_lock();
	sock = teredo_bind(td)->sock;
	if (sock &&
	    (nla_put_in_addr(skb, TEREDO_A_LOCAL_IP,
			     inet_sk(sock->sk)->inet_saddr) ||
	     nla_put_be16(skb, TEREDO_A_LOCAL_PORT,
			  inet_sk(sock->sk)->inet_sport)))
		err = -EMSGSIZE;
	c = rcu_dereference(td->client);
	age = jiffies_to_msecs(teredo_since(teredo_now(),
					    READ_ONCE(td->server_rx)));
	idle = jiffies_to_msecs(teredo_since(teredo_now(),
					     READ_ONCE(td->last_xmit)));
	if (!err && td->cfg.mode == TEREDO_MODE_CLIENT &&
	    (nla_put_u8(skb, TEREDO_A_QUALIFIED, !!c) ||
	     nla_put_u32(skb, TEREDO_A_IDLE_MS, idle) ||
	     (c && (nla_put_in6_addr(skb, TEREDO_A_ADDR, &c->addr) ||
		    nla_put_u8(skb, TEREDO_A_NAT, c->nat) ||
		    nla_put_u8(skb, TEREDO_A_DORMANT, c->dormant))) ||
	     (READ_ONCE(td->server_seen) &&
	      nla_put_u32(skb, TEREDO_A_SERVER_AGE, age))))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return err;
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
	    nla_put_u32(msg, TEREDO_A_QUEUED, READ_ONCE(td->queued)) ||
	    teredo_nl_put_client(msg, td) ||
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

/* The client-mode device a request names, with a reference. */
static struct net_device *teredo_nl_client(struct genl_info *info)
{
	struct net_device *dev;
	struct teredo_dev *td;

	dev = teredo_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev))
		return dev;
	td = netdev_priv(dev);
	if (td->cfg.mode != TEREDO_MODE_CLIENT) {
		dev_put(dev);
		NL_SET_ERR_MSG(info->extack, "not a client-mode device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

/* teredod's solicitations, from the device's socket to a server. */
static int teredo_nl_send(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct net_device *dev;
	__be32 ip;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TEREDO_A_REMOTE_IP) ||
	    GENL_REQ_ATTR_CHECK(info, TEREDO_A_PAYLOAD))
		return -EINVAL;
	ip = nla_get_in_addr(attrs[TEREDO_A_REMOTE_IP]);
	if (!teredo_ipv4_is_global(ip)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[TEREDO_A_REMOTE_IP],
				    "not a global unicast IPv4 address");
		return -EINVAL;
	}
	if (attrs[TEREDO_A_REMOTE_PORT] &&
	    nla_get_be16(attrs[TEREDO_A_REMOTE_PORT]) != htons(TEREDO_PORT)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[TEREDO_A_REMOTE_PORT],
				    "only the Teredo server port (3544)");
		return -EINVAL;
	}
	if (!nla_len(attrs[TEREDO_A_PAYLOAD])) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[TEREDO_A_PAYLOAD],
				    "empty payload");
		return -EINVAL;
	}
	dev = teredo_nl_client(info);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	/* down or not: Miredo's stock hook sets the device down when the
	 * server is lost, and teredod must solicit to qualify again
	 */
	if (!teredo_underlay_capable(netdev_priv(dev), NULL, info->extack)) {
		err = -EPERM;
	} else {
		teredo_client_expect(netdev_priv(dev), ip);
		err = teredo_send_raw(netdev_priv(dev),
				      nla_data(attrs[TEREDO_A_PAYLOAD]),
				      nla_len(attrs[TEREDO_A_PAYLOAD]), ip,
				      htons(TEREDO_PORT));
	}
	dev_put(dev);
	return err;
}

/* Qualified (with our Teredo address) or not. */
static int teredo_nl_set_client(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	const struct in6_addr *addr = NULL;
	struct in6_addr a;
	struct net_device *dev;
	u8 nat = TEREDO_NAT_UNKNOWN;
	bool dormant = false;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TEREDO_A_QUALIFIED))
		return -EINVAL;
	if (nla_get_u8(attrs[TEREDO_A_QUALIFIED])) {
		if (GENL_REQ_ATTR_CHECK(info, TEREDO_A_ADDR))
			return -EINVAL;
		a = nla_get_in6_addr(attrs[TEREDO_A_ADDR]);
		if (!teredo_addr_is_teredo(&a) ||
		    !teredo_ipv4_is_global(teredo_addr_server(&a))) {
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[TEREDO_A_ADDR],
					    "not a Teredo address with a global server address");
			return -EINVAL;
		}
		addr = &a;
		if (attrs[TEREDO_A_NAT])
			nat = nla_get_u8(attrs[TEREDO_A_NAT]);
		if (attrs[TEREDO_A_DORMANT])
			dormant = nla_get_u8(attrs[TEREDO_A_DORMANT]);
	}
	dev = teredo_nl_client(info);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	/* under RTNL: what waited for a dormant client is sent or refused
	 * while the device is still there, never after its ndo_uninit
	 */
	rtnl_lock();
	if (dev->reg_state != NETREG_REGISTERED)
		err = -ENODEV;
	/* a qualified client answers remote input from its socket */
	else if (teredo_underlay_capable(netdev_priv(dev), NULL, info->extack))
		err = teredo_client_set(netdev_priv(dev), addr, nat, dormant);
	else
		err = -EPERM;
	rtnl_unlock();
	dev_put(dev);
	return err;
}

/* A server's answer to teredod, in the control group of the device's
 * namespace. In softirq. The caller frees @skb (UDP header at skb->data).
 */
void teredo_control_notify(struct teredo_dev *td, struct sk_buff *skb,
			   __be32 saddr, __be16 sport)
{
	unsigned int len = skb->len - sizeof(struct udphdr);
	struct sk_buff *msg;
	struct nlattr *a;
	void *hdr;

	msg = genlmsg_new(nla_total_size(len) + 64, GFP_ATOMIC);
	if (!msg)
		goto drop;
	hdr = genlmsg_put(msg, 0, 0, &teredo_genl_family, 0,
			  TEREDO_CMD_CONTROL);
	if (!hdr ||
	    nla_put_u32(msg, TEREDO_A_IFINDEX, td->dev->ifindex) ||
	    nla_put_in_addr(msg, TEREDO_A_REMOTE_IP, saddr) ||
	    nla_put_be16(msg, TEREDO_A_REMOTE_PORT, sport))
		goto free;
	a = nla_reserve(msg, TEREDO_A_PAYLOAD, len);
	if (!a || skb_copy_bits(skb, sizeof(struct udphdr), nla_data(a), len))
		goto free;
	genlmsg_end(msg, hdr);
	if (genlmsg_multicast_netns(&teredo_genl_family, dev_net(td->dev),
				    msg, 0, TEREDO_MCGRP_CONTROL_ID,
				    GFP_ATOMIC))
		goto drop;	/* nobody listens */
	teredo_stat_inc(td, TEREDO_STAT_RX_CONTROL_OK);
	return;
free:
	nlmsg_free(msg);
drop:
	teredo_stat_inc(td, TEREDO_STAT_RX_CONTROL);
	dev_core_stats_rx_dropped_inc(td->dev);
}

/* A dormant client's host sent a packet: teredod is to qualify again.
 * In softirq (or with bottom halves off).
 */
void teredo_wake_notify(struct teredo_dev *td)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(64, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &teredo_genl_family, 0, TEREDO_CMD_WAKE);
	if (!hdr || nla_put_u32(msg, TEREDO_A_IFINDEX, td->dev->ifindex)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	/* nobody listening: the packets wait until TEREDO_WAKE_WAIT */
	genlmsg_multicast_netns(&teredo_genl_family, dev_net(td->dev), msg, 0,
				TEREDO_MCGRP_CONTROL_ID, GFP_ATOMIC);
}

static const struct genl_ops teredo_genl_ops[] = {
	{
		.cmd	= TEREDO_CMD_GET_DEV,
		.doit	= teredo_nl_get_dev,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= TEREDO_CMD_GET_PEER,
		.start	= teredo_dump_start,
		.dumpit	= teredo_dump_peers,
		.done	= teredo_dump_done,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= TEREDO_CMD_SEND,
		.doit	= teredo_nl_send,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= TEREDO_CMD_SET_CLIENT,
		.doit	= teredo_nl_set_client,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

struct genl_family teredo_genl_family __ro_after_init = {
	.name		= TEREDO_GENL_NAME,
	.version	= TEREDO_GENL_VERSION,
	.maxattr	= TEREDO_A_MAX,
	.policy		= teredo_genl_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= teredo_genl_ops,
	.n_ops		= ARRAY_SIZE(teredo_genl_ops),
	.mcgrps		= teredo_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(teredo_mcgrps),
};

int __init teredo_genl_init(void)
{
	return genl_register_family(&teredo_genl_family);
}

void teredo_genl_exit(void)
{
	genl_unregister_family(&teredo_genl_family);
}
