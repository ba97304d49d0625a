// SPDX-License-Identifier: GPL-2.0
/*
 * The relay's fast paths: the Teredo device as the receive handler of its
 * uplinks, as a bridge is of its ports. "fastpath on" with "dev IFNAME"
 * takes the Teredo datagrams off the underlay (fastrx.c); "native IFNAME"
 * besides takes the IPv6 packets to trusted peers off the native side
 * device (fasttx.c). One device may be both: one handler serves both
 * protocols. What a handler does not take goes on through the stack.
 */
#include <linux/netdevice.h>

#include "teredo.h"

/* The uplinks' rx_handler: in softirq, under RCU. td->uplink and
 * td->native are only compared: a device leaves them before its handler
 * is unregistered (which waits for the readers), and is released after.
 */
static rx_handler_result_t teredo_uplink_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct teredo_dev *td = rcu_dereference(skb->dev->rx_handler_data);

	if (skb->protocol == htons(ETH_P_IP)) {
		if (skb->dev == READ_ONCE(td->uplink))
			return teredo_fast_rx(td, pskb);
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		if (skb->dev == READ_ONCE(td->native))
			return teredo_fast_tx(td, pskb);
	}
	return RX_HANDLER_PASS;
}

static bool teredo_is_uplink(const struct net_device *dev)
{
	return rcu_access_pointer(dev->rx_handler) == teredo_uplink_rx;
}

/* Can @dev carry @td's receive handler? @native: as the native device. */
static int teredo_uplink_ok(const struct teredo_dev *td,
			    struct net_device *dev, bool native,
			    const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	if (dev == td->uplink || dev == td->native)
		return 0;
	if (dev->flags & IFF_LOOPBACK || dev->rtnl_link_ops == &teredo_link_ops) {
		if (native)
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "native needs a device that receives from the network, not a loopback or Teredo device");
		else
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "fastpath needs an underlay device that receives from the network, not a loopback or Teredo device");
		return -EINVAL;
	}
	/* netdev_rx_handler_register() would refuse it */
	if (dev->priv_flags & IFF_NO_RX_HANDLER) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the device takes no receive handler (an ipvlan or VRF device): the fast path cannot use it");
		return -EOPNOTSUPP;
	}
	if (teredo_is_uplink(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the device already carries the fast path of another Teredo device");
		return -EBUSY;
	}
	if (netdev_is_rx_handler_busy(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the device already has a receive handler (a bridge port, a bond or team member, a macvlan or ipvlan lower device): the fast path cannot use it");
		return -EBUSY;
	}
	return 0;
}

/* Which devices the fast paths @cfg asks for would take, in @plan, if
 * they can. @data: the request's attributes (or NULL), for the error's
 * pointer.
 */
static int teredo_fastpath_check(struct teredo_dev *td,
				 const struct teredo_cfg *cfg,
				 struct nlattr *data[],
				 struct teredo_fast_plan *plan,
				 struct netlink_ext_ack *extack)
{
	const struct nlattr *fattr = data ? data[IFLA_TEREDO_FASTPATH] : NULL;
	const struct nlattr *nattr = data ? data[IFLA_TEREDO_NATIVE] : NULL;
	struct net_device *dev;
	int err;

	if (cfg->native && !cfg->fastpath) {
		NL_SET_ERR_MSG_ATTR(extack, nattr ?: fattr,
				    "native transmits off a device with the fast path: it needs fastpath on");
		return -EINVAL;
	}
	if (!cfg->fastpath)
		return 0;
	if (cfg->mode != TEREDO_MODE_RELAY) {
		NL_SET_ERR_MSG_ATTR(extack, fattr,
				    "fastpath is for relay mode");
		return -EOPNOTSUPP;
	}
	if (!cfg->link || !cfg->local) {
		NL_SET_ERR_MSG_ATTR(extack, fattr,
				    "fastpath takes the datagrams for one address off one device: it needs local ADDR and dev IFNAME");
		return -EINVAL;
	}
	dev = __dev_get_by_index(td->net, cfg->link);
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, fattr, "underlay device not found");
		return -ENODEV;
	}
	err = teredo_uplink_ok(td, dev, false, fattr, extack);
	if (err)
		return err;
	plan->uplink = dev;
	if (!cfg->native)
		return 0;
	dev = __dev_get_by_index(dev_net(td->dev), cfg->native);
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, nattr,
				    "native device not found in the Teredo device's namespace");
		return -ENODEV;
	}
	err = teredo_uplink_ok(td, dev, true, nattr, extack);
	if (err)
		return err;
	plan->native = dev;
	return 0;
}

/* Is @dev one of @td's uplinks now? */
static bool teredo_fast_has(const struct teredo_dev *td,
			    const struct net_device *dev)
{
	return dev == td->uplink || dev == td->native;
}

