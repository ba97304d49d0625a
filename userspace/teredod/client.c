// SPDX-License-Identifier: GPL-2.0
/*
 * The client daemon: qualification (RFC 4380 section 5.2.1, without the
 * cone bit: RFC 5991), maintenance of the NAT mapping (section 5.2.7), NAT
 * typing with the secondary server address, failover between servers,
 * re-qualification as soon as the host's IPv4 addresses or routes change,
 * server names looked up again on failover and every RESOLVE_PERIOD. The
 * data path is the kernel's; the helper (priv.c) talks to it.
 *
 * Every solicitation is a probe (struct probe) with its nonce and
 * deadline; answers come back as control notifications and are matched by
 * nonce. One poll() loop, no threads; names are looked up by a child
 * process, so that a slow DNS does not stall the maintenance.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/wait.h>

#include "caps.h"
#include "client.h"
#include "log.h"
#include "notify.h"
#include "teredod.h"

#define RS_TIMEOUT	4000	/* ms, RFC 4380 section 5.2.1 */
#define RS_FAST_TIMEOUT	1000	/* ms, after the host's IPv4 changed */
#define RS_TRIES	3
#define RS_FAST_TRIES	6
#define REFRESH_MS	30000	/* section 5.2.7 */
#define ROUND_PAUSE	10000	/* ms between failed qualification rounds */
#define WATCH_DELAY	100	/* ms to let a burst of changes settle */
#define RESOLVE_PERIOD	600000	/* ms: server names looked up again */
#define RESOLVE_RETRY	1000	/* ms, doubled after each failure... */
#define RESOLVE_RETRY_MAX 64000	/* ... up to this */
#define REFUSED_BURST	10	/* refusals logged at once, then one a s */
#define READY_WAIT	15000	/* ms: ready for systemd, qualified or not */
#define UPNP_RETRY	600000	/* ms: no gateway, look again */
#define UPNP_RETRY_SOON	60000	/* ms: a renewal failed, the lease holds */
#define UPNP_EXIT_WAIT	3000	/* ms the exit waits for the deletion */

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

/*
 * What systemctl status shows (notify.c; nothing without a service
 * manager). READY=1 once qualified, or READY_WAIT after the start if not
 * (c->ready_at): a client with no server in reach must not hold the boot
 * (multi-user.target waits for the units it wants); it keeps trying, and
 * STATUS= says why it has no address.
 */
static void status(struct client *c, const char *why)
{
	char buf[INET6_ADDRSTRLEN];

	if (c->up) {
		c->ready_at = 0;
		notify("READY=1\nSTATUS=Teredo address %s (server %s, NAT %s)%s%s",
		       inet_ntop(AF_INET6, &c->addr, buf, sizeof(buf)),
		       c->conf.servers[c->server].name,
		       teredo_nat_name(c->nat), why ? ", " : "",
		       why ? why : "");
	} else {
		notify("STATUS=not qualified: %s", why);
	}
}

/* 0.0.0.0 while the name is not resolved */
static uint32_t server_ip(const struct client *c, size_t i)
{
	return c->conf.servers[i].primary.s_addr;
}

static const char *kind_name(enum probe_kind k)
{
	static const char *const names[] = {
		[PROBE_QUALIFY] = "qualification",
		[PROBE_REFRESH] = "refresh",
		[PROBE_SECONDARY] = "secondary address test",
	};

	return names[k];
}

