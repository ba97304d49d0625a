/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU counters of the Teredo device beyond the generic interface
 * statistics: every reason a packet is dropped, and protocol events.
 * Read with ethtool -S.
 */
#ifndef _TEREDO_STATS_H
#define _TEREDO_STATS_H

#include <linux/ethtool.h>
#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>

enum teredo_stat {
	TEREDO_STAT_RX_NO_DATAPATH,	/* received while no data path ran */
	TEREDO_STAT_TX_NO_DATAPATH,	/* sent while no data path ran */
	TEREDO_STAT_MAX
};

struct teredo_pcpu_stats {
	u64_stats_t cnt[TEREDO_STAT_MAX];
	struct u64_stats_sync syncp;
};

extern const struct ethtool_ops teredo_ethtool_ops;

#endif /* _TEREDO_STATS_H */
