// SPDX-License-Identifier: GPL-2.0
/*
 * The client daemon: qualification (RFC 4380 section 5.2.1, RFC 5991),
 * maintenance of the NAT mapping (section 5.2.7), NAT typing with the
 * secondary server address, failover between servers, re-qualification as
 * soon as the host's IPv4 addresses or routes change. The data path is the
 * kernel's; netdev.c talks to it.
 *
 * Every solicitation is a probe (struct probe) with its nonce and
 * deadline; answers come back as control notifications and are matched by
 * nonce. One poll() loop, no threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ifaddrs.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <sys/random.h>

#include "caps.h"
#include "client.h"
#include "log.h"
#include "teredod.h"

#define RS_TIMEOUT	4000	/* ms, RFC 4380 section 5.2.1 */
#define RS_FAST_TIMEOUT	1000	/* ms, after the host's IPv4 changed */
#define RS_TRIES	3
#define RS_FAST_TRIES	6
#define REFRESH_MS	30000	/* section 5.2.7 */
#define ROUND_PAUSE	10000	/* ms between failed qualification rounds */
#define WATCH_DELAY	100	/* ms to let a burst of changes settle */

static volatile sig_atomic_t got_term, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static uint32_t random_u32(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)rand();
	return r;
}

/* RFC 4380 5.2.7 with RFC's randomization: 75 to 100 % of 30 s */
static int64_t refresh_interval(void)
{
	return REFRESH_MS * 3 / 4 + random_u32() % (REFRESH_MS / 4 + 1);
}

static const char *ip_str(uint32_t ip, char *buf)
{
	return inet_ntop(AF_INET, &ip, buf, INET_ADDRSTRLEN);
}

static uint32_t server_ip(const struct client *c, size_t i)
{
	return c->conf.servers[i].primary.s_addr;
}

static const char *kind_name(enum probe_kind k)
{
	static const char *const names[] = {
		[PROBE_QUALIFY] = "qualification",
		[PROBE_REFRESH] = "refresh",
		[PROBE_CONE] = "cone test",
		[PROBE_SECONDARY] = "secondary address test",
	};

	return names[k];
}

/* Send a solicitation; its answer is expected within @timeout ms. */
static struct probe *probe_send(struct client *c, enum probe_kind kind,
				size_t server, uint32_t dst, bool cone,
				int64_t timeout)
{
	uint8_t rs[TEREDO_RS_LEN];
	struct probe *p = NULL;
	size_t i, len;

	for (i = 0; i < CLIENT_MAX_PROBES && !p; i++)
		if (!c->probes[i].used)
			p = &c->probes[i];
	if (!p)
		return NULL;
	if (getrandom(p->nonce, sizeof(p->nonce), 0) != sizeof(p->nonce))
		return NULL;
	len = teredo_rs_build(rs, p->nonce, cone);
	/* not sent (the device is down...): it times out like a lost one */
	client_send(c, dst, rs, len);
	p->used = true;
	p->kind = kind;
	p->server = server;
	p->dst = dst;
	p->cone = cone;
	p->sent = now_ms();
	p->deadline = p->sent + timeout;
	return p;
}

static void probes_drop(struct client *c, enum probe_kind kind)
{
	size_t i;

	for (i = 0; i < CLIENT_MAX_PROBES; i++)
		if (c->probes[i].used && c->probes[i].kind == kind)
			c->probes[i].used = false;
}

static bool probes_pending(const struct client *c, enum probe_kind kind)
{
	size_t i;

	for (i = 0; i < CLIENT_MAX_PROBES; i++)
		if (c->probes[i].used && c->probes[i].kind == kind)
			return true;
	return false;
}

/* A qualification round: a solicitation to every server at once; the
 * first to answer (the fastest) is the one we use.
 */
static void round_start(struct client *c)
{
	int64_t timeout = c->fast ? RS_FAST_TIMEOUT : RS_TIMEOUT;
	size_t i;

	c->round_at = 0;
	c->tries++;
	for (i = 0; i < c->conf.nservers; i++)
		probe_send(c, PROBE_QUALIFY, i, server_ip(c, i), false,
			   timeout);
}