/* Send a solicitation; its answer is expected within @timeout ms. */
static struct probe *probe_send(struct client *c, enum probe_kind kind,
				size_t server, uint32_t dst, int64_t timeout)
{
	struct probe *p = NULL;
	size_t i;

	if (!dst)
		return NULL;
	for (i = 0; i < CLIENT_MAX_PROBES && !p; i++)
		if (!c->probes[i].used)
			p = &c->probes[i];
	if (!p)
		return NULL;
	if (getrandom(p->nonce, sizeof(p->nonce), 0) != sizeof(p->nonce))
		return NULL;
	/* not sent (the device is down...): it times out like a lost one */
	client_solicit(c, dst, p->nonce);
	p->used = true;
	p->kind = kind;
	p->server = server;
	p->dst = dst;
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

static void resolve_start(struct client *c);

/* A qualification round: a solicitation to every server at once; the
 * first to answer (the fastest) is the one we use.
 */
static void round_start(struct client *c)
{
	int64_t timeout = c->fast ? RS_FAST_TIMEOUT : RS_TIMEOUT;
	bool sent = false;
	size_t i;

	c->round_at = 0;
	c->tries++;
	for (i = 0; i < c->conf.nservers; i++)
		sent |= probe_send(c, PROBE_QUALIFY, i, server_ip(c, i),
				   timeout) != NULL;
	if (!sent) {
		/* no server resolved yet: the resolver calls again */
		c->tries = 0;
		c->round_at = now_ms() + ROUND_PAUSE;
	}
}

static void refresh_send(struct client *c)
{
	int64_t timeout = c->fast ? RS_FAST_TIMEOUT : RS_TIMEOUT;

	c->tries++;
	probe_send(c, PROBE_REFRESH, c->server, server_ip(c, c->server),
		   timeout);
}

static void update(struct client *c, bool up, const struct in6_addr *old,
		   enum hook_state hook)
{
	struct client_update u = { .up = up, .hook = hook };

	if (up) {
		u.addr = c->addr;
		u.mtu = c->mtu;
	}
	if (old)
		u.old = *old;
	client_update(c, &u);
}

/* Not qualified any more: the kernel stops sending, the address goes. */
static void go_down(struct client *c, const char *why)
{
	char buf[INET6_ADDRSTRLEN];

	c->dormant = false;
	c->waking = false;
	c->idle_at = 0;
	probes_drop(c, PROBE_SECONDARY);
	if (!c->up)
		return;
	log_notice("Teredo address %s withdrawn: %s",
		   inet_ntop(AF_INET6, &c->addr, buf, sizeof(buf)), why);
	c->up = false;
	client_set_state(c, NULL, TEREDO_NAT_UNKNOWN);
	update(c, false, &c->addr, HOOK_DOWN);
	status(c, why);
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

/* RFC 6081 5.4.3: the NAT kept our port as the mapped one (not a
 * gateway's mapping, whose port UPnP chose)
 */
static bool nat_port_preserving(const struct client *c, enum teredo_nat nat)
{
	return (nat == TEREDO_NAT_CONE || nat == TEREDO_NAT_RESTRICTED ||
		nat == TEREDO_NAT_SYMMETRIC) && !c->upnp_used &&
	       ntohs(c->mapped_port) == c->local_port;
}

static void nat_set(struct client *c, enum teredo_nat nat)
{
	c->nat = nat;
	log_notice("NAT type: %s%s", teredo_nat_name(nat),
		   nat_port_preserving(c, nat) ? ", port-preserving" : "");
	if (c->up) {
		client_set_state(c, &c->addr, nat);
		status(c, NULL);
	}
}

/*
 * After a new mapping: what kind of NAT is this? No cone test: RFC 5991
 * retired the cone bit of RFC 4380 5.2.1 (a solicitation from the cone
 * link-local asks the server to answer from its other address, which
 * opens the NAT to unsolicited packets and says what it is to anyone
 * who listens). Only the secondary-address test of 5.2.1: the same
 * mapping seen from the server's other address is a restricted (or
 * cone) NAT, another one a symmetric NAT. The solicitation goes to the
 * server's secondary address alone, which the kernel then accepts
 * answers from for 30 s, as from any server we solicit.
 */
static void nat_test_start(struct client *c)
{
	probes_drop(c, PROBE_SECONDARY);
	c->nat = TEREDO_NAT_UNKNOWN;
	if (ip_is_local(c->mapped_ip)) {
		nat_set(c, TEREDO_NAT_NONE);
		return;
	}
	probe_send(c, PROBE_SECONDARY, c->server,
		   c->conf.servers[c->server].secondary.s_addr, RS_TIMEOUT);
}

/* QualifyOnDemand: how often the kernel's idle time is looked at. */
static int64_t idle_period(const struct client *c)
{
	int64_t t = (int64_t)c->conf.dormant_timeout * 1000 / 4;

	return t < 1000 ? 1000 : t > 60000 ? 60000 : t;
}

/* Nothing sent for DormantTimeout: the address stays, but nothing keeps
 * the NAT mapping any more; the kernel holds what the host sends next and
 * wakes us.
 */
static void go_dormant(struct client *c)
{
	int err = client_set_dormant(c, &c->addr, c->nat);

	if (err == -EINVAL || err == -EOPNOTSUPP) {
		log_warn("QualifyOnDemand: the module cannot hold packets while dormant; staying awake");
		c->conf.on_demand = false;
		c->idle_at = 0;
		return;
	}
	if (err)
		return;		/* tried again at the next look */
	c->dormant = true;
	c->idle_at = 0;
	probes_drop(c, PROBE_REFRESH);
	probes_drop(c, PROBE_SECONDARY);
	log_notice("dormant: nothing sent for %u s; no refresh until the host sends",
		   c->conf.dormant_timeout);
	status(c, "dormant");
}

/* The kernel dormant while we are not (a failed request, an operator):
 * awake it, at most once a second.
 */
static void reassert_awake(struct client *c)
{
	int64_t now = now_ms();

	if (now - c->reasserted_at < 1000)
		return;
	c->reasserted_at = now;
	log_info("the device was dormant while teredod was not: awake again");
	client_set_state(c, &c->addr, c->nat);
}

static void idle_check(struct client *c)
{
	bool dormant;
	int64_t idle;
	int err;

	c->idle_at = now_ms() + idle_period(c);
	err = client_get_idle(c, &idle, &dormant);
	if (err == -EOPNOTSUPP) {
		log_warn("QualifyOnDemand: the module does not say how long the host was idle; staying awake");
		c->conf.on_demand = false;
		c->idle_at = 0;
		return;
	}
	if (err)
		return;
	if (dormant)
		reassert_awake(c);
	else if (idle >= (int64_t)c->conf.dormant_timeout * 1000)
		go_dormant(c);
}

/* The host sent through the dormant device: qualify again, quickly (the
 * kernel holds the packets until we say so).
 */
static void wake(struct client *c)
{
	if (!c->dormant) {
		/* a notification from a device that should not be dormant */
		if (c->up && !c->waking)
			reassert_awake(c);
		return;
	}
	c->dormant = false;
	c->waking = true;
	log_notice("woken: a packet waits; qualifying again");
	status(c, "waking up");
	c->tries = 0;
	c->fast = true;
	probes_drop(c, PROBE_REFRESH);
	refresh_send(c);
}

/* ---- UPnP (RFC 6081 3.2) ---------------------------------------------- */

/*
 * The gateway's mapping is ours to embed only if it is what the Teredo
 * server sees (RFC 6081 3.2), address and port: a gateway behind another
 * NAT maps a port nobody outside reaches, and the server takes packets
 * from a Teredo address only from the mapping it embeds (RFC 4380 5.3.1).
 * A NAT that sends from another port than the one mapped (a symmetric
 * NAT: masquerade picks a port per destination) gets one more request:
 * the port the server sees, which then also lets peers in.
 */
static bool upnp_usable(struct client *c, const struct teredo_ra *ra)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint16_t seen = ntohs(ra->mapped_port);

	if (!c->upnp.have)
		return false;
	if (c->upnp.ext_ip == ra->mapped_ip && c->upnp.ext_port == seen)
		return true;
	if (c->upnp.ext_ip == ra->mapped_ip && !c->upnp_realigned &&
	    !c->upnp.pid) {
		log_info("%s: the NAT sends from port %u, the gateway maps %u: asking for %u",
			 upnp_proto(&c->upnp), seen, c->upnp.ext_port, seen);
		c->upnp_realigned = true;
		if (!upnp_add(&c->upnp, c->local_port, c->local_ip, seen))
			return false;
	}
	if (c->upnp.pid)
		return false;	/* its answer decides */
	log_warn("%s: the gateway maps %s:%u, the server sees %s:%u: mapping not used",
		 upnp_proto(&c->upnp), ip_str(c->upnp.ext_ip, a),
		 c->upnp.ext_port,
		 ip_str(ra->mapped_ip, b), seen);
	c->upnp_refused = true;
	c->upnp_at = 0;
	upnp_delete(&c->upnp);
	return false;
}

/* Map (or renew) the device's port; the port our address embeds first. */
static void upnp_start(struct client *c)
{
	c->upnp_at = 0;
	if (!c->conf.upnp || c->upnp_refused || c->upnp.pid)
		return;
	if (upnp_add(&c->upnp, c->local_port, c->local_ip,
		     c->upnp.have ? c->upnp.ext_port : c->upnp_want))
		c->upnp_at = now_ms() + UPNP_RETRY;
}

static void upnp_done(struct client *c, bool kill_it)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	bool deleting = c->upnp.deleting, had = c->upnp.have;
	uint16_t port = c->upnp.ext_port;
	struct upnp_answer ans;
	int64_t now, lease;
	int r;

	r = upnp_finish(&c->upnp, &ans, kill_it);
	if (r < 0)
		return;
	now = now_ms();
	if (deleting) {
		if (r)
			log_info("%s: mapping of port %u deleted",
				 upnp_proto(&c->upnp), port);
		else
			log_info("%s: %s", upnp_proto(&c->upnp), ans.detail);
	} else if (r) {
		if (!had || port != c->upnp.ext_port)
			log_notice("%s: the gateway maps %s:%u to %s:%u (lease %u s)",
				   upnp_proto(&c->upnp),
				   ip_str(c->upnp.ext_ip, a), c->upnp.ext_port,
				   ip_str(c->upnp.lan_ip, b),
				   c->upnp.int_port, c->upnp.lifetime);
		/* renewed at half the lease (a mapping for good: as often) */
		lease = c->upnp.lifetime && c->upnp.lifetime < UPNP_LEASE ?
			c->upnp.lifetime : UPNP_LEASE;
		c->upnp_until = c->upnp.lifetime ? now + lease * 1000 :
				INT64_MAX;
		c->upnp_at = now + lease * 1000 / 2;
	} else {
		log_warn("%s: %s", upnp_proto(&c->upnp), ans.detail);
		/* a renewal that failed: the lease may still hold */
		if (had && now + UPNP_RETRY_SOON < c->upnp_until) {
			c->upnp.have = true;
			c->upnp_at = now + UPNP_RETRY_SOON;
		} else {
			c->upnp.have = false;
			c->upnp_at = now + UPNP_RETRY;
		}
	}
	if (c->upnp_wait) {
		c->upnp_wait = false;
		c->tries = 0;
		if (c->up && !c->dormant)
			refresh_send(c);
		else if (!c->up)
			round_start(c);
	} else if (c->up && !c->dormant &&
		   (had != c->upnp.have || port != c->upnp.ext_port) &&
		   !probes_pending(c, PROBE_REFRESH)) {
		/* the address embeds the mapping, or no longer can */
		c->tries = 0;
		refresh_send(c);
	}
}

