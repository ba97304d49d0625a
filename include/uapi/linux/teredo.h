/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Teredo (RFC 4380, 5991, 6081) tunnel device: the interface shared by the
 * kernel module, the teredod helper and the iproute2 plugin.
 */
#ifndef _UAPI_LINUX_TEREDO_H
#define _UAPI_LINUX_TEREDO_H

#include <linux/types.h>

#define TEREDO_PORT		3544	/* the Teredo server port */
#define TEREDO_MIN_MTU		1280	/* IPv6 minimum, Teredo's default */
#define TEREDO_MAX_MTU		65507	/* the largest UDP payload over IPv4 */
#define TEREDO_DEFAULT_MAX_PEERS	(1U << 20)
#define TEREDO_DEFAULT_PROBE_RATE	1000
#define TEREDO_DEFAULT_PROBE_TOTAL	10000
#define TEREDO_MAX_PROBE_RATE		1000000

enum teredo_mode {
	TEREDO_MODE_RELAY,
	TEREDO_MODE_CLIENT,
	__TEREDO_MODE_MAX,
};

#define TEREDO_MODE_MAX (__TEREDO_MODE_MAX - 1)

/* IFLA_INFO_DATA of a "teredo" link */
enum {
	IFLA_TEREDO_UNSPEC,
	IFLA_TEREDO_MODE,	/* u8, enum teredo_mode; fixed at creation */
	IFLA_TEREDO_LOCAL,	/* be32, IPv4 address the socket binds to */
	IFLA_TEREDO_PORT,	/* be16, UDP port the socket binds to */
	IFLA_TEREDO_LINK,	/* u32, ifindex of the underlay device */
	/* u32, the device MTU: IFLA_MTU, the same setting, checked and
	 * applied alike (ip's "mtu" after "type teredo")
	 */
	IFLA_TEREDO_MTU,
	IFLA_TEREDO_MAX_PEERS,	/* u32, bound of the peer list */
	/* u8, 0 or 1, relay mode: take Teredo datagrams off the underlay
	 * device (IFLA_TEREDO_LINK) as it receives them, before IPv4
	 * routing, netfilter's IPv4 hooks and the socket; needs
	 * IFLA_TEREDO_LINK and IFLA_TEREDO_LOCAL
	 */
	IFLA_TEREDO_FASTPATH,
	/* u32, ifindex in the Teredo device's namespace, 0 for none; relay
	 * mode with IFLA_TEREDO_FASTPATH: take the IPv6 packets to trusted
	 * Teredo peers off this (native side) device as it receives them,
	 * and send them in UDP at once, before IPv6 routing, forwarding and
	 * netfilter's IPv6 hooks
	 */
	IFLA_TEREDO_NATIVE,
	/* u32, 1 to 1000000: probes (bubbles, echo requests) a second the
	 * device sends to any one IPv4 address (a peer's server), and in
	 * all; what exceeds them is refused and counted
	 */
	IFLA_TEREDO_PROBE_RATE,
	IFLA_TEREDO_PROBE_TOTAL,
	/* u8, 0 or 1, client mode: local client discovery (RFC 4380 section
	 * 5.2.8): bubbles to 224.0.0.253 every 200-300 s, joined on the
	 * underlay device (IFLA_TEREDO_LINK, or the one of
	 * IFLA_TEREDO_LOCAL, or the one routing to the group); clients
	 * behind the same NAT and on the same link then talk directly
	 */
	IFLA_TEREDO_DISCOVERY,
	__IFLA_TEREDO_MAX,
};

#define IFLA_TEREDO_MAX (__IFLA_TEREDO_MAX - 1)

/* What the secondary-server test found out about the NAT (teredod). */
enum teredo_nat {
	TEREDO_NAT_UNKNOWN,
	TEREDO_NAT_NONE,	/* mapped address is a local one */
	TEREDO_NAT_CONE,	/* unsolicited traffic passes */
	TEREDO_NAT_RESTRICTED,	/* address or port restricted */
	TEREDO_NAT_SYMMETRIC,	/* a new mapping per destination */
	__TEREDO_NAT_MAX,
};

#define TEREDO_NAT_MAX (__TEREDO_NAT_MAX - 1)

/*
 * Generic netlink family "teredo": state, counters and peers of a device,
 * and the control channel of a client-mode device. Requests carry
 * TEREDO_A_IFINDEX (or TEREDO_A_IFNAME) of a teredo device in the caller's
 * namespace.
 *
 * Client mode: the device's own UDP socket carries everything, so that the
 * NAT mapping is one. teredod sends its router solicitations with
 * TEREDO_CMD_SEND and receives what servers send back (packets from UDP
 * port 3544 with an authentication header) as TEREDO_CMD_CONTROL
 * notifications in the TEREDO_MCGRP_CONTROL group. Once qualified, it sets
 * the Teredo address with TEREDO_CMD_SET_CLIENT; until then the device
 * sends nothing and answers the stack with ICMPv6 unreachable. Qualified
 * and dormant (on-demand qualification), it keeps its address but sends
 * nothing either: what the host sends waits, and a TEREDO_CMD_WAKE
 * notification asks teredod to qualify again.
 */