static void refresh_send(struct client *c)
{
	int64_t timeout = c->fast ? RS_FAST_TIMEOUT : RS_TIMEOUT;

	c->tries++;
	probe_send(c, PROBE_REFRESH, c->server, server_ip(c, c->server),
		   false, timeout);
}

static void remember_old(struct client *c)
{
	c->old_addr = c->addr;
	c->old_mtu = c->mtu ? c->mtu : 1280;
	c->have_old = true;
}

/* Not qualified any more: the kernel stops sending, the address goes. */
static void go_down(struct client *c, const char *why)
{
	char buf[INET6_ADDRSTRLEN];

	probes_drop(c, PROBE_CONE);
	probes_drop(c, PROBE_SECONDARY);
	if (!c->up)
		return;
	log_notice("Teredo address %s withdrawn: %s",
		   inet_ntop(AF_INET6, &c->addr, buf, sizeof(buf)), why);
	c->up = false;
	client_set_state(c, NULL, TEREDO_NAT_UNKNOWN);
	client_apply(c, &c->addr);
	client_hook(c, "down");
}

/* Is @ip one of this host's IPv4 addresses (no NAT at all)? */
static bool ip_is_local(uint32_t ip)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next)
		found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr ==
			ip;
	freeifaddrs(ifa);
	return found;
}

static void nat_set(struct client *c, enum teredo_nat nat)
{
	c->nat = nat;
	log_notice("NAT type: %s", teredo_nat_name(nat));
	if (c->up)
		client_set_state(c, &c->addr, nat);
}

/* After a new mapping: what kind of NAT is this? First the cone test
 * (RFC 4380 5.2.1: the server answers from its other address), then, if
 * that answer did not pass, the secondary address: another mapping there
 * means a symmetric NAT.
 */
static void nat_test_start(struct client *c)
{
	probes_drop(c, PROBE_CONE);
	probes_drop(c, PROBE_SECONDARY);
	c->nat = TEREDO_NAT_UNKNOWN;
	if (ip_is_local(c->mapped_ip)) {
		nat_set(c, TEREDO_NAT_NONE);
		return;
	}
	probe_send(c, PROBE_CONE, c->server, server_ip(c, c->server), true,
		   RS_TIMEOUT);
}

/* A valid answer to a qualification or refresh: up, maybe a new address. */
static void qualified(struct client *c, const struct probe *p,
		      const struct teredo_ra *ra)
{
	struct teredo_addr_parts parts = {
		.server = ra->server, .ip = ra->mapped_ip,
		.port = ra->mapped_port,
	};
	unsigned int mtu = c->conf.mtu ? c->conf.mtu :
			   ra->mtu ? ra->mtu : 1280;
	char buf[INET6_ADDRSTRLEN], ipbuf[INET_ADDRSTRLEN];
	struct in6_addr old = c->addr;
	bool was_up = c->up;

	probes_drop(c, PROBE_QUALIFY);
	probes_drop(c, PROBE_REFRESH);
	c->tries = 0;
	c->fast = false;
	c->round_at = 0;
	c->last_ra = now_ms();
	c->refresh_at = c->last_ra + refresh_interval();
	if (c->up && p->server == c->server && ra->mapped_ip == c->mapped_ip &&
	    ra->mapped_port == c->mapped_port && mtu == c->mtu) {
		log_debug("mapping refreshed, %u ms", (unsigned int)
			  (c->last_ra - p->sent));
		return;
	}
	/* RFC 5991: 12 random bits, kept while the mapping holds (a new MTU,
	 * or the first answer after adopt(), keeps the address)
	 */
	if (!(was_up && p->server == c->server &&
	      ra->mapped_ip == c->mapped_ip &&
	      ra->mapped_port == c->mapped_port))
		c->random_bits = (uint16_t)random_u32();
	parts.flags = teredo_flags_random(c->random_bits);
	c->server = p->server;
	c->mapped_ip = ra->mapped_ip;
	c->mapped_port = ra->mapped_port;
	c->mtu = mtu;
	teredo_addr_build(&c->addr, &parts);
	if (was_up && !memcmp(&old, &c->addr, sizeof(old))) {
		client_apply(c, NULL);	/* only the MTU changed */
		return;
	}
	log_notice("new Teredo address %s (server %s, %u ms; mapping %s:%u)",
		   inet_ntop(AF_INET6, &c->addr, buf, sizeof(buf)),
		   c->conf.servers[c->server].name,
		   (unsigned int)(c->last_ra - p->sent),
		   ip_str(ra->mapped_ip, ipbuf), ntohs(ra->mapped_port));
	c->up = true;
	client_set_state(c, &c->addr, TEREDO_NAT_UNKNOWN);
	client_apply(c, was_up ? &old : NULL);
	client_hook(c, "up");
	remember_old(c);
	nat_test_start(c);
}