/* Give the gateway its port back: at exit, or UPnP no longer wanted
 * (bounded by UPNP_EXIT_WAIT).
 */
static void upnp_stop(struct client *c)
{
	struct upnp_answer a;
	uint16_t port;

	c->upnp_at = 0;
	c->upnp_wait = false;
	/* a request under way: its answer, so that what it mapped goes too */
	if (!c->upnp.deleting)
		upnp_wait(&c->upnp, UPNP_EXIT_WAIT, &a);
	else
		upnp_wait(&c->upnp, 0, &a);
	port = c->upnp.ext_port;
	if (!c->upnp.have || upnp_delete(&c->upnp))
		return;
	if (upnp_wait(&c->upnp, UPNP_EXIT_WAIT, &a) == 1)
		log_info("%s: mapping of port %u deleted",
			 upnp_proto(&c->upnp), port);
	else
		log_warn("%s: %s", upnp_proto(&c->upnp), a.detail);
}

/* A valid answer to a qualification or refresh: up, maybe a new address. */
static void qualified(struct client *c, const struct probe *p,
		      const struct teredo_ra *ra)
{
	bool upnp = upnp_usable(c, ra);
	struct teredo_addr_parts parts = {
		.server = ra->server, .ip = ra->mapped_ip,
		.port = ra->mapped_port,
	};
	unsigned int mtu = c->conf.mtu ? c->conf.mtu :
			   ra->mtu ? ra->mtu : TEREDO_MIN_MTU;
	char buf[INET6_ADDRSTRLEN], ipbuf[INET_ADDRSTRLEN];
	struct in6_addr old = c->addr;
	bool was_up = c->up, waking = c->waking;

	probes_drop(c, PROBE_QUALIFY);
	probes_drop(c, PROBE_REFRESH);
	if (!upnp && c->upnp.pid && !c->upnp.deleting &&
	    (c->upnp_realigned || !c->up)) {
		/* the gateway is asked for the port the server sees: no
		 * address without it, then one with it; solicited again once
		 * it answered
		 */
		c->upnp_wait = true;
		c->tries = 0;
		return;
	}
	c->tries = 0;
	c->fast = false;
	c->round_at = 0;
	c->waking = false;
	c->last_ra = now_ms();
	c->refresh_at = c->last_ra + refresh_interval();
	if (c->conf.on_demand && !c->idle_at)
		c->idle_at = c->last_ra + idle_period(c);
	if (c->up && p->server == c->server && ra->server == c->prev_server &&
	    ra->mapped_ip == c->mapped_ip &&
	    ra->mapped_port == c->mapped_port && mtu == c->mtu &&
	    upnp == c->upnp_used) {
		log_debug("mapping refreshed, %u ms", (unsigned int)
			  (c->last_ra - p->sent));
		if (waking) {
			/* the same address: what waited goes now */
			log_notice("awake with the same address (%u ms)",
				   (unsigned int)(c->last_ra - p->sent));
			if (client_set_state(c, &c->addr, c->nat))
				c->waking = true;	/* the next wake says so */
			status(c, NULL);
		}
		return;
	}
	/*
	 * RFC 5991: 12 random bits, kept while the server and the mapping
	 * hold: a new MTU, a device that went down and up, a restart (the
	 * last address is kept in a file) keep the address.
	 */
	if (!(c->have_prev && ra->server == c->prev_server &&
	      ra->mapped_ip == c->prev_ip && ra->mapped_port == c->prev_port))
		c->random_bits = (uint16_t)random_u32();
	c->have_prev = true;
	c->prev_server = ra->server;
	c->prev_ip = ra->mapped_ip;
	c->prev_port = ra->mapped_port;
	parts.flags = teredo_flags_random(c->random_bits) |
		      (upnp ? TEREDO_FLAG_UPNP : 0);
	c->server = p->server;
	c->mapped_ip = ra->mapped_ip;
	c->mapped_port = ra->mapped_port;
	c->upnp_used = upnp;
	c->mtu = mtu;
	teredo_addr_build(&c->addr, &parts);
	if (was_up && !memcmp(&old, &c->addr, sizeof(old))) {
		update(c, true, NULL, HOOK_NONE);	/* only the MTU */
		if (waking)
			client_set_state(c, &c->addr, c->nat);
		return;
	}
	log_notice("new Teredo address %s (server %s, %u ms; mapping %s:%u%s)",
		   inet_ntop(AF_INET6, &c->addr, buf, sizeof(buf)),
		   c->conf.servers[c->server].name,
		   (unsigned int)(c->last_ra - p->sent),
		   ip_str(ra->mapped_ip, ipbuf), ntohs(ra->mapped_port),
		   upnp ? ", UPnP" : "");
	c->up = true;
	client_set_state(c, &c->addr, TEREDO_NAT_UNKNOWN);
	update(c, true, was_up ? &old : NULL, HOOK_UP);
	status(c, NULL);
	nat_test_start(c);
}

