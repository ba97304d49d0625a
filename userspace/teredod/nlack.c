// SPDX-License-Identifier: GPL-2.0
/*
 * A netlink request and its end: the send/receive loop, the status of an
 * ack or of a dump's end, and the kernel's extended ack (message, missing
 * attribute). Shared by the generic netlink (genl.c) and rtnetlink
 * (rtnl.c) clients.
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

bool nl_msgs_ok(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh;
	size_t n;

	while (len >= sizeof(*nlh)) {
		nlh = buf;
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
			return false;
		n = NLMSG_ALIGN(nlh->nlmsg_len);
		if (n >= len)
			break;
		buf = (const char *)buf + n;
		len -= n;
	}
	return true;
}

struct nl_ctx {
	const struct nl_ext *ext;
	mnl_cb_t cb;
	void *data;
	int err;		/* negative errno reported by the kernel */
};

/* NLMSG_ERROR, NLMSG_DONE: the end of a do (ack) or dump, or an error */
static int nl_ctl(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *ctx = data;

	ctx->err = nl_ack_status(nlh, ctx->ext->msg, ctx->ext->size,
				 ctx->ext->miss);
	return ctx->err ? MNL_CB_ERROR : MNL_CB_STOP;
}

static int nl_ctl_overrun(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *ctx = data;

	(void)nlh;
	ctx->err = -ENOBUFS;
	return MNL_CB_ERROR;
}

static int nl_data(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *ctx = data;

	return ctx->cb ? ctx->cb(nlh, ctx->data) : MNL_CB_OK;
}

int nl_run(struct mnl_socket *nl, unsigned int portid, struct nlmsghdr *nlh,
	   void *rx, size_t rx_size, int (*cb)(const struct nlmsghdr *, void *),
	   void *data, const struct nl_ext *ext)
{
	/* not const: libmnl 1.0.4 takes a mnl_cb_t * */
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR]	= nl_ctl,
		[NLMSG_DONE]	= nl_ctl,
		[NLMSG_OVERRUN]	= nl_ctl_overrun,
	};
	struct nl_ctx ctx = { .ext = ext, .cb = cb, .data = data };
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	ext->msg[0] = '\0';
	if (ext->miss)
		*ext->miss = -1;
	/* a do is answered by its reply then an ack; a dump ends with DONE */
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, rx, rx_size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!nl_msgs_ok(rx, (size_t)n))
			return -EBADMSG;
		errno = 0;
		ret = mnl_cb_run2(rx, n, seq, portid, nl_data, &ctx,
				  ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret == MNL_CB_ERROR) {
			if (ctx.err)
				return ctx.err;
			return errno ? -errno : -EPROTO;
		}
	}
}