static void nat_answer(struct client *c, const struct probe *p,
		       const struct teredo_ra *ra)
{
	probes_drop(c, p->kind);
	if (p->kind == PROBE_CONE) {
		nat_set(c, TEREDO_NAT_CONE);
		return;
	}
	nat_set(c, ra->mapped_ip == c->mapped_ip &&
		ra->mapped_port == c->mapped_port ?
		TEREDO_NAT_RESTRICTED : TEREDO_NAT_SYMMETRIC);
}

/* A control packet from a server: the answer to one of our probes? */
static void control_in(struct client *c, uint32_t src, uint16_t port,
		       const uint8_t *buf, size_t len)
{
	char ipbuf[INET_ADDRSTRLEN];
	const char *why = "no solicitation pending";
	struct teredo_ra ra;
	struct probe p;
	size_t i;

	for (i = 0; i < CLIENT_MAX_PROBES; i++) {
		const char *w;

		if (!c->probes[i].used)
			continue;
		if (teredo_ra_parse(buf, len, port, c->probes[i].nonce, &ra,
				    &w)) {
			/* the reason that matters: past the nonce check */
			if (!strcmp(why, "no solicitation pending") ||
			    strcmp(w, "nonce mismatch"))
				why = w;
			continue;
		}
		p = c->probes[i];
		if (ra.server != server_ip(c, p.server)) {
			why = "prefix of another server";
			break;
		}
		if (ra.cone != p.cone) {
			why = "wrong destination";
			break;
		}
		log_debug("%s answered by %s", kind_name(p.kind),
			  ip_str(src, ipbuf));
		if (p.kind == PROBE_QUALIFY || p.kind == PROBE_REFRESH)
			qualified(c, &p, &ra);
		else
			nat_answer(c, &p, &ra);
		return;
	}
	log_warn("ignored a router advertisement from %s:%u: %s",
		 ip_str(src, ipbuf), ntohs(port), why);
}

static void probe_expired(struct client *c, struct probe *p)
{
	char ipbuf[INET_ADDRSTRLEN];
	int max = c->fast ? RS_FAST_TRIES : RS_TRIES;

	p->used = false;
	switch (p->kind) {
	case PROBE_CONE:
		/* no answer from the other address: not a cone NAT */
		probe_send(c, PROBE_SECONDARY, c->server,
			   c->conf.servers[c->server].secondary.s_addr,
			   false, RS_TIMEOUT);
		break;
	case PROBE_SECONDARY:
		log_info("no answer from the secondary server address %s",
			 ip_str(p->dst, ipbuf));
		nat_set(c, TEREDO_NAT_UNKNOWN);
		break;
	case PROBE_REFRESH:
		if (c->tries < max) {
			refresh_send(c);
			break;
		}
		log_warn("no reply from Teredo server %s",
			 c->conf.servers[c->server].name);
		c->tries = 0;
		go_down(c, "lost the server");
		round_start(c);		/* another server, maybe */
		break;
	case PROBE_QUALIFY:
		if (probes_pending(c, PROBE_QUALIFY))
			break;		/* the round is not over */
		if (c->tries < max) {
			round_start(c);
			break;
		}
		log_warn("no reply from any Teredo server; next try in %d s",
			 ROUND_PAUSE / 1000);
		c->tries = 0;
		c->fast = false;
		go_down(c, "no server answers");
		c->round_at = now_ms() + ROUND_PAUSE;
		break;
	}
}