static void nat_answer(struct client *c, const struct probe *p,
		       const struct teredo_ra *ra)
{
	bool same = ra->mapped_ip == c->mapped_ip &&
		    ra->mapped_port == c->mapped_port;

	probes_drop(c, p->kind);
	/* the gateway's mapping lets anyone in: a cone, for this port */
	nat_set(c, !same ? TEREDO_NAT_SYMMETRIC :
		c->upnp_used ? TEREDO_NAT_CONE : TEREDO_NAT_RESTRICTED);
}

/*
 * An answer we take no use of: logged, REFUSED_BURST at once then one a
 * second at most, with the count of those not logged (a flood of forged
 * answers from a server we solicited must not flood the log).
 */
static void refused(struct client *c, uint32_t src, uint16_t port,
		    const char *why)
{
	int64_t now = now_ms(), credit = (now - c->refused_at) / 1000;
	char ipbuf[INET_ADDRSTRLEN], more[64] = "";
	unsigned long n = c->refused;

	/* c->refused: the refusals not logged, past REFUSED_BURST */
	if (c->refused_at && credit < 1 && n >= REFUSED_BURST) {
		c->refused++;
		return;
	}
	if (credit >= 1 || !c->refused_at) {
		if (n > REFUSED_BURST)
			snprintf(more, sizeof(more),
				 " (and %lu more not logged)",
				 n - REFUSED_BURST);
		c->refused = 0;
		c->refused_at = now;
	}
	c->refused++;
	log_warn("ignored a router advertisement from %s:%u: %s%s",
		 ip_str(src, ipbuf), ntohs(port), why, more);
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
		if (ra.cone) {
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
	refused(c, src, port, why);
}

static void probe_expired(struct client *c, struct probe *p)
{
	char ipbuf[INET_ADDRSTRLEN];
	int max = c->fast ? RS_FAST_TRIES : RS_TRIES;

	p->used = false;
	switch (p->kind) {
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
		/* failover: the names again (a server that moved), and a
		 * round over every server meanwhile
		 */
		c->resolve_at = now_ms();
		round_start(c);
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
		status(c, "no reply from any Teredo server");
		c->round_at = now_ms() + ROUND_PAUSE;
		c->resolve_at = now_ms();
		break;
	}
}

/* The host's IPv4 addresses or routes changed: our mapping may have. */
static void path_changed(struct client *c)
{
	/* dormant: the next wake checks it */
	if (c->dormant)
		return;
	log_info("IPv4 addresses or routes changed: checking the mapping");
	if (c->conf.upnp && !c->upnp.pid) {
		/* another network, maybe another gateway */
		c->upnp_refused = false;
		c->upnp_realigned = false;
		c->upnp.desc_url[0] = '\0';
		upnp_start(c);
	}
	if (c->upnp_wait)
		return;		/* qualified once the gateway answered */
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

/* ---- server names ---------------------------------------------------- */

/* One answer of the resolver: index, status, addresses. */
struct resolved {
	uint32_t i;
	int32_t rc;
	struct in_addr primary, secondary;
};

static bool has_names(const struct client *c)
{
	struct in_addr a;
	size_t i;

	for (i = 0; i < c->conf.nservers; i++)
		if (inet_pton(AF_INET, c->conf.servers[i].name, &a) != 1 ||
		    c->conf.servers[i].name2[0])
			return true;
	return false;
}

/* Look every server name up in a child process; answers on a pipe. */
static void resolve_start(struct client *c)
{
	struct resolved r;
	char err[TEREDOD_ERRLEN];
	int fd[2];
	pid_t pid;
	size_t i;

	c->resolve_at = 0;
	if (c->resolver || !has_names(c))
		return;
	if (pipe2(fd, O_CLOEXEC)) {
		c->resolve_at = now_ms() + RESOLVE_RETRY_MAX;
		return;
	}
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		c->resolve_at = now_ms() + RESOLVE_RETRY_MAX;
		return;
	}
	if (!pid) {
		int out = child_isolate(fd[1]);

		if (out < 0)
			_exit(1);
		for (i = 0; i < c->conf.nservers; i++) {
			struct conf_server s = c->conf.servers[i];

			memset(&r, 0, sizeof(r));
			r.i = i;
			r.rc = conf_resolve_server(&s, err, sizeof(err));
			if (r.rc)
				log_warn("server %s", err);
			r.primary = s.primary;
			r.secondary = s.secondary;
			if (write(out, &r, sizeof(r)) != sizeof(r))
				break;
		}
		_exit(0);
	}
	close(fd[1]);
	c->resolver = pid;
	c->resolver_fd = fd[0];
}

/* The answers: servers that moved are followed. */
static void resolve_done(struct client *c)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct conf_server *s;
	struct resolved r;
	bool failed = false, any = false, moved = false;
	int status;

	while (read(c->resolver_fd, &r, sizeof(r)) == sizeof(r)) {
		if (r.i >= c->conf.nservers)
			continue;
		s = &c->conf.servers[r.i];
		if (r.rc) {
			failed = true;
			continue;
		}
		if (s->primary.s_addr != r.primary.s_addr) {
			if (s->primary.s_addr)
				log_notice("server %s moved from %s to %s",
					   s->name, ip_str(s->primary.s_addr, a),
					   ip_str(r.primary.s_addr, b));
			else
				log_notice("server %s resolved: %s", s->name,
					   ip_str(r.primary.s_addr, a));
			moved |= c->up && r.i == c->server;
			any = true;
		}
		s->primary = r.primary;
		s->secondary = r.secondary;
	}
	close(c->resolver_fd);
	c->resolver_fd = -1;
	while (waitpid(c->resolver, &status, 0) < 0 && errno == EINTR)
		;
	c->resolver = 0;
	if (failed) {
		c->resolve_backoff = c->resolve_backoff ?
				     c->resolve_backoff * 2 : RESOLVE_RETRY;
		if (c->resolve_backoff > RESOLVE_RETRY_MAX)
			c->resolve_backoff = RESOLVE_RETRY_MAX;
		log_info("server names: next lookup in %lld s",
			 (long long)(c->resolve_backoff + 999) / 1000);
		c->resolve_at = now_ms() + c->resolve_backoff;
	} else {
		c->resolve_backoff = 0;
		c->resolve_at = now_ms() + RESOLVE_PERIOD;
	}
	if (moved && !c->dormant) {
		/* our server is elsewhere: qualify there */
		c->tries = 0;
		probes_drop(c, PROBE_REFRESH);
		refresh_send(c);
	} else if (any && !c->up && !c->upnp_wait &&
		   !probes_pending(c, PROBE_QUALIFY)) {
		c->tries = 0;
		round_start(c);
	}
}

