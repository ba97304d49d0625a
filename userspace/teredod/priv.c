// SPDX-License-Identifier: GPL-2.0
/*
 * The client's privilege separation, as Miredo's miredo-privproc.
 *
 * teredod opens everything as root (the device, its generic netlink and
 * rtnetlink sockets, the control group, the IPv4 watch, the PID file),
 * then forks this helper, which stays root with CAP_NET_ADMIN alone and
 * parses no network input: it reads fixed-size requests from a
 * socketpair, checks each one, and does it with its own sockets:
 *
 *	SEND	a router solicitation with the given nonce (built here) to
 *		a global IPv4 address, port 3544 (TEREDO_CMD_SEND)
 *	STATE	qualified with a Teredo address whose server is global, or
 *		not (TEREDO_CMD_SET_CLIENT)
 *	GET	the kernel's state (TEREDO_CMD_GET_DEV)
 *	IDLE	how long the host sent nothing, dormant or not (the same)
 *	UPDATE	a Teredo address, MTU within 1280-65535, routes, on the
 *		device opened at start only, then the hook named in the
 *		configuration at start (not one the request could name)
 *	EXIT	run what is queued, remove the PID file, exit
 *
 * The daemon itself (the parent: the PID that is signalled) drops to an
 * unprivileged user with no capability at all, keeping the control
 * group's and the IPv4 watch's sockets (reading a group needs no
 * privilege), and does everything else: parsing the servers' answers,
 * the state machine, DNS. If it dies, the helper sees the socket close
 * and exits without touching the device (kill -9 changes nothing on the
 * data path).
 *
 * Updates and hooks run in order, one at a time, but the helper does not
 * wait for a hook: SEND, STATE and GET are answered while a hook runs, so
 * a slow hook (up to its 30 s limit) does not stall the maintenance.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "caps.h"
#include "client.h"
#include "hook.h"
#include "log.h"

#define PRIV_QUEUE	16	/* updates waiting for a hook */

enum priv_op {
	PRIV_SEND = 1,
	PRIV_STATE,
	PRIV_GET,
	PRIV_UPDATE,
	PRIV_EXIT,
	PRIV_IDLE,
};

struct priv_msg {
	uint32_t op;
	uint32_t ip;			/* SEND: destination */
	uint8_t nonce[TEREDO_NONCE_LEN];/* SEND */
	uint8_t qualified;		/* STATE */
	uint8_t nat;			/* STATE */
	uint8_t dormant;		/* STATE */
	uint8_t up;			/* UPDATE */
	uint8_t hook;			/* UPDATE: enum hook_state */
	struct in6_addr addr;		/* STATE, UPDATE */
	struct in6_addr old;		/* UPDATE */
	uint32_t mtu;			/* UPDATE */
};

struct priv_reply {
	int32_t err;
	struct in6_addr addr;		/* GET */
	int64_t age;			/* GET */
	int64_t idle;			/* IDLE */
	uint8_t dormant;		/* IDLE */
};

int priv_call(struct client *c, const struct priv_msg *m,
	      struct priv_reply *r)
{
	ssize_t n;

	if (send(c->priv, m, sizeof(*m), MSG_NOSIGNAL) != sizeof(*m))
		goto gone;
	do {
		n = recv(c->priv, r, sizeof(*r), 0);
	} while (n < 0 && errno == EINTR);
	if (n != sizeof(*r))
		goto gone;
	return r->err;
gone:
	log_err("the privileged helper is gone");
	exit(1);
}

/* ---- the daemon's side ---------------------------------------------- */

int client_solicit(struct client *c, uint32_t dst,
		   const uint8_t nonce[TEREDO_NONCE_LEN])
{
	struct priv_msg m = { .op = PRIV_SEND, .ip = dst };
	struct priv_reply r;

	if (!c->sep)
		return kdev_solicit(c, dst, nonce);
	memcpy(m.nonce, nonce, TEREDO_NONCE_LEN);
	return priv_call(c, &m, &r);
}

static int set_state(struct client *c, const struct in6_addr *addr,
		     enum teredo_nat nat, bool dormant)
{
	struct priv_msg m = { .op = PRIV_STATE, .nat = nat };
	struct priv_reply r;