/* The host's IPv4 addresses or routes changed: our mapping may have. */
static void path_changed(struct client *c)
{
	log_info("IPv4 addresses or routes changed: checking the mapping");
	c->fast = true;
	c->tries = 0;
	probes_drop(c, PROBE_REFRESH);
	probes_drop(c, PROBE_QUALIFY);
	if (c->up)
		refresh_send(c);
	else
		round_start(c);
}

/* Maintenance: solicit only if the server was silent for the interval. */
static void refresh_due(struct client *c)
{
	int64_t now = now_ms(), last = c->last_ra, age;
	struct in6_addr a;

	if (!client_get_state(c, &a, &age) && age >= 0 && now - age > last)
		last = now - age;
	if (now - last < REFRESH_MS * 3 / 4) {
		c->refresh_at = last + refresh_interval();
		if (c->refresh_at <= now)
			c->refresh_at = now + 1000;
		return;
	}
	c->refresh_at = 0;
	c->tries = 0;
	refresh_send(c);
}

static int64_t next_deadline(const struct client *c)
{
	int64_t t = INT64_MAX;
	size_t i;

	for (i = 0; i < CLIENT_MAX_PROBES; i++)
		if (c->probes[i].used && c->probes[i].deadline < t)
			t = c->probes[i].deadline;
	if (c->up && c->refresh_at && !probes_pending(c, PROBE_REFRESH) &&
	    c->refresh_at < t)
		t = c->refresh_at;
	if (c->round_at && c->round_at < t)
		t = c->round_at;
	if (c->watch_at && c->watch_at < t)
		t = c->watch_at;
	return t;
}

static void timers_run(struct client *c)
{
	int64_t now = now_ms();
	size_t i;

	for (i = 0; i < CLIENT_MAX_PROBES; i++)
		if (c->probes[i].used && c->probes[i].deadline <= now)
			probe_expired(c, &c->probes[i]);
	if (c->watch_at && c->watch_at <= now) {
		c->watch_at = 0;
		path_changed(c);
	}
	if (c->round_at && c->round_at <= now)
		round_start(c);
	if (c->up && c->refresh_at && c->refresh_at <= now &&
	    !probes_pending(c, PROBE_REFRESH))
		refresh_due(c);
}

void client_control_drain(struct client *c)
{
	uint8_t buf[TEREDO_CONTROL_MAX];
	uint16_t port;
	uint32_t src;
	size_t len;
	int n;

	for (;;) {
		len = sizeof(buf);
		n = client_read_control(c, &src, &port, buf, &len);
		if (n <= 0)
			break;
		control_in(c, src, port, buf, len);
	}
}