static int64_t next_deadline(const struct client *c)
{
	int64_t t = INT64_MAX;
	size_t i;

	for (i = 0; i < CLIENT_MAX_PROBES; i++)
		if (c->probes[i].used && c->probes[i].deadline < t)
			t = c->probes[i].deadline;
	if (c->up && !c->dormant && c->refresh_at &&
	    !probes_pending(c, PROBE_REFRESH) && c->refresh_at < t)
		t = c->refresh_at;
	if (c->up && !c->dormant && !c->waking && c->conf.on_demand &&
	    c->idle_at && c->idle_at < t)
		t = c->idle_at;
	if (c->round_at && c->round_at < t)
		t = c->round_at;
	if (c->watch_at && c->watch_at < t)
		t = c->watch_at;
	if (c->resolve_at && !c->resolver && c->resolve_at < t)
		t = c->resolve_at;
	if (c->ready_at && c->ready_at < t)
		t = c->ready_at;
	if (c->upnp.pid && c->upnp.deadline < t)
		t = c->upnp.deadline;
	if (c->upnp_at && !c->upnp.pid && c->upnp_at < t)
		t = c->upnp_at;
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
	if (c->up && !c->dormant && c->refresh_at && c->refresh_at <= now &&
	    !probes_pending(c, PROBE_REFRESH))
		refresh_due(c);
	if (c->up && !c->dormant && !c->waking && c->conf.on_demand &&
	    c->idle_at && c->idle_at <= now)
		idle_check(c);
	if (c->resolve_at && c->resolve_at <= now && !c->resolver)
		resolve_start(c);
	if (c->ready_at && c->ready_at <= now) {
		c->ready_at = 0;
		notify("READY=1");
	}
	if (c->upnp.pid && c->upnp.deadline <= now)
		upnp_done(c, true);
	if (c->upnp_at && c->upnp_at <= now && !c->upnp.pid)
		upnp_start(c);
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
		if (n == CLIENT_WAKE)
			wake(c);
		else
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
			log_warn("%s%s", err,
				 rc == 1 ? " (looked up again later)" : "");
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
	    cf.bind_addr.s_addr != c->conf.bind_addr.s_addr ||
	    strcmp(cf.hook, c->conf.hook))
		log_warn("InterfaceName, BindAddress, BindPort and HookScript take effect at restart");
	snprintf(cf.ifname, sizeof(cf.ifname), "%s", c->conf.ifname);
	memcpy(cf.hook, c->conf.hook, sizeof(cf.hook));
	/* same server, same index; else qualify again */
	for (i = 0; i < cf.nservers; i++)
		if (c->up && cf.servers[i].primary.s_addr ==
		    server_ip(c, c->server))
			break;
	if (c->conf.upnp && !cf.upnp)
		upnp_stop(c);
	c->conf = cf;
	if (cf.upnp && !c->upnp.have && !c->upnp.pid) {
		c->upnp_refused = false;
		upnp_start(c);
	}
	memset(c->probes, 0, sizeof(c->probes));
	c->tries = 0;
	/* awake to read the new configuration's servers */
	if (c->dormant) {
		c->dormant = false;
		c->waking = true;
	}
	c->idle_at = 0;
	c->resolve_at = now_ms();
	if (c->up && i < cf.nservers) {
		c->server = i;
		refresh_send(c);
	} else {
		go_down(c, "server no longer configured");
		round_start(c);
	}
}

