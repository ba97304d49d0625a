// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side of the client daemon: the client-mode device (created if
 * missing), its control channel over generic netlink (solicitations out
 * through the device's socket, the servers' answers in), the qualified
 * state, and the address, routes and MTU over rtnetlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>

#include "client.h"
#include "hook.h"
#include "log.h"
#include "nlack.h"
#include "teredod.h"

static int client_genl_open(struct client *c)
{
	int err;

	err = genl_open(&c->g, TEREDO_GENL_NAME, TEREDO_GENL_VERSION);
	if (err)
		return err;
	err = genl_open(&c->ev, TEREDO_GENL_NAME, TEREDO_GENL_VERSION);
	if (err)
		return err;
	err = genl_subscribe(&c->ev, TEREDO_MCGRP_CONTROL);
	if (err) {
		log_err("cannot join the %s group of the teredo family: %s",
			TEREDO_MCGRP_CONTROL, strerror(-err));
		return err;
	}
	/* notifications are read as they come, never blocking */
	fcntl(mnl_socket_get_fd(c->ev.nl), F_SETFL, O_NONBLOCK);
	return 0;
}

/* Find the device, or create it; check it is a client; bring it up. */
int client_dev_open(struct client *c)
{
	struct teredod_conf *cf = &c->conf;
	struct in6_addr a;
	int64_t age;
	int err;

	err = rtnl_open(&c->rt);
	if (!err)
		err = rtnl_watch_open(&c->watch);
	if (err) {
		log_err("rtnetlink: %s", strerror(-err));
		return err;
	}
	/* the family first: it loads the module */
	err = client_genl_open(c);
	if (err)
		return err;
	c->ifindex = rtnl_link_index(&c->rt, cf->ifname);
	if (c->ifindex == -ENODEV) {
		c->ifindex = rtnl_link_create_client(&c->rt, cf->ifname,
						     cf->bind_addr.s_addr,
						     htons(cf->bind_port));
		if (c->ifindex < 0) {
			log_err("%s: cannot create the device: %s%s%s",
				cf->ifname, c->rt.ext_msg[0] ? c->rt.ext_msg : "",
				c->rt.ext_msg[0] ? ": " : "",
				strerror(-c->ifindex));
			return c->ifindex;
		}
		log_info("%s: created", cf->ifname);
	} else if (c->ifindex < 0) {
		log_err("%s: %s", cf->ifname, strerror(-c->ifindex));
		return c->ifindex;
	}
	err = rtnl_link_set(&c->rt, c->ifindex, true, 0);
	if (err) {
		log_err("%s: cannot bring it up: %s", cf->ifname,
			strerror(-err));
		return err;
	}
	/* a relay of the same name, say: refuse now, not at every RS */
	return client_get_state(c, &a, &age);
}

void client_dev_close(struct client *c)
{
	genl_close(&c->g);
	genl_close(&c->ev);
	rtnl_close(&c->rt);
	rtnl_close(&c->watch);
}

static int client_genl_err(struct client *c, const char *what, int err)
{
	if (err)
		log_warn("%s: %s%s%s", what, c->g.ext_msg,
			 c->g.ext_msg[0] ? ": " : "", strerror(-err));
	return err;
}

static int ignore_reply(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

int client_send(struct client *c, uint32_t dst, const void *buf, size_t len)
{
	struct nlmsghdr *nlh;

	nlh = genl_request(&c->g, TEREDO_CMD_SEND, 0);
	mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, c->ifindex);
	mnl_attr_put_u32(nlh, TEREDO_A_REMOTE_IP, dst);
	mnl_attr_put_u16(nlh, TEREDO_A_REMOTE_PORT, htons(3544));
	mnl_attr_put(nlh, TEREDO_A_PAYLOAD, len, buf);
	return client_genl_err(c, "sending a solicitation",
			       genl_run(&c->g, nlh, ignore_reply, NULL));
}

int client_set_state(struct client *c, const struct in6_addr *addr,
		     enum teredo_nat nat)
{
	struct nlmsghdr *nlh;

	nlh = genl_request(&c->g, TEREDO_CMD_SET_CLIENT, 0);
	mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, c->ifindex);
	mnl_attr_put_u8(nlh, TEREDO_A_QUALIFIED, addr != NULL);
	if (addr) {
		mnl_attr_put(nlh, TEREDO_A_ADDR, sizeof(*addr), addr);
		mnl_attr_put_u8(nlh, TEREDO_A_NAT, nat);
	}
	return client_genl_err(c, "setting the client state",
			       genl_run(&c->g, nlh, ignore_reply, NULL));
}

static int get_dev_cb(const struct nlmsghdr *nlh, void *data)
{
	return teredo_dev_parse(nlh, data) ? MNL_CB_ERROR : MNL_CB_OK;
}

int client_get_state(struct client *c, struct in6_addr *addr,
		     int64_t *server_age)
{
	struct teredo_dev d;
	struct nlmsghdr *nlh;
	int err;

	memset(&d, 0, sizeof(d));
	nlh = genl_request(&c->g, TEREDO_CMD_GET_DEV, 0);
	mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, c->ifindex);
	err = genl_run(&c->g, nlh, get_dev_cb, &d);
	if (!err && !(d.have & (1U << TEREDO_A_QUALIFIED))) {
		log_err("%s is not a client-mode teredo device",
			c->conf.ifname);
		err = -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	*server_age = -1;
	if (!err && d.qualified && (d.have & (1U << TEREDO_A_ADDR)))
		*addr = d.addr;
	if (!err && (d.have & (1U << TEREDO_A_SERVER_AGE)))
		*server_age = (int64_t)d.server_age;
	teredo_dev_free(&d);
	return client_genl_err(c, "reading the device state", err);
}