/* Undo what teredo_fastpath_prepare() registered. */
void teredo_fastpath_abort(struct teredo_dev *td,
			   const struct teredo_fast_plan *plan)
{
	ASSERT_RTNL();
	if (plan->registered[1])
		netdev_rx_handler_unregister(plan->registered[1]);
	if (plan->registered[0])
		netdev_rx_handler_unregister(plan->registered[0]);
}

/* Check the fast paths @cfg asks for and become the receive handler of
 * the devices they take that are not uplinks yet. The handler passes
 * their packets on until teredo_fastpath_commit() makes them uplinks.
 * Under RTNL, held until the commit or the abort.
 */
int teredo_fastpath_prepare(struct teredo_dev *td,
			    const struct teredo_cfg *cfg, struct nlattr *data[],
			    struct teredo_fast_plan *plan,
			    struct netlink_ext_ack *extack)
{
	struct net_device *want[2];
	int err, i, n = 0;

	ASSERT_RTNL();
	memset(plan, 0, sizeof(*plan));
	err = teredo_fastpath_check(td, cfg, data, plan, extack);
	if (err)
		return err;
	want[0] = plan->uplink;
	want[1] = plan->native != plan->uplink ? plan->native : NULL;
	for (i = 0; i < 2; i++) {
		if (!want[i] || teredo_fast_has(td, want[i]))
			continue;
		err = netdev_rx_handler_register(want[i], teredo_uplink_rx, td);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot become the device's receive handler");
			teredo_fastpath_abort(td, plan);
			return err;
		}
		plan->registered[n++] = want[i];
	}
	return 0;
}

/* Move *@tracker's reference from @old to @dev. */
static void teredo_fast_ref(netdevice_tracker *tracker,
			    struct net_device *old, struct net_device *dev)
{
	if (old == dev)
		return;
	if (old)
		netdev_put(old, tracker);
	if (dev)
		netdev_hold(dev, tracker, GFP_KERNEL);
}

/* Take packets off the devices of @plan, and no longer off the others:
 * after teredo_fastpath_prepare(), under the same RTNL hold. Cannot fail.
 * Waits for the handler's readers on the devices it leaves.
 */
void teredo_fastpath_commit(struct teredo_dev *td,
			    const struct teredo_fast_plan *plan)
{
	struct net_device *old_up = td->uplink, *old_native = td->native;

	ASSERT_RTNL();
	WRITE_ONCE(td->uplink, plan->uplink);
	WRITE_ONCE(td->native, plan->native);
	if (old_up && !teredo_fast_has(td, old_up))
		netdev_rx_handler_unregister(old_up);
	if (old_native && old_native != old_up &&
	    !teredo_fast_has(td, old_native))
		netdev_rx_handler_unregister(old_native);
	/* the handler's readers are done with the devices it left */
	teredo_fast_ref(&td->uplink_tracker, old_up, plan->uplink);
	teredo_fast_ref(&td->native_tracker, old_native, plan->native);
}

/* Stop taking packets off the uplinks; waits for the handler's readers. */
void teredo_fastpath_detach(struct teredo_dev *td)
{
	struct teredo_fast_plan none = {};

	teredo_fastpath_commit(td, &none);
}

/* Keep the underlay, leave the native device. */
static void teredo_native_off(struct teredo_dev *td)
{
	struct teredo_fast_plan plan = { .uplink = td->uplink };

	teredo_fastpath_commit(td, &plan);
	td->cfg.native = 0;
}

/* An uplink going away (deleted, or moved to another namespace) takes its
 * fast path with it: the underlay both, the native device its own. So
 * does the Teredo device leaving the native device's namespace. The
 * device keeps its socket and the stack's path.
 */
static int teredo_netdev_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct teredo_dev *td;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	if (dev->rtnl_link_ops == &teredo_link_ops) {
		td = netdev_priv(dev);
		/* leaving its namespace, or going: its peer dumps end */
		teredo_dumps_end(td);
		if (!td->native || dev->reg_state != NETREG_REGISTERED)
			return NOTIFY_DONE;
		netdev_info(dev, "native off: %s stays in the namespace the device leaves\n",
			    td->native->name);
		teredo_native_off(td);
		return NOTIFY_OK;
	}
	if (!teredo_is_uplink(dev))
		return NOTIFY_DONE;
	td = rtnl_dereference(dev->rx_handler_data);
	if (dev == td->uplink) {
		teredo_fastpath_detach(td);
		td->cfg.fastpath = false;
		td->cfg.native = 0;
		netdev_info(td->dev, "fastpath off: underlay device %s is going away\n",
			    dev->name);
	} else if (dev == td->native) {
		teredo_native_off(td);
		netdev_info(td->dev, "native off: device %s is going away\n",
			    dev->name);
	}
	return NOTIFY_OK;
}

static struct notifier_block teredo_netdev_notifier = {
	.notifier_call = teredo_netdev_event,
};

int teredo_fastpath_init(void)
{
	return register_netdevice_notifier(&teredo_netdev_notifier);
}

void teredo_fastpath_exit(void)
{
	unregister_netdevice_notifier(&teredo_netdev_notifier);
}
