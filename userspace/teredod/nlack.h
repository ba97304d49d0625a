/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TEREDOD_NLACK_H
#define TEREDOD_NLACK_H

#include <stdbool.h>
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

/*
 * Whether the @len bytes at @buf are whole netlink messages, each with a
 * length within what is left, as the kernel sends them; check a datagram
 * before mnl_cb_run(). libmnl 1.0.4 checks those lengths as signed ints:
 * one of 2 GB or more passes, and the callbacks and the walk to the next
 * message then read far past @buf.
 */
bool nl_msgs_ok(const void *buf, size_t len);

struct mnl_socket;

/* Where a request's extended ack goes: @msg (@size bytes), @miss or NULL */
struct nl_ext {
	char *msg;
	size_t size;
	int *miss;
};

/*
 * One request on @nl (bound to @portid): ask for an ack unless it is a
 * dump, send it, receive into @rx (@rx_size bytes) and call @cb (may be
 * NULL) with @data for each reply until the ack of a do or the end of a
 * dump. Returns 0 or a negative errno; the kernel's explanation goes to
 * @ext.
 */
int nl_run(struct mnl_socket *nl, unsigned int portid, struct nlmsghdr *nlh,
	   void *rx, size_t rx_size, int (*cb)(const struct nlmsghdr *, void *),
	   void *data, const struct nl_ext *ext);

#endif /* TEREDOD_NLACK_H */