	if (!c->sep)
		return kdev_set_state(c, addr, nat, dormant);
	if (addr) {
		m.qualified = 1;
		m.addr = *addr;
		m.dormant = dormant;
	}
	return priv_call(c, &m, &r);
}

int client_set_state(struct client *c, const struct in6_addr *addr,
		     enum teredo_nat nat)
{
	return set_state(c, addr, nat, false);
}

int client_set_dormant(struct client *c, const struct in6_addr *addr,
		       enum teredo_nat nat)
{
	return set_state(c, addr, nat, true);
}

int client_get_idle(struct client *c, int64_t *idle_ms, bool *dormant)
{
	struct priv_msg m = { .op = PRIV_IDLE };
	struct priv_reply r;
	int err;

	if (!c->sep)
		return kdev_get_idle(c, idle_ms, dormant);
	err = priv_call(c, &m, &r);
	*idle_ms = r.idle;
	*dormant = r.dormant;
	return err;
}

int client_get_state(struct client *c, struct in6_addr *addr,
		     int64_t *server_age)
{
	struct priv_msg m = { .op = PRIV_GET };
	struct priv_reply r;
	int err;

	if (!c->sep)
		return kdev_get_state(c, addr, server_age);
	err = priv_call(c, &m, &r);
	*addr = r.addr;
	*server_age = r.age;
	return err;
}

static void hook_now(struct client *c, const struct client_update *u)
{
	char bufs[4][46];
	struct hook_env env;

	if (u->hook == HOOK_NONE)
		return;
	kdev_hook_env(c, u, &env, bufs);
	if (u->hook != HOOK_RESUMED)
		hook_run(c->conf.hook, &env, CLIENT_HOOK_TIMEOUT);
}

int client_update(struct client *c, const struct client_update *u)
{
	struct priv_msg m = {
		.op = PRIV_UPDATE, .up = u->up, .hook = u->hook,
		.addr = u->addr, .old = u->old, .mtu = u->mtu,
	};
	struct priv_reply r;
	int err;

	if (c->sep)
		return priv_call(c, &m, &r);
	err = kdev_apply(c, u);
	hook_now(c, u);
	return err;
}

/* ---- the helper ------------------------------------------------------ */

static bool any_addr(const struct in6_addr *a)
{
	static const struct in6_addr any;

	return !memcmp(a, &any, sizeof(any));
}

/* A Teredo address the kernel could use: its server global unicast. */
static bool teredo_ok(const struct in6_addr *a)
{
	struct teredo_addr_parts p;

	if (!teredo_is_teredo(a))
		return false;
	teredo_addr_split(a, &p);
	return ipv4_is_global(p.server);
}

/* Is @m a request the helper may carry out? */
static bool priv_valid(const struct priv_msg *m)
{
	switch (m->op) {
	case PRIV_SEND:
		return ipv4_is_global(m->ip);
	case PRIV_STATE:
		return m->qualified <= 1 && m->nat <= TEREDO_NAT_MAX &&
		       m->dormant <= m->qualified &&
		       (!m->qualified || teredo_ok(&m->addr));
	case PRIV_GET:
	case PRIV_IDLE:
	case PRIV_EXIT:
		return true;
	case PRIV_UPDATE:
		return m->up <= 1 && m->hook <= HOOK_RESUMED &&
		       (any_addr(&m->old) || teredo_ok(&m->old)) &&
		       (!m->up || (teredo_ok(&m->addr) &&
				   (!m->mtu || teredo_mtu_valid(m->mtu))));
	}
	return false;
}

struct helper {
	struct client *c;
	struct client_update q[PRIV_QUEUE];
	unsigned int head, n;
	struct hook_proc hook;		/* running, or pid -1 */
};

/* Updates and their hooks, in order: the next while no hook runs. */
static void helper_run(struct helper *h)
{
	struct client_update *u;
	struct hook_env env;
	char bufs[4][46];

	while (h->n && h->hook.pid < 0) {
		u = &h->q[h->head];
		h->head = (h->head + 1) % PRIV_QUEUE;
		h->n--;
		kdev_apply(h->c, u);
		if (u->hook == HOOK_NONE)
			continue;
		kdev_hook_env(h->c, u, &env, bufs);
		if (u->hook != HOOK_RESUMED)
			hook_start(&h->hook, h->c->conf.hook, &env,
				   CLIENT_HOOK_TIMEOUT);
	}
}

