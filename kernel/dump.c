// SPDX-License-Identifier: GPL-2.0
/*
 * The peer dump (TEREDO_CMD_GET_PEER): the peer table, walked across as
 * many calls as userspace takes to read it, one message per peer.
 *
 * A dump holds no reference on its device: userspace sets its pace, and a
 * process that starts a dump and never reads on would keep the device
 * from being freed, and the cleanup of its namespace waiting. The device
 * lists its open dumps instead and, when it leaves its namespace or goes,
 * ends their walks; the next call of each then ends the dump (ENODEV).
 */
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <net/genetlink.h>

#include "teredo.h"

/* Serializes the dumps' calls with their end: while a dump is on its
 * device's list, the device has not gone through ndo_uninit.
 */
static DEFINE_MUTEX(teredo_dumps_lock);

struct teredo_dump {
	struct list_head list;		/* in td->dumps */
	struct teredo_dev *td;		/* NULL once ended */
	struct rhashtable_iter iter;
	int err;			/* refused at the start */
	const char *msg;		/* and why */
};

/* A refusal is reported by the dump's first call, with its message: a
 * ->start() has no extack to write to on Linux 6.1 (cb->extack is NULL).
 */
int teredo_dump_start(struct netlink_callback *cb)
{
	struct netlink_ext_ack ext = {};
	struct teredo_dump *st;
	struct net_device *dev;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	cb->args[0] = (long)st;
	dev = teredo_nl_dev(sock_net(cb->skb->sk), teredo_dump_attrs(cb), &ext);
	if (IS_ERR(dev)) {
		st->err = PTR_ERR(dev);
		st->msg = ext._msg;
		return 0;
	}
	mutex_lock(&teredo_dumps_lock);
	/* once unregistering, it has ended its dumps or is about to */
	if (READ_ONCE(dev->reg_state) == NETREG_REGISTERED) {
		st->td = netdev_priv(dev);
		rhashtable_walk_enter(&st->td->peers, &st->iter);
		list_add(&st->list, &st->td->dumps);
	} else {
		st->err = -ENODEV;
		st->msg = "no such device";
	}
	mutex_unlock(&teredo_dumps_lock);
	dev_put(dev);
	return 0;
}

/* Is @p at an address of our side of the NAT: on our link, or at the
 * alternate address a client behind our NAT gave (hairpin.c), not at a
 * random port (randport.c)? Under RCU.
 */
static bool teredo_dump_local(struct teredo_dev *td,
			      const struct teredo_peer *p, u8 flags)
{
	const struct teredo_client *c;

	if (flags & TEREDO_PEER_LOCAL)
		return true;
	if (!(flags & TEREDO_PEER_HAIRPIN))
		return false;
	c = rcu_dereference(td->client);
	return c && teredo_hairpin_behind_us(c, &p->addr);
}

static int teredo_dump_peer(struct sk_buff *skb, struct netlink_callback *cb,
			    struct teredo_dev *td, const struct teredo_peer *p,
			    u32 now)
{
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
	if (nla_put_u32(skb, TEREDO_A_IFINDEX, td->dev->ifindex))
		goto cancel;
	nest = nla_nest_start(skb, TEREDO_A_PEER);
	if (!nest ||
	    nla_put_in6_addr(skb, TEREDO_PEER_A_ADDR, &p->addr) ||
	    nla_put_in_addr(skb, TEREDO_PEER_A_IP, READ_ONCE(p->ip)) ||
	    nla_put_be16(skb, TEREDO_PEER_A_PORT, READ_ONCE(p->port)) ||
	    ((flags & TEREDO_PEER_TRUSTED) &&
	     nla_put_flag(skb, TEREDO_PEER_A_TRUSTED)) ||
	    nla_put_u32(skb, TEREDO_PEER_A_RX_AGE,
			jiffies_to_msecs(teredo_since(now,
						      READ_ONCE(p->last_rx)))) ||
	    nla_put_u32(skb, TEREDO_PEER_A_TX_AGE,
			jiffies_to_msecs(teredo_since(now,
						      READ_ONCE(p->last_tx)))) ||
	    nla_put_u32(skb, TEREDO_PEER_A_QUEUE, queued) ||
	    nla_put_u8(skb, TEREDO_PEER_A_BUBBLES,
		       FIELD_GET(TEREDO_PEER_BUBBLES, flags)) ||
	    (teredo_dump_local(td, p, flags) &&
	     nla_put_flag(skb, TEREDO_PEER_A_LOCAL)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int teredo_dump_peers(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct teredo_dump *st = (struct teredo_dump *)cb->args[0];
	struct teredo_peer *p;
	u32 now = teredo_now();
	int ret;

	if (st->err) {
		if (cb->extack)
			cb->extack->_msg = st->msg;
		return st->err;
	}
	mutex_lock(&teredo_dumps_lock);
	if (!st->td) {
		NL_SET_ERR_MSG(cb->extack, "the device went away");
		ret = -ENODEV;
		goto out;
	}
	rhashtable_walk_start(&st->iter);
	while ((p = rhashtable_walk_peek(&st->iter))) {
		if (IS_ERR(p)) {
			if (PTR_ERR(p) == -EAGAIN)
				continue;
			break;
		}
		if (teredo_dump_peer(skb, cb, st->td, p, now))
			break;
		rhashtable_walk_next(&st->iter);
	}
	rhashtable_walk_stop(&st->iter);
	ret = skb->len;
out:
	mutex_unlock(&teredo_dumps_lock);
	return ret;
}

int teredo_dump_done(struct netlink_callback *cb)
{
	struct teredo_dump *st = (struct teredo_dump *)cb->args[0];

	if (!st)
		return 0;
	mutex_lock(&teredo_dumps_lock);
	if (st->td) {
		list_del(&st->list);
		rhashtable_walk_exit(&st->iter);
	}
	mutex_unlock(&teredo_dumps_lock);
	kfree(st);
	return 0;
}

/* @td leaves its namespace or goes away: end its dumps. Under RTNL. */
void teredo_dumps_end(struct teredo_dev *td)
{
	struct teredo_dump *st, *next;

	mutex_lock(&teredo_dumps_lock);
	list_for_each_entry_safe(st, next, &td->dumps, list) {
		list_del(&st->list);
		rhashtable_walk_exit(&st->iter);
		st->td = NULL;
	}
	mutex_unlock(&teredo_dumps_lock);
}
