// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink on libmnl: a socket bound to one family, requests and
 * their replies (do and dump) with the kernel's extended ack messages.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/netlink.h>

#include "genl.h"
#include "nlack.h"

/* genl_run()'s filter in front of the caller's callback */
struct genl_ctx {
	uint16_t type;		/* message type of the replies we want */
	mnl_cb_t cb;
	void *data;
};

static void genl_init_msg(struct genl *g, uint16_t type, uint8_t cmd,
			  uint8_t version, uint16_t flags,
			  struct nlmsghdr **nlhp)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;

	/* libmnl 1.0.4 leaves attribute padding as it finds it */
	memset(g->req, 0, GENL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(g->req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++g->seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = version;
	*nlhp = nlh;
}

struct nlmsghdr *genl_request(struct genl *g, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh;

	genl_init_msg(g, g->id, cmd, g->version, flags, &nlh);
	return nlh;
}

/*
 * The status carried by an NLMSG_ERROR (0: an ack) or NLMSG_DONE (the
 * dump's status) message: 0 or a negative errno. The kernel's message
 * about it, if any, goes to g->ext_msg and g->ext_miss.
 */
int genl_ack_status(struct genl *g, const struct nlmsghdr *nlh)
{
	return nl_ack_status(nlh, g->ext_msg, sizeof(g->ext_msg),
			     &g->ext_miss);
}

static int genl_data(const struct nlmsghdr *nlh, void *data)
{
	struct genl_ctx *ctx = data;

	/* not ours, or too short to be generic netlink: skip it */
	if (nlh->nlmsg_type != ctx->type ||
	    mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return MNL_CB_OK;
	return ctx->cb(nlh, ctx->data);
}

int genl_run(struct genl *g, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	const struct nl_ext ext = {
		g->ext_msg, sizeof(g->ext_msg), &g->ext_miss,
	};
	struct genl_ctx ctx = {
		.type = nlh->nlmsg_type, .cb = cb, .data = data,
	};

	return nl_run(g->nl, g->portid, nlh, g->rx, GENL_RX_SIZE, genl_data,
		      &ctx, &ext);
}

void genl_perror(const struct genl *g, const char *what, int err)
{
	const char *why = err == -EINTR ?
		"the dump was interrupted by a change, try again" :
		strerror(-err);

	if (g->ext_msg[0])
		warnx("%s: %s (%s)", what, g->ext_msg, why);
	else if (g->ext_miss >= 0)
		warnx("%s: %s (missing attribute %d)", what, why, g->ext_miss);
	else
		warnx("%s: %s", what, why);
}

/* CTRL_ATTR_MCAST_GROUPS: nests of CTRL_ATTR_MCAST_GRP_{NAME,ID} */
static void genl_family_groups(struct genl *g, const struct nlattr *nest)
{
	const struct nlattr *grp, *a;

	mnl_attr_for_each_nested(grp, nest) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(a, grp) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_get_payload_len(a) == sizeof(id))
				id = mnl_attr_get_u32(a);
		}
		if (!name || !id || strlen(name) >= GENL_NAMSIZ ||
		    g->n_mcgrps == sizeof(g->mcgrps) / sizeof(g->mcgrps[0]))
			continue;
		strcpy(g->mcgrps[g->n_mcgrps].name, name);
		g->mcgrps[g->n_mcgrps++].id = id;
	}
}

int genl_subscribe(struct genl *g, const char *name)
{
	unsigned int i;

	for (i = 0; i < g->n_mcgrps; i++) {
		if (strcmp(g->mcgrps[i].name, name))
			continue;
		if (mnl_socket_setsockopt(g->nl, NETLINK_ADD_MEMBERSHIP,
					  &g->mcgrps[i].id,
					  sizeof(g->mcgrps[i].id)) < 0)
			return -errno;
		return 0;
	}
	return -ENOENT;
}

static int genl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl *g = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_get_payload_len(a) == sizeof(uint16_t))
				g->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_get_payload_len(a) == sizeof(uint32_t))
				g->kversion = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			genl_family_groups(g, a);
			break;
		}
	}
	return MNL_CB_OK;
}

int genl_open(struct genl *g, const char *family, uint8_t version)
{
	struct nlmsghdr *nlh;
	int one = 1, err;

	memset(g, 0, sizeof(*g));
	g->name = family;
	g->version = version;
	g->ext_miss = -1;
	g->req = malloc(GENL_REQ_SIZE);
	g->rx = malloc(GENL_RX_SIZE);
	if (!g->req || !g->rx) {
		err = -ENOMEM;
		warnx("%s", strerror(-err));
		goto fail;
	}
	g->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!g->nl) {
		err = -errno;
		warn("generic netlink socket");
		goto fail;
	}
	if (mnl_socket_bind(g->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		warn("generic netlink socket: bind");
		goto fail;
	}
	g->portid = mnl_socket_get_portid(g->nl);
	g->seq = (unsigned int)time(NULL);
	/* best effort: the kernel's explanation of errors, without our request */
	mnl_socket_setsockopt(g->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(g->nl, NETLINK_CAP_ACK, &one, sizeof(one));

	/* the kernel loads the module providing the family if needed */
	genl_init_msg(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0, &nlh);
	if (!mnl_attr_put_strz_check(nlh, GENL_REQ_SIZE, CTRL_ATTR_FAMILY_NAME,
				     family)) {
		err = -ENAMETOOLONG;
		warnx("%s: %s", family, strerror(-err));
		goto fail;
	}
	err = genl_run(g, nlh, genl_family_cb, g);
	if (err == -ENOENT) {
		warnx("%s: family not found (is the %s module available?)",
		      family, family);
		goto fail;
	}
	if (err) {
		genl_perror(g, family, err);
		goto fail;
	}
	if (!g->id) {
		err = -EPROTO;
		warnx("%s: no family id in the kernel's reply", family);
		goto fail;
	}
	return 0;

fail:
	genl_close(g);
	return err;
}

void genl_close(struct genl *g)
{
	if (g->nl)
		mnl_socket_close(g->nl);
	g->nl = NULL;
	free(g->req);
	free(g->rx);
	g->req = NULL;
	g->rx = NULL;
}
