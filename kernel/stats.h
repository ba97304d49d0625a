/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU counters of the Teredo device beyond the generic interface
 * statistics: every reason a packet is dropped, and protocol events.
 * Read with ethtool -S or teredod show.
 */
#ifndef _TEREDO_STATS_H
#define _TEREDO_STATS_H

#include <linux/ethtool.h>
#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>

enum teredo_stat {
	/* receive: drops */
	TEREDO_STAT_RX_SHORT,		/* shorter than its headers */
	TEREDO_STAT_RX_BAD_HEADER,	/* not IPv6, bad auth/origin header */
	TEREDO_STAT_RX_BAD_LENGTH,	/* IPv6 length beyond the datagram */
	TEREDO_STAT_RX_BAD_MAPPING,	/* source not matching the UDP source */
	TEREDO_STAT_RX_UNKNOWN_PEER,	/* from nobody we talk to */
	TEREDO_STAT_RX_NOT_SERVED,	/* destination we do not serve */
	TEREDO_STAT_RX_LOOP,		/* would loop (RFC 6324) */
	TEREDO_STAT_RX_CONTROL,		/* server control packet, not taken */
	TEREDO_STAT_RX_DEV_DOWN,	/* device not up */
	TEREDO_STAT_RX_OFFLINE,		/* client not qualified */
	TEREDO_STAT_RX_UNVERIFIED,	/* held, and the relay test failed */
	TEREDO_STAT_RX_NOMEM,		/* allocation failure */
	TEREDO_STAT_RX_DISCOVERY_REFUSED, /* local discovery bubble refused */
	/* receive: events */
	TEREDO_STAT_RX_BUBBLE,		/* bubbles taken in */
	TEREDO_STAT_RX_CONTROL_OK,	/* server packets passed to teredod */
	TEREDO_STAT_RX_HELD,		/* held until a relay test succeeds */
	TEREDO_STAT_RX_FASTPATH,	/* taken off the underlay device */
	TEREDO_STAT_RX_DISCOVERY,	/* local discovery bubbles taken */
	TEREDO_STAT_RX_HAIRPIN,		/* alternate addresses taken (RFC 6081) */
	TEREDO_STAT_RX_RANDOM_PORT,	/* random ports taken (RFC 6081) */
	/* transmit: drops */
	TEREDO_STAT_TX_BAD_PROTO,	/* not IPv6 */
	TEREDO_STAT_TX_MULTICAST,	/* multicast destination */
	TEREDO_STAT_TX_NOT_TEREDO,	/* destination outside 2001::/32 */
	TEREDO_STAT_TX_NOT_GLOBAL,	/* embedded IPv4 not global unicast */
	TEREDO_STAT_TX_TOO_BIG,		/* larger than the MTU */
	TEREDO_STAT_TX_NO_ROUTE,	/* no IPv4 route to the peer */
	TEREDO_STAT_TX_LOOP,		/* route back into the device */
	TEREDO_STAT_TX_NO_SOCKET,	/* device without a socket */
	TEREDO_STAT_TX_QUEUE_FULL,	/* peer or device queue full */
	TEREDO_STAT_TX_TABLE_FULL,	/* no room for a new peer */
	TEREDO_STAT_TX_UNREACHABLE,	/* peer never answered its bubbles */
	TEREDO_STAT_TX_NOMEM,		/* allocation failure */
	TEREDO_STAT_TX_OFFLINE,		/* client not qualified */
	TEREDO_STAT_TX_BAD_SOURCE,	/* source not our Teredo address */
	TEREDO_STAT_TX_PROBE_REFUSED,	/* its probe over a budget */
	/* transmit: events */
	TEREDO_STAT_TX_QUEUED,		/* packets queued for a bubble answer */
	TEREDO_STAT_TX_BUBBLE,		/* bubbles sent */
	TEREDO_STAT_TX_PING,		/* relay discovery echo requests */
	TEREDO_STAT_TX_CONTROL,		/* packets sent for teredod */
	TEREDO_STAT_TX_FASTPATH,	/* taken off the native device */
	TEREDO_STAT_TX_ROUTE_LOOKUP,	/* outer routes looked up in the FIB */
	TEREDO_STAT_TX_PROBE_LIMITED,	/* probes the budgets refused */
	TEREDO_STAT_TX_GSO,		/* GSO packets segmented here */
	TEREDO_STAT_TX_GSO_SEGMENTS,	/* the segments they made */
	TEREDO_STAT_TX_DISCOVERY,	/* local discovery bubbles sent */
	TEREDO_STAT_TX_DORMANT,		/* held while dormant, teredod told */
	/* peers */
	TEREDO_STAT_PEER_NEW,
	TEREDO_STAT_PEER_TRUSTED,
	TEREDO_STAT_PEER_EXPIRED,
	TEREDO_STAT_MAX
};

struct teredo_pcpu_stats {
	u64_stats_t cnt[TEREDO_STAT_MAX];
	struct u64_stats_sync syncp;
};

extern const struct ethtool_ops teredo_ethtool_ops;
extern const char teredo_stat_names[TEREDO_STAT_MAX][ETH_GSTRING_LEN];

struct teredo_dev;
void teredo_stats_read(const struct teredo_dev *td, u64 *data);

#endif /* _TEREDO_STATS_H */
