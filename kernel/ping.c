// SPDX-License-Identifier: GPL-2.0
/*
 * The direct IPv6 connectivity test of a client (RFC 4380 section 5.2.9):
 * an ICMPv6 echo request to a native peer, carrying an unpredictable nonce,
 * sent through our own server; the relay its reply comes through is the
 * one to use.
 */
#include <linux/icmpv6.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "teredo.h"

#define TEREDO_PING_HOPS	64

struct teredo_echo {
	struct ipv6hdr ip6;
	struct icmp6hdr icmp;
	u8 nonce[8];
} __packed;

#define TEREDO_ECHO_PAYLOAD	(sizeof(struct teredo_echo) - \
				 sizeof(struct ipv6hdr))

/* An echo request from @src to @dst with @nonce as its data, to be sent to
 * our server @ip, port 3544.
 */
struct sk_buff *teredo_ping(struct teredo_dev *td, const struct in6_addr *src,
			    const struct in6_addr *dst, u64 nonce, __be32 ip)
{
	unsigned int hroom = LL_MAX_HEADER + TEREDO_ENCAP_LEN;
	struct teredo_echo *e;
	struct sk_buff *skb;

	skb = alloc_skb(hroom + sizeof(*e), GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, hroom);
	e = skb_put_zero(skb, sizeof(*e));
	skb_reset_network_header(skb);
	ip6_flow_hdr(&e->ip6, 0, 0);
	e->ip6.payload_len = htons(TEREDO_ECHO_PAYLOAD);
	e->ip6.nexthdr = IPPROTO_ICMPV6;
	e->ip6.hop_limit = TEREDO_PING_HOPS;
	e->ip6.saddr = *src;
	e->ip6.daddr = *dst;
	e->icmp.icmp6_type = ICMPV6_ECHO_REQUEST;
	memcpy(e->nonce, &nonce, sizeof(e->nonce));
	e->icmp.icmp6_cksum = csum_ipv6_magic(src, dst, TEREDO_ECHO_PAYLOAD,
					      IPPROTO_ICMPV6,
					      csum_partial(&e->icmp,
							   TEREDO_ECHO_PAYLOAD,
							   0));
	skb->protocol = htons(ETH_P_IPV6);
	skb->dev = td->dev;
	TEREDO_CB(skb)->ip = ip;
	TEREDO_CB(skb)->port = htons(TEREDO_PORT);
	return skb;
}

/* Is @skb (IPv6 at skb->data) the echo reply to one of our tests? Then
 * @nonce is what it carries.
 */
bool teredo_ping_reply(struct sk_buff *skb, u64 *nonce)
{
	const struct teredo_echo *e;

	if (!pskb_may_pull(skb, sizeof(*e)))
		return false;
	e = (const struct teredo_echo *)skb->data;
	if (e->ip6.nexthdr != IPPROTO_ICMPV6 ||
	    e->ip6.payload_len != htons(TEREDO_ECHO_PAYLOAD) ||
	    e->icmp.icmp6_type != ICMPV6_ECHO_REPLY || e->icmp.icmp6_code)
		return false;
	memcpy(nonce, e->nonce, sizeof(*nonce));
	return true;
}
