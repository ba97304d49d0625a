// SPDX-License-Identifier: GPL-2.0
/*
 * The end of a netlink request: the status of an ack or of a dump's end,
 * and the kernel's extended ack (message, missing attribute). Shared by
 * the generic netlink (genl.c) and rtnetlink (rtnl.c) clients.
 */
#include <errno.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "nlack.h"

/* NLMSGERR_ATTR_* after the error (or done) header at offset off */
static void nl_parse_ext(const struct nlmsghdr *nlh, unsigned int off,
			 char *msg, size_t size, int *miss)
{
	const struct nlattr *a;
	size_t len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			len = mnl_attr_get_payload_len(a);
			if (len >= size)
				len = size - 1;
			memcpy(msg, mnl_attr_get_payload(a), len);
			msg[len] = '\0';
			/* no trailing newline or dot doubled in our output */
			len = strlen(msg);
			while (len && (msg[len - 1] == '\n' ||
				       msg[len - 1] == '.'))
				msg[--len] = '\0';
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (miss &&
			    mnl_attr_get_payload_len(a) == sizeof(uint32_t))
				*miss = (int)mnl_attr_get_u32(a);
			break;
		}
	}
}

int nl_ack_status(const struct nlmsghdr *nlh, char *msg, size_t size,
		  int *miss)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*e);
	int status = 0;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(status))
			memcpy(&status, e, sizeof(status));
		nl_parse_ext(nlh, sizeof(status), msg, size, miss);
		return status < 0 ? status : 0;
	}
	if (nlh->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	/* the TLVs follow our request, unless the kernel capped it */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > sizeof(e->msg))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	nl_parse_ext(nlh, off, msg, size, miss);
	return e->error <= 0 ? e->error : -e->error;
}
