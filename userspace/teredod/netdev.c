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
#include <unistd.h>
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

/* LocalDiscovery as configured, unless done: as root (at start, then in
 * the helper at each address).
 */
static void discovery_apply(struct client *c)
{
	int err;

	if (c->discovery_set)
		return;
	err = rtnl_link_set_discovery(&c->rt, c->ifindex, c->conf.discovery);
	c->discovery_set = !err;
	if (err)
		log_warn("%s: LocalDiscovery %s: %s%s%s", c->conf.ifname,
			 c->conf.discovery ? "enabled" : "disabled",
			 c->rt.ext_msg[0] ? c->rt.ext_msg : "",
			 c->rt.ext_msg[0] ? ": " : "", strerror(-err));
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
	/* LocalDiscovery, as configured; without it the client still works
	 * (and it is tried again once qualified: at boot, the route to the
	 * group may not exist yet)
	 */
	discovery_apply(c);
	/* a relay of the same name, say: refuse now, not at every RS */
	return kdev_get_state(c, &a, &age);
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

/* A solicitation from the device's socket; the kernel takes its answers. */
static int genl_send(struct client *c, uint32_t dst, const uint8_t *rs,
		     size_t len)
{
	struct nlmsghdr *nlh;

	nlh = genl_request(&c->g, TEREDO_CMD_SEND, 0);
	mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, c->ifindex);
	mnl_attr_put_u32(nlh, TEREDO_A_REMOTE_IP, dst);
	mnl_attr_put_u16(nlh, TEREDO_A_REMOTE_PORT, htons(TEREDO_PORT));
	mnl_attr_put(nlh, TEREDO_A_PAYLOAD, len, rs);
	return genl_run(&c->g, nlh, ignore_reply, NULL);
}

int kdev_solicit(struct client *c, uint32_t dst,
		 const uint8_t nonce[TEREDO_NONCE_LEN])
{
	uint8_t rs[TEREDO_RS_LEN];
	size_t len = teredo_rs_build(rs, nonce, false);
	int err = genl_send(c, dst, rs, len);

	/*
	 * A kernel that sends nothing while the device is down, which a
	 * hook's "down" does (Miredo's: ip link set dev $IFACE down): the
	 * device comes up again to qualify (its data path stays closed: not
	 * qualified). Kernels that send while down never get here.
	 */
	if (err == -ENETDOWN && !rtnl_link_set(&c->rt, c->ifindex, true, 0)) {
		log_info("%s was down: brought up to send solicitations",
			 c->conf.ifname);
		err = genl_send(c, dst, rs, len);
	}
	return client_genl_err(c, "sending a solicitation", err);
}

int kdev_set_state(struct client *c, const struct in6_addr *addr,
		   enum teredo_nat nat, bool dormant)
{
	struct nlmsghdr *nlh;

	nlh = genl_request(&c->g, TEREDO_CMD_SET_CLIENT, 0);
	mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, c->ifindex);
	mnl_attr_put_u8(nlh, TEREDO_A_QUALIFIED, addr != NULL);
	if (addr) {
		mnl_attr_put(nlh, TEREDO_A_ADDR, sizeof(*addr), addr);
		mnl_attr_put_u8(nlh, TEREDO_A_NAT, nat);
		/* a kernel without on-demand qualification refuses it */
		if (dormant)
			mnl_attr_put_u8(nlh, TEREDO_A_DORMANT, 1);
	}
	return client_genl_err(c, "setting the client state",
			       genl_run(&c->g, nlh, ignore_reply, NULL));
}

static int get_dev_cb(const struct nlmsghdr *nlh, void *data)
{
	return teredo_dev_parse(nlh, data) ? MNL_CB_ERROR : MNL_CB_OK;
}

/* The device's state (TEREDO_CMD_GET_DEV) into @d, zeroed first; the
 * caller frees it with teredo_dev_free().
 */
static int kdev_get_dev(struct client *c, struct teredo_dev *d)
{
	struct nlmsghdr *nlh;

	memset(d, 0, sizeof(*d));
	nlh = genl_request(&c->g, TEREDO_CMD_GET_DEV, 0);
	mnl_attr_put_u32(nlh, TEREDO_A_IFINDEX, c->ifindex);
	return genl_run(&c->g, nlh, get_dev_cb, d);
}

int kdev_get_state(struct client *c, struct in6_addr *addr,
		   int64_t *server_age)
{
	struct teredo_dev d;
	int err;

	err = kdev_get_dev(c, &d);
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
	if (!err && (d.have & (1U << TEREDO_A_LOCAL_PORT))) {
		c->local_port = d.local_port;
		c->local_ip = d.local_ip.s_addr;
	}
	teredo_dev_free(&d);
	return client_genl_err(c, "reading the device state", err);
}

