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

/* Can @td take the fast paths @cfg asks for? Under RTNL, so that
 * teredo_fastpath_apply() cannot fail after it said yes. @data: the
 * request's attributes (or NULL), for the error's pointer.
 */
int teredo_fastpath_check(struct teredo_dev *td, const struct teredo_cfg *cfg,
			  struct nlattr *data[], struct netlink_ext_ack *extack)
{
	const struct nlattr *fattr = data ? data[IFLA_TEREDO_FASTPATH] : NULL;
	const struct nlattr *nattr = data ? data[IFLA_TEREDO_NATIVE] : NULL;
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
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
	if (err || !cfg->native)
		return err;
	dev = __dev_get_by_index(dev_net(td->dev), cfg->native);
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, nattr,
				    "native device not found in the Teredo device's namespace");
		return -ENODEV;
	}
	return teredo_uplink_ok(td, dev, true, nattr, extack);
}

/* Make *@slot (td->uplink or td->native) @dev, and the receive handler
 * follow: registered on a device while either names it.
 */
static void teredo_fast_set(struct teredo_dev *td, struct net_device **slot,
			    netdevice_tracker *tracker, struct net_device *dev)
{
	struct net_device *old = *slot;

	if (old == dev)
		return;
	/* the new one first: the old one keeps working if this fails */
	if (dev && dev != td->uplink && dev != td->native &&
	    WARN_ON_ONCE(netdev_rx_handler_register(dev, teredo_uplink_rx, td)))
		dev = NULL;
	WRITE_ONCE(*slot, dev);
	if (old) {
		if (old != td->uplink && old != td->native)
			netdev_rx_handler_unregister(old);
		netdev_put(old, tracker);
	}
	if (dev)
		netdev_hold(dev, tracker, GFP_KERNEL);
}

/* Stop taking packets off the uplinks; waits for the handler's readers. */
void teredo_fastpath_detach(struct teredo_dev *td)
{
	ASSERT_RTNL();
	teredo_fast_set(td, &td->native, &td->native_tracker, NULL);
	teredo_fast_set(td, &td->uplink, &td->uplink_tracker, NULL);
}

/* Follow td->cfg: take packets off its uplinks, or not. After
 * teredo_fastpath_check() said yes, under the same RTNL hold.
 */
void teredo_fastpath_apply(struct teredo_dev *td)
{
	struct net_device *up = NULL, *native = NULL;

	ASSERT_RTNL();
	if (td->cfg.fastpath) {
		up = __dev_get_by_index(td->net, td->cfg.link);
		if (td->cfg.native)
			native = __dev_get_by_index(dev_net(td->dev),
						    td->cfg.native);
	}
	teredo_fast_set(td, &td->uplink, &td->uplink_tracker, up);
	teredo_fast_set(td, &td->native, &td->native_tracker, native);
	if (td->cfg.fastpath && !td->uplink) {
		td->cfg.fastpath = false;
		td->cfg.native = 0;
		teredo_fastpath_detach(td);
	} else if (td->cfg.native && !td->native) {
		td->cfg.native = 0;
	}
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
		if (!td->native || dev->reg_state != NETREG_REGISTERED)
			return NOTIFY_DONE;
		netdev_info(dev, "native off: %s stays in the namespace the device leaves\n",
			    td->native->name);
		teredo_fast_set(td, &td->native, &td->native_tracker, NULL);
		td->cfg.native = 0;
		return NOTIFY_OK;
	}
	if (!teredo_is_uplink(dev))
		return NOTIFY_DONE;
	td = rtnl_dereference(dev->rx_handler_data);
	if (dev == td->native) {
		teredo_fast_set(td, &td->native, &td->native_tracker, NULL);
		td->cfg.native = 0;
		if (dev != td->uplink)
			netdev_info(td->dev, "native off: device %s is going away\n",
				    dev->name);
	}
	if (dev == td->uplink) {
		teredo_fastpath_detach(td);
		td->cfg.fastpath = false;
		td->cfg.native = 0;
		netdev_info(td->dev, "fastpath off: underlay device %s is going away\n",
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
