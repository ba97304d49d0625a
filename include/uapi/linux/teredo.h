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
#define TEREDO_DEFAULT_MAX_PEERS	(1U << 20)

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
	IFLA_TEREDO_MTU,	/* u32, set the device MTU (ip's "mtu") */
	IFLA_TEREDO_MAX_PEERS,	/* u32, bound of the peer list */
	__IFLA_TEREDO_MAX,
};

#define IFLA_TEREDO_MAX (__IFLA_TEREDO_MAX - 1)

#endif /* _UAPI_LINUX_TEREDO_H */