int kdev_get_idle(struct client *c, int64_t *idle_ms, bool *dormant)
{
	struct teredo_dev d;
	int err;

	err = kdev_get_dev(c, &d);
	*idle_ms = err ? 0 : (int64_t)d.idle_ms;
	*dormant = !err && d.dormant;
	if (!err && !(d.have & (1U << TEREDO_A_IDLE_MS)))
		err = -EOPNOTSUPP;	/* an older module: the caller says */
	teredo_dev_free(&d);
	if (err == -EOPNOTSUPP)
		return err;
	return client_genl_err(c, "reading the device's idle time", err);
}

struct control {
	int ifindex;
	bool wake;
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

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return MNL_CB_OK;
	if (gh->cmd == TEREDO_CMD_WAKE) {
		mnl_attr_for_each(a, nlh, GENL_HDRLEN)
			if (mnl_attr_get_type(a) == TEREDO_A_IFINDEX &&
			    mnl_attr_get_payload_len(a) == 4 &&
			    (int)mnl_attr_get_u32(a) == ctl->ifindex)
				ctl->wake = ctl->ours = true;
		return MNL_CB_OK;
	}
	if (gh->cmd != TEREDO_CMD_CONTROL)
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
	if (ctl.wake)
		return CLIENT_WAKE;
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

static bool addr_set(const struct in6_addr *a)
{
	static const struct in6_addr any;

	return memcmp(a, &any, sizeof(any));
}

/*
 * Up: the Teredo address /32 (2001::/32 on link), link-local, default
 * route metric 1029 (any other default route wins, like Miredo), MTU; the
 * old address, if another, goes. Down: address and default route go.
 */
int kdev_apply(struct client *c, const struct client_update *u)
{
	static const struct in6_addr any;
	unsigned int mtu = u->mtu;
	int err = 0;

	if (mtu > TEREDO_DEV_MAX_MTU)
		mtu = TEREDO_DEV_MAX_MTU;
	if (u->up) {
		discovery_apply(c);
		err = rtnl_link_set(&c->rt, c->ifindex, true, mtu);
		if (!err)
			err = rtnl_addr6(&c->rt, true, c->ifindex, &u->addr, 32,
					 IFA_F_NODAD);
		if (!err)
			err = client_lladdr(c, true);
		if (!err && addr_set(&u->old) &&
		    memcmp(&u->old, &u->addr, sizeof(u->old)))
			rtnl_addr6(&c->rt, false, c->ifindex, &u->old, 32, 0);
		if (!err) {
			err = rtnl_route6(&c->rt, true, c->ifindex, &any, 0,
					  CLIENT_LL_METRIC);
			if (err == -EEXIST)
				err = 0;
		}
		if (!err)
			kdev_save_addr(c, &u->addr);
	} else {
		if (addr_set(&u->old))
			rtnl_addr6(&c->rt, false, c->ifindex, &u->old, 32, 0);
		rtnl_route6(&c->rt, false, c->ifindex, &any, 0,
			    CLIENT_LL_METRIC);
	}
	if (err)
		log_err("%s: cannot set the address or route: %s%s%s",
			c->conf.ifname, c->rt.ext_msg,
			c->rt.ext_msg[0] ? ": " : "", strerror(-err));
	return err;
}

static const char *const hook_names[] = {
	[HOOK_UP] = "up", [HOOK_DOWN] = "down", [HOOK_DESTROY] = "destroy",
	[HOOK_RESUMED] = "up",
};

void kdev_hook_env(struct client *c, const struct client_update *u,
		   struct hook_env *env, char bufs[4][46])
{
	hook_env_next(&c->hook_old, env, hook_names[u->hook], c->conf.ifname,
		      (unsigned int)c->ifindex, &u->addr, u->mtu, bufs);
}

/* The last address, in a file of root's directory: a restart keeps its
 * random bits if the server and the mapping are the same.
 */
void kdev_save_addr(struct client *c, const struct in6_addr *addr)
{
	char buf[INET6_ADDRSTRLEN + 1], tmp[sizeof(c->addr_path) + 8];
	int fd, len;

	if (!c->addr_path[0])
		return;
	inet_ntop(AF_INET6, addr, buf, INET6_ADDRSTRLEN);
	len = (int)strlen(buf);
	buf[len++] = '\n';
	snprintf(tmp, sizeof(tmp), "%s.new", c->addr_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0)
		return;
	if (write(fd, buf, len) != len || close(fd) ||
	    rename(tmp, c->addr_path)) {
		log_debug("%s: %s", c->addr_path, strerror(errno));
		unlink(tmp);
	}
}

bool kdev_load_addr(const char *path, struct in6_addr *addr)
{
	char buf[INET6_ADDRSTRLEN + 2];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return inet_pton(AF_INET6, buf, addr) == 1 && teredo_is_teredo(addr);
}
