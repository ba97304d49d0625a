// SPDX-License-Identifier: GPL-2.0
/*
 * A peer is never trusted at one of the host's own IPv4 addresses
 * (teredo_peer_trust()): the stack drops such sources before the socket
 * (ip_route_input() without accept_local), and a relay's fast path checks
 * them when a peer is trusted, not for every datagram. An address added
 * later takes the trust of the peers mapped to it back, so that their
 * next datagram is checked again.
 */
#include <linux/inetdevice.h>
#include <net/netns/generic.h>

#include "teredo.h"

static int teredo_inetaddr_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	struct teredo_net *tn;
	struct teredo_dev *td;

	if (event != NETDEV_UP)
		return NOTIFY_DONE;
	/* under RTNL, as the list of devices */
	tn = net_generic(dev_net(ifa->ifa_dev->dev), teredo_net_id);
	list_for_each_entry(td, &tn->devs, list) {
		WRITE_ONCE(td->recheck_local, true);
		teredo_peers_sweep_soon(td);
	}
	return NOTIFY_DONE;
}

static struct notifier_block teredo_inetaddr_notifier = {
	.notifier_call = teredo_inetaddr_event,
};

int teredo_local_init(void)
{
	return register_inetaddr_notifier(&teredo_inetaddr_notifier);
}

void teredo_local_exit(void)
{
	unregister_inetaddr_notifier(&teredo_inetaddr_notifier);
}