/* What the last address tells: its server, mapping and random bits. */
static void remember(struct client *c, const struct in6_addr *a)
{
	struct teredo_addr_parts parts;

	teredo_addr_split(a, &parts);
	c->have_prev = true;
	c->prev_server = parts.server;
	c->prev_ip = parts.ip;
	c->prev_port = parts.port;
	c->random_bits = parts.flags;
	/* a restart asks the gateway for the port the address embeds */
	c->upnp_want = parts.flags & TEREDO_FLAG_UPNP ? ntohs(parts.port) : 0;
}

/* A qualified state left by an earlier teredod (kill -9): keep its
 * address if the server still gives the same mapping.
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
	/* left dormant: it stays so, unless no longer asked for (a module
	 * without on-demand qualification is never dormant)
	 */
	if (client_get_idle(c, &age, &c->dormant))
		c->dormant = false;
	if (c->dormant && !c->conf.on_demand) {
		c->dormant = false;
		c->waking = true;
	}
	c->up = true;
	c->server = i;
	c->addr = a;
	c->mapped_ip = parts.ip;
	c->mapped_port = parts.port;
	c->mtu = 0;
	c->upnp_used = parts.flags & TEREDO_FLAG_UPNP;
	remember(c, &a);
}

static int client_loop(struct client *c)
{
	struct pollfd pfd[4] = {
		{ .fd = mnl_socket_get_fd(c->ev.nl), .events = POLLIN },
		{ .fd = rtnl_watch_fd(&c->watch), .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
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
		pfd[2].fd = c->resolver ? c->resolver_fd : -1;
		pfd[3].fd = c->upnp.pid ? c->upnp.fd : -1;
		n = ppoll(pfd, 4, d == INT64_MAX ? NULL : &ts, &empty);
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
		if (n > 0 && pfd[2].revents && c->resolver)
			resolve_done(c);
		if (n > 0 && pfd[3].revents && c->upnp.pid)
			upnp_done(c, false);
		timers_run(c);
	}
	return 0;
}

void client_usage(FILE *f)
{
	fputs("  teredod [-c FILE] [-f] [-p FILE] [-u USER] [-v] [SERVER...]\n"
	      "                                  the Teredo client daemon\n",
	      f);
}

/* As root: the PID file (a second teredod of the device is refused) and
 * the file of the last address.
 */
static int client_files(struct client *c, const struct opts *opts)
{
	char path[PIDFILE_PATHLEN], err[TEREDOD_ERRLEN];
	struct in6_addr a;

	if (pidfile_open(&c->pf, opts->pidfile ? opts->pidfile :
			 run_path(path, sizeof(path), c->conf.ifname, ".pid"),
			 err, sizeof(err))) {
		log_err("%s: %s", c->conf.ifname, err);
		return -1;
	}
	run_path(c->addr_path, sizeof(c->addr_path), c->conf.ifname,
		 ".addr");
	if (kdev_load_addr(c->addr_path, &a))
		remember(c, &a);
	return 0;
}

int cmd_client(int argc, char **argv, const struct opts *opts)
{
	static struct client cl;
	struct client *c = &cl;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[TEREDOD_ERRLEN];
	sigset_t block;
	int rc = 1;

	c->conf_path = opts->conf ? opts->conf : TEREDOD_CONF_CLIENT;
	c->servers_arg = argv;
	c->nservers_arg = argc;
	c->pf.fd = -1;
	c->resolver_fd = -1;
	log_open(true, LOG_DAEMON, opts->verbose);
	if (opts->chroot) {
		log_err("-t: for the server only (the client looks server names up)");
		return 2;
	}
	if (client_conf(c, &c->conf))
		return 1;
	log_open(true, c->conf.facility, opts->verbose);
	/* before privileges and chroot go: the socket is connected */
	if (notify_open())
		log_warn("NOTIFY_SOCKET: %s", strerror(errno));

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (client_files(c, opts))
		return 1;
	if (client_dev_open(c))
		goto out;
	if (!opts->foreground) {
		if (daemon(0, 0)) {
			log_err("daemon: %s", strerror(errno));
			goto out;
		}
		log_open(false, c->conf.facility, opts->verbose);
		if (pidfile_update(&c->pf, err, sizeof(err)))
			log_warn("%s", err);
	}
	/* the helper keeps root and CAP_NET_ADMIN; we keep nothing */
	if (priv_start(c))
		goto out;
	if (privs_drop(opts->user, NULL, 0, err, sizeof(err))) {
		log_err("%s", err);
		priv_stop(c);
		goto out;
	}

	adopt(c);
	c->ready_at = now_ms() + READY_WAIT;
	/* RFC 6081: the gateway's mapping before qualifying, so that the
	 * address embeds it from the start (bounded: UPNP_TIMEOUT)
	 */
	upnp_init(&c->upnp);
	if (c->conf.upnp) {
		upnp_start(c);
		c->upnp_wait = c->upnp.pid != 0;
	}
	if (c->up) {
		/* the hook ran for this address: only the helper learns it */
		update(c, true, NULL, HOOK_RESUMED);
		status(c, c->dormant ? "dormant" : NULL);
		if (!c->dormant && !c->upnp_wait)
			refresh_send(c);
	} else {
		client_set_state(c, NULL, TEREDO_NAT_UNKNOWN);
		status(c, "qualifying");
		if (!c->upnp_wait)
			round_start(c);
	}
	resolve_start(c);
	rc = client_loop(c);

	log_notice("exiting");
	notify("STOPPING=1");
	go_down(c, "exiting");
	upnp_stop(c);
	update(c, false, NULL, HOOK_DESTROY);
	priv_stop(c);
out:
	client_dev_close(c);
	/* still root: no helper removed it */
	if (!geteuid())
		pidfile_remove(&c->pf);
	else if (c->pf.fd >= 0)
		close(c->pf.fd);
	notify_close();
	log_close();
	return rc;
}
