/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TEREDOD_NLACK_H
#define TEREDOD_NLACK_H

#include <stddef.h>
#include <linux/netlink.h>

/*
 * The status carried by an NLMSG_ERROR (0: an ack) or NLMSG_DONE (the
 * dump's status) message: 0 or a negative errno; -EPROTO for any other
 * message. The kernel's message about it, if any, goes to @msg (@size
 * bytes, trailing newline and dot removed), the missing attribute to
 * @miss (may be NULL).
 */
int nl_ack_status(const struct nlmsghdr *nlh, char *msg, size_t size,
		  int *miss);

#endif /* TEREDOD_NLACK_H */
