// SPDX-License-Identifier: GPL-2.0
/*
 * Teredo device counters, exported through ethtool -S, and after them three
 * gauges: the peers in the table, its bound (maxpeers) and the truesize of
 * the packets queued for peers. Collectors of ethtool statistics (such as
 * node_exporter's ethtool collector) then read the table's fill beside the
 * counters, with no privilege (the generic netlink family is admin-only).
 */
#include <linux/ethtool.h>
#include <linux/string.h>

#include "teredo.h"

const char teredo_stat_names[TEREDO_STAT_MAX][ETH_GSTRING_LEN] = {
	[TEREDO_STAT_RX_SHORT]		= "rx_drop_short",
	[TEREDO_STAT_RX_BAD_HEADER]	= "rx_drop_bad_header",
	[TEREDO_STAT_RX_BAD_LENGTH]	= "rx_drop_bad_length",
	[TEREDO_STAT_RX_BAD_MAPPING]	= "rx_drop_bad_mapping",
	[TEREDO_STAT_RX_UNKNOWN_PEER]	= "rx_drop_unknown_peer",
	[TEREDO_STAT_RX_NOT_SERVED]	= "rx_drop_not_served",
	[TEREDO_STAT_RX_LOOP]		= "rx_drop_loop",
	[TEREDO_STAT_RX_CONTROL]	= "rx_drop_control",
	[TEREDO_STAT_RX_DEV_DOWN]	= "rx_drop_dev_down",
	[TEREDO_STAT_RX_OFFLINE]	= "rx_drop_offline",
	[TEREDO_STAT_RX_UNVERIFIED]	= "rx_drop_unverified",
	[TEREDO_STAT_RX_NOMEM]		= "rx_drop_nomem",
	[TEREDO_STAT_RX_DISCOVERY_REFUSED] = "rx_drop_discovery",
	[TEREDO_STAT_RX_BUBBLE]		= "rx_bubble",
	[TEREDO_STAT_RX_CONTROL_OK]	= "rx_control",
	[TEREDO_STAT_RX_HELD]		= "rx_held",
	[TEREDO_STAT_RX_FASTPATH]	= "rx_fastpath",
	[TEREDO_STAT_RX_DISCOVERY]	= "rx_discovery",
	[TEREDO_STAT_RX_HAIRPIN]	= "rx_hairpin",
	[TEREDO_STAT_RX_RANDOM_PORT]	= "rx_random_port",
	[TEREDO_STAT_TX_BAD_PROTO]	= "tx_drop_bad_proto",
	[TEREDO_STAT_TX_MULTICAST]	= "tx_drop_multicast",
	[TEREDO_STAT_TX_NOT_TEREDO]	= "tx_drop_not_teredo",
	[TEREDO_STAT_TX_NOT_GLOBAL]	= "tx_drop_not_global",
	[TEREDO_STAT_TX_TOO_BIG]	= "tx_drop_too_big",
	[TEREDO_STAT_TX_NO_ROUTE]	= "tx_drop_no_route",
	[TEREDO_STAT_TX_LOOP]		= "tx_drop_loop",
	[TEREDO_STAT_TX_NO_SOCKET]	= "tx_drop_no_socket",
	[TEREDO_STAT_TX_QUEUE_FULL]	= "tx_drop_queue_full",
	[TEREDO_STAT_TX_TABLE_FULL]	= "tx_drop_table_full",
	[TEREDO_STAT_TX_UNREACHABLE]	= "tx_drop_unreachable",
	[TEREDO_STAT_TX_NOMEM]		= "tx_drop_nomem",
	[TEREDO_STAT_TX_OFFLINE]	= "tx_drop_offline",
	[TEREDO_STAT_TX_BAD_SOURCE]	= "tx_drop_bad_source",
	[TEREDO_STAT_TX_PROBE_REFUSED]	= "tx_drop_probe_limited",
	[TEREDO_STAT_TX_QUEUED]		= "tx_queued",
	[TEREDO_STAT_TX_BUBBLE]		= "tx_bubble",
	[TEREDO_STAT_TX_PING]		= "tx_ping",
	[TEREDO_STAT_TX_CONTROL]	= "tx_control",
	[TEREDO_STAT_TX_FASTPATH]	= "tx_fastpath",
	[TEREDO_STAT_TX_ROUTE_LOOKUP]	= "tx_route_lookup",
	[TEREDO_STAT_TX_PROBE_LIMITED]	= "tx_probe_limited",
	[TEREDO_STAT_TX_GSO]		= "tx_gso",
	[TEREDO_STAT_TX_GSO_SEGMENTS]	= "tx_gso_segments",
	[TEREDO_STAT_TX_DISCOVERY]	= "tx_discovery",
	[TEREDO_STAT_TX_DORMANT]	= "tx_dormant",
	[TEREDO_STAT_PEER_NEW]		= "peer_new",
	[TEREDO_STAT_PEER_TRUSTED]	= "peer_trusted",
	[TEREDO_STAT_PEER_EXPIRED]	= "peer_expired",
};

/* Gauges: values of the moment, not counters; read under RTNL. */
enum teredo_gauge {
	TEREDO_GAUGE_PEERS,
	TEREDO_GAUGE_MAX_PEERS,
	TEREDO_GAUGE_QUEUED,
	TEREDO_GAUGE_MAX
};

static const char teredo_gauge_names[TEREDO_GAUGE_MAX][ETH_GSTRING_LEN] = {
	[TEREDO_GAUGE_PEERS]		= "peers",
	[TEREDO_GAUGE_MAX_PEERS]	= "maxpeers",
	[TEREDO_GAUGE_QUEUED]		= "queued_truesize",
};

static void teredo_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "teredo", sizeof(info->driver));
}

static int teredo_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? TEREDO_STAT_MAX + TEREDO_GAUGE_MAX :
				      -EOPNOTSUPP;
}

static void teredo_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	if (sset != ETH_SS_STATS)
		return;
	memcpy(buf, teredo_stat_names, sizeof(teredo_stat_names));
	memcpy(buf + sizeof(teredo_stat_names), teredo_gauge_names,
	       sizeof(teredo_gauge_names));
}

/* Sum of the per-CPU counters into @data[TEREDO_STAT_MAX]. */
void teredo_stats_read(const struct teredo_dev *td, u64 *data)
{
	int cpu, i;

	memset(data, 0, TEREDO_STAT_MAX * sizeof(*data));
	for_each_possible_cpu(cpu) {
		const struct teredo_pcpu_stats *s = per_cpu_ptr(td->stats, cpu);
		u64 v[TEREDO_STAT_MAX];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < TEREDO_STAT_MAX; i++)
				v[i] = u64_stats_read(&s->cnt[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < TEREDO_STAT_MAX; i++)
			data[i] += v[i];
	}
}

static void teredo_get_ethtool_stats(struct net_device *dev,
				     struct ethtool_stats *estats, u64 *data)
{
	const struct teredo_dev *td = netdev_priv(dev);
	u64 *gauge = data + TEREDO_STAT_MAX;

	teredo_stats_read(td, data);
	gauge[TEREDO_GAUGE_PEERS] = atomic_read(&td->peers.nelems);
	gauge[TEREDO_GAUGE_MAX_PEERS] = td->cfg.max_peers;
	gauge[TEREDO_GAUGE_QUEUED] = READ_ONCE(td->queued);
}

const struct ethtool_ops teredo_ethtool_ops = {
	.get_drvinfo		= teredo_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= teredo_get_sset_count,
	.get_strings		= teredo_get_strings,
	.get_ethtool_stats	= teredo_get_ethtool_stats,
};