#define TEREDO_GENL_NAME	"teredo"
#define TEREDO_GENL_VERSION	1
#define TEREDO_MCGRP_CONTROL	"control"
#define TEREDO_CONTROL_MAX	1500	/* bytes of a TEREDO_A_PAYLOAD */

enum teredo_cmd {
	TEREDO_CMD_UNSPEC,
	TEREDO_CMD_GET_DEV,	/* do: device state and counters */
	TEREDO_CMD_GET_PEER,	/* dump: the peer list */
	/* do, client mode: send TEREDO_A_PAYLOAD in UDP to
	 * TEREDO_A_REMOTE_IP, port TEREDO_PORT, from the device's socket
	 */
	TEREDO_CMD_SEND,
	/* do, client mode: TEREDO_A_QUALIFIED 1 with TEREDO_A_ADDR (and
	 * TEREDO_A_NAT), or 0. A new address flushes the peer list.
	 */
	TEREDO_CMD_SET_CLIENT,
	/* notification: TEREDO_A_IFINDEX, TEREDO_A_REMOTE_IP,
	 * TEREDO_A_REMOTE_PORT, TEREDO_A_PAYLOAD (the whole UDP payload)
	 */
	TEREDO_CMD_CONTROL,
	/* notification: TEREDO_A_IFINDEX of a dormant client the host sent
	 * a packet through; it waits for TEREDO_CMD_SET_CLIENT
	 */
	TEREDO_CMD_WAKE,
	__TEREDO_CMD_MAX,
};

#define TEREDO_CMD_MAX (__TEREDO_CMD_MAX - 1)

enum {
	TEREDO_A_UNSPEC,
	TEREDO_A_IFINDEX,	/* u32 */
	TEREDO_A_IFNAME,	/* string */
	TEREDO_A_MODE,		/* u8, enum teredo_mode */
	TEREDO_A_PEER_COUNT,	/* u32 */
	TEREDO_A_MAX_PEERS,	/* u32 */
	TEREDO_A_PEER_SIZE,	/* u32, bytes of kernel memory per idle peer */
	TEREDO_A_STATS,		/* nest of TEREDO_A_STAT entries */
	TEREDO_A_PEER,		/* nest: enum teredo_peer_attr */
	TEREDO_A_PAD,
	TEREDO_A_REMOTE_IP,	/* be32 */
	TEREDO_A_REMOTE_PORT,	/* be16 */
	TEREDO_A_PAYLOAD,	/* binary, a UDP payload */
	TEREDO_A_QUALIFIED,	/* u8, 0 or 1 (client mode) */
	TEREDO_A_ADDR,		/* in6_addr, the client's Teredo address */
	TEREDO_A_NAT,		/* u8, enum teredo_nat */
	TEREDO_A_SERVER_AGE,	/* u32, ms since the last packet from our
				 * server (absent if never)
				 */
	TEREDO_A_LOCAL_IP,	/* be32, bound address of the socket */
	TEREDO_A_LOCAL_PORT,	/* be16, bound port of the socket */
	TEREDO_A_QUEUED,	/* u32, bytes (truesize) the queues hold */
	/* u8, 0 or 1, with TEREDO_A_QUALIFIED 1: dormant (no refresh keeps
	 * the NAT mapping): packets wait, TEREDO_CMD_WAKE is sent
	 */
	TEREDO_A_DORMANT,
	TEREDO_A_IDLE_MS,	/* u32, ms since the host last sent through
				 * the device (client mode)
				 */
	__TEREDO_A_MAX,
};

#define TEREDO_A_MAX (__TEREDO_A_MAX - 1)

/* TEREDO_A_STATS holds one TEREDO_STAT_A_ENTRY nest per counter. */
enum {
	TEREDO_STAT_A_UNSPEC,
	TEREDO_STAT_A_ENTRY,	/* nest */
	TEREDO_STAT_A_NAME,	/* string */
	TEREDO_STAT_A_VALUE,	/* u64 */
	TEREDO_STAT_A_PAD,
	__TEREDO_STAT_A_MAX,
};

#define TEREDO_STAT_A_MAX (__TEREDO_STAT_A_MAX - 1)

enum teredo_peer_attr {
	TEREDO_PEER_A_UNSPEC,
	TEREDO_PEER_A_ADDR,	/* in6_addr: the peer's IPv6 address */
	TEREDO_PEER_A_IP,	/* be32: mapped IPv4 address */
	TEREDO_PEER_A_PORT,	/* be16: mapped UDP port */
	TEREDO_PEER_A_TRUSTED,	/* flag */
	TEREDO_PEER_A_RX_AGE,	/* u32, ms since the last packet from it */
	TEREDO_PEER_A_TX_AGE,	/* u32, ms since the last packet to it */
	TEREDO_PEER_A_QUEUE,	/* u32, bytes queued for it */
	TEREDO_PEER_A_BUBBLES,	/* u8, bubbles sent without answer */
	/* flag: at its address on our link (local client discovery) */
	TEREDO_PEER_A_LOCAL,
	__TEREDO_PEER_A_MAX,
};

#define TEREDO_PEER_A_MAX (__TEREDO_PEER_A_MAX - 1)

#endif /* _UAPI_LINUX_TEREDO_H */
