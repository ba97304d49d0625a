// SPDX-License-Identifier: GPL-2.0
/*
 * Receive offload: consecutive Teredo datagrams of one TCP flow merged
 * before decapsulation, by the device socket's GRO (as fou's), so that a
 * relay or a client checks, decapsulates and forwards one packet for many.
 */
#include <linux/module.h>
#include <net/gro.h>
#include <net/protocol.h>
#include <net/udp.h>

#include "teredo.h"

bool teredo_gro = TEREDO_HAS_GRO;
module_param_named(gro, teredo_gro, bool, 0444);
MODULE_PARM_DESC(gro,
		 "Received datagrams of a TCP flow are merged before decapsulation (needs Linux 6.9 or a backport of its GRO network offsets)");

/* Only IPv6 right after the UDP header is merged: not a datagram with a
 * Teredo authentication or origin indication (first byte 0), nor one
 * whose UDP length is not its length. The kernel's
 * offload for IPv6 in IPv4 (sit's) merges datagrams whose outer addresses
 * and ports, inner IPv6 header and TCP flow all match, and GRO holds them
 * for one NAPI poll at most: every check the relay makes on the first
 * (source mapping, peer, destination) gives the others the same verdict.
 */
struct sk_buff *teredo_gro_receive(struct sock *sk, struct list_head *head,
				   struct sk_buff *skb)
{
	unsigned int off = skb_gro_offset(skb);
	const struct net_offload *ops;
	const struct udphdr *uh;
	const u8 *first;

	/* the UDP length, as udp_rcv() would trim to it: GRO would not */
	uh = skb_gro_header(skb, off + 1, off - sizeof(*uh));
	if (!uh || ntohs(uh->len) != sizeof(*uh) + skb_gro_len(skb))
		goto flush;
	first = (const u8 *)(uh + 1);
	if (*first >> 4 != 6)
		goto flush;
	ops = rcu_dereference(inet_offloads[IPPROTO_IPV6]);
	if (!ops || !ops->callbacks.gro_receive)
		goto flush;
	/* one tunnel: the UDP header is its header, as fou's */
	NAPI_GRO_CB(skb)->encap_mark = 0;
	return call_gro_receive(ops->callbacks.gro_receive, head, skb);
flush:
	NAPI_GRO_CB(skb)->flush = 1;
	return NULL;
}

int teredo_gro_complete(struct sock *sk, struct sk_buff *skb, int nhoff)
{
	const struct net_offload *ops;
	int err;

	ops = rcu_dereference(inet_offloads[IPPROTO_IPV6]);
	if (WARN_ON_ONCE(!ops || !ops->callbacks.gro_complete))
		return -EOPNOTSUPP;
	err = ops->callbacks.gro_complete(skb, nhoff);
	skb_set_inner_mac_header(skb, nhoff);
	return err;
}
