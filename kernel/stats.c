// SPDX-License-Identifier: GPL-2.0
/*
 * Teredo device counters, exported through ethtool -S.
 */
#include <linux/ethtool.h>
#include <linux/string.h>

#include "teredo.h"

static const char teredo_stat_names[TEREDO_STAT_MAX][ETH_GSTRING_LEN] = {
	[TEREDO_STAT_RX_NO_DATAPATH]	= "rx_drop_no_datapath",
	[TEREDO_STAT_TX_NO_DATAPATH]	= "tx_drop_no_datapath",
};

static void teredo_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "teredo", sizeof(info->driver));
	strscpy(info->version, TEREDO_VERSION, sizeof(info->version));
}

static int teredo_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? TEREDO_STAT_MAX : -EOPNOTSUPP;
}

static void teredo_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	if (sset == ETH_SS_STATS)
		memcpy(buf, teredo_stat_names, sizeof(teredo_stat_names));
}

static void teredo_get_ethtool_stats(struct net_device *dev,
				     struct ethtool_stats *estats, u64 *data)
{
	struct teredo_dev *td = netdev_priv(dev);
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

const struct ethtool_ops teredo_ethtool_ops = {
	.get_drvinfo		= teredo_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= teredo_get_sset_count,
	.get_strings		= teredo_get_strings,
	.get_ethtool_stats	= teredo_get_ethtool_stats,
};
