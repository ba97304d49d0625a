/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel API differences between the supported kernels
 * (Debian 12's 6.1 up to the newest) are bridged. Each difference is detected
 * by a probe of the target's headers (kernel/Kbuild.probe), never by version
 * number: distributions backport these changes.
 */
#ifndef _TEREDO_COMPAT_H
#define _TEREDO_COMPAT_H

#include <linux/in.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <net/rtnetlink.h>
#include <net/genetlink.h>
#include <net/udp_tunnel.h>
/* 6.4: skb_gso_segment() moved out of netdevice.h */
#ifdef TEREDO_NET_GSO_H
#include <net/gso.h>
#endif

/* 6.12: NETIF_F_LLTX became a private flag bit. */
static inline void teredo_set_lltx(struct net_device *dev)
{
#ifdef TEREDO_DEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/* 6.15: rtnl_link_ops.newlink() takes struct rtnl_newlink_params; see
 * TEREDO_NEWLINK_PARAMS in link.c.
 */

/* stable 7.1.5 and some distribution kernels: struct sock instead of socket */
static inline void teredo_setup_udp_tunnel_sock(struct net *net,
						struct socket *sock,
						struct udp_tunnel_sock_cfg *cfg)
{
#ifdef TEREDO_UDP_TUNNEL_SK
	setup_udp_tunnel_sock(net, sock->sk, cfg);
#else
	setup_udp_tunnel_sock(net, sock, cfg);
#endif
}

static inline void teredo_udp_tunnel_sock_release(struct socket *sock)
{
#ifdef TEREDO_UDP_TUNNEL_SK
	udp_tunnel_sock_release(sock->sk);
#else
	udp_tunnel_sock_release(sock);
#endif
}

/* 6.19: kernel_bind() takes a struct sockaddr_unsized. */
static inline int teredo_kernel_bind(struct socket *sock,
				     struct sockaddr_in *sin)
{
#ifdef TEREDO_BIND_UNSIZED
	return kernel_bind(sock, (struct sockaddr_unsized *)sin, sizeof(*sin));
#else
	return kernel_bind(sock, (struct sockaddr *)sin, sizeof(*sin));
#endif
}

/* 6.17: udp_tunnel_xmit_skb() takes IP control block flags. */
#ifdef TEREDO_XMIT_IPCB_FLAGS
#define teredo_udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sp, \
				   dp, xnet, nocheck)			   \
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sp, dp,   \
			    xnet, nocheck, 0)
#else
#define teredo_udp_tunnel_xmit_skb udp_tunnel_xmit_skb
#endif

/* 6.6: dumps get a full struct genl_info. */
#ifdef TEREDO_GENL_INFO_DUMP
#define teredo_dump_attrs(cb) (genl_info_dump(cb)->attrs)
#else
#define teredo_dump_attrs(cb) (genl_dumpit_info(cb)->attrs)
#endif

/* 6.1.y (backported) and 6.7: multicast groups restricted to admins. */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define TEREDO_MCGRP_ADMIN_ONLY	.flags = GENL_MCAST_CAP_NET_ADMIN,
#else
#define TEREDO_MCGRP_ADMIN_ONLY
#endif

/* 6.9 (and backports): GRO keeps the offset of each network header. Before
 * it, completing a UDP tunnel's merged packet read the inner IPv6 header as
 * the outer IPv4 one (the socket lookup failed, the merged datagrams were
 * lost): no GRO there.
 */
#ifdef TEREDO_GRO_NETWORK_OFFSETS
#define TEREDO_HAS_GRO	true
#else
#define TEREDO_HAS_GRO	false
#endif

#endif /* _TEREDO_COMPAT_H */