static int client_conf(struct client *c, struct teredod_conf *cf)
{
	char err[TEREDOD_ERRLEN];
	int i, rc;

	conf_defaults(cf, CONF_CLIENT);
	conf_set_warn(log_warn_str);
	for (i = 0; i < c->nservers_arg; i++) {
		rc = conf_add_server(cf, c->servers_arg[i], err, sizeof(err));
		if (rc < 0) {
			log_err("%s", err);
			return -1;
		}
		if (rc)
			log_warn("%s%s", err, rc == 1 ? " (looked up again later)" : "");
	}
	if (conf_load(cf, c->conf_path, c->nservers_arg > 0, err,
		      sizeof(err))) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

static void reload(struct client *c)
{
	struct teredod_conf cf;
	size_t i;

	log_notice("reloading %s", c->conf_path);
	if (client_conf(c, &cf))
		return;		/* keep the running configuration */
	if (strcmp(cf.ifname, c->conf.ifname) ||
	    cf.bind_port != c->conf.bind_port ||
	    cf.bind_addr.s_addr != c->conf.bind_addr.s_addr)
		log_warn("InterfaceName, BindAddress and BindPort take effect at restart");
	snprintf(cf.ifname, sizeof(cf.ifname), "%s", c->conf.ifname);
	/* same server, same index; else qualify again */
	for (i = 0; i < cf.nservers; i++)
		if (c->up && cf.servers[i].primary.s_addr ==
		    server_ip(c, c->server))
			break;
	c->conf = cf;
	memset(c->probes, 0, sizeof(c->probes));
	c->tries = 0;
	if (c->up && i < cf.nservers) {
		c->server = i;
		refresh_send(c);
	} else {
		go_down(c, "server no longer configured");
		round_start(c);
	}
}

/* A qualified state left by an earlier teredod: keep its address if the
 * server still gives the same mapping.
 */
static void adopt(struct client *c)
{
	struct teredo_addr_parts parts;
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;
	int64_t age;
	size_t i;

	if (client_get_state(c, &a, &age) || !teredo_is_teredo(&a))
		return;
	teredo_addr_split(&a, &parts);
	for (i = 0; i < c->conf.nservers; i++)
		if (server_ip(c, i) == parts.server)
			break;
	if (i == c->conf.nservers)
		return;
	log_notice("resuming with Teredo address %s",
		   inet_ntop(AF_INET6, &a, buf, sizeof(buf)));
	c->up = true;
	c->server = i;
	c->addr = a;
	c->mapped_ip = parts.ip;
	c->mapped_port = parts.port;
	c->random_bits = parts.flags;
	c->mtu = 0;
	strcpy(c->old_state, "up");
	remember_old(c);
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int client_loop(struct client *c)
{
	struct pollfd pfd[2] = {
		{ .fd = mnl_socket_get_fd(c->ev.nl), .events = POLLIN },
		{ .fd = rtnl_watch_fd(&c->watch), .events = POLLIN },
	};
	sigset_t empty;

	sigemptyset(&empty);
	while (!got_term) {
		int64_t d = next_deadline(c), t = d - now_ms();
		struct timespec ts = { 0, 0 };
		int n;

		if (t > 0) {
			ts.tv_sec = t / 1000;
			ts.tv_nsec = (t % 1000) * 1000000;
		}
		n = ppoll(pfd, 2, d == INT64_MAX ? NULL : &ts, &empty);
		if (n < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		if (got_hup) {
			got_hup = 0;
			reload(c);
		}
		if (n > 0 && pfd[0].revents)
			client_control_drain(c);
		if (n > 0 && pfd[1].revents &&
		    rtnl_watch_read(&c->watch, c->ifindex) > 0 && !c->watch_at)
			c->watch_at = now_ms() + WATCH_DELAY;
		timers_run(c);
	}
	return 0;
}

void client_usage(FILE *f)
{
	fputs("  teredod [-c FILE] [-f] [-p FILE] [-v] [SERVER...]\n"
	      "                                  the Teredo client daemon\n",
	      f);
}

int cmd_client(int argc, char **argv, const struct opts *opts)
{
	static struct client cl;
	struct client *c = &cl;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;
	int rc;

	c->conf_path = opts->conf ? opts->conf : TEREDOD_CONF_CLIENT;
	c->servers_arg = argv;
	c->nservers_arg = argc;
	log_open(true, LOG_DAEMON, opts->verbose);
	if (client_conf(c, &c->conf))
		return 1;
	log_open(true, c->conf.facility, opts->verbose);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (client_dev_open(c)) {
		client_dev_close(c);
		return 1;
	}
	if (caps_keep(1ULL << CAP_NET_ADMIN))
		log_warn("cannot drop capabilities: %s", strerror(errno));
	if (!opts->foreground) {
		if (daemon(0, 0)) {
			log_err("daemon: %s", strerror(errno));
			return 1;
		}
		log_open(false, c->conf.facility, opts->verbose);
	}
	if (opts->pidfile && write_pidfile(opts->pidfile))
		return 1;

	adopt(c);
	if (c->up) {
		client_apply(c, NULL);
		client_hook(c, "up");
		refresh_send(c);
	} else {
		client_set_state(c, NULL, TEREDO_NAT_UNKNOWN);
		round_start(c);
	}
	rc = client_loop(c);

	log_notice("exiting");
	go_down(c, "exiting");
	client_hook(c, "destroy");
	client_dev_close(c);
	if (opts->pidfile)
		unlink(opts->pidfile);
	log_close();
	return rc;
}
