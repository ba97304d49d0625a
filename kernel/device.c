// SPDX-License-Identifier: GPL-2.0
/*
 * The Teredo net_device: a point-to-point IPv6 interface without link-layer
 * addresses, whose packets travel in UDP over IPv4.
 */
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/ip.h>

#include "teredo.h"

#define TEREDO_GSO_FEATURES	(NETIF_F_ALL_TSO | NETIF_F_GSO_UDP_L4)

static int teredo_dev_init(struct net_device *dev)
{
	struct teredo_dev *td = netdev_priv(dev);
	int err;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	err = -ENOMEM;
	td->stats = netdev_alloc_pcpu_stats(struct teredo_pcpu_stats);
	if (!td->stats)
		goto err_tstats;
	err = gro_cells_init(&td->gro_cells, dev);
	if (err)
		goto err_stats;
	err = teredo_routes_init(td);
	if (err)
		goto err_gro;
	err = teredo_budget_init(td, td->cfg.probe_rate, td->cfg.probe_total);
	if (err)
		goto err_routes;
	err = teredo_peers_init(td);
	if (err)
		goto err_budget;
	teredo_client_init(td);
	teredo_discovery_init(td);
	teredo_dormant_init(td);
	return 0;

err_budget:
	teredo_budget_free(td);
err_routes:
	teredo_routes_destroy(td);
err_gro:
	gro_cells_destroy(&td->gro_cells);
err_stats:
	free_percpu(td->stats);
err_tstats:
	free_percpu(dev->tstats);
	return err;
}

/* Called under RTNL when the device is unregistered (or its registration
 * failed after ndo_init): stop receiving first, then free what the
 * receive path uses.
 */
static void teredo_dev_uninit(struct net_device *dev)
{
	struct teredo_dev *td = netdev_priv(dev);

	teredo_dumps_end(td);		/* no dump walks the peers after */
	teredo_fastpath_detach(td);	/* waits for the handler's readers */
	teredo_discovery_release(td);
	teredo_bind_release(td);	/* waits for readers of the socket */
	teredo_peers_stop(td);
	teredo_dormant_purge(td);
	teredo_routes_destroy(td);
	gro_cells_destroy(&td->gro_cells);
}

/* After the last reference (generic netlink requests hold one while they
 * run; dumps hold none): lookups are over, free the peers, the client
 * state and the counters.
 */
static void teredo_dev_free(struct net_device *dev)
{
	struct teredo_dev *td = netdev_priv(dev);

	teredo_peers_destroy(td);
	teredo_budget_free(td);
	teredo_client_exit(td);
	free_percpu(td->stats);
	free_percpu(dev->tstats);
}

static const struct net_device_ops teredo_netdev_ops = {
	.ndo_init		= teredo_dev_init,
	.ndo_uninit		= teredo_dev_uninit,
	.ndo_start_xmit		= teredo_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

static const struct device_type teredo_type = {
	.name = "teredo",
};

void teredo_setup(struct net_device *dev)
{
	struct teredo_dev *td = netdev_priv(dev);

	INIT_LIST_HEAD(&td->dumps);
	dev->netdev_ops = &teredo_netdev_ops;
	dev->ethtool_ops = &teredo_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = teredo_dev_free;
	SET_NETDEV_DEVTYPE(dev, &teredo_type);

	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = LL_MAX_HEADER + TEREDO_ENCAP_LEN +
			       TEREDO_ORIGIN_LEN;
	dev->mtu = TEREDO_MIN_MTU;
	dev->min_mtu = TEREDO_MIN_MTU;
	dev->max_mtu = TEREDO_MAX_MTU;
	teredo_set_lltx(dev);
	netif_keep_dst(dev);

	/* Checksums and segmentation left to the uplink, after the Teredo
	 * work, as for vxlan: one encapsulation for a GSO packet (TCP, UDP;
	 * SCTP's CRC is no Internet checksum, the stack cuts it before us).
	 * A forwarded packet that GRO merged from more segments than an skb
	 * has frags chains the rest (frag_list): without FRAGLIST the stack
	 * would cut it before us, and every segment pay for the Teredo work.
	 */
	dev->features |= NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM |
			 TEREDO_GSO_FEATURES;
	dev->hw_features |= NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM |
			    TEREDO_GSO_FEATURES;
	/* the outer IPv4 total length must hold the largest: above, the
	 * stack segments before ndo_start_xmit
	 */
	netif_set_tso_max_size(dev, IP_MAX_MTU - TEREDO_ENCAP_LEN);
}