static void helper_request(struct helper *h, const struct priv_msg *m,
			   bool *exiting)
{
	struct client *c = h->c;
	struct priv_reply r;
	struct client_update *u;

	/* the padding too: nothing of the helper's stack goes out */
	memset(&r, 0, sizeof(r));
	if (!priv_valid(m)) {
		log_err("privileged helper: request %u refused", m->op);
		r.err = -EINVAL;
	} else if (m->op == PRIV_SEND) {
		r.err = kdev_solicit(c, m->ip, m->nonce);
	} else if (m->op == PRIV_STATE) {
		r.err = kdev_set_state(c, m->qualified ? &m->addr : NULL,
				       m->nat, m->dormant);
	} else if (m->op == PRIV_GET) {
		r.err = kdev_get_state(c, &r.addr, &r.age);
	} else if (m->op == PRIV_IDLE) {
		bool dormant = false;

		r.err = kdev_get_idle(c, &r.idle, &dormant);
		r.dormant = dormant;
	} else if (m->op == PRIV_EXIT) {
		*exiting = true;
	} else if (h->n == PRIV_QUEUE) {
		r.err = -ENOBUFS;
	} else {
		u = &h->q[(h->head + h->n++) % PRIV_QUEUE];
		memset(u, 0, sizeof(*u));
		u->up = m->up;
		u->hook = m->hook;
		u->addr = m->addr;
		u->old = m->old;
		u->mtu = m->mtu;
	}
	(void)!send(c->priv, &r, sizeof(r), MSG_NOSIGNAL);
}

static void __attribute__((noreturn)) helper_main(struct client *c)
{
	struct helper h = { .c = c };
	bool exiting = false, gone = false;
	struct priv_msg m;
	ssize_t n;

	h.hook.pid = -1;
	h.hook.pidfd = -1;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = gone || exiting ? -1 : c->priv,
			  .events = POLLIN },
			{ .fd = h.hook.pid >= 0 ? h.hook.pidfd : -1,
			  .events = POLLIN },
		};
		int timeout = -1;

		if (h.hook.pid >= 0) {
			long long left = h.hook.deadline - now_ms();

			timeout = h.hook.pidfd < 0 ? 100 :
				  left < 0 ? 0 : (int)left;
		} else if (exiting || gone) {
			break;
		}
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			n = recv(c->priv, &m, sizeof(m), MSG_DONTWAIT);
			if (n == sizeof(m))
				helper_request(&h, &m, &exiting);
			else if (n == 0 || (n < 0 && errno != EAGAIN &&
					    errno != EINTR))
				gone = true;	/* the daemon died */
		}
		if (h.hook.pid >= 0)
			hook_poll(&h.hook);
		if (!gone)
			helper_run(&h);
	}
	/* a clean exit: the PID file goes (it is in root's directory) */
	if (exiting)
		pidfile_remove(&c->pf);
	_exit(exiting ? 0 : 1);
}

int priv_start(struct client *c)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		log_err("socketpair: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (!pid) {
		/* the helper: root, CAP_NET_ADMIN, no network input */
		close(sv[0]);
		c->priv = sv[1];
		genl_close(&c->ev);
		rtnl_close(&c->watch);
		prctl(PR_SET_NAME, "teredod-priv", 0, 0, 0);
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGCHLD, SIG_DFL);
		if (caps_keep(1ULL << CAP_NET_ADMIN))
			log_warn("privileged helper: cannot drop capabilities: %s",
				 strerror(errno));
		helper_main(c);
	}
	close(sv[1]);
	c->priv = sv[0];
	c->priv_pid = pid;
	c->sep = true;
	/* the daemon keeps no socket that changes the kernel's state */
	genl_close(&c->g);
	rtnl_close(&c->rt);
	return 0;
}

void priv_stop(struct client *c)
{
	struct priv_msg m = { .op = PRIV_EXIT };
	struct priv_reply r;
	int status;

	if (!c->sep)
		return;
	priv_call(c, &m, &r);
	close(c->priv);
	while (waitpid(c->priv_pid, &status, 0) < 0 && errno == EINTR)
		;
	c->sep = false;
}