struct control {
	int ifindex;
	bool ours;
	uint32_t src;
	uint16_t port;
	uint8_t *buf;
	size_t len;
};

static int control_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	struct control *ctl = data;
	const struct nlattr *a;
	unsigned int have = 0;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    gh->cmd != TEREDO_CMD_CONTROL)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		unsigned int type = mnl_attr_get_type(a);
		size_t len = mnl_attr_get_payload_len(a);

		if (type == TEREDO_A_IFINDEX && len == 4 &&
		    (int)mnl_attr_get_u32(a) == ctl->ifindex)
			have |= 1;
		else if (type == TEREDO_A_REMOTE_IP && len == 4)
			ctl->src = mnl_attr_get_u32(a), have |= 2;
		else if (type == TEREDO_A_REMOTE_PORT && len == 2)
			ctl->port = mnl_attr_get_u16(a), have |= 4;
		else if (type == TEREDO_A_PAYLOAD && len <= ctl->len) {
			memcpy(ctl->buf, mnl_attr_get_payload(a), len);
			ctl->len = len;
			have |= 8;
		}
	}
	ctl->ours = have == 15;
	return MNL_CB_OK;
}

int client_read_control(struct client *c, uint32_t *src, uint16_t *port,
			uint8_t *buf, size_t *len)
{
	struct control ctl = {
		.ifindex = c->ifindex, .buf = buf, .len = *len,
	};
	ssize_t n;

	n = mnl_socket_recvfrom(c->ev.nl, c->ev.rx, GENL_RX_SIZE);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno == ENOBUFS) {
			log_warn("control notifications were lost");
			return 0;
		}
		return -errno;
	}
	/* notifications: sequence 0, port id 0 */
	if (!nl_msgs_ok(c->ev.rx, (size_t)n) ||
	    mnl_cb_run(c->ev.rx, n, 0, 0, control_cb, &ctl) < 0 || !ctl.ours)
		return client_read_control(c, src, port, buf, len);
	*src = ctl.src;
	*port = ctl.port;
	*len = ctl.len;
	return 1;
}

/* Our link-local address, Miredo's non-cone one. */
static int client_lladdr(struct client *c, bool add)
{
	return rtnl_addr6(&c->rt, add, c->ifindex, &teredo_ll_restricted, 64,
			  IFA_F_NODAD);
}

/*
 * Up: the Teredo address /32 (2001::/32 on link), link-local, default
 * route metric 1029 (any other default route wins, like Miredo), MTU; the
 * old address, if another, goes. Down: address and default route go.
 */
int client_apply(struct client *c, const struct in6_addr *old)
{
	static const struct in6_addr any;
	int err = 0;

	if (c->up) {
		if (c->mtu)
			err = rtnl_link_set(&c->rt, c->ifindex, true, c->mtu);
		if (!err)
			err = rtnl_addr6(&c->rt, true, c->ifindex, &c->addr, 32,
					 IFA_F_NODAD);
		if (!err)
			err = client_lladdr(c, true);
		if (!err && old && memcmp(old, &c->addr, sizeof(*old)))
			rtnl_addr6(&c->rt, false, c->ifindex, old, 32, 0);
		if (!err) {
			err = rtnl_route6(&c->rt, true, c->ifindex, &any, 0,
					  CLIENT_LL_METRIC);
			if (err == -EEXIST)
				err = 0;
		}
	} else {
		if (old)
			rtnl_addr6(&c->rt, false, c->ifindex, old, 32, 0);
		rtnl_route6(&c->rt, false, c->ifindex, &any, 0,
			    CLIENT_LL_METRIC);
	}
	if (err)
		log_err("%s: cannot set the address or route: %s%s%s",
			c->conf.ifname, c->rt.ext_msg,
			c->rt.ext_msg[0] ? ": " : "", strerror(-err));
	return err;
}

/* Run the hook for a change to @state, with Miredo's variables. */
void client_hook(struct client *c, const char *state)
{
	char addr[INET6_ADDRSTRLEN], old[INET6_ADDRSTRLEN];
	char ll[INET6_ADDRSTRLEN];
	struct hook_env env = {
		.state = state,
		.old_state = c->old_state[0] ? c->old_state : "down",
		.iface = c->conf.ifname,
		.ifindex = (unsigned int)c->ifindex,
	};

	inet_ntop(AF_INET6, &teredo_ll_restricted, ll, sizeof(ll));
	if (!strcmp(state, "up")) {
		env.address = inet_ntop(AF_INET6, &c->addr, addr, sizeof(addr));
		env.lladdress = ll;
		env.mtu = c->mtu ? c->mtu : 1280;
	}
	if (c->have_old) {
		env.old_address = inet_ntop(AF_INET6, &c->old_addr, old,
					    sizeof(old));
		env.old_lladdress = ll;
		env.old_mtu = c->old_mtu;
	}
	hook_run(c->conf.hook, &env, 30);
	snprintf(c->old_state, sizeof(c->old_state), "%s", state);
}
